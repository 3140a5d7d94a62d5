//! Languages: which one a reader gets, the words in each (`words`), and how
//! amounts and dates are written in each (`format`).
//!
//! English and French today. A language is a closed enum, so adding one is a
//! compile error everywhere a text is missing for it: `words::catalogue!`
//! takes every language's text for every key, or does not build.
#[cfg(feature = "ssr")]
use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};
use std::fmt;

pub mod format;
pub mod words;

pub use format::{long_date, money, punctuate};
pub use words::Words;

/// A language Settle speaks. Stored as its code (`en`, `fr`) in the
/// settings', customers' and orders' `language` columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")
)]
pub enum Lang {
    #[default]
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "en"))]
    En,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "fr"))]
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// `en`, `fr`: the code stored and put in `<html lang>` and `?lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name, as a language picker shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// `fr`, `FR`, `fr-FR`, `fr_CA` and the like; `None` for anything else
    /// (a caller falls back, never guesses).
    pub fn parse(input: &str) -> Option<Lang> {
        let primary = input
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// A code read from outside the typed columns (a stored string); one that
    /// does not parse reads as English. The `language` columns themselves
    /// are only ever written from `code`, and a row holding anything else
    /// fails to load rather than guessing.
    pub fn stored(code: &str) -> Lang {
        Lang::parse(code).unwrap_or_default()
    }

    /// The words in this language.
    pub fn words(self) -> Words {
        Words(self)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl TryFrom<String> for Lang {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Lang::parse(&s).ok_or_else(|| {
            format!(
                "\"{}\" is not a language Settle speaks",
                s.chars().take(16).collect::<String>()
            )
        })
    }
}

impl From<Lang> for String {
    fn from(l: Lang) -> String {
        l.code().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_with_their_region_and_in_any_case() {
        assert_eq!(Lang::parse("fr"), Some(Lang::Fr));
        assert_eq!(Lang::parse(" FR-fr "), Some(Lang::Fr));
        assert_eq!(Lang::parse("fr_CA"), Some(Lang::Fr));
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
        assert_eq!(Lang::parse("french"), None);
        assert_eq!(Lang::stored("xx"), Lang::En);
        for l in Lang::ALL {
            assert_eq!(Lang::parse(l.code()), Some(l));
        }
    }
}
