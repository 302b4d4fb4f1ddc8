//! Confluence's webhooks, received by the API role: `POST /webhooks/forge` (Cloud, through the
//! project's Forge app), `POST /webhooks/datacenter` (Data Center's own webhooks) and
//! `POST /webhooks/connect` (Cloud, through a Connect app, with its `installed` callback).
//! Each receiver verifies the request, refuses replays, persists a job and only then answers,
//! well inside Confluence's 3 s:
//!
//! 1. verify: signature, issuer, audience, lifetime or timestamp ([`forge`], [`datacenter`],
//!    [`connect`]); a request that fails gets a 401 and an audit row (`webhook.rejected`),
//!    and never becomes a job;
//! 2. claim the delivery id in the store: a replay or redelivery answers 200 `duplicate`;
//! 3. claim the content and its version: two deliveries about the same version of the same
//!    item make one job (200 `coalesced`);
//! 4. create a scan of mode `event` with the item's job, and push the job to the durable
//!    queue: then 202 `queued` (trashed or deleted content instead has its open findings
//!    resolved: 202 `resolved`). A crash after the answer loses nothing, because the job is
//!    already in the queue; a failure before it gives both claims back and answers 503, so
//!    Confluence's retry is taken.
//!
//! Only what a webhook payload names reaches the queue (ids, a space key, a version), never
//! its content: the worker fetches that from the configured site.

pub mod connect;
pub mod datacenter;
pub mod forge;
pub mod keys;
mod thin;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dlp_domain::{ContentRef, ContentType};
use dlp_jobs::{ScanJob, Work};
use dlp_store::{NewAuditEvent, NewScan, ScanKind, ScanMode};
use serde_json::json;

use crate::api::ApiState;
use crate::api::error::ApiError;
use crate::app::App;

/// Largest webhook body taken: Confluence's events are a few KiB.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// How long delivery and content claims are kept: far beyond any token's lifetime and any
/// sender's retries.
const CLAIM_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// The receivers this process has, built from the settings at start.
pub struct Receivers {
    pub forge: Option<forge::ForgeVerifier>,
    pub datacenter: Option<datacenter::DataCenterVerifier>,
    pub connect: Option<connect::ConnectVerifier>,
    /// When old claims were last pruned (ms since the epoch): once a minute is enough, and
    /// each prune is a write the store's one writer would otherwise pay on every event.
    last_prune: AtomicI64,
}

/// The fewest milliseconds between two prunes of old claims.
const PRUNE_EVERY_MS: i64 = 60_000;

impl Receivers {
    async fn prune_if_due(&self, store: &dlp_store::Store) {
        let now = chrono::Utc::now().timestamp_millis();
        let last = self.last_prune.load(Ordering::Relaxed);
        if now - last < PRUNE_EVERY_MS
            || self
                .last_prune
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(e) = store.prune_deliveries(CLAIM_WINDOW_MS).await {
            tracing::warn!(error = %e, "old webhook claims not pruned");
        }
    }
}

impl Receivers {
    pub fn from_settings(settings: &crate::config::WebhookSettings) -> Result<Receivers, String> {
        let forge = match &settings.forge {
            None => None,
            Some(f) => {
                if f.app_id.trim().is_empty() {
                    return Err("webhooks.forge.app_id is empty".into());
                }
                let keys = keys::KeySet::new(&f.jwks_url)
                    .map_err(|e| format!("webhooks.forge.jwks_url: {e}"))?;
                Some(forge::ForgeVerifier::new(f.app_id.clone(), keys))
            }
        };
        let datacenter = match &settings.datacenter {
            None => None,
            Some(dc) => {
                use secrecy::ExposeSecret;
                if dc.secret.expose_secret().is_empty() {
                    return Err("webhooks.datacenter.secret is empty".into());
                }
                Some(datacenter::DataCenterVerifier::new(
                    dc.secret.clone(),
                    std::time::Duration::from_secs(dc.max_age_secs),
                ))
            }
        };
        let connect = match &settings.connect {
            None => None,
            Some(c) => {
                if c.app_key.trim().is_empty() || c.base_url.trim().is_empty() {
                    return Err("webhooks.connect.app_key and base_url must be set".into());
                }
                let keys = keys::KeySet::pem_by_kid(&c.install_keys_url)
                    .map_err(|e| format!("webhooks.connect.install_keys_url: {e}"))?;
                Some(connect::ConnectVerifier::new(
                    c.app_key.clone(),
                    c.base_url.clone(),
                    keys,
                ))
            }
        };
        Ok(Receivers {
            forge,
            datacenter,
            connect,
            last_prune: AtomicI64::new(0),
        })
    }
}

