//! What a notice says, and how it reads in each channel: a plain-text and an HTML e-mail body,
//! and a Slack message. A [`Notice`] is made only from what remediation knows of a page and
//! from domain [`Finding`]s, which hold masked previews and keyed fingerprints, never a value:
//! nothing else can get into a message.

use dlp_domain::{Category, ContentType, Finding, Location, Severity};
use serde_json::{Value, json};

use crate::remediate::policy::ActionKind;

/// Findings listed one by one; a page with more gets a count of the rest, which keeps Slack's
/// block limits (3000 characters a section) and a mail readable.
const MAX_LISTED: usize = 25;

/// Where remediation is with the actions a notice reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Planned, not carried out yet (dry run, awaiting approval, or waiting out a delay).
    Planned,
    /// Carried out.
    Taken,
}

/// What remediation knows of the page and of its own decision.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub policy: &'a str,
    pub actions: &'a [ActionKind],
    pub stage: Stage,
    pub remediation_id: &'a str,
    pub space_key: &'a str,
    pub page_title: &'a str,
    /// The page's absolute web link, if known.
    pub page_link: Option<&'a str>,
}

/// One finding as a notice shows it. Its fields are private, so one can only be made from a
/// domain [`Finding`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFinding {
    detector: String,
    category: Category,
    severity: Severity,
    masked: String,
    location: String,
}

impl NoticeFinding {
    pub fn detector(&self) -> &str {
        &self.detector
    }
    pub fn category(&self) -> Category {
        self.category
    }
    pub fn severity(&self) -> Severity {
        self.severity
    }
    pub fn masked(&self) -> &str {
        &self.masked
    }
    pub fn location(&self) -> &str {
        &self.location
    }
}

impl From<&Finding> for NoticeFinding {
    fn from(f: &Finding) -> Self {
        NoticeFinding {
            detector: clean(&f.detector, 80),
            category: f.category,
            severity: f.severity,
            masked: clean(&f.masked, 80),
            location: clean(&location_summary(&f.location), 160),
        }
    }
}

/// A notice about one page. Built only by [`Notice::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    policy: String,
    actions: Vec<ActionKind>,
    stage: Stage,
    remediation_id: String,
    space_key: String,
    page_title: String,
    page_link: Option<String>,
    findings: Vec<NoticeFinding>,
}

impl Notice {
    /// The most severe findings come first, so a cut list keeps those.
    pub fn new(about: About<'_>, findings: &[Finding]) -> Notice {
        let mut listed: Vec<NoticeFinding> = findings.iter().map(NoticeFinding::from).collect();
        listed.sort_by_key(|f| std::cmp::Reverse(f.severity));
        Notice {
            policy: clean(about.policy, 120),
            actions: about.actions.to_vec(),
            stage: about.stage,
            remediation_id: clean(about.remediation_id, 80),
            space_key: clean(about.space_key, 80),
            page_title: clean(about.page_title, 200),
            page_link: about.page_link.and_then(web_link),
            findings: listed,
        }
    }

    pub fn findings(&self) -> &[NoticeFinding] {
        &self.findings
    }

    pub fn page_link(&self) -> Option<&str> {
        self.page_link.as_deref()
    }

    pub fn subject(&self) -> String {
        format!(
            "[confluence-dlp] {} on \"{}\" ({}): policy {}",
            count(self.findings.len()),
            self.page_title,
            self.space_key,
            self.policy
        )
    }

    fn actions_line(&self) -> String {
        let verb = match self.stage {
            Stage::Planned => "Actions planned",
            Stage::Taken => "Actions taken",
        };
        let list: Vec<&str> = self.actions.iter().map(|a| action_label(*a)).collect();
        format!("{verb}: {}", list.join(", "))
    }

    fn finding_line(f: &NoticeFinding) -> String {
        format!(
            "[{}] {} {}: {} ({})",
            f.severity.as_str(),
            f.category.as_str(),
            f.detector,
            f.masked,
            f.location
        )
    }

    fn rest(&self) -> Option<String> {
        let rest = self.findings.len().saturating_sub(MAX_LISTED);
        (rest > 0).then(|| format!("... and {rest} more"))
    }

    pub fn text_body(&self) -> String {
        let mut out = format!(
            "confluence-dlp found sensitive data on a Confluence page.\n\n\
             Page: {} (space {})\n",
            self.page_title, self.space_key
        );
        if let Some(link) = &self.page_link {
            out.push_str(&format!("Link: {link}\n"));
        }
        out.push_str(&format!(
            "Policy: {}\n{}\nRemediation: {}\n\nFindings (masked previews only):\n",
            self.policy,
            self.actions_line(),
            self.remediation_id
        ));
        for f in self.findings.iter().take(MAX_LISTED) {
            out.push_str(&format!("- {}\n", Self::finding_line(f)));
        }
        if let Some(rest) = self.rest() {
            out.push_str(&format!("{rest}\n"));
        }
        out.push_str(&format!("\n{FOOTER}\n"));
        out
    }

