//! The scheduler: a schedule's settings are checked, a new schedule waits for its next tick,
//! missed ticks run one scan, a tick while its scan runs is skipped, and one scheduler at a
//! time holds the lease.

use chrono::{TimeZone, Utc};
use confluence_dlp::config::ScheduleSettings;
use confluence_dlp::scheduler::{Schedule, tick};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_runs_a_missed_tick_once_and_skips_while_its_scan_runs() {
    let sim = spawn_simulator(dlp_simulator::Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), &sim.site_url());
    let app = confluence_dlp::app::App::build(settings).await.unwrap();
    let schedule = Schedule::parse(&ScheduleSettings {
        name: "hourly-eng".into(),
        space_key: Some("ENG".into()),
        all_spaces: false,
        cron: "0 * * * *".into(),
        mode: "incremental".into(),
        history: Some("3".into()),
    })
    .unwrap();
    for bad in [
        ("x", "61 * * * *", None),
        ("", "0 * * * *", None),
        ("x", "0 * * * *", Some("0")),
        ("x", "0 * * * *", Some("most")),
    ] {
        let wrong = ScheduleSettings {
            name: bad.0.into(),
            space_key: Some("ENG".into()),
            all_spaces: false,
            cron: bad.1.into(),
            mode: "full".into(),
            history: bad.2.map(str::to_owned),
        };
        assert!(Schedule::parse(&wrong).is_err(), "{bad:?}");
    }
    let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 12, 5, h, m, 0).unwrap();
    // A new schedule starts at its next tick.
    assert_eq!(tick(&app, &schedule, at(10, 30)).await.unwrap(), None);
    assert_eq!(tick(&app, &schedule, at(10, 59)).await.unwrap(), None);
    // Three ticks missed (11:00, 12:00, 13:00): one scan.
    let scan = tick(&app, &schedule, at(13, 5))
        .await
        .unwrap()
        .expect("a scan");
    assert_eq!(tick(&app, &schedule, at(13, 40)).await.unwrap(), None);
    let record = app.store.scan(&scan).await.unwrap();
    assert_eq!(record.actor, "scheduler:hourly-eng");
    // The schedule's history depth is the scan's, for its crawl job to read.
    assert_eq!(record.history, Some(dlp_domain::HistoryDepth::Versions(3)));
    // No completed scan to start from: the first one is full.
    assert_eq!(record.mode, dlp_store::ScanMode::Full);
    // The next tick comes while that scan still runs (no workers here): skipped, not queued.
    assert_eq!(tick(&app, &schedule, at(14, 1)).await.unwrap(), None);
    assert_eq!(tick(&app, &schedule, at(14, 30)).await.unwrap(), None);
    let running = app
        .store
        .scans(&dlp_store::ScanQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(running.len(), 1);

    // Only one scheduler holds the lease at a time.
    assert!(
        app.store
            .hold_lease("scheduler", "a", 60_000)
            .await
            .unwrap()
    );
    assert!(
        !app.store
            .hold_lease("scheduler", "b", 60_000)
            .await
            .unwrap()
    );
    assert!(
        app.store
            .hold_lease("scheduler", "a", 60_000)
            .await
            .unwrap()
    );
    app.store.release_lease("scheduler", "a").await.unwrap();
    assert!(
        app.store
            .hold_lease("scheduler", "b", 60_000)
            .await
            .unwrap()
    );
    app.close().await;
}
