//! Engine and classifier behaviour across modules: offsets, lines, scoring, overlaps,
//! digests, and what must never be printed, each shown with the rule it relies on. The
//! built-in pack as a whole is tested in `builtin_pack`, the classifier as the service uses it
//! in `classifier`.

mod builtin_pack;
mod classifier;
mod national_ids;
mod structured;

use secrecy::SecretSlice;

use super::*;
use dlp_domain::{Category, ContentType, SegmentOrigin};

pub(crate) fn seg(text: &str, offset: usize, line: u32) -> Segment {
    Segment {
        text: text.to_owned(),
        offset,
        line,
        origin: SegmentOrigin::default(),
        context: None,
    }
}

fn one(text: &str) -> Vec<Segment> {
    vec![seg(text, 0, 1)]
}

/// A one-rule pack built from TOML, so each test states the rule it relies on.
fn engine_with(rule_toml: &str, opts: EngineOptions) -> Engine {
    Engine::new(
        RulePack::from_toml_str("test.toml", rule_toml).unwrap(),
        opts,
    )
    .unwrap()
}

pub(crate) const TOKEN_RULE: &str = r#"
[[rule]]
id = "demo-token"
name = "Demo token"
category = "secret"
severity = "high"
pattern = 'tok_(?P<value>[a-z0-9]{12})\b'
keywords = ["tok_"]
confidence = 0.6
examples = ["tok_a1b2c3d4e5f6"]
negative_examples = ["tok_short"]

[rule.context]
window = 20
raise = ["token"]
lower = ["sample"]
raise_by = 0.2
lower_by = 0.2
"#;

#[test]
fn offsets_and_lines_are_in_the_joined_text() {
    let engine = Engine::builtin();
    // Joined text: "intro\n" + "a\nb SSN: 536-22-1234\n" + "x\n" + "key AKIAUJZDEGXDNCF32EPF"
    let first = "intro";
    let second = "a\nb SSN: 536-22-1234\nc";
    let third = "key AKIAUJZDEGXDNCF32EPF";
    let origin = SegmentOrigin {
        sheet: Some("Staff".into()),
        cell: Some("B7".into()),
        ..Default::default()
    };
    let segments = vec![
        seg(first, 0, 1),
        seg(second, first.len() + 1, 2),
        Segment {
            origin: origin.clone(),
            ..seg(third, first.len() + second.len() + 2, 5)
        },
    ];
    let joined = format!("{first}\n{second}\n{third}");
    let found = engine.find(&segments);
    assert_eq!(found.len(), 2, "{found:?}");
    let ssn = &found[0];
    assert_eq!((&*ssn.rule_id, ssn.line), ("us-ssn", 3));
    assert_eq!(&joined[ssn.start..ssn.end], "536-22-1234");
    let key = &found[1];
    assert_eq!((&*key.rule_id, key.line), ("aws-access-key-id", 5));
    assert_eq!(&joined[key.start..key.end], "AKIAUJZDEGXDNCF32EPF");
    assert_eq!(*key.origin(), origin);
    assert_eq!(key.value(), "AKIAUJZDEGXDNCF32EPF");
}

#[test]
fn debug_of_a_match_never_shows_the_value() {
    let found = Engine::builtin().find(&one("card 4746 5075 2917 0347"));
    assert_eq!(found.len(), 1);
    let printed = format!("{:?} {:#?}", found[0], found);
    assert!(
        !printed.contains("4746") && !printed.contains("0347"),
        "{printed}"
    );
    assert!(printed.contains("credit-card") && printed.contains("redacted"));
}

#[test]
fn context_words_raise_and_lower_confidence() {
    let engine = engine_with(
        TOKEN_RULE,
        EngineOptions {
            min_confidence: 0.0,
            ..Default::default()
        },
    );
    let conf = |t: &str| engine.find(&one(t)).first().map(|m| m.confidence);
    let near = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
    assert!(near(conf("x tok_a1b2c3d4e5f6"), 0.6));
    assert!(near(conf("token: tok_a1b2c3d4e5f6"), 0.8));
    assert!(
        near(conf("TOKEN tok_a1b2c3d4e5f6 (sample)"), 0.6),
        "raise and lower cancel"
    );
    assert!(near(conf("a sample tok_a1b2c3d4e5f6"), 0.4));
    assert!(
        near(conf("token far away ............... tok_a1b2c3d4e5f6"), 0.6),
        "outside the window"
    );
}

