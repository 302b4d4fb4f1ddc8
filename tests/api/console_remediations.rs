//! The console's remediation panel in a headless Chromium.
//!
//! Against the real API: the sample space scanned, a policy in `approve` mode planned over the
//! API, and the plan for the public meeting notes (page 66269) approved in the browser, carried
//! out by the server's own remediation worker until the row reads `verified`, then undone from
//! the browser until it reads `undone`; a dry run's plan is refused with the server's 409. This
//! test also writes the README's picture (`DLP_UPDATE_SCREENSHOT=1`): the findings with their
//! exposure, read while planning.
//!
//! Against fixtures (`check_panel`, driven from the console's main test): what the sample space
//! cannot hold, a hostile title, and states the real run passes through too fast to look at
//! (`undoing`) or actions it does not take (an irreversible one, whose Undo stays disabled).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::common::*;
use crate::helpers::*;

/// A meeting-notes page anonymous users can read, with an AWS key and a GitHub token in it.
const NOTES: &str = "66269";

fn policies() -> confluence_dlp::remediate::RemediationSettings {
    toml::from_str(
        r#"
        poll_ms = 200
        [[policies]]
        name = "public-secrets"
        match = { categories = ["secret"], exposure = ["public"] }
        actions = ["redact_in_place"]
        mode = "approve"

        [[policies]]
        name = "pii-watch"
        match = { categories = ["pii"] }
        actions = ["redact_in_place"]
        "#,
    )
    .expect("policies")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_approves_a_real_plan_and_undoes_it() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;
    settings.remediation = policies();
    let server = spawn_server(settings).await;
    let token = server
        .token("console", &["findings:read", "audit:read", "remediate"])
        .await;
    let browser = Browser::start(1400, 900).await;
    let checked = tokio::time::timeout(
        Duration::from_secs(240),
        drive_real(&browser, &server, &token),
    )
    .await;
    browser.close().await;
    checked.expect("the remediation checks finish within 240 s");
    server.stop().await;
}

