//! The index on disk: restarts, rebuilds, refusals, locking and file modes.

mod support;

use std::fs;
use std::path::Path;

use dlp_search::{FindingIndex, Opened, SearchError};
use support::{findings, ids, query, sorted_ids};

fn fed(dir: &Path) -> FindingIndex {
    let index = FindingIndex::open(dir).unwrap();
    index.apply(&findings(0..40)).unwrap();
    index.apply(&findings(40..80)).unwrap();
    index
}

fn assert_rebuilt_empty(dir: &Path) {
    let index = FindingIndex::open(dir).unwrap();
    assert!(
        matches!(index.opened(), Opened::Rebuilt { .. }),
        "{:?}",
        index.opened()
    );
    assert_eq!(index.last_seq(), 0);
    assert_eq!(index.num_docs(), 0);
    // And it works: fed again, it finds.
    index.apply(&findings(0..5)).unwrap();
    assert_eq!(ids(&index, &query("akia")).len(), 5);
    drop(index);
    assert_eq!(*FindingIndex::open(dir).unwrap().opened(), Opened::Reopened);
}

#[test]
fn a_reopened_index_keeps_its_findings_and_last_seq() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    let before = {
        let index = fed(&dir);
        assert_eq!(*index.opened(), Opened::Created);
        ids(&index, &query("akia"))
    };
    let index = FindingIndex::open(&dir).unwrap();
    assert_eq!(*index.opened(), Opened::Reopened);
    assert_eq!(index.last_seq(), 80);
    assert_eq!(index.num_docs(), 80);
    assert_eq!(ids(&index, &query("akia")), before);
    index.apply(&findings(80..90)).unwrap();
    assert_eq!(index.last_seq(), 90);
}

#[test]
fn a_garbled_meta_file_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    drop(fed(tmp.path()));
    fs::write(tmp.path().join("meta.json"), b"{ not json").unwrap();
    assert_rebuilt_empty(tmp.path());
}

#[test]
fn garbage_where_an_index_was_is_wiped() {
    let tmp = tempfile::tempdir().unwrap();
    drop(fed(tmp.path()));
    for entry in fs::read_dir(tmp.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name != "DLP_SEARCH_INDEX" {
            fs::remove_file(&path).unwrap();
        }
    }
    fs::write(tmp.path().join("junk.bin"), [0xffu8; 100]).unwrap();
    fs::create_dir(tmp.path().join("junk-dir")).unwrap();
    fs::write(tmp.path().join("junk-dir/x"), b"x").unwrap();
    assert_rebuilt_empty(tmp.path());
    assert!(!tmp.path().join("junk.bin").exists());
    assert!(!tmp.path().join("junk-dir").exists());
}

#[test]
fn a_damaged_segment_file_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    drop(fed(tmp.path()));
    let victim = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .expect("a term index file");
    let mut bytes = fs::read(&victim).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    fs::write(&victim, bytes).unwrap();
    assert_rebuilt_empty(tmp.path());
}

#[test]
fn an_index_of_another_schema_version_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    drop(fed(tmp.path()));
    {
        // A build with another schema version committed last.
        let index = tantivy::Index::open_in_dir(tmp.path()).unwrap();
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut commit = writer.prepare_commit().unwrap();
        commit.set_payload(r#"{"schema_version":999,"last_seq":80}"#);
        commit.commit().unwrap();
    }
    assert_rebuilt_empty(tmp.path());
}

#[test]
fn an_index_with_other_fields_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    drop(FindingIndex::open(tmp.path()).unwrap());
    for entry in fs::read_dir(tmp.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "DLP_SEARCH_INDEX" {
            fs::remove_file(path).unwrap();
        }
    }
    let mut schema = tantivy::schema::Schema::builder();
    schema.add_text_field("body", tantivy::schema::TEXT);
    let index = tantivy::Index::create_in_dir(tmp.path(), schema.build()).unwrap();
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    let mut commit = writer.prepare_commit().unwrap();
    commit.set_payload(r#"{"schema_version":1,"last_seq":80}"#);
    commit.commit().unwrap();
    drop(writer);
    assert_rebuilt_empty(tmp.path());
}

#[test]
fn a_directory_that_is_not_an_index_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("dlp.sqlite"), b"precious").unwrap();
    match FindingIndex::open(tmp.path()) {
        Err(SearchError::NotAnIndex { .. }) => {}
        other => panic!("expected NotAnIndex, got {other:?}"),
    }
    let names: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["dlp.sqlite"]);
    assert_eq!(
        fs::read(tmp.path().join("dlp.sqlite")).unwrap(),
        b"precious"
    );
}

#[test]
fn a_second_open_of_the_same_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let first = fed(tmp.path());
    match FindingIndex::open(tmp.path()) {
        Err(SearchError::Locked { .. }) => {}
        other => panic!("expected Locked, got {other:?}"),
    }
    // The refused open touched nothing.
    assert_eq!(first.num_docs(), 80);
    drop(first);
    assert_eq!(FindingIndex::open(tmp.path()).unwrap().num_docs(), 80);
}

#[cfg(unix)]
#[test]
fn the_directory_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let check = |dir: &Path| {
        assert_eq!(mode(dir), 0o700);
        let mut files = 0;
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            assert!(path.is_file(), "{}", path.display());
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            files += 1;
        }
        assert!(files > 5, "only {files} files");
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data/index");
    {
        let index = fed(&dir);
        // Enough commits for tantivy to merge segments in the background.
        for start in (80..400).step_by(20) {
            index.apply(&findings(start..start + 20)).unwrap();
        }
        assert_eq!(sorted_ids(ids(&index, &query(""))).len(), 400);
        // While open: files are created private, not fixed up afterwards.
        check(&dir);
    }
    drop(FindingIndex::open(&dir).unwrap());
    check(&dir);

    // An existing directory or file with a loose mode is tightened on open.
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(dir.join("meta.json"), fs::Permissions::from_mode(0o644)).unwrap();
    drop(FindingIndex::open(&dir).unwrap());
    check(&dir);
}
