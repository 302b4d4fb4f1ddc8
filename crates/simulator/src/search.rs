//! `GET /wiki/rest/api/search?cql=...`: the v1 CQL search, for what v2 cannot do (content
//! modified since a time, which incremental scans need). The subset of CQL a scanner uses:
//! clauses joined by `AND` over `space`, `type` (`=` or `IN (...)`), `lastmodified`
//! (`>`, `>=`, `<`, `<=`, with `"yyyy-MM-dd HH:mm"` or `"yyyy-MM-dd"`) and the full-text
//! `text ~`, `siteSearch ~` and `title ~` (what MCP servers send for a plain search), then an optional
//! `ORDER BY lastmodified [ASC|DESC]`. Anything else is a 400, as Cloud answers CQL it cannot
//! parse. Results carry `content` as v1 content requests answer it, expanded by the request's
//! `content.*` expansions (`content.version`, `content.history`, `content.space`,
//! `content.container`, ...); `next` is relative to `_links.base`, as in every v1 answer.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::AppState;
use super::errors::ApiError;
use super::paging::Params;
use super::store::{Attachment, Comment, DocKind, Document, Store};
use super::v1::{Expand, content_json};

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 250;

#[derive(Debug, Default)]
struct Cql {
    space: Option<String>,
    types: Option<Vec<String>>,
    after: Option<(DateTime<Utc>, bool)>,
    before: Option<(DateTime<Utc>, bool)>,
    /// `text ~ "..."` / `siteSearch ~ "..."`: every word must occur in the title or body.
    words: Vec<String>,
    descending: bool,
}

fn invalid(why: &str) -> ApiError {
    ApiError::BadRequest(format!("Could not parse cql : {why}"))
}

fn tokens(cql: &str) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    let mut chars = cql.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '"' | '\'' => {
                chars.next();
                let mut s = String::from("\"");
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some(x) => s.push(x),
                        None => return Err(invalid("unterminated string")),
                    }
                }
                out.push(s);
            }
            '(' | ')' | ',' | '=' => {
                out.push(c.to_string());
                chars.next();
            }
            '>' | '<' | '!' => {
                chars.next();
                if chars.peek() == Some(&'=') {
                    chars.next();
                    out.push(format!("{c}="));
                } else {
                    out.push(c.to_string());
                }
            }
            _ => {
                let mut w = String::new();
                while let Some(&x) = chars.peek() {
                    if x.is_alphanumeric() || matches!(x, '_' | '.' | '-' | '~' | ':') {
                        w.push(x);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if w.is_empty() {
                    return Err(invalid("unexpected character"));
                }
                out.push(w);
            }
        }
    }
    Ok(out)
}

fn unquote(t: &str) -> &str {
    t.strip_prefix('"').unwrap_or(t)
}

fn when(t: &str) -> Result<DateTime<Utc>, ApiError> {
    let t = unquote(t);
    NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M")
        .or_else(|_| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        })
        .map(|n| n.and_utc())
        .map_err(|_| invalid("a date is \"yyyy-MM-dd HH:mm\" or \"yyyy-MM-dd\""))
}

