//! Hostile and broken input: limits, entity bombs, truncations and random corruption.

use super::*;
use crate::assert_consistent;

/// A page shaped like real Confluence output: headings, a table, macros, links, entities.
fn realistic_page() -> String {
    let block = "<h2>Release checklist &ndash; Q3</h2>\
        <p>Owner: <ac:link><ri:user ri:account-id=\"557058:0a1b\" /></ac:link>, due <time datetime=\"2024-09-30\" />.\
        Contact <a href=\"mailto:ops@example.com\">ops</a>&nbsp;or call&nbsp;+44&nbsp;20&nbsp;7946&nbsp;0958.</p>\
        <table data-layout=\"wide\"><colgroup><col /><col /></colgroup><tbody>\
        <tr><th><p><strong>System</strong></p></th><th><p>Credential</p></th></tr>\
        <tr><td><p>Billing</p></td><td><p><code>sk_live_4eC39HqLyjWDarjtT1zdp7dc</code></p></td></tr>\
        <tr><td colspan=\"2\"><p>Caf&eacute; card <strong>4111 1111</strong> 1111 1111 &amp; more</p></td></tr>\
        </tbody></table>\
        <ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">yaml\
        </ac:parameter><ac:plain-text-body><![CDATA[db:\n  user: admin\n  password: \"hunter2<>&\"\n]]>\
        </ac:plain-text-body></ac:structured-macro>\
        <ac:structured-macro ac:name=\"warning\"><ac:rich-text-body><ul><li>Rotate <em>keys</em></li>\
        <li>Check &lt;logs&gt;<br/>twice</li></ul></ac:rich-text-body></ac:structured-macro>\
        <!-- editor comment --><p>Done&#33; <ac:emoticon ac:name=\"tick\" /></p>";
    block.repeat(5)
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Runs the extractor; whatever it returns, the result must hold the segment invariant.
fn survives(xhtml: &str) {
    if let Ok(segments) = storage_segments(xhtml, &StorageLimits::default()) {
        assert_consistent(&segments);
    }
}

#[test]
fn the_realistic_page_extracts() {
    let page = realistic_page();
    let segments = storage_segments(&page, &StorageLimits::default()).unwrap();
    assert_consistent(&segments);
    let texts: Vec<_> = segments.iter().map(|s| s.text.as_str()).collect();
    assert!(texts.contains(&"Caf\u{E9} card 4111 1111 1111 1111 & more"));
    assert!(texts.contains(&"db:\n  user: admin\n  password: \"hunter2<>&\"\n"));
    assert!(texts.contains(&"mailto:ops@example.com"));
    assert!(
        texts
            .iter()
            .any(|t| t.contains("due 2024-09-30.") && t.contains("+44 20 7946 0958"))
    );
}

#[test]
fn ten_thousand_truncations_never_panic() {
    let page = realistic_page();
    let cuts: Vec<usize> = (0..=page.len())
        .filter(|&i| page.is_char_boundary(i))
        .collect();
    // Cut off the end and, separately, the start: both leave markup open or dangling.
    assert!(
        cuts.len() * 2 >= 10_000,
        "page has {} cut points",
        cuts.len()
    );
    for &cut in &cuts {
        survives(&page[..cut]);
        survives(&page[cut..]);
    }
}

#[test]
fn random_corruption_never_panics() {
    let page = realistic_page().into_bytes();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let alphabet = b"<>/&;!?[]\"'=-# \nabc:\xC3\xA9\xFF";
    for _ in 0..2_000 {
        let mut bytes = page.clone();
        for _ in 0..=rng.below(8) {
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] = alphabet[rng.below(alphabet.len())],
                1 => bytes[at] = rng.next() as u8,
                _ => {
                    let end = (at + rng.below(64)).min(bytes.len());
                    bytes.drain(at..end);
                }
            }
        }
        survives(&String::from_utf8_lossy(&bytes));
    }
    for _ in 0..500 {
        let noise: Vec<u8> = (0..rng.below(512)).map(|_| rng.next() as u8).collect();
        survives(&String::from_utf8_lossy(&noise));
    }
}

#[test]
fn doctype_entity_bombs_are_refused_without_expansion() {
    let mut bomb = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for level in 1..10 {
        bomb.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">",
            format!("&lol{};", level - 1).repeat(10)
        ));
    }
    bomb.push_str("]><p>&lol9;</p>");
    let bomb = bomb.replace("&lol0;", "&lol;");
    let err = storage_segments(&bomb, &StorageLimits::default()).unwrap_err();
    assert!(
        matches!(err, ExtractError::Malformed { position: 0, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("entity declarations"));

    // Without the declarations, the same reference is just an unknown entity.
    assert_eq!(
        storage_segments("<p>&lol9;</p>", &StorageLimits::default()).unwrap()[0].text,
        "&lol9;"
    );
    // A DOCTYPE that declares nothing is harmless and ignored.
    let plain = storage_segments("<!DOCTYPE html><p>x</p>", &StorageLimits::default()).unwrap();
    assert_eq!(plain[0].text, "x");
}

#[test]
fn nesting_deeper_than_the_limit_is_refused() {
    let nested = |depth: usize| format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth));
    let limits = StorageLimits::default();
    assert_eq!(
        storage_segments(&nested(limits.max_depth), &limits).unwrap()[0].text,
        "x"
    );
    let err = storage_segments(&nested(limits.max_depth + 1), &limits).unwrap_err();
    assert_eq!(
        err,
        ExtractError::LimitExceeded {
            what: "element nesting depth",
            limit: 256
        }
    );
    // Ignored subtrees count too: depth is about the parser's work, not the text.
    let hidden = format!(
        "<ac:placeholder>{}</ac:placeholder>",
        nested(limits.max_depth)
    );
    assert!(matches!(
        storage_segments(&hidden, &limits),
        Err(ExtractError::LimitExceeded { .. })
    ));
}

