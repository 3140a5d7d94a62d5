//! The invoice as a PDF: the same order document the email and the pay page
//! print (`invoice::InvoiceData`), laid out on A4 pages in the order's
//! language and written as PDF/A-2b with its fonts embedded (DejaVu Sans,
//! compiled into the binary: nothing is looked up on the host).
//!
//! Layout happens first, into a list of drawing operations per page (so the
//! page count is known for "Page 1 of 2" and the layout can be tested
//! without a PDF reader); `krilla` then draws them. Text wraps by measured
//! width, never overflows the page, and a character the font cannot draw
//! becomes "?" (PDF/A forbids invisible glyphs), so hostile names still
//! give a valid file.
use crate::email::ssr::invoice::InvoiceData;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use std::sync::OnceLock;

const REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points, and the margins.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 48.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Where the footer (page number) starts: body text stops above it.
const BODY_BOTTOM: f32 = PAGE_H - MARGIN - 18.0;

const BODY: f32 = 9.5;
const SMALL: f32 = 8.0;
const LEADING: f32 = 1.35;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("writing the PDF failed: {0}")]
    Write(String),
}

/// The two faces, parsed once per process.
struct Faces {
    regular: ttf_parser::Face<'static>,
    bold: ttf_parser::Face<'static>,
}

fn faces() -> Result<&'static Faces, PdfError> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Some(Faces {
                regular: ttf_parser::Face::parse(REGULAR_TTF, 0).ok()?,
                bold: ttf_parser::Face::parse(BOLD_TTF, 0).ok()?,
            })
        })
        .as_ref()
        .ok_or(PdfError::Font)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Weight {
    Regular,
    Bold,
}

/// One thing drawn on a page (y grows downward; text at its baseline).
#[derive(Clone, Debug, PartialEq)]
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        text: String,
    },
    /// A filled rectangle in a grey level (0 black, 255 white).
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: u8,
    },
}

impl Faces {
    fn face(&self, weight: Weight) -> &ttf_parser::Face<'static> {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// Characters the face has a glyph for; others become "?", control
    /// characters a space.
    fn drawable(&self, text: &str) -> String {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    ' '
                } else if self.regular.glyph_index(c).is_some()
                    && self.bold.glyph_index(c).is_some()
                {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }

    fn width(&self, text: &str, size: f32, weight: Weight) -> f32 {
        let face = self.face(weight);
        let units = f32::from(face.units_per_em());
        let advance: f32 = text
            .chars()
            .map(|c| {
                face.glyph_index(c)
                    .and_then(|g| face.glyph_hor_advance(g))
                    .map_or(0.0, f32::from)
            })
            .sum();
        advance * size / units
    }

    /// `text` in lines no wider than `max`: broken at spaces, and inside a
    /// word only when the word alone is wider than the line.
    fn wrap(&self, text: &str, size: f32, weight: Weight, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size, weight) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // The word alone: cut it where it no longer fits.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.width(&piece, size, weight) > max && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }
}

