//! What stands in front of the content: downloads, credentials, injected faults, errors.

use super::harness::*;

#[tokio::test]
async fn downloads_redirect_to_a_media_host_that_needs_no_credentials() {
    let sim = Sim::start(SimulatorAuth::basic(EMAIL, TOKEN), Faults::default()).await;
    let auth = basic(EMAIL, TOKEN);
    let id = &sample_ids("attachments", |a| a["title"] == "dev.env")[0];
    let meta: Value = sim
        .send(&format!("/wiki/api/v2/attachments/{id}"), Some(&auth))
        .await
        .json()
        .await
        .expect("json");
    let base = meta["_links"]["base"].as_str().expect("base");
    let download = format!("{base}{}", meta["downloadLink"].as_str().expect("link"));
    assert_eq!(
        sim.status(&download, None).await,
        StatusCode::UNAUTHORIZED,
        "the site itself needs credentials"
    );

    let redirect = sim.send(&download, Some(&auth)).await;
    assert_eq!(redirect.status(), StatusCode::FOUND);
    let location = redirect.headers()[LOCATION]
        .to_str()
        .expect("ascii")
        .to_string();
    let media = reqwest::Url::parse(&location).expect("absolute URL");
    assert_ne!(
        media.port(),
        sim.handle.site_url().port(),
        "a different origin"
    );
    assert!(media.query_pairs().any(|(k, _)| k == "token"));

    let bytes = sim
        .send(&location, None)
        .await
        .bytes()
        .await
        .expect("bytes");
    let on_disk =
        std::fs::read(space_dir().join(format!("attachments/files/{id}/dev.env"))).expect("file");
    assert_eq!(bytes.as_ref(), on_disk.as_slice());
    let forged = location.replace("token=", "token=x");
    assert_eq!(sim.status(&forged, None).await, StatusCode::FORBIDDEN);

    // reqwest drops Authorization on a cross-origin redirect, so a client that follows it is safe.
    let followed = reqwest::Client::new()
        .get(&download)
        .header(AUTHORIZATION, &auth)
        .send()
        .await
        .expect("request");
    assert_eq!(
        followed.bytes().await.expect("bytes").as_ref(),
        on_disk.as_slice()
    );

    let stats = sim.handle.stats();
    assert_eq!(
        (
            stats.download_redirects,
            stats.media_downloads,
            stats.media_rejected
        ),
        (2, 2, 1)
    );
    assert!(!stats.media_saw_authorization);
    // The flag can fail: a client that forwards credentials is recorded.
    sim.send(&location, Some(&auth)).await;
    assert!(sim.handle.stats().media_saw_authorization);
}

#[tokio::test]
async fn credentials_are_required_when_configured() {
    let both = SimulatorAuth {
        basic: Some((EMAIL.into(), TOKEN.into())),
        bearer: Some("pat-123".into()),
    };
    let sim = Sim::start(both, Faults::default()).await;
    let spaces = "/wiki/api/v2/spaces";
    let missing = sim.get(spaces).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_cloud_error(&missing.json().await.expect("json"), 401, "UNAUTHORIZED");
    assert_eq!(
        sim.status(spaces, Some(&basic(EMAIL, "nope"))).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sim.status(spaces, Some(&basic(EMAIL, TOKEN))).await,
        StatusCode::OK
    );
    assert_eq!(
        sim.status(spaces, Some("Bearer pat-123")).await,
        StatusCode::OK
    );
    let unknown = sim.status("/wiki/api/v2/nothing-here", None).await;
    assert_eq!(
        unknown,
        StatusCode::UNAUTHORIZED,
        "credentials are checked before routing answers"
    );
    assert_eq!(sim.handle.stats().unauthorized, 3);
}

#[tokio::test]
async fn every_nth_request_is_rate_limited_with_cloud_headers() {
    let faults = Faults {
        every_nth_429: Some(3),
        retry_after_secs: 0,
        ..Faults::default()
    };
    let sim = Sim::start(SimulatorAuth::default(), faults).await;
    let mut statuses = vec![];
    for _ in 0..6 {
        let response = sim.get("/wiki/api/v2/spaces").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let h = response.headers();
            assert_eq!(h["retry-after"], "0");
            assert_eq!(h["x-ratelimit-remaining"], "0");
            assert!(h.contains_key("x-ratelimit-limit") && h.contains_key("x-ratelimit-reset"));
            assert_eq!(h["ratelimit-reason"], "confluence-burst-based");
            assert_cloud_error(
                &response.json().await.expect("json"),
                429,
                "TOO_MANY_REQUESTS",
            );
            statuses.push(429);
        } else {
            statuses.push(response.status().as_u16());
        }
    }
    assert_eq!(statuses, vec![200, 200, 429, 200, 200, 429]);
    let stats = sim.handle.stats();
    assert_eq!((stats.api_requests, stats.rate_limited), (6, 2));
}