#[test]
fn a_value_given_as_an_example_is_one_where_it_repeats() {
    let engine = engine_with(
        TOKEN_RULE,
        EngineOptions {
            min_confidence: 0.0,
            ..Default::default()
        },
    );
    let conf = |t: &str| {
        engine
            .find(&one(t))
            .iter()
            .map(|m| m.confidence)
            .collect::<Vec<_>>()
    };
    let pad = " ".repeat(30);
    assert_eq!(
        conf(&format!(
            "a sample tok_a1b2c3d4e5f6{pad}then tok_a1b2c3d4e5f6{pad}and tok_q1w2e3r4t5y6"
        )),
        [0.4, 0.4, 0.6],
        "the repeat far from the word is lowered, another value is not"
    );
    assert_eq!(
        conf(&format!("tok_a1b2c3d4e5f6{pad}a sample tok_a1b2c3d4e5f6")),
        [0.6, 0.4],
        "what comes before the example is read as it stands"
    );
    assert_eq!(
        conf(&format!("tok_a1b2c3d4e5f6{pad}tok_a1b2c3d4e5f6")),
        [0.6, 0.6]
    );
    // A phone number documentation gives "such as", and then uses again.
    let builtin = Engine::builtin();
    let phones = |t: &str| {
        builtin
            .find(&one(t))
            .iter()
            .filter(|m| m.rule_id.starts_with("phone"))
            .count()
    };
    let used = "The second extension makes this two phone numbers, (530) 583-6985 x302 and \
                (530) 583-6985 x2303.";
    assert_eq!(phones(used), 2);
    let given = "Strip a second extension, such as in the case of: (530) 583-6985 x302/x2303.";
    assert_eq!(phones(&format!("{given} {used}")), 0);
}

