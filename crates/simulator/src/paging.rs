//! Query parameters, cursor pagination and the list envelope of v2:
//! `{"results": [...], "_links": {"next": "/wiki/api/v2/...?cursor=...", "base": ...}}` plus a
//! `Link: <next>; rel="next"` header. Cursors are opaque to clients: base64url of the listing
//! they belong to, its sort, and the id of the last item served.

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::errors::ApiError;

pub const MAX_LIMIT: usize = 250;

/// Query parameters in request order. Repeated keys and comma-separated values both count
/// as lists, as Cloud reads `status=current&status=archived` and `keys=ENG,OPS` alike.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Params(pairs)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn list(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Values of `name`, each checked against `allowed`; `default` when the parameter is absent.
    pub fn enum_list(
        &self,
        name: &str,
        allowed: &[&str],
        default: &[&str],
    ) -> Result<Vec<String>, ApiError> {
        let given = self.list(name);
        if given.is_empty() {
            return Ok(default.iter().map(|s| s.to_string()).collect());
        }
        if let Some(_bad) = given.iter().find(|v| !allowed.contains(v)) {
            return Err(ApiError::bad_param(
                name,
                "is not one of the allowed values",
            ));
        }
        Ok(given.into_iter().map(str::to_string).collect())
    }

    pub fn enum_one(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
            Some(_) => Err(ApiError::bad_param(
                name,
                "is not one of the allowed values",
            )),
        }
    }

    pub fn bool(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(ApiError::bad_param(name, "is not a boolean")),
        }
    }

    /// `limit`: `default` when absent; above the maximum it is clamped as Cloud does.
    pub fn limit(&self, default: usize) -> Result<usize, ApiError> {
        match self.get("limit") {
            None => Ok(default),
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if n >= 1 => Ok(usize::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT)),
                Ok(_) => Err(ApiError::bad_param("limit", "must be at least 1")),
                Err(_) => Err(ApiError::bad_param("limit", "is not a number")),
            },
        }
    }

    /// Every parameter as given, in order.
    pub fn pairs(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }

    fn without(&self, name: &str) -> impl Iterator<Item = &(String, String)> {
        self.0.iter().filter(move |(k, _)| k != name)
    }
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    /// Which listing the cursor belongs to, e.g. `space-pages:32770`.
    scope: String,
    sort: String,
    /// Id of the last item already served.
    after: String,
}

/// One page of a listing.
pub struct Listing<T> {
    pub results: Vec<T>,
    pub next: Option<String>,
    pub base: String,
}

impl<T> Listing<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Listing<U> {
        Listing {
            results: self.results.into_iter().map(f).collect(),
            next: self.next,
            base: self.base,
        }
    }
}

/// Where a listing lives and how it is ordered.
pub struct ListSpec<'a> {
    /// Which listing a cursor belongs to, e.g. `space-pages:32770`.
    pub scope: String,
    pub sort: &'a str,
    /// The request path (e.g. `/wiki/api/v2/spaces/1/pages`), the stem of `next`.
    pub path: &'a str,
    pub default_limit: usize,
    pub base: String,
}

/// This request's slice of `items`, which must already be in `spec.sort` order.
pub fn paginate<T>(
    items: Vec<T>,
    id_of: impl Fn(&T) -> String,
    params: &Params,
    spec: ListSpec<'_>,
) -> Result<Listing<T>, ApiError> {
    let ListSpec {
        scope,
        sort,
        path,
        default_limit,
        base,
    } = spec;
    let limit = params.limit(default_limit)?;
    let start = match params.get("cursor") {
        None => 0,
        Some(raw) => {
            let cursor = decode_cursor(raw)
                .ok_or_else(|| ApiError::bad_param("cursor", "is not a valid cursor"))?;
            if cursor.scope != scope || cursor.sort != sort {
                return Err(ApiError::bad_param(
                    "cursor",
                    "does not belong to this request",
                ));
            }
            let last = items
                .iter()
                .position(|item| id_of(item) == cursor.after)
                .ok_or_else(|| ApiError::bad_param("cursor", "is not a valid cursor"))?;
            last + 1
        }
    };
    let rest = items.len().saturating_sub(start);
    let results: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let next = match results.last() {
        Some(last) if rest > limit => {
            let cursor = Cursor {
                scope: scope.clone(),
                sort: sort.to_string(),
                after: id_of(last),
            };
            Some(next_link(path, params, &encode_cursor(&cursor)))
        }
        _ => None,
    };
    Ok(Listing {
        results,
        next,
        base,
    })
}