#[test]
fn size_and_segment_limits_are_enforced() {
    let limits = StorageLimits {
        max_bytes: 10,
        ..StorageLimits::default()
    };
    let err = storage_segments("<p>0123456789</p>", &limits).unwrap_err();
    assert_eq!(
        err,
        ExtractError::LimitExceeded {
            what: "storage body size in bytes",
            limit: 10
        }
    );

    let limits = StorageLimits {
        max_segments: 3,
        ..StorageLimits::default()
    };
    assert_eq!(
        storage_segments("<p>1</p><p>2</p><p>3</p>", &limits)
            .unwrap()
            .len(),
        3
    );
    let err = storage_segments("<p>1</p><p>2</p><p>3</p><p>4</p>", &limits).unwrap_err();
    assert_eq!(
        err,
        ExtractError::LimitExceeded {
            what: "segments",
            limit: 3
        }
    );
}

#[test]
fn wide_headers_give_bounded_context_at_bounded_cost() {
    // Thousands of header cells, and data cells spanning hundreds of them: each data cell
    // reads at most the headers that fit in its context, not every header over it.
    let header_row = format!("<tr>{}</tr>", "<th>h</th>".repeat(5_000));
    let data_rows = "<tr><td colspan=\"1000\">536-22-1234</td></tr>".repeat(2_000);
    let long_header = format!("<tr><th>{}</th></tr>", "<p>SSN</p>".repeat(5_000));
    let xhtml = format!(
        "<table>{header_row}{data_rows}</table><table>{long_header}<tr><td>x</td></tr></table>"
    );
    let segments = storage_segments(&xhtml, &StorageLimits::default()).unwrap();
    assert_consistent(&segments);
    let contexts: Vec<&str> = segments
        .iter()
        .filter_map(|s| s.context.as_deref())
        .collect();
    assert_eq!(contexts.len(), 2_001);
    assert!(contexts.iter().all(|c| c.chars().count() <= 200));
    assert_eq!(contexts[0], ["h"; 100].join(" ").as_str());
    assert!(contexts[2_000].starts_with("SSN SSN"));
}
