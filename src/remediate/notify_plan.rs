//! The `notify` action: who is told, and telling them. The page's last editor and the
//! security team get the findings' masked previews through the configured channels (Slack
//! incoming webhook, e-mail: [`super::notify`]); a policy with `comment = true` also leaves a
//! footer comment on the page, with the same masked previews.

use dlp_confluence::{ConfluenceClient, ConfluenceError, Container};
use dlp_domain::Finding;
use dlp_store::{FindingRecord, Remediation};
use serde_json::{Value, json};

use super::execute::RunError;
use super::notify::{About, Notice, Notifier, NotifySettings, Stage};
use super::policy::{ActionKind, Policy};
use crate::app::App;

pub(crate) fn draft(n: &NotifySettings, policy: &Policy, records: &[&FindingRecord]) -> Value {
    let mut channels = Vec::new();
    if n.slack_webhook_url.is_some() {
        channels.push("slack");
    }
    if n.smtp.is_some() {
        channels.push("email");
    }
    if policy.comment {
        channels.push("page comment");
    }
    json!({
        "summary": format!(
            "Tell {} about {} finding(s) (masked previews only) by {}",
            if n.notify_last_editor { "the last editor and the security team" } else { "the security team" },
            records.len(),
            if channels.is_empty() { "no channel: none is configured".to_owned() } else { channels.join(", ") }
        ),
        "base_version": null,
        "changes": [],
        "recipients": n.security_team,
        "channels": channels,
    })
}

pub(crate) async fn send(
    app: &App,
    client: &ConfluenceClient,
    rem: &Remediation,
    records: &[&FindingRecord],
) -> Result<Value, RunError> {
    // The policies and channels in force now: a notice planned before a reload goes where
    // the file says today (a policy since removed leaves only its name on the notice).
    let settings = app.policies();
    let policy = settings.get(&rem.policy);
    let findings: Vec<Finding> = records.iter().map(|r| r.finding.clone()).collect();
    let actions: Vec<ActionKind> = policy.map(|p| p.actions.clone()).unwrap_or_default();
    let title = rem.target.title.clone().unwrap_or_default();
    let notice = Notice::new(
        About {
            policy: &rem.policy,
            actions: &actions,
            stage: Stage::Planned,
            remediation_id: &rem.id,
            space_key: &rem.target.space_key,
            page_title: &title,
            page_link: rem.target.web_link.as_deref(),
        },
        &findings,
    );
    let notifier =
        Notifier::new(&settings.notify).map_err(|e| RunError::Permanent(e.to_string()))?;
    let editor = last_editor(&settings.notify, client, &rem.target.page_id).await;
    let report = notifier.send(&notice, editor.as_deref()).await;
    let mut result = serde_json::to_value(&report).unwrap_or_default();
    if policy.is_some_and(|p| p.comment) {
        let comment = comment_body(&notice, &rem.policy);
        let posted = match client
            .add_footer_comment(Container::Page, &rem.target.page_id, &comment)
            .await
        {
            Err(ConfluenceError::NotFound) => {
                client
                    .add_footer_comment(Container::BlogPost, &rem.target.page_id, &comment)
                    .await
            }
            other => other,
        };
        result["comment"] = match posted {
            Ok(c) => json!({"ok": true, "comment_id": c.id}),
            Err(e) => json!({"ok": false, "error": e.to_string()}),
        };
    }
    if !report.ok() && notifier.is_on() {
        return Err(RunError::Transient(format!(
            "not every channel took the notice: {}",
            serde_json::to_string(&report).unwrap_or_default()
        )));
    }
    Ok(result)
}

/// The e-mail address of the page's last editor, when the settings can tell it.
async fn last_editor(
    n: &NotifySettings,
    client: &ConfluenceClient,
    page_id: &str,
) -> Option<String> {
    if !n.notify_last_editor {
        return None;
    }
    let page = client.page(page_id).await.ok()?;
    let author = page.version.and_then(|v| v.author_id)?;
    n.editor_address(None, &[author.as_str()], None)
}

/// The page comment: the notice's findings as storage XHTML, masked previews only.
fn comment_body(notice: &Notice, policy: &str) -> String {
    use quick_xml::escape::escape;
    let items: String = notice
        .findings()
        .iter()
        .map(|f| {
            format!(
                "<li><code>{}</code> {} ({}, {})</li>",
                escape(f.masked()),
                escape(f.detector()),
                escape(f.severity().as_str()),
                escape(f.location())
            )
        })
        .collect();
    format!(
        "<p><strong>confluence-dlp</strong> found sensitive data on this page (policy {}). \
         Please remove it, or tell the security team if it is not sensitive.</p><ul>{items}</ul>",
        escape(policy)
    )
}
