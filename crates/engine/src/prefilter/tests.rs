//! The prefilter's candidate regions for rules written here, seen from inside.
use super::*;
use crate::RulePack;
use crate::digit_runs::ALL_SEPARATORS;

/// A rule of a pack file's text, and its pattern's syntax.
fn rule_of(rule: &str) -> (RulePack, [regex_syntax::hir::Hir; 1]) {
    let pack = RulePack::from_toml_str("rule.toml", rule).unwrap();
    let hir = [regex_syntax::parse(&pack.rules()[0].pattern).unwrap()];
    (pack, hir)
}

/// The prefilter of `spec` as the engine derives it from its pattern's syntax, with the
/// reach of its longest match.
fn prefilter_of<'a>(spec: &'a RuleSpec, hir: &[regex_syntax::hir::Hir; 1]) -> RulePrefilter<'a> {
    RulePrefilter {
        spec,
        keywords: super::super::shape::keywords_in_matches(hir, &spec.keywords),
        digit_separators: super::super::run_separators::digit_separators(hir),
        reach: Reach::Bytes(hir[0].properties().maximum_len().unwrap_or(64)),
        value_reach: None,
        run_reach: None,
        filing: Filing {
            target: 0,
            members: 1,
        },
        match_bytes: MatchBytes::of(hir),
        run_edges: RunEdges::of(hir),
        holds_a_digit: super::super::shape::every_match_holds_a_digit(&hir[0]),
    }
}

/// The candidate regions `index` finds in `text`.
fn regions_in(index: &CandidateIndex, text: &str) -> Vec<String> {
    let mut scratch = Candidates::default();
    index.collect_alone(text, None, &mut scratch);
    let mut regions = Vec::new();
    scratch.drain_in_order(|r| regions.push(text[r.start..r.end].to_owned()));
    regions
}

/// The candidate regions of one rule, prefiltered as the engine prefilters it.
fn regions_of(rule: &str, text: &str) -> Vec<String> {
    let (pack, hir) = rule_of(rule);
    let prefilter = prefilter_of(&pack.rules()[0], &hir);
    let index = CandidateIndex::new(std::iter::once(prefilter), 1, &[], &[]);
    regions_in(&index, text)
}

#[test]
fn a_run_is_no_candidate_for_a_rule_whose_letters_cannot_stand_next_to_it() {
    let rule = r#"
[[rule]]
id = "nino"
name = "NI number"
category = "pii"
severity = "high"
pattern = '(?-u:\b)[A-Z]{2}\x20?[0-9]{2}\x20?[0-9]{2}\x20?[0-9]{2}\x20?[A-D](?-u:\b)'
prefilter = "digits"
min_digits = 6
confidence = 0.8
examples = ["NI QQ 12 34 56 C"]
negative_examples = ["NI pending"]
"#;
    // The order number and the date are runs of enough digits, but `=` and the start of
    // the line are no bytes of a match, which begins with its letters.
    let text = "2026-03-28 order=7376575029 ni QQ 12 34 56 C done";
    assert_eq!(regions_of(rule, text), [" QQ 12 34 56 C "]);
}

#[test]
fn a_keyword_region_without_a_digit_is_none_for_a_rule_whose_matches_hold_one() {
    let rule = r#"
[[rule]]
id = "cvv"
name = "CVV"
category = "pci"
severity = "high"
pattern = '(?i-u:cvv|cid)[\x20:]{0,4}[0-9]{3,4}(?-u:\b)'
keywords = ["cvv", "cid"]
confidence = 0.8
examples = ["cvv 123"]
negative_examples = ["cvv pending"]
"#;
    let text = "the incident review; CID: 789";
    assert_eq!(regions_of(rule, text), [" CID: 789"]);
}

