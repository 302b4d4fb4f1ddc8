//! `rules list` and `rules test`: the rule pack as people who write rules see it.

mod cli_support;

use cli_support::*;
const USER_RULE: &str = r#"
disable = ["email"]

[[rule]]
id = "acme-token"
name = "ACME deploy token"
category = "secret"
severity = "critical"
pattern = 'acme_[a-z]{8}'
keywords = ["acme_"]
confidence = 0.8
examples = ["token acme_abcdefgh"]
negative_examples = ["acme_abc"]
"#;

#[test]
fn rules_list_names_every_rule_and_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("acme.toml");
    std::fs::write(&rules, USER_RULE).unwrap();
    let config = dir.path().join("dlp.toml");
    std::fs::write(
        &config,
        format!("[rules]\npaths = [{:?}]\n", rules.to_str().unwrap()),
    )
    .unwrap();
    let state = dir.path().join("state");

    let table = dlp(
        &state,
        &["--config", config.to_str().unwrap(), "rules", "list"],
    );
    assert_eq!(
        table.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&table.stderr)
    );
    let text = String::from_utf8(table.stdout).unwrap();
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no {id} in\n{text}"))
    };
    assert!(
        line("aws-access-key-id").contains("rules/aws.toml")
            && line("aws-access-key-id").contains("high"),
        "{text}"
    );
    assert!(
        line("acme-token").contains(rules.to_str().unwrap())
            && line("acme-token").contains("ACME deploy token"),
        "{text}"
    );
    assert!(line("email").contains("(disabled)"), "{text}");

    let json = dlp(
        &state,
        &[
            "--config",
            config.to_str().unwrap(),
            "rules",
            "list",
            "--format",
            "json",
        ],
    );
    assert_eq!(json.status.code(), Some(0));
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let acme = listed
        .iter()
        .find(|r| r["id"] == "acme-token")
        .expect("the user's rule");
    assert_eq!(acme["category"], "secret");
    assert_eq!(acme["severity"], "critical");
    assert_eq!(acme["description"], "ACME deploy token");
    assert_eq!(acme["source"], rules.to_str().unwrap());
    assert_eq!(acme["enabled"], true);
    let email = listed.iter().find(|r| r["id"] == "email").unwrap();
    assert_eq!(email["enabled"], false);
    assert_eq!(email["source"], "rules/email.toml");
    assert!(listed.len() > 30, "the built-in pack is listed too");
}

#[test]
fn rules_test_runs_a_rule_files_examples() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let good = dir.path().join("good.toml");
    std::fs::write(&good, USER_RULE).unwrap();
    let out = dlp(&state, &["rules", "test", good.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "ok: 1 rule, all 2 examples hold\n"
    );

    // An example the pattern misses (upper case) and a negative example it matches.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        USER_RULE
            .replace("token acme_abcdefgh", "token acme_ABCDEFGH")
            .replace(r#"["acme_abc"]"#, r#"["acme_abc", "acme_zzzzzzzz"]"#),
    )
    .unwrap();
    let out = dlp(&state, &["rules", "test", bad.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    let at = bad.display();
    assert!(text.contains(&format!("FAIL acme-token ({at}): examples[0] \"token acme_ABCDEFGH\": expected a match, got none")), "{text}");
    assert!(text.contains(&format!("FAIL acme-token ({at}): negative_examples[1] \"acme_zzzzzzzz\": expected no match, got a match")), "{text}");
    assert!(
        text.ends_with("2 of 3 examples failed (1 rule)\n"),
        "{text}"
    );

    // A folder is every rule file in it.
    let folder = dir.path().join("rules");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.toml"), USER_RULE).unwrap();
    std::fs::write(folder.join("b.toml"), USER_RULE.replace("acme", "zeta")).unwrap();
    let out = dlp(&state, &["rules", "test", folder.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "ok: 2 rules, all 4 examples hold\n"
    );

    // A file that does not parse: exit 2, and the message names the file and the problem.
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[[rule]\nid = \"x\"\n").unwrap();
    let out = dlp(&state, &["rules", "test", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(broken.to_str().unwrap()) && stderr.contains("invalid TOML at line 1"),
        "{stderr}"
    );
    // A rule that parses as TOML but is not a valid rule: the same.
    std::fs::write(&broken, USER_RULE.replace("acme_[a-z]{8}", "acme_[a-z")).unwrap();
    let out = dlp(&state, &["rules", "test", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("acme-token") && stderr.contains("regex"),
        "{stderr}"
    );
}
