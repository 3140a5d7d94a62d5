//! Reading a WooCommerce product CSV export (Products → Export in WooCommerce).
//!
//! What a store owner expects: simple products and variations become sellable
//! products (variations keep WooCommerce's names, e.g. "Hoodie - Blue, Yes"), at
//! the sale price when one is set (WooCommerce charges it) with the regular
//! price kept; variable parents, grouped and external products are skipped with
//! the reason. Pure parsing: nothing here touches the database.
use crate::catalog::Barcode;
use crate::domain::{Currency, Money};

/// The columns WooCommerce writes that Settle needs. Others are ignored.
const REQUIRED: [&str; 4] = ["Type", "SKU", "Name", "Regular price"];

/// WooCommerce 9.2+ exports the barcode as "GTIN, UPC, EAN, or ISBN"; older
/// exports have no such column. Matched ignoring case, spaces and commas, so
/// "GTIN, UPC, EAN or ISBN" is the same column.
const BARCODE_COLUMN: &str = "GTIN, UPC, EAN, or ISBN";

fn is_barcode_column(header: &str) -> bool {
    let letters = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    letters(header) == letters(BARCODE_COLUMN)
}

/// A catalogue bigger than this is not a POS catalogue; refuse rather than stall.
pub const MAX_ROWS: usize = 50_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductInput {
    pub sku: String,
    pub name: String,
    /// What the customer pays: the sale price when set, else the regular price.
    pub price_minor: i64,
    pub regular_price_minor: i64,
    /// WooCommerce tax class slug ("" = standard); `None` when not taxable.
    pub tax_class: Option<String>,
    pub active: bool,
    /// `None` when the cell is empty (or the column missing): the product
    /// keeps the barcode it has, since most stores leave the column empty and
    /// a barcode typed in Settle must survive a re-import.
    pub barcode: Option<Barcode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowParse {
    Product(ProductInput),
    Skip(String),
    Error(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub sku: String,
    pub name: String,
    pub parse: RowParse,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportFileError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not UTF-8 text: export it again from WooCommerce (Products → Export), or save it as \"CSV UTF-8\"")]
    NotUtf8,
    #[error("this does not look like a WooCommerce product export: missing column(s) {0}")]
    MissingColumns(String),
    #[error("the file has more than {MAX_ROWS} rows; split it into smaller files")]
    TooManyRows,
    #[error("the CSV could not be read near line {line}: {message}")]
    Csv { line: u64, message: String },
}

pub fn parse(bytes: &[u8], currency: Currency) -> Result<Vec<ParsedRow>, ImportFileError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportFileError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportFileError::NotUtf8);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ImportFileError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportFileError::Csv {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| column(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ImportFileError::MissingColumns(missing.join(", ")));
    }
    let idx = |name: &str| column(name);
    let (c_type, c_sku, c_name, c_regular) =
        (idx("Type"), idx("SKU"), idx("Name"), idx("Regular price"));
    let (c_sale, c_published, c_tax_status, c_tax_class) = (
        idx("Sale price"),
        idx("Published"),
        idx("Tax status"),
        idx("Tax class"),
    );
    let c_barcode = headers.iter().position(is_barcode_column);

    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if i >= MAX_ROWS {
            return Err(ImportFileError::TooManyRows);
        }
        let line = i + 2;
        let record = record.map_err(|e| ImportFileError::Csv {
            line: e.position().map_or(line as u64, |p| p.line()),
            message: e.to_string(),
        })?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim();
        let sku = get(c_sku).to_owned();
        let name = get(c_name).to_owned();
        let parse = parse_row(
            get(c_type),
            &sku,
            &name,
            get(c_regular),
            get(c_sale),
            c_published.map(|_| get(c_published)),
            get(c_tax_status),
            get(c_tax_class),
            get(c_barcode),
            record.len() < headers.len(),
            currency,
        );
        rows.push(ParsedRow {
            line,
            sku,
            name,
            parse,
        });
    }
    Ok(rows)
}