/// The webhook routes and their part of the OpenAPI document; each answers 404 until its
/// receiver is configured.
pub fn router() -> (Router<Arc<ApiState>>, utoipa::openapi::OpenApi) {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(receive_forge))
        .routes(utoipa_axum::routes!(datacenter::receive_datacenter))
        .routes(utoipa_axum::routes!(connect::receive_connect))
        .routes(utoipa_axum::routes!(connect::receive_connect_installed))
        .split_for_parts()
}

/// What a receiver answers when it took the delivery.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct WebhookAnswer {
    /// `queued` (a job was persisted), `resolved` (trashed or deleted content: its findings
    /// were resolved), `duplicate` (this delivery was taken before), `coalesced` (another
    /// delivery about the same version was), `recorded` (an event kept in the audit trail
    /// only), or `installed` (a Connect site's install was recorded).
    pub status: String,
    /// The scan of mode `event` that holds the job, when one was queued.
    pub scan_id: Option<String>,
}

/// Why a request was not taken. The reason goes into the audit row and the answer; nothing
/// of the request itself does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    NoToken,
    NoSignature,
    Malformed,
    WrongAlgorithm,
    UnknownKey,
    KeysUnavailable,
    BadSignature,
    Expired,
    NotForUs,
    /// An event whose signed time is missing or outside the replay window.
    Stale,
    /// A Connect token from a site that has not installed the app.
    UnknownTenant,
    /// A Connect token whose `qsh` is not this request's.
    WrongRequest,
    Payload,
}

impl Rejection {
    pub fn message(self) -> &'static str {
        match self {
            Rejection::NoToken => "no token",
            Rejection::NoSignature => "no X-Hub-Signature",
            Rejection::Malformed => "the token is not a well-formed invocation token",
            Rejection::WrongAlgorithm => "the token is not signed with the algorithm expected",
            Rejection::UnknownKey => "no published key has the token's kid",
            Rejection::KeysUnavailable => "the signing keys could not be fetched",
            Rejection::BadSignature => "the signature does not verify",
            Rejection::Expired => "the token has expired or is not valid yet",
            Rejection::NotForUs => "the token is for another app or from another issuer",
            Rejection::Stale => {
                "the event is stale: its timestamp is missing or outside the window"
            }
            Rejection::UnknownTenant => "the token's issuer has not installed the app",
            Rejection::WrongRequest => "the token's qsh is not this request's",
            Rejection::Payload => "the event payload is not a Confluence event this receiver reads",
        }
    }

    /// The API's answer: a bad payload is the sender's to fix (400), keys we could not fetch
    /// are ours (503, so the sender retries), anything else is a token that does not verify.
    fn into_error(self) -> ApiError {
        match self {
            Rejection::Payload => ApiError::InvalidInput(self.message().into()),
            Rejection::KeysUnavailable => ApiError::Unavailable(self.message().into()),
            _ => ApiError::Unauthenticated(self.message()),
        }
    }
}

/// What happened, as a receiver reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventAction {
    /// Created, updated or restored: scan it.
    Changed,
    /// Trashed or deleted: its findings are resolved.
    Removed,
}

/// A verified event about one content item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentEvent {
    /// The sender's name for the event (`avi:confluence:updated:page`).
    pub name: String,
    /// `None`: an event kept in the audit trail only.
    pub action: Option<EventAction>,
    pub content_type: ContentType,
    pub content_id: String,
    pub version: Option<u32>,
    pub space_key: String,
    /// The page or blog post itself, or the one a comment or attachment is on.
    pub page_id: String,
    pub container_type: ContentType,
}

