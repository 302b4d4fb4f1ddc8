//! Authentication (401 vs 403), bad input (a 4xx in the error shape, never a 500) and the
//! per-token rate limit.

use reqwest::StatusCode;

use crate::bare_settings;
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_unknown_and_revoked_tokens_are_401_and_a_wrong_scope_is_403() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(bare_settings(dir.path())).await;
    let reader = server.token("reader", &["findings:read"]).await;
    let auditor = server.token("auditor", &["audit:read"]).await;
    let admin = server.token("root", &["admin"]).await;
    assert!(reader.starts_with("dlp_") && reader.len() >= 40, "{reader}");

    let path = "/api/v1/findings";
    let no_token = server.get(path, None).await;
    assert_eq!(
        no_token.headers().get("www-authenticate").unwrap(),
        "Bearer"
    );
    assert_eq!(
        assert_error(no_token, StatusCode::UNAUTHORIZED).await,
        "unauthenticated"
    );
    // A well-formed token no one issued, one without our prefix, and another scheme.
    let forged = format!("dlp_{}", "A".repeat(43));
    for token in [forged.as_str(), "not-a-token"] {
        let r = server.get(path, Some(token)).await;
        assert_error(r, StatusCode::UNAUTHORIZED).await;
    }
    let basic = server
        .client
        .get(format!("{}{path}", server.base))
        .basic_auth("reader", Some(&reader))
        .send()
        .await
        .unwrap();
    assert_error(basic, StatusCode::UNAUTHORIZED).await;

    let wrong_scope = server.get(path, Some(&auditor)).await;
    assert_eq!(
        assert_error(wrong_scope, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    assert_eq!(
        server.get(path, Some(&reader)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        server.get(path, Some(&admin)).await.status(),
        StatusCode::OK,
        "admin implies findings:read"
    );

    // Use is recorded; the token itself is stored nowhere.
    let tokens = server.app.store.api_tokens().await.unwrap();
    let used = tokens.iter().find(|t| t.name == "reader").unwrap();
    assert!(used.last_used_at.is_some());
    assert!(!format!("{tokens:?}").contains(&reader));

    assert!(server.app.store.revoke_api_token("reader").await.unwrap());
    assert_refused_once_revoked(&server, path, &reader).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_4xx_in_the_error_shape_never_a_500() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(bare_settings(dir.path())).await;
    let token = server.token("reader", &["findings:read"]).await;
    let t = Some(token.as_str());
    for (query, code) in [
        ("limit=0", "invalid_input"),
        ("limit=501", "invalid_input"),
        ("limit=-1", "invalid_input"),
        ("limit=ten", "invalid_input"),
        ("severity=bogus", "invalid_input"),
        ("category=secrets", "invalid_input"),
        ("content_type=wiki", "invalid_input"),
        ("status=closed", "invalid_input"),
        ("confidence_min=abc", "invalid_input"),
        ("confidence_min=2", "invalid_input"),
        ("first_seen_after=yesterday", "invalid_input"),
        ("severty=high", "invalid_input"),
        ("cursor=bm90LWEtY3Vyc29y", "invalid_cursor"),
        ("cursor=%00%27%20OR%201%3D1", "invalid_cursor"),
    ] {
        let r = server.get(&format!("/api/v1/findings?{query}"), t).await;
        assert_eq!(
            assert_error(r, StatusCode::BAD_REQUEST).await,
            code,
            "{query}"
        );
    }
    // Strange strings in filters are values, not SQL: nothing matches, nothing breaks.
    let odd = server
        .json(
            "/api/v1/findings?space_key=%27%3B%20DROP%20TABLE%20findings%3B--",
            &token,
        )
        .await;
    assert_eq!(odd["items"].as_array().unwrap().len(), 0);
    let r = server.get("/api/v1/findings/summary?limit=5", t).await;
    assert_error(r, StatusCode::BAD_REQUEST).await;
    for id in ["0123456789abcdef0123456789abcdef", "nope", "%27"] {
        let r = server.get(&format!("/api/v1/findings/{id}"), t).await;
        assert_eq!(assert_error(r, StatusCode::NOT_FOUND).await, "not_found");
    }
    let r = server.get("/api/v1/nothing-here", t).await;
    assert_error(r, StatusCode::NOT_FOUND).await;
    // A body beyond the limit is refused before it is read.
    let huge = server
        .client
        .post(format!("{}/api/v1/findings", server.base))
        .bearer_auth(&token)
        .body(vec![b'x'; 2 * 1024 * 1024]);
    assert_too_large(&server, huge).await;
    let wrong_method = server
        .client
        .delete(format!("{}/api/v1/findings", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_error(wrong_method, StatusCode::METHOD_NOT_ALLOWED).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_token_has_a_rate_limit_answered_with_429_and_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = bare_settings(dir.path());
    settings.api.requests_per_sec = 1;
    settings.api.burst = 3;
    let server = spawn_server(settings).await;
    let busy = server.token("busy", &["findings:read"]).await;
    let calm = server.token("calm", &["findings:read"]).await;
    for _ in 0..3 {
        let r = server.get("/api/v1/findings", Some(&busy)).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let limited = server.get("/api/v1/findings", Some(&busy)).await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(
        assert_error(limited, StatusCode::TOO_MANY_REQUESTS).await,
        "rate_limited"
    );
    let other = server.get("/api/v1/findings", Some(&calm)).await;
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "another token has its own budget"
    );
    // Probes are not rate limited: they carry no token.
    for _ in 0..5 {
        assert_eq!(server.get("/healthz", None).await.status(), StatusCode::OK);
    }
    server.stop().await;
}
