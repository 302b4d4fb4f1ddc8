//! Planning: for the open findings in a scope, which policy each gets (with its page's
//! exposure raising its severity), and for each policy's action on each target, the exact
//! change it would make, read from Confluence as it is now. Plans are stored; a dry run's
//! stay plans, an approval policy's wait for a person, an automatic one's are approved at
//! once (to run after the policy's delay).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::Utc;
use dlp_confluence::ConfluenceClient;
use dlp_domain::{ContentType, Exposure, Finding};
use dlp_store::{
    FindingFilter, FindingRecord, FindingStatus, NewAuditEvent, NewRemediation, Remediation,
    RemediationState, RemediationTarget,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::content::{BodyRef, Masking};
use super::policy::{ActionKind, Mode, Policy, Subject, decide};
use super::{actions, exposure};
use crate::app::App;

/// Which open findings to plan for; every field narrows, none means all.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PlanScope {
    pub space_key: Option<String>,
    pub page_id: Option<String>,
    pub finding_ids: Vec<String>,
}

impl PlanScope {
    pub fn check(&self) -> Result<(), String> {
        if self
            .page_id
            .as_ref()
            .is_some_and(|p| p.is_empty() || p.len() > 64 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err("page_id is a page's numeric id".into());
        }
        if self.space_key.as_ref().is_some_and(|k| {
            k.is_empty() || k.len() > 255 || !k.chars().all(|c| c.is_alphanumeric() || c == '~')
        }) {
            return Err("space_key must be a space's key, such as ENG".into());
        }
        if self.finding_ids.len() > 1000 {
            return Err("at most 1000 finding_ids".into());
        }
        Ok(())
    }
}

/// What a planning run did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PlanReport {
    /// Plans made by this run (a change planned before is not planned again).
    pub planned: Vec<Remediation>,
    /// Changes a policy called for that cannot be planned, and why.
    pub skipped: Vec<Skipped>,
    /// Findings covered by no policy.
    pub uncovered: u64,
    /// Pages whose exposure was read from Confluence.
    pub exposures_read: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    pub policy: String,
    pub action: String,
    pub page_id: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("no Confluence site is configured: remediation changes Confluence")]
    NoSite,
    #[error("store")]
    Store(#[from] dlp_store::StoreError),
}

/// The most findings one run plans for.
const MAX_FINDINGS: usize = 20_000;

/// What one action will be done to, and for which findings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TargetKey {
    /// A page's, blog post's or comment's body (id of the content holding it).
    Body(String),
    Attachment(String),
    /// A page or blog post as a whole: its restrictions, level, history, people to tell.
    Page(String),
    Space(String),
}

pub async fn plan(app: &App, scope: &PlanScope, actor: &str) -> Result<PlanReport, PlanError> {
    let client = app.confluence.as_ref().ok_or(PlanError::NoSite)?;
    // One snapshot for the whole run: a reload meanwhile applies to the next plan.
    let set = app.policies();
    let policies = &set.policies;
    let mut report = PlanReport::default();
    let findings = open_findings(app, scope).await?;
    if findings.is_empty() || policies.is_empty() {
        report.uncovered = findings.len() as u64;
        return Ok(report);
    }
    // Exposure first: it raises severity and policies match on it.
    let mut by_space: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for f in &findings {
        let l = &f.finding.location;
        by_space
            .entry(&l.space_key)
            .or_default()
            .insert(l.page_id.clone());
    }
    let mut exposures: HashMap<String, Exposure> = HashMap::new();
    for (space, pages) in by_space {
        let pages: Vec<String> = pages.into_iter().collect();
        let (known, read) = exposure::refresh_pages(app, client, space, &pages).await;
        exposures.extend(known);
        report.exposures_read += read as u64;
    }
    let labels = page_labels(client, policies, &findings).await;
    // Each finding's policy, then its actions grouped by what they act on.
    let mut groups: BTreeMap<(String, ActionKind, TargetKey), Vec<&FindingRecord>> =
        BTreeMap::new();
    for record in &findings {
        let f = &record.finding;
        let exposure = exposures.get(&f.location.page_id).copied();
        let raised = raised(f, exposure);
        let no_labels = Vec::new();
        let subject = Subject {
            finding: &raised,
            labels: labels.get(&f.location.page_id).unwrap_or(&no_labels),
            exposure,
        };
        let Some(policy) = decide(policies, &subject) else {
            report.uncovered += 1;
            continue;
        };
        for &action in &policy.actions {
            if let Some(target) = target_of(action, f) {
                groups
                    .entry((policy.name.clone(), action, target))
                    .or_default()
                    .push(record);
            }
        }
    }
    for ((policy_name, action, target), records) in groups {
        let Some(policy) = policies.iter().find(|p| p.name == policy_name) else {
            continue;
        };
        let first = &records[0].finding.location;
        let skip = |reason: String| Skipped {
            policy: policy.name.clone(),
            action: action.as_str().to_owned(),
            page_id: first.page_id.clone(),
            reason,
        };
        let drafted =
            match actions::draft(app, client, &set, policy, action, &target, &records).await {
                Ok(d) => d,
                Err(reason) => {
                    report.skipped.push(skip(reason));
                    continue;
                }
            };
        let mut ids: Vec<String> = records.iter().map(|r| r.finding.id.clone()).collect();
        ids.sort();
        ids.dedup();
        let new = NewRemediation {
            id: uuid::Uuid::new_v4().to_string(),
            dedup_key: dedup_key(&policy.name, action, &target, &ids),
            policy: policy.name.clone(),
            action: action.as_str().to_owned(),
            mode: policy.mode.as_str().to_owned(),
            state: match policy.mode {
                Mode::Auto => RemediationState::Approved,
                Mode::DryRun | Mode::Approve => RemediationState::Planned,
            },
            target: RemediationTarget {
                space_key: first.space_key.clone(),
                content_type: drafted.content_type.to_owned(),
                page_id: first.page_id.clone(),
                comment_id: drafted.comment_id.clone(),
                attachment_id: drafted.attachment_id.clone(),
                title: records[0].page_title.clone(),
                web_link: records[0].web_link.clone(),
            },
            finding_ids: ids,
            plan: drafted.plan,
            not_before: (policy.mode == Mode::Auto && policy.delay_secs > 0).then(|| {
                Utc::now()
                    + chrono::Duration::seconds(i64::try_from(policy.delay_secs).unwrap_or(0))
            }),
        };
        let Some(planned) = app.store.plan_remediation(&new).await? else {
            continue;
        };
        app.store
            .record_audit(&NewAuditEvent {
                actor: actor.to_owned(),
                action: "remediation.planned".into(),
                scan_id: None,
                subject: Some(planned.id.clone()),
                detail: json!({
                    "policy": planned.policy,
                    "action": planned.action,
                    "mode": planned.mode,
                    "page_id": planned.target.page_id,
                    "findings": planned.finding_ids.len(),
                }),
            })
            .await?;
        report.planned.push(planned);
    }
    Ok(report)
}

