//! The channels against real peers on 127.0.0.1: an axum server standing in for Slack's
//! incoming webhook, and a small SMTP server speaking just enough of the protocol.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dlp_domain::{ContentRef, ContentType, Finding, Segment, SegmentOrigin};
use dlp_engine::{Classifier, Engine, EngineOptions, Fingerprinter, RulePack};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::*;
use crate::config::Settings;

mod notices;
mod settings_from_env;
use crate::remediate::policy::ActionKind;

const AWS_KEY: &str = "AKIAQWERTYUIOPASDFGH";
const CARD: &str = "4539 1488 0343 6467";
const CARD_DIGITS: &str = "4539148803436467";
const LINK: &str = "https://acme.atlassian.net/wiki/spaces/ENG/pages/123/Deploy+notes";

/// Findings from a real scan, so the raw values are known here and can be looked for.
fn scanned() -> Vec<Finding> {
    let options = EngineOptions {
        min_confidence: Settings::default().rules.min_confidence,
        ..EngineOptions::default()
    };
    let engine = Engine::new(RulePack::builtin(), options).unwrap();
    let fingerprinter = Fingerprinter::new(secrecy::SecretSlice::from(vec![7u8; 32])).unwrap();
    let classifier = Classifier::new(engine, fingerprinter);
    let item = ContentRef {
        space_key: "ENG".into(),
        content_type: ContentType::Page,
        page_id: "123".into(),
        page_version: Some(4),
        comment_id: None,
        attachment_id: None,
        attachment_title: None,
    };
    let text = format!(
        "Deploy notes\naws_access_key_id = {AWS_KEY}\nCorporate card: {CARD} (exp 12/29)\n"
    );
    let segment = Segment {
        text,
        offset: 0,
        line: 1,
        origin: SegmentOrigin::default(),
        context: None,
    };
    let findings = classifier.classify(&item, &[segment]);
    let detectors: Vec<&str> = findings.iter().map(|f| f.detector.as_str()).collect();
    assert!(
        findings.iter().any(|f| f.masked.starts_with("AKIA")),
        "the AWS key is found: {detectors:?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.category == dlp_domain::Category::Pci),
        "the card is found: {detectors:?}"
    );
    findings
}

fn notice(findings: &[Finding]) -> Notice {
    Notice::new(
        About {
            policy: "public-secrets",
            actions: &[ActionKind::Notify, ActionKind::RedactInPlace],
            stage: Stage::Planned,
            remediation_id: "rem-42",
            space_key: "ENG",
            page_title: "Deploy notes <prod>",
            page_link: Some(LINK),
        },
        findings,
    )
}

/// No raw value, in any form the message could carry it.
fn assert_no_raw(text: &str) {
    for raw in [AWS_KEY, CARD, CARD_DIGITS, "4539-1488-0343-6467"] {
        assert!(!text.contains(raw), "{raw} leaked into:\n{text}");
    }
}

// ---------------------------------------------------------------- Slack

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(String, String, Value)>>>);

/// An incoming-webhook stand-in: `/services/ok` records and answers 200, `/services/fail`
/// answers 500, `/services/slow` answers after 5 s.
async fn slack_receiver() -> (String, Received) {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::routing::post;
    let received = Received::default();
    let record = |State(r): State<Received>, uri: Uri, headers: HeaderMap, body: String| async move {
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let value = serde_json::from_str(&body).unwrap_or(Value::Null);
        r.0.lock()
            .unwrap()
            .push((uri.path().to_owned(), content_type, value));
        "ok"
    };
    let app = axum::Router::new()
        .route("/services/ok/T0/B0/hook-secret-xyz", post(record))
        .route(
            "/services/fail/hook-secret-xyz",
            post(|| async {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Cannot POST /services/fail/hook-secret-xyz",
                )
            }),
        )
        .route(
            "/services/bad/hook-secret-xyz",
            post(|| async { (StatusCode::BAD_REQUEST, "invalid_payload") }),
        )
        .route(
            "/services/slow/hook-secret-xyz",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "ok"
            }),
        )
        .with_state(received.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, received)
}

