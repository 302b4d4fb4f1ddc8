//! The console at `/`: its files over plain HTTP (types, caching, the Content-Security-Policy),
//! and the page itself in a headless Chromium over a real scan of the sample space, checked
//! against what the API answers.
//!
//! The remediation panel is checked in `console_remediations.rs`: against fixtures from here,
//! and against the real API there, whose test also writes the README's picture
//! (`DLP_UPDATE_SCREENSHOT=1`, docs/console.png); without it no test writes into the tree.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::{Browser, WAIT};
use crate::common::*;
use crate::helpers::*;

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_files_are_served_with_their_types_and_a_strict_policy() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(crate::bare_settings(dir.path())).await;

    let page = server.get("/", None).await;
    assert_eq!(page.status(), StatusCode::OK, "the page needs no token");
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    let csp = header(&page, "content-security-policy").to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    let etag = header(&page, "etag").to_owned();
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script type="module" src="/console/app.js">"#));
    // No inline script: every <script> loads a file of this origin.
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external resource"
    );

    for (path, content_type) in [
        ("/console/app.js", "text/javascript; charset=utf-8"),
        ("/console/dom.js", "text/javascript; charset=utf-8"),
        ("/console/console.css", "text/css; charset=utf-8"),
        ("/console/favicon.svg", "image/svg+xml"),
    ] {
        let r = server.get(path, None).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, "content-type"), content_type, "{path}");
        assert_eq!(header(&r, "content-security-policy"), csp, "{path}");
        assert!(!r.bytes().await.unwrap().is_empty(), "{path}");
    }
    for path in [
        "/console/nope.js",
        "/console/",
        "/console/..%2FCargo.toml",
        "/console/app.js.map",
        "/index.html",
    ] {
        let r = server.get(path, None).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }

    // A browser's copy is revalidated for nothing.
    let again = server
        .client
        .get(format!("{}/", server.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    server.stop().await;
}

/// Counts as the page writes them ("1,234") back to numbers.
fn count_of(text: &str) -> u64 {
    text.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("not a count: {text:?}"))
}

const ROWS: &str = "#findings-table tbody tr[data-id]";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_a_browser_shows_what_the_api_holds() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;
    let server = spawn_server(settings).await;
    let token = server
        .token("console", &["findings:read", "audit:read"])
        .await;
    let browser = Browser::start(1400, 900).await;
    // Every wait inside is bounded; this bounds the whole, so a hang fails instead of blocking.
    let checked =
        tokio::time::timeout(Duration::from_secs(240), drive(&browser, &server, &token)).await;
    browser.close().await;
    checked.expect("the console's checks finish within 240 s");
    server.stop().await;
}

