//! The invoice email: an HTML part (styles inlined so Gmail and Outlook keep
//! them; the `<style>` block stays for the small-screen media query) and a
//! plain-text part, from askama templates that escape every value.
use askama::Template;

#[derive(Debug, Clone)]
pub struct InvoiceLine {
    pub name: String,
    pub quantity: u32,
    pub unit_price: String,
    pub total: String,
}

/// Everything an invoice shows, already formatted (money, dates): the
/// templates only lay it out.
#[derive(Debug, Clone)]
pub struct InvoiceData {
    pub subject: String,
    pub heading: String,
    pub intro: String,
    pub footer: String,
    /// The order's language: every word around the values is in it.
    pub lang: crate::i18n::Lang,
    pub store_name: String,
    pub store_email: String,
    pub store_phone: String,
    pub store_address: String,
    pub logo_url: Option<String>,
    pub brand_color: String,
    pub accent_color: String,
    pub number: i64,
    pub order_date: String,
    pub due_date: Option<String>,
    pub lines: Vec<InvoiceLine>,
    pub subtotal: String,
    /// (label, amount)
    pub discount: Option<(String, String)>,
    pub fees: Vec<(String, String)>,
    /// Taxes added to the prices (exclusive mode), shown before the total.
    pub taxes: Vec<(String, String)>,
    pub total: String,
    /// Taxes the prices contain (inclusive mode): "Includes VAT 20%", shown
    /// after the total because they are part of it.
    pub taxes_included: Vec<(String, String)>,
    pub pay_url: String,
    /// Set for a receipt: "Paid 27 November 2026 by cash: £46.88". A receipt
    /// shows it where an invoice shows its Pay button.
    pub receipt: Option<String>,
    /// The order number as a QR code (see `orders::qr`).
    pub qr: Vec<Vec<bool>>,
    /// What was paid and what is owed (the order's ledger).
    pub money: MoneyState,
    /// Reminders only: the page that stops reminders for this order.
    pub unsubscribe_url: Option<String>,
    /// The customer as billed: name, company, address lines, email.
    pub bill_to: Vec<String>,
    /// The seller's legal identity under its address (company number, VAT
    /// number), one line each; empty until the store gives them.
    pub legal: Vec<String>,
    /// Mentions the law asks invoices to carry (late-payment penalties…).
    pub legal_mentions: Vec<String>,
}

/// Where an order's money stands, formatted from its ledger
/// (`orders::ledger`): the invoice, the receipt and the pay page all print
/// what was paid and what is owed from this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoneyState {
    /// The payments made, oldest first.
    pub payments: Vec<PaidRow>,
    /// Paid so far (payments less refunds), once anything was paid.
    pub paid_so_far: Option<String>,
    /// The deposit (or what is left of it) to pay first, and when.
    pub deposit_due: Option<(String, Option<String>)>,
    /// What is owed after the deposit (or in all), and when; `None` once
    /// nothing is owed.
    pub balance_due: Option<(String, Option<String>)>,
    /// The first amount asked for: the deposit left, or the balance.
    pub next_amount: String,
    /// The whole balance.
    pub balance: String,
}

impl MoneyState {
    /// A deposit is asked for before the balance.
    pub fn deposit_first(&self) -> bool {
        self.deposit_due.is_some()
    }

    /// Paid in parts (a balance left after a payment, or several payments),
    /// or a deposit asked first: the documents then show the split rather
    /// than a single "total due" or "total paid".
    pub fn is_split(&self) -> bool {
        self.deposit_due.is_some()
            || (self.paid_so_far.is_some() && self.balance_due.is_some())
            || self.payments.len() > 1
    }
}

/// One payment as documents list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidRow {
    pub date: String,
    pub method: String,
    pub amount: String,
    /// What was refunded from it, if anything.
    pub refunded: Option<String>,
}

/// Both parts read the same data; only the layout (and HTML escaping) differs.
#[derive(Template)]
#[template(path = "email/invoice.html")]
struct Html<'a> {
    inv: &'a InvoiceData,
    w: crate::i18n::Words,
    subject: &'a str,
    address: &'a [&'a str],
    logo_url: Option<&'a str>,
    brand_color: &'a str,
    accent_color: &'a str,
    /// Black or white, whichever reads on the colour (`domain::colour`).
    brand_text: &'static str,
    accent_text: &'static str,
}

#[derive(Template)]
#[template(path = "email/invoice.txt", escape = "none")]
struct Text<'a> {
    inv: &'a InvoiceData,
    w: crate::i18n::Words,
    address: &'a [&'a str],
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("rendering the email template failed: {0}")]
    Template(#[from] askama::Error),
    #[error("inlining the email's CSS failed: {0}")]
    Inline(String),
}

pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// A colour from settings, or the fallback when it is not `#rrggbb` (it ends
/// up inside a stylesheet, so nothing else may pass).
fn safe_color<'a>(color: &'a str, fallback: &'a str) -> &'a str {
    let ok = color.len() == 7
        && color.starts_with('#')
        && color[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        color
    } else {
        fallback
    }
}

/// A subject on one line: header injection needs a line break, and there is none.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

