//! Behaviour on storage-format snippets as Confluence writes them.

use super::*;
use crate::{assert_consistent, joined_text};
use dlp_domain::SegmentOrigin;

fn extract(xhtml: &str) -> Vec<Segment> {
    let segments = storage_segments(xhtml, &StorageLimits::default()).expect("extracts");
    assert_consistent(&segments);
    segments
}

fn texts(xhtml: &str) -> Vec<String> {
    extract(xhtml).into_iter().map(|s| s.text).collect()
}

fn cells(xhtml: &str) -> Vec<(String, String, String)> {
    extract(xhtml)
        .into_iter()
        .map(|s| {
            (
                s.text,
                s.origin.sheet.unwrap_or_default(),
                s.origin.cell.unwrap_or_default(),
            )
        })
        .collect()
}

fn cell(text: &str, sheet: &str, at: &str) -> (String, String, String) {
    (text.into(), sheet.into(), at.into())
}

#[test]
fn paragraphs_and_headings_are_one_segment_each_with_collapsed_whitespace() {
    let segments = extract(
        "<h1>Onboarding</h1>\n<p>Welcome to the <strong>team</strong>.</p>\n\
         <p>Second   paragraph\n    wraps.</p><h2 id=\"x\">Access</h2>",
    );
    let got: Vec<_> = segments
        .iter()
        .map(|s| (s.text.as_str(), s.offset, s.line))
        .collect();
    assert_eq!(
        got,
        [
            ("Onboarding", 0, 1),
            ("Welcome to the team.", 11, 2),
            ("Second paragraph wraps.", 32, 3),
            ("Access", 56, 4)
        ]
    );
    assert!(
        segments
            .iter()
            .all(|s| s.origin == SegmentOrigin::default())
    );
}

#[test]
fn inline_tags_do_not_split_a_value() {
    assert_eq!(
        texts("<p><strong>4111 1111</strong> 1111 1111</p>"),
        ["4111 1111 1111 1111"]
    );
    assert_eq!(
        texts("<p>41<em>11</em><span style=\"color: red;\">1111</span><code>1111</code>1111</p>"),
        ["4111111111111111"]
    );
    assert_eq!(
        texts(
            "<p>key <u>AKIA</u><s>IOSF</s><sub>ODNN</sub><sup>7EXA</sup><ac:inline-comment-marker ac:ref=\"c1\">MPLE</ac:inline-comment-marker></p>"
        ),
        ["key AKIAIOSFODNN7EXAMPLE"]
    );
}

#[test]
fn list_items_are_segments_and_nested_lists_split_them() {
    let xhtml = "<ul><li>first item</li><li>second <em>item</em><ul><li>nested</li></ul></li></ul>\
                 <ol start=\"3\"><li><p>paragraph in item</p></li></ol>";
    assert_eq!(
        texts(xhtml),
        ["first item", "second item", "nested", "paragraph in item"]
    );
}

#[test]
fn line_breaks_stay_inside_their_block() {
    let segments = extract("<p>line one<br/>line two<br />  line three<br/></p><p>next</p>");
    assert_eq!(segments[0].text, "line one\nline two\nline three");
    assert_eq!((segments[1].text.as_str(), segments[1].line), ("next", 4));
}

#[test]
fn table_cells_carry_table_number_and_a1_reference() {
    let xhtml = "<p>Staff</p><table data-layout=\"default\" ac:local-id=\"t1\"><colgroup><col style=\"width: 226.0px;\" />\
        <col /><col /></colgroup><tbody>\
        <tr><th><p><strong>Name</strong></p></th><th><p>SSN</p></th><th>Notes</th></tr>\
        <tr><td><p>Ada Lovelace</p></td><td><p>078-05-1120</p></td><td /></tr>\
        <tr><td colspan=\"2\"><p>merged</p></td><td>third</td></tr>\
        <tr><td rowspan=\"2\">tall</td><td>b4</td><td>c4</td></tr>\
        <tr><td>b5</td><td>c5</td></tr>\
        </tbody></table><p>After</p>";
    let got = cells(xhtml);
    let t = "table 1";
    assert_eq!(
        got,
        [
            cell("Staff", "", ""),
            cell("Name", t, "A1"),
            cell("SSN", t, "B1"),
            cell("Notes", t, "C1"),
            cell("Ada Lovelace", t, "A2"),
            cell("078-05-1120", t, "B2"),
            cell("merged", t, "A3"),
            cell("third", t, "C3"),
            cell("tall", t, "A4"),
            cell("b4", t, "B4"),
            cell("c4", t, "C4"),
            cell("b5", t, "B5"),
            cell("c5", t, "C5"),
            cell("After", "", ""),
        ]
    );
}

