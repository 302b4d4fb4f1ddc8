//! One function per behaviour of the store; each gets a fresh, migrated store and the URL it
//! came from, and runs on both backends (`on_both_backends!` in `tests/store.rs`).

use super::*;

pub async fn migrations_are_idempotent(store: &Store, url: &str) {
    let backend = if url.starts_with("sqlite") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    assert_eq!(store.backend(), backend);
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    let scan = Scan::start(store).await;
    let again = Store::connect(url).await.unwrap();
    let status = again.scan(&scan.id).await.unwrap().status;
    assert_eq!(status, ScanStatus::Running);
    again.close().await;
}

pub async fn findings_round_trip_exactly(store: &Store, _url: &str) {
    let scan = Scan::start(store).await;
    let att = attachment("123", "att9");
    let origin = SegmentOrigin {
        path: Some("exports.zip/customers.xlsx".into()),
        sheet: Some("Q3 ünïcode".into()),
        cell: Some("B17".into()),
        pdf_page: Some(3),
        region: Some(Region {
            left: 24,
            top: 104,
            width: 572,
            height: 31,
        }),
    };
    let at = Location::new(&att, &origin, 42, 1_234_567, 1_234_583);
    let mut full = finding_at(at, "visa", "ab12cd34");
    full.confidence = 0.123_456_789_012_345_6;
    full.severity = Severity::Critical;
    let mut bare = finding(&page("123", 4), "aws-access-key-id", "ff00ee11", 0);
    bare.location.page_version = None;
    (bare.location.line, bare.location.start, bare.location.end) = (None, None, None);
    bare.id = Finding::stable_id(&bare.detector, &bare.fingerprint, &bare.location);
    classify(&scan, "attachment:att9@1", &att, [full.clone()]).await;
    let body = ItemResult::classified(page("123", 4), None, RULES, vec![bare.clone()]);
    let recorded = record(&scan, "page:123@4", JobOutcome::Classified, vec![body]);
    recorded.await.unwrap();

    let mut expected = vec![full, bare];
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(all_findings(store, None).await, expected);
    for r in listed(store, |_| ()).await {
        assert_eq!((r.status, r.resolved_at), (FindingStatus::Open, None));
        assert_eq!(r.last_scan_id.as_deref(), Some(scan.id.as_str()));
    }
    assert_eq!(scan.findings().await.len(), 2);
}

pub async fn upsert_keeps_first_seen_and_moves_the_rest(store: &Store, _url: &str) {
    let scan = Scan::start(store).await;
    let v4 = finding(&page("123", 4), "visa", "fp-1111", 340);
    let s = classify(&scan, "page:123@4", &page("123", 4), [v4.clone()]).await;
    assert_eq!(
        [s.opened, s.reopened, s.resolved, s.classified_items],
        [1, 0, 0, 1]
    );
    let before = listed(store, |_| ()).await.remove(0);
    tokio::time::sleep(Duration::from_millis(15)).await;

    let v5 = finding(&page("123", 5), "visa", "fp-1111", 400);
    assert_eq!(v5.id, v4.id, "an edit that moves a value keeps it");
    let s = classify(&scan, "page:123@5", &page("123", 5), [v5.clone()]).await;
    assert_eq!((s.opened, s.reopened, s.resolved), (0, 0, 0));
    let rows = listed(store, |_| ()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].finding, v5);
    let moved = &rows[0].finding.location;
    assert_eq!((moved.start, moved.page_version), (Some(400), Some(5)));
    assert_eq!(rows[0].first_seen_at, before.first_seen_at);
    assert!(rows[0].last_seen_at > before.last_seen_at);
}

pub async fn a_missing_value_is_resolved_and_reopened_when_back(store: &Store, _url: &str) {
    let scan = Scan::start(store).await;
    let a = finding(&page("7", 1), "visa", "fp-aaaa", 10);
    let b = finding(&page("7", 1), "aws-access-key-id", "fp-bbbb", 90);
    classify(&scan, "page:7@1", &page("7", 1), [a.clone(), b.clone()]).await;
    // Another item's finding must not be touched by page 7's classifications.
    let note = comment("7", "c1");
    let other = finding(&note, "visa", "fp-cccc", 0);
    classify(&scan, "comments:page:7", &note, [other.clone()]).await;

    let s = classify(&scan, "page:7@2", &page("7", 2), [a.clone()]).await;
    assert_eq!((s.opened, s.resolved), (0, 1));
    let resolved = listed(store, |f| f.status = Some(FindingStatus::Resolved)).await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].finding.id, b.id);
    assert!(resolved[0].resolved_at.is_some());
    let open: Vec<String> = scan.findings().await.into_iter().map(|f| f.id).collect();
    assert!(open.contains(&a.id) && open.contains(&other.id) && !open.contains(&b.id));

    let s = classify(&scan, "page:7@3", &page("7", 3), [a.clone(), b.clone()]).await;
    assert_eq!((s.opened, s.reopened, s.resolved), (0, 1, 0));
    let records = listed(store, |_| ()).await;
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.status == FindingStatus::Open));
    assert!(records.iter().all(|r| r.resolved_at.is_none()));
}

