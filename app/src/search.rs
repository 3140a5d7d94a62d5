//! Search, shared by the POS, Orders and Customers (server only).
//!
//! People are found by name as they say it: first and last name in either
//! order, any case, with or without accents ("lovelace ada", "Lea" for
//! "Léa"), or by the start of their email. Each row stores three keys, kept
//! in step by the entities' `before_save`: `name_key` = fold("first last"),
//! `name_key_rev` = fold("last first") and `email_key` = the email lowercased.
//! A search is "a key starts with what was typed", written as a range
//! (`key >= q AND key < q⁺`) so that an ordinary B-tree index answers it on
//! both databases: SQLite compares text bytewise (BINARY), and on PostgreSQL
//! the key columns are `COLLATE "C"` (see the migration `m20261203_000001`).
//!
//! Products still use the "contains" search below (a small table).
use sea_orm::sea_query::{Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, SimpleExpr};
use sea_orm::{ActiveValue, ColumnTrait, Condition, DbErr};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Keys and queries are cut to this many characters: a longer query is not a
/// name anyone types, and the cut is the same on both sides, so a prefix
/// still matches.
pub const KEY_CHARS: usize = 100;

/// A name as it is compared: compatibility-decomposed, accents dropped,
/// lowercased, letters that do not decompose spelt out (ß → ss, æ → ae, ø → o,
/// ł → l …), apostrophes dropped (O'Brien → obrien), every run of spaces,
/// punctuation and symbols one space, no space at either end, at most
/// [`KEY_CHARS`] characters. Whatever a person types of a name folds to a
/// prefix of the name's fold.
pub fn fold(s: &str) -> String {
    let mut out = Folded::default();
    for c in s.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        // One char can lowercase to several (İ → i + combining dot).
        for l in c.to_lowercase() {
            if is_combining_mark(l) {
                continue;
            }
            let full = match l {
                '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' => continue,
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'ø' => out.push_str("o"),
                'ł' => out.push_str("l"),
                'đ' | 'ð' => out.push_str("d"),
                'þ' => out.push_str("th"),
                'ħ' => out.push_str("h"),
                'ı' => out.push_str("i"),
                // Lowercase sigma in the middle and at the end of a word is the same letter.
                'ς' => out.push_str("σ"),
                l if l.is_alphanumeric() => out.push_str(l.encode_utf8(&mut [0; 4])),
                _ => {
                    out.gap = true;
                    false
                }
            };
            if full {
                return out.text;
            }
        }
    }
    out.text
}

/// [`fold`]'s output as it grows: a pending gap becomes one space only
/// between two letters, and nothing goes past [`KEY_CHARS`].
#[derive(Default)]
struct Folded {
    text: String,
    chars: usize,
    gap: bool,
}

impl Folded {
    /// Appends `piece`; true once the key is full.
    fn push_str(&mut self, piece: &str) -> bool {
        for c in piece.chars() {
            let space = self.gap && self.chars > 0;
            if self.chars + usize::from(space) + 1 > KEY_CHARS {
                return true;
            }
            if space {
                self.text.push(' ');
                self.chars += 1;
            }
            self.gap = false;
            self.text.push(c);
            self.chars += 1;
        }
        false
    }
}

/// The stored name keys of a person: (first last, last first), folded.
pub fn name_keys(first: &str, last: &str) -> (String, String) {
    (
        fold(&format!("{first} {last}")),
        fold(&format!("{last} {first}")),
    )
}

/// The stored email key: the address lowercased (char by char, the same rule
/// as [`email_prefix`]).
pub fn email_key(email: &str) -> String {
    email.trim().chars().flat_map(char::to_lowercase).collect()
}

/// What was typed, as the start of an email: lowercased and capped, or `None`
/// when it cannot start one (empty, or it has a space).
pub fn email_prefix(query: &str) -> Option<String> {
    let typed = query.trim();
    if typed.is_empty() || typed.chars().any(char::is_whitespace) {
        return None;
    }
    let prefix: String = typed
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(char::to_lowercase)
        .take(KEY_CHARS)
        .collect();
    (!prefix.is_empty()).then_some(prefix)
}

