use super::*;

#[test]
fn rules_with_one_trigger_form_a_group() {
    let words = |w: &str| Some(Trigger::Words(vec![(w.to_owned(), HitsAt::WordStart)]));
    let triggers = [
        Some(Trigger::Digits),
        None,
        words("call"),
        Some(Trigger::Digits),
        words("x"),
        Some(Trigger::Digits),
    ];
    let (groups, filing) = RuleGroup::form(&triggers, &[13, 0, 0, 9, 0, 13], &[1, 1, 2, 3, 1, 1]);
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].members, vec![3, 0, 5], "by rank, then pack order");
    assert_eq!(groups[0].first_pattern, vec![0, 3, 4]);
    assert_eq!(groups[0].pattern_count, 5);
    let targets: Vec<(usize, u64)> = filing.iter().map(|f| (f.target, f.members)).collect();
    assert_eq!(
        targets,
        vec![(6, 2), (1, 1), (2, 1), (6, 1), (4, 1), (6, 4)]
    );
}

#[test]
fn the_one_pass_search_finds_what_the_overlapping_search_finds() {
    let patterns = [
        r"(?-u:\b)[0-9]{3}-[0-9]{2}-[0-9]{4}(?-u:\b)",
        r"(?-u:\b)[0-9]{9}(?-u:\b)",
        r"[A-Z]{2}[0-9]{2}(?:\x20?[A-Z0-9]{4}){2,7}",
        r"(?:^|[^0-9])\+1[0-9]{10}(?:[^0-9]|$)",
        r"4[0-9]{3}(?:\x20[0-9]{4}){3}",
        r"(?m)^[0-9]{3}$",
    ];
    let dfa = dense::Builder::new()
        .configure(dense::Config::new().match_kind(MatchKind::All))
        .build_many(&patterns)
        .unwrap();
    let text = "SSN 536-22-1234, id 536221234\n123\ncard 4111 1111 1111 1111 IBAN GB29 NWBK 6016 1331 \
                9268 19 +14155238886 x1234567890\n987";
    let mut checked = 0;
    for start in 0..=text.len() {
        for end in (start..=text.len()).step_by(7).chain([text.len()]) {
            let input = Input::new(text).span(start..end);
            let (mut ours, mut theirs) = (
                PatternSet::new(patterns.len()),
                PatternSet::new(patterns.len()),
            );
            which_dense(&dfa, &input, &mut ours).unwrap();
            dfa.try_which_overlapping_matches(&input, &mut theirs)
                .unwrap();
            assert_eq!(ours, theirs, "{start}..{end}");
            checked += usize::from(!ours.is_empty());
        }
    }
    assert!(checked > 500, "many spans hold a match: {checked}");
}

#[test]
fn a_gate_read_back_from_a_table_searches_as_the_one_built() {
    let source = r"(?-u:\b)AKIA[A-Z0-9]{16}(?-u:\b)";
    let text = "x AKIAIOSFODNN7EXAMPLE y AKIA1234 z";
    for whole_match in [true, false] {
        let built = build_gate(source, whole_match, PATTERN_GATE_LIMIT).unwrap();
        let answer = match &built {
            PatternGate::Find(re) => Answer::of_dfas([re.forward(), re.reverse()]),
            PatternGate::Check(dfa) => Answer::of_dfas([dfa]),
        };
        let read = PatternGate::read(&answer, whole_match).unwrap().unwrap();
        match (&built, &read) {
            (PatternGate::Find(a), PatternGate::Find(b)) => {
                let found = |re: &dfa::regex::Regex| {
                    re.find_iter(text).map(|m| m.range()).collect::<Vec<_>>()
                };
                assert_eq!(found(a), vec![2..22]);
                assert_eq!(found(b), found(a));
            }
            (PatternGate::Check(a), PatternGate::Check(b)) => {
                let input = Input::new(text);
                assert_eq!(
                    b.try_search_fwd(&input).unwrap(),
                    a.try_search_fwd(&input).unwrap()
                );
                assert!(a.try_search_fwd(&input).unwrap().is_some());
            }
            _ => panic!("read back as another kind of gate"),
        }
        // Read as the other kind, the answer is unusable and the gate is built instead.
        assert!(PatternGate::read(&answer, !whole_match).is_none());
    }
    assert!(matches!(
        PatternGate::read(&Answer::Flag(false), true),
        Some(None)
    ));
}

#[test]
fn a_group_gate_reports_each_pattern_that_matches_in_a_span() {
    let gate = GroupGate::new(&[
        vec!["[0-9]{3}-[0-9]{2}", "(?-u:\\b)[0-9]{9}(?-u:\\b)"],
        vec!["zzz"],
    ])
    .unwrap();
    assert!(matches!(gate, GroupGate::Dense(_)));
    let (mut cache, mut set) = (None, PatternSet::new(3));
    let text = "ssn 123-45-6789 or 123456789";
    assert!(gate.which(&mut cache, &Input::new(text), &mut set).unwrap());
    let found: Vec<usize> = set.iter().map(|p| p.as_usize()).collect();
    assert_eq!(found, vec![0, 1]);
    set.clear();
    assert!(
        gate.which(&mut cache, &Input::new(text).span(0..16), &mut set)
            .unwrap()
    );
    assert_eq!(
        set.iter().map(|p| p.as_usize()).collect::<Vec<_>>(),
        vec![0],
        "only within the span"
    );
    set.clear();
    assert!(
        !gate
            .which(&mut cache, &Input::new(text).span(0..9), &mut set)
            .unwrap(),
        "no match at all"
    );
    assert!(set.is_empty());
}

#[test]
fn a_search_being_built_elsewhere_is_not_waited_for() {
    let cell = Arc::new(GateCell::default());
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let builder = {
        let cell = Arc::clone(&cell);
        std::thread::spawn(move || {
            cell.get(|| {
                started_tx.send(()).unwrap();
                go_rx.recv().unwrap();
                vec![
                    vec!["(?-u:\\b)[0-9]{9}(?-u:\\b)".to_owned()],
                    vec!["a{3}".to_owned()],
                ]
            })
            .is_some()
        })
    };
    started_rx.recv().unwrap();
    assert!(
        cell.get(|| unreachable!("built once")).is_none(),
        "another thread builds it"
    );
    go_tx.send(()).unwrap();
    assert!(builder.join().unwrap());
    let gate = cell.get(|| unreachable!("built once")).expect("built");
    let mut set = PatternSet::new(2);
    assert!(
        gate.which(&mut None, &Input::new("id 123456789 aaa"), &mut set)
            .unwrap()
    );
    assert_eq!(set.len(), 2);
}