#[test]
fn required_context_and_contextual_patterns() {
    let engine = Engine::builtin();
    let ids = |t: &str| {
        engine
            .find(&one(t))
            .into_iter()
            .map(|m| m.rule_id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("NPI 2348395486"), ["us-npi"]);
    assert!(ids("ref 2348395486").is_empty(), "NPI needs context");
    assert_eq!(ids("SSN 536221234"), ["us-ssn"]);
    assert!(
        ids("ref 536221234").is_empty(),
        "bare nine digits need context"
    );
}

/// A table cell holding only `text`, under a column headed `header`.
fn cell_under(header: &str, text: &str) -> Vec<Segment> {
    vec![
        seg(header, 0, 1),
        Segment {
            context: Some(header.to_owned()),
            ..seg(text, header.len() + 1, 2)
        },
    ]
}

#[test]
fn a_column_header_is_context_for_the_cells_below_it() {
    let engine = Engine::builtin();
    let ids = |segments: Vec<Segment>| {
        engine
            .find(&segments)
            .into_iter()
            .map(|m| (m.rule_id.to_string(), m.start, m.end))
            .collect::<Vec<_>>()
    };
    // The NPI rule requires a context word and has its context words as keywords.
    assert_eq!(
        ids(cell_under("NPI", "1464608060")),
        [("us-npi".to_owned(), 4, 14)]
    );
    assert_eq!(ids(cell_under("Provider NPI", "1464608060")).len(), 1);
    assert!(ids(cell_under("Phone", "1464608060")).is_empty());
    assert!(
        ids(one("1464608060")).is_empty(),
        "a bare cell is not an NPI"
    );
    // A bare nine-digit SSN (contextual_pattern) under an "SSN" column.
    assert_eq!(
        ids(cell_under("Employee SSN", "536221234")),
        [("us-ssn".to_owned(), 13, 22)]
    );
    assert!(ids(cell_under("Employee ID", "536221234")).is_empty());
    // The header is never a source of values, only of words.
    assert!(
        ids(vec![Segment {
            context: Some("SSN 536-22-1234".into()),
            ..seg("nothing here", 0, 1)
        }])
        .is_empty()
    );
}

#[test]
fn lower_words_in_a_header_lower_confidence() {
    let engine = Engine::builtin();
    let conf = |header: &str| {
        let found = engine.find(&cell_under(header, "4746 5075 2917 0347"));
        assert_eq!(found.len(), 1, "{header}: {found:?}");
        found[0].confidence
    };
    let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(near(conf("Notes"), 0.8));
    assert!(near(conf("Card number"), 0.9), "raised by the header");
    assert!(near(conf("Order #"), 0.5), "lowered by the header");
    assert!(near(conf("Card / Order #"), 0.6), "both");
}

#[test]
fn placeholders_lower_and_min_confidence_drops() {
    let lenient = engine_with(
        TOKEN_RULE,
        EngineOptions {
            min_confidence: 0.0,
            ..Default::default()
        },
    );
    let found = lenient.find(&one("token tok_testa1b2c3d4"));
    assert!(
        (found[0].confidence - 0.4).abs() < 1e-9,
        "0.6 + 0.2 raise - 0.4 placeholder"
    );
    let strict = engine_with(TOKEN_RULE, EngineOptions::default());
    assert!(
        strict.find(&one("tok_testa1b2c3d4")).is_empty(),
        "0.2 is below 0.5"
    );
    assert_eq!(strict.find(&one("tok_a1b2c3d4e5f6")).len(), 1);
}

#[test]
fn famous_test_card_is_kept_with_lower_confidence() {
    let engine = Engine::builtin();
    let test = engine.find(&one("card 4111 1111 1111 1111"));
    let real = engine.find(&one("card 4746 5075 2917 0347"));
    assert_eq!(test.len(), 1);
    assert!(test[0].confidence < real[0].confidence);
    let stripe = engine.find(&one("card 4242 4242 4242 4242"));
    assert!(
        stripe[0].confidence < real[0].confidence,
        "suspect_values from the rule"
    );
}

#[test]
fn entropy_gate_and_ignore_values() {
    let engine = Engine::builtin();
    assert!(engine.find(&one("aws AKIAAAAAAAAAAAAAAAAA")).is_empty());
    assert!(engine.find(&one("aws AKIAIOSFODNN7EXAMPLE")).is_empty());
}

#[test]
fn same_span_from_two_rules_keeps_the_surer_one() {
    let second = TOKEN_RULE
        .replace("demo-token", "demo-token-strong")
        .replace("0.6", "0.9");
    let pack = RulePack::from_toml_str("a.toml", TOKEN_RULE)
        .unwrap()
        .merge(RulePack::from_toml_str("b.toml", &second).unwrap());
    let engine = Engine::new(pack, EngineOptions::default()).unwrap();
    let found = engine.find(&one("tok_a1b2c3d4e5f6 and tok_zzzzzzzzzzzz"));
    let ids: Vec<_> = found.iter().map(|m| &*m.rule_id).collect();
    assert_eq!(ids, ["demo-token-strong", "demo-token-strong"]);
}

#[test]
fn a_value_inside_another_is_reported_once_by_the_enclosing_rule() {
    let engine = Engine::builtin();
    // The "password@host.tld" tail reads as an e-mail address; the connection string holds it.
    let found = engine.find(&one(
        "DATABASE_URL=postgres://app:Vq7Lr2xKp9Wm4Tz@pg-01.acme-corp.com:5432/orders",
    ));
    let ids: Vec<_> = found.iter().map(|m| &*m.rule_id).collect();
    assert_eq!(ids, ["postgres-connection-string"]);
}

#[test]
fn digest_changes_with_rules_and_options() {
    let base = Engine::builtin();
    let changed_rule = TOKEN_RULE.replace("0.6", "0.65");
    let a = engine_with(TOKEN_RULE, EngineOptions::default());
    let b = engine_with(&changed_rule, EngineOptions::default());
    assert_ne!(a.digest(), b.digest());
    let c = engine_with(
        TOKEN_RULE,
        EngineOptions {
            min_confidence: 0.6,
            ..Default::default()
        },
    );
    assert_ne!(a.digest(), c.digest());
    let mut pack = RulePack::builtin();
    pack.disable("email");
    let without_email = Engine::new(pack, EngineOptions::default()).unwrap();
    assert_ne!(base.digest(), without_email.digest());
    assert!(!without_email.detector_ids().contains(&"email"));
    let renamed_file = RulePack::from_toml_str("elsewhere.toml", TOKEN_RULE).unwrap();
    let d = Engine::new(renamed_file, EngineOptions::default()).unwrap();
    assert_eq!(
        a.digest(),
        d.digest(),
        "where a rule was read from does not matter"
    );
}

#[test]
fn options_disable_rules_and_allow_values() {
    let opts = EngineOptions {
        disabled_rules: vec!["us-ssn".into()],
        allow_values: vec![r"@acme-corp\.com$".into()],
        ..Default::default()
    };
    let engine = Engine::new(RulePack::builtin(), opts).unwrap();
    let found = engine.find(&one(
        "SSN 536-22-1234 mail jane@acme-corp.com or jane@globex.com",
    ));
    let values: Vec<_> = found.iter().map(|m| m.value()).collect();
    assert_eq!(values, ["jane@globex.com"]);
    let bad = EngineOptions {
        allow_values: vec!["(".into()],
        ..Default::default()
    };
    let msg = Engine::new(RulePack::builtin(), bad)
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "engine option allow_values: entry 0 is not a valid regex"
    );
    let bad = EngineOptions {
        min_confidence: 2.0,
        ..Default::default()
    };
    assert!(Engine::new(RulePack::builtin(), bad).is_err());
}

