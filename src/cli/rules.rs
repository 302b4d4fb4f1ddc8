//! `rules list` and `rules test`: what a rule writer needs to see and check their rules
//! without running a scan.
//!
//! Exit codes of `rules test`: 0 every example holds, 1 some do not, 2 the file does not
//! load (it does not parse, or a rule in it is invalid).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::config::Settings;
use dlp_engine::{EngineOptions, ExampleFailure, RulePack, RuleSpec};

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule a scan would use (built-in, then `rules.paths` from the settings): id,
    /// category, severity, description and the file it comes from.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Check a rule file (or a folder of them): each rule's `examples` must be detected by
    /// it, its `negative_examples` must not.
    Test {
        /// A rule file in the format of `rules/*.toml`, or a folder of `*.toml` files.
        path: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

pub fn command(settings: &Settings, args: RulesArgs) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match args.command {
        RulesCommand::List { format } => {
            let pack = crate::app::rule_pack(settings)?;
            let written = match format {
                ListFormat::Table => write_table(&mut stdout, &pack),
                ListFormat::Json => write_json(&mut stdout, &pack),
            };
            match written {
                // `rules list | head` closing the pipe early is what the user asked for.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
                Err(e) => Err(e.into()),
                Ok(()) => Ok(ExitCode::SUCCESS),
            }
        }
        RulesCommand::Test { path } => {
            let pack = crate::app::rule_file(&path)?;
            let options = EngineOptions {
                // The threshold a scan with these settings applies: an example that scores
                // below it would pass an engine test and still never be reported.
                min_confidence: settings.rules.min_confidence,
                ..EngineOptions::default()
            };
            let failures = pack.check_examples(&options)?;
            write_test_report(&mut stdout, &pack, &failures)?;
            Ok(if failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// The rules a scan uses: the built-in pack with each of `rules.paths` merged over it, in
/// order. This is the loop `scan::build_classifier` runs; it belongs with it in one place
/// once the composition root builds the classifier.
#[derive(Serialize)]
struct ListedRule<'a> {
    id: &'a str,
    category: &'static str,
    severity: &'static str,
    description: &'a str,
    source: &'a str,
    /// False when a rule file switches it off (`disabled = true`, or a `disable` list).
    enabled: bool,
}

fn listed(pack: &RulePack) -> Vec<ListedRule<'_>> {
    pack.rules()
        .iter()
        .map(|r: &RuleSpec| ListedRule {
            id: &r.id,
            category: r.category.as_str(),
            severity: r.severity.as_str(),
            description: &r.name,
            source: &r.source,
            enabled: pack.is_enabled(r),
        })
        .collect()
}

fn write_table(out: &mut impl Write, pack: &RulePack) -> std::io::Result<()> {
    let rules = listed(pack);
    let id_w = rules
        .iter()
        .map(|r| r.id.len())
        .chain([2])
        .max()
        .unwrap_or(2);
    let src_w = rules
        .iter()
        .map(|r| r.source.len())
        .chain([6])
        .max()
        .unwrap_or(6);
    writeln!(
        out,
        "{:<id_w$}  {:<8}  {:<8}  {:<src_w$}  DESCRIPTION",
        "ID", "CATEGORY", "SEVERITY", "SOURCE"
    )?;
    for r in &rules {
        let off = if r.enabled { "" } else { " (disabled)" };
        writeln!(
            out,
            "{:<id_w$}  {:<8}  {:<8}  {:<src_w$}  {}{off}",
            r.id, r.category, r.severity, r.source, r.description
        )?;
    }
    let disabled = rules.iter().filter(|r| !r.enabled).count();
    writeln!(out, "{} rules, {disabled} disabled", rules.len())?;
    out.flush()
}

fn write_json(out: &mut impl Write, pack: &RulePack) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &listed(pack))?;
    out.write_all(b"\n")?;
    out.flush()
}

/// One line per failing example with the example itself (the rule writer's own test string,
/// so printing it is the point), then a count.
fn write_test_report(
    out: &mut impl Write,
    pack: &RulePack,
    failures: &[ExampleFailure],
) -> std::io::Result<()> {
    for failure in failures {
        let Some(rule) = pack.rules().iter().find(|r| r.id == failure.rule_id) else {
            writeln!(out, "FAIL {failure}")?;
            continue;
        };
        let (list, expected, got) = if failure.negative {
            ("negative_examples", "no match", "a match")
        } else {
            ("examples", "a match", "none")
        };
        let examples = if failure.negative {
            &rule.negative_examples
        } else {
            &rule.examples
        };
        let text = examples
            .get(failure.index)
            .map(String::as_str)
            .unwrap_or("");
        writeln!(
            out,
            "FAIL {} ({}): {list}[{}] {text:?}: expected {expected}, got {got}",
            rule.id, rule.source, failure.index
        )?;
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let rules = plural(pack.rules().len(), "rule");
    let examples: usize = pack
        .rules()
        .iter()
        .map(|r| r.examples.len() + r.negative_examples.len())
        .sum();
    if failures.is_empty() {
        writeln!(out, "ok: {rules}, all {} hold", plural(examples, "example"))?;
    } else {
        writeln!(
            out,
            "{} of {} failed ({rules})",
            failures.len(),
            plural(examples, "example")
        )?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = r#"
[[rule]]
id = "acme-token"
name = "ACME token"
category = "secret"
severity = "high"
pattern = 'acme_[a-z]{8}'
keywords = ["acme_"]
confidence = 0.8
examples = ["token acme_abcdefgh", "acme_ABCDEFGH"]
negative_examples = ["acme_abc", "acme_zzzzzzzz"]
"#;

    #[test]
    fn the_report_names_rule_example_and_what_was_expected() {
        let pack = RulePack::from_toml_str("acme.toml", RULE).unwrap();
        let failures = pack.check_examples(&EngineOptions::default()).unwrap();
        let mut out = Vec::new();
        write_test_report(&mut out, &pack, &failures).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "FAIL acme-token (acme.toml): examples[1] \"acme_ABCDEFGH\": expected a match, got none\n\
             FAIL acme-token (acme.toml): negative_examples[1] \"acme_zzzzzzzz\": expected no match, got a match\n\
             2 of 4 examples failed (1 rule)\n"
        );
    }

    #[test]
    fn the_list_shows_where_each_rule_comes_from_and_what_is_off() {
        let user = RulePack::from_toml_str(
            "/home/me/acme.toml",
            &format!("disable = [\"email\"]\n{RULE}"),
        )
        .unwrap();
        let pack = RulePack::builtin().merge(user);
        let mut out = Vec::new();
        write_table(&mut out, &pack).unwrap();
        let text = String::from_utf8(out).unwrap();
        let line = |id: &str| {
            text.lines()
                .find(|l| l.starts_with(&format!("{id} ")))
                .unwrap_or_else(|| panic!("no line for {id} in\n{text}"))
                .to_owned()
        };
        assert!(line("acme-token").contains("/home/me/acme.toml"));
        assert!(line("acme-token").contains("ACME token"));
        assert!(line("aws-access-key-id").contains("rules/aws.toml"));
        assert!(line("email").ends_with("(disabled)"));
        assert!(text.ends_with(&format!("{} rules, 1 disabled\n", pack.rules().len())));
    }
}