fn parse(cql: &str) -> Result<Cql, ApiError> {
    let t = tokens(cql)?;
    let mut q = Cql::default();
    let mut i = 0;
    let word = |i: usize| t.get(i).map(|s| s.to_ascii_lowercase());
    loop {
        let field = word(i).ok_or_else(|| invalid("a clause is missing"))?;
        let op = t
            .get(i + 1)
            .ok_or_else(|| invalid("an operator is missing"))?
            .to_ascii_lowercase();
        match (field.as_str(), op.as_str()) {
            ("space" | "space.key", "=") => {
                q.space = Some(
                    unquote(t.get(i + 2).ok_or_else(|| invalid("a value is missing"))?).to_owned(),
                );
                i += 3;
            }
            ("type", "=") => {
                q.types = Some(vec![
                    unquote(t.get(i + 2).ok_or_else(|| invalid("a value is missing"))?)
                        .to_ascii_lowercase(),
                ]);
                i += 3;
            }
            ("type", "in") => {
                if t.get(i + 2).map(String::as_str) != Some("(") {
                    return Err(invalid("IN takes a list in parentheses"));
                }
                let mut values = Vec::new();
                i += 3;
                loop {
                    let v = t.get(i).ok_or_else(|| invalid("an unclosed list"))?;
                    values.push(unquote(v).to_ascii_lowercase());
                    match t.get(i + 1).map(String::as_str) {
                        Some(",") => i += 2,
                        Some(")") => {
                            i += 2;
                            break;
                        }
                        _ => return Err(invalid("an unclosed list")),
                    }
                }
                q.types = Some(values);
            }
            ("lastmodified", ">" | ">=") => {
                q.after = Some((
                    when(t.get(i + 2).ok_or_else(|| invalid("a value is missing"))?)?,
                    op == ">=",
                ));
                i += 3;
            }
            ("lastmodified", "<" | "<=") => {
                q.before = Some((
                    when(t.get(i + 2).ok_or_else(|| invalid("a value is missing"))?)?,
                    op == "<=",
                ));
                i += 3;
            }
            ("text" | "sitesearch" | "title", "~") => {
                let phrase = unquote(t.get(i + 2).ok_or_else(|| invalid("a value is missing"))?);
                q.words.extend(
                    phrase
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| !w.is_empty())
                        .map(str::to_lowercase),
                );
                i += 3;
            }
            _ => {
                return Err(invalid(
                    "this simulator knows space, type, lastmodified and text ~",
                ));
            }
        }
        match word(i).as_deref() {
            None => break,
            Some("and") => i += 1,
            Some("order") => {
                if word(i + 1).as_deref() != Some("by")
                    || word(i + 2).as_deref() != Some("lastmodified")
                {
                    return Err(invalid("ORDER BY lastmodified only"));
                }
                match word(i + 3).as_deref() {
                    None | Some("asc") => {}
                    Some("desc") => q.descending = true,
                    Some(_) => return Err(invalid("ASC or DESC")),
                }
                if t.len() > i + 4 {
                    return Err(invalid("nothing may follow ORDER BY"));
                }
                break;
            }
            Some(_) => return Err(invalid("clauses are joined by AND")),
        }
    }
    Ok(q)
}

/// Content a CQL query matched.
#[derive(Clone, Copy)]
pub(crate) enum Hit<'a> {
    Document(&'a Document),
    Comment(&'a Comment),
    Attachment(&'a Attachment),
}

/// What `cql` matches in `store`: (last modified, id, the item), oldest first unless the
/// query orders descending.
pub(crate) fn matching<'a>(
    store: &'a Store,
    cql: &str,
) -> Result<Vec<(DateTime<Utc>, u64, Hit<'a>)>, ApiError> {
    let q = parse(cql)?;
    let wants = |t: &str| q.types.as_ref().is_none_or(|ts| ts.iter().any(|x| x == t));
    let in_time = |at: DateTime<Utc>| {
        q.after.is_none_or(|(t, incl)| at > t || (incl && at == t))
            && q.before.is_none_or(|(t, incl)| at < t || (incl && at == t))
    };
    let space_ok = |space_id: u64| {
        q.space.as_ref().is_none_or(|k| {
            store
                .spaces
                .get(&space_id)
                .is_some_and(|s| s.key.eq_ignore_ascii_case(k))
        })
    };
    let space_of = |(kind, id): (DocKind, u64)| store.document(kind, id).map(|d| d.space_id);
    // Full-text search, as far as a scanner's tests need it: each word anywhere in the title
    // or the storage body, case aside.
    let has_words = |title: &str, body: &str| {
        q.words.is_empty() || {
            let text = format!("{title} {body}").to_lowercase();
            q.words.iter().all(|w| text.contains(w.as_str()))
        }
    };
    let mut out = Vec::new();
    for d in store.pages.values().chain(store.blogposts.values()) {
        let at = d.version.created_at;
        if wants(type_word(d.kind))
            && in_time(at)
            && space_ok(d.space_id)
            && d.status == "current"
            && has_words(&d.title, &d.body)
        {
            out.push((at, d.id, Hit::Document(d)));
        }
    }
    for a in store.attachments.values() {
        let at = a.version.created_at;
        if wants("attachment")
            && in_time(at)
            && space_of(a.container).is_some_and(space_ok)
            && has_words(&a.title, "")
        {
            out.push((at, a.id, Hit::Attachment(a)));
        }
    }
    for c in store.comments.values() {
        let at = c.version.created_at.max(c.created_at);
        if wants("comment")
            && in_time(at)
            && space_of(c.container).is_some_and(space_ok)
            && has_words(&c.title, &c.body)
        {
            out.push((at, c.id, Hit::Comment(c)));
        }
    }
    out.sort_by_key(|a| (a.0, a.1));
    if q.descending {
        out.reverse();
    }
    Ok(out)
}

/// One `/rest/api/search` result: the content under `content` (as v1 writes it, expanded by
/// the request's `content.*` expansions), beside what the search adds: the title, an excerpt
/// of the text, the link, the space as `resultGlobalContainer`, and when it last changed.
/// MCP servers show the excerpt as the hit's text and the space from `content.space` or
/// `content._expandable.space`.
fn search_result(
    state: &AppState,
    store: &Store,
    hit: Hit<'_>,
    at: DateTime<Utc>,
    e: Expand,
) -> Value {
    let content = content_json(state, store, hit, e);
    let (title, body, container) = match hit {
        Hit::Document(d) => (&d.title, d.body.as_str(), (d.kind, d.id)),
        Hit::Comment(c) => (&c.title, c.body.as_str(), c.container),
        Hit::Attachment(a) => (&a.title, "", a.container),
    };
    let space = store
        .document(container.0, container.1)
        .and_then(|d| store.space_of(d));
    let mut out = json!({
        "content": content, "title": title, "excerpt": excerpt(body),
        "url": content["_links"]["webui"], "lastModified": at,
        "friendlyLastModified": at.format("%b %d, %Y").to_string(), "entityType": "content",
    });
    if let Some(space) = space {
        let display = if state.is_data_center() {
            format!("/display/{}", space.key)
        } else {
            format!("/spaces/{}", space.key)
        };
        out["resultGlobalContainer"] = json!({"title": space.name, "displayUrl": display});
    }
    out
}

/// The first words of a storage body as plain text, the length of Confluence's excerpts.
fn excerpt(storage: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in storage.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().take(40).collect();
    words.join(" ")
}

pub(crate) fn type_word(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Page => "page",
        DocKind::BlogPost => "blogpost",
    }
}

