//! Registration of the routes that read and change who may see what ([`crate::permissions`],
//! [`crate::restrictions`]) and of attachment and version writes
//! ([`crate::attachments_write`]) and classification ([`crate::classification`]), so that `routes.rs` keeps one line per flavour for them.

use std::sync::Arc;

use axum::Router;
use axum::routing::{delete, get, post, put};

use super::AppState;
use super::store::DocKind;
use super::{attachments_write, classification, permissions, restrictions};

/// v2 and v1 routes under Cloud's `/wiki`.
pub fn cloud() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/wiki/api/v2/spaces/{id}/permissions",
            get(permissions::v2_list),
        )
        .route(
            "/wiki/api/v2/spaces/{id}/role-assignments",
            get(permissions::v2_role_assignments).post(permissions::v2_set_role_assignments),
        )
        .route(
            "/wiki/api/v2/pages/{id}/ancestors",
            get(restrictions::ancestors),
        )
        .route(
            "/wiki/rest/api/space/{key}/permission",
            post(permissions::v1_add),
        )
        .route(
            "/wiki/rest/api/space/{key}/permission/{id}",
            delete(permissions::v1_remove),
        )
        .route(
            "/wiki/rest/api/content/{id}/child/attachment",
            post(attachments_write::upload),
        )
        .route(
            "/wiki/api/v2/classification-levels",
            get(classification::levels),
        )
        .route(
            "/wiki/api/v2/pages/{id}/classification-level",
            get(|s, p| classification::get_level(DocKind::Page, s, p))
                .put(|s, p, b| classification::put_level(DocKind::Page, s, p, b)),
        )
        .route(
            "/wiki/api/v2/blogposts/{id}/classification-level",
            get(|s, p| classification::get_level(DocKind::BlogPost, s, p))
                .put(|s, p, b| classification::put_level(DocKind::BlogPost, s, p, b)),
        )
        .route(
            "/wiki/api/v2/pages/{id}/classification-level/reset",
            post(|s, p| classification::reset_level(DocKind::Page, s, p)),
        )
        .route(
            "/wiki/api/v2/blogposts/{id}/classification-level/reset",
            post(|s, p| classification::reset_level(DocKind::BlogPost, s, p)),
        )
        .merge(content_restrictions("/wiki"))
}

/// Data Center's v1 routes under its context path.
pub fn data_center(ctx: &str) -> Router<Arc<AppState>> {
    Router::new()
        .route(
            &format!("{ctx}/rest/api/space/{{key}}/permissions"),
            get(permissions::dc_list).post(permissions::dc_set),
        )
        .route(
            &format!("{ctx}/rest/api/space/{{key}}/permissions/anonymous"),
            get(permissions::dc_list_anonymous).post(permissions::dc_set_anonymous),
        )
        .merge(content_restrictions(ctx))
}

fn content_restrictions(ctx: &str) -> Router<Arc<AppState>> {
    Router::new()
        .route(
            &format!("{ctx}/rest/api/content/{{id}}/restriction/byOperation"),
            get(restrictions::by_operation),
        )
        .route(
            &format!("{ctx}/rest/api/content/{{id}}/restriction"),
            put(restrictions::replace).delete(restrictions::remove_all),
        )
        .route(
            &format!("{ctx}/rest/api/content/{{id}}/version"),
            post(attachments_write::restore_version),
        )
        .route(
            &format!("{ctx}/rest/api/content/{{id}}/version/{{n}}"),
            delete(attachments_write::delete_version),
        )
}
