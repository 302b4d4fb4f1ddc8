//! Pages', blog posts' and comments' next versions, and new footer comments.

use super::harness::*;

#[tokio::test]
async fn a_document_update_makes_the_next_version_and_a_stale_one_is_a_conflict() {
    for dc in BOTH {
        let site = Site::start(dc).await;
        let c = &site.client;
        let next = PAGE_VERSION + 1;
        let version = c
            .update_document(
                Container::Page,
                PAGE,
                "Deploy Payments Service",
                next,
                "<p>masked</p>",
                "dlp",
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", site.flavor()));
        assert_eq!(version.number, next, "{}", site.flavor());
        let page = c.page(PAGE).await.expect("read back");
        assert_eq!(page.body.storage(), Some("<p>masked</p>"));
        assert_eq!(page.version.map(|v| v.number), Some(next));
        let older = c
            .document_version(Container::Page, PAGE, PAGE_VERSION)
            .await
            .expect("history read")
            .expect("the replaced version is kept");
        assert_ne!(older, "<p>masked</p>");

        let stale = c
            .update_document(
                Container::Page,
                PAGE,
                "Deploy Payments Service",
                next,
                "<p>x</p>",
                "",
            )
            .await;
        assert!(
            matches!(stale, Err(ConfluenceError::Conflict)),
            "{}: {stale:?}",
            site.flavor()
        );
        let missing = c
            .update_document(Container::Page, MISSING, "T", 2, "<p>x</p>", "")
            .await;
        assert!(
            matches!(missing, Err(ConfluenceError::NotFound)),
            "{missing:?}"
        );
        let blog = c
            .update_document(Container::BlogPost, BLOG, "Blog", 2, "<p>b</p>", "")
            .await
            .expect("blog post update");
        assert_eq!(blog.number, 2);
        assert_eq!(site.sim.stats().writes, 2, "refused writes are not counted");
    }
}

#[tokio::test]
async fn a_comment_update_makes_the_next_version() {
    for dc in BOTH {
        let site = Site::start(dc).await;
        let c = &site.client;
        let version = c
            .update_comment(
                FOOTER_COMMENT,
                CommentLocation::Footer,
                2,
                "<p>[redacted]</p>",
                "dlp",
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", site.flavor()));
        assert_eq!(version.number, 2);
        let comment = c.comment(FOOTER_COMMENT).await.expect("read back");
        assert_eq!(comment.body.storage(), Some("<p>[redacted]</p>"));
        assert_eq!(comment.version.map(|v| v.number), Some(2));
        let stale = c
            .update_comment(FOOTER_COMMENT, CommentLocation::Footer, 2, "<p>y</p>", "")
            .await;
        assert!(matches!(stale, Err(ConfluenceError::Conflict)), "{stale:?}");
        let inline = c
            .update_comment(INLINE_COMMENT, CommentLocation::Inline, 2, "<p>i</p>", "")
            .await
            .expect("inline comment update");
        assert_eq!(inline.number, 2);
        let missing = c
            .update_comment(MISSING, CommentLocation::Footer, 2, "<p>x</p>", "")
            .await;
        assert!(
            matches!(missing, Err(ConfluenceError::NotFound)),
            "{missing:?}"
        );
    }
    // Cloud keeps footer and inline comments apart: the wrong location is not found.
    let cloud = Site::start(false).await;
    let wrong = cloud
        .client
        .update_comment(INLINE_COMMENT, CommentLocation::Footer, 2, "<p>x</p>", "")
        .await;
    assert!(matches!(wrong, Err(ConfluenceError::NotFound)), "{wrong:?}");
}

#[tokio::test]
async fn a_footer_comment_is_added_and_listed_with_the_thread() {
    for dc in BOTH {
        let site = Site::start(dc).await;
        let c = &site.client;
        let added = c
            .add_footer_comment(
                Container::Page,
                PAGE,
                "<p>This page held a secret; it was masked.</p>",
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", site.flavor()));
        assert_eq!(added.container_id(), Some(PAGE));
        assert_eq!(added.version.as_ref().map(|v| v.number), Some(1));
        let thread = c
            .thread_comments(Container::Page, PAGE, 1000)
            .await
            .expect("thread");
        assert!(thread.iter().any(|t| t.id == added.id), "{}", site.flavor());
        let on_blog = c
            .add_footer_comment(Container::BlogPost, BLOG, "<p>b</p>")
            .await
            .expect("on a blog post");
        assert_eq!(on_blog.container_id(), Some(BLOG));
        let missing = c
            .add_footer_comment(Container::Page, MISSING, "<p>x</p>")
            .await;
        assert!(
            matches!(missing, Err(ConfluenceError::NotFound)),
            "{missing:?}"
        );
    }
}

#[tokio::test]
async fn a_post_is_not_repeated_after_a_server_error_but_a_put_is() {
    use dlp_simulator::ServerErrorBurst;
    for dc in BOTH {
        let faults = Faults {
            burst_5xx: Some(ServerErrorBurst {
                after_requests: 0,
                count: 1,
                status: 503,
            }),
            ..Faults::default()
        };
        let site = Site::with(dc, faults.clone(), SimulatorAuth::default(), Auth::None).await;
        let post = site
            .client
            .add_footer_comment(Container::Page, PAGE, "<p>once</p>")
            .await;
        assert!(
            matches!(
                post,
                Err(ConfluenceError::Server {
                    status: 503,
                    attempts: 1
                })
            ),
            "{post:?}"
        );
        assert_eq!(site.sim.stats().api_requests, 1);

        let site = Site::with(dc, faults, SimulatorAuth::default(), Auth::None).await;
        let put = site
            .client
            .update_document(Container::Page, PAGE, "T", PAGE_VERSION + 1, "<p>x</p>", "")
            .await;
        assert!(put.is_ok(), "{put:?}");
        assert_eq!(site.sim.stats().api_requests, 2);
    }
}

#[tokio::test]
async fn a_post_is_repeated_after_a_429() {
    for dc in BOTH {
        let faults = Faults {
            every_nth_429: Some(2),
            retry_after_secs: 0,
            ..Faults::default()
        };
        let site = Site::with(dc, faults, SimulatorAuth::default(), Auth::None).await;
        site.client.page(PAGE).await.expect("first request passes");
        let added = site
            .client
            .add_footer_comment(Container::Page, PAGE, "<p>after a 429</p>")
            .await;
        assert!(added.is_ok(), "{added:?}");
        assert_eq!(site.sim.stats().rate_limited, 1);
        assert_eq!(site.sim.stats().writes, 1, "added once");
    }
}

#[tokio::test]
async fn errors_never_quote_bodies_or_credentials() {
    let secret_token = "tok-very-secret-123";
    let site = Site::with(
        false,
        Faults::default(),
        SimulatorAuth::basic("bot@acme-corp.com", secret_token),
        Auth::Basic {
            email: "bot@acme-corp.com".into(),
            api_token: secret_token.to_string().into(),
        },
    )
    .await;
    let body = "<p>4111 1111 1111 1111</p>";
    let err = site
        .client
        .update_document(Container::Page, PAGE, "T", 1, body, "")
        .await
        .expect_err("stale");
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(
            !text.contains("4111") && !text.contains(secret_token),
            "{text}"
        );
    }
}
