//! `POST /api/v1/lookup/content` (scope `lookup`): what the scans know of one Confluence item
//! at one version, for a redactor deciding what to do with it before it reaches a model.
//!
//! Answered from the classification cache (Redis, or this process), or from the store when the
//! cache has nothing; never by classifying on the request path. An item not classified at that
//! version under the current rules is `unknown`, and the caller may ask for it to be scanned:
//! the same path as a webhook's, so a lookup and an event for one version make one job.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use dlp_cache::{Lookup, Source, Verdict};
use dlp_domain::ContentType;
use serde::{Deserialize, Serialize};

use super::ApiState;
use super::auth::{Caller, Scope};
use super::error::{ApiError, ErrorBody, Refusals};
use super::extract::ApiJson;
use crate::webhooks::{ContentEvent, EventAction, Queued, queue_content};

/// Longest content id taken: Confluence's are numbers (an attachment's with `att` before).
const MAX_ID: usize = 64;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupBody {
    /// The Confluence content id: a page's, blog post's, comment's or attachment's.
    content_id: String,
    /// The version asked about; absent, the last one classified.
    version: Option<u32>,
    /// When unknown, queue a scan of the item (needs `content_type` and `space_key`, and for
    /// a comment or attachment the `page_id` it is on).
    #[serde(default)]
    scan_if_unknown: bool,
    /// `page` (the default), `blogpost`, `comment` or `attachment`; for a scan only.
    content_type: Option<String>,
    space_key: Option<String>,
    page_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LookupAnswer {
    /// `known` or `unknown`.
    status: &'static str,
    /// Where a known verdict came from: `cache` or `store`.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<Verdict>,
    /// For an unknown item whose scan was asked: `queued`, `coalesced` (one is queued
    /// already) or `duplicate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    scan: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan_id: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/lookup/content", tag = "lookup",
    request_body = LookupBody,
    responses(
        (status = 200, description = "The item's verdict, or `unknown`", body = LookupAnswer),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "Neither the cache nor the store answers, or the scan could not be queued", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["lookup"])))]
pub async fn content(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<LookupBody>,
) -> Result<Json<LookupAnswer>, ApiError> {
    caller.require(Scope::Lookup)?;
    let id = body.content_id.trim();
    if id.is_empty() || id.len() > MAX_ID || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::InvalidInput(
            "content_id must be a Confluence content id (letters and digits)".into(),
        ));
    }
    let app = &state.app;
    let lookup = app
        .workers
        .cache
        .verdict(id, body.version, app.rules_digest())
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "a lookup found neither cache nor store");
            ApiError::Unavailable("the classification cache does not answer".into())
        })?;
    if let Lookup::Known { verdict, source } = lookup {
        return Ok(Json(LookupAnswer {
            status: "known",
            source: Some(source),
            verdict: Some(verdict),
            scan: None,
            scan_id: None,
        }));
    }
    let mut answer = LookupAnswer {
        status: "unknown",
        source: None,
        verdict: None,
        scan: None,
        scan_id: None,
    };
    if body.scan_if_unknown {
        let (scan, scan_id) = queue_scan(app, &caller, id, &body).await?;
        answer.scan = Some(scan);
        answer.scan_id = scan_id;
    }
    Ok(Json(answer))
}

async fn queue_scan(
    app: &crate::app::App,
    caller: &Caller,
    id: &str,
    body: &LookupBody,
) -> Result<(&'static str, Option<String>), ApiError> {
    let content_type = match body.content_type.as_deref().unwrap_or("page") {
        "page" => ContentType::Page,
        "blogpost" => ContentType::BlogPost,
        "comment" => ContentType::Comment,
        "attachment" => ContentType::Attachment,
        _ => {
            return Err(ApiError::InvalidInput(
                "content_type must be page, blogpost, comment or attachment".into(),
            ));
        }
    };
    let space_key = body
        .space_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| ApiError::InvalidInput("a scan needs the item's space_key".into()))?;
    let page_id = match content_type {
        ContentType::Page | ContentType::BlogPost => id.to_owned(),
        _ => body
            .page_id
            .as_deref()
            .filter(|p| !p.is_empty() && p.len() <= MAX_ID && p.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                ApiError::InvalidInput(
                    "a scan of a comment or attachment needs the page_id it is on".into(),
                )
            })?
            .to_owned(),
    };
    let event = ContentEvent {
        name: "lookup".into(),
        action: Some(EventAction::Changed),
        content_type,
        content_id: id.to_owned(),
        version: body.version,
        space_key: space_key.to_owned(),
        page_id,
        container_type: ContentType::Page,
    };
    let Some(work) = event.work() else {
        return Err(ApiError::InvalidInput("that item cannot be scanned".into()));
    };
    // Each lookup is a delivery of its own; the content version is what coalesces.
    let delivery = uuid::Uuid::new_v4().to_string();
    let actor = format!("lookup:{}", caller.name);
    match queue_content(app, "lookup", &delivery, &event, work, &actor).await {
        Queued::Accepted { scan_id } => Ok(("queued", Some(scan_id))),
        Queued::Coalesced => Ok(("coalesced", None)),
        Queued::Duplicate => Ok(("duplicate", None)),
        Queued::NoSite => Err(ApiError::Conflict(
            "no Confluence site is configured to scan it from".into(),
        )),
        Queued::StoreDown(_) | Queued::PushFailed => Err(ApiError::Unavailable(
            "the scan could not be queued; try again".into(),
        )),
    }
}
