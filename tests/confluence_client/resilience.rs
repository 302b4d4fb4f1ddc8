//! Resilience.

use super::peer::*;

#[tokio::test]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    let peer = Peer::spawn(|_, n| match n {
        0 => with_header(
            with_header(status(429), "retry-after", "1"),
            "ratelimit-reason",
            "confluence-burst-based",
        ),
        _ => json_response(page_json("1", "<p>x</p>")),
    })
    .await;
    let client = client(config(&peer.url()));
    let start = Instant::now();
    let page = client.page("1").await.unwrap();
    assert_eq!(page.id, "1");
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(client.request_count(), 2, "the 429 attempt is counted");
}

/// The cool-down a 429 imposes holds back every clone, not only the request that was told.
#[tokio::test]
async fn rate_limit_cool_down_is_shared_by_clones() {
    let peer = Peer::spawn(|req, n| match (req.path.as_str(), n) {
        ("/wiki/api/v2/pages/1", 0) => with_header(status(429), "retry-after", "1"),
        _ => json_response(page_json("1", "")),
    })
    .await;
    let client = client(config(&peer.url()));
    let start = Instant::now();
    let told = tokio::spawn({
        let client = client.clone();
        async move { client.page("1").await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let other = client.clone();
    other.blog_post("2").await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "the clone waited: {:?}",
        start.elapsed()
    );
    told.await.unwrap().unwrap();
}

#[tokio::test]
async fn rate_limit_exhausted_or_too_long_is_a_typed_error() {
    let peer = Peer::spawn(|req, _| match req.path.as_str() {
        "/wiki/api/v2/pages/1" => with_header(status(429), "retry-after", "0"),
        _ => with_header(status(429), "retry-after", "3600"),
    })
    .await;
    let mut cfg = config(&peer.url());
    cfg.max_retries = 2;
    let client = client(cfg);
    let err = client.page("1").await.unwrap_err();
    assert!(
        matches!(err, ConfluenceError::RateLimited { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(client.request_count(), 3);

    let start = Instant::now();
    let err = client.page("2").await.unwrap_err();
    assert!(
        matches!(err, ConfluenceError::RateLimited { attempts: 1, retry_after: Some(d) } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "an hour-long Retry-After is not waited out"
    );
}

#[tokio::test]
async fn server_error_burst_is_retried_until_success() {
    let peer = Peer::spawn(|_, n| {
        if n < 3 {
            status(503)
        } else {
            json_response(page_json("1", ""))
        }
    })
    .await;
    let mut cfg = config(&peer.url());
    cfg.max_retries = 3;
    let client = client(cfg);
    assert_eq!(client.page("1").await.unwrap().id, "1");
    assert_eq!(client.request_count(), 4, "every attempt counts");
    assert_eq!(peer.requests().len(), 4);
}

#[tokio::test]
async fn server_errors_exhausting_retries_yield_the_typed_error() {
    let peer = Peer::spawn(|_, _| status(503)).await;
    let mut cfg = config(&peer.url());
    cfg.max_retries = 2;
    let client = client(cfg);
    let err = client.page("1").await.unwrap_err();
    assert!(
        matches!(
            err,
            ConfluenceError::Server {
                status: 503,
                attempts: 3
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.request_count(), 3);
}

#[tokio::test]
async fn client_errors_fail_fast_without_retry() {
    let peer = Peer::spawn(|req, _| match req.path.as_str() {
        "/wiki/api/v2/pages/1" => status(404),
        "/wiki/api/v2/pages/2" => status(401),
        "/wiki/api/v2/pages/3" => status(403),
        _ => status(400),
    })
    .await;
    let mut cfg = config(&peer.url());
    cfg.max_retries = 5;
    let client = client(cfg);
    assert!(matches!(
        client.page("1").await,
        Err(ConfluenceError::NotFound)
    ));
    // No credentials given: the 401 says which to set, not that they were wrong.
    let anonymous = client.page("2").await.unwrap_err();
    assert!(
        matches!(anonymous, ConfluenceError::CredentialsRequired),
        "{anonymous:?}"
    );
    assert!(anonymous.to_string().contains("none were given"));
    let mut with_token = config(&peer.url());
    with_token.auth = Auth::Bearer {
        token: "wrong-pat".to_string().into(),
    };
    // A bearer token alone would be taken for Data Center's; this peer answers v2.
    with_token.flavor = Some(dlp_confluence::Flavor::Cloud);
    let rejected = ConfluenceClient::new(with_token)
        .unwrap()
        .page("2")
        .await
        .unwrap_err();
    assert!(
        matches!(rejected, ConfluenceError::Unauthorized),
        "{rejected:?}"
    );
    assert!(!rejected.to_string().contains("wrong-pat"));
    assert!(matches!(
        client.page("3").await,
        Err(ConfluenceError::Forbidden)
    ));
    assert!(matches!(
        client.page("4").await,
        Err(ConfluenceError::UnexpectedStatus { status: 400 })
    ));
    assert_eq!(client.request_count(), 4, "one attempt each");
}

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let slow_first = Peer::spawn(|_, n| {
        let response = json_response(page_json("1", ""));
        if n == 0 {
            delayed(response, 400)
        } else {
            response
        }
    })
    .await;
    let mut cfg = config(&slow_first.url());
    cfg.request_timeout = Duration::from_millis(150);
    let client = client(cfg.clone());
    assert_eq!(client.page("1").await.unwrap().id, "1");
    assert_eq!(client.request_count(), 2);

    let always_slow = Peer::spawn(|_, _| delayed(json_response(page_json("1", "")), 300)).await;
    cfg.site = always_slow.url().parse().unwrap();
    cfg.max_retries = 1;
    let err = ConfluenceClient::new(cfg)
        .unwrap()
        .page("1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConfluenceError::Timeout { attempts: 2 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn request_budget_spaces_requests_across_clones() {
    let peer = Peer::spawn(|_, _| json_response(page_json("1", ""))).await;
    let mut cfg = config(&peer.url());
    cfg.max_requests_per_sec = Some(10.0);
    let client = client(cfg);
    let start = Instant::now();
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.page("1").await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // 5 requests at 10/s: (5 - 1) / 10 = 0.4 s at least.
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(client.request_count(), 5);
}
