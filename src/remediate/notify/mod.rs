//! The Notify action: tells the page's last editor and the security team, through a
//! Slack-compatible incoming webhook and/or e-mail. A message carries a [`Notice`], which only
//! masked previews get into.
//!
//! The channels are independent: each is tried, with a time limit of its own, whatever the
//! other does, and the [`NotifyReport`] says how each went. Its errors name what failed (a
//! status, a kind of network error), never the webhook URL or the SMTP password.

mod notice;
mod settings;

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::config::ConfigError;

pub use notice::{About, Notice, NoticeFinding, Stage};
pub use settings::{NotifySettings, SmtpSettings, SmtpTls};

/// How one channel went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    /// Not configured.
    Off,
    /// Configured, but there was no one to send to.
    Skipped(String),
    Sent,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotifyReport {
    pub slack: Outcome,
    pub email: Outcome,
}

impl NotifyReport {
    /// No channel failed.
    pub fn ok(&self) -> bool {
        !matches!(self.slack, Outcome::Failed(_)) && !matches!(self.email, Outcome::Failed(_))
    }
}

/// The channels, built once from [`NotifySettings`].
pub struct Notifier {
    slack: Option<Slack>,
    email: Option<Email>,
}

struct Slack {
    client: reqwest::Client,
    url: SecretString,
    timeout: Duration,
}

struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    team: Vec<Mailbox>,
    notify_last_editor: bool,
    timeout: Duration,
    /// Kept to scrub it from errors, should a server ever quote it.
    password: Option<SecretString>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("slack", &self.slack.is_some())
            .field("email", &self.email.is_some())
            .finish()
    }
}

impl Notifier {
    pub fn new(settings: &NotifySettings) -> Result<Notifier, ConfigError> {
        settings.validate()?;
        let slack = match &settings.slack_webhook_url {
            Some(url) => {
                let timeout = Duration::from_secs(settings.slack_timeout_secs);
                let client = reqwest::Client::builder()
                    .timeout(timeout)
                    // A redirect would carry the post somewhere the operator did not name.
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|_| ConfigError::Invalid {
                        name: "remediation.notify.slack_webhook_url",
                        reason: "cannot build an HTTP client".into(),
                    })?;
                Some(Slack {
                    client,
                    url: url.clone(),
                    timeout,
                })
            }
            None => None,
        };
        let email = match &settings.smtp {
            Some(smtp) => Some(Email::new(smtp, settings)?),
            None => None,
        };
        Ok(Notifier { slack, email })
    }

    /// Whether any channel is configured.
    pub fn is_on(&self) -> bool {
        self.slack.is_some() || self.email.is_some()
    }

    /// Sends `notice` on every configured channel at once. `last_editor` is the page's last
    /// editor's e-mail address (see [`NotifySettings::editor_address`]).
    pub async fn send(&self, notice: &Notice, last_editor: Option<&str>) -> NotifyReport {
        let slack = async {
            match &self.slack {
                Some(s) => s.send(notice).await,
                None => Outcome::Off,
            }
        };
        let email = async {
            match &self.email {
                Some(e) => e.send(notice, last_editor).await,
                None => Outcome::Off,
            }
        };
        let (slack, email) = tokio::join!(slack, email);
        NotifyReport { slack, email }
    }
}

impl Slack {
    async fn send(&self, notice: &Notice) -> Outcome {
        let post = self
            .client
            .post(self.url.expose_secret().trim())
            .json(&notice.slack_payload())
            .send();
        // reqwest's own timeout covers the exchange; this one also bounds a body that trickles.
        let response = match tokio::time::timeout(self.timeout, post).await {
            Err(_) => return Outcome::Failed(self.timed_out()),
            Ok(Err(e)) => return Outcome::Failed(self.http_error(&e)),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status.is_success() {
            return Outcome::Sent;
        }
        // Slack explains a refusal in a word (`invalid_payload`, `no_service`); anything longer
        // is not quoted, since a compatible server might echo the request, URL included.
        let body = tokio::time::timeout(Duration::from_secs(2), response.text())
            .await
            .ok()
            .and_then(Result::ok)
            .map(|b| b.trim().to_owned())
            .filter(|b| {
                !b.is_empty()
                    && b.len() <= 64
                    && b.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')
            });
        Outcome::Failed(match body {
            Some(word) => format!("Slack webhook answered HTTP {}: {word}", status.as_u16()),
            None => format!("Slack webhook answered HTTP {}", status.as_u16()),
        })
    }

    fn timed_out(&self) -> String {
        format!(
            "Slack webhook: no answer within {}s",
            self.timeout.as_secs()
        )
    }

    /// The error's kind and its innermost I/O cause; reqwest's own message would name the URL.
    fn http_error(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            return self.timed_out();
        }
        let kind = if e.is_connect() {
            "cannot connect"
        } else if e.is_redirect() || e.status().is_some_and(|s| s.is_redirection()) {
            "redirected (not followed)"
        } else {
            "request failed"
        };
        match io_cause(e) {
            Some(cause) => format!("Slack webhook: {kind}: {cause}"),
            None => format!("Slack webhook: {kind}"),
        }
    }
}

