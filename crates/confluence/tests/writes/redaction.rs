//! Native redaction (Cloud with Atlassian Guard Premium): ADF read, ranges redacted in a new
//! version, the licence refusal told apart, bad pointers, stale versions, history cleaned.

use dlp_confluence::NativeRedaction;
use serde_json::Value;

use super::harness::*;

/// Page 66269 holds an AWS access key id in a paragraph, at version 2.
const KEYED: &str = "66269";
const KEY: &str = "AKIAWKB3C76UKPUNM2UW";
/// What the simulator puts where text was redacted.
const BAR: &str = "█████";

/// The JSON pointer of the first text node holding `needle`, and the needle's UTF-16 range.
fn find(node: &Value, at: &str, needle: &str) -> Option<(String, usize, usize)> {
    if node["type"] == "text" {
        let text = node["text"].as_str()?;
        let start = text.find(needle)?;
        let from = text[..start].encode_utf16().count();
        return Some((at.to_owned(), from, from + needle.encode_utf16().count()));
    }
    let children = node["content"].as_array()?;
    children
        .iter()
        .enumerate()
        .find_map(|(n, child)| find(child, &format!("{at}/content/{n}"), needle))
}

fn redaction(pointer: &str, from: usize, to: usize) -> NativeRedaction {
    NativeRedaction {
        pointer: pointer.into(),
        from,
        to,
        reason: Some("test".into()),
    }
}

#[tokio::test]
async fn a_range_of_a_text_node_is_redacted_in_a_new_version() {
    let site = Site::start(false).await;
    site.sim.set_guard_premium(true);
    let c = &site.client;
    let (version, adf) = c.page_adf(Container::Page, KEYED).await.expect("ADF");
    assert_eq!(adf["type"], "doc");
    assert_eq!(version.number, 2);
    let (pointer, from, to) = find(&adf, "", KEY).expect("the key is in a text node");
    let applied = c
        .redact_native(
            Container::Page,
            KEYED,
            &version,
            &[redaction(&pointer, from, to)],
            false,
        )
        .await
        .expect("redacted");
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].pointer, pointer);
    let id = applied[0]
        .redaction_id
        .as_deref()
        .expect("an id to restore");
    assert!(uuid_like(id), "{id}");

    let page = c.page(KEYED).await.expect("read back");
    let storage = page.body.storage().unwrap_or_default();
    assert!(!storage.contains(KEY));
    assert!(storage.contains(&format!("public gist</ac:inline-comment-marker>: {BAR}.")));
    let v = page.version.expect("version");
    assert_eq!(v.number, 3);
    assert!(
        v.message.to_lowercase().contains("redacted"),
        "{}",
        v.message
    );
    let (_, after) = c.page_adf(Container::Page, KEYED).await.expect("ADF");
    assert!(find(&after, "", KEY).is_none());
    assert!(find(&after, "", BAR).is_some());
    // Without cleanHistory the version before keeps the value, as on Cloud.
    let older = c
        .document_version(Container::Page, KEYED, 2)
        .await
        .expect("history")
        .expect("kept");
    assert!(older.contains(KEY));
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn without_guard_premium_it_is_not_licensed_and_nothing_changes() {
    let site = Site::start(false).await;
    let c = &site.client;
    let (version, adf) = c.page_adf(Container::Page, KEYED).await.expect("ADF");
    let (pointer, from, to) = find(&adf, "", KEY).expect("key");
    let before = site.sim.state_digest();
    let refused = c
        .redact_native(
            Container::Page,
            KEYED,
            &version,
            &[redaction(&pointer, from, to)],
            false,
        )
        .await;
    assert!(
        matches!(refused, Err(ConfluenceError::NotLicensed { .. })),
        "{refused:?}"
    );
    assert_eq!(site.sim.state_digest(), before);
}

#[tokio::test]
async fn bad_pointers_and_offsets_are_refused() {
    let site = Site::start(false).await;
    site.sim.set_guard_premium(true);
    let c = &site.client;
    let (version, adf) = c.page_adf(Container::Page, KEYED).await.expect("ADF");
    let (pointer, _, to) = find(&adf, "", KEY).expect("key");
    let before = site.sim.state_digest();
    for bad in [
        redaction("/content/99/content/0", 0, 1),
        // A paragraph, not a text node.
        redaction("/content/1", 0, 1),
        redaction(&pointer, to, to + 10_000),
        redaction(&pointer, 5, 2),
    ] {
        let refused = c
            .redact_native(
                Container::Page,
                KEYED,
                &version,
                std::slice::from_ref(&bad),
                false,
            )
            .await;
        assert!(
            matches!(refused, Err(ConfluenceError::BadRequest)),
            "{bad:?}: {refused:?}"
        );
    }
    assert_eq!(site.sim.state_digest(), before);
}

#[tokio::test]
async fn a_stale_version_is_a_conflict() {
    let site = Site::start(false).await;
    site.sim.set_guard_premium(true);
    let c = &site.client;
    let (version, adf) = c.page_adf(Container::Page, KEYED).await.expect("ADF");
    let (pointer, from, to) = find(&adf, "", KEY).expect("key");
    let page = c.page(KEYED).await.expect("page");
    let storage = page.body.storage().unwrap_or_default().to_owned();
    c.update_document(Container::Page, KEYED, &page.title, 3, &storage, "edit")
        .await
        .expect("someone edits");
    let stale = c
        .redact_native(
            Container::Page,
            KEYED,
            &version,
            &[redaction(&pointer, from, to)],
            false,
        )
        .await;
    assert!(matches!(stale, Err(ConfluenceError::Conflict)), "{stale:?}");
}

#[tokio::test]
async fn clean_history_deletes_the_versions_that_held_the_text() {
    let site = Site::start(false).await;
    site.sim.set_guard_premium(true);
    let c = &site.client;
    let page = c.page(KEYED).await.expect("page");
    let storage = page.body.storage().unwrap_or_default().to_owned();
    c.update_document(
        Container::Page,
        KEYED,
        &page.title,
        3,
        &format!("{storage}<p>later</p>"),
        "edit",
    )
    .await
    .expect("a later version");
    let (version, adf) = c.page_adf(Container::Page, KEYED).await.expect("ADF");
    assert_eq!(version.number, 3);
    let (pointer, from, to) = find(&adf, "", KEY).expect("key");
    c.redact_native(
        Container::Page,
        KEYED,
        &version,
        &[redaction(&pointer, from, to)],
        true,
    )
    .await
    .expect("redacted");
    for old in [2, 3] {
        let held = c
            .document_version(Container::Page, KEYED, old)
            .await
            .expect("history read");
        assert!(held.is_none(), "version {old} held the key and is gone");
    }
    let page = c.page(KEYED).await.expect("page");
    assert_eq!(page.version.map(|v| v.number), Some(4));
}

#[tokio::test]
async fn data_center_has_no_native_redaction_and_no_request_is_made() {
    let site = Site::start(true).await;
    let c = &site.client;
    let before = site.sim.stats();
    let adf = c.page_adf(Container::Page, KEYED).await;
    assert!(
        matches!(adf, Err(ConfluenceError::Unsupported { .. })),
        "{adf:?}"
    );
    let version = dlp_confluence::Version::default();
    let redacted = c
        .redact_native(Container::Page, KEYED, &version, &[], false)
        .await;
    assert!(
        matches!(redacted, Err(ConfluenceError::Unsupported { .. })),
        "{redacted:?}"
    );
    assert_eq!(site.sim.stats().api_requests, before.api_requests);
}