#[test]
fn a_value_group_that_is_the_whole_match_is_found_without_captures() {
    // Both shapes report the same value; the first needs no capture search.
    for pattern in [
        r"(?-u:\b)(?P<value>tok_[a-z0-9]{12})(?-u:\b)",
        r"tok_(?P<value>[a-z0-9]{12})(?-u:\b)",
    ] {
        let rule = TOKEN_RULE.replace(r"tok_(?P<value>[a-z0-9]{12})\b", pattern);
        let engine = engine_with(&rule, EngineOptions::default());
        let found = engine.find(&one("a token tok_a1b2c3d4e5f6 and tok_z9y8x7w6v5u4."));
        let values: Vec<&str> = found.iter().map(|m| m.value()).collect();
        if pattern.starts_with("tok_") {
            assert_eq!(values, ["a1b2c3d4e5f6", "z9y8x7w6v5u4"], "{pattern}");
        } else {
            assert_eq!(
                values,
                ["tok_a1b2c3d4e5f6", "tok_z9y8x7w6v5u4"],
                "{pattern}"
            );
        }
    }
}

/// A word of another address is no context: `samplefoods.com` names a company, and its
/// "sample" does not make the address on the next line a stand-in. Checked on a fresh scratch
/// (context words read window by window) and on one that just read dense text (context words
/// taken from the keyword pass).
#[test]
fn words_inside_other_addresses_are_not_context() {
    let engine = Engine::builtin();
    let text = "- Chloe Petrova handles the account: cpetrova@example-health.org.\n\
                - Chloe Moreau handles the account: chloe.moreau@samplefoods.com.\n";
    let dense: String = (0..400)
        .map(|i| format!("user{i}@acme-corp.com, "))
        .collect();
    let mut scratch = Scratch::default();
    for warm in [false, true] {
        if warm {
            engine.find_with(&one(&dense), &mut scratch);
        }
        let found: Vec<String> = engine
            .find_with(&one(text), &mut scratch)
            .iter()
            .filter(|m| &*m.rule_id == "email")
            .map(|m| m.value().to_owned())
            .collect();
        assert_eq!(
            found,
            [
                "cpetrova@example-health.org",
                "chloe.moreau@samplefoods.com"
            ],
            "warm scratch: {warm}"
        );
    }
}

/// Digits cut out of a longer identifier are not the number they look like; the same digits
/// on their own, or written with their own separators, are.
#[test]
fn numbers_inside_longer_identifiers_are_not_reported() {
    let engine = Engine::builtin();
    let found = |text: &str| -> Vec<String> {
        engine
            .find(&one(text))
            .iter()
            .map(|m| format!("{}={}", m.rule_id, m.value()))
            .collect()
    };
    for inside in [
        "Ledger entry ACC-4539578763621486-77 settled",
        "see https://shop.acme-corp.com/orders/4539578763621486 for it",
        "ticket HR-550669113-656 closed (SSN on file)",
        "invoice INV.4539578763621486.2 paid by card",
        "EVIDENCE-OF: R-98765-43210 Calling close() twice is harmless",
    ] {
        assert!(found(inside).is_empty(), "{inside}: {:?}", found(inside));
    }
    assert_eq!(
        found("Card 4539-5787-6362-1486 on file."),
        ["credit-card=4539-5787-6362-1486"]
    );
    assert_eq!(
        found("card on file: 4539578763621486."),
        ["credit-card=4539578763621486"]
    );
}
