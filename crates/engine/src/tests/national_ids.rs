//! The national identifier rules in the whole pack: each value found by its own detector,
//! numbers that only look like one left alone, and the fast paths agreeing with the search
//! of every rule over every segment on every rule's examples.

use super::*;

#[test]
fn every_rule_example_is_found_alike_by_the_prefilter() {
    let engine = Engine::builtin();
    for rule in RulePack::builtin().rules() {
        for text in rule.examples.iter().chain(&rule.negative_examples) {
            let segments = one(text);
            assert_eq!(
                engine.find(&segments),
                engine.find_exhaustive(&segments),
                "{}: {text:?}",
                rule.id
            );
        }
    }
}

/// An HR export with one person per row, each identifier under its country's label.
#[test]
fn each_identifier_is_named_by_its_own_detector() {
    let rows = [
        ("CPF 390.533.447-05", "br-cpf"),
        ("CNPJ 11.222.333/0001-81", "br-cnpj"),
        ("CNPJ Q7.M2R.9K4/0001-32", "br-cnpj-alphanumeric"),
        ("CURP GOLJ870912HJCNPR02", "mx-curp"),
        ("DNI 48291375-T", "es-dni"),
        ("NIE Y7302158V", "es-nie"),
        ("codice fiscale BNCGLI92E47F205I", "it-codice-fiscale"),
        ("BSN 245781043", "nl-bsn"),
        ("NRIC T0391826I", "sg-nric"),
        ("TFN 459 821 378", "au-tfn"),
        ("Medicare 3950 12844 2", "au-medicare"),
        ("주민등록번호 850315-1234566", "kr-rrn"),
        ("주민등록번호 850315-1234563", "kr-rrn-labelled"),
        ("SSN 536.22.1234", "us-ssn"),
        ("UATP card 1419 79237 609263", "credit-card"),
    ];
    let engine = Engine::builtin();
    for (text, id) in rows {
        let page = format!("Onboarding record, row 7: {text}; verified by HR.\n");
        let found = engine.find(&one(&page));
        let ids: Vec<_> = found.iter().map(|m| &*m.rule_id).collect();
        assert_eq!(ids, [id], "{text}");
    }
}

/// Release notes, network plans and ledgers are full of digit runs of the identifiers'
/// lengths; without a label and the identifier's punctuation none is one.
#[test]
fn numbers_of_the_same_lengths_stay_quiet() {
    let page = "\
Release 4.12.1234 and build 2026.11.25.1342; agent 10.536.22.1234 rolled back.\n\
Gateway 10.89.235.121, subnet 172.16.254.0/24, port 8443, VLAN 1234.\n\
Ledger 52998224725 posted, batch 11222333000181, order 245781043 shipped.\n\
Case 4598213780, ticket 8503151234566, job 39501284420 finished at 09:41.\n\
Part T0391826X and lot 48291375Q are back in stock; invoice 2026-0042-17.\n\
Dated 10.12.1234? No: 10.12.2024, and 850315 1234566 is a phone extension list.\n";
    let found = Engine::builtin().find(&one(page));
    let ids: Vec<_> = found
        .iter()
        .map(|m| (&*m.rule_id, &page[m.start..m.end]))
        .collect();
    assert!(ids.is_empty(), "{ids:?}");
}