#[tokio::test]
async fn a_burst_of_server_errors_ends_after_its_count() {
    let burst = ServerErrorBurst {
        after_requests: 2,
        count: 2,
        status: 503,
    };
    let sim = Sim::start(
        SimulatorAuth::default(),
        Faults {
            burst_5xx: Some(burst),
            ..Faults::default()
        },
    )
    .await;
    let mut statuses = vec![];
    for _ in 0..5 {
        statuses.push(
            sim.get("/wiki/api/v2/spaces?keys=ENG")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, vec![200, 200, 503, 503, 200]);
    assert_eq!(sim.handle.stats().server_errors, 2);
}

#[tokio::test]
async fn missing_content_answers_cloud_errors() {
    let sim = Sim::open().await;
    for path in [
        "/wiki/api/v2/pages/999999999",
        "/wiki/api/v2/spaces/1",
        "/wiki/api/v2/attachments/att1",
        "/wiki/api/v2/no/such/route",
    ] {
        let response = sim.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_cloud_error(&response.json().await.expect("json"), 404, "NOT_FOUND");
    }
    let blog = &sample_ids("blogposts", |_| true)[0];
    assert_eq!(
        sim.get(&format!("/wiki/api/v2/pages/{blog}"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "a blog post is not a page"
    );
    let bad_id = sim.get("/wiki/api/v2/pages/not-a-number").await;
    assert_eq!(bad_id.status(), StatusCode::BAD_REQUEST);
    assert_cloud_error(
        &bad_id.json().await.expect("json"),
        400,
        "INVALID_REQUEST_PARAMETER",
    );
}

#[tokio::test]
async fn a_missing_or_malformed_sample_dir_is_a_clear_error() {
    let missing = SimulatorConfig::new("/nonexistent/confluence-samples");
    let error = spawn(missing, "127.0.0.1:0".parse().expect("addr"))
        .await
        .err()
        .expect("refused");
    assert!(
        error
            .to_string()
            .contains("/nonexistent/confluence-samples"),
        "{error}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("space.json"), "{not json").expect("write");
    let error = spawn(
        SimulatorConfig::new(dir.path()),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .err()
    .expect("refused");
    assert!(error.to_string().contains("space.json"), "{error}");
}

fn with_quota(points: u64, window: Duration) -> SimulatorConfig {
    SimulatorConfig {
        root: samples(),
        auth: SimulatorAuth::default(),
        faults: Faults::default(),
        latency: Duration::ZERO,
        quota: Some(Quota { points, window }),
        flavor: dlp_simulator::Flavor::Cloud,
    }
}

#[tokio::test]
async fn the_points_quota_charges_calls_and_objects_and_refuses_when_spent() {
    let sim = Sim::with(with_quota(30, Duration::from_secs(60))).await;
    // One space returned: 1 point for the call, 1 for the object.
    let first = sim.get("/wiki/api/v2/spaces?keys=ENG").await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["x-ratelimit-limit"], "30");
    assert_eq!(first.headers()["x-ratelimit-remaining"], "28");
    assert_eq!(first.headers()["x-ratelimit-nearlimit"], "false");
    assert!(first.headers().contains_key("x-ratelimit-reset"));
    let space = sim.space_id().await; // 2 more
    // Five pages: 6 points a call. A call is let through while any point is left, as on
    // Cloud, so the fifth overdraws and the sixth is refused.
    let mut statuses = vec![];
    let mut remaining = vec![];
    for _ in 0..6 {
        let response = sim
            .get(&format!("/wiki/api/v2/spaces/{space}/pages?limit=5"))
            .await;
        statuses.push(response.status().as_u16());
        remaining.push(
            response.headers()["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let h = response.headers();
            assert_eq!(h["ratelimit-reason"], "confluence-quota-tenant-based");
            let wait: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
        }
    }
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 429]);
    assert_eq!(remaining, vec!["20", "14", "8", "2", "0", "0"]);
    assert_eq!(sim.handle.stats().rate_limited, 1);
}

#[tokio::test]
async fn a_client_near_the_quota_slows_down_instead_of_being_refused() {
    let window = Duration::from_secs(2);
    let sim = Sim::with(with_quota(40, window)).await;
    let client = dlp_confluence::ConfluenceClient::new(dlp_confluence::ClientConfig::new(
        sim.site.parse().unwrap(),
        dlp_confluence::Auth::None,
    ))
    .unwrap();
    let pages = sample_ids("pages", |p| p["status"] == "current");
    let start = std::time::Instant::now();
    // 30 single reads at 2 points each: half again the window's 40 points.
    for id in pages.iter().cycle().take(30) {
        client.page(id).await.expect("every read succeeds");
    }
    let stats = sim.handle.stats();
    assert_eq!(
        stats.rate_limited, 0,
        "the client spread its last points over the window and waited for the next"
    );
    assert_eq!(stats.api_requests, 30);
    assert!(
        start.elapsed() >= window,
        "60 points at 40 a window take more than one window: {:?}",
        start.elapsed()
    );
}