fn slack_only(url: &str) -> Notifier {
    let settings = NotifySettings {
        slack_webhook_url: Some(SecretString::from(url.to_owned())),
        slack_timeout_secs: 1,
        ..NotifySettings::default()
    };
    Notifier::new(&settings).unwrap()
}

#[tokio::test]
async fn slack_gets_blocks_with_masked_previews_and_the_link_never_a_value() {
    let findings = scanned();
    let (base, received) = slack_receiver().await;
    let notifier = slack_only(&format!("{base}/services/ok/T0/B0/hook-secret-xyz"));
    let report = notifier.send(&notice(&findings), None).await;
    assert_eq!(report.slack, Outcome::Sent);
    assert_eq!(report.email, Outcome::Off);
    assert!(report.ok());

    let got = received.0.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (path, content_type, body) = &got[0];
    assert_eq!(path, "/services/ok/T0/B0/hook-secret-xyz");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert!(
        body["text"]
            .as_str()
            .is_some_and(|t| t.contains("public-secrets"))
    );
    let blocks = body["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["type"], "header");
    for b in blocks {
        let kind = b["type"].as_str().unwrap();
        assert!(["header", "section", "context"].contains(&kind), "{kind}");
        if kind == "section" {
            assert_eq!(b["text"]["type"], "mrkdwn");
            assert!(b["text"]["text"].as_str().unwrap().chars().count() <= 3000);
        }
    }
    let all = body.to_string();
    assert!(
        all.contains(&format!("<{LINK}|Deploy notes &lt;prod&gt;>")),
        "{all}"
    );
    for f in &findings {
        assert!(all.contains(&f.masked), "{} in {all}", f.masked);
        assert!(all.contains(&f.detector), "{all}");
    }
    assert!(
        all.contains("rem-42") && all.contains("redact in place"),
        "{all}"
    );
    assert_no_raw(&all);
}

#[tokio::test]
async fn slack_refusals_and_silence_are_channel_errors_without_the_url() {
    let findings = scanned();
    let (base, _) = slack_receiver().await;
    let n = notice(&findings);

    let report = slack_only(&format!("{base}/services/fail/hook-secret-xyz"))
        .send(&n, None)
        .await;
    let Outcome::Failed(error) = &report.slack else {
        panic!("{report:?}")
    };
    assert!(error.contains("500"), "{error}");
    assert!(
        !error.contains("hook-secret-xyz") && !error.contains(&base),
        "{error}"
    );
    assert!(!report.ok());

    // Slack's one-word reasons are quoted.
    let report = slack_only(&format!("{base}/services/bad/hook-secret-xyz"))
        .send(&n, None)
        .await;
    assert_eq!(
        report.slack,
        Outcome::Failed("Slack webhook answered HTTP 400: invalid_payload".into())
    );

    let started = std::time::Instant::now();
    let report = slack_only(&format!("{base}/services/slow/hook-secret-xyz"))
        .send(&n, None)
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "bounded by the timeout"
    );
    let Outcome::Failed(error) = &report.slack else {
        panic!("{report:?}")
    };
    assert!(error.contains("within 1s"), "{error}");
    assert!(!error.contains("hook-secret-xyz"), "{error}");

    // Nothing listens there: a connection error, still without the URL.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let report = slack_only(&format!("http://{addr}/services/hook-secret-xyz"))
        .send(&n, None)
        .await;
    let Outcome::Failed(error) = &report.slack else {
        panic!("{report:?}")
    };
    assert!(error.contains("cannot connect"), "{error}");
    assert!(!error.contains("hook-secret-xyz"), "{error}");
}

// ---------------------------------------------------------------- SMTP

