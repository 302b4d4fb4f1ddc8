use super::*;
use secrecy::ExposeSecret;
use std::collections::HashMap;

#[test]
fn env_overrides_defaults_and_secrets_do_not_print() {
    let env: HashMap<&str, &str> = [
        ("DATABASE_URL", "postgres://u:hunter2@db/x"),
        ("CONFLUENCE_API_TOKEN", "tok-very-secret"),
        ("DLP_WORKER_CONCURRENCY", "8"),
        ("DLP_DATACENTER_WEBHOOK_SECRET", "dc-hook-secret"),
    ]
    .into();
    let mut s = Settings::default();
    s.apply_env(|k| env.get(k).map(|v| v.to_string())).unwrap();
    assert_eq!(s.workers.concurrency, 8);
    assert_eq!(s.store_url().expose_secret(), "postgres://u:hunter2@db/x");
    let printed = format!("{s:?}");
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(!printed.contains("tok-very-secret"), "{printed}");
    let dc = s
        .webhooks
        .datacenter
        .as_ref()
        .expect("the secret turns the receiver on");
    assert_eq!(dc.secret.expose_secret(), "dc-hook-secret");
    assert_eq!(dc.max_age_secs, 300);
    assert!(!printed.contains("dc-hook-secret"), "{printed}");
}

#[test]
fn a_half_set_space_admin_credential_is_refused_at_start() {
    let mut s = Settings::default();
    s.apply_env(|k| (k == "DLP_SPACE_ADMIN_EMAIL").then(|| "admin@acme.com".to_string()))
        .unwrap();
    let err = s.validate().unwrap_err().to_string();
    assert!(err.contains("remediation.space_admin"), "{err}");
    s.apply_env(|k| (k == "DLP_SPACE_ADMIN_API_TOKEN").then(|| "t0ken".to_string()))
        .unwrap();
    s.validate().unwrap();
    assert!(!format!("{s:?}").contains("t0ken"), "a secret printed");
}

#[test]
fn remediation_policies_are_read_and_checked_at_start() {
    let text = r#"
        [[remediation.policies]]
        name = "public-secrets"
        match = { categories = ["secret"], exposure = ["public"] }
        actions = ["notify", "redact_in_place"]
        mode = "approve"
    "#;
    let s: Settings = toml::from_str(text).unwrap();
    assert_eq!(s.remediation.policies.len(), 1);
    s.validate().unwrap();
    let twice: Settings = toml::from_str(&format!("{text}\n{text}")).unwrap();
    assert!(matches!(
        twice.validate(),
        Err(ConfigError::Invalid {
            name: "remediation.policies",
            ..
        })
    ));
}

#[test]
fn the_data_directory_and_the_embedded_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let s = Settings {
        data_dir: dir.path().join("state"),
        ..Settings::default()
    };
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // A file an older version left world-readable.
    std::fs::create_dir(&s.data_dir).unwrap();
    std::fs::write(s.embedded_queue_path(), b"").unwrap();
    std::fs::set_permissions(
        s.embedded_queue_path(),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    s.ensure_data_dir().unwrap();
    assert_eq!(mode(&s.embedded_store_path()), 0o600);
    assert_eq!(mode(&s.embedded_queue_path()), 0o600);
    let fresh = Settings {
        data_dir: dir.path().join("a/b"),
        ..Settings::default()
    };
    fresh.ensure_data_dir().unwrap();
    assert_eq!(mode(&fresh.data_dir), 0o700);
}

#[test]
fn the_listen_address_defaults_to_loopback_and_comes_from_dlp_listen() {
    let mut s = Settings::default();
    assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    s.apply_env(|k| (k == "DLP_LISTEN").then(|| "0.0.0.0:9000".to_string()))
        .unwrap();
    assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
    let err = s
        .apply_env(|k| (k == "DLP_LISTEN").then(|| "localhost".to_string()))
        .unwrap_err();
    assert!(err.to_string().contains("DLP_LISTEN"), "{err}");
    let from_file: Settings = toml::from_str("listen = \"127.0.0.1:0\"").unwrap();
    assert_eq!(from_file.listen.port(), 0);
}

#[test]
fn bad_numbers_and_ranges_are_clear_errors() {
    let mut s = Settings::default();
    let err = s
        .apply_env(|k| (k == "DLP_WORKER_CONCURRENCY").then(|| "many".to_string()))
        .unwrap_err();
    assert!(err.to_string().contains("DLP_WORKER_CONCURRENCY"));
    s.rules.min_confidence = 2.0;
    assert!(s.validate().is_err());
}

#[test]
fn config_file_errors_do_not_quote_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "server_key = \"deadbeef-secret\" nonsense").unwrap();
    let err = Settings::load(Some(&path)).unwrap_err().to_string();
    assert!(!err.contains("deadbeef-secret"), "{err}");
}
