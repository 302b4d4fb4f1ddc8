//! Page history as items of their own: which versions were read, under which rules.

use super::*;
use dlp_domain::HistoryDepth;

fn history(page_id: &str, version: u32) -> ContentRef {
    ContentRef {
        content_type: ContentType::History,
        ..page(page_id, version)
    }
}

pub async fn page_history_is_an_item_of_its_own_and_knows_what_is_history_only(
    store: &Store,
    _url: &str,
) {
    // The scan row keeps how far back it reads.
    let id = store
        .create_scan(&NewScan {
            space_key: Some("ENG".into()),
            actor: "alice".into(),
            history: Some(HistoryDepth::All),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store.scan(&id).await.unwrap().history,
        Some(HistoryDepth::All)
    );
    let scan = Scan { store, id };

    // The current body (version 5) holds one value; versions 3 and 4 held it and another.
    let current = page("p1", 5);
    let kept = finding(&current, "aws-access-key-id", "fp-kept", 10);
    classify(&scan, "page:p1@5", &current, [kept.clone()]).await;
    let in_v4 = history("p1", 4);
    let gone = finding(&in_v4, "aws-access-key-id", "fp-gone", 40);
    let kept_in_history = finding(&in_v4, "aws-access-key-id", "fp-kept", 10);
    let result = ItemResult::classified(
        history("p1", 5),
        Some(5),
        RULES,
        vec![gone.clone(), kept_in_history.clone()],
    );
    let summary = record(&scan, "history:p1@5", JobOutcome::Classified, vec![result])
        .await
        .unwrap();
    assert_eq!(summary.opened, 2);
    // Recording the history did not resolve the current body's finding, nor the other way.
    let again = ItemResult::classified(current.clone(), Some(5), RULES, vec![kept.clone()]);
    let summary = record(&scan, "page:p1@5", JobOutcome::Classified, vec![again])
        .await
        .unwrap();
    assert_eq!(summary.resolved, 0);

    let records = listed(store, |f| f.page_id = Some("p1".into())).await;
    let only = |id: &str| {
        records
            .iter()
            .find(|r| r.finding.id == id)
            .unwrap()
            .in_history_only
    };
    assert_eq!(records.len(), 3, "{records:?}");
    assert!(only(&gone.id), "gone from the current body");
    assert!(!only(&kept_in_history.id), "still in the current body");
    assert!(!only(&kept.id), "a current finding is never history-only");
    let history_only = store.scan_findings_in_history_only(&scan.id).await.unwrap();
    assert_eq!(
        history_only,
        std::collections::HashSet::from([gone.id.clone()])
    );
    let mut stored = store.history_findings("p1").await.unwrap();
    stored.sort_by(|a, b| a.id.cmp(&b.id));
    let mut expected = vec![gone.clone(), kept_in_history.clone()];
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(stored, expected, "read back exactly, version included");
    assert_eq!(stored[0].location.page_version, Some(4));

    // The value is removed from the current body: its history finding becomes
    // history-only, read as it is now.
    let edited = page("p1", 6);
    classify(&scan, "page:p1@6", &edited, []).await;
    let records = listed(store, |f| f.page_id = Some("p1".into())).await;
    let open_only: Vec<bool> = records
        .iter()
        .filter(|r| r.status == FindingStatus::Open)
        .map(|r| r.in_history_only)
        .collect();
    assert_eq!(open_only, vec![true, true], "{records:?}");

    // Versions read, by rule pack.
    assert!(
        store
            .classified_history_versions("p1", RULES)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .mark_history_versions("p1", &[3, 4], RULES)
        .await
        .unwrap();
    store
        .mark_history_versions("p1", &[4, 5], RULES)
        .await
        .unwrap();
    let read = store
        .classified_history_versions("p1", RULES)
        .await
        .unwrap();
    assert_eq!(read, std::collections::HashSet::from([3, 4, 5]));
    assert!(
        store
            .classified_history_versions("p1", "rules-v2")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .classified_history_versions("p2", RULES)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .mark_history_versions("p1", &[4], "rules-v2")
        .await
        .unwrap();
    let v2 = store
        .classified_history_versions("p1", "rules-v2")
        .await
        .unwrap();
    assert_eq!(v2, std::collections::HashSet::from([4]));
}
