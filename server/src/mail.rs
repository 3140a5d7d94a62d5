//! SMTP delivery through lettre: the sending half the email outbox worker
//! builds on. Errors are split the way a retry policy needs them: temporary
//! (4xx, connection trouble: try again later) or permanent (5xx: give up and
//! show staff the server's answer).
use app::domain::Email;
use lettre::{
    message::{Mailbox, MultiPart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

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

    pub async fn send(
        &self,
        to: &Email,
        subject: &str,
        text: &str,
        html: &str,
    ) -> Result<Delivery, MailError> {
        let Some(transport) = &self.transport else {
            return Ok(Delivery::NotConfigured);
        };
        let to = to
            .as_str()
            .parse::<Mailbox>()
            .map_err(|e| MailError::Message(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(
                text.to_owned(),
                html.to_owned(),
            ))
            .map_err(|e| MailError::Message(e.to_string()))?;
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