/// A crawl run again pushes the job of an item registered before but still without an
/// outcome, and only of such an item.
pub async fn registering_again_asks_for_the_job_only_while_it_has_no_outcome(
    store: &Store,
    _url: &str,
) {
    let scan = Scan::start(store).await;
    let register = |key: &'static str| store.register_item(&scan.id, key, "label");
    assert!(register("page:1@1").await.unwrap(), "a new item");
    assert!(
        register("page:1@1").await.unwrap(),
        "registered, no outcome yet"
    );
    end_job(&scan, "page:1@1", failed("HTTP 503")).await;
    assert!(!register("page:1@1").await.unwrap(), "it has an outcome");
    let p = scan.progress().await;
    assert_eq!((p.total, p.queued, p.failed), (1, 0, 1));
}

pub async fn progress_counts_each_job_once(store: &Store, _url: &str) {
    let scan = Scan::start(store).await;
    for key in ["page:1@1", "page:2@1", "attachment:att3@1"] {
        assert!(enqueue(&scan, key).await, "{key}");
    }
    assert!(
        !enqueue(&scan, "page:1@1").await,
        "enqueueing again adds nothing"
    );
    let p = scan.progress().await;
    assert_eq!((p.total, p.queued, p.done), (3, 3, 0));

    end_job(&scan, "page:1@1", failed("HTTP 503")).await;
    assert_eq!(scan.progress().await.failed, 1);
    classify(&scan, "page:1@1", &page("1", 1), []).await;
    let twice = [finding(&page("2", 1), "visa", "fp-2222", 0)];
    classify(&scan, "page:2@1", &page("2", 1), twice.clone()).await;
    classify(&scan, "page:2@1", &page("2", 1), twice.clone()).await;
    let no_text = not_extracted("PDF has no text layer");
    end_job(&scan, "attachment:att3@1", no_text).await;
    // A late failure of a duplicate delivery does not undo the success, nor does a
    // duplicate that finds the item already classified (it did nothing new).
    end_job(&scan, "page:2@1", failed("HTTP 503")).await;
    end_job(&scan, "page:2@1", JobOutcome::Unchanged).await;
    end_job(&scan, "attachment:att3@1", JobOutcome::Unchanged).await;

    let p = scan.progress().await;
    assert_eq!([p.total, p.queued, p.done, p.failed], [3, 0, 2, 0]);
    assert_eq!([p.not_extracted, p.unchanged], [1, 0]);
    assert_eq!([p.finished(), p.open_findings], [3, 1]);
    assert_eq!(all_findings(store, None).await.len(), 1);

    let id = uuid::Uuid::new_v4().to_string();
    let gone = Scan { store, id };
    let enqueued = store.enqueue_item(&gone.id, "page:1@1", "x").await;
    assert!(unknown_scan(enqueued));
    let recorded = record(&gone, "page:1@1", JobOutcome::Unchanged, vec![]).await;
    assert!(unknown_scan(recorded));
    assert!(unknown_scan(store.scan_progress(&gone.id).await));
}

pub async fn is_current_by_version_and_digest(store: &Store, _url: &str) {
    let scan = Scan::start(store).await;
    let current = |ct, version, digest| store.is_current(ct, "9", version, digest);
    assert!(!current(ContentType::Page, 4, RULES).await.unwrap());
    let v4 = finding(&page("9", 4), "visa", "fp-9999", 5);
    classify(&scan, "page:9@4", &page("9", 4), [v4.clone()]).await;
    assert!(current(ContentType::Page, 4, RULES).await.unwrap());
    assert!(!current(ContentType::Page, 5, RULES).await.unwrap());
    assert!(!current(ContentType::Page, 4, "rules-v2").await.unwrap());
    assert!(!current(ContentType::Comment, 4, RULES).await.unwrap());

    // A retry of version 3 arriving late neither resolves v4's finding nor rewinds state.
    let s = classify(&scan, "page:9@3", &page("9", 3), []).await;
    assert_eq!((s.skipped_items, s.classified_items, s.resolved), (1, 0, 0));
    assert!(current(ContentType::Page, 4, RULES).await.unwrap());
    assert_eq!(all_findings(store, Some(FindingStatus::Open)).await, [v4]);
}

