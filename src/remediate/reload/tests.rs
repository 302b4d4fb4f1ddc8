use super::*;

fn loaded(bytes: &[u8]) -> ConfigFile {
    ConfigFile {
        path: PathBuf::from("/etc/confluence-dlp.toml"),
        sha256: ConfigFile::hash(bytes),
    }
}

fn missing() -> std::io::Result<Vec<u8>> {
    Err(std::io::Error::from(std::io::ErrorKind::NotFound))
}

#[test]
fn the_file_as_loaded_is_no_change_and_a_new_content_is_one_once() {
    let start = b"[[remediation.policies]]\nname = \"a\"\n".to_vec();
    let mut d = ChangeDetector::new(&loaded(&start));
    assert!(
        !d.changed(&Ok(start.clone())),
        "what was loaded is not a change"
    );
    let edited = b"[[remediation.policies]]\nname = \"b\"\n".to_vec();
    assert!(d.changed(&Ok(edited.clone())));
    assert!(!d.changed(&Ok(edited.clone())), "a change is reported once");
    // Back to the first content is a change again.
    assert!(d.changed(&Ok(start)));
}

#[test]
fn a_missing_file_is_reported_once_and_its_return_is_a_change() {
    let start = b"listen = \"127.0.0.1:0\"\n".to_vec();
    let mut d = ChangeDetector::new(&loaded(&start));
    assert!(d.changed(&missing()));
    assert!(!d.changed(&missing()), "not at every look");
    assert!(
        d.changed(&Ok(start)),
        "back, even as it was: the missing file was rejected, so this must be read again"
    );
}

#[test]
fn content_counts_not_the_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "a = 1\n").unwrap();
    let mut d = ChangeDetector::new(&loaded(&std::fs::read(&path).unwrap()));
    // Rewritten the same (a touch, an editor's save): a new time, nothing to reload.
    std::fs::write(&path, "a = 1\n").unwrap();
    assert!(!d.changed(&std::fs::read(&path)));
    // Rewritten within the same instant with the same length but another content: a time
    // of coarse granularity would miss it, the content does not.
    std::fs::write(&path, "a = 2\n").unwrap();
    assert!(d.changed(&std::fs::read(&path)));
}
