use super::*;

#[test]
fn the_walk_lists_files_in_name_order_and_keeps_a_missing_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("b/two.txt"), "2").unwrap();
    std::fs::write(dir.path().join("a.txt"), "1").unwrap();
    // A link is not followed, to a file or to a folder: the scan stays inside its PATHs.
    std::os::unix::fs::symlink(dir.path().join("a.txt"), dir.path().join("c.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("b"), dir.path().join("d")).unwrap();
    let mut out = Vec::new();
    walk(dir.path(), &mut out);
    walk(&dir.path().join("gone.txt"), &mut out);
    let shown: Vec<_> = out
        .iter()
        .map(|e| match &e.kind {
            EntryKind::File => e
                .path
                .strip_prefix(dir.path())
                .unwrap()
                .display()
                .to_string(),
            EntryKind::Unreadable { reason } => {
                reason.replace(&dir.path().display().to_string(), "DIR")
            }
        })
        .collect();
    assert_eq!(
        shown,
        ["a.txt", "b/two.txt", "cannot read DIR/gone.txt: not found"]
    );
}

#[tokio::test]
async fn paths_are_walked_ahead_once_and_again_for_a_second_scan() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "1").unwrap();
    let paths = LocalPaths::new(vec![dir.path().to_owned()]);
    let names = |entries: Vec<Entry>| -> Vec<String> {
        entries
            .iter()
            .map(|e| e.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    let again = paths.clone();
    assert_eq!(names(paths.entries().await.unwrap()), ["a.txt"]);
    // The walk started ahead is used once; a second scan of the paths sees them as they
    // are then.
    std::fs::write(dir.path().join("b.txt"), "2").unwrap();
    assert_eq!(names(again.entries().await.unwrap()), ["a.txt", "b.txt"]);
}

#[test]
fn pictures_are_taken_in_turn_on_one_lane_and_every_file_once() {
    let names = ["a.rs", "img.png", "b.rs", "img.TIFF", "c.txt", "shot.jpeg"];
    let lanes = Lanes::new(
        names
            .iter()
            .map(|n| entry(Path::new(n), EntryKind::File))
            .collect(),
    );
    let label = |e: Option<&Entry>| e.map(|e| e.label.clone());
    // The first thread reads the pictures in name order, the others the rest.
    assert_eq!(label(lanes.next(true)).as_deref(), Some("img.png"));
    assert_eq!(label(lanes.next(false)).as_deref(), Some("a.rs"));
    assert_eq!(label(lanes.next(true)).as_deref(), Some("img.TIFF"));
    // A lane run dry sends its thread to the other one.
    let rest: Vec<_> = std::iter::from_fn(|| label(lanes.next(false))).collect();
    assert_eq!(rest, ["b.rs", "c.txt", "shot.jpeg"]);
    assert_eq!(label(lanes.next(true)), None);
}

#[test]
fn jemalloc_purges_its_arenas_when_asked() {
    // A wrong name would fail quietly in a scan, and large files' memory would stay held.
    let held: Vec<Vec<u8>> = (0..4).map(|_| vec![1u8; 1 << 20]).collect();
    drop(held);
    assert_eq!(purge_jemalloc_arenas(), 0);
}

#[test]
fn the_budget_holds_a_second_file_until_the_first_is_done() {
    let budget = Budget::new(100);
    let first = budget.take(60);
    let waited = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let _second = budget.take(60);
            assert!(
                waited.load(Ordering::SeqCst),
                "the second file got in over the budget"
            );
        });
        std::thread::sleep(Duration::from_millis(50));
        waited.store(true, Ordering::SeqCst);
        drop(first);
    });
    // Larger than the whole budget, alone: let in rather than stuck.
    drop(budget.take(1_000));
}

#[test]
fn a_file_over_the_limit_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    std::fs::write(&path, "0123456789").unwrap();
    let opened = || open(&path, "big.txt").unwrap();
    assert_eq!(opened().1, 10);
    assert_eq!(read(opened().0, "big.txt", 10, 10).unwrap().len(), 10);
    assert_eq!(
        read(opened().0, "big.txt", 10, 9).unwrap_err(),
        "big.txt is larger than the 9 byte limit"
    );
    // A file that grew after it was opened is read whole; one that shrank, as it is now.
    assert_eq!(read(opened().0, "big.txt", 4, 10).unwrap().len(), 10);
    assert_eq!(read(opened().0, "big.txt", 400, 10).unwrap().len(), 10);
    assert_eq!(
        open(&dir.path().join("gone.txt"), "gone.txt").unwrap_err(),
        "cannot read gone.txt: not found"
    );
}
