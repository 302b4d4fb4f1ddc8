//! The OpenAPI 3.1 document of the API, generated from the handlers' `#[utoipa::path]`
//! annotations and the types they take and return, and served at `/api/v1/openapi.json`.
//!
//! The routes are registered through `utoipa_axum`'s router, which adds each handler to the
//! axum router and to this document in one call, so a route cannot be served without being
//! documented.

use std::sync::Arc;

use axum::Json;
use axum::extract::Extension;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::auth::Caller;
use super::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "confluence-dlp",
        description = "Findings of sensitive data in Confluence, the scans that find them, and \
            the audit trail. Every /api/v1 route needs `Authorization: Bearer <token>` with the \
            scope each operation names; errors are `{\"error\": {\"code\", \"message\"}}`."
    ),
    modifiers(&BearerTokens),
    components(schemas(ErrorBody, dlp_store::AuditEvent)),
    tags(
        (name = "findings", description = "Findings, their triage and full-text search"),
        (name = "scans", description = "Starting, following and cancelling scans"),
        (name = "audit", description = "The audit trail"),
        (name = "lookup", description = "What the scans know of an item, for redactors"),
        (name = "mcp", description = "MCP tool calls waiting for approval at the MCP proxy"),
        (name = "remediations", description = "Planned changes to Confluence: approve, reject, undo"),
        (name = "probes", description = "Liveness, readiness and metrics (no token)"),
    )
)]
pub struct ApiDoc;

struct BearerTokens;

impl Modify for BearerTokens {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document, as the router built it (with every route's operation).
#[derive(Clone)]
pub struct Published(pub Arc<Document>);

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "probes",
    responses(
        (status = 200, description = "This document", content_type = "application/json", body = Object),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn document(
    Extension(_caller): Extension<Caller>,
    Extension(doc): Extension<Published>,
) -> Json<Document> {
    Json((*doc.0).clone())
}