fn contexts(xhtml: &str) -> Vec<(String, Option<String>)> {
    extract(xhtml)
        .into_iter()
        .map(|s| (s.text, s.context))
        .collect()
}

fn with(text: &str, context: Option<&str>) -> (String, Option<String>) {
    (text.into(), context.map(str::to_owned))
}

#[test]
fn data_cells_carry_their_column_header_as_context() {
    // Header cells as Confluence writes them: text in `p` and `strong`, a grouped header over
    // two columns, and a data row with a cell spanning two columns.
    let xhtml = "<p>Intro</p><table><tbody>\
        <tr><th rowspan=\"2\"><p><strong>Provider</strong></p></th><th colspan=\"2\"><p>Identifiers</p></th></tr>\
        <tr><th>NPI</th><th>Phone</th></tr>\
        <tr><td>Dr. Amara Obi</td><td><p>1464608060</p></td><td>303 555 0100</td></tr>\
        <tr><td colspan=\"2\">merged</td><td><p>first</p><p>second</p></td></tr>\
        </tbody></table><p>After</p>";
    let segments = extract(xhtml);
    assert_eq!(
        joined_text(&segments),
        "Intro\nProvider\nIdentifiers\nNPI\nPhone\nDr. Amara Obi\n1464608060\n303 555 0100\n\
         merged\nfirst\nsecond\nAfter",
        "context is not part of the text"
    );
    assert_eq!(
        contexts(xhtml),
        [
            with("Intro", None),
            with("Provider", None),
            with("Identifiers", None),
            with("NPI", None),
            with("Phone", None),
            with("Dr. Amara Obi", Some("Provider")),
            with("1464608060", Some("Identifiers NPI")),
            with("303 555 0100", Some("Identifiers Phone")),
            with("merged", Some("Provider Identifiers NPI")),
            with("first", Some("Identifiers Phone")),
            with("second", Some("Identifiers Phone")),
            with("After", None),
        ]
    );
}

#[test]
fn a_header_cell_starting_a_row_heads_the_row() {
    // Confluence's "header column": the first cell of each row is a `th`.
    let xhtml = "<table><tbody>\
        <tr><th>Field</th><th>Value</th></tr>\
        <tr><th>SSN</th><td>536-22-1234</td></tr>\
        <tr><th><p>Card number</p></th><td>4746 5075 2917 0347</td></tr>\
        <tr><td>loose</td><td>row</td></tr>\
        </tbody></table>\
        <table><tr><th>Name</th><td>Jane Roe</td></tr></table>";
    assert_eq!(
        contexts(xhtml),
        [
            with("Field", None),
            with("Value", None),
            with("SSN", None),
            with("536-22-1234", Some("Value / SSN")),
            with("Card number", None),
            with("4746 5075 2917 0347", Some("Value / Card number")),
            with("loose", Some("Field")),
            with("row", Some("Value")),
            with("Name", None),
            with("Jane Roe", Some("Name")),
        ]
    );
}

#[test]
fn header_context_is_bounded() {
    let long = "Employee social security number ".repeat(40);
    let xhtml = format!("<table><tr><th>{long}</th></tr><tr><td>536-22-1234</td></tr></table>");
    let segments = extract(&xhtml);
    let context = segments[1].context.as_deref().unwrap();
    assert_eq!(context.chars().count(), 200);
    assert!(context.starts_with("Employee social security number"));
}

#[test]
fn nested_tables_are_tables_of_their_own() {
    let xhtml = "<table><tbody><tr><td>outer a1</td><td><table><tbody><tr><td>inner a1</td></tr>\
        <tr><td>inner a2</td></tr></tbody></table></td><td>outer c1</td></tr></tbody></table>\
        <table><tr><td>second</td></tr></table>";
    assert_eq!(
        cells(xhtml),
        [
            cell("outer a1", "table 1", "A1"),
            cell("inner a1", "table 2", "A1"),
            cell("inner a2", "table 2", "A2"),
            cell("outer c1", "table 1", "C1"),
            cell("second", "table 3", "A1"),
        ]
    );
}