pub async fn scan_findings_cover_unchanged_items_of_a_rescan(store: &Store, _url: &str) {
    let first = Scan::start(store).await;
    let (body, note, file) = (page("50", 2), comment("50", "c5"), attachment("50", "att5"));
    let jobs = [
        ("page:50@2", &body, finding(&body, "visa", "fp-body", 100)),
        (
            "comments:page:50",
            &note,
            finding(&note, "visa", "fp-note", 0),
        ),
        (
            "attachment:att5@1",
            &file,
            finding(&file, "aws-key", "fp-file", 0),
        ),
    ];
    for (key, item, found) in &jobs {
        classify(&first, key, item, [found.clone()]).await;
    }
    let elsewhere = finding(&page("60", 1), "visa", "fp-else", 0);
    classify(&first, "page:60@1", &page("60", 1), [elsewhere]).await;

    let second = Scan::start(store).await;
    for (key, item, _) in &jobs {
        enqueue(&second, key).await;
        let unchanged = ItemResult::unchanged((*item).clone(), item.page_version, RULES);
        let s = record(&second, key, JobOutcome::Unchanged, vec![unchanged])
            .await
            .unwrap();
        assert_eq!((s.skipped_items, s.opened, s.resolved), (1, 0, 0));
    }
    // Ordered by location: on page 50, the attachment, the comment, then the body.
    let expected: Vec<Finding> = jobs.iter().rev().map(|(_, _, f)| f.clone()).collect();
    assert_eq!(second.findings().await, expected);
    let p = second.progress().await;
    assert_eq!((p.total, p.unchanged, p.open_findings), (3, 3, 3));
    assert_eq!(first.findings().await.len(), 4);
}

pub async fn problems_are_listed_with_their_messages(store: &Store, _url: &str) {
    let scan = Scan::start(store).await;
    for key in ["attachment:att1@1", "attachment:att2@3", "page:3@1"] {
        enqueue(&scan, key).await;
    }
    end_job(&scan, "attachment:att2@3", failed("timed out")).await;
    end_job(&scan, "attachment:att2@3", failed("timed out")).await;
    let limit = not_extracted("zip ratio limit exceeded");
    end_job(&scan, "attachment:att1@1", limit).await;
    classify(&scan, "page:3@1", &page("3", 1), []).await;

    let problems = store.scan_item_problems(&scan.id).await.unwrap();
    let keys: Vec<&str> = problems.iter().map(|p| p.item_key.as_str()).collect();
    assert_eq!(keys, ["attachment:att1@1", "attachment:att2@3"]);
    let (limit, timeout) = (&problems[0], &problems[1]);
    assert_eq!(limit.label, "label of attachment:att1@1");
    assert_eq!(
        (limit.status, limit.attempts),
        (ItemStatus::NotExtracted, 1)
    );
    assert_eq!(limit.error.as_deref(), Some("zip ratio limit exceeded"));
    assert_eq!((timeout.status, timeout.attempts), (ItemStatus::Failed, 2));
    assert_eq!(timeout.error.as_deref(), Some("timed out"));
}

