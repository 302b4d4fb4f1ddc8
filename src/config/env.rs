//! The environment's layer of [`Settings`]: each variable a deployment sets, over the file.

use std::path::PathBuf;

use secrecy::SecretString;

use super::{ConfigError, DataCenterWebhookSettings, Settings, datacenter_max_age_secs};

impl Settings {
    /// Environment overrides; `get` is injected so tests need not touch the process env.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let secret = |v: String| SecretString::from(v);
        if let Some(v) = get("DLP_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("DATABASE_URL") {
            self.database_url = Some(secret(v));
        }
        if let Some(v) = get("REDIS_URL") {
            self.redis_url = Some(secret(v));
        }
        if let Some(v) = get("DLP_LISTEN") {
            self.listen = v.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "DLP_LISTEN",
                reason: "not an address and port, e.g. 127.0.0.1:8080".into(),
            })?;
        }
        if let Some(v) = get("DLP_SERVER_KEY") {
            self.server_key = Some(secret(v));
        }
        let c = &mut self.confluence;
        if let Some(v) = get("CONFLUENCE_SITE") {
            c.site = Some(v);
        }
        if let Some(v) = get("CONFLUENCE_FLAVOR") {
            c.flavor = Some(match v.trim().to_ascii_lowercase().as_str() {
                "cloud" => dlp_confluence::Flavor::Cloud,
                "datacenter" | "data-center" | "dc" | "server" => {
                    dlp_confluence::Flavor::DataCenter
                }
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "CONFLUENCE_FLAVOR",
                        reason: "must be cloud or datacenter".into(),
                    });
                }
            });
        }
        if let Some(v) = get("CONFLUENCE_EMAIL") {
            c.email = Some(v);
        }
        if let Some(v) = get("CONFLUENCE_API_TOKEN") {
            c.api_token = Some(secret(v));
        }
        if let Some(v) = get("CONFLUENCE_PAT") {
            c.pat = Some(secret(v));
        }
        if let Some(v) = get("DLP_MAX_REQUESTS_PER_SEC") {
            c.max_requests_per_sec = Some(parse("DLP_MAX_REQUESTS_PER_SEC", &v)?);
        }
        if let Some(v) = get("DLP_QUEUE") {
            self.workers.queue = v;
        }
        if let Some(v) = get("DLP_WORKER_CONCURRENCY") {
            self.workers.concurrency = parse("DLP_WORKER_CONCURRENCY", &v)?;
        }
        if let Some(v) = get("DLP_HEARTBEAT_SECS") {
            self.workers.heartbeat_secs = parse("DLP_HEARTBEAT_SECS", &v)?;
        }
        if let Some(v) = get("DLP_DATACENTER_WEBHOOK_SECRET") {
            match &mut self.webhooks.datacenter {
                Some(dc) => dc.secret = secret(v),
                None => {
                    self.webhooks.datacenter = Some(DataCenterWebhookSettings {
                        secret: secret(v),
                        max_age_secs: datacenter_max_age_secs(),
                    })
                }
            }
        }
        if let Some(v) = get("DLP_MCP_UPSTREAM_AUTHORIZATION") {
            self.mcp_proxy.upstream_authorization = Some(secret(v));
        }
        let notify = &mut self.remediation.notify;
        if let Some(v) = get("DLP_SLACK_WEBHOOK_URL") {
            notify.slack_webhook_url = Some(secret(v));
        }
        if let Some(v) = get("DLP_SMTP_PASSWORD") {
            // A password alone says nothing of the server it is for.
            match &mut notify.smtp {
                Some(smtp) => smtp.password = Some(secret(v)),
                None => {
                    return Err(ConfigError::Invalid {
                        name: "DLP_SMTP_PASSWORD",
                        reason: "set, but [remediation.notify.smtp] is not configured".into(),
                    });
                }
            }
        }
        let admin = &mut self.remediation.space_admin;
        if let Some(v) = get("DLP_SPACE_ADMIN_EMAIL") {
            admin.email = Some(v);
        }
        if let Some(v) = get("DLP_SPACE_ADMIN_API_TOKEN") {
            admin.api_token = Some(secret(v));
        }
        if let Some(v) = get("DLP_SPACE_ADMIN_PAT") {
            admin.pat = Some(secret(v));
        }
        if let Some(v) = get("DLP_MIN_CONFIDENCE") {
            self.rules.min_confidence = parse("DLP_MIN_CONFIDENCE", &v)?;
        }
        Ok(())
    }
}

fn parse<T: std::str::FromStr>(name: &'static str, v: &str) -> Result<T, ConfigError> {
    v.trim().parse().map_err(|_| ConfigError::Invalid {
        name,
        reason: "not a valid number".into(),
    })
}