#[test]
fn code_macro_body_is_verbatim_with_lines_and_offsets_right() {
    let xhtml = "<p>Intro</p><ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\" ac:macro-id=\"9f1\">\
        <ac:parameter ac:name=\"language\">bash</ac:parameter>\
        <ac:parameter ac:name=\"title\">Deploy   script</ac:parameter>\
        <ac:plain-text-body><![CDATA[export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\r\n\
export   SECRET=\"a  b\"   \n\
echo \"<done> & ok\"]]></ac:plain-text-body></ac:structured-macro><p>After</p>";
    let segments = extract(xhtml);
    let got: Vec<_> = segments.iter().map(|s| (s.text.as_str(), s.line)).collect();
    assert_eq!(
        got,
        [
            ("Intro", 1),
            ("Deploy script", 2),
            (
                "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nexport   SECRET=\"a  b\"   \necho \"<done> & ok\"",
                3
            ),
            ("After", 6),
        ]
    );
    let joined = joined_text(&segments);
    let key = segments[2].offset + segments[2].text.find("AKIA").unwrap();
    assert_eq!(&joined[key..key + 20], "AKIAIOSFODNN7EXAMPLE");
    let secret = segments[2].offset + segments[2].text.find("SECRET").unwrap();
    assert_eq!(
        joined[..secret].matches('\n').count() + 1,
        4,
        "SECRET is on line 4 of the joined text"
    );
}

#[test]
fn noformat_and_pre_keep_whitespace() {
    let xhtml = "<ac:structured-macro ac:name=\"noformat\"><ac:parameter ac:name=\"nopanel\">true</ac:parameter>\
        <ac:plain-text-body><![CDATA[  indented\n\ttabbed  line]]></ac:plain-text-body></ac:structured-macro>\
        <pre>  keep   <b>spaces</b>\n  here</pre>";
    assert_eq!(
        texts(xhtml),
        ["  indented\n\ttabbed  line", "  keep   spaces\n  here"]
    );
}

#[test]
fn panel_macros_give_title_and_paragraphs_but_not_settings() {
    let xhtml = "<ac:structured-macro ac:name=\"info\" ac:schema-version=\"1\">\
        <ac:parameter ac:name=\"icon\">false</ac:parameter>\
        <ac:parameter ac:name=\"title\">Customer contact</ac:parameter>\
        <ac:rich-text-body><p>Call Jane</p><p>on 555-0100</p></ac:rich-text-body></ac:structured-macro>\
        <ac:structured-macro ac:name=\"jira\"><ac:parameter ac:name=\"key\">OPS-1</ac:parameter>\
        <ac:parameter ac:name=\"title\">not shown</ac:parameter></ac:structured-macro>";
    assert_eq!(
        texts(xhtml),
        ["Customer contact", "Call Jane", "on 555-0100"]
    );
}

#[test]
fn status_macro_title_is_inline_text() {
    let xhtml = "<p>State: <ac:structured-macro ac:name=\"status\"><ac:parameter ac:name=\"colour\">Green</ac:parameter>\
        <ac:parameter ac:name=\"title\">DONE</ac:parameter></ac:structured-macro> today</p>";
    assert_eq!(texts(xhtml), ["State: DONE today"]);
}

#[test]
fn html_named_numeric_and_xml_entities_resolve() {
    assert_eq!(
        texts(
            "<p>A&nbsp;&nbsp;B &ndash; Caf&eacute; &amp; &lt;x&gt; &quot;q&apos; &#52;&#x31;11&nbsp;1111 &rsquo;</p>"
        ),
        ["A B \u{2013} Caf\u{E9} & <x> \"q' 4111 1111 \u{2019}"]
    );
    assert_eq!(texts("<pre>a&nbsp;b</pre>"), ["a\u{A0}b"]);
}

#[test]
fn unknown_entities_and_bare_ampersands_are_kept_as_written() {
    assert_eq!(
        texts("<p>Odd &foo; and &bogus-thing; kept; AT&T rocks &#xZZ;</p>"),
        ["Odd &foo; and &bogus-thing; kept; AT&T rocks &#xZZ;"]
    );
}

