use super::*;

/// `n` letters after an `a`, preceded by any letters: the DFA remembers the last `n + 1`
/// letters, 2^(n+1) states, which sets its size to order.
fn blowup(n: usize) -> String {
    format!("[ab]*a[ab]{{{n}}}")
}

fn search(gate: &LazyGate, source: &str, regions: u32) -> Option<usize> {
    let mut last = None;
    for _ in 0..regions {
        last = gate
            .when_worth_it(source, true)
            .map(PatternGate::memory_usage);
    }
    last
}

#[test]
fn the_sizes_the_stages_are_tested_with() {
    let size = |n| gate_within(&blowup(n), true, PATTERN_GATE_LIMIT).map(|g| g.memory_usage());
    assert!(size(4).is_some_and(|s| s <= SMALL_GATE_LIMIT));
    assert!(size(11).is_some_and(|s| s > SMALL_GATE_LIMIT));
    assert!(gate_within(&blowup(11), true, SMALL_GATE_LIMIT).is_none());
    assert!(size(16).is_none());
}

#[test]
fn a_small_gate_is_built_after_its_first_regions_and_kept() {
    let gate = LazyGate::default();
    let source = blowup(4);
    assert_eq!(search(&gate, &source, SMALL_GATE_AFTER), None);
    assert!(gate.decided().is_none(), "not built before it can pay");
    assert!(
        search(&gate, &source, 1).is_some(),
        "built on the next region"
    );
    assert!(gate.decided().is_some_and(Option::is_some));
}

#[test]
fn a_larger_gate_waits_for_many_more_regions() {
    let gate = LazyGate::default();
    let source = blowup(11);
    assert_eq!(search(&gate, &source, SMALL_GATE_AFTER + 1), None);
    assert!(
        gate.decided().is_none(),
        "refused within the small limit, not for good"
    );
    assert_eq!(
        search(&gate, &source, FULL_GATE_AFTER - SMALL_GATE_AFTER - 1),
        None
    );
    assert!(search(&gate, &source, 1).is_some_and(|s| s > SMALL_GATE_LIMIT));
}

#[test]
fn a_gate_too_large_for_the_full_limit_is_refused_for_good() {
    let gate = LazyGate::default();
    let source = blowup(16);
    assert_eq!(search(&gate, &source, FULL_GATE_AFTER + 1), None);
    assert!(gate.decided().is_some_and(Option::is_none));
}

#[test]
fn a_gate_kept_from_a_group_is_used_at_once() {
    let gate = LazyGate::default();
    let source = blowup(4);
    assert!(gate.keep(gate_within(&source, true, SMALL_GATE_LIMIT)));
    assert!(search(&gate, &source, 1).is_some());
    assert!(!gate.keep(None), "decided once");
}

#[test]
fn searches_on_other_threads_go_on_without_the_gate_while_it_is_built() {
    let gate = LazyGate::default();
    let source = blowup(11);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| search(&gate, &source, FULL_GATE_AFTER));
        }
    });
    let gate = gate.decided().expect("decided by one of the threads");
    assert!(
        gate.as_ref()
            .is_some_and(|g| g.memory_usage() > SMALL_GATE_LIMIT)
    );
}
