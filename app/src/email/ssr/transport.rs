//! SMTP delivery through lettre: what the email outbox worker and the
//! settings page's **Send test email** send with. Errors are split the way a
//! retry policy needs them: temporary (4xx, connection trouble: try again
//! later) or permanent (5xx: give up and show staff the server's answer).
use crate::domain::Email;
use lettre::{
    message::{
        dkim::{
            DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
            DkimSigningKey,
        },
        header::HeaderName,
        Mailbox, MultiPart,
    },
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

/// The SMTP connection pool (absent when `SMTP_URL` is not set) and the sender.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The server accepted the message; its answer, e.g. "250 2.0.0 Ok: queued as …".
    Sent { answer: String },
    /// `SMTP_URL` is not set: the message stays in the outbox, undelivered.
    NotConfigured,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("temporary failure, will retry: {0}")]
    Temporary(String),
    #[error("refused by the mail server: {0}")]
    Permanent(String),
    #[error("the message could not be built: {0}")]
    Message(String),
}

/// Who a message is from, as the store's settings say: the From name is the
/// store's name (the address stays `MAIL_FROM`'s, the one the mail server may
/// send as) and replies go to the store's own email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub name: String,
    pub reply_to: Option<Email>,
}

/// DKIM signing as the settings store it: the domain (`d=`), the selector
/// (`s=`) and the private key, either an RSA key in PKCS#1 PEM or an Ed25519
/// key as base64 of its 32 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimSettings {
    pub domain: String,
    pub selector: String,
    pub private_key: String,
}

impl DkimSettings {
    /// The lettre signing config, or why the key cannot be used.
    pub fn config(&self) -> Result<DkimConfig, String> {
        let key = self.private_key.trim();
        let algorithm = if key.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
            DkimSigningAlgorithm::Rsa
        } else if key.starts_with("-----BEGIN") {
            return Err(
                "Use an RSA key in PKCS#1 PEM (BEGIN RSA PRIVATE KEY) or an Ed25519 key as base64."
                    .into(),
            );
        } else {
            DkimSigningAlgorithm::Ed25519
        };
        let signing = DkimSigningKey::new(key, algorithm)
            .map_err(|e| format!("The DKIM private key cannot be read: {e}"))?;
        // lettre's default set, plus the one-click unsubscribe headers: RFC
        // 8058 wants them signed, and mail providers offer one-click only
        // then. Listed for every message, a header a message lacks is signed
        // as absent, so none can be added to an invoice on the way.
        Ok(DkimConfig::new(
            self.selector.clone(),
            self.domain.clone(),
            signing,
            [
                "From",
                "Subject",
                "To",
                "Date",
                "List-Unsubscribe",
                "List-Unsubscribe-Post",
            ]
            .into_iter()
            .map(HeaderName::new_from_ascii_str)
            .collect(),
            DkimCanonicalization {
                header: DkimCanonicalizationType::Simple,
                body: DkimCanonicalizationType::Relaxed,
            },
        ))
    }
}

impl Mailer {
    /// `smtp_url` and `from` were validated with the configuration.
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Mailer, MailError> {
        let transport = smtp_url
            .map(|url| AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map(|b| b.build()))
            .transpose()
            .map_err(|e| MailError::Message(e.to_string()))?;
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| MailError::Message(e.to_string()))?;
        Ok(Mailer { transport, from })
    }

    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    pub async fn send(
        &self,
        to: &Email,
        subject: &str,
        text: &str,
        html: &str,
    ) -> Result<Delivery, MailError> {
        self.send_signed(to, subject, text, html, None, None, None, None)
            .await
    }

    /// Sends one message, DKIM-signed when `dkim` is given, from the store
    /// (`sender`) when given, with RFC 8058 one-click unsubscribe headers
    /// when `list_unsubscribe` is given (reminders), with `attachment` (the
    /// invoice PDF) after the text and HTML when given.
    #[allow(clippy::too_many_arguments)]
    pub async fn send_signed(
        &self,
        to: &Email,
        subject: &str,
        text: &str,
        html: &str,
        dkim: Option<&DkimConfig>,
        sender: Option<&Sender>,
        list_unsubscribe: Option<&str>,
        attachment: Option<&super::outbox::Attachment>,
    ) -> Result<Delivery, MailError> {
        let Some(transport) = &self.transport else {
            return Ok(Delivery::NotConfigured);
        };
        let to = to
            .as_str()
            .parse::<Mailbox>()
            .map_err(|e| MailError::Message(e.to_string()))?;
        let from = match sender {
            Some(s) if !s.name.trim().is_empty() => {
                Mailbox::new(Some(s.name.trim().to_owned()), self.from.email.clone())
            }
            _ => self.from.clone(),
        };
        let mut builder = Message::builder().from(from);
        if let Some(reply_to) = sender.and_then(|s| s.reply_to.as_ref()) {
            let mailbox = reply_to
                .as_str()
                .parse::<Mailbox>()
                .map_err(|e| MailError::Message(e.to_string()))?;
            builder = builder.reply_to(mailbox);
        }
        if let Some(url) = list_unsubscribe {
            use lettre::message::header::HeaderValue;
            // Only our own https/http URL, on one line: nothing a header could be injected through.
            if url.contains(['\r', '\n', '<', '>']) {
                return Err(MailError::Message(
                    "unsubscribe URL with line breaks".into(),
                ));
            }
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let body = MultiPart::alternative_plain_html(text.to_owned(), html.to_owned());
        let body = match attachment {
            None => body,
            Some(a) => MultiPart::mixed().multipart(body).singlepart(
                lettre::message::Attachment::new(a.name.clone()).body(
                    a.pdf.clone(),
                    lettre::message::header::ContentType::parse("application/pdf")
                        .map_err(|e| MailError::Message(e.to_string()))?,
                ),
            ),
        };
        let mut message = builder
            .to(to)
            .subject(subject)
            .multipart(body)
            .map_err(|e| MailError::Message(e.to_string()))?;
        if let Some(dkim) = dkim {
            message.sign(dkim);
        }
        match transport.send(message).await {
            Ok(response) => {
                let code = response.code().to_string();
                let text: Vec<&str> = response.message().collect();
                Ok(Delivery::Sent {
                    answer: format!("{code} {}", text.join(" ")).trim().to_owned(),
                })
            }
            Err(e) if e.is_permanent() => Err(MailError::Permanent(e.to_string())),
            Err(e) => Err(MailError::Temporary(e.to_string())),
        }
    }
}