async fn drive(browser: &Browser, server: &TestServer, token: &str) {
    let c = &browser.client;
    c.goto(&format!("{}/", server.base)).await.unwrap();

    // A bad token is refused on the login form, with the server's reason.
    browser
        .find("#token")
        .await
        .send_keys("dlp_not-a-token")
        .await
        .unwrap();
    browser
        .find("#login-form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let refused = browser
        .until(
            "the login error",
            "const e = document.querySelector('#login-error'); return !e.hidden && e.textContent",
        )
        .await;
    assert!(refused.as_str().unwrap().contains("401"), "{refused}");
    assert_eq!(
        c.execute("return document.querySelector('#app').hidden", vec![])
            .await
            .unwrap(),
        json!(true)
    );

    // The right token opens the findings.
    browser.find("#token").await.send_keys(token).await.unwrap();
    browser
        .find("#login-form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .until(
            "findings rows",
            &format!("return document.querySelectorAll('{ROWS}').length"),
        )
        .await;
    let open = server
        .json("/api/v1/findings/summary?status=open", token)
        .await;
    let total = open["total"].as_u64().unwrap();
    assert!(total >= 20, "{open}");
    let expected_rows = total.min(100) as usize;
    browser
        .until(
            "every first-page row",
            &format!("return document.querySelectorAll('{ROWS}').length === {expected_rows}"),
        )
        .await;

    // The header's counts are the summary's.
    browser
        .until(
            "the header counts",
            "return document.querySelector('[data-count=total]')",
        )
        .await;
    let counts = |key: String| async move {
        let texts = browser.texts(&format!("[data-count=\"{key}\"] b")).await;
        assert_eq!(texts.len(), 1, "one count {key}");
        count_of(&texts[0])
    };
    assert_eq!(counts("total".into()).await, total);
    for (group, prefix) in [("by_category", "category"), ("by_severity", "severity")] {
        for (key, n) in open[group].as_object().unwrap() {
            assert_eq!(
                counts(format!("{prefix}:{key}")).await,
                n.as_u64().unwrap(),
                "{key}"
            );
        }
    }
    let spaces = open["by_space"].as_object().unwrap();
    assert_eq!(
        counts("space:ENG".into()).await,
        spaces["ENG"].as_u64().unwrap()
    );
    if let Some(exposure) = open["by_exposure"].as_object() {
        for (key, n) in exposure {
            assert_eq!(
                counts(format!("exposure:{key}")).await,
                n.as_u64().unwrap(),
                "{key}"
            );
        }
    }

    // A filter narrows the rows to what the API gives for it, and the facets follow.
    let (category, n) = open["by_category"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .min_by_key(|(_, n)| *n)
        .unwrap();
    assert!(n < total, "the smallest category narrows");
    browser
        .find("#f-category")
        .await
        .select_by_value(&category)
        .await
        .unwrap();
    browser
        .until(
            "the category filter",
            &format!(
                "return document.querySelectorAll('{ROWS}').length === {}",
                n.min(100)
            ),
        )
        .await;
    let categories = browser.texts(&format!("{ROWS} td:nth-child(2)")).await;
    assert!(categories.iter().all(|c| *c == category), "{categories:?}");
    browser
        .until(
            "the filtered facet total",
            &format!("const b = document.querySelector('[data-facet-total] b'); return b && b.textContent.replace(/\\D/g, '') === '{n}'"),
        )
        .await;
    browser
        .find("#f-category")
        .await
        .select_by_value("")
        .await
        .unwrap();
    browser
        .until(
            "the cleared filter",
            &format!("return document.querySelectorAll('{ROWS}').length === {expected_rows}"),
        )
        .await;

    // A finding's detail: its location, the link to its page, its history.
    let first = browser.find(&format!("{ROWS}:first-child")).await;
    let id = first.attr("data-id").await.unwrap().expect("a row's id");
    let finding = server.json(&format!("/api/v1/findings/{id}"), token).await;
    first.click().await.unwrap();
    browser
        .until(
            "the drawer's history",
            "return document.querySelectorAll('#drawer-events tbody tr').length",
        )
        .await;
    let location = browser.texts("#drawer-location").await.join(" ");
    let l = &finding["location"];
    for part in [
        l["space_key"].as_str().unwrap(),
        l["page_id"].as_str().unwrap(),
    ] {
        assert!(location.contains(part), "{part} not in {location:?}");
    }
    let link = browser.find("#drawer-link").await;
    assert_eq!(
        link.attr("href").await.unwrap().as_deref(),
        finding["web_link"].as_str()
    );
    assert_eq!(
        link.attr("rel").await.unwrap().as_deref(),
        Some("noopener noreferrer")
    );
    assert_eq!(
        browser.texts("#drawer-preview").await,
        vec![finding["masked"].as_str().unwrap().to_owned()]
    );
    let events = browser
        .texts("#drawer-events tbody tr td:nth-child(3)")
        .await;
    let api_events: Vec<&str> = finding["history"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(events, api_events);
    let scans = browser.texts("#drawer-scans tbody tr").await;
    assert_eq!(
        scans.len(),
        finding["history"]["scans"].as_array().unwrap().len()
    );
    assert!(!scans.is_empty());
    browser.find("#drawer-close").await.click().await.unwrap();

    // Scans and the audit trail have rows.
    browser
        .find("a[data-view=scans]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .until(
            "a completed scan",
            "return [...document.querySelectorAll('#scans-table tbody tr[data-id]')].some(r => r.dataset.status === 'completed')",
        )
        .await;
    browser
        .find("a[data-view=audit]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .until(
            "audit rows",
            "return document.querySelectorAll('#audit-table tbody tr[data-id]').length",
        )
        .await;
    let actions = browser.texts("#audit-table tbody tr td:nth-child(3)").await;
    assert!(actions.iter().any(|a| a == "scan.started"), "{actions:?}");

    // Remediations: a list, or the API's own refusal, never a blank or broken view; then the
    // panel over fixtures for what the sample space cannot show (a hostile title, undoing).
    browser
        .find("a[data-view=remediations]")
        .await
        .click()
        .await
        .unwrap();
    let shown = browser
        .until(
            "the remediations view",
            "const s = document.querySelector('#rem-status').textContent; const r = document.querySelector('#remediations-table tbody tr'); return s !== 'Loading…' && r && r.textContent",
        )
        .await;
    assert!(!shown.as_str().unwrap().is_empty());
    crate::console_remediations::check_panel(browser).await;

    // A token the server stops accepting sends the person back to the login, saying why.
    c.execute(
        "sessionStorage.setItem('confluence-dlp.token', 'dlp_revoked')",
        vec![],
    )
    .await
    .unwrap();
    browser
        .find("a[data-view=scans]")
        .await
        .click()
        .await
        .unwrap();
    let back = browser
        .until(
            "the login after a 401",
            "const e = document.querySelector('#login-error'); return !document.querySelector('#login').hidden && !e.hidden && e.textContent",
        )
        .await;
    assert!(back.as_str().unwrap().contains("401"), "{back}");
    assert_eq!(
        c.execute(
            "return sessionStorage.getItem('confluence-dlp.token')",
            vec![]
        )
        .await
        .unwrap(),
        Value::Null,
        "a refused token is forgotten"
    );
}

/// The README's picture, written by `console_remediations`'s test once planning has read every
/// page's exposure: the findings, with who can read each.
pub async fn write_screenshot(browser: &Browser) {
    // Relative times and fonts settle within a frame or two.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = tokio::time::timeout(WAIT, browser.client.screenshot())
        .await
        .expect("a screenshot in time")
        .unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/console.png");
    std::fs::write(&path, png).unwrap();
    eprintln!("wrote {}", path.display());
}