#[test]
fn a_keyword_rule_with_min_digits_is_a_candidate_at_runs_near_its_keywords_only() {
    let pack = RulePack::from_toml_str(
        "phone.toml",
        r#"
[[rule]]
id = "phone"
name = "Phone"
category = "pii"
severity = "low"
pattern = '[0-9]{3}-[0-9]{3}-[0-9]{4}'
keywords = ["call"]
min_digits = 7
confidence = 0.6
examples = ["call 555-123-4567"]
negative_examples = ["555-123-4567"]
[rule.context]
window = 20
raise = ["call"]
required = true
"#,
    )
    .unwrap();
    let spec = &pack.rules()[0];
    let prefilter = RulePrefilter {
        spec,
        keywords: KeywordsInMatches::NotEvery,
        digit_separators: ALL_SEPARATORS,
        reach: Reach::Near {
            longest: 12,
            window: 20,
        },
        value_reach: None,
        run_reach: Some(5),
        filing: Filing {
            target: 0,
            members: 1,
        },
        match_bytes: None,
        run_edges: RunEdges::default(),
        holds_a_digit: false,
    };
    let index = CandidateIndex::new(std::iter::once(prefilter), 1, &[], &[]);
    let text = "ticket 4412 then call 555-123-4567 or 555-987-6543; far away: 555-000-1111";
    let run = |value: &str| {
        let at = text.find(value).unwrap();
        (at - 5, (at + value.len() + 5).min(text.len()))
    };
    let mut scratch = Candidates::default();
    index.collect_alone(text, None, &mut scratch);
    let mut regions = Vec::new();
    scratch.drain_in_order(|r| regions.push((r.start, r.end)));
    // The window of "call" reaches 20 characters and a match's length past it: both
    // numbers after it, each with the 5 bytes a match can reach past its run (merged, as
    // they overlap); "4412" is too short, the last number too far.
    let (near, next) = (run("555-123-4567"), run("555-987-6543"));
    assert_eq!(
        regions,
        vec![(near.0, next.1)],
        "{:?}",
        regions
            .iter()
            .map(|&(a, b)| &text[a..b])
            .collect::<Vec<_>>()
    );

    // In a column headed "Call", the whole cell is near the keyword.
    index.collect_alone(text, Some("Call"), &mut scratch);
    let mut regions = Vec::new();
    scratch.drain_in_order(|r| regions.push((r.start, r.end)));
    assert_eq!(regions, vec![(near.0, next.1), run("555-000-1111")]);

    // No keyword, no run pass for the rule.
    index.collect_alone("555-123-4567", None, &mut scratch);
    let mut regions = Vec::new();
    scratch.drain_in_order(|r| regions.push(r));
    assert!(regions.is_empty());
}

#[test]
fn a_keyword_that_begins_every_match_at_a_word_boundary_counts_only_there() {
    let pack = RulePack::from_toml_str(
        "cvv.toml",
        r#"
[[rule]]
id = "cvv"
name = "CVV"
category = "pci"
severity = "high"
pattern = '(?-u:\b)(?i-u:cvv|cid)[\x20:]{0,4}(?P<value>[0-9]{3})(?-u:\b)'
keywords = ["cvv", "cid"]
confidence = 0.6
examples = ["CID: 123"]
negative_examples = ["incident 123"]
"#,
    )
    .unwrap();
    let spec = &pack.rules()[0];
    let regex = regex_syntax::parse(&spec.pattern).unwrap();
    let keywords = super::super::shape::keywords_in_matches(&[regex], &spec.keywords);
    assert_eq!(
        keywords,
        KeywordsInMatches::EveryFirst { at_boundary: true }
    );
    let prefilter = RulePrefilter {
        spec,
        keywords,
        digit_separators: 0,
        reach: Reach::Ahead(12),
        value_reach: None,
        run_reach: None,
        filing: Filing {
            target: 0,
            members: 1,
        },
        match_bytes: None,
        run_edges: RunEdges::default(),
        holds_a_digit: false,
    };
    let index = CandidateIndex::new(std::iter::once(prefilter), 1, &[], &[]);
    let text = "incident 123; card_cid 456; CID: 789 and cvv 012";
    let mut scratch = Candidates::default();
    index.collect_alone(text, None, &mut scratch);
    let mut regions = Vec::new();
    scratch.drain_in_order(|r| regions.push(&text[r.start..r.end]));
    // A match begins at its keyword, so a region begins there too; `_` is a word byte.
    assert_eq!(regions, vec!["CID: 789 and", "cvv 012"]);
}