/// Lays the document out page by page.
struct Layout<'f> {
    faces: &'f Faces,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'f> Layout<'f> {
    fn new(faces: &'f Faces) -> Self {
        Layout {
            faces,
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page is always open")
    }

    /// Room for `height` more, or a new page.
    fn need(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn text_at(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let text = self.faces.drawable(text);
        if !text.trim().is_empty() {
            self.ops().push(Op::Text {
                x,
                y,
                size,
                weight,
                text,
            });
        }
    }

    /// Wrapped text in a column; returns the height used. The caller has
    /// made room (`need`) or accepts a break between lines.
    fn paragraph(&mut self, x: f32, width: f32, size: f32, weight: Weight, text: &str) -> f32 {
        let text = self.faces.drawable(text);
        let start = self.y;
        for line in self.faces.wrap(&text, size, weight, width) {
            self.need(size * LEADING);
            self.y += size * LEADING;
            self.text_at(x, self.y, size, weight, &line);
        }
        self.y - start
    }

    /// Text ending at `right` (amounts).
    fn right_at(&mut self, right: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let text = self.faces.drawable(text);
        let w = self.faces.width(&text, size, weight);
        self.text_at(right - w, y, size, weight, &text);
    }

    fn rule(&mut self, grey: u8, thickness: f32) {
        let y = self.y;
        self.ops().push(Op::Rect {
            x: MARGIN,
            y,
            w: CONTENT_W,
            h: thickness,
            grey,
        });
    }
}

/// Column edges of the lines table: item | qty | unit price | total.
const COL_QTY_RIGHT: f32 = MARGIN + CONTENT_W * 0.64;
const COL_UNIT_RIGHT: f32 = MARGIN + CONTENT_W * 0.82;
const COL_TOTAL_RIGHT: f32 = MARGIN + CONTENT_W;
const ITEM_W: f32 = CONTENT_W * 0.55;

fn lay_out(doc: &InvoiceData, faces: &Faces) -> Vec<Vec<Op>> {
    let w = doc.lang.words();
    let mut l = Layout::new(faces);
    let half = CONTENT_W / 2.0 - 12.0;
    let right_x = MARGIN + CONTENT_W / 2.0 + 12.0;

    // The document's title and numbers, right, first: they are short and
    // stay on page 1 even when the seller's details, left, run long enough
    // to break the page.
    let top = l.y;
    l.paragraph(right_x, half, 18.0, Weight::Bold, &w.pdf_invoice_title());
    l.paragraph(
        right_x,
        half,
        BODY,
        Weight::Bold,
        &w.order_number(doc.number),
    );
    l.paragraph(
        right_x,
        half,
        BODY,
        Weight::Regular,
        &w.date_line(&doc.order_date),
    );
    if let Some(due) = &doc.due_date {
        l.paragraph(right_x, half, BODY, Weight::Regular, &w.due_line(due));
    }
    let right_bottom = l.y;
    let first_page = l.pages.len();
    l.y = top;
    l.paragraph(MARGIN, half, 14.0, Weight::Bold, &doc.store_name);
    for line in doc
        .store_address
        .lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        l.paragraph(MARGIN, half, SMALL, Weight::Regular, line);
    }
    for extra in [&doc.store_phone, &doc.store_email] {
        if !extra.trim().is_empty() {
            l.paragraph(MARGIN, half, SMALL, Weight::Regular, extra);
        }
    }
    for line in &doc.legal {
        l.paragraph(MARGIN, half, SMALL, Weight::Regular, line);
    }
    // Past the right column, unless the left one went on to another page.
    if l.pages.len() == first_page {
        l.y = l.y.max(right_bottom);
    }
    l.y += 18.0;

    // The customer.
    if !doc.bill_to.is_empty() {
        l.paragraph(MARGIN, CONTENT_W, SMALL, Weight::Bold, &w.bill_to());
        for line in &doc.bill_to {
            l.paragraph(MARGIN, half, BODY, Weight::Regular, line);
        }
        l.y += 14.0;
    }

    // The lines.
    l.need(BODY * LEADING * 3.0);
    l.y += BODY * LEADING;
    let head = l.y;
    l.text_at(MARGIN, head, SMALL, Weight::Bold, &w.item());
    l.right_at(
        COL_QTY_RIGHT,
        head,
        SMALL,
        Weight::Bold,
        &w.quantity_short(),
    );
    l.right_at(COL_UNIT_RIGHT, head, SMALL, Weight::Bold, &w.unit_price());
    l.right_at(COL_TOTAL_RIGHT, head, SMALL, Weight::Bold, &w.total());
    l.y += 4.0;
    l.rule(0, 0.8);
    for line in &doc.lines {
        let name = faces.drawable(&line.name);
        let wrapped = faces.wrap(&name, BODY, Weight::Regular, ITEM_W);
        l.need(BODY * LEADING * wrapped.len().min(3) as f32 + 4.0);
        l.y += 2.0;
        let first = l.y + BODY * LEADING;
        l.right_at(
            COL_QTY_RIGHT,
            first,
            BODY,
            Weight::Regular,
            &line.quantity.to_string(),
        );
        l.right_at(
            COL_UNIT_RIGHT,
            first,
            BODY,
            Weight::Regular,
            &line.unit_price,
        );
        l.right_at(COL_TOTAL_RIGHT, first, BODY, Weight::Regular, &line.total);
        l.paragraph(MARGIN, ITEM_W, BODY, Weight::Regular, &name);
        l.y += 3.0;
        l.rule(225, 0.5);
    }
    l.y += 8.0;

    // The totals, right-aligned under the table.
    let label_x = MARGIN + CONTENT_W * 0.45;
    let label_w = COL_UNIT_RIGHT - label_x;
    // The amount first, beside the label's first line: a long label that
    // breaks the page never leaves its amount on the page before.
    let row = |l: &mut Layout, label: &str, amount: &str, weight: Weight| {
        l.need(BODY * LEADING * 2.0);
        let first = l.y + BODY * LEADING;
        l.right_at(COL_TOTAL_RIGHT, first, BODY, weight, amount);
        l.paragraph(label_x, label_w, BODY, weight, label);
    };
    row(&mut l, &w.subtotal(), &doc.subtotal, Weight::Regular);
    if let Some((label, amount)) = &doc.discount {
        row(&mut l, label, &format!("-{amount}"), Weight::Regular);
    }
    for (label, amount) in doc.fees.iter().chain(&doc.taxes) {
        row(&mut l, label, amount, Weight::Regular);
    }
    let total_label = if doc.money.is_split() {
        w.total()
    } else if doc.receipt.is_some() {
        w.total_paid()
    } else {
        w.total_due()
    };
    row(&mut l, &total_label, &doc.total, Weight::Bold);
    for (label, amount) in &doc.taxes_included {
        row(&mut l, label, amount, Weight::Regular);
    }
    if doc.money.is_split() {
        if let Some(paid) = &doc.money.paid_so_far {
            row(&mut l, &w.paid_so_far(), paid, Weight::Regular);
        }
    }
    if let Some((amount, due)) = &doc.money.deposit_due {
        let label = match due {
            Some(d) => format!("{} {}", w.deposit_due(), w.by_date(d)),
            None => w.deposit_due(),
        };
        row(&mut l, &label, amount, Weight::Bold);
    }
    if doc.money.is_split() {
        if let Some((amount, due)) = &doc.money.balance_due {
            let what = if doc.money.deposit_first() {
                w.rest_due()
            } else {
                w.balance_due()
            };
            let label = match due {
                Some(d) => format!("{what} {}", w.by_date(d)),
                None => what,
            };
            row(&mut l, &label, amount, Weight::Bold);
        }
    }
    l.y += 16.0;

    // How to pay: the link (selectable), the receipt line, the QR code.
    if let Some(paid) = &doc.receipt {
        l.need(BODY * LEADING * 2.0);
        l.paragraph(MARGIN, CONTENT_W, BODY, Weight::Bold, paid);
        l.y += 8.0;
    }
    let owes = doc.receipt.is_none() || doc.money.balance_due.is_some();
    if owes {
        let qr = doc.qr.len() as f32;
        let module = if qr > 0.0 { (90.0 / qr).min(3.0) } else { 0.0 };
        let qr_side = module * qr;
        l.need(qr_side.max(BODY * LEADING * 4.0) + 8.0);
        let top = l.y;
        let text_w = CONTENT_W - qr_side - 16.0;
        let pay = if doc.money.deposit_first() {
            w.pay_deposit_of(&doc.money.next_amount)
        } else {
            w.pdf_pay_online(&doc.money.next_amount)
        };
        l.paragraph(
            MARGIN,
            text_w,
            BODY,
            Weight::Bold,
            &format!("{pay}{}", w.colon()),
        );
        l.paragraph(MARGIN, text_w, BODY, Weight::Regular, &doc.pay_url);
        l.y += 4.0;
        l.paragraph(
            MARGIN,
            text_w,
            SMALL,
            Weight::Regular,
            &w.qr_email_text(doc.number),
        );
        let text_bottom = l.y;
        let qr_x = MARGIN + CONTENT_W - qr_side;
        for (row_index, row) in doc.qr.iter().enumerate() {
            for (col, dark) in row.iter().enumerate() {
                if *dark {
                    l.ops().push(Op::Rect {
                        x: qr_x + col as f32 * module,
                        y: top + 4.0 + row_index as f32 * module,
                        w: module,
                        h: module,
                        grey: 0,
                    });
                }
            }
        }
        l.y = text_bottom.max(top + 4.0 + qr_side) + 12.0;
    }

    // The store's footer and legal mentions.
    for text in std::iter::once(&doc.footer).chain(&doc.legal_mentions) {
        if !text.trim().is_empty() {
            l.paragraph(MARGIN, CONTENT_W, SMALL, Weight::Regular, text);
            l.y += 4.0;
        }
    }

    // "Page 1 of 2" at the foot of each page.
    let count = l.pages.len();
    for (n, page) in l.pages.iter_mut().enumerate() {
        let label = faces.drawable(&w.pdf_page_of(n + 1, count));
        let width = faces.width(&label, SMALL, Weight::Regular);
        page.push(Op::Text {
            x: PAGE_W - MARGIN - width,
            y: PAGE_H - MARGIN + 6.0,
            size: SMALL,
            weight: Weight::Regular,
            text: label,
        });
    }
    l.pages
}

