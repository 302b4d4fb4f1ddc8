use super::*;

fn replace_value(body: &str, value: &str, with: &str) -> String {
    let view = StorageView::read(body);
    let at = view.text().find(value).expect("the value is in the view");
    let (out, n) = view.replace(body, &[(at..at + value.len(), with.to_owned())]);
    assert_eq!(n, 1);
    out
}

/// The tags of a body, in order: what redaction must leave alone.
fn tags(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(start) = body[i..].find('<').map(|n| n + i) {
        let Some(end) = tag_end(body, start) else {
            i = start + 1;
            continue;
        };
        out.push(&body[start..end]);
        i = end;
    }
    out
}

#[test]
fn a_value_in_a_paragraph_is_replaced_and_nothing_else_moves() {
    let body = r#"<p>Key: <code>AKIAIOSFODNN7EXAMPLE</code> for <a href="https://x/?a=1&amp;b=2">prod</a></p>"#;
    let out = replace_value(body, "AKIAIOSFODNN7EXAMPLE", "AKIA************MPLE");
    assert_eq!(
        out,
        r#"<p>Key: <code>AKIA************MPLE</code> for <a href="https://x/?a=1&amp;b=2">prod</a></p>"#
    );
}

#[test]
fn a_value_split_by_markup_keeps_the_markup() {
    let body = "<p>card <strong>4779 4615</strong> 0429 7982 expires</p>";
    let view = StorageView::read(body);
    assert_eq!(view.text(), "card 4779 4615 0429 7982 expires\n");
    let out = replace_value(body, "4779 4615 0429 7982", "**** **** **** 7982");
    assert_eq!(
        out,
        "<p>card <strong>**** **** **** 7982</strong> expires</p>"
    );
    assert_eq!(tags(&out), tags(body));
}

#[test]
fn entities_are_read_decoded_and_replaced_whole() {
    let body = "<p>password=s3cr&amp;t&#33;X9 and &nbsp;more</p>";
    let view = StorageView::read(body);
    assert!(view.text().contains("password=s3cr&t!X9 and \u{a0}more"));
    let out = replace_value(body, "s3cr&t!X9", "s3*****X9<>");
    assert_eq!(out, "<p>password=s3*****X9&lt;&gt; and &nbsp;more</p>");
}

#[test]
fn code_macros_are_read_and_stay_macros() {
    let body = concat!(
        r#"<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter>"#,
        "<ac:plain-text-body><![CDATA[export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\necho <done> & ok]]></ac:plain-text-body></ac:structured-macro>"
    );
    let view = StorageView::read(body);
    assert!(view.text().contains("echo <done> & ok"));
    // The parameter and the code are on separate lines: `bash` does not run into the code.
    assert!(view.text().contains("bash\nexport"));
    let out = replace_value(
        body,
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJal********************************EKEY",
    );
    assert!(out.contains("<![CDATA[export AWS_SECRET_ACCESS_KEY=wJal********************************EKEY\necho <done> & ok]]>"));
    assert_eq!(tags(&out), tags(body));
}

#[test]
fn a_replacement_cannot_end_a_cdata_section() {
    let body = "<ac:plain-text-body><![CDATA[token=abcdefgh]]></ac:plain-text-body>";
    let out = replace_value(body, "abcdefgh", "x]]>y");
    assert_eq!(
        out,
        "<ac:plain-text-body><![CDATA[token=x]] >y]]></ac:plain-text-body>"
    );
}

#[test]
fn cells_are_separate_lines_and_attributes_are_not_text() {
    let body =
        r#"<table><tbody><tr><th title="a > b">SSN</th><td>123-45-6789</td></tr></tbody></table>"#;
    let view = StorageView::read(body);
    assert_eq!(view.text(), "SSN\n123-45-6789\n");
    let out = replace_value(body, "123-45-6789", "***-**-6789");
    assert_eq!(
        out,
        r#"<table><tbody><tr><th title="a > b">SSN</th><td>***-**-6789</td></tr></tbody></table>"#
    );
}

#[test]
fn overlapping_and_out_of_range_spans_are_skipped() {
    let body = "<p>abcdefghij</p>";
    let view = StorageView::read(body);
    let (out, n) = view.replace(
        body,
        &[
            (0..4, "X".into()),
            (2..6, "Y".into()),
            (8..10, "Z".into()),
            (50..60, "W".into()),
        ],
    );
    assert_eq!(out, "<p>XefghZ</p>");
    assert_eq!(n, 2);
}

#[test]
fn comments_and_stray_angle_brackets_are_handled() {
    let body = "<p>a < b <!-- <p>secret</p> --> c &bogus; d</p>";
    let view = StorageView::read(body);
    assert_eq!(view.text(), "a < b  c &bogus; d\n");
    let out = replace_value(body, "&bogus;", "*");
    assert_eq!(out, "<p>a < b <!-- <p>secret</p> --> c * d</p>");
}

#[test]
fn context_is_one_line_and_cut_at_characters() {
    let body =
        "<p>first line</p><p>the key é AKIAIOSFODNN7EXAMPLE is here and then much more text</p>";
    let view = StorageView::read(body);
    let at = view.text().find("AKIA").unwrap();
    let (before, after) = view.context(at..at + 20, 12);
    assert_eq!(before, "…the key é ");
    assert_eq!(after, " is here and…");
}