#[test]
fn the_keyword_pass_notes_decoder_markers_as_written_in_the_text_only() {
    // `secret` is also a keyword of this rule: the marker shares its pattern.
    let rule = r#"
[[rule]]
id = "word"
name = "A word"
category = "secret"
severity = "low"
pattern = 'secret=[a-z]+'
keywords = ["secret"]
confidence = 0.7
examples = ["secret=abc"]
negative_examples = ["secret: abc"]
"#;
    let (pack, hir) = rule_of(rule);
    let prefilter = prefilter_of(&pack.rules()[0], &hir);
    let markers = [("Secret", 1 << 0), ("terraform_version", 1 << 3)];
    let index = CandidateIndex::new(std::iter::once(prefilter), 1, &[], &markers);
    let marked = |text: &str, context: Option<&str>| {
        let mut scratch = Candidates::default();
        index.collect_alone(text, context, &mut scratch);
        let mut regions = 0;
        scratch.drain_in_order(|_| regions += 1);
        (scratch.marked, regions)
    };
    assert_eq!(marked("kind: Secret\ndata:", None), (1, 1));
    // Each hit is still a region of the rule whose keyword it is.
    assert_eq!(marked("a secret=abc or a SECRET", None), (0, 2));
    assert_eq!(
        marked("\"terraform_version\": \"1.9.0\"", None),
        (1 << 3, 0)
    );
    assert_eq!(marked("Terraform_Version", None), (0, 0));
    assert_eq!(marked("no marker here", Some("Secret")), (0, 1));
    // The next segment starts with nothing noted.
    let mut scratch = Candidates::default();
    index.collect_alone("kind: Secret", None, &mut scratch);
    index.collect_alone("kind: ConfigMap", None, &mut scratch);
    assert_eq!(scratch.marked, 0);
}

#[test]
fn a_context_word_marks_the_runs_a_value_within_its_window_can_hold() {
    // A value of at most 11 bytes reported only within 10 characters of "call"; its
    // matches, with a label before the value, are up to 40 bytes.
    let rule = r#"
[[rule]]
id = "labelled"
name = "Labelled number"
category = "pii"
severity = "low"
pattern = '(?:^|[^0-9])(?P<value>[0-9]{5}\x20[0-9]{5})'
contextual_pattern = '(?:phone|call)[a-z]{0,20}:\x20?(?P<value>[0-9]{5}\x20[0-9]{5})'
keywords = ["call"]
min_digits = 5
confidence = 0.7
examples = ["call 12345 67890"]
negative_examples = ["12345 67890"]

[rule.context]
window = 10
raise = ["call"]
required = true
"#;
    let (pack, hir) = rule_of(rule);
    let index = |value_reach| {
        let prefilter = RulePrefilter {
            keywords: KeywordsInMatches::NotEvery,
            digit_separators: ALL_SEPARATORS,
            reach: Reach::Near {
                longest: 40,
                window: 10,
            },
            value_reach,
            run_reach: Some(30),
            match_bytes: None,
            holds_a_digit: true,
            ..prefilter_of(&pack.rules()[0], &hir)
        };
        CandidateIndex::new(std::iter::once(prefilter), 1, &[], &[])
    };
    let candidate = |index: &CandidateIndex, text: &str| !regions_in(index, text).is_empty();
    let by_value = index(Some(ValueReach {
        longest: 11,
        window: 10,
        bytes: MatchBytes::of(&[regex_syntax::parse("[0-9 ]").unwrap()]).unwrap(),
    }));
    let by_match = index(None);
    let far = format!("call{}12345 67890", " ".repeat(25));
    let near = format!("call{}12345 67890", " ".repeat(5));
    assert!(candidate(&by_value, &near) && candidate(&by_match, &near));
    assert!(
        candidate(&by_match, &far),
        "within the longest match of the word"
    );
    assert!(
        !candidate(&by_value, &far),
        "beyond the window and the longest value"
    );
    // Past the window, a value goes on only over the bytes a value holds: not over words.
    let next_line = "call  \nreference 12345 67890";
    assert!(candidate(&by_match, next_line));
    assert!(
        !candidate(&by_value, next_line),
        "`reference` stands between"
    );
    let spaced = format!("call{}12345 67890", " ".repeat(12));
    assert!(
        candidate(&by_value, &spaced),
        "spaces are bytes of the value"
    );
}