fn encode_cursor(cursor: &Cursor) -> String {
    // Serialising a struct of three strings cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

fn decode_cursor(raw: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn next_link(path: &str, params: &Params, cursor: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.without("cursor") {
        query.append_pair(k, v);
    }
    query.append_pair("cursor", cursor);
    format!("{path}?{}", query.finish())
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    results: &'a [T],
    #[serde(rename = "_links")]
    links: Links<'a>,
}

#[derive(Serialize)]
struct Links<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<&'a str>,
    base: &'a str,
}

impl<T: Serialize> IntoResponse for Listing<T> {
    fn into_response(self) -> Response {
        let envelope = Envelope {
            results: &self.results,
            links: Links {
                next: self.next.as_deref(),
                base: &self.base,
            },
        };
        let mut response = Json(envelope).into_response();
        if let Some(next) = &self.next
            && let Ok(value) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\""))
        {
            response.headers_mut().insert(header::LINK, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(query: &str, items: Vec<u32>, limit: usize) -> Result<Listing<u32>, ApiError> {
        let params = Params::parse(Some(query));
        paginate(
            items,
            |i| i.to_string(),
            &params,
            spec("scope", "/wiki/api/v2/x", limit),
        )
    }

    fn spec<'a>(scope: &str, path: &'a str, default_limit: usize) -> ListSpec<'a> {
        ListSpec {
            scope: scope.to_string(),
            sort: "id",
            path,
            default_limit,
            base: "b".into(),
        }
    }

    fn cursor_of(next: &str) -> String {
        let query = next.split_once('?').map(|(_, q)| q).unwrap_or_default();
        Params::parse(Some(query))
            .get("cursor")
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn walks_every_item_once_following_next() {
        let items: Vec<u32> = (1..=7).collect();
        let mut seen = vec![];
        let mut query = "limit=3&body-format=storage".to_string();
        loop {
            let listing = page(&query, items.clone(), 25).expect("page");
            seen.extend(listing.results);
            match listing.next {
                Some(next) => {
                    assert!(
                        next.starts_with("/wiki/api/v2/x?limit=3&body-format=storage&cursor="),
                        "{next}"
                    );
                    query = next
                        .split_once('?')
                        .map(|(_, q)| q.to_string())
                        .unwrap_or_default();
                }
                None => break,
            }
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn limit_is_clamped_and_validated() {
        let listing = page("limit=1000", (1..=300).collect(), 25).expect("page");
        assert_eq!(listing.results.len(), MAX_LIMIT);
        assert!(page("limit=0", vec![1], 25).is_err());
        assert!(page("limit=ten", vec![1], 25).is_err());
        assert_eq!(
            page("", (1..=30).collect(), 25)
                .expect("page")
                .results
                .len(),
            25
        );
    }

    #[test]
    fn exact_fit_has_no_next() {
        assert!(
            page("limit=3", vec![1, 2, 3], 25)
                .expect("page")
                .next
                .is_none()
        );
    }

    #[test]
    fn foreign_or_forged_cursors_are_refused() {
        let next = page("limit=1", vec![1, 2], 25)
            .expect("page")
            .next
            .expect("next");
        let cursor = cursor_of(&next);
        let params = Params::parse(Some(&format!("cursor={cursor}")));
        let other = paginate(
            vec![1u32, 2],
            |i| i.to_string(),
            &params,
            spec("other-scope", "/p", 25),
        );
        assert!(other.is_err());
        assert!(page("cursor=not-base64!", vec![1], 25).is_err());
        assert!(page("cursor=e30", vec![1], 25).is_err());
    }

    #[test]
    fn lists_accept_repeats_and_commas() {
        let params = Params::parse(Some("status=current&status=archived,draft"));
        assert_eq!(params.list("status"), vec!["current", "archived", "draft"]);
        let allowed = ["current", "archived"];
        assert!(params.enum_list("status", &allowed, &["current"]).is_err());
        assert_eq!(
            Params::parse(None)
                .enum_list("status", &allowed, &["current"])
                .expect("default"),
            vec!["current"]
        );
    }
}