#[allow(clippy::too_many_arguments)]
fn parse_row(
    kind: &str,
    sku: &str,
    name: &str,
    regular: &str,
    sale: &str,
    published: Option<&str>,
    tax_status: &str,
    tax_class: &str,
    barcode: &str,
    short: bool,
    currency: Currency,
) -> RowParse {
    let kinds: Vec<&str> = kind.split(',').map(str::trim).collect();
    let has = |k: &str| kinds.iter().any(|x| x.eq_ignore_ascii_case(k));
    if has("variable") {
        return RowParse::Skip("variable product: its variations are imported instead".into());
    }
    if has("grouped") {
        return RowParse::Skip("grouped product: its products are imported one by one".into());
    }
    if has("external") {
        return RowParse::Skip("external product: it is sold on another site".into());
    }
    if !(has("simple") || has("variation")) {
        return RowParse::Error(format!("unknown product type \"{}\"", clip(kind)));
    }
    if short {
        return RowParse::Error("the row has fewer columns than the header".into());
    }
    if sku.is_empty() {
        return RowParse::Skip("no SKU: Settle matches imported products by SKU, so re-imports update rather than duplicate".into());
    }
    if sku.chars().count() > 100 || sku.chars().any(char::is_control) {
        return RowParse::Error(
            "the SKU must be at most 100 characters without control characters".into(),
        );
    }
    if name.is_empty() {
        return RowParse::Error("the name is empty".into());
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return RowParse::Error(
            "the name must be at most 200 characters without control characters".into(),
        );
    }
    let regular_price = match regular {
        "" => return RowParse::Error("no regular price".into()),
        s => match Money::parse(s, currency) {
            Ok(m) => m.minor(),
            Err(e) => return RowParse::Error(format!("Regular price \"{}\": {e}", clip(s))),
        },
    };
    let price = match sale {
        "" => regular_price,
        s => match Money::parse(s, currency) {
            Ok(m) => m.minor(),
            Err(e) => return RowParse::Error(format!("Sale price \"{}\": {e}", clip(s))),
        },
    };
    let tax_class = match tax_status.to_ascii_lowercase().as_str() {
        "" | "taxable" => Some(tax_class.to_owned()),
        // "shipping" means only shipping is taxed: the product itself is not.
        "none" | "shipping" => None,
        other => return RowParse::Error(format!("unknown tax status \"{}\"", clip(other))),
    };
    let barcode = match barcode {
        "" => None,
        s => match Barcode::parse(s) {
            Ok(b) => Some(b),
            Err(e) => return RowParse::Error(format!("{BARCODE_COLUMN} \"{}\": {e}", clip(s))),
        },
    };
    // WooCommerce writes 1 (published), 0 (draft) or -1 (private).
    let active = published.is_none_or(|p| p == "1");
    RowParse::Product(ProductInput {
        sku: sku.to_owned(),
        name: name.to_owned(),
        price_minor: price,
        regular_price_minor: regular_price,
        tax_class,
        active,
        barcode,
    })
}