pub async fn audit_trail_records_scans_jobs_and_findings(store: &Store, _url: &str) {
    let scan = Scan::start(store).await;
    let a = finding(&page("8", 1), "visa", "fp-secretive", 0);
    classify(&scan, "page:8@1", &page("8", 1), [a.clone()]).await;
    classify(&scan, "page:8@2", &page("8", 2), []).await;
    let finish = |status| store.finish_scan(&scan.id, status);
    finish(ScanStatus::Completed).await.unwrap();
    finish(ScanStatus::Completed).await.unwrap();
    let again = finish(ScanStatus::Cancelled).await;
    assert!(matches!(again, Err(StoreError::ScanAlreadyFinished { .. })));
    let finished = store.scan(&scan.id).await.unwrap();
    assert_eq!(finished.status, ScanStatus::Completed);
    assert!(finished.finished_at.is_some());

    let scan_id = Some(scan.id.clone());
    let query = AuditQuery {
        scan_id,
        ..AuditQuery::default()
    };
    let events = store.audit_events(&query).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    let finding_lifecycle = ["finding.opened", "job.done", "finding.resolved", "job.done"];
    assert_eq!(actions[0], "scan.started");
    assert_eq!(actions[1..5], finding_lifecycle);
    assert_eq!(actions[5..], ["scan.finished"]);
    assert_eq!(events[0].actor, "alice");
    assert_eq!(events[1].subject.as_deref(), Some(a.id.as_str()));
    assert_eq!(events[2].detail["opened"], 1);
    assert_eq!(events[4].detail["resolved"], 1);
    for e in &events {
        let json = e.detail.to_string();
        assert!(
            !json.contains(&a.masked) && !json.contains(&a.fingerprint),
            "{json}"
        );
    }

    let remediation = NewAuditEvent {
        actor: "bob".into(),
        action: "remediation.approved".into(),
        scan_id: None,
        subject: Some(a.id.clone()),
        detail: serde_json::json!({ "mode": "require-approval" }),
    };
    let id = store.record_audit(&remediation).await.unwrap();
    let after_id = Some(events[3].id);
    let page_two = AuditQuery {
        after_id,
        limit: 2,
        ..AuditQuery::default()
    };
    let next = store.audit_events(&page_two).await.unwrap();
    let next_ids: Vec<i64> = next.iter().map(|e| e.id).collect();
    assert_eq!(next_ids, [events[4].id, events[5].id]);
    let all = store.audit_events(&AuditQuery::default()).await.unwrap();
    assert_eq!(
        all.last().map(|e| (e.id, e.actor.as_str())),
        Some((id, "bob"))
    );
}

pub async fn findings_filter_and_page_by_id(store: &Store, _url: &str) {
    let scan = Scan::start(store).await;
    let mut ops = page("70", 1);
    ops.space_key = "OPS".into();
    let in_ops = [finding(&ops, "visa", "fp-o1", 0)];
    classify(&scan, "page:70@1", &ops, in_ops).await;
    let (eng, note) = (page("71", 1), comment("71", "c71"));
    let on_page = [
        finding(&eng, "aws-key", "fp-e1", 0),
        finding(&eng, "visa", "fp-e2", 50),
    ];
    classify(&scan, "page:71@1", &eng, on_page).await;
    let in_note = [finding(&note, "visa", "fp-e3", 0)];
    classify(&scan, "comments:page:71", &note, in_note).await;

    let ops_only = listed(store, |f| f.space_key = Some("OPS".into())).await;
    assert_eq!(ops_only.len(), 1);
    let on_page_71 = listed(store, |f| f.page_id = Some("71".into())).await;
    assert_eq!(on_page_71.len(), 3, "the page and its comment");
    let secrets = listed(store, |f| f.category = Some(Category::Secret)).await;
    assert_eq!(secrets.len(), 1);
    let visa_in_eng = |f: &mut FindingFilter| {
        (f.detector, f.space_key) = (Some("visa".into()), Some("ENG".into()));
    };
    assert_eq!(listed(store, visa_in_eng).await.len(), 2);
    let resolved = listed(store, |f| f.status = Some(FindingStatus::Resolved)).await;
    assert!(resolved.is_empty());

    let (mut ids, mut after) = (Vec::<String>::new(), None);
    loop {
        let page = listed(store, |f| (f.after, f.limit) = (after.clone(), 3)).await;
        let Some(last) = page.last() else { break };
        after = Some(last.finding.id.clone());
        ids.extend(page.into_iter().map(|r| r.finding.id));
    }
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!((ids.len(), ids), (4, sorted));
}

pub async fn a_finding_under_the_wrong_item_is_refused(store: &Store, _url: &str) {
    let scan = Scan::start(store).await;
    enqueue(&scan, "page:5@1").await;
    let of_comment = finding(&comment("5", "c1"), "visa", "fp-5555", 0);
    let result = ItemResult::classified(page("5", 1), Some(1), RULES, vec![of_comment]);
    let err = record(&scan, "page:5@1", JobOutcome::Classified, vec![result]).await;
    assert!(matches!(err, Err(StoreError::Invalid(_))));
    assert_eq!(scan.progress().await.queued, 1);
    assert!(all_findings(store, None).await.is_empty());
}