#[derive(Debug, Clone, Default)]
struct Mail {
    /// The PLAIN login, decoded: `\0user\0password`.
    auth: Option<String>,
    from: String,
    rcpt: Vec<String>,
    data: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Sink {
    Accept,
    /// Answers RCPT with 550.
    Refuse,
    /// Answers AUTH with 535.
    RefuseLogin,
}

/// A tiny SMTP server: greeting, EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT; records each
/// message.
async fn smtp_sink(mode: Sink) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let store = mails.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let mut mail = Mail::default();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-sink\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"
                    } else if let Some(login) = line.strip_prefix("AUTH PLAIN ") {
                        use base64::Engine as _;
                        let decoded = base64::engine::general_purpose::STANDARD
                            .decode(login.trim())
                            .unwrap_or_default();
                        mail.auth = Some(String::from_utf8_lossy(&decoded).into_owned());
                        if mode == Sink::RefuseLogin {
                            b"535 5.7.8 authentication failed\r\n"
                        } else {
                            b"235 2.7.0 accepted\r\n"
                        }
                    } else if upper.starts_with("MAIL FROM:") {
                        mail.from = line[10..].trim().to_owned();
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        if mode == Sink::Refuse {
                            b"550 5.7.1 relaying denied\r\n"
                        } else {
                            mail.rcpt.push(line[8..].trim().to_owned());
                            b"250 OK\r\n"
                        }
                    } else if upper == "DATA" {
                        write.write_all(b"354 go on\r\n").await.unwrap();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            mail.data.push_str(l.strip_prefix('.').unwrap_or(&l));
                            mail.data.push('\n');
                        }
                        store.lock().unwrap().push(std::mem::take(&mut mail));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else if upper == "RSET" || upper == "NOOP" {
                        b"250 OK\r\n"
                    } else {
                        b"502 not implemented\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, mails)
}

fn email_settings(port: u16) -> NotifySettings {
    let text = format!(
        r#"
        security_team = ["secops@example.com", "Security Lead <lead@example.com>"]
        [smtp]
        host = "127.0.0.1"
        port = {port}
        tls = "none"
        from = "confluence-dlp <dlp@example.com>"
        timeout_secs = 2
        "#
    );
    toml::from_str(&text).unwrap()
}

/// Quoted-printable soft line breaks and `=XX` escapes undone, so the text can be searched.
fn unquote(data: &str) -> String {
    let data = data.replace("=\n", "");
    let bytes = data.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = data.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn mail_goes_to_the_team_and_the_last_editor_with_masked_previews_only() {
    let findings = scanned();
    let (port, mails) = smtp_sink(Sink::Accept).await;
    let notifier = Notifier::new(&email_settings(port)).unwrap();
    let report = notifier
        .send(&notice(&findings), Some("jdoe@example.com"))
        .await;
    assert_eq!(report.email, Outcome::Sent, "{report:?}");
    assert_eq!(report.slack, Outcome::Off);

    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "<dlp@example.com>");
    let mut rcpt = mail.rcpt.clone();
    rcpt.sort();
    assert_eq!(
        rcpt,
        [
            "<jdoe@example.com>",
            "<lead@example.com>",
            "<secops@example.com>"
        ]
    );
    assert_no_raw(&mail.data);
    let data = unquote(&mail.data);
    assert_no_raw(&data);
    assert!(
        data.contains("Subject: [confluence-dlp] "),
        "subject in:\n{data}"
    );
    assert!(data.contains("Deploy notes <prod>"), "{data}");
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(data.contains("Message-ID: <"), "{data}");
    assert!(
        data.contains("text/plain") && data.contains("text/html"),
        "{data}"
    );
    // The HTML part escapes the title.
    assert!(data.contains("Deploy notes &lt;prod&gt;</a>"), "{data}");
    assert!(data.contains(LINK), "{data}");
    for f in &findings {
        assert!(data.contains(&f.masked), "{} in:\n{data}", f.masked);
    }
}