#[test]
fn references_placeholders_emoticons_and_images_are_not_text() {
    let xhtml = "<p>See <ac:link><ri:attachment ri:filename=\"passwords.xlsx\" /></ac:link> and \
        <ac:emoticon ac:name=\"smile\" ac:emoji-id=\"1f642\" /> <ac:placeholder>Type here</ac:placeholder>ok</p>\
        <ac:image ac:height=\"250\"><ri:attachment ri:filename=\"scan.png\" /></ac:image>";
    assert_eq!(texts(xhtml), ["See and ok"]);
}

#[test]
fn link_bodies_are_inline_text() {
    let xhtml = "<p>Ask <ac:link><ri:user ri:account-id=\"557058:abc\" /><ac:plain-text-link-body>\
        <![CDATA[Jane Doe]]></ac:plain-text-link-body></ac:link> or <ac:link><ri:page ri:content-title=\"HR\" />\
        <ac:link-body>the <em>HR</em> page</ac:link-body></ac:link>.</p>";
    assert_eq!(texts(xhtml), ["Ask Jane Doe or the HR page."]);
}

#[test]
fn link_targets_that_differ_from_their_text_are_scanned_after_the_block() {
    let xhtml = "<p>Hook: <a href=\"https://hooks.slack.com/services/T0/B0/XYZ?a=1&amp;b=2\">Slack</a>, \
        <a href=\"https://x.test/\">https://x.test</a>, <a href=\"mailto:jane@x.test\">jane@x.test</a>, \
        <a href=\"#top\">top</a></p><p>next</p>";
    assert_eq!(
        texts(xhtml),
        [
            "Hook: Slack, https://x.test, jane@x.test, top",
            "https://hooks.slack.com/services/T0/B0/XYZ?a=1&b=2",
            "next"
        ]
    );
}

#[test]
fn time_elements_read_as_their_date() {
    assert_eq!(
        texts("<p>Born <time datetime=\"1985-03-12\" /> in Leeds</p>"),
        ["Born 1985-03-12 in Leeds"]
    );
}

#[test]
fn tasks_quotes_and_layouts_give_their_text_only() {
    let xhtml = "<ac:layout><ac:layout-section ac:type=\"two_equal\"><ac:layout-cell><blockquote><p>quoted</p>\
        </blockquote></ac:layout-cell><ac:layout-cell><ac:task-list><ac:task><ac:task-id>17</ac:task-id>\
        <ac:task-uuid>a-b</ac:task-uuid><ac:task-status>incomplete</ac:task-status><ac:task-body>Call \
        <strong>Bob</strong></ac:task-body></ac:task></ac:task-list></ac:layout-cell></ac:layout-section></ac:layout>";
    assert_eq!(texts(xhtml), ["quoted", "Call Bob"]);
}

#[test]
fn adf_extensions_are_read_once_not_with_their_fallback() {
    let xhtml = "<ac:adf-extension><ac:adf-node type=\"panel\"><ac:adf-attribute key=\"panel-type\">note\
        </ac:adf-attribute><ac:adf-content><p>the note</p></ac:adf-content></ac:adf-node><ac:adf-fallback>\
        <div class=\"panel\"><p>the note</p></div></ac:adf-fallback></ac:adf-extension>";
    assert_eq!(texts(xhtml), ["the note"]);
}

#[test]
fn a_fragment_may_have_loose_text_and_many_roots() {
    assert_eq!(
        texts("loose text <b>bold</b><p>para</p>tail"),
        ["loose text bold", "para", "tail"]
    );
    assert!(texts("").is_empty());
    assert!(texts("  \n <p> &nbsp; </p><p><br/></p>").is_empty());
}

#[test]
fn malformed_markup_is_an_error_with_position_that_quotes_nothing() {
    let cases = [
        ("<p><secret4111>x</p></secret4111>", 16),
        ("<p>4111 1111 1111 1111", 22),
        ("<p>a</p></p>", 8),
        ("<p class=\"secret4111>x</p>", 0),
        ("<p>a</p><", 8),
        ("<![CDATA[secret4111", 0),
    ];
    for (xhtml, position) in cases {
        let err = storage_segments(xhtml, &StorageLimits::default()).unwrap_err();
        let ExtractError::Malformed {
            position: at,
            reason,
        } = err.clone()
        else {
            panic!("{xhtml}: {err:?}")
        };
        assert_eq!(at, position, "{xhtml}: {reason}");
        let message = err.to_string();
        assert!(
            !message.contains("secret") && !message.contains("4111"),
            "{message}"
        );
        assert_eq!(err.kind(), "malformed");
    }
}