impl ContentEvent {
    fn other(name: &str) -> ContentEvent {
        ContentEvent {
            name: name.chars().take(200).collect(),
            action: None,
            content_type: ContentType::Page,
            content_id: String::new(),
            version: None,
            space_key: String::new(),
            page_id: String::new(),
            container_type: ContentType::Page,
        }
    }

    /// The content and version this event is about: the key that coalesces duplicates.
    fn content_key(&self) -> String {
        let version = self.version.map(|v| format!("@{v}")).unwrap_or_default();
        format!(
            "{}:{}{version}",
            self.content_type.as_str(),
            self.content_id
        )
    }

    /// The job that scans what changed, fetched by the worker: a page's or blog post's body,
    /// a comment, an attachment (looked up by id first: events carry no download link).
    pub(crate) fn work(&self) -> Option<(Work, String)> {
        let item = ContentRef {
            space_key: self.space_key.clone(),
            content_type: self.content_type,
            page_id: self.page_id.clone(),
            page_version: self.version,
            comment_id: None,
            attachment_id: None,
            attachment_title: None,
        };
        match self.content_type {
            ContentType::Page | ContentType::BlogPost => Some((
                Work::Body { item, body: None },
                format!("{} {} (webhook)", self.content_type.as_str(), self.page_id),
            )),
            // The comment itself, fetched by the worker; without its id, the page's threads.
            ContentType::Comment if !self.content_id.is_empty() => Some((
                Work::Comment {
                    item: ContentRef {
                        comment_id: Some(self.content_id.clone()),
                        ..item
                    },
                    body: None,
                },
                format!("comment {} on {} (webhook)", self.content_id, self.page_id),
            )),
            ContentType::Comment => Some((
                Work::Comments {
                    item: ContentRef {
                        page_version: None,
                        ..item
                    },
                    container: self.container_type,
                },
                format!("comments on {} (webhook)", self.page_id),
            )),
            // The worker looks the attachment up by id for its download link and name.
            ContentType::Attachment if !self.content_id.is_empty() => {
                let id = match self.content_id.strip_prefix("att") {
                    Some(_) => self.content_id.clone(),
                    None => format!("att{}", self.content_id),
                };
                Some((
                    Work::Attachment {
                        item: ContentRef {
                            attachment_id: Some(id.clone()),
                            ..item
                        },
                        download_link: None,
                        media_type: None,
                        file_size: None,
                    },
                    format!("attachment {id} on {} (webhook)", self.page_id),
                ))
            }
            // Webhooks name current content; history is read by scans that ask for it.
            ContentType::Attachment | ContentType::File | ContentType::History => None,
        }
    }
}

/// A Confluence Cloud event from the project's Forge app, with its Forge Invocation Token
/// as `Authorization: Bearer`.
#[utoipa::path(post, path = "/webhooks/forge", tag = "webhooks",
    request_body(content = Object, description = "A Forge product event (`avi:confluence:...`)"),
    responses(
        (status = 202, description = "Queued as a job, or recorded", body = WebhookAnswer),
        (status = 200, description = "A duplicate delivery, or a version already queued", body = WebhookAnswer),
        (status = 400, description = "Not a Confluence event this receiver reads", body = crate::api::error::ErrorBody),
        (status = 401, description = "No token, or one that does not verify", body = crate::api::error::ErrorBody),
        (status = 404, description = "This receiver is not configured", body = crate::api::error::ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = crate::api::error::ErrorBody),
        (status = 503, description = "Not recorded now (keys or store unavailable): retry", body = crate::api::error::ErrorBody),
    ))]
