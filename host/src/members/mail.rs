//! Outgoing e-mail (invitations, password resets): through SMTP when
//! `APPBOX_SMTP_URL` is set, else written to `DATA_DIR/outbox/`, one
//! `.eml` file per message, so a server without a mail relay still hands
//! out its links (an operator, or a test, reads them there). lettre does
//! both: its SMTP client (TLS by rustls) and its file transport.

use std::path::PathBuf;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid e-mail address {0:?}")]
    Address(String),
    #[error("APPBOX_SMTP_URL is not a valid SMTP URL: {0}")]
    Config(String),
    #[error("could not build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP delivery failed: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("writing to the outbox failed: {0}")]
    Outbox(#[from] lettre::transport::file::Error),
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>),
}

/// Where mail goes, and who it comes from.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    /// SMTP at `smtp_url` (lettre's URL form: `smtp://user:pass@host:587?tls=required`,
    /// `smtps://…:465`) when given, else the outbox folder (created here).
    pub fn new(smtp_url: Option<&str>, outbox: PathBuf, from: &str) -> Result<Mailer, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailError::Address(from.to_owned()))?;
        let transport = match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailError::Config(e.to_string()))?
                    .build(),
            ),
            None => {
                std::fs::create_dir_all(&outbox).map_err(|e| {
                    MailError::Config(format!("cannot create {}: {e}", outbox.display()))
                })?;
                Transport::Outbox(AsyncFileTransport::new(outbox))
            }
        };
        Ok(Mailer { transport, from })
    }

    /// Sends a plain-text message (UTF-8, base64 so any text survives).
    pub async fn send(&self, to: &str, subject: &str, text: String) -> Result<(), MailError> {
        let to: Mailbox = to.parse().map_err(|_| MailError::Address(to.to_owned()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .header(ContentTransferEncoding::Base64)
            .body(text)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Outbox(outbox) => {
                outbox.send(message).await?;
            }
        }
        Ok(())
    }
}
