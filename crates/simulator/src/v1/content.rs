//! v1 content objects as both flavours write them: a page, blog post, comment or attachment
//! with what `expand` asked for (`body.storage`, `body.view`, `version`, `space`,
//! `container`, `ancestors`, `history`, `children.attachment`); `extensions`, `_links` and,
//! for what was not expanded, `_expandable` always come. People in them are
//! [`users::user_json`](super::users::user_json) objects.

use serde_json::{Value, json};

use super::users;
use super::{DEFAULT_LIMIT, MAX_LIMIT, MAX_LIMIT_WITH_BODY};
use crate::AppState;
use crate::model::{download_link, encode_path_segment, timestamp, webui};
use crate::paging::Params;
use crate::search::{Hit, type_word};
use crate::store::{CommentLocation, DocKind, Document, Space, Store, Version};

/// What a request's `expand` asked for.
#[derive(Default, Clone, Copy)]
pub(crate) struct Expand {
    pub(crate) body: bool,
    /// `body.view`: the rendered body, which MCP servers read comments through. The simulator
    /// renders nothing: the view is the storage XHTML, which holds the same text.
    pub(crate) view: bool,
    pub(crate) version: bool,
    pub(crate) space: bool,
    pub(crate) container: bool,
    pub(crate) ancestors: bool,
    /// `history`: who created the content and when (MCP servers show it).
    pub(crate) history: bool,
    /// `children.attachment`: a page's attachments inline (MCP servers list them with it).
    pub(crate) attachments: bool,
}

impl Expand {
    pub(super) fn parse(params: &Params) -> Expand {
        Expand::from_list(params.get("expand").unwrap_or_default(), "")
    }

    /// The expansions in a comma-separated `list` that start with `prefix`: `""` for a
    /// content request, `"content."` for `/rest/api/search`, which expands its results'
    /// content that way (a bare `version` there is ignored, as on Confluence).
    pub(crate) fn from_list(list: &str, prefix: &str) -> Expand {
        let mut e = Expand::default();
        for part in list.split(',') {
            let Some(part) = part.trim().strip_prefix(prefix) else {
                continue;
            };
            match part {
                "body.storage" | "body" => e.body = true,
                "body.view" | "body.view.value" => {
                    e.body = true;
                    e.view = true;
                }
                "version" => e.version = true,
                "space" => e.space = true,
                "container" => e.container = true,
                "ancestors" => e.ancestors = true,
                "history" => e.history = true,
                "children.attachment" => e.attachments = true,
                _ => {}
            }
        }
        e
    }

    pub(super) fn max_limit(self) -> usize {
        if self.body {
            MAX_LIMIT_WITH_BODY
        } else {
            MAX_LIMIT
        }
    }
}

pub(crate) fn version_json(state: &AppState, v: &Version) -> Value {
    json!({"number": v.number, "when": timestamp(&v.created_at), "message": v.message,
           "minorEdit": v.minor_edit, "by": users::user_json(&state.base(), &v.author_id)})
}

/// `history`: who created the content and when, and its latest version. Comments and
/// attachments keep no author of their own in the samples: their version's author created them.
pub(super) fn history_json(
    state: &AppState,
    created: chrono::DateTime<chrono::Utc>,
    author: &str,
    latest: &Version,
) -> Value {
    json!({"latest": true, "createdDate": timestamp(&created),
           "createdBy": users::user_json(&state.base(), author),
           "lastUpdated": version_json(state, latest)})
}

pub(super) fn body_json(value: &str, view: bool) -> Value {
    let mut body = json!({"storage": {"value": value, "representation": "storage"}});
    if view {
        body["view"] = json!({"value": value, "representation": "view"});
    }
    body
}

pub(super) fn space_json(state: &AppState, s: &Space) -> Value {
    json!({"id": s.id, "key": s.key, "name": s.name, "type": s.kind, "status": s.status,
           "_links": {"webui": format!("/display/{}", s.key), "base": state.base()}})
}

/// A page's or blog post's web link: Cloud's `/spaces/...` form, Data Center's viewpage.
pub(super) fn document_webui(state: &AppState, store: &Store, d: &Document) -> String {
    if state.is_data_center() {
        format!("/pages/viewpage.action?pageId={}", d.id)
    } else {
        webui(store, d)
    }
}

pub(super) fn document_ref(state: &AppState, store: &Store, kind: DocKind, id: u64) -> Value {
    store.document(kind, id).map_or(Value::Null, |d| {
        json!({"id": d.id.to_string(), "type": type_word(d.kind), "status": d.status,
               "title": d.title, "_links": {"webui": document_webui(state, store, d)}})
    })
}

/// A page or blog post as v1 answers a write: with its body and version.
pub(crate) fn document_json(state: &AppState, store: &Store, doc: &Document) -> Value {
    let expand = Expand {
        body: true,
        version: true,
        ..Expand::default()
    };
    content_json(state, store, Hit::Document(doc), expand)
}

