//! The console's remediation panel against the API's contract for remediations: the page's
//! `fetch` answers `/api/v1/remediations...` from fixtures here (every other request still
//! reaches the server), so the list, a plan's diff, its decisions and a 409 are drawn exactly as
//! the contract says, and a hostile title stays text.

use serde_json::{Value, json};

use crate::browser::Browser;

fn remediation(id: &str, state: &str, title: &str) -> Value {
    json!({
        "id": id,
        "policy": "secrets-on-public-pages",
        "action": "redact_in_place",
        "mode": "approve",
        "state": state,
        "target": {
            "space_key": "ENG", "content_type": "page", "page_id": "66702",
            "comment_id": null, "attachment_id": null, "title": title,
            "web_link": "http://127.0.0.1:9/wiki/spaces/ENG/pages/66702"
        },
        "finding_ids": ["906a75cbab0fc2025a050fdada22743f"],
        "plan": {
            "summary": "Replace 1 value in the page body",
            "base_version": 3,
            "changes": [{"before": "key ⟦AKIA****MPLE⟧ here", "after": "key [REDACTED:aws-access-key-id] here"}],
            "permissions_before": null,
            "permissions_after": null
        },
        "result": null,
        "error": null,
        "created_at": "2026-01-31T10:00:00Z",
        "updated_at": "2026-01-31T10:00:00Z",
        "not_before": null,
        "decided_by": null
    })
}

/// Replaces `fetch` for the remediation routes: the list and one plan from `fixtures`; an
/// approval of `planned` answers the plan approved, anything else 409 in the API's shape.
const STUB: &str = r#"
const [items] = arguments;
const real = window.fetch.bind(window);
window.__remediationCalls = [];
const json = (status, body) => new Response(JSON.stringify(body), {status, headers: {"Content-Type": "application/json"}});
window.fetch = async (url, init = {}) => {
  const u = new URL(url, location.origin);
  if (!u.pathname.startsWith("/api/v1/remediations")) return real(url, init);
  const method = init.method || "GET";
  window.__remediationCalls.push({method, path: u.pathname, query: u.search, body: init.body || null,
    auth: init.headers?.Authorization || null});
  const parts = u.pathname.split("/").slice(4);
  const found = items.find((r) => r.id === parts[0]);
  if (parts.length === 0) return json(200, {items, next_cursor: null});
  if (!found) return json(404, {error: {code: "not_found", message: "no remediation with that id"}});
  if (parts.length === 1 && method === "GET") return json(200, found);
  if (parts[1] === "approve" && found.state === "planned") {
    return json(200, {...found, state: "approved", decided_by: "console", updated_at: new Date().toISOString()});
  }
  return json(409, {error: {code: "conflict", message: `a ${found.state} remediation cannot be ${parts[1]}d`}});
};
"#;

pub async fn check_panel(browser: &Browser) {
    let hostile = "<img src=x id=pwned onerror=alert(1)> Payroll";
    let items = json!([
        remediation("rem-1", "planned", hostile),
        remediation("rem-2", "done", "Runbook"),
    ]);
    browser.client.execute(STUB, vec![items]).await.unwrap();
    // Listing any state, so both fixtures show.
    browser
        .find("#r-state")
        .await
        .select_by_value("")
        .await
        .unwrap();
    browser
        .until(
            "the stubbed remediations",
            "return document.querySelectorAll('#remediations-table tbody tr[data-id]').length === 2",
        )
        .await;
    let calls = browser
        .client
        .execute("return window.__remediationCalls", vec![])
        .await
        .unwrap();
    let list = calls.as_array().unwrap().last().unwrap().clone();
    assert_eq!(list["method"], "GET");
    assert!(
        list["auth"].as_str().unwrap().starts_with("Bearer dlp_"),
        "{list}"
    );
    let targets = browser
        .texts("#remediations-table tbody tr td:nth-child(4)")
        .await;
    assert_eq!(targets[0], hostile, "a title is text");

    // The plan's diff, with the value about to change marked, and the decisions its state allows.
    browser
        .find("#remediations-table tbody tr[data-id=rem-1]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .until(
            "the plan's diff",
            "return document.querySelector('#drawer .diff mark')",
        )
        .await;
    assert_eq!(browser.texts("#drawer .diff mark").await, ["AKIA****MPLE"]);
    assert_eq!(
        browser.texts("#drawer .diff .after").await,
        ["key [REDACTED:aws-access-key-id] here"]
    );
    let enabled = |verb: &'static str| async move {
        browser
            .client
            .execute(
                "return !document.querySelector(`[data-decision=${arguments[0]}]`).disabled",
                vec![json!(verb)],
            )
            .await
            .unwrap()
    };
    assert_eq!(enabled("approve").await, json!(true));
    assert_eq!(enabled("undo").await, json!(false));
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

    // Approving: the POST with the reason, and the plan drawn again in its new state.
    browser
        .find("#decision-reason")
        .await
        .send_keys("checked with the page owner")
        .await
        .unwrap();
    browser
        .find("[data-decision=approve]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .until(
            "the approved plan",
            "const s = document.querySelector('#drawer [role=status]'); return s && s.textContent.includes('approved')",
        )
        .await;
    let calls = browser
        .client
        .execute(
            "return window.__remediationCalls.filter(c => c.method === 'POST')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(calls[0]["path"], "/api/v1/remediations/rem-1/approve");
    assert_eq!(
        serde_json::from_str::<Value>(calls[0]["body"].as_str().unwrap()).unwrap(),
        json!({"reason": "checked with the page owner"})
    );
    assert_eq!(enabled("approve").await, json!(false), "approved once");

    // A decision the state does not allow: the server's 409 is shown, the drawer stays.
    browser
        .client
        .execute(
            "document.querySelector('[data-decision=reject]').disabled = false; document.querySelector('[data-decision=reject]').click()",
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
    assert!(refused.as_str().unwrap().contains("409"), "{refused}");
    browser.find("#drawer-close").await.click().await.unwrap();
}