/// The severity policies see: raised by who can read the page.
fn raised(f: &Finding, exposure: Option<Exposure>) -> Finding {
    let mut f = f.clone();
    if let Some(e) = exposure {
        f.severity = e.raise(f.severity, f.category);
    }
    f
}

/// What `action` acts on for a finding; `None` when it does not apply to that kind of
/// content (an attachment has no body to redact, a page no attachment to quarantine).
fn target_of(action: ActionKind, f: &Finding) -> Option<TargetKey> {
    let l = &f.location;
    match action {
        ActionKind::RedactInPlace => BodyRef::of(l).map(|b| TargetKey::Body(b.id().to_owned())),
        ActionKind::QuarantineAttachment => l.attachment_id.clone().map(TargetKey::Attachment),
        ActionKind::PurgeHistory => matches!(
            l.content_type,
            ContentType::History | ContentType::Page | ContentType::BlogPost
        )
        .then(|| TargetKey::Page(l.page_id.clone())),
        ActionKind::RestrictPage | ActionKind::Classify | ActionKind::Notify => {
            (l.content_type != ContentType::File).then(|| TargetKey::Page(l.page_id.clone()))
        }
        ActionKind::RemoveSpaceAccess => {
            (l.content_type != ContentType::File).then(|| TargetKey::Space(l.space_key.clone()))
        }
    }
}

fn dedup_key(policy: &str, action: ActionKind, target: &TargetKey, ids: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(policy.as_bytes());
    h.update([0]);
    h.update(action.as_str().as_bytes());
    h.update([0]);
    h.update(format!("{target:?}").as_bytes());
    for id in ids {
        h.update([0]);
        h.update(id.as_bytes());
    }
    hex::encode(h.finalize())
}

async fn open_findings(app: &App, scope: &PlanScope) -> Result<Vec<FindingRecord>, PlanError> {
    if !scope.finding_ids.is_empty() {
        let mut found = app.store.findings_by_ids(&scope.finding_ids).await?;
        found.retain(|r| r.status == FindingStatus::Open);
        return Ok(found);
    }
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .store
            .findings(&FindingFilter {
                space_key: scope.space_key.clone(),
                page_id: scope.page_id.clone(),
                status: Some(FindingStatus::Open),
                after: after.clone(),
                limit: FindingFilter::MAX_LIMIT,
                ..FindingFilter::default()
            })
            .await?;
        let full = page.len() == FindingFilter::MAX_LIMIT as usize;
        after = page.last().map(|r| r.finding.id.clone());
        out.extend(page);
        if !full || out.len() >= MAX_FINDINGS {
            break;
        }
    }
    out.retain(|r| r.finding.location.content_type != ContentType::File);
    Ok(out)
}

/// Labels of the pages with findings, read only when a policy's scope names labels.
async fn page_labels(
    client: &ConfluenceClient,
    policies: &[Policy],
    findings: &[FindingRecord],
) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    if policies.iter().all(|p| p.scope.labels.is_empty()) {
        return out;
    }
    let pages: HashSet<&str> = findings
        .iter()
        .map(|f| f.finding.location.page_id.as_str())
        .collect();
    for page in pages {
        match client.labels(page).await {
            Ok(labels) => {
                out.insert(page.to_owned(), labels);
            }
            Err(e) => {
                tracing::warn!(page, error = %e, "labels not read; label-scoped policies skip this page")
            }
        }
    }
    out
}

/// The masked previews of the findings, by fingerprint: a value is written masked the way
/// its finding shows it.
pub(crate) fn masks(records: &[&FindingRecord]) -> HashMap<String, String> {
    records
        .iter()
        .map(|r| (r.finding.fingerprint.clone(), r.finding.masked.clone()))
        .collect()
}

/// The fingerprints of the findings.
pub(crate) fn targets(records: &[&FindingRecord]) -> HashSet<String> {
    records
        .iter()
        .map(|r| r.finding.fingerprint.clone())
        .collect()
}

/// How many values of `records` the body holds now, for a plan's summary.
pub(crate) fn still_there(app: &App, storage: &str, records: &[&FindingRecord]) -> Masking {
    Masking::read(&app.workers.classifier, storage, &targets(records))
}