    pub fn html_body(&self) -> String {
        let e = escape_html;
        let title = match &self.page_link {
            Some(link) => format!("<a href=\"{}\">{}</a>", e(link), e(&self.page_title)),
            None => e(&self.page_title),
        };
        let mut rows = String::new();
        for f in self.findings.iter().take(MAX_LISTED) {
            rows.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>\n",
                e(f.severity.as_str()),
                e(f.category.as_str()),
                e(&f.detector),
                e(&f.masked),
                e(&f.location)
            ));
        }
        let rest = self
            .rest()
            .map(|r| format!("<p>{}</p>\n", e(&r)))
            .unwrap_or_default();
        format!(
            "<!DOCTYPE html>\n<html><body>\n\
             <p>confluence-dlp found sensitive data on a Confluence page.</p>\n\
             <p>Page: {title} (space {space})<br>\nPolicy: {policy}<br>\n{actions}<br>\n\
             Remediation: {id}</p>\n\
             <table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\n\
             <tr><th>Severity</th><th>Category</th><th>Detector</th><th>Masked preview</th>\
             <th>Where</th></tr>\n{rows}</table>\n{rest}<p>{footer}</p>\n</body></html>\n",
            space = e(&self.space_key),
            policy = e(&self.policy),
            actions = e(&self.actions_line()),
            id = e(&self.remediation_id),
            footer = e(FOOTER),
        )
    }

    /// The body of a Slack incoming-webhook post: `text` is the fallback notifications show,
    /// `blocks` the message.
    pub fn slack_payload(&self) -> Value {
        let m = escape_mrkdwn;
        let page = match &self.page_link {
            Some(link) => format!("*<{}|{}>*", link, m(&self.page_title)),
            None => format!("*{}*", m(&self.page_title)),
        };
        let summary = format!(
            "{page} in space `{}`\nPolicy *{}*. {}\nRemediation `{}`",
            code(&self.space_key),
            m(&self.policy),
            m(&self.actions_line()),
            code(&self.remediation_id)
        );
        let mut list = String::new();
        for f in self.findings.iter().take(MAX_LISTED) {
            let line = format!(
                "\u{2022} *{}* {} `{}`: `{}` ({})\n",
                f.severity.as_str(),
                f.category.as_str(),
                code(&f.detector),
                code(&f.masked),
                m(&f.location)
            );
            // Slack refuses a section over 3000 characters.
            if list.chars().count() + line.chars().count() > 2800 {
                break;
            }
            list.push_str(&line);
        }
        if let Some(rest) = self.rest() {
            list.push_str(&m(&rest));
        }
        let fallback = format!(
            "confluence-dlp: {} on \"{}\" ({}), policy {}",
            count(self.findings.len()),
            self.page_title,
            self.space_key,
            self.policy
        );
        json!({
            "text": m(&fallback),
            "blocks": [
                {"type": "header", "text": {"type": "plain_text",
                    "text": "Sensitive data on a Confluence page"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": summary}},
                {"type": "section", "text": {"type": "mrkdwn",
                    "text": if list.is_empty() { "No findings listed.".to_owned() } else { list }}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": m(FOOTER)}]},
            ]
        })
    }
}

const FOOTER: &str = "Masked previews only: the values themselves are never sent. You receive \
                      this as the page's last editor or as the security team.";

fn count(n: usize) -> String {
    if n == 1 {
        "1 finding".to_owned()
    } else {
        format!("{n} findings")
    }
}

fn action_label(a: ActionKind) -> &'static str {
    match a {
        ActionKind::Notify => "notify",
        ActionKind::Classify => "classify",
        ActionKind::RestrictPage => "restrict page",
        ActionKind::RemoveSpaceAccess => "remove space access",
        ActionKind::RedactInPlace => "redact in place",
        ActionKind::QuarantineAttachment => "quarantine attachment",
        ActionKind::PurgeHistory => "purge history",
    }
}

/// Where in the item a finding sits, for a reader: the kind of item and the place inside it,
/// not byte offsets.
fn location_summary(l: &Location) -> String {
    let mut parts = vec![match l.content_type {
        ContentType::Comment => match &l.comment_id {
            Some(id) => format!("comment {id}"),
            None => "comment".to_owned(),
        },
        ContentType::Attachment => match &l.attachment_title {
            Some(t) => format!("attachment \"{t}\""),
            None => "attachment".to_owned(),
        },
        ContentType::History => match l.page_version {
            Some(v) => format!("older version {v}"),
            None => "older version".to_owned(),
        },
        other => other.as_str().to_owned(),
    }];
    if let Some(p) = &l.path {
        parts.push(p.clone());
    }
    if let Some(s) = &l.sheet {
        parts.push(format!("sheet {s}"));
    }
    if let Some(c) = &l.cell {
        parts.push(format!("cell {c}"));
    }
    if let Some(p) = l.pdf_page {
        parts.push(format!("PDF page {p}"));
    }
    if let Some(line) = l.line {
        parts.push(format!("line {line}"));
    }
    parts.join(", ")
}

/// One line of at most `max` characters: control characters (a newline in a title would
/// start a new line of a mail body or a Slack message) become spaces.
fn clean(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if s.chars().count() > max {
        out.push('\u{2026}');
    }
    out
}

/// Only an absolute http(s) link goes into a message, in its normalised form; `|`, which would
/// end a Slack link's address, is percent-encoded.
fn web_link(link: &str) -> Option<String> {
    let url = url::Url::parse(link.trim()).ok()?;
    matches!(url.scheme(), "https" | "http").then(|| url.as_str().replace('|', "%7C"))
}

pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Slack's mrkdwn gives `&`, `<` and `>` meaning (links, mentions such as `<!channel>`).
fn escape_mrkdwn(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text inside a mrkdwn code span, which a backtick would end.
fn code(s: &str) -> String {
    escape_mrkdwn(&s.replace('`', "'"))
}
