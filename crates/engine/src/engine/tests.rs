//! The engine's candidate regions and rule groups, seen from inside: which regions a
//! segment opens for which rules, and which rules share a search.
use super::*;
use crate::regions::Candidates;

/// The candidate regions of `text` under `engine`, as the text they cover.
fn regions<'t>(engine: &Engine, text: &'t str) -> Vec<&'t str> {
    let mut candidates = Candidates::default();
    engine.candidates.collect_alone(text, None, &mut candidates);
    let mut found = Vec::new();
    candidates.drain_in_order(|r| found.push(&text[r.start..r.end]));
    found
}

#[test]
fn a_digit_rule_that_needs_context_is_a_candidate_near_its_words_only() {
    let pack = RulePack::from_toml_str(
        "tfn.toml",
        r#"
[[rule]]
id = "tfn"
name = "Tax file number"
category = "pii"
severity = "high"
pattern = '(?-u:\b)[0-9]{3}\x20?[0-9]{3}\x20?[0-9]{3}(?-u:\b)'
prefilter = "digits"
min_digits = 9
confidence = 0.7
examples = ["TFN 123 456 782"]
negative_examples = ["order 123456782"]
[rule.context]
window = 16
raise = ["tfn"]
required = true
"#,
    )
    .unwrap();
    let engine = Engine::new(pack, EngineOptions::default()).unwrap();
    let text = "order=123456782 took=5ms; later on the form, TFN 123 456 782 was given";
    // The order number's run is as long as the TFN's, but no "tfn" stands near it. The
    // TFN's region reaches the 2 bytes its match may hold past its run of 9 digits.
    assert_eq!(regions(&engine, text), [" 123 456 782 "]);
    assert!(regions(&engine, "order=123456782 took=5ms").is_empty());
    let found = engine.find(&[Segment {
        text: "123 456 782".into(),
        offset: 0,
        line: 1,
        origin: Default::default(),
        context: Some("TFN".into()),
    }]);
    assert_eq!(found.len(), 1, "under a TFN column header");
}

#[test]
fn a_keyword_of_digits_counts_where_a_number_starts() {
    let engine = Engine::builtin();
    let e164 = engine
        .rules
        .iter()
        .position(|r| r.spec.id == "phone-e164")
        .unwrap();
    let regions_of_e164 = |text: &str| {
        let mut candidates = Candidates::default();
        engine.candidates.collect_alone(text, None, &mut candidates);
        let mut found = 0;
        candidates.drain_in_order(|r| found += usize::from(r.rule == e164));
        found
    };
    // `00` inside a digest or a larger number dials nowhere.
    assert_eq!(
        regions_of_e164("sha=9b3e2e981f1100764864d3db1e1 order 6983146493"),
        0
    );
    assert_eq!(regions_of_e164("took 1000ms, order 6983146493"), 0);
    assert_eq!(regions_of_e164("call 0049 30 12345678 today"), 1);
    let found = engine.find(&[Segment {
        text: "call 0049 30 12345678 today".into(),
        offset: 0,
        line: 1,
        origin: Default::default(),
        context: None,
    }]);
    assert!(
        found.iter().any(|m| &*m.rule_id == "phone-e164"),
        "{found:?}"
    );
}

#[test]
fn rules_with_large_patterns_stay_out_of_groups() {
    let engine = Engine::builtin();
    let ids = |g: &RuleGroup| {
        g.members
            .iter()
            .map(|&m| engine.rules[m].spec.id.as_str())
            .collect::<Vec<_>>()
    };
    let digits = engine
        .groups
        .iter()
        .map(ids)
        .find(|ids| ids.contains(&"us-ssn"))
        .expect("a digit group");
    assert!(
        digits.contains(&"us-ssn") && digits.contains(&"uk-nino"),
        "{digits:?}"
    );
    // The IBAN's DFA is small, but searched with the other digit rules' together it
    // would make theirs ten times larger.
    assert!(
        !digits.contains(&"credit-card") && !digits.contains(&"iban"),
        "{digits:?}"
    );
    let phones = engine
        .groups
        .iter()
        .map(ids)
        .find(|ids| ids.contains(&"phone-de"))
        .expect("a group of national phone rules");
    assert_eq!(phones.len(), 18, "{phones:?}");
    let card = engine
        .rules
        .iter()
        .find(|r| r.spec.id == "credit-card")
        .unwrap();
    assert!(!card.small_enough_to_group(false));
    assert!(card.patterns[0].gate().is_some(), "its own DFAs are built");
}

#[test]
fn a_pattern_s_dfas_find_what_its_regex_finds() {
    // A pattern's DFAs are built once it has searched many regions, which no test text here
    // gives it: one engine with every pattern's DFAs built, one with none, on every example.
    let unbuilt = Engine::builtin();
    let built = Engine::builtin();
    for pattern in built.rules.iter().flat_map(|r| &r.patterns) {
        pattern.gate();
    }
    let seen = |m: &Match| {
        (
            m.rule_id.to_string(),
            m.start,
            m.end,
            m.confidence.to_bits(),
        )
    };
    for rule in &built.rules {
        for text in rule
            .spec
            .examples
            .iter()
            .chain(&rule.spec.negative_examples)
        {
            let segment = [crate::tests::seg(text, 0, 1)];
            let (a, b) = (unbuilt.find(&segment), built.find(&segment));
            assert_eq!(
                a.iter().map(seen).collect::<Vec<_>>(),
                b.iter().map(seen).collect::<Vec<_>>(),
                "{}: {text}",
                rule.spec.id
            );
        }
    }
}

#[test]
fn group_searches_are_built_ahead_for_a_scan() {
    let engine = Engine::builtin();
    assert!(!engine.groups.is_empty());
    let build = engine.group_searches();
    std::thread::spawn(build).join().unwrap();
    for group in &engine.groups {
        // Built (or found unbuildable) already: asked again, nothing is built.
        let _ = group.gate.get(|| unreachable!("built ahead"));
    }
    let digits = engine
        .groups
        .iter()
        .find(|g| {
            g.members
                .iter()
                .any(|&m| engine.rules[m].spec.id == "us-ssn")
        })
        .expect("the digit rules' group");
    assert!(digits.gate.get(|| unreachable!()).is_some());
}
