//! `POST /api/v1/lookup/content` over a real scan of the simulator, on SQLite with the cache in
//! process and on PostgreSQL with the cache in Redis: verdicts from the store and then from
//! the cache, unknown versions, scans asked for by a lookup and fed back through the workers,
//! and triage reaching the cache.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::common::*;
use crate::helpers::*;

async fn lookup(server: &TestServer, token: &str, body: Value) -> reqwest::Response {
    server
        .client
        .post(format!("{}/api/v1/lookup/content", server.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn lookup_ok(server: &TestServer, token: &str, body: Value) -> Value {
    let response = lookup(server, token, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// `first_source`: where the first lookup is answered from. The scan ran with an App of its
/// own: an in-process cache went with it (the store answers), Redis is shared (it answers).
async fn redact(server: &TestServer, token: &str, body: Value) -> reqwest::Response {
    server
        .client
        .post(format!("{}/api/v1/redact", server.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn redacted(server: &TestServer, token: &str, body: Value) -> Value {
    let response = redact(server, token, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// `/redact` after the sample space's scan: values the engine finds, and values the scan found
/// before that come bare or reformatted, in every format; benign text untouched.
async fn check_redact(server: &TestServer) {
    let redactor = server.token("redactor-2", &["lookup"]).await;
    let reader = server.token("reader-2", &["findings:read"]).await;
    let r = redact(server, &reader, json!({"text": "x"})).await;
    assert_error(r, StatusCode::FORBIDDEN).await;

    // Planted in the sample space (samples/spaces/ENG/expected.json).
    let secret = "g2Gnwcg6V5lRQ2NhyTvd4QAs+mZZzSZY1dbvfy0a"; // an AWS secret key, found by its context
    let ssn = "071-07-5029";
    let card = "4799472115175950";
    let pat = "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";
    let text = format!(
        "Rotate \"{secret}\" today. SSN on file: 071 07 5029. Card 4799-4721-1517-5950 expires. \
         Key AKIACSNCMFN5TBERFPSF is old."
    );
    let answer = redacted(server, &redactor, json!({"text": text})).await;
    let out = answer["text"].as_str().unwrap();
    for raw in [
        secret,
        "071 07 5029",
        "4799-4721-1517-5950",
        "AKIACSNCMFN5TBERFPSF",
    ] {
        assert!(!out.contains(raw), "{raw} survived: {out}");
    }
    assert!(
        out.starts_with("Rotate \"") && out.contains(" today. SSN on file: "),
        "{out}"
    );
    let redactions = answer["redactions"].as_array().unwrap();
    let known_secret = redactions
        .iter()
        .find(|r| r["detector"] == "aws-secret-access-key")
        .expect("the bare secret, known from the scan");
    assert_eq!(known_secret["known"], true, "{answer}");
    assert_eq!(
        &text[known_secret["start"].as_u64().unwrap() as usize
            ..known_secret["end"].as_u64().unwrap() as usize],
        secret
    );
    assert!(!answer.to_string().contains(ssn) && !answer.to_string().contains(card));

    // A secret wrapped across lines, as in a narrow table cell.
    let wrapped = format!("secret:\n  {}\n  {}\nend", &secret[..20], &secret[20..]);
    let answer = redacted(server, &redactor, json!({"text": wrapped})).await;
    let out = answer["text"].as_str().unwrap();
    assert!(
        !out.contains(&secret[..20]) && !out.contains(&secret[20..]),
        "{out}"
    );
    assert!(
        out.starts_with("secret:\n  ") && out.ends_with("\nend"),
        "{out}"
    );

    // Markdown escaping, and the other styles.
    let md = format!("token: `{}`", pat.replace('_', "\\_"));
    let answer = redacted(
        server,
        &redactor,
        json!({"text": md, "format": "markdown", "style": "label"}),
    )
    .await;
    let out = answer["text"].as_str().unwrap();
    assert!(out.contains("[REDACTED:github-classic-pat]"), "{out}");
    assert!(
        !out.contains("ZWEH0cFxgoUvzOEM8z7O4ALZIAYioc2HnLIO"),
        "{out}"
    );
    let twice = format!("{secret} and again {secret}");
    let answer = redacted(server, &redactor, json!({"text": twice, "style": "token"})).await;
    let out = answer["text"].as_str().unwrap();
    let tokens: Vec<&str> = out.split(" and again ").collect();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0], tokens[1], "one value, one token: {out}");
    assert!(tokens[0].starts_with("[SECRET-"), "{out}");

    // JSON: string values rewritten, the document still JSON, the path of each redaction given.
    let doc =
        json!({"content": [{"type": "text", "text": format!("creds: {secret}")}], "count": 3});
    let answer = redacted(
        server,
        &redactor,
        json!({"text": doc.to_string(), "format": "json"}),
    )
    .await;
    let out: Value = serde_json::from_str(answer["text"].as_str().unwrap()).expect("still JSON");
    assert_eq!(out["count"], 3);
    assert_eq!(out["content"][0]["type"], "text");
    assert!(!out.to_string().contains(secret));
    assert_eq!(
        answer["redactions"][0]["path"], "/content/0/text",
        "{answer}"
    );
    let r = redact(
        server,
        &redactor,
        json!({"text": "{not json", "format": "json"}),
    )
    .await;
    assert_error(r, StatusCode::BAD_REQUEST).await;

    // Benign text, numbers and identifiers included, comes back as it went.
    let benign = "The Q3 review moved to 2025-10-14; build 1234567 passed on host build-agent-07.";
    let answer = redacted(server, &redactor, json!({"text": benign})).await;
    assert_eq!(answer["text"], benign);
    assert_eq!(answer["redactions"], json!([]));
}

async fn check_lookups(
    server: &TestServer,
    sim: &dlp_simulator::SimulatorHandle,
    first_source: &str,
) {
    let reader = server.token("reader", &["findings:read"]).await;
    let redactor = server.token("redactor", &["lookup"]).await;
    let r = lookup(server, &reader, json!({"content_id": "1"})).await;
    assert_error(r, StatusCode::FORBIDDEN).await;

    // A page with findings in its body.
    let all = all_pages(server, &reader, "&content_type=page", 500).await;
    let first = all.first().expect("page findings");
    let page_id = first["location"]["page_id"].as_str().unwrap().to_owned();
    let version = first["location"]["page_version"].as_u64().unwrap();
    let on_page: Vec<&Value> = all
        .iter()
        .filter(|f| f["location"]["page_id"] == page_id.as_str())
        .collect();

    let answer = lookup_ok(
        server,
        &redactor,
        json!({"content_id": page_id, "version": version}),
    )
    .await;
    assert_eq!(answer["status"], "known", "{answer}");
    assert_eq!(answer["source"], first_source);
    let verdict = &answer["verdict"];
    assert_eq!(verdict["content_type"], "page");
    assert_eq!(verdict["version"].as_u64(), Some(version));
    assert_eq!(
        verdict["spans"].as_array().unwrap().len(),
        on_page.len(),
        "{verdict}"
    );
    for f in &on_page {
        assert!(
            verdict["detectors"]
                .as_array()
                .unwrap()
                .contains(&f["detector"]),
            "{verdict}"
        );
        assert!(
            verdict["spans"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["fingerprint"] == f["fingerprint"] && s["masked"] == f["masked"]),
            "{verdict}"
        );
    }
    let again = lookup_ok(
        server,
        &redactor,
        json!({"content_id": page_id, "version": version}),
    )
    .await;
    assert_eq!(again["source"], "cache");
    assert_eq!(again["verdict"], answer["verdict"]);
    // No raw value in any answer: only masked previews.
    let text = again.to_string();
    for planted in Expected::load().planted {
        assert!(
            !text.contains(&planted.value),
            "a raw value in a lookup answer"
        );
    }

    // Versions not classified are unknown; so are ids never seen. Bad ids are refused.
    let next = version + 1;
    let unknown = lookup_ok(
        server,
        &redactor,
        json!({"content_id": page_id, "version": next}),
    )
    .await;
    assert_eq!(unknown, json!({"status": "unknown"}));
    let unknown = lookup_ok(server, &redactor, json!({"content_id": "999999"})).await;
    assert_eq!(unknown["status"], "unknown");
    for bad in [
        json!({"content_id": "../1"}),
        json!({"content_id": ""}),
        json!({"id": "1"}),
    ] {
        let r = lookup(server, &redactor, bad).await;
        assert_error(r, StatusCode::BAD_REQUEST).await;
    }
    let r = lookup(
        server,
        &redactor,
        json!({"content_id": page_id, "version": next, "scan_if_unknown": true}),
    )
    .await;
    assert_error(r, StatusCode::BAD_REQUEST).await;

    // A new version, then a lookup that asks for its scan: the worker classifies it and
    // tells the cache, which answers from then on.
    let (_, meta) = sample_page(&page_id);
    let title = meta["title"].as_str().unwrap_or("page");
    let body = "<p>rotated: AKIAQWERTYUIOPASDFGH is the new key</p>";
    write_page_version(sim, &page_id, title, body, next as u32).await;
    let asked = lookup_ok(
        server,
        &redactor,
        json!({"content_id": page_id, "version": next, "scan_if_unknown": true, "space_key": "ENG"}),
    )
    .await;
    assert_eq!(asked["status"], "unknown");
    assert_eq!(asked["scan"], "queued", "{asked}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let known = loop {
        let answer = lookup_ok(
            server,
            &redactor,
            json!({"content_id": page_id, "version": next}),
        )
        .await;
        // The worker records the finding in the store and then writes the cache: a lookup
        // between the two answers from the store, and the next one from the cache.
        if answer["status"] == "known" && answer["source"] == "cache" {
            break answer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the asked scan never reached the cache: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        known["source"], "cache",
        "the worker fed the cache: {known}"
    );
    assert_eq!(
        known["verdict"]["detectors"],
        json!(["aws-access-key-id"]),
        "{known}"
    );
    let masked = known["verdict"]["spans"][0]["masked"].as_str().unwrap();
    assert!(!masked.contains("QWERTYUIOPASDF"), "{masked}");

    // A false positive leaves the verdict at once.
    let id = {
        let listed = all_pages(server, &reader, "&detector=aws-access-key-id", 500).await;
        listed
            .iter()
            .find(|f| {
                f["location"]["page_id"] == page_id.as_str()
                    && f["location"]["page_version"].as_u64() == Some(next)
            })
            .expect("the new version's finding")["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let triage = server.token("triage", &["findings:write"]).await;
    let r = server
        .client
        .patch(format!("{}/api/v1/findings/{id}", server.base))
        .bearer_auth(&triage)
        .json(&json!({"status": "false_positive", "reason": "a test key"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let after = lookup_ok(
        server,
        &redactor,
        json!({"content_id": page_id, "version": next}),
    )
    .await;
    assert_eq!(after["status"], "known");
    assert_eq!(after["verdict"]["spans"], json!([]), "{after}");
}

#[tokio::test]
async fn lookups_answer_from_the_store_then_the_cache_on_sqlite() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), &sim.site_url());
    scan_sample_space(&settings).await;
    let server = spawn_server(settings).await;
    assert_eq!(server.app.workers.cache.kind(), "memory");
    check_lookups(&server, &sim, "store").await;
    check_redact(&server).await;
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn lookups_answer_from_the_store_then_redis_on_postgres(
    _pool: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), &sim.site_url());
    let _cleanup = on_postgres_and_redis(&mut settings, &db);
    scan_sample_space(&settings).await;
    let server = spawn_server(settings).await;
    assert_eq!(server.app.workers.cache.kind(), "redis");
    check_lookups(&server, &sim, "cache").await;
    check_redact(&server).await;
    server.stop().await;
}
