//! The notice itself: what it says, escaped, and how it is cut.

use super::*;

#[test]
fn a_notice_escapes_html_and_lists_the_worst_first() {
    let findings = scanned();
    let n = notice(&findings);
    let severities: Vec<_> = n.findings().iter().map(|f| f.severity()).collect();
    assert!(
        severities.windows(2).all(|w| w[0] >= w[1]),
        "{severities:?}"
    );
    let html = n.html_body();
    assert!(html.contains("Deploy notes &lt;prod&gt;"), "{html}");
    assert!(!html.contains("<prod>"), "{html}");
    assert!(n.text_body().contains("Deploy notes <prod>"));
    assert!(
        n.text_body()
            .contains("Actions planned: notify, redact in place")
    );
    for body in [
        n.text_body(),
        html,
        n.slack_payload().to_string(),
        n.subject(),
    ] {
        assert_no_raw(&body);
    }
    // A title cannot add lines to a subject, and a link must be a web link.
    let odd = Notice::new(
        About {
            policy: "p",
            actions: &[ActionKind::Notify],
            stage: Stage::Taken,
            remediation_id: "r",
            space_key: "ENG",
            page_title: "a\r\nBcc: x@example.com",
            page_link: Some("javascript:alert(1)"),
        },
        &findings,
    );
    assert!(!odd.subject().contains('\n'));
    assert_eq!(odd.page_link(), None);
    assert!(odd.text_body().contains("Actions taken: notify"));
}

#[test]
fn many_findings_are_cut_with_a_count() {
    let one = scanned().remove(0);
    let many: Vec<Finding> = (0..60).map(|_| one.clone()).collect();
    let n = notice(&many);
    assert!(
        n.text_body().contains("... and 35 more\n"),
        "{}",
        n.text_body()
    );
    let payload = n.slack_payload();
    for b in payload["blocks"].as_array().unwrap() {
        if let Some(t) = b["text"]["text"].as_str() {
            assert!(t.chars().count() <= 3000);
        }
    }
}