/// Echoes at most 40 characters of what a person wrote back to them.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEADER: &str = "ID,Type,SKU,Name,Published,\"Tax status\",\"Tax class\",\"Sale price\",\"Regular price\",Parent\n";

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    fn one(row: &str) -> RowParse {
        let rows = parse(format!("{HEADER}{row}\n").as_bytes(), usd()).unwrap();
        assert_eq!(rows.len(), 1);
        rows[0].parse.clone()
    }

    #[test]
    fn simple_products_and_variations_are_sellable_at_the_sale_price() {
        let RowParse::Product(p) = one("1,simple,MUG,Mug,1,taxable,,8,10.50,") else {
            panic!()
        };
        assert_eq!(
            (
                p.price_minor,
                p.regular_price_minor,
                p.tax_class.as_deref(),
                p.active
            ),
            (800, 1050, Some(""), true)
        );
        let RowParse::Product(p) =
            one("2,variation,HOOD-B,\"Hoodie - Blue, Yes\",1,taxable,reduced-rate,,45,id:1")
        else {
            panic!()
        };
        assert_eq!(
            (p.name.as_str(), p.price_minor, p.tax_class.as_deref()),
            ("Hoodie - Blue, Yes", 4500, Some("reduced-rate"))
        );
        let RowParse::Product(p) =
            one("3,\"simple, downloadable, virtual\",ALB,Album,0,none,,,15,")
        else {
            panic!()
        };
        assert_eq!((p.tax_class, p.active), (None, false));
    }

    #[test]
    fn other_types_are_skipped_with_a_reason() {
        assert!(
            matches!(one("1,variable,V,V,1,taxable,,,,"), RowParse::Skip(r) if r.contains("variations"))
        );
        assert!(
            matches!(one("1,grouped,G,G,1,taxable,,,,"), RowParse::Skip(r) if r.contains("grouped"))
        );
        assert!(
            matches!(one("1,external,E,E,1,taxable,,,11.05,"), RowParse::Skip(r) if r.contains("another site"))
        );
        assert!(
            matches!(one("1,simple,,No SKU,1,taxable,,,5,"), RowParse::Skip(r) if r.contains("no SKU"))
        );
    }

    #[test]
    fn bad_rows_say_what_is_wrong() {
        assert!(
            matches!(one("1,simple,A,A,1,taxable,,,\"12;50\","), RowParse::Error(r) if r.starts_with("Regular price \"12;50\""))
        );
        // A decimal comma, as a French export writes it, is a price.
        assert!(
            matches!(one("1,simple,A,A,1,taxable,,,\"12,50\","), RowParse::Product(p) if p.price_minor == 1250)
        );
        assert!(
            matches!(one("1,simple,A,A,1,taxable,,,1.234,"), RowParse::Error(r) if r.contains("at most 2 digits"))
        );
        assert!(
            matches!(one("1,simple,A,A,1,taxable,,-3,5,"), RowParse::Error(r) if r.contains("Sale price"))
        );
        assert!(
            matches!(one("1,simple,A,A,1,taxable,,,,"), RowParse::Error(r) if r == "no regular price")
        );
        assert!(
            matches!(one("1,simple,A,,1,taxable,,,5,"), RowParse::Error(r) if r == "the name is empty")
        );
        assert!(
            matches!(one("1,widget,A,A,1,taxable,,,5,"), RowParse::Error(r) if r.contains("unknown product type"))
        );
        assert!(
            matches!(one("1,simple,A,A,1,sometimes,,,5,"), RowParse::Error(r) if r.contains("tax status"))
        );
        assert!(matches!(one("1,simple,A"), RowParse::Error(r) if r.contains("fewer columns")));
        assert!(
            matches!(one("1,simple,A,A,1,taxable,,,99999999999999999,"), RowParse::Error(r) if r.contains("too large"))
        );
    }

    #[test]
    fn file_level_problems() {
        assert_eq!(parse(b"", usd()), Err(ImportFileError::Empty));
        assert_eq!(
            parse(b"Name,Price\nMug,5\n", usd()),
            Err(ImportFileError::MissingColumns(
                "Type, SKU, Regular price".into()
            ))
        );
        // Latin-1 "Caf\xe9" and UTF-16 are refused with a hint, not garbled.
        let latin1 = [HEADER.as_bytes(), b"1,simple,C,Caf\xe9,1,taxable,,,3,\n"].concat();
        assert_eq!(parse(&latin1, usd()), Err(ImportFileError::NotUtf8));
        assert_eq!(
            parse(&[0xFF, 0xFE, b'I', 0], usd()),
            Err(ImportFileError::NotUtf8)
        );
        // A UTF-8 byte-order mark (Excel writes one) is fine.
        let bom = format!("\u{feff}{HEADER}1,simple,C,Café,1,taxable,,,3,\n");
        assert_eq!(parse(bom.as_bytes(), usd()).unwrap().len(), 1);
    }

    #[test]
    fn the_gtin_column_is_the_barcode() {
        let csv = "ID,Type,SKU,\"GTIN, UPC, EAN, or ISBN\",Name,\"Regular price\"\n\
                   1,simple,A,4006381333931,A,5\n\
                   2,simple,B,,B,5\n\
                   3,simple,C,978-0-306-40615-7,C,5\n\
                   4,simple,D,4006381333932,D,5\n\
                   5,simple,E,5.01235E+12,E,5\n";
        let rows = parse(csv.as_bytes(), usd()).unwrap();
        let barcode = |i: usize| match &rows[i].parse {
            RowParse::Product(p) => p.barcode.as_ref().map(|b| b.to_string()),
            other => panic!("{other:?}"),
        };
        assert_eq!(barcode(0).as_deref(), Some("4006381333931"));
        assert_eq!(barcode(1), None, "an empty cell sets nothing");
        assert_eq!(barcode(2).as_deref(), Some("9780306406157"));
        // A bad barcode is the row's error, like a bad price.
        assert!(
            matches!(&rows[3].parse, RowParse::Error(r) if r.starts_with("GTIN, UPC, EAN, or ISBN \"4006381333932\"") && r.contains("check digit")),
            "{:?}",
            rows[3].parse
        );
        assert!(
            matches!(&rows[4].parse, RowParse::Error(r) if r.contains("spreadsheet")),
            "{:?}",
            rows[4].parse
        );
    }

    #[test]
    fn the_gtin_header_is_matched_loosely_and_may_be_missing() {
        let loose = "Type,SKU,Name,Regular price,gtin upc ean or isbn\nsimple,A,A,5,96385074\n";
        assert!(
            matches!(&parse(loose.as_bytes(), usd()).unwrap()[0].parse, RowParse::Product(p) if p.barcode.as_ref().map(Barcode::as_str) == Some("96385074"))
        );
        assert!(
            matches!(one("1,simple,MUG,Mug,1,taxable,,8,10.50,"), RowParse::Product(p) if p.barcode.is_none())
        );
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), row in "\\PC{0,120}") {
            let _ = parse(&bytes, usd());
            let _ = parse(format!("{HEADER}{row}\n").as_bytes(), usd());
        }
    }
}