pub(crate) fn content_json(state: &AppState, store: &Store, hit: Hit<'_>, e: Expand) -> Value {
    let mut out = match hit {
        Hit::Document(d) => {
            let mut v = json!({"id": d.id.to_string(), "type": type_word(d.kind),
                "status": d.status, "title": d.title,
                "_links": {"webui": document_webui(state, store, d),
                           "self": format!("{}/rest/api/content/{}", state.base(), d.id)}});
            if e.body {
                v["body"] = body_json(&d.body, e.view);
            }
            if e.version {
                v["version"] = version_json(state, &d.version);
            }
            if let Some(space) = store.space_of(d) {
                if e.space {
                    v["space"] = space_json(state, space);
                } else {
                    // What was not expanded is named under `_expandable`, as both flavours do:
                    // clients follow it (mcp-atlassian reads the space key from it).
                    v["_expandable"] = json!({"space": format!("/rest/api/space/{}", space.key)});
                }
            }
            if e.history {
                v["history"] = history_json(state, d.created_at, &d.author_id, &d.version);
            }
            if e.attachments {
                v["children"] = attachment_children(state, store, d);
            }
            if e.ancestors {
                // Every page above, root first, as v1 lists a page's ancestors.
                let chain: Vec<Value> = store
                    .page_ancestors(d)
                    .into_iter()
                    .map(|p| document_ref(state, store, DocKind::Page, p))
                    .collect();
                v["ancestors"] = Value::Array(chain);
            }
            v
        }
        Hit::Comment(c) => {
            let location = match c.location {
                CommentLocation::Footer => "footer",
                CommentLocation::Inline => "inline",
            };
            let mut extensions = json!({"location": location});
            if let Some(anchor) = c.inline.as_ref().filter(|_| location == "inline") {
                extensions["inlineProperties"] = json!({"markerRef": anchor.marker_ref,
                    "originalSelection": anchor.original_selection});
                extensions["resolution"] = json!({"status": anchor.resolution_status});
            }
            let mut v = json!({"id": c.id.to_string(), "type": "comment", "status": c.status,
                "title": c.title, "extensions": extensions,
                "_links": {"webui": format!("/pages/viewpage.action?pageId={}&focusedCommentId={}",
                                            c.container.1, c.id)}});
            if e.body {
                v["body"] = body_json(&c.body, e.view);
            }
            if e.version {
                v["version"] = version_json(state, &c.version);
            }
            if e.history {
                v["history"] = history_json(state, c.created_at, &c.version.author_id, &c.version);
            }
            if e.container {
                v["container"] = document_ref(state, store, c.container.0, c.container.1);
            }
            v["_expandable"] = unexpanded_parents(store, c.container, e);
            if e.ancestors {
                // The parent chain, root first, as v1 lists a reply's ancestors.
                let mut chain = Vec::new();
                let mut parent = c.parent;
                while let Some(p) = parent.filter(|_| chain.len() < 64) {
                    chain.push(json!({"id": p.to_string(), "type": "comment"}));
                    parent = store.comments.get(&p).and_then(|pc| pc.parent);
                }
                chain.reverse();
                v["ancestors"] = Value::Array(chain);
            }
            v
        }
        Hit::Attachment(a) => {
            let mut v = json!({"id": format!("att{}", a.id), "type": "attachment",
                "status": a.status, "title": a.title,
                "metadata": {"mediaType": a.media_type, "comment": a.comment},
                "extensions": {"mediaType": a.media_type, "fileSize": a.bytes.len(),
                               "comment": a.comment},
                "_links": {"download": download_link(a),
                           "webui": format!("/pages/viewpageattachments.action?pageId={}&preview=%2F{}%2F{}%2F{}",
                                            a.container.1, a.container.1, a.id,
                                            encode_path_segment(&a.title))}});
            if e.version {
                v["version"] = version_json(state, &a.version);
            }
            if e.history {
                v["history"] = history_json(state, a.created_at, &a.version.author_id, &a.version);
            }
            if e.container {
                v["container"] = document_ref(state, store, a.container.0, a.container.1);
            }
            v["_expandable"] = unexpanded_parents(store, a.container, e);
            v
        }
    };
    if let Some(links) = out.get_mut("_links") {
        links["base"] = Value::String(state.base());
    }
    out
}

/// `_expandable` of a comment or attachment: its space and, unless expanded, its container,
/// which MCP servers follow to place a search hit in a space and link it to its page.
pub(super) fn unexpanded_parents(store: &Store, container: (DocKind, u64), e: Expand) -> Value {
    let mut out = json!({});
    if let Some(space) = store
        .document(container.0, container.1)
        .and_then(|d| store.space_of(d))
    {
        out["space"] = json!(format!("/rest/api/space/{}", space.key));
    }
    if !e.container {
        out["container"] = json!(format!("/rest/api/content/{}", container.1));
    }
    out
}

/// `children` with `children.attachment` expanded: the first page of the content's
/// attachments in the list shape, the other child kinds named under `_expandable`.
pub(super) fn attachment_children(state: &AppState, store: &Store, d: &Document) -> Value {
    let results: Vec<Value> = store
        .attachments
        .values()
        .filter(|a| a.container == (d.kind, d.id))
        .take(DEFAULT_LIMIT)
        .map(|a| content_json(state, store, Hit::Attachment(a), Expand::default()))
        .collect();
    let path = format!("/rest/api/content/{}/child", d.id);
    json!({
        "attachment": {"results": results, "start": 0, "limit": DEFAULT_LIMIT,
                       "size": results.len(),
                       "_links": {"self": format!("{}{path}/attachment", state.base())}},
        "_links": {"self": format!("{}{path}", state.base())},
        "_expandable": {"comment": format!("{path}/comment"), "page": format!("{path}/page")},
    })
}
