//! Case-insensitive "contains" search, shared by the POS's product and customer
//! look-ups (server only).
use sea_orm::sea_query::{Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, SimpleExpr};

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
}
