//! The catalogue: every text a customer reads, in every language.
//!
//! Each entry is a method on `Words` (`lang.words().pay_heading(number)`).
//! `catalogue!` takes an English and a French text for every key, so a text
//! missing in one language does not build; the tests check that both use
//! the same `{placeholders}`. French spacing before `: ; ? !` is applied to
//! the text (never to the values filled in, which may be links).
use super::format::punctuate;
use super::Lang;
use std::fmt::Display;

/// The words of one language. Cheap to copy into a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Words(pub Lang);

impl Words {
    pub fn lang(self) -> Lang {
        self.0
    }

    /// The colon after a label a template writes itself ("Subtotal: …"):
    /// French puts a no-break space before it.
    pub fn colon(self) -> &'static str {
        match self.0 {
            Lang::En => ":",
            Lang::Fr => "\u{a0}:",
        }
    }
}

/// One entry, as the tests read the catalogue.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct Entry {
    pub key: &'static str,
    pub args: &'static [&'static str],
    pub en: &'static str,
    pub fr: &'static str,
}

/// Fills `{name}` from `args` in one pass, so a value that itself contains
/// "{name}" (a hostile store name) is printed as typed, never filled again.
fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16 * args.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(&v.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

macro_rules! catalogue {
    ($( $(#[doc = $doc:literal])* $key:ident $( ( $($arg:ident),+ ) )? { en: $en:literal, fr: $fr:literal } )*) => {
        impl Words {
            $(
                $(#[doc = $doc])*
                pub fn $key(self $($(, $arg: impl Display)+)?) -> String {
                    let text = match self.0 {
                        Lang::En => $en,
                        Lang::Fr => $fr,
                    };
                    let text = punctuate(text, self.0);
                    fill(&text, &[$($((stringify!($arg), &$arg as &dyn Display)),+)?])
                }
            )*
        }

        #[cfg(test)]
        pub(crate) const ENTRIES: &[Entry] = &[
            $( Entry { key: stringify!($key), args: &[$($(stringify!($arg)),+)?], en: $en, fr: $fr }, )*
        ];
    };
}

catalogue! {
    // ── The pay page ──
    pay_title(number, store) {
        en: "Pay for order #{number} · {store}",
        fr: "Régler la commande nº {number} · {store}"
    }
    pay_heading(number) {
        en: "Pay for order #{number}",
        fr: "Régler la commande nº {number}"
    }
    due_on(date) { en: "Due {date}", fr: "À régler au plus tard le {date}" }
    in_store_heading { en: "Paying in store", fr: "Paiement en boutique" }
    in_store_promised(date) {
        en: "You said you will pay in store on {date}. See you then! Show the QR code or order number at the till.",
        fr: "Vous avez prévu de régler en boutique le {date}. À bientôt ! Montrez le code QR ou le numéro de commande en caisse."
    }
    pay_online_instead { en: "Pay online instead", fr: "Payer en ligne plutôt" }
    cancel_in_store { en: "Cancel the in-store date", fr: "Annuler la date en boutique" }
    in_store_open { en: "I'll pay in store", fr: "Je paierai en boutique" }
    in_store_change { en: "Change the date", fr: "Changer la date" }
    date_label { en: "Date", fr: "Date" }
    confirm { en: "Confirm", fr: "Confirmer" }
    paid_so_far { en: "Paid so far", fr: "Déjà payé" }
    paid_so_far_amount(amount) { en: "Paid so far: {amount}", fr: "Déjà payé : {amount}" }
    /// One payment in a list: "27 November 2026, cash: €20.00".
    payment_row(date, method, amount) {
        en: "{date}, {method}: {amount}",
        fr: "{date}, {method} : {amount}"
    }
    refunded_part(amount) { en: "({amount} refunded)", fr: "({amount} remboursé)" }
    balance_due { en: "Balance due", fr: "Reste à payer" }
    balance_due_by(date) { en: "Balance due by {date}", fr: "Reste à payer au plus tard le {date}" }
    pay_deposit_heading(amount) { en: "Pay the deposit: {amount}", fr: "Régler l’acompte : {amount}" }
    pay_amount(amount) { en: "Pay {amount}", fr: "Payer {amount}" }
    pay_deposit_button(amount) { en: "Pay deposit {amount}", fr: "Payer l’acompte de {amount}" }
    deposit_due_by(date) { en: "The deposit is due by {date}", fr: "L’acompte est à régler au plus tard le {date}" }
    deposit_due_now { en: "The deposit is due now", fr: "L’acompte est à régler dès maintenant" }
    rest_due_by(amount, date) { en: "; the rest, {amount}, by {date}.", fr: " ; le solde, {amount}, au plus tard le {date}." }
    rest_due_later(amount) { en: "; the rest, {amount}, later.", fr: " ; le solde, {amount}, plus tard." }
    pay_whole_balance_instead(amount) {
        en: "Pay the whole balance, {amount}, instead",
        fr: "Régler plutôt la totalité, {amount}"
    }
    pay_deposit_instead(amount) {
        en: "Pay the deposit of {amount} instead",
        fr: "Régler plutôt l’acompte de {amount}"
    }
    needs_javascript {
        en: "Online payment needs JavaScript. You can also pay in store.",
        fr: "Le paiement en ligne nécessite JavaScript. Vous pouvez aussi régler en boutique."
    }
    deposit_due_amount(amount) { en: "Deposit due: {amount}", fr: "Acompte à régler : {amount}" }
    total_due_amount(amount) { en: "Total due: {amount}", fr: "Total à régler : {amount}" }
    pay_in_store_quoting(number) {
        en: "You can pay in store, by cash or card, quoting order #{number}.",
        fr: "Vous pouvez régler en boutique, en espèces ou par carte, en donnant le numéro de commande {number}."
    }
    processing { en: "Processing…", fr: "Paiement en cours…" }
    payment_failed { en: "The payment did not go through.", fr: "Le paiement n’a pas abouti." }
    order_changed {
        en: "This order changed a moment ago. Please reload the page.",
        fr: "Cette commande vient de changer. Veuillez recharger la page."
    }
    online_unavailable {
        en: "Online payment is temporarily unavailable. Please try again in a few minutes, or pay in store.",
        fr: "Le paiement en ligne est momentanément indisponible. Réessayez dans quelques minutes, ou réglez en boutique."
    }
    online_not_offered {
        en: "Online payment is not available for this store.",
        fr: "Cette boutique ne propose pas le paiement en ligne."
    }
    paid_heading { en: "This order has been paid", fr: "Cette commande est réglée" }
    paid_thanks {
        en: "Thank you. A receipt was sent to the email on the order.",
        fr: "Merci. Un reçu a été envoyé à l’adresse e-mail de la commande."
    }
    cancelled_heading { en: "This order was cancelled", fr: "Cette commande a été annulée" }
    cancelled_text(store) {
        en: "Nothing is owed on it. If you think this is a mistake, contact {store} using the details below.",
        fr: "Vous ne devez rien à ce titre. S’il s’agit d’une erreur, contactez {store} avec les coordonnées ci-dessous."
    }
    expired_heading { en: "This invoice has expired", fr: "Cette facture a expiré" }
    expired_text(date, store, number) {
        en: "It could be paid until {date}. Contact {store} and they can extend it, or pay in store quoting order #{number}.",
        fr: "Elle pouvait être réglée jusqu’au {date}. Contactez {store} pour la prolonger, ou réglez en boutique en donnant le numéro de commande {number}."
    }
    refunded_heading { en: "This order was refunded", fr: "Cette commande a été remboursée" }
    refunded_text(store) {
        en: "The payment was returned. Contact {store} with any questions.",
        fr: "Le paiement vous a été rendu. Contactez {store} pour toute question."
    }
    qr_heading { en: "Paying in store?", fr: "Vous réglez en boutique ?" }
    qr_text(number) {
        en: "Show this code at the till. It is your order number, {number}.",
        fr: "Montrez ce code en caisse. C’est votre numéro de commande, {number}."
    }
    qr_label(number) { en: "QR code of order number {number}", fr: "Code QR du numéro de commande {number}" }
    order_details { en: "Order details", fr: "Détail de la commande" }
    item { en: "Item", fr: "Article" }
    quantity_short { en: "Qty", fr: "Qté" }
    unit_price { en: "Unit price", fr: "Prix unitaire" }
    total { en: "Total", fr: "Total" }
    subtotal { en: "Subtotal", fr: "Sous-total" }
    discount { en: "Discount", fr: "Remise" }
    notice_processing {
        en: "Your payment is processing. This page will say it is paid as soon as your bank confirms it; there is no need to pay again.",
        fr: "Votre paiement est en cours. Cette page l’indiquera dès que votre banque l’aura confirmé ; inutile de payer à nouveau."
    }
    notice_failed {
        en: "The payment did not go through and you have not been charged. You can try again below, with the same or another card.",
        fr: "Le paiement n’a pas abouti et vous n’avez pas été débité. Vous pouvez réessayer ci-dessous, avec la même carte ou une autre."
    }
    notice_unconfirmed {
        en: "We could not confirm your payment with Stripe just now. Please reload this page in a minute before trying again.",
        fr: "Nous n’avons pas pu confirmer votre paiement auprès de Stripe. Rechargez cette page dans une minute avant de réessayer."
    }
    in_store_bad_format {
        en: "That is not a date. Choose the day you will come in to pay (as YYYY-MM-DD, e.g. 2026-12-24, if no calendar opens).",
        fr: "Ce n’est pas une date. Choisissez le jour où vous viendrez régler (au format AAAA-MM-JJ, par exemple 2026-12-24, si aucun calendrier ne s’ouvre)."
    }
    in_store_past {
        en: "That day has passed. Choose today or a later day.",
        fr: "Ce jour est passé. Choisissez aujourd’hui ou un jour suivant."
    }
    in_store_far { en: "Choose a day within the next 30 days.", fr: "Choisissez un jour dans les 30 prochains jours." }
    in_store_closed {
        en: "This order is no longer waiting for payment, so there is no visit to arrange.",
        fr: "Cette commande n’attend plus de paiement : aucune visite à prévoir."
    }
    date_placeholder { en: "YYYY-MM-DD", fr: "AAAA-MM-JJ" }

    // ── Emails (invoice, receipt, reminder) ──
    order_number(number) { en: "Order #{number}", fr: "Commande nº {number}" }
    date_line(date) { en: "Date: {date}", fr: "Date : {date}" }
    due_line(date) { en: "Due: {date}", fr: "Échéance : {date}" }
    total_paid { en: "Total paid", fr: "Total payé" }
    total_due { en: "Total due", fr: "Total à régler" }
    deposit_due { en: "Deposit due", fr: "Acompte à régler" }
    deposit_still_due { en: "Deposit still due", fr: "Acompte restant à régler" }
    rest_due { en: "The rest due", fr: "Solde à régler" }
    by_date(date) { en: "by {date}", fr: "au plus tard le {date}" }
    pay_for_this_order { en: "Pay for this order", fr: "Régler cette commande" }
    pay_deposit_of(amount) { en: "Pay the deposit of {amount}", fr: "Régler l’acompte de {amount}" }
    or_open_link { en: "Or open this link:", fr: "Ou ouvrez ce lien :" }
    qr_email_text(number) {
        en: "Paying in store? Show this code at the till: it is your order number, {number}.",
        fr: "Vous réglez en boutique ? Montrez ce code en caisse : c’est votre numéro de commande, {number}."
    }
    stop_reminders_link { en: "Stop reminders for this invoice", fr: "Ne plus recevoir de relances pour cette facture" }
    stop_reminders_note {
        en: "(the invoice itself stays payable).",
        fr: "(la facture reste payable)."
    }
    receipt_subject(number, store) {
        en: "Receipt for order #{number} from {store}",
        fr: "Reçu de la commande nº {number}, {store}"
    }
    receipt_heading { en: "Thank you for your payment", fr: "Merci pour votre paiement" }
    receipt_intro {
        en: "This is your receipt. Keep it for your records.",
        fr: "Voici votre reçu. Conservez-le pour vos dossiers."
    }
    /// A receipt's line: "Paid 27 November 2026 by cash: €46.88".
    paid_line(date, method, amount) {
        en: "Paid {date} by {method}: {amount}",
        fr: "Payé le {date} ({method}) : {amount}"
    }
    /// A tax the prices contain: "Includes VAT 20%".
    includes_tax(label) { en: "Includes {label}", fr: "Dont {label}" }
    excess_refunding(amount) {
        en: " ({amount} of it was more than was due and is being refunded to your card)",
        fr: " (dont {amount} de trop, en cours de remboursement sur votre carte)"
    }
    method_card_online { en: "card online", fr: "carte en ligne" }
    method_cash { en: "cash", fr: "espèces" }
    method_card_terminal { en: "card terminal", fr: "carte en boutique" }
    method_other { en: "other", fr: "autre" }

    // ── The PDF invoice ──
    pdf_invoice_title { en: "Invoice", fr: "Facture" }
    bill_to { en: "Bill to", fr: "Facturé à" }
    pdf_pay_online(amount) { en: "Pay {amount} online", fr: "Payer {amount} en ligne" }
    pdf_page_of(page, pages) { en: "Page {page} of {pages}", fr: "Page {page} sur {pages}" }
    download_invoice_pdf { en: "Download invoice (PDF)", fr: "Télécharger la facture (PDF)" }

    // ── The store's own texts as a new store gets them (Settings edits them;
    //    `{order_number}` and `{store_name}` are filled by the invoice) ──
    default_invoice_subject {
        en: "Invoice for order #{order_number} from {store_name}",
        fr: "Facture de la commande nº {order_number}, {store_name}"
    }
    default_invoice_heading { en: "Your invoice", fr: "Votre facture" }
    default_invoice_intro {
        en: "Thank you for your order. You can pay online with the button below, or in store.",
        fr: "Merci pour votre commande. Vous pouvez la régler en ligne avec le bouton ci-dessous, ou en boutique."
    }
    default_invoice_footer {
        en: "Questions about this invoice? Reply to this email or call us.",
        fr: "Une question sur cette facture ? Répondez à cet e-mail ou appelez-nous."
    }

    // ── Reminders' default wording (each step's, until the owner types
    //    their own; `{order_number}`, `{store_name}`, `{amount}` and
    //    `{due_date}` are filled by the reminder) ──
    default_reminder_friendly_subject {
        en: "Reminder: invoice #{order_number} from {store_name} is due {due_date}",
        fr: "Rappel : la facture nº {order_number} de {store_name} est à régler au plus tard le {due_date}"
    }
    default_reminder_friendly_heading { en: "A friendly reminder", fr: "Petit rappel" }
    default_reminder_friendly_intro {
        en: "Your invoice is due on {due_date}. You can pay {amount} online in a minute with the button below, or in store.",
        fr: "Votre facture est à régler au plus tard le {due_date}. Vous pouvez payer {amount} en ligne en une minute avec le bouton ci-dessous, ou en boutique."
    }
    default_reminder_overdue_subject {
        en: "Invoice #{order_number} from {store_name} is overdue",
        fr: "La facture nº {order_number} de {store_name} est en retard"
    }
    default_reminder_overdue_heading { en: "Your invoice is overdue", fr: "Votre facture est en retard" }
    default_reminder_overdue_intro {
        en: "We have not received your payment of {amount}, due on {due_date}. You can pay online with the button below, or in store. If you have already paid, thank you, and please ignore this message.",
        fr: "Nous n’avons pas reçu votre paiement de {amount}, attendu le {due_date}. Vous pouvez régler en ligne avec le bouton ci-dessous, ou en boutique. Si vous avez déjà payé, merci, et ne tenez pas compte de ce message."
    }
    default_reminder_final_subject {
        en: "Final reminder: invoice #{order_number} from {store_name}",
        fr: "Dernier rappel : facture nº {order_number} de {store_name}"
    }
    default_reminder_final_heading { en: "Final reminder", fr: "Dernier rappel" }
    default_reminder_final_intro {
        en: "Your payment of {amount} was due on {due_date} and we have still not received it. Please pay today with the button below, or contact us if something is wrong.",
        fr: "Votre paiement de {amount} était attendu le {due_date} et nous ne l’avons toujours pas reçu. Merci de régler dès aujourd’hui avec le bouton ci-dessous, ou de nous contacter en cas de problème."
    }

    // ── The one-click stop page ──
    reminders_stopped { en: "Reminders stopped", fr: "Relances arrêtées" }
    stop_reminders_question { en: "Stop payment reminders?", fr: "Arrêter les relances de paiement ?" }
    stop_reminders_button { en: "Stop reminders", fr: "Arrêter les relances" }
    reminders_stopped_text(number, store) {
        en: "You will get no more payment reminders for order #{number} from {store}. Other emails about it (a receipt once it is paid) still come.",
        fr: "Vous ne recevrez plus de relances de paiement pour la commande nº {number} de {store}. Les autres e-mails à son sujet (un reçu une fois réglée) vous parviendront toujours."
    }
    still_payable { en: "The invoice can still be paid:", fr: "La facture peut toujours être réglée :" }
    stop_reminders_explained(number, store) {
        en: "This stops payment reminders for order #{number} from {store} only. The invoice stays payable, and nothing else changes.",
        fr: "Cela arrête uniquement les relances de paiement pour la commande nº {number} de {store}. La facture reste payable et rien d’autre ne change."
    }
    back_to_order { en: "Back to the order", fr: "Retour à la commande" }

    // ── Short pages ──
    not_found_heading { en: "Order not found", fr: "Commande introuvable" }
    not_found_text {
        en: "This payment link is not valid. Check that you opened the whole link from your invoice email, or contact the store.",
        fr: "Ce lien de paiement n’est pas valide. Vérifiez que vous avez ouvert le lien complet de l’e-mail de facture, ou contactez la boutique."
    }
}

#[cfg(feature = "ssr")]
impl Words {
    /// A payment method as a customer's documents name it ("cash").
    pub fn method(self, method: crate::orders::model::payment::PaymentMethod) -> String {
        use crate::orders::model::payment::PaymentMethod as M;
        match method {
            M::Stripe => self.method_card_online(),
            M::Cash => self.method_cash(),
            M::CardTerminal => self.method_card_terminal(),
            M::Other => self.method_other(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect()
    }

    /// Both languages fill the same values, each declared once, and no text
    /// is empty or left untranslated by mistake (an English text in the
    /// French slot would pass the build).
    #[test]
    fn every_key_has_both_languages_with_the_same_placeholders() {
        let mut keys = BTreeSet::new();
        for e in ENTRIES {
            assert!(keys.insert(e.key), "{} declared twice", e.key);
            assert!(
                !e.en.trim().is_empty() && !e.fr.trim().is_empty(),
                "{} is empty",
                e.key
            );
            let mut declared: BTreeSet<&str> = e.args.iter().copied().collect();
            if e.key.starts_with("default_") {
                // The store's texts keep their own placeholders for later.
                declared.extend(placeholders(e.en));
            }
            assert_eq!(
                placeholders(e.en),
                declared,
                "{}: English placeholders",
                e.key
            );
            assert_eq!(
                placeholders(e.fr),
                declared,
                "{}: French placeholders",
                e.key
            );
            // Same text in both is fine for a few words that are the same
            // ("Date", "Total"); a whole sentence the same is a miss.
            if e.en == e.fr {
                assert!(
                    e.en.split_whitespace().count() <= 2,
                    "{} is not translated",
                    e.key
                );
            }
        }
    }

    #[test]
    fn values_are_filled_once_and_french_spacing_applies_to_the_text_only() {
        let fr = Lang::Fr.words();
        assert_eq!(
            fr.paid_so_far_amount("12,00\u{a0}€"),
            "Déjà payé\u{a0}: 12,00\u{a0}€"
        );
        // A value holding a placeholder or punctuation is printed as given.
        assert_eq!(
            fr.cancelled_text("{store} Shop: https://x.test/?a=1"),
            "Vous ne devez rien à ce titre. S’il s’agit d’une erreur, contactez {store} Shop: https://x.test/?a=1 avec les coordonnées ci-dessous."
        );
        assert_eq!(Lang::En.words().pay_heading(42), "Pay for order #42");
        assert_eq!(fr.pay_heading(42), "Régler la commande nº 42");
    }

    #[test]
    fn fill_leaves_unknown_and_unclosed_braces() {
        let n: &dyn Display = &7;
        assert_eq!(fill("a {n} {x} {", &[("n", n)]), "a 7 {x} {");
    }
}
