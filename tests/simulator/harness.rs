//! The simulator under test, the sample space's files, and Cloud-shape assertions.

pub(crate) use std::collections::HashSet;
pub(crate) use std::path::{Path, PathBuf};

pub(crate) use base64::Engine;
pub(crate) use dlp_simulator::{
    Faults, Quota, ServerErrorBurst, SimulatorAuth, SimulatorConfig, SimulatorHandle, spawn,
};
pub(crate) use reqwest::StatusCode;
pub(crate) use reqwest::header::{AUTHORIZATION, LINK, LOCATION};
pub(crate) use serde_json::Value;
pub(crate) use std::time::Duration;

pub(crate) const EMAIL: &str = "scanner@acme-corp.com";
pub(crate) const TOKEN: &str = "api-token-for-tests";

pub(crate) fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/spaces")
}

pub(crate) fn space_dir() -> PathBuf {
    samples().join("ENG")
}

pub(crate) fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("sample file readable");
    serde_json::from_str(&text).expect("sample file is JSON")
}

/// Ids of the sample items in `folder` whose JSON satisfies `keep`.
pub(crate) fn sample_ids(folder: &str, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut ids = vec![];
    for entry in std::fs::read_dir(space_dir().join(folder)).expect("folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let item = read_json(&path);
            if keep(&item) {
                ids.push(item["id"].as_str().expect("id").to_string());
            }
        }
    }
    ids.sort();
    ids
}

pub(crate) struct Sim {
    pub(crate) handle: SimulatorHandle,
    pub(crate) http: reqwest::Client,
    pub(crate) site: String,
}

impl Sim {
    pub(crate) async fn start(auth: SimulatorAuth, faults: Faults) -> Sim {
        let config = SimulatorConfig {
            root: samples(),
            auth,
            faults,
            latency: std::time::Duration::ZERO,
            quota: None,
            flavor: dlp_simulator::Flavor::Cloud,
        };
        Sim::with(config).await
    }

    pub(crate) async fn with(config: SimulatorConfig) -> Sim {
        let handle = spawn(config, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("simulator starts");
        let site = handle.site_url().as_str().trim_end_matches('/').to_string();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Sim { handle, http, site }
    }

    /// The sample spaces served as a Data Center under `/confluence`.
    pub(crate) async fn data_center() -> Sim {
        Sim::with(SimulatorConfig {
            root: samples(),
            auth: SimulatorAuth::default(),
            faults: Faults::default(),
            latency: std::time::Duration::ZERO,
            quota: None,
            flavor: dlp_simulator::Flavor::data_center(),
        })
        .await
    }

    pub(crate) async fn open() -> Sim {
        Sim::start(SimulatorAuth::default(), Faults::default()).await
    }

    /// GET a site path (or an absolute URL), with an optional `Authorization` value.
    pub(crate) async fn send(&self, url: &str, auth: Option<&str>) -> reqwest::Response {
        let url = if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{url}", self.site)
        };
        let mut request = self.http.get(url);
        if let Some(auth) = auth {
            request = request.header(AUTHORIZATION, auth);
        }
        request.send().await.expect("request")
    }

    pub(crate) async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.send(path_and_query, None).await
    }

    pub(crate) async fn status(&self, url: &str, auth: Option<&str>) -> StatusCode {
        self.send(url, auth).await.status()
    }

    pub(crate) async fn json(&self, path_and_query: &str) -> Value {
        let response = self.get(path_and_query).await;
        assert_eq!(response.status(), StatusCode::OK, "{path_and_query}");
        response.json().await.expect("json body")
    }

    /// Status and JSON body of a path under the site (Data Center: under its context path).
    pub(crate) async fn answer(&self, path_and_query: &str) -> (StatusCode, Value) {
        let response = self.get(path_and_query).await;
        let status = response.status();
        (status, response.json().await.expect("json body"))
    }

    /// POST (or PUT) `body` as JSON to a path under the site; status and JSON answer.
    pub(crate) async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.site))
            .json(body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        (status, response.json().await.expect("json body"))
    }

    /// JSON of an API path, e.g. `/spaces?keys=ENG`; the answer must be 200.
    pub(crate) async fn api(&self, path: &str) -> Value {
        self.json(&format!("/wiki/api/v2{path}")).await
    }

    pub(crate) async fn space_id(&self) -> String {
        let spaces = self.api("/spaces?keys=ENG").await;
        spaces["results"][0]["id"]
            .as_str()
            .expect("space id")
            .to_string()
    }

    /// Follow `_links.next` from `first` to the end; checks the Link header on every page.
    pub(crate) async fn walk(&self, first: &str) -> (Vec<Value>, usize) {
        let (mut items, mut pages, mut url) = (vec![], 0, first.to_string());
        loop {
            let response = self.get(&url).await;
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            let link = response
                .headers()
                .get(LINK)
                .map(|v| v.to_str().expect("ascii").to_string());
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["_links"]["base"], format!("{}/wiki", self.site));
            pages += 1;
            items.extend(body["results"].as_array().expect("results").iter().cloned());
            match body["_links"]["next"].as_str() {
                Some(next) => {
                    assert!(
                        next.starts_with("/wiki/api/v2/"),
                        "next already starts with /wiki: {next}"
                    );
                    assert_eq!(link, Some(format!("<{next}>; rel=\"next\"")));
                    url = next.to_string();
                }
                None => {
                    assert_eq!(link, None, "no Link header on the last page");
                    return (items, pages);
                }
            }
        }
    }
}

pub(crate) fn basic(email: &str, token: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"))
    )
}

pub(crate) fn results(listing: &Value) -> &[Value] {
    listing["results"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

pub(crate) fn ids_of(items: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = items
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids
}

/// Data Center's v1 error body: `{"statusCode", "data", "message", "reason"}`.
pub(crate) fn assert_dc_error(body: &Value, status: u16, reason: &str) {
    assert_eq!(body["statusCode"], status, "{body}");
    assert_eq!(body["reason"], reason, "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(body["data"]["successful"], false, "{body}");
    assert!(body.get("errors").is_none(), "no Cloud shape on DC: {body}");
}

pub(crate) fn assert_cloud_error(body: &Value, status: u16, code: &str) {
    let error = &body["errors"][0];
    assert_eq!(error["status"], status, "{body}");
    assert_eq!(error["code"], code, "{body}");
    assert!(
        error["title"].is_string() && error.get("detail").is_some(),
        "{body}"
    );
}