fn io_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut source = e.source();
    let mut found = None;
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            found = Some(io.kind().to_string());
        }
        source = s.source();
    }
    found
}

impl Email {
    fn new(smtp: &SmtpSettings, settings: &NotifySettings) -> Result<Email, ConfigError> {
        let host = smtp
            .host
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let tls_params = || {
            TlsParameters::new(host.to_owned()).map_err(|_| ConfigError::Invalid {
                name: "remediation.notify.smtp.host",
                reason: "cannot set up TLS for this host".into(),
            })
        };
        let tls = match smtp.tls {
            SmtpTls::Starttls => Tls::Required(tls_params()?),
            SmtpTls::Tls => Tls::Wrapper(tls_params()?),
            SmtpTls::None => Tls::None,
        };
        let timeout = Duration::from_secs(smtp.timeout_secs);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(smtp.port())
            .tls(tls)
            .timeout(Some(timeout));
        if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        let mailbox = settings::mailbox;
        Ok(Email {
            transport: builder.build(),
            // Validated above.
            from: mailbox(&smtp.from).ok_or_else(|| ConfigError::Invalid {
                name: "remediation.notify.smtp.from",
                reason: "not an e-mail address".into(),
            })?,
            team: settings
                .security_team
                .iter()
                .filter_map(|a| mailbox(a))
                .collect(),
            notify_last_editor: settings.notify_last_editor,
            timeout,
            password: smtp.password.clone(),
        })
    }

    fn recipients(&self, last_editor: Option<&str>) -> Vec<Mailbox> {
        let mut to = self.team.clone();
        if self.notify_last_editor
            && let Some(text) = last_editor
        {
            match settings::mailbox(text) {
                Some(editor) if !to.iter().any(|m| m.email == editor.email) => to.push(editor),
                Some(_) => {}
                None => tracing::warn!("the last editor's e-mail address is not one; skipped"),
            }
        }
        to
    }

    async fn send(&self, notice: &Notice, last_editor: Option<&str>) -> Outcome {
        let to = self.recipients(last_editor);
        if to.is_empty() {
            return Outcome::Skipped("no recipient".into());
        }
        let mut message = Message::builder()
            .message_id(None)
            .from(self.from.clone())
            .subject(notice.subject());
        for m in to {
            message = message.to(m);
        }
        let message = match message.multipart(MultiPart::alternative_plain_html(
            notice.text_body(),
            notice.html_body(),
        )) {
            Ok(m) => m,
            Err(e) => return Outcome::Failed(format!("cannot build the e-mail: {e}")),
        };
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Err(_) => Outcome::Failed(format!("SMTP: not sent within {}s", self.timeout.as_secs())),
            Ok(Ok(_)) => Outcome::Sent,
            Ok(Err(e)) => Outcome::Failed(self.smtp_error(&e)),
        }
    }

    /// lettre's message: the kind, the reply code and the server's text (or the I/O cause).
    /// Servers do not quote credentials back, but the password is scrubbed should one do so.
    fn smtp_error(&self, e: &lettre::transport::smtp::Error) -> String {
        let mut text = format!("SMTP: {e}");
        if e.is_timeout() {
            text = format!("SMTP: timed out ({}s)", self.timeout.as_secs());
        }
        if let Some(password) = &self.password {
            let p = password.expose_secret();
            if !p.is_empty() {
                text = text.replace(p, "[password]");
            }
        }
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(300)
            .collect()
    }
}

#[cfg(test)]
mod tests;
