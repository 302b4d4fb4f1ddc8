//! `POST /api/v1/redact` (scope `lookup`): a text with every sensitive value replaced, for a
//! redactor that holds content it is about to hand to a model. See [`crate::redact`].
//!
//! Fails closed: when the cache cannot be asked, the answer is an error, never the text.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use serde::Deserialize;

use super::ApiState;
use super::auth::{Caller, Scope};
use super::error::{ApiError, ErrorBody, Refusals};
use super::extract::ApiJson;
use crate::redact::{Format, RedactError, Redacted, Style, redact};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactBody {
    text: String,
    /// `text` (the default), `storage`, `markdown` or `json`.
    #[serde(default)]
    format: Format,
    /// `mask` (the default), `label` or `token`.
    #[serde(default)]
    style: Style,
}

#[utoipa::path(post, path = "/api/v1/redact", tag = "lookup",
    request_body = RedactBody,
    responses(
        (status = 200, description = "The text redacted, and what was replaced", body = Redacted),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "The classification cache does not answer: nothing is returned", body = ErrorBody),
        Refusals,
    ),
    security(("bearer" = ["lookup"])))]
pub async fn text(
    State(state): State<Arc<ApiState>>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<RedactBody>,
) -> Result<Json<Redacted>, ApiError> {
    caller.require(Scope::Lookup)?;
    let workers = &state.app.workers;
    match redact(
        &workers.classifier,
        &workers.cache,
        &body.text,
        body.format,
        body.style,
    )
    .await
    {
        Ok(redacted) => Ok(Json(redacted)),
        Err(RedactError::NotJson) => Err(ApiError::InvalidInput(
            "format is json but the text is not valid JSON".into(),
        )),
        Err(e) => {
            tracing::warn!(error = %e, "a redaction failed; nothing was returned");
            Err(ApiError::Unavailable(
                "the text could not be redacted now; retry".into(),
            ))
        }
    }
}