#[test]
fn a_rule_that_needs_its_context_is_no_candidate_where_its_abbreviation_begins_a_longer_word() {
    let rule = r#"
[[rule]]
id = "expiry-column"
name = "Expiry under its header"
category = "pci"
severity = "medium"
pattern = '(?m)^[\x20]{0,4}(?P<value>(?:0[1-9]|1[0-2])/[0-9]{2})[\x20]{0,4}$'
keywords = ["exp"]
confidence = 0.7
examples = ["Exp\n04/27"]
negative_examples = ["export\n04/27"]

[rule.context]
window = 24
raise = ["exp", "expiry"]
required = true
"#;
    assert!(regions_of(rule, "export PATH\n04/27").is_empty());
    assert!(regions_of(rule, "expected\n04/27").is_empty());
    for text in [
        "Exp\n04/27",
        "exp: 04/27",
        "ExpDate\n04/27",
        "Expiry\n04/27",
    ] {
        assert_eq!(regions_of(rule, text).len(), 1, "{text}");
    }
}

#[test]
fn members_a_run_admits_and_reaches_alike_are_asked_once_and_named_together() {
    let rule = r#"
[[rule]]
id = "card-like"
name = "Sixteen digits"
category = "pci"
severity = "high"
pattern = '(?-u:\b)[0-9]{4}(?:\x20?[0-9]{4}){3}(?-u:\b)'
prefilter = "digits"
min_digits = 16
confidence = 0.8
examples = ["card 4290 2454 3162 5914"]
negative_examples = ["card pending"]
"#;
    let filed = |prefilter, members| RulePrefilter {
        filing: Filing { target: 0, members },
        ..prefilter
    };
    let (pack, hir) = rule_of(rule);
    let (nine, nine_hir) = rule_of(&rule.replace("min_digits = 16", "min_digits = 9"));
    let (sixteen, shorter) = (
        prefilter_of(&pack.rules()[0], &hir),
        prefilter_of(&nine.rules()[0], &nine_hir),
    );
    let members = [filed(sixteen, 1), filed(sixteen, 2), filed(shorter, 4)];
    let index = CandidateIndex::new(members.into_iter(), 1, &[], &[]);
    let target = &index.digit_targets[0];
    assert_eq!(
        target.rules.iter().map(|r| r.members).collect::<Vec<_>>(),
        [4, 3],
        "the two alike are one member; the one that takes shorter runs stays apart"
    );
    let named = |text: &str| {
        let mut scratch = Candidates::default();
        index.collect_alone(text, None, &mut scratch);
        let mut named = Vec::new();
        scratch.drain_in_order(|r| named.push(r.members));
        named
    };
    assert_eq!(named("card 4290 2454 3162 5914 on file"), [7]);
    assert_eq!(named("ssn 175 85 6645 on file"), [4]);
}