pub fn render(data: &InvoiceData) -> Result<Rendered, RenderError> {
    let subject = one_line(&data.subject);
    let address: Vec<&str> = data
        .store_address
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let html = Html {
        inv: data,
        w: data.lang.words(),
        subject: &subject,
        address: &address,
        logo_url: data
            .logo_url
            .as_deref()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        brand_color: safe_color(&data.brand_color, "#1f4f82"),
        accent_color: safe_color(&data.accent_color, "#f2a900"),
        brand_text: crate::domain::colour::text_on(safe_color(&data.brand_color, "#1f4f82")),
        accent_text: crate::domain::colour::text_on(safe_color(&data.accent_color, "#f2a900")),
    }
    .render()?;
    let inliner = css_inline::CSSInliner::options()
        .keep_style_tags(true)
        .load_remote_stylesheets(false)
        .build();
    let html = inliner
        .inline(&html)
        .map_err(|e| RenderError::Inline(e.to_string()))?;
    let text = Text {
        inv: data,
        w: data.lang.words(),
        address: &address,
    }
    .render()?;
    Ok(Rendered {
        subject,
        html,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> InvoiceData {
        InvoiceData {
            subject: "Invoice for order #1001\r\nBcc: x@evil.example".into(),
            heading: "Your invoice".into(),
            intro: "Thanks <script>alert(1)</script>".into(),
            footer: "Questions? Reply.".into(),
            lang: crate::i18n::Lang::En,
            store_name: "Corner & Co".into(),
            store_email: "hello@corner.example".into(),
            store_phone: "+44 117".into(),
            store_address: "12 High Street\nBristol".into(),
            logo_url: Some("javascript:alert(1)".into()),
            brand_color: "red;}</style><script>".into(),
            accent_color: "#00ff00".into(),
            number: 1001,
            order_date: "26 November 2026".into(),
            due_date: Some("10 December 2026".into()),
            lines: vec![InvoiceLine {
                name: "Mug <b>big</b>".into(),
                quantity: 2,
                unit_price: "£12.00".into(),
                total: "£24.00".into(),
            }],
            subtotal: "£24.00".into(),
            discount: Some(("Discount".into(), "£2.00".into())),
            fees: vec![("Delivery".into(), "£3.00".into())],
            taxes: vec![("VAT 20%".into(), "£4.40".into())],
            total: "£29.40".into(),
            taxes_included: Vec::new(),
            pay_url: "http://127.0.0.1:3000/pay/1001?key=AAAAAAAAAAAAAAAAAAAAAA".into(),
            receipt: None,
            qr: crate::orders::qr::order_qr(1001),
            money: MoneyState {
                balance_due: Some(("£29.40".into(), Some("10 December 2026".into()))),
                next_amount: "£29.40".into(),
                balance: "£29.40".into(),
                ..MoneyState::default()
            },
            unsubscribe_url: None,
            bill_to: vec![],
            legal: vec![],
            legal_mentions: vec![],
        }
    }

    #[test]
    fn a_deposit_is_asked_first_and_a_part_payment_leaves_a_balance() {
        let mut inv = sample();
        inv.money = MoneyState {
            deposit_due: Some(("£8.82".into(), Some("1 December 2026".into()))),
            balance_due: Some(("£20.58".into(), Some("10 December 2026".into()))),
            next_amount: "£8.82".into(),
            balance: "£29.40".into(),
            ..MoneyState::default()
        };
        let r = render(&inv).unwrap();
        for part in [&r.html, &r.text] {
            assert!(part.contains("Deposit due by 1 December 2026"), "{part}");
            assert!(part.contains("The rest due by 10 December 2026"), "{part}");
            assert!(part.contains("£20.58"), "{part}");
        }
        assert!(r.html.contains("Pay deposit £8.82"), "{}", r.html);
        assert!(r.text.contains("Pay the deposit of £8.82:"), "{}", r.text);

        // The receipt of that deposit: what was paid, paid so far, the balance.
        inv.receipt = Some("Paid 1 December 2026 by card online: £8.82".into());
        inv.money = MoneyState {
            payments: vec![PaidRow {
                date: "1 December 2026".into(),
                method: "Card online".into(),
                amount: "£8.82".into(),
                refunded: None,
            }],
            paid_so_far: Some("£8.82".into()),
            balance_due: Some(("£20.58".into(), Some("10 December 2026".into()))),
            next_amount: "£20.58".into(),
            balance: "£20.58".into(),
            ..MoneyState::default()
        };
        let r = render(&inv).unwrap();
        for part in [&r.html, &r.text] {
            assert!(part.contains("Paid so far"), "{part}");
            assert!(part.contains("Balance due by 10 December 2026"), "{part}");
            assert!(!part.contains("Total paid"), "not paid in full: {part}");
        }
        assert!(r.html.contains("Pay £20.58"), "{}", r.html);
    }

    #[test]
    fn both_parts_carry_every_field_and_markup_stays_text() {
        let r = render(&sample()).unwrap();
        assert_eq!(r.subject, "Invoice for order #1001  Bcc: x@evil.example");
        for part in [&r.html, &r.text] {
            for needle in [
                "1001",
                "26 November 2026",
                "10 December 2026",
                "£12.00",
                "£24.00",
                "£2.00",
                "£3.00",
                "VAT 20%",
                "£4.40",
                "£29.40",
                "12 High Street",
                "Bristol",
                "hello@corner.example",
                "+44 117",
                "pay/1001?key=AAAAAAAAAAAAAAAAAAAAAA",
            ] {
                assert!(part.contains(needle), "{needle} missing");
            }
        }
        assert!(r.html.contains("Pay for this order"));
        assert!(r.text.contains("Pay for this order:"));
        assert!(
            r.html.contains("Mug &lt;b&gt;big&lt;/b&gt;") || r.html.contains("Mug &#60;b&#62;big"),
            "names are escaped in HTML"
        );
        assert!(!r.html.contains("<script>"), "no script survives");
        assert!(
            r.text.contains("Mug <b>big</b>"),
            "the text part shows names as typed"
        );
        assert!(!r.html.contains("javascript:"), "only http(s) logos");
        assert!(r.html.contains("#1f4f82"), "an invalid colour falls back");
        assert!(r.html.contains("style=\""), "styles are inlined");
        assert!(r.html.contains("@media"), "the small-screen rules are kept");
    }
}