#[tokio::test]
async fn the_editor_is_mailed_once_and_only_when_asked() {
    let findings = scanned();
    let (port, mails) = smtp_sink(Sink::Accept).await;
    let mut settings = email_settings(port);
    let notifier = Notifier::new(&settings).unwrap();
    // Already in the team; and an address that is none is left out, the team still mailed.
    notifier
        .send(&notice(&findings), Some("secops@example.com"))
        .await;
    notifier
        .send(&notice(&findings), Some("not an address"))
        .await;
    settings.notify_last_editor = false;
    let quiet = Notifier::new(&settings).unwrap();
    quiet
        .send(&notice(&findings), Some("jdoe@example.com"))
        .await;
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 3);
    for m in &mails {
        assert_eq!(m.rcpt.len(), 2, "{:?}", m.rcpt);
    }

    settings.security_team.clear();
    settings.notify_last_editor = true;
    let editor_only = Notifier::new(&settings).unwrap();
    let report = editor_only.send(&notice(&findings), None).await;
    assert!(matches!(report.email, Outcome::Skipped(_)), "{report:?}");
}

#[tokio::test]
async fn a_refusing_server_is_an_email_error_and_slack_still_goes() {
    let findings = scanned();
    let (port, mails) = smtp_sink(Sink::Refuse).await;
    let (base, received) = slack_receiver().await;
    let mut settings = email_settings(port);
    settings.slack_webhook_url = Some(SecretString::from(format!(
        "{base}/services/ok/T0/B0/hook-secret-xyz"
    )));
    let report = Notifier::new(&settings)
        .unwrap()
        .send(&notice(&findings), None)
        .await;
    assert_eq!(report.slack, Outcome::Sent);
    let Outcome::Failed(error) = &report.email else {
        panic!("{report:?}")
    };
    assert!(error.contains("550"), "{error}");
    assert_no_raw(error);
    assert!(mails.lock().unwrap().is_empty());
    assert_eq!(received.0.lock().unwrap().len(), 1);
    assert!(!report.ok());
    // The report is what remediation keeps: it serialises per channel.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["slack"]["status"], "sent");
    assert_eq!(json["email"]["status"], "failed");
}

#[tokio::test]
async fn a_silent_smtp_server_times_out_and_an_absent_one_fails() {
    let findings = scanned();
    // Accepts the connection, never greets.
    let mute = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = mute.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((s, _)) = mute.accept().await {
            open.push(s);
        }
    });
    let mut settings = email_settings(port);
    settings.smtp.as_mut().unwrap().timeout_secs = 1;
    settings.smtp.as_mut().unwrap().username = Some("dlp".into());
    settings.smtp.as_mut().unwrap().password = Some(SecretString::from("smtp-pass-123"));
    let started = std::time::Instant::now();
    let report = Notifier::new(&settings)
        .unwrap()
        .send(&notice(&findings), None)
        .await;
    assert!(started.elapsed() < Duration::from_secs(4));
    let Outcome::Failed(error) = &report.email else {
        panic!("{report:?}")
    };
    assert!(!error.contains("smtp-pass-123"), "{error}");
    held.abort();

    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let report = Notifier::new(&email_settings(port))
        .unwrap()
        .send(&notice(&findings), None)
        .await;
    assert!(matches!(report.email, Outcome::Failed(_)), "{report:?}");
}

#[tokio::test]
async fn the_server_is_logged_in_to_and_a_refused_login_does_not_show_the_password() {
    let findings = scanned();
    let with_login = |port| {
        let mut settings = email_settings(port);
        let smtp = settings.smtp.as_mut().unwrap();
        smtp.username = Some("dlp".into());
        smtp.password = Some(SecretString::from("smtp-pass-789"));
        settings
    };
    let (port, mails) = smtp_sink(Sink::Accept).await;
    let report = Notifier::new(&with_login(port))
        .unwrap()
        .send(&notice(&findings), None)
        .await;
    assert_eq!(report.email, Outcome::Sent);
    let auth = mails.lock().unwrap()[0].auth.clone();
    assert_eq!(auth.as_deref(), Some("\0dlp\0smtp-pass-789"));

    let (port, mails) = smtp_sink(Sink::RefuseLogin).await;
    let report = Notifier::new(&with_login(port))
        .unwrap()
        .send(&notice(&findings), None)
        .await;
    let Outcome::Failed(error) = &report.email else {
        panic!("{report:?}")
    };
    assert!(error.contains("535"), "{error}");
    assert!(!error.contains("smtp-pass-789"), "{error}");
    assert!(mails.lock().unwrap().is_empty());
}