/// A keyword rule that takes runs of `digits` digits after its `word`.
fn keyword_number_rule(word: &str, digits: usize) -> String {
    format!(
        r#"
[[rule]]
id = "{word}"
name = "{word}"
category = "pii"
severity = "low"
pattern = '(?i-u:{word})\x20[0-9]{{{digits}}}(?-u:\b)'
keywords = ["{word}"]
min_digits = {digits}
confidence = 0.8
examples = ["{word} {example}"]
negative_examples = ["{word} none"]
"#,
        example = "4".repeat(digits),
    )
}

/// The prefilter of a rule of `pack` filed under target `target`, with a reach past its
/// runs as the engine derives it for rules with `min_digits`.
fn filed_under<'a>(
    (pack, hir): &'a (RulePack, [regex_syntax::hir::Hir; 1]),
    target: usize,
) -> RulePrefilter<'a> {
    RulePrefilter {
        run_reach: Some(4),
        filing: Filing { target, members: 1 },
        ..prefilter_of(&pack.rules()[0], hir)
    }
}

/// The regions `index` finds in `text`, each with its target.
fn regions_by_target(index: &CandidateIndex, text: &str) -> Vec<(usize, String)> {
    let mut scratch = Candidates::default();
    index.collect_alone(text, None, &mut scratch);
    let mut regions = Vec::new();
    scratch.drain_in_order(|r| regions.push((r.rule, text[r.start..r.end].to_owned())));
    regions
}

#[test]
fn a_run_shorter_than_the_digit_rules_take_is_a_candidate_only_near_a_rule_that_takes_it() {
    let account = rule_of(
        r#"
[[rule]]
id = "account"
name = "Account number"
category = "pii"
severity = "low"
pattern = '(?-u:\b)[0-9]{9}(?-u:\b)'
prefilter = "digits"
min_digits = 9
confidence = 0.8
examples = ["123456789"]
negative_examples = ["12345"]
"#,
    );
    let zip = rule_of(&keyword_number_rule("zip", 5));
    let index = CandidateIndex::new(
        [filed_under(&account, 0), filed_under(&zip, 1)].into_iter(),
        2,
        &[],
        &[],
    );
    // The pass over the whole text reads runs of nine digits; the five-digit runs are read
    // for "zip" only where its hits reach, and the one before it and the one far after it
    // are no candidates.
    let text =
        "ref 11111 then zip 54321 and account 123456789, see 22222 at the end of a long line";
    let regions = regions_by_target(&index, text);
    let has = |target: usize, value: &str| {
        regions
            .iter()
            .any(|(t, r)| *t == target && r.contains(value))
    };
    assert!(has(0, "123456789") && has(1, "54321"), "{regions:?}");
    assert!(
        regions
            .iter()
            .all(|(_, r)| !r.contains("11111") && !r.contains("22222")),
        "{regions:?}"
    );
}

#[test]
fn runs_between_two_keyword_rules_hits_are_asked_of_neither_and_runs_near_each_are_its() {
    let zip = rule_of(&keyword_number_rule("zip", 6));
    let pin = rule_of(&keyword_number_rule("pin", 6));
    let index = CandidateIndex::new(
        [filed_under(&zip, 0), filed_under(&pin, 1)].into_iter(),
        2,
        &[],
        &[],
    );
    // Between the two hits, a log's runs that neither reaches; then each hit's own run.
    let log = "2026-03-05 order=7376575029 ip=10.89.235.121 took=123456ms\n".repeat(4);
    let text = format!("zip 111111 {log}pin 222222 and zip 333333 {log}pin 444444");
    let regions = regions_by_target(&index, &text);
    for (target, value) in [(0, "111111"), (1, "222222"), (0, "333333"), (1, "444444")] {
        assert!(
            regions
                .iter()
                .any(|(t, r)| *t == target && r.contains(value)),
            "{value}: {regions:?}"
        );
    }
    assert!(
        regions
            .iter()
            .all(|(_, r)| !r.contains("7376575029") && !r.contains("took=123456")),
        "{regions:?}"
    );
}