/// The document as PDF/A-2b bytes, dated `issued` (the order's creation,
/// so the same order gives the same file).
pub fn render(doc: &InvoiceData, issued: time::OffsetDateTime) -> Result<Vec<u8>, PdfError> {
    let faces = faces()?;
    let pages = lay_out(doc, faces);
    let regular = Font::new(REGULAR_TTF.into(), 0).ok_or(PdfError::Font)?;
    let bold = Font::new(BOLD_TTF.into(), 0).ok_or(PdfError::Font)?;
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))?;
    let mut document = Document::new_with(SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    });
    let w = doc.lang.words();
    document.set_metadata(
        Metadata::new()
            .title(format!(
                "{} · {} · {}",
                w.pdf_invoice_title(),
                w.order_number(doc.number),
                doc.store_name
            ))
            .language(doc.lang.code().to_owned())
            .creator("Settle".to_owned())
            .creation_date(pdf_date(issued)),
    );
    for ops in pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    weight,
                    text,
                } => {
                    surface.set_fill(Some(Fill {
                        paint: rgb::Color::new(27, 31, 36).into(),
                        ..Fill::default()
                    }));
                    let font = match weight {
                        Weight::Regular => regular.clone(),
                        Weight::Bold => bold.clone(),
                    };
                    surface.draw_text(
                        Point::from_xy(x, y),
                        font,
                        size,
                        &text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rect { x, y, w, h, grey } => {
                    let Some(rect) = Rect::from_xywh(x, y, w, h) else {
                        continue;
                    };
                    let mut path = PathBuilder::new();
                    path.push_rect(rect);
                    let Some(path) = path.finish() else {
                        continue;
                    };
                    surface.set_fill(Some(Fill {
                        paint: rgb::Color::new(grey, grey, grey).into(),
                        ..Fill::default()
                    }));
                    surface.draw_path(&path);
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// A moment as PDF metadata holds it (UTC).
fn pdf_date(t: time::OffsetDateTime) -> krilla::metadata::DateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    krilla::metadata::DateTime::new(u16::try_from(t.year()).unwrap_or(2026))
        .month(u8::from(t.month()))
        .day(t.day())
        .hour(t.hour())
        .minute(t.minute())
        .second(t.second())
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::ssr::invoice::{InvoiceLine, MoneyState};
    use crate::i18n::Lang;

    pub(crate) fn sample(lang: Lang, lines: usize, name: &str) -> InvoiceData {
        InvoiceData {
            subject: "Facture".into(),
            heading: "Votre facture".into(),
            intro: "Merci".into(),
            footer: "Une question ? Répondez à cet e-mail.".into(),
            lang,
            store_name: "Café du Coin".into(),
            store_email: "bonjour@cafe.example".into(),
            store_phone: "+33 1 84 88 00 00".into(),
            store_address: "12 rue des Martyrs\n75009 Paris".into(),
            logo_url: None,
            brand_color: "#1f4f82".into(),
            accent_color: "#f2a900".into(),
            number: 1042,
            order_date: "30 novembre 2026".into(),
            due_date: Some("14 décembre 2026".into()),
            lines: (0..lines)
                .map(|n| InvoiceLine {
                    name: format!("{name} {n}"),
                    quantity: 2,
                    unit_price: "12,00\u{a0}€".into(),
                    total: "24,00\u{a0}€".into(),
                })
                .collect(),
            subtotal: "240,00\u{a0}€".into(),
            discount: None,
            fees: vec![],
            taxes: vec![],
            total: "240,00\u{a0}€".into(),
            taxes_included: vec![("Dont TVA 20 %".into(), "40,00\u{a0}€".into())],
            pay_url: "https://shop.example/pay/1042?key=AAAAAAAAAAAAAAAAAAAAAA".into(),
            receipt: None,
            qr: crate::orders::qr::order_qr(1042),
            money: MoneyState {
                next_amount: "240,00\u{a0}€".into(),
                balance: "240,00\u{a0}€".into(),
                ..Default::default()
            },
            unsubscribe_url: None,
            bill_to: vec![
                "Camille Dupont".into(),
                "8 boulevard Voltaire".into(),
                "75011 Paris".into(),
            ],
            legal: vec![],
            legal_mentions: vec![],
        }
    }

    fn texts(pages: &[Vec<Op>]) -> Vec<(f32, f32, f32, Weight, String)> {
        pages
            .iter()
            .flatten()
            .filter_map(|op| match op {
                Op::Text {
                    x,
                    y,
                    size,
                    weight,
                    text,
                } => Some((*x, *y, *size, *weight, text.clone())),
                Op::Rect { .. } => None,
            })
            .collect()
    }

    const ISSUED: time::OffsetDateTime = time::macros::datetime!(2026-11-30 10:00 UTC);

    #[test]
    fn ten_lines_make_one_small_valid_pdf() {
        let pdf = render(&sample(Lang::Fr, 10, "Tasse en céramique"), ISSUED).unwrap();
        assert!(pdf.starts_with(b"%PDF-1.7"), "{:?}", &pdf[..8]);
        assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
    }

    /// A seller's address long enough to break the page leaves the title
    /// and number on page 1; a fee label that wraps across a page break
    /// keeps its amount beside its first line.
    #[test]
    fn a_long_header_or_label_never_strands_what_goes_beside_it() {
        let faces = faces().unwrap();
        let mut doc = sample(Lang::Fr, 30, "Tasse");
        doc.store_address = "12 rue des Martyrs\n".repeat(120);
        doc.fees = vec![("Frais de livraison ".repeat(150), "7,77\u{a0}€".into())];
        let pages = lay_out(&doc, faces);
        assert!(pages.len() > 2, "{} pages", pages.len());
        let title = Lang::Fr.words().pdf_invoice_title();
        assert!(pages[0]
            .iter()
            .any(|op| matches!(op, Op::Text { text, .. } if *text == title)));
        let (page, y) = pages
            .iter()
            .enumerate()
            .find_map(|(i, ops)| {
                ops.iter().find_map(|op| match op {
                    Op::Text { y, text, .. } if text.contains("7,77") => Some((i, *y)),
                    _ => None,
                })
            })
            .expect("the fee's amount");
        assert!(
            pages[page].iter().any(|op| matches!(
                op,
                Op::Text { y: label_y, text, .. } if *label_y == y && text.starts_with("Frais de livraison")
            )),
            "the amount on page {page} at {y} has no label beside it"
        );
    }

    /// Hostile and very long names wrap inside the page, whatever they
    /// hold; the many lines flow onto further pages, each numbered.
    #[test]
    fn long_and_hostile_text_stays_on_the_page() {
        let faces = faces().unwrap();
        let hostile = format!(
            "{} \u{202e}evil\u{202c} <script>alert(1)</script> 𝕳𝖔𝖘𝖙𝖎𝖑𝖊 🧨 \0\r\n{}",
            "W".repeat(400),
            "long words ".repeat(60)
        );
        let mut doc = sample(Lang::Fr, 80, &hostile);
        doc.store_name = "N".repeat(300);
        doc.bill_to = vec!["B".repeat(500)];
        let pages = lay_out(&doc, faces);
        assert!(pages.len() > 1);
        for (x, y, size, weight, text) in texts(&pages) {
            let right = x + faces.width(&text, size, weight);
            assert!(
                x >= MARGIN - 0.01 && right <= PAGE_W - MARGIN + 0.5,
                "{x}..{right}: {text}"
            );
            assert!(y > 0.0 && y <= PAGE_H - MARGIN + 7.0, "{y}: {text}");
            assert!(!text.contains(['\0', '\r', '\n']), "{text:?}");
        }
        let last = texts(&pages).last().cloned().unwrap();
        assert_eq!(last.4, format!("Page {} sur {}", pages.len(), pages.len()));
        let pdf = render(&doc, ISSUED).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_overlong_words() {
        let faces = faces().unwrap();
        let lines = faces.wrap(
            "aaa bbb ccc",
            10.0,
            Weight::Regular,
            faces.width("aaa bbb", 10.0, Weight::Regular),
        );
        assert_eq!(lines, ["aaa bbb", "ccc"]);
        let lines = faces.wrap(
            "abcdefgh",
            10.0,
            Weight::Regular,
            faces.width("abc", 10.0, Weight::Regular),
        );
        assert_eq!(lines, ["abc", "def", "gh"]);
        assert_eq!(faces.drawable("a\u{1}b🧨"), "a b?");
    }
}