/// The least string above every string that starts with `prefix`, in code
/// point order (which is UTF-8 byte order: SQLite's BINARY, PostgreSQL's "C"),
/// or `None` when there is none (empty, or only `char::MAX`).
pub fn prefix_upper(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            char::MAX => continue,
            // The surrogates are not chars: after U+D7FF comes U+E000.
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `col` starts with `prefix`, as an index range.
fn starts_with<C: ColumnTrait>(col: C, prefix: &str) -> Condition {
    let from = Condition::all().add(col.gte(prefix));
    match prefix_upper(prefix) {
        Some(upper) => from.add(col.lt(upper)),
        None => from,
    }
}

/// Rows whose name (first and last, either order) or email starts with what
/// was typed; `None` when nothing was typed. The columns are the row's
/// `name_key`, `name_key_rev` and `email_key`.
pub fn name_or_email<C: ColumnTrait>(
    name_col: C,
    reversed_col: C,
    email_col: C,
    query: &str,
) -> Option<Condition> {
    let name = fold(query);
    let email = email_prefix(query);
    if name.is_empty() && email.is_none() {
        return None;
    }
    let mut any = Condition::any();
    if !name.is_empty() {
        any = any
            .add(starts_with(name_col, &name))
            .add(starts_with(reversed_col, &name));
    }
    if let Some(email) = email {
        any = any.add(starts_with(email_col, &email));
    }
    Some(any)
}

/// The value a save leaves in a text column, for computing its keys: what it
/// sets or leaves unchanged, or on insert the column's default (empty). An
/// update that does not hold the value is refused, since its keys would go
/// stale; load the row first (`Model::into()`).
pub fn saved_text<'a>(
    value: &'a ActiveValue<String>,
    column: &str,
    insert: bool,
) -> Result<&'a str, DbErr> {
    match value {
        ActiveValue::Set(v) | ActiveValue::Unchanged(v) => Ok(v),
        ActiveValue::NotSet if insert => Ok(""),
        ActiveValue::NotSet => Err(DbErr::AttrNotSet(column.to_owned())),
    }
}

/// The LIKE pattern for what a person typed, or `None` when there is nothing to
/// look for. Wildcards they type are matched literally; input is capped.
pub fn contains_pattern(query: &str) -> Option<String> {
    let needle: String = query
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    if needle.is_empty() {
        return None;
    }
    Some(format!(
        "%{}%",
        needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    ))
}

