//! `[remediation.notify]`: where notices go, checked when the process starts.

use std::collections::BTreeMap;
use std::net::IpAddr;

use lettre::message::Mailbox;
use secrecy::SecretString;
use serde::Deserialize;

use crate::config::ConfigError;

/// Every key is optional: with neither `slack_webhook_url` nor `smtp`, notices go nowhere.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// A Slack (or Slack-compatible) incoming-webhook URL. Whoever has it can post to the
    /// channel, so it is a secret (`DLP_SLACK_WEBHOOK_URL`). https, or http to a loopback host.
    pub slack_webhook_url: Option<SecretString>,
    /// The longest a Slack post may take.
    pub slack_timeout_secs: u64,
    /// E-mail, through this SMTP server.
    pub smtp: Option<SmtpSettings>,
    /// Addresses every e-mail notice goes to.
    pub security_team: Vec<String>,
    /// Also e-mail the page's last editor (when an address for them is known).
    pub notify_last_editor: bool,
    /// Addresses of Confluence users, by account id (Cloud), user key or username (Data
    /// Center). Asked first: Cloud hides most users' e-mail addresses.
    pub editor_emails: BTreeMap<String, String>,
    /// For users not in `editor_emails` and without an address from Confluence: the address
    /// is their username at this domain (`jdoe` -> `jdoe@example.com`). Meant for Data Center
    /// sites whose usernames are mail names; an opaque Cloud account id never gets one.
    pub editor_email_domain: Option<String>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            slack_webhook_url: None,
            slack_timeout_secs: 10,
            smtp: None,
            security_team: Vec::new(),
            notify_last_editor: true,
            editor_emails: BTreeMap::new(),
            editor_email_domain: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    /// Unset: 587 for `starttls`, 465 for `tls`, 25 for `none`.
    pub port: Option<u16>,
    pub tls: SmtpTls,
    /// With `password`: the server is logged in to (PLAIN or LOGIN).
    pub username: Option<String>,
    /// `DLP_SMTP_PASSWORD`.
    pub password: Option<SecretString>,
    /// The sender, `Name <address>` or a bare address.
    pub from: String,
    /// The longest sending one notice may take, connection included.
    pub timeout_secs: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            host: String::new(),
            port: None,
            tls: SmtpTls::default(),
            username: None,
            password: None,
            from: String::new(),
            timeout_secs: 30,
        }
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded by STARTTLS, which must succeed.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No TLS: allowed only to a loopback host (a local relay), since a notice names pages
    /// and people and a password would travel in clear.
    None,
}

impl SmtpSettings {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

/// `localhost` or a loopback address; names are not resolved, so a name that happens to
/// resolve to loopback does not count.
pub(crate) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

pub(crate) fn mailbox(text: &str) -> Option<Mailbox> {
    text.trim().parse().ok()
}

impl NotifySettings {
    /// Refuses, naming the key, what could never send: a URL that is not one, an address that
    /// is not one, plain SMTP to another machine, half a login.
    pub fn validate(&self) -> Result<(), ConfigError> {
        use secrecy::ExposeSecret;
        if let Some(url) = &self.slack_webhook_url {
            // The reason never quotes the URL: it is the secret.
            let reason = match url::Url::parse(url.expose_secret().trim()) {
                Err(_) => Some("not a URL"),
                Ok(u) if u.host_str().is_none_or(str::is_empty) => Some("has no host"),
                Ok(u) if u.scheme() == "https" => None,
                Ok(u) if u.scheme() == "http" && u.host_str().is_some_and(is_loopback) => None,
                Ok(_) => Some("must be https (http only to a loopback host)"),
            };
            if let Some(reason) = reason {
                return Err(invalid("remediation.notify.slack_webhook_url", reason));
            }
        }
        if self.slack_timeout_secs == 0 {
            return Err(invalid(
                "remediation.notify.slack_timeout_secs",
                "must be at least 1",
            ));
        }
        for address in &self.security_team {
            if mailbox(address).is_none() {
                return Err(invalid(
                    "remediation.notify.security_team",
                    format!("{address:?} is not an e-mail address"),
                ));
            }
        }
        for (user, address) in &self.editor_emails {
            if mailbox(address).is_none() {
                return Err(invalid(
                    "remediation.notify.editor_emails",
                    format!("{address:?} (for {user:?}) is not an e-mail address"),
                ));
            }
        }
        if let Some(domain) = &self.editor_email_domain
            && mailbox(&format!("user@{domain}")).is_none()
        {
            return Err(invalid(
                "remediation.notify.editor_email_domain",
                format!("{domain:?} is not a mail domain"),
            ));
        }
        if let Some(smtp) = &self.smtp {
            smtp.validate()?;
            if self.security_team.is_empty() && !self.notify_last_editor {
                return Err(invalid(
                    "remediation.notify.security_team",
                    "smtp is set but no one would be mailed: name the security team or \
                     notify the last editor",
                ));
            }
        }
        Ok(())
    }

    /// A Confluence user's e-mail address: the one Confluence gave, else `editor_emails`
    /// under any of the user's ids, else the username at `editor_email_domain`.
    pub fn editor_address(
        &self,
        from_confluence: Option<&str>,
        ids: &[&str],
        username: Option<&str>,
    ) -> Option<String> {
        let valid = |a: &str| mailbox(a).map(|m| m.email.to_string());
        if let Some(address) = from_confluence.and_then(valid) {
            return Some(address);
        }
        let mapped = ids
            .iter()
            .chain(username.iter())
            .find_map(|id| self.editor_emails.get(*id));
        if let Some(address) = mapped.and_then(|a| valid(a)) {
            return Some(address);
        }
        let (domain, name) = (self.editor_email_domain.as_deref()?, username?.trim());
        // A username with `@` or spaces is no mail name.
        if name.is_empty() || name.contains(['@', ' ']) {
            return None;
        }
        valid(&format!("{name}@{domain}"))
    }
}

impl SmtpSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        let host = self.host.trim();
        if host.is_empty() || host.contains(['/', ' ', '@']) {
            return Err(invalid(
                "remediation.notify.smtp.host",
                "must be a host name or address",
            ));
        }
        if self.tls == SmtpTls::None && !is_loopback(host) {
            return Err(invalid(
                "remediation.notify.smtp.tls",
                "none is allowed only to a loopback host (localhost, 127.0.0.1, ::1); use \
                 starttls or tls",
            ));
        }
        if self.port == Some(0) {
            return Err(invalid("remediation.notify.smtp.port", "must be 1..=65535"));
        }
        if mailbox(&self.from).is_none() {
            return Err(invalid(
                "remediation.notify.smtp.from",
                format!("{:?} is not an e-mail address", self.from),
            ));
        }
        if self.username.is_some() != self.password.is_some() {
            return Err(invalid(
                "remediation.notify.smtp.username, remediation.notify.smtp.password",
                "give both or neither",
            ));
        }
        if self.timeout_secs == 0 {
            return Err(invalid(
                "remediation.notify.smtp.timeout_secs",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}