pub async fn search(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let store = state.store();
    let params = Params::parse(raw.as_deref());
    let cql_text = params
        .get("cql")
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| ApiError::BadRequest("cql is required".into()))?
        .to_owned();
    let limit = params.limit(DEFAULT_LIMIT)?.clamp(1, MAX_LIMIT);
    let start = match params.get("cursor") {
        None => 0,
        Some(c) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix("start:")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .ok_or_else(|| ApiError::bad_param("cursor", "is not a valid cursor"))?,
    };
    let expand = params.get("expand").unwrap_or_default();
    let content_expand = Expand::from_list(expand, "content.");
    let base = state.base();
    let all = matching(&store, &cql_text)?;
    let total = all.len();
    let page: Vec<Value> = all
        .into_iter()
        .skip(start)
        .take(limit)
        .map(|(at, _, hit)| search_result(&state, &store, hit, at, content_expand))
        .collect();
    let mut links = json!({"base": base, "context": state.context});
    if start + page.len() < total {
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("start:{}", start + page.len()));
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        next.append_pair("cql", &cql_text)
            .append_pair("limit", &limit.to_string());
        if !expand.is_empty() {
            next.append_pair("expand", expand);
        }
        next.append_pair("cursor", &cursor);
        links["next"] = Value::String(format!("/rest/api/search?{}", next.finish()));
    }
    Ok(Json(json!({
        "results": page, "start": start, "limit": limit, "size": page.len(),
        "totalSize": total, "cqlQuery": cql_text, "searchDuration": 1, "_links": links,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cql_a_scanner_sends_parses_and_the_rest_is_refused() {
        let q = parse(r#"space = "ENG" AND type IN (page, blogpost) AND lastmodified > "2026-03-20 12:00" ORDER BY lastmodified"#).unwrap();
        assert_eq!(q.space.as_deref(), Some("ENG"));
        assert_eq!(
            q.types,
            Some(vec!["page".to_string(), "blogpost".to_string()])
        );
        assert!(q.after.is_some() && !q.descending);
        for bad in [
            "",
            "space",
            "creator = x",
            "text ~",
            "space = ENG OR type = page",
            "lastmodified > \"soon\"",
            "type in (page",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn text_searches_match_every_word_in_title_or_body() {
        let root =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/spaces");
        let store = Store::load(&root).expect("sample space loads");
        let ids = |cql: &str| -> Vec<u64> {
            let mut ids: Vec<u64> = matching(&store, cql)
                .unwrap()
                .into_iter()
                .filter(|(_, _, hit)| matches!(hit, Hit::Document(_)))
                .map(|(_, id, _)| id)
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(
            ids(r#"type = page AND space = ENG AND text ~ "laptop""#),
            [65750, 65857]
        );
        assert_eq!(ids(r#"siteSearch ~ "LAPTOP""#), [65750, 65857]);
        assert!(ids(r#"text ~ "laptop zebra-unicorn""#).is_empty());
        assert!(ids(r#"space = ENG"#).len() > 2);
    }
}