pub async fn concurrent_jobs_do_not_lock_each_other_out(store: &Store, _url: &str) {
    let scan_id = Scan::start(store).await.id;
    let tasks: Vec<_> = (0..8)
        .map(|worker| {
            let (store, id) = (store.clone(), scan_id.clone());
            tokio::spawn(async move {
                let scan = Scan { store: &store, id };
                for job in 0..5 {
                    let item = page(&format!("{worker}-{job}"), 1);
                    let key = format!("page:{}@1", item.page_id);
                    store.enqueue_item(&scan.id, &key, "concurrent").await?;
                    let found = [
                        finding(&item, "v", "fp-1", 0),
                        finding(&item, "v", "fp-2", 40),
                    ];
                    let result = ItemResult::classified(item, Some(1), RULES, found.to_vec());
                    record(&scan, &key, JobOutcome::Classified, vec![result]).await?;
                    store.scan_progress(&scan.id).await?;
                }
                // A transaction that reads before it writes: the case where SQLite gives
                // up at once unless writers take the lock at BEGIN.
                let own = Scan::start(&store).await;
                store.finish_scan(&own.id, ScanStatus::Completed).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let p = Scan { store, id: scan_id }.progress().await;
    assert_eq!((p.total, p.done, p.open_findings), (40, 40, 80));
}

/// What a search index relies on: a reader that follows the change feed while writers
/// write, from its last (stamp, id), ends up having read every finding's last change.
pub async fn the_change_feed_misses_nothing_under_concurrent_writers(store: &Store, _url: &str) {
    let scan_id = Scan::start(store).await.id;
    let writers: Vec<_> = (0..4)
        .map(|worker| {
            let (store, id) = (store.clone(), scan_id.clone());
            tokio::spawn(async move {
                let scan = Scan { store: &store, id };
                for job in 0..10 {
                    let item = page(&format!("w{worker}-{job}"), 1);
                    let key = format!("page:{}@1", item.page_id);
                    store.enqueue_item(&scan.id, &key, "feed").await.unwrap();
                    let found = [finding(&item, "v", &format!("fp-{worker}-{job}"), 0)];
                    let result = ItemResult::classified(item, Some(1), RULES, found.to_vec());
                    record(&scan, &key, JobOutcome::Classified, vec![result])
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    let reader = {
        let store = store.clone();
        tokio::spawn(async move {
            let (mut seq, mut id) = (0i64, String::new());
            let mut seen = std::collections::HashMap::new();
            let mut quiet_rounds = 0;
            while quiet_rounds < 20 {
                let page = store.finding_changes(seq, &id, 7).await.unwrap();
                if page.is_empty() {
                    quiet_rounds += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                }
                quiet_rounds = 0;
                for change in page {
                    assert!((change.seq, change.record.finding.id.as_str()) > (seq, id.as_str()));
                    (seq, id) = (change.seq, change.record.finding.id.clone());
                    seen.insert(change.record.finding.id, change.seq);
                }
            }
            seen
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    let seen = reader.await.unwrap();
    assert_eq!(seen.len(), 40, "the feed lost findings");
    let latest = store.latest_change().await.unwrap();
    assert!(seen.values().all(|s| *s <= latest));

    // A person's decision is a change too: the finding comes again after the last stamp.
    let (last_seq, last_id) = seen.iter().map(|(id, s)| (*s, id.clone())).max().unwrap();
    let target = seen.keys().next().unwrap().clone();
    store
        .set_finding_status(&dlp_store::StatusChange {
            finding_id: target.clone(),
            status: FindingStatus::FalsePositive,
            reason: Some("test data".into()),
            actor: "alice".into(),
        })
        .await
        .unwrap();
    let after = store
        .finding_changes(last_seq, &last_id, 100)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].record.finding.id, target);
    assert_eq!(after[0].record.status, FindingStatus::FalsePositive);
}

/// Migration 0009 on this backend: a Connect site's install, then its re-install.
pub async fn connect_tenants_are_kept_and_replaced(store: &Store, _url: &str) {
    assert!(store.connect_tenant("site-1").await.unwrap().is_none());
    for sealed in ["sealed-1", "sealed-2"] {
        store
            .save_connect_tenant("site-1", "https://a.atlassian.net/wiki", sealed)
            .await
            .unwrap();
    }
    let tenant = store.connect_tenant("site-1").await.unwrap().unwrap();
    assert_eq!(
        (
            tenant.client_key.as_str(),
            tenant.sealed_shared_secret.as_str()
        ),
        ("site-1", "sealed-2")
    );
}
