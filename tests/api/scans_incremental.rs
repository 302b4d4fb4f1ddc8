//! An incremental crawl: one CQL search names what changed in a space since a time, and
//! exactly those items are crawled.

use std::collections::BTreeSet;

use crate::common::*;

/// An incremental crawl from a time between the sample space's edits: one CQL search names
/// what changed since then (checked against the v2 listing), and exactly those items are
/// crawled, with two requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_crawl_takes_what_changed_since_and_nothing_else() {
    use confluence_dlp::ingest::Crawler;
    use dlp_confluence::Content;

    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let app = confluence_dlp::app::App::build(settings(dir.path(), &sim.site_url()))
        .await
        .unwrap();
    let client = app.confluence.clone().unwrap();
    let space = client.space_by_key("ENG").await.unwrap();
    let mut pages = Vec::new();
    let mut list = client.pages_in_space(&space.id);
    while let Some(batch) = list.next_page().await.unwrap() {
        pages.extend(batch);
    }
    let mut edited: Vec<_> = pages
        .iter()
        .filter_map(|p| p.version.as_ref()?.created_at)
        .collect();
    edited.sort();
    let since = edited[edited.len() / 2];
    let minute = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();

    // The one search an incremental crawl makes: what it names as changed.
    let mut search = client.space_changes(&space, since);
    let mut cql_pages = BTreeSet::new();
    let mut changed: std::collections::BTreeMap<&str, u64> = Default::default();
    while let Some(batch) = search.next_page().await.unwrap() {
        for hit in batch {
            let kind = match hit {
                Content::Page(p) => {
                    cql_pages.insert(p.id);
                    "page"
                }
                Content::BlogPost(_) => "blogpost",
                Content::Comment(_) => "comment",
                Content::Attachment(_) => "attachment",
            };
            *changed.entry(kind).or_default() += 1;
        }
    }
    // CQL's answer agrees with the v2 listing for pages.
    let v2_pages: BTreeSet<String> = pages
        .iter()
        .filter(|p| p.status.as_deref() == Some("current"))
        .filter(|p| {
            p.version
                .as_ref()
                .and_then(|v| v.created_at)
                .is_some_and(|t| minute(t) >= minute(since))
        })
        .map(|p| p.id.clone())
        .collect();
    assert_eq!(cql_pages, v2_pages);
    assert!(!v2_pages.is_empty() && v2_pages.len() < pages.len());

    // What the crawl enqueues: each item CQL names as changed, nothing else.
    let count = |kind: &str| changed.get(kind).copied().unwrap_or(0);
    let scan_id = app
        .store
        .create_scan(&dlp_store::NewScan {
            space_key: Some("ENG".into()),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let crawler = Crawler {
        client: &client,
        store: &app.store,
        queue: &app.queue,
        sealer: &app.workers.sealer,
        max_attempts: 1,
        history: None,
    };
    let requests_before = client.request_count();
    let stats = crawler.crawl_changes(&scan_id, "ENG", since).await.unwrap();
    assert_eq!(
        (
            stats.pages,
            stats.blog_posts,
            stats.comments,
            stats.attachments
        ),
        (
            count("page"),
            count("blogpost"),
            count("comment"),
            count("attachment")
        ),
        "{changed:?}"
    );
    let progress = app.store.scan_progress(&scan_id).await.unwrap();
    assert_eq!(progress.total, stats.jobs);
    assert!(
        (stats.pages as usize) < pages.len(),
        "the crawl was not incremental"
    );
    // The space, then one search with the bodies, 50 to a call: no read per changed item.
    let changed_items: u64 = changed.values().sum();
    assert_eq!(
        client.request_count() - requests_before,
        1 + changed_items
            .div_ceil(u64::from(dlp_confluence::CQL_BODY_LIMIT))
            .max(1)
    );
    app.close().await;
}