async fn post(server: &TestServer, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = server
        .client
        .post(format!("{}{path}", server.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

/// Clicks what `css` matches once it is there, in one step: the list is redrawn while a plan
/// is in progress, so an element found first could be gone by the time it is clicked.
async fn click(browser: &Browser, css: &str) {
    let script = format!(
        "const e = document.querySelector({}); if (e) e.click(); return !!e",
        json!(css)
    );
    browser.until(css, &script).await;
}

async fn is_enabled(browser: &Browser, verb: &str) -> bool {
    browser
        .client
        .execute(
            "const b = document.querySelector(`#drawer [data-decision=${arguments[0]}]`); return !!b && !b.disabled",
            vec![json!(verb)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

async fn drive_real(browser: &Browser, server: &TestServer, token: &str) {
    // The plan for the notes, over the API, then the rest of the space (its exposure, for the
    // findings' column, and a dry run's plan).
    let (status, notes) = post(
        server,
        token,
        "/api/v1/remediations/plan",
        json!({"page_id": NOTES}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{notes}");
    let redact = notes["planned"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "redact_in_place" && r["target"]["comment_id"].is_null())
        .unwrap_or_else(|| panic!("no redaction of the notes planned: {notes:#}"))
        .clone();
    assert_eq!(redact["state"], "planned");
    assert_eq!(redact["mode"], "approve");
    assert_eq!(redact["plan"]["reversible"], true);
    let id = redact["id"].as_str().unwrap().to_owned();
    let changes = redact["plan"]["changes"].as_array().unwrap().clone();
    assert!(!changes.is_empty());
    let (status, rest) = post(server, token, "/api/v1/remediations/plan", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rest}");
    let dry_run = rest["planned"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["mode"] == "dry_run")
        .unwrap_or_else(|| panic!("no dry run planned: {rest:#}"))
        .clone();

    sign_in(browser, server, token).await;

    // The findings carry their exposure now (the README's picture).
    let exposures = browser
        .until(
            "findings with their exposure",
            "const rows = [...document.querySelectorAll('#findings-table tbody tr[data-id]')]; \
             const shown = rows.map(r => r.cells[6].textContent.trim()); \
             return rows.length && shown.includes('public') && shown",
        )
        .await;
    assert!(
        exposures
            .as_array()
            .unwrap()
            .iter()
            .all(|e| ["public", "site", "space", "restricted"].contains(&e.as_str().unwrap())),
        "every page's exposure was read while planning: {exposures}"
    );
    if std::env::var_os("DLP_UPDATE_SCREENSHOT").is_some() {
        crate::console::write_screenshot(browser).await;
    }

    // The remediations, every state: the plan, opened, shows its diff with the value marked.
    browser
        .find("a[data-view=remediations]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .find("#r-state")
        .await
        .select_by_value("")
        .await
        .unwrap();
    let row = format!("#remediations-table tbody tr[data-id='{id}']");
    click(browser, &row).await;
    browser
        .until(
            "the plan's diff",
            "return document.querySelectorAll('#drawer .diff').length",
        )
        .await;
    let unmarked: Vec<String> = changes
        .iter()
        .map(|c| c["before"].as_str().unwrap().replace(['⟦', '⟧'], ""))
        .collect();
    assert_eq!(browser.texts("#drawer .diff .before").await, unmarked);
    let marked: Vec<String> = changes
        .iter()
        .map(|c| {
            let before = c["before"].as_str().unwrap();
            let open = before.find('⟦').expect("a marked value") + '⟦'.len_utf8();
            let close = before.find('⟧').unwrap();
            before[open..close].to_owned()
        })
        .collect();
    assert_eq!(browser.texts("#drawer .diff mark").await, marked);
    let after: Vec<&str> = changes
        .iter()
        .map(|c| c["after"].as_str().unwrap())
        .collect();
    assert_eq!(browser.texts("#drawer .diff .after").await, after);
    assert!(is_enabled(browser, "approve").await);
    assert!(!is_enabled(browser, "undo").await);

    // Approved in the browser; the server's worker carries it out and verifies it.
    browser
        .find("#decision-reason")
        .await
        .send_keys("checked with the page owner")
        .await
        .unwrap();
    browser
        .find("#drawer [data-decision=approve]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .until(
            "the row verified",
            &format!(
                "const r = document.querySelector(\"{row}\"); return r && r.dataset.state === 'verified'"
            ),
        )
        .await;
    browser
        .until(
            "the drawer verified",
            "const s = document.querySelector('#drawer [role=status]'); return s && s.textContent === 'Now verified.' && document.querySelector('#remediation-result')",
        )
        .await;
    let verified = server
        .json(&format!("/api/v1/remediations/{id}"), token)
        .await;
    assert_eq!(verified["state"], "verified", "{verified:#}");
    assert_eq!(verified["decided_by"], "console");
    assert_eq!(verified["reason"], "checked with the page owner");
    assert!(verified["result"]["new_version"].is_u64(), "{verified:#}");
    let result: Value = serde_json::from_str(&browser.texts("#remediation-result").await[0])
        .expect("the result as JSON");
    assert_eq!(result, verified["result"]);
    assert!(!is_enabled(browser, "approve").await);

    // Undone from the browser, and the worker takes the change back.
    assert!(is_enabled(browser, "undo").await);
    browser
        .find("#drawer [data-decision=undo]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .until(
            "the row undone",
            &format!(
                "const r = document.querySelector(\"{row}\"); return r && r.dataset.state === 'undone'"
            ),
        )
        .await;
    browser
        .until(
            "the drawer undone",
            "const s = document.querySelector('#drawer [role=status]'); return s && s.textContent === 'Now undone.'",
        )
        .await;
    let undone = server
        .json(&format!("/api/v1/remediations/{id}"), token)
        .await;
    assert_eq!(undone["state"], "undone", "{undone:#}");
    assert!(!is_enabled(browser, "undo").await, "undone once");

    // A dry run's plan: Approve is disabled and says why; forced, the server's 409 is shown.
    let dry_id = dry_run["id"].as_str().unwrap();
    browser.find("#drawer-close").await.click().await.unwrap();
    browser
        .find("#r-page")
        .await
        .send_keys(&format!(
            "{}\n",
            dry_run["target"]["page_id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    click(
        browser,
        &format!("#remediations-table tbody tr[data-id='{dry_id}']"),
    )
    .await;
    browser
        .until(
            "the dry run's plan",
            "return document.querySelector('#drawer [data-decision=approve]')",
        )
        .await;
    assert!(!is_enabled(browser, "approve").await);
    assert!(
        browser
            .texts("#drawer p")
            .await
            .iter()
            .any(|p| p.contains("dry run")),
        "the drawer says it is a dry run"
    );
    browser
        .client
        .execute(
            "const b = document.querySelector('#drawer [data-decision=approve]'); b.disabled = false; b.click()",
            vec![],
        )
        .await
        .unwrap();
    let refused = browser
        .until(
            "the 409",
            "const m = document.querySelector('#decision-message'); return m && m.textContent",
        )
        .await;
    let refused = refused.as_str().unwrap();
    assert!(
        refused.contains("409") && refused.contains("dry run"),
        "{refused}"
    );
    let still = server
        .json(&format!("/api/v1/remediations/{dry_id}"), token)
        .await;
    assert_eq!(still["state"], "planned");
}

/// Signs in with `token` on the login form and waits for the findings.
async fn sign_in(browser: &Browser, server: &TestServer, token: &str) {
    browser
        .client
        .goto(&format!("{}/", server.base))
        .await
        .unwrap();
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
            "return document.querySelectorAll('#findings-table tbody tr[data-id]').length",
        )
        .await;
}

fn remediation(id: &str, state: &str, action: &str, title: &str) -> Value {
    let reversible = !["purge_history", "notify"].contains(&action);
    let done = ["done", "verified", "failed", "undoing", "undone"].contains(&state);
    json!({
        "id": id,
        "policy": "secrets-on-public-pages",
        "action": action,
        "mode": "approve",
        "state": state,
        "target": {
            "space_key": "ENG", "content_type": "page", "page_id": "66702",
            "comment_id": null, "attachment_id": null, "title": title,
            "web_link": "http://127.0.0.1:9/wiki/spaces/ENG/pages/66702"
        },
        "finding_ids": ["906a75cbab0fc2025a050fdada22743f"],
        "plan": {
            "summary": "Write version 4 of \"Payroll\" with 1 value(s) replaced by their masked form",
            "base_version": 3,
            "changes": [{"before": "key ⟦AKIA****MPLE⟧ here", "after": "key AKIA****MPLE here"}],
            "reversible": reversible
        },
        "result": if done { json!({"base_version": 3, "new_version": 4}) } else { Value::Null },
        "error": null,
        "attempts": if done { 1 } else { 0 },
        "created_at": "2026-01-31T10:00:00Z",
        "updated_at": "2026-01-31T10:00:00Z",
        "not_before": null,
        "decided_by": null,
        "decided_at": null,
        "reason": null
    })
}

/// Replaces `fetch` for the remediation routes: the list and each item from `items`, unchanged
/// (every other request still reaches the server).
const STUB: &str = r#"
const [items] = arguments;
const real = window.fetch.bind(window);
const json = (status, body) => new Response(JSON.stringify(body), {status, headers: {"Content-Type": "application/json"}});
window.fetch = async (url, init = {}) => {
  const u = new URL(url, location.origin);
  if (!u.pathname.startsWith("/api/v1/remediations")) return real(url, init);
  const parts = u.pathname.split("/").slice(4);
  if (parts.length === 0) return json(200, {items, next_cursor: null});
  const found = items.find((r) => r.id === parts[0]);
  if (found && parts.length === 1) return json(200, found);
  return json(404, {error: {code: "not_found", message: "no such remediation"}});
};
"#;

/// The panel over fixtures, in the console's main test (already signed in, on the
/// remediations view).
pub async fn check_panel(browser: &Browser) {
    let hostile = "<img src=x id=pwned onerror=alert(1)> Payroll";
    let items = json!([
        remediation("rem-1", "planned", "redact_in_place", hostile),
        remediation("rem-2", "undoing", "redact_in_place", "Runbook"),
        remediation("rem-3", "verified", "purge_history", "Runbook"),
    ]);
    browser.client.execute(STUB, vec![items]).await.unwrap();
    browser
        .find("#r-state")
        .await
        .select_by_value("")
        .await
        .unwrap();
    browser
        .until(
            "the stubbed remediations",
            "return document.querySelectorAll('#remediations-table tbody tr[data-id]').length === 3",
        )
        .await;
    let targets = browser
        .texts("#remediations-table tbody tr td:nth-child(4)")
        .await;
    assert_eq!(targets[0], hostile, "a title is text");
    assert_eq!(
        browser
            .texts("#remediations-table tbody tr td:nth-child(1)")
            .await,
        ["planned", "undoing", "verified"]
    );
    assert!(
        browser
            .texts("#rem-status")
            .await
            .join("")
            .contains("1 in progress"),
        "an undoing plan is in progress"
    );

    // A hostile title stays text in the drawer's title too.
    click(browser, "#remediations-table tbody tr[data-id=rem-1]").await;
    browser
        .until(
            "the plan's diff",
            "return document.querySelector('#drawer .diff mark')",
        )
        .await;
    assert!(browser.texts("#drawer-title").await[0].contains(hostile));
    assert_eq!(
        browser
            .client
            .execute(
                "return document.querySelectorAll('#pwned, #drawer img').length",
                vec![]
            )
            .await
            .unwrap(),
        json!(0),
        "no markup from a title"
    );
    assert!(is_enabled(browser, "approve").await);

    // Being undone: no decision is left to take.
    click(browser, "#remediations-table tbody tr[data-id=rem-2]").await;
    browser
        .until(
            "the undoing plan",
            "return document.querySelector('#drawer-body').dataset.remediation === 'rem-2'",
        )
        .await;
    for verb in ["approve", "reject", "undo"] {
        assert!(!is_enabled(browser, verb).await, "{verb} while undoing");
    }

    // Purged history cannot come back: Undo stays disabled, and the drawer says why.
    click(browser, "#remediations-table tbody tr[data-id=rem-3]").await;
    browser
        .until(
            "the irreversible plan",
            "return document.querySelector('#drawer-body').dataset.remediation === 'rem-3'",
        )
        .await;
    assert!(!is_enabled(browser, "undo").await);
    assert!(
        browser
            .texts("#drawer p")
            .await
            .iter()
            .any(|p| p.starts_with("Cannot be undone")),
        "the drawer says why"
    );
    browser.find("#drawer-close").await.click().await.unwrap();
}
