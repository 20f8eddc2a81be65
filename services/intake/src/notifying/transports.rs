//! The ways a message leaves: SMTP (lettre, rustls) and an SMS gateway
//! spoken to over HTTP. Errors are described by their kind and status only,
//! never with the server's words, which may repeat the address.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::Message;

/// The mail server and who mail is from.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish_non_exhaustive()
    }
}

impl Mailer {
    /// Sends `message` to `to`.
    pub async fn send(&self, to: &str, message: &Message) -> Result<(), String> {
        let to: lettre::message::Mailbox = to.parse().map_err(|_| "the e-mail address cannot be used".to_owned())?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(|_| "the e-mail could not be built".to_owned())?;
        self.transport.send(email).await.map(|_| ()).map_err(|error| match error.status() {
            Some(code) => format!("smtp: the server answered {code}"),
            None if error.is_timeout() => "smtp: timed out".to_owned(),
            None => "smtp: the server could not be reached".to_owned(),
        })
    }
}

/// An SMS gateway: `POST {url}` with `{"to": …, "text": …}`, and a bearer token if set.
#[derive(Clone)]
pub struct SmsGateway {
    url: String,
    token: Option<String>,
    client: reqwest::Client,
}

/// Never prints the token.
impl std::fmt::Debug for SmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsGateway").field("url", &self.url).finish_non_exhaustive()
    }
}

impl SmsGateway {
    /// Sends `text` to `phone`.
    pub async fn send(&self, phone: &str, text: &str) -> Result<(), String> {
        let mut request = self.client.post(&self.url).json(&serde_json::json!({ "to": phone, "text": text }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(format!("sms gateway: answered {}", response.status().as_u16())),
            Err(error) if error.is_timeout() => Err("sms gateway: timed out".to_owned()),
            Err(_) => Err("sms gateway: could not be reached".to_owned()),
        }
    }
}

/// The configured ways out; either may be absent.
#[derive(Debug, Clone, Default)]
pub struct Transports {
    mailer: Option<Mailer>,
    sms: Option<SmsGateway>,
}

impl Transports {
    /// From `ADUAN_SMTP_URL` (`smtp://host:port`, `smtps://user:pass@host`,
    /// `smtp://host:587?tls=required`), `ADUAN_MAIL_FROM`,
    /// `ADUAN_SMS_GATEWAY_URL` and `ADUAN_SMS_GATEWAY_TOKEN`.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        let mailer = match var("ADUAN_SMTP_URL") {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                    .map_err(|error| anyhow::anyhow!("ADUAN_SMTP_URL is not an SMTP URL: {error}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                let from = var("ADUAN_MAIL_FROM").unwrap_or_else(|| "aduan <no-reply@localhost>".to_owned());
                let from = from.parse().map_err(|_| anyhow::anyhow!("ADUAN_MAIL_FROM is not a mailbox: {from:?}"))?;
                Some(Mailer { transport, from })
            }
            None => None,
        };
        let sms = match var("ADUAN_SMS_GATEWAY_URL") {
            Some(url) => Some(SmsGateway {
                url,
                token: var("ADUAN_SMS_GATEWAY_TOKEN"),
                client: reqwest::Client::builder().timeout(Duration::from_secs(20)).build()?,
            }),
            None => None,
        };
        Ok(Self { mailer, sms })
    }

    /// Whether any way out is configured.
    pub fn any(&self) -> bool {
        self.mailer.is_some() || self.sms.is_some()
    }

    /// The mail server, if configured.
    pub fn mailer(&self) -> Option<&Mailer> {
        self.mailer.as_ref()
    }

    /// The SMS gateway, if configured.
    pub fn sms(&self) -> Option<&SmsGateway> {
        self.sms.as_ref()
    }
}
