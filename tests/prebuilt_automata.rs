//! The automata the binary carries (`build.rs`, `dlp_engine::prebuilt`) are those an engine
//! of the built-in rules builds at its start. In a process of its own: the counts are the
//! process's.

use dlp_engine::{Engine, EngineOptions, RulePack};

#[test]
fn the_built_in_rules_start_without_building_an_automaton() {
    let answers = confluence_dlp::app::install_prebuilt_automata();
    // The rules that share a trigger: each pattern's gate and whether it fits a dense group,
    // and the groups' searches.
    assert!(answers >= 50, "the table holds {answers} answers");
    let engine = Engine::new(RulePack::builtin(), EngineOptions::default()).unwrap();
    engine.group_searches()();
    let (found, built) = dlp_engine::prebuilt::counts();
    assert_eq!(
        built, 0,
        "built {built} automata the table should have held"
    );
    assert!(found >= answers, "looked up {found} of {answers} answers");
    // A second install keeps the first table.
    assert_eq!(confluence_dlp::app::install_prebuilt_automata(), answers);
}