async fn receive_forge(
    State(state): State<Arc<ApiState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const SOURCE: &str = "forge";
    let app = &state.app;
    let Some(verifier) = state.webhooks.forge.as_ref() else {
        return ApiError::NotFound("this webhook receiver is not configured").into_response();
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let delivery = match token {
        None => Err(Rejection::NoToken),
        Some(token) => verifier.verify(token).await,
    };
    let delivery = match delivery {
        Ok(jti) => jti,
        Err(why) => return reject(app, SOURCE, why).await,
    };
    let event = serde_json::from_slice::<forge::ForgeEvent>(&body)
        .map_err(|_| Rejection::Payload)
        .and_then(|e| e.to_content_event());
    let event = match event {
        Ok(event) => event,
        Err(why) => return reject(app, SOURCE, why).await,
    };
    state.webhooks.prune_if_due(&app.store).await;
    take(app, SOURCE, &delivery, &event).await
}

/// Steps 2 to 4 of the module's list, for a verified event.
async fn take(app: &Arc<App>, source: &str, delivery: &str, event: &ContentEvent) -> Response {
    let store = &app.store;
    if event.action.is_none() && event.name.contains("permission") {
        // Who can read what may have changed: the exposure of every page with findings is
        // read again, off the request path (Confluence expects a quick answer).
        let app = app.clone();
        tokio::spawn(async move {
            let n = crate::remediate::exposure::refresh_known(&app).await;
            tracing::info!(pages = n, "exposure read again after a permission change");
        });
    }
    let work = event
        .action
        .filter(|a| *a == EventAction::Changed)
        .and_then(|_| event.work());
    let Some((work, label)) = work else {
        match store.claim_delivery(source, delivery).await {
            Ok(true) => {}
            Ok(false) => return taken(StatusCode::OK, "duplicate", None),
            Err(e) => return unavailable(&e),
        }
        if event.action == Some(EventAction::Removed) {
            return resolve_removed(app, source, delivery, event).await;
        }
        // Kept for the record: what arrived, and that no job came of it.
        audit(app, source, "webhook.recorded", event, None).await;
        return taken(StatusCode::ACCEPTED, "recorded", None);
    };
    let actor = format!("webhook:{source}");
    match queue_content(app, source, delivery, event, (work, label), &actor).await {
        Queued::Accepted { scan_id } => taken(StatusCode::ACCEPTED, "queued", Some(&scan_id)),
        Queued::Duplicate => taken(StatusCode::OK, "duplicate", None),
        Queued::Coalesced => taken(StatusCode::OK, "coalesced", None),
        Queued::NoSite => {
            tracing::warn!(
                source,
                "a webhook arrived but no Confluence site is configured"
            );
            not_recorded()
        }
        Queued::StoreDown(e) => unavailable(&e),
        Queued::PushFailed => not_recorded(),
    }
}

/// What became of a request to scan one content item.
pub(crate) enum Queued {
    Accepted {
        scan_id: String,
    },
    /// This delivery was taken before.
    Duplicate,
    /// A job for the same content and version is queued already.
    Coalesced,
    NoSite,
    StoreDown(dlp_store::StoreError),
    /// The queue refused the job; the claims were given back.
    PushFailed,
}

/// Takes an event about one content item as a scan of its own with one job: claimed in the
/// store (by delivery and by content version, so duplicates coalesce), then pushed to the
/// durable queue. Webhooks and redactor lookups that ask for a scan come through here.
pub(crate) async fn queue_content(
    app: &App,
    source: &str,
    delivery: &str,
    event: &ContentEvent,
    (work, label): (Work, String),
    actor: &str,
) -> Queued {
    let store = &app.store;
    let Some(site) = app.confluence.as_ref().map(|c| c.site().to_string()) else {
        return Queued::NoSite;
    };
    let scan = NewScan {
        kind: ScanKind::Space,
        site: Some(site),
        space_key: Some(event.space_key.clone()),
        actor: actor.to_owned(),
        mode: ScanMode::Event,
        rules_digest: Some(app.rules_digest().to_owned()),
        ..NewScan::default()
    };
    let content_key = event.content_key();
    let item_key = work.item_key();
    let intake = dlp_store::EventIntake {
        source,
        delivery_id: delivery,
        content_key: &content_key,
        scan: &scan,
        item_key: &item_key,
        label: &label,
        audit: NewAuditEvent {
            actor: actor.to_owned(),
            ..audit_event(source, "webhook.queued", event, None)
        },
    };
    let scan_id = match store.take_event(&intake).await {
        Ok(dlp_store::Intake::Duplicate) => return Queued::Duplicate,
        Ok(dlp_store::Intake::Coalesced) => return Queued::Coalesced,
        Ok(dlp_store::Intake::Accepted { scan_id }) => scan_id,
        Err(e) => return Queued::StoreDown(e),
    };
    let job = ScanJob {
        scan_id: scan_id.clone(),
        item_key: item_key.clone(),
        label: label.clone(),
        work,
    };
    // Acknowledged only once the job is in the durable queue: a crash after the answer
    // loses nothing; a failure before it gives the claims back for the sender's retry.
    match app.queue.push(job, app.settings.workers.max_attempts).await {
        Ok(()) => Queued::Accepted { scan_id },
        Err(e) => {
            let _ = store.release_intake(&intake, &scan_id).await;
            tracing::warn!(error = %e, source, "a content scan could not be queued");
            Queued::PushFailed
        }
    }
}

/// Trashed or deleted content: its open findings are resolved ("content deleted"), each
/// audited. A page takes its comments' and attachments' findings with it.
async fn resolve_removed(
    app: &App,
    source: &str,
    delivery: &str,
    event: &ContentEvent,
) -> Response {
    let content_id = match event.content_type {
        // Findings name attachments by their v2 id, `att` and the number.
        ContentType::Attachment if !event.content_id.starts_with("att") => {
            format!("att{}", event.content_id)
        }
        _ => event.content_id.clone(),
    };
    let removal = dlp_store::ContentRemoval {
        content_type: event.content_type,
        content_id,
        actor: format!("webhook:{source}"),
        reason: "content deleted".into(),
    };
    match app.store.resolve_removed_content(&removal).await {
        Ok(_) => {
            audit(app, source, "webhook.resolved", event, None).await;
            taken(StatusCode::ACCEPTED, "resolved", None)
        }
        Err(e) => {
            let _ = app.store.release_delivery(source, delivery).await;
            unavailable(&e)
        }
    }
}

async fn reject(app: &App, source: &str, why: Rejection) -> Response {
    let _ = app
        .store
        .record_audit(&NewAuditEvent {
            actor: format!("webhook:{source}"),
            action: "webhook.rejected".into(),
            scan_id: None,
            subject: None,
            detail: json!({"source": source, "reason": why.message()}),
        })
        .await;
    why.into_error().into_response()
}

async fn audit(app: &App, source: &str, action: &str, event: &ContentEvent, scan_id: Option<&str>) {
    let _ = app
        .store
        .record_audit(&audit_event(source, action, event, scan_id))
        .await;
}

fn audit_event(
    source: &str,
    action: &str,
    event: &ContentEvent,
    scan_id: Option<&str>,
) -> NewAuditEvent {
    let subject = (!event.content_id.is_empty()).then(|| event.content_key());
    NewAuditEvent {
        actor: format!("webhook:{source}"),
        action: action.into(),
        scan_id: scan_id.map(str::to_owned),
        subject,
        detail: json!({"source": source, "event": event.name, "space_key": event.space_key}),
    }
}

fn unavailable(e: &dlp_store::StoreError) -> Response {
    tracing::warn!(error = %e, "a webhook could not be recorded; the sender will retry");
    not_recorded()
}

fn not_recorded() -> Response {
    ApiError::Unavailable("the event could not be recorded now; retry".into()).into_response()
}

/// A delivery taken: what became of it, and the scan that holds its job.
fn taken(status: StatusCode, what: &str, scan_id: Option<&str>) -> Response {
    (
        status,
        Json(WebhookAnswer {
            status: what.into(),
            scan_id: scan_id.map(str::to_owned),
        }),
    )
        .into_response()
}