/// `lower(col) LIKE pattern ESCAPE '\'`.
pub fn lower_like(col: impl IntoColumnRef, pattern: &str) -> SimpleExpr {
    Expr::expr(Func::lower(Expr::col(col))).like(LikeExpr::new(pattern).escape('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(contains_pattern("  Mug "), Some("%mug%".into()));
        assert_eq!(
            contains_pattern("50%_off\\"),
            Some("%50\\%\\_off\\\\%".into())
        );
        assert_eq!(contains_pattern(" \u{0} "), None);
    }

    #[test]
    fn folds_accents_case_and_letters_that_do_not_decompose() {
        assert_eq!(fold("Léa"), "lea");
        assert_eq!(fold("ADA LOVELACE"), "ada lovelace");
        assert_eq!(fold("Zoë Ångström"), "zoe angstrom");
        assert_eq!(fold("François Müller"), "francois muller");
        // Decomposed input (e + combining acute) folds like the precomposed one.
        assert_eq!(fold("Le\u{301}a"), fold("Léa"));
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRAẞE"), "strasse");
        assert_eq!(fold("Æsa Cœur"), "aesa coeur");
        assert_eq!(fold("Søren Łukasz"), "soren lukasz");
        assert_eq!(fold("Đorđe Þór"), "dorde thor");
        assert_eq!(fold("İlkay Işık"), "ilkay isik");
        // Compatibility forms: ligatures and full-width letters.
        assert_eq!(fold("ﬁona ＡＤＡ"), "fiona ada");
        assert_eq!(fold("ΟΔΥΣΣΕΥΣ"), fold("οδυσσευς"));
        assert!(fold("οδυσσευς").starts_with(&fold("Οδυσ")));
    }

    #[test]
    fn folds_spaces_and_punctuation() {
        assert_eq!(fold("  Ada   \t Lovelace \n"), "ada lovelace");
        assert_eq!(fold("Jean-Luc  Picard"), "jean luc picard");
        assert_eq!(fold("Smith, John."), "smith john");
        assert_eq!(fold("O'Brien"), "obrien");
        assert_eq!(fold("D’Angelo"), "dangelo");
        assert_eq!(fold("Lin <Chen>"), "lin chen");
        assert_eq!(fold("ada@example.com"), "ada example com");
        assert_eq!(fold("R2-D2 3000"), "r2 d2 3000");
    }

    #[test]
    fn folds_nothing_to_empty() {
        assert_eq!(fold(""), "");
        assert_eq!(fold("   "), "");
        assert_eq!(fold(" - ' . , "), "");
        assert_eq!(fold("\u{0}\u{301}"), "");
    }

    #[test]
    fn caps_long_input_without_a_trailing_space() {
        let long = "a".repeat(500);
        assert_eq!(fold(&long).chars().count(), KEY_CHARS);
        let words = "ab ".repeat(200);
        let folded = fold(&words);
        assert!(folded.chars().count() <= KEY_CHARS);
        assert!(!folded.ends_with(' '));
        let wide = "é".repeat(300);
        assert_eq!(fold(&wide), "e".repeat(KEY_CHARS));
        // Typing the whole long name still finds it: the cut is the same.
        assert!(fold(&words).starts_with(&fold(&"ab ".repeat(150))));
    }

    #[test]
    fn what_is_typed_of_a_name_folds_to_a_prefix_of_it() {
        let (key, rev) = name_keys("Léa", "Dupont-Moreau");
        assert_eq!(key, "lea dupont moreau");
        assert_eq!(rev, "dupont moreau lea");
        for typed in ["L", "Le", "Léa", "LEA ", "Léa Dup", "lea dupont-m"] {
            assert!(key.starts_with(&fold(typed)), "{typed}");
        }
        for typed in ["dupont", "Dupont Moreau L"] {
            assert!(rev.starts_with(&fold(typed)), "{typed}");
        }
        assert_eq!(name_keys("", ""), (String::new(), String::new()));
        assert_eq!(name_keys("Ada", ""), ("ada".into(), "ada".into()));
    }

    #[test]
    fn email_keys_and_prefixes() {
        assert_eq!(email_key(" Ada@Example.COM "), "ada@example.com");
        assert_eq!(email_prefix(" ADA@ "), Some("ada@".into()));
        assert_eq!(email_prefix("ada lovelace"), None);
        assert_eq!(email_prefix("   "), None);
        assert_eq!(email_prefix("\u{0}"), None);
        assert_eq!(
            email_prefix(&"x".repeat(300)).map(|p| p.chars().count()),
            Some(KEY_CHARS)
        );
    }

    #[test]
    fn range_upper_bounds() {
        assert_eq!(prefix_upper("ada"), Some("adb".into()));
        assert_eq!(prefix_upper("ada lovelace"), Some("ada lovelacf".into()));
        assert_eq!(prefix_upper("a "), Some("a!".into()));
        assert_eq!(prefix_upper("z"), Some("{".into()));
        assert_eq!(prefix_upper("\u{D7FF}"), Some("\u{E000}".into()));
        assert_eq!(prefix_upper("é"), Some("ê".into()));
        assert_eq!(prefix_upper("a\u{10FFFF}"), Some("b".into()));
        assert_eq!(prefix_upper("\u{10FFFF}\u{10FFFF}"), None);
        assert_eq!(prefix_upper(""), None);
    }

    #[test]
    fn the_range_is_exactly_the_prefix() {
        // Byte order of UTF-8 is code point order, which is what the databases compare.
        let names = [
            "ad",
            "ad a",
            "ad b",
            "ada",
            "ada lovelace",
            "ada lovelacf",
            "adb",
            "adaz",
            "ad\u{7f}",
            "ada\u{10FFFF}",
            "é",
            "ê",
            "e",
        ];
        for q in ["ad", "ada", "ada l", "ad a", "é", "ada\u{10FFFF}"] {
            for n in names {
                let in_range = n >= q && prefix_upper(q).is_none_or(|u| n < u.as_str());
                assert_eq!(in_range, n.starts_with(q), "{n:?} for {q:?}");
                let (nc, qc): (Vec<char>, Vec<char>) = (n.chars().collect(), q.chars().collect());
                assert_eq!(nc >= qc, n >= q, "code point order is UTF-8 byte order");
            }
        }
    }

    #[test]
    fn nothing_typed_searches_nothing() {
        use crate::customers::model::Column;
        let search =
            |q: &str| name_or_email(Column::NameKey, Column::NameKeyRev, Column::EmailKey, q);
        assert!(search("  ").is_none());
        assert!(search("-").is_some(), "an email may start with it");
        assert!(search("Ada L").is_some());
    }

    #[test]
    fn saved_text_refuses_an_update_that_does_not_know_the_name() {
        let (set, kept) = (
            ActiveValue::Set("Ada".to_owned()),
            ActiveValue::Unchanged("Ada".to_owned()),
        );
        assert_eq!(saved_text(&set, "first_name", false).ok(), Some("Ada"));
        assert_eq!(saved_text(&kept, "first_name", false).ok(), Some("Ada"));
        assert_eq!(
            saved_text(&ActiveValue::NotSet, "first_name", true).ok(),
            Some("")
        );
        assert!(saved_text(&ActiveValue::NotSet, "first_name", false).is_err());
    }
}
