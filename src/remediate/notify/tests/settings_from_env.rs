//! The channels' settings: secrets from the environment, and settings that could never send
//! refused at start.

use super::*;

fn env(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, String> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

#[test]
fn secrets_come_from_the_environment_and_never_print() {
    let mut s: Settings = toml::from_str(
        r#"
        [remediation.notify]
        security_team = ["secops@example.com"]
        [remediation.notify.smtp]
        host = "smtp.example.com"
        username = "dlp"
        from = "dlp@example.com"
        "#,
    )
    .unwrap();
    let vars = env(&[
        (
            "DLP_SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/T1/B2/very-secret-hook",
        ),
        ("DLP_SMTP_PASSWORD", "smtp-pass-456"),
    ]);
    s.apply_env(|k| vars.get(k).cloned()).unwrap();
    s.validate().unwrap();
    let notify = &s.remediation.notify;
    assert_eq!(
        notify.slack_webhook_url.as_ref().unwrap().expose_secret(),
        "https://hooks.slack.com/services/T1/B2/very-secret-hook"
    );
    let smtp = notify.smtp.as_ref().unwrap();
    assert_eq!(
        smtp.password.as_ref().unwrap().expose_secret(),
        "smtp-pass-456"
    );
    assert_eq!(
        (smtp.tls, smtp.port(), smtp.timeout_secs),
        (SmtpTls::Starttls, 587, 30)
    );
    assert!(notify.notify_last_editor);
    let printed = format!("{s:?} {:?}", Notifier::new(notify).unwrap());
    assert!(!printed.contains("very-secret-hook"), "{printed}");
    assert!(!printed.contains("smtp-pass-456"), "{printed}");

    // A password for no server is refused, naming the variable.
    let mut bare = Settings::default();
    let err = bare
        .apply_env(|k| (k == "DLP_SMTP_PASSWORD").then(|| "x".to_owned()))
        .unwrap_err();
    assert!(err.to_string().contains("DLP_SMTP_PASSWORD"), "{err}");
}

fn invalid_key(text: &str) -> String {
    let s: Settings = toml::from_str(text).expect(text);
    match s.validate() {
        Err(crate::config::ConfigError::Invalid { name, reason }) => {
            format!("{name}: {reason}")
        }
        other => panic!("{text} gave {other:?}"),
    }
}

#[test]
fn settings_that_could_never_send_are_refused_at_start_naming_the_key() {
    let smtp = |extra: &str| {
        format!(
            "[remediation.notify]\nsecurity_team = [\"a@example.com\"]\n\
             [remediation.notify.smtp]\nfrom = \"dlp@example.com\"\n{extra}"
        )
    };
    let cases = [
        (
            "[remediation.notify]\nslack_webhook_url = \"hooks.slack.com/x/secret-path\""
                .to_owned(),
            "remediation.notify.slack_webhook_url",
        ),
        (
            "[remediation.notify]\nslack_webhook_url = \"http://hooks.example.com/secret-path\""
                .to_owned(),
            "remediation.notify.slack_webhook_url",
        ),
        (
            "[remediation.notify]\nsecurity_team = [\"secops@\"]".to_owned(),
            "remediation.notify.security_team",
        ),
        (
            "[remediation.notify]\neditor_emails = { u1 = \"nobody\" }".to_owned(),
            "remediation.notify.editor_emails",
        ),
        (
            smtp("host = \"smtp.example.com\"\ntls = \"none\""),
            "remediation.notify.smtp.tls",
        ),
        (smtp("host = \"\""), "remediation.notify.smtp.host"),
        (
            smtp("host = \"smtp.example.com\"\nfrom = \"x\"")
                .replace("from = \"dlp@example.com\"\n", ""),
            "remediation.notify.smtp.from",
        ),
        (
            smtp("host = \"smtp.example.com\"\nusername = \"dlp\""),
            "remediation.notify.smtp.username",
        ),
    ];
    for (text, key) in cases {
        let err = invalid_key(&text);
        assert!(err.starts_with(key), "{text}\n-> {err}");
        assert!(
            !err.contains("secret-path"),
            "the URL is never quoted: {err}"
        );
    }
    // Plain SMTP to a local relay, and plain HTTP to a local receiver, are fine.
    for ok in [
        smtp("host = \"localhost\"\ntls = \"none\""),
        smtp("host = \"::1\"\ntls = \"none\""),
        smtp("host = \"smtp.example.com\"\ntls = \"tls\""),
        "[remediation.notify]\nslack_webhook_url = \"http://127.0.0.1:9/hook\"".to_owned(),
    ] {
        let s: Settings = toml::from_str(&ok).unwrap();
        s.validate().expect(&ok);
    }
    // Unknown keys are a parse error.
    assert!(toml::from_str::<Settings>("[remediation.notify]\nslack_url = \"x\"").is_err());
}

#[test]
fn an_editor_address_comes_from_confluence_the_map_or_the_domain() {
    let s: NotifySettings = toml::from_str(
        r#"
        editor_email_domain = "example.com"
        editor_emails = { "557058:abc" = "ann@example.org", "jdoe" = "john.doe@example.org" }
        "#,
    )
    .unwrap();
    s.validate().unwrap();
    let a = |confluence, ids: &[&str], user| s.editor_address(confluence, ids, user);
    assert_eq!(
        a(Some("c@example.net"), &["557058:abc"], None).as_deref(),
        Some("c@example.net")
    );
    assert_eq!(
        a(None, &["557058:abc"], None).as_deref(),
        Some("ann@example.org")
    );
    assert_eq!(
        a(Some("hidden"), &[], Some("jdoe")).as_deref(),
        Some("john.doe@example.org")
    );
    assert_eq!(
        a(None, &["ff80:key"], Some("msmith")).as_deref(),
        Some("msmith@example.com")
    );
    assert_eq!(a(None, &["5b10ac8d82e05b22cc7d4ef5"], None), None);
    assert_eq!(a(None, &[], Some("bad name")), None);
    assert_eq!(
        NotifySettings::default().editor_address(None, &[], Some("jdoe")),
        None
    );
}
