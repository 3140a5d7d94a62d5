//! Text that stays readable on the owner's colours: black or white, whichever
//! contrasts more (WCAG 2 relative luminance), which is always at least 4.58:1.
//! The pay page, the invoice email and the Settings preview use it, so a dark
//! button colour gets white text instead of near-black at 2:1.

/// (r, g, b) of `#rrggbb`; `None` for anything else.
pub fn parse_hex(colour: &str) -> Option<(u8, u8, u8)> {
    let hex = colour.trim().strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

/// WCAG 2 relative luminance, 0 (black) to 1 (white).
pub fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG 2 contrast ratio of two colours, 1 to 21.
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

pub const BLACK: &str = "#000000";
pub const WHITE: &str = "#ffffff";

/// The text colour for a background: black or white, whichever reads better
/// (black for a colour that is not `#rrggbb`, which the pages replace anyway).
pub fn text_on(background: &str) -> &'static str {
    match parse_hex(background) {
        Some(bg) if contrast(bg, (255, 255, 255)) >= contrast(bg, (0, 0, 0)) => WHITE,
        _ => BLACK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn picks_the_readable_text() {
        // The demo's amber button keeps dark text; a dark blue gets white.
        assert_eq!(text_on("#f2a900"), BLACK);
        assert_eq!(text_on("#1f4f82"), WHITE);
        assert_eq!(text_on("#000000"), WHITE);
        assert_eq!(text_on("#ffffff"), BLACK);
        assert_eq!(text_on("nonsense"), BLACK);
        assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn the_chosen_text_always_reaches_4_5_to_1(r: u8, g: u8, b: u8) {
            let bg = format!("#{r:02x}{g:02x}{b:02x}");
            let text = parse_hex(text_on(&bg)).unwrap();
            prop_assert!(contrast((r, g, b), text) >= 4.5, "{} on {}", text_on(&bg), bg);
        }
    }
}
