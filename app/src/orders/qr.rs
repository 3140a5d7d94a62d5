//! The QR code of an order number, shown on the invoice email and the pay
//! page: a handheld scanner at the till types the number into the POS search.
//! Rendered by the templates from this matrix (a table in email, where images
//! are often blocked; SVG on the pay page).

/// Dark (true) and light modules, row by row; empty if encoding fails.
pub fn order_qr(number: i64) -> Vec<Vec<bool>> {
    let Ok(code) =
        qrcode::QrCode::with_error_correction_level(number.to_string(), qrcode::EcLevel::M)
    else {
        return Vec::new();
    };
    let width = code.width();
    code.to_colors()
        .chunks(width)
        .map(|row| row.iter().map(|c| *c == qrcode::Color::Dark).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_number_is_a_version_1_code() {
        let m = order_qr(1001);
        assert_eq!(m.len(), 21);
        assert!(m.iter().all(|r| r.len() == 21));
        // The three finder patterns' corners are dark.
        assert!(m[0][0] && m[0][20] && m[20][0]);
        assert_ne!(order_qr(1001), order_qr(1002));
    }
}
