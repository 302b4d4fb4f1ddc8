//! Rule packs: the builtin rules compiled into the binary, users' rule files, and how they
//! combine (same id overrides, disable lists).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

use super::engine::{Engine, EngineOptions};
use super::rule::{RuleError, RuleProblem, RuleSpec};
use dlp_domain::Segment;

macro_rules! builtin {
    ($file:literal) => {
        (
            concat!("rules/", $file),
            include_str!(concat!("../../../rules/", $file)),
        )
    };
}

/// The builtin rule files, in the order their rules are tried (on a tie for the same span,
/// the earlier rule wins: providers' own formats come before the generic label rules).
/// Adding a file here is the only code change a new provider needs.
const BUILTIN_FILES: &[(&str, &str)] = &[
    builtin!("aws.toml"),
    builtin!("gcp.toml"),
    builtin!("azure.toml"),
    builtin!("github.toml"),
    builtin!("gitlab.toml"),
    builtin!("atlassian.toml"),
    builtin!("slack.toml"),
    builtin!("stripe.toml"),
    builtin!("square.toml"),
    builtin!("paypal.toml"),
    builtin!("twilio.toml"),
    builtin!("email-services.toml"),
    builtin!("ai-providers.toml"),
    builtin!("package-registries.toml"),
    builtin!("hosting.toml"),
    builtin!("observability.toml"),
    builtin!("cloud-providers.toml"),
    builtin!("infrastructure-tools.toml"),
    builtin!("ci-cd.toml"),
    builtin!("developer-tools.toml"),
    builtin!("monitoring.toml"),
    builtin!("payments.toml"),
    builtin!("messaging.toml"),
    builtin!("identity.toml"),
    builtin!("identity-providers.toml"),
    builtin!("databases.toml"),
    builtin!("password-hashes.toml"),
    builtin!("windows-credentials.toml"),
    builtin!("network-devices.toml"),
    builtin!("credential-files.toml"),
    builtin!("command-line-passwords.toml"),
    builtin!("private-keys.toml"),
    builtin!("jwt.toml"),
    builtin!("connection-strings.toml"),
    builtin!("structured-secrets.toml"),
    builtin!("passwords.toml"),
    builtin!("payment-cards.toml"),
    builtin!("us-ssn.toml"),
    builtin!("national-ids.toml"),
    builtin!("national-ids-latam.toml"),
    builtin!("national-ids-europe.toml"),
    builtin!("national-ids-apac.toml"),
    builtin!("financial.toml"),
    builtin!("email.toml"),
    builtin!("phone.toml"),
    builtin!("personal.toml"),
    builtin!("us-npi.toml"),
    builtin!("health.toml"),
];

/// An ordered set of rules with unique ids, plus the ids switched off.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulePack {
    rules: Vec<RuleSpec>,
    disabled: BTreeSet<String>,
}

/// The top level of a rule file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    /// Rule ids to switch off (from this or any earlier pack).
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    rule: Vec<toml::Value>,
}

impl RulePack {
    /// The rules that ship with confluence-dlp (`rules/*.toml`).
    pub fn builtin() -> Self {
        Self::try_builtin().expect("the builtin rule pack is valid (tested by builtin_pack_*)")
    }

    pub(crate) fn try_builtin() -> Result<Self, RuleError> {
        // Parsed side by side: the TOML of 434 rules took 80 ms of one core at every start,
        // while the other waited.
        let files = crate::parallel::map_ordered(BUILTIN_FILES.to_vec(), |_, (name, text)| {
            RulePack::from_toml_str(name, text).map(|file| (name, file))
        });
        files
            .into_iter()
            .try_fold(RulePack::default(), |pack, file| {
                let (name, file) = file?;
                pack.append_distinct(file, name)
            })
    }

    /// Parses one rule file. `file_name` is only used in error messages.
    pub fn from_toml_str(file_name: &str, text: &str) -> Result<Self, RuleError> {
        let parsed: RuleFile = toml::from_str(text).map_err(|e| RuleError::Syntax {
            file: file_name.to_owned(),
            line: e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].lines().count().max(1)
            }),
            message: e.message().to_owned(),
        })?;
        let mut pack = RulePack {
            rules: Vec::new(),
            disabled: parsed.disable.into_iter().collect(),
        };
        for (index, value) in parsed.rule.into_iter().enumerate() {
            let rule_id = match value.get("id").and_then(toml::Value::as_str) {
                Some(id) => id.to_owned(),
                None => format!("#{} (no id)", index + 1),
            };
            let mut rule: RuleSpec =
                value
                    .try_into()
                    .map_err(|e: toml::de::Error| RuleError::Invalid {
                        file: file_name.to_owned(),
                        rule_id: rule_id.clone(),
                        problem: RuleProblem::Shape(e.message().trim().to_owned()),
                    })?;
            rule.source = file_name.to_owned();
            rule.check()?;
            if pack.rules.iter().any(|r| r.id == rule.id) {
                return Err(RuleError::DuplicateId {
                    file: file_name.to_owned(),
                    rule_id,
                });
            }
            pack.rules.push(rule);
        }
        Ok(pack)
    }

    /// Reads every `*.toml` file in `dir`, in file-name order. An id defined in two files of
    /// the same directory is an error (overriding is what [`RulePack::merge`] is for).
    pub fn load_dir(dir: &Path) -> Result<Self, RuleError> {
        let io = |source| RuleError::Io {
            path: dir.to_owned(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        files
            .into_iter()
            .try_fold(RulePack::default(), |pack, path| {
                let text = std::fs::read_to_string(&path).map_err(|source| RuleError::Io {
                    path: path.clone(),
                    source,
                })?;
                let name = path.display().to_string();
                let file = RulePack::from_toml_str(&name, &text)?;
                pack.append_distinct(file, &name)
            })
    }

    fn append_distinct(mut self, other: RulePack, file: &str) -> Result<Self, RuleError> {
        if let Some(dup) = other
            .rules
            .iter()
            .find(|r| self.rules.iter().any(|s| s.id == r.id))
        {
            return Err(RuleError::DuplicateId {
                file: file.to_owned(),
                rule_id: dup.id.clone(),
            });
        }
        self.rules.extend(other.rules);
        self.disabled.extend(other.disabled);
        Ok(self)
    }

    /// Layers `other` over this pack: a rule with an id already present replaces it in place,
    /// new ids are appended, and `other`'s disable list is added to this one.
    pub fn merge(mut self, other: RulePack) -> Self {
        for rule in other.rules {
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(slot) => *slot = rule,
                None => self.rules.push(rule),
            }
        }
        self.disabled.extend(other.disabled);
        self
    }

    /// Switches a rule off by id (it stays in the pack, so a later merge cannot resurrect it
    /// by accident).
    pub fn disable(&mut self, id: &str) {
        self.disabled.insert(id.to_owned());
    }

    /// All rules, enabled or not, in pack order.
    pub fn rules(&self) -> &[RuleSpec] {
        &self.rules
    }

    pub fn is_enabled(&self, rule: &RuleSpec) -> bool {
        !rule.disabled && !self.disabled.contains(&rule.id)
    }

    /// Adds a rule built in code; same checks as a rule read from a file.
    pub fn push(&mut self, rule: RuleSpec) -> Result<(), RuleError> {
        rule.check()?;
        if self.rules.iter().any(|r| r.id == rule.id) {
            return Err(RuleError::DuplicateId {
                file: rule.source.clone(),
                rule_id: rule.id,
            });
        }
        self.rules.push(rule);
        Ok(())
    }

    /// Runs every rule's examples through an engine holding only that rule (with `opts`),
    /// the way Nosey Parker's rule tests do: each example must be detected by its rule, each
    /// negative example must not. Disabled rules are checked too.
    pub fn check_examples(&self, opts: &EngineOptions) -> Result<Vec<ExampleFailure>, RuleError> {
        let mut failures = Vec::new();
        for rule in &self.rules {
            // A rule that must stand near another's value is checked with that rule beside it;
            // only its own matches count.
            let mut rules = vec![RuleSpec {
                disabled: false,
                ..rule.clone()
            }];
            if let Some(near) = &rule.near
                && let Some(anchor) = self.rules.iter().find(|r| r.id == near.rule)
            {
                rules.push(RuleSpec {
                    disabled: false,
                    ..anchor.clone()
                });
            }
            let single = RulePack {
                rules,
                disabled: BTreeSet::new(),
            };
            let opts = EngineOptions {
                disabled_rules: Vec::new(),
                ..opts.clone()
            };
            let engine = Engine::new(single, opts)?;
            let detects = |text: &str| {
                let seg = Segment {
                    text: text.to_owned(),
                    offset: 0,
                    line: 1,
                    origin: Default::default(),
                    context: None,
                };
                engine
                    .find(std::slice::from_ref(&seg))
                    .iter()
                    .any(|m| *m.rule_id == *rule.id)
            };
            for (index, example) in rule.examples.iter().enumerate() {
                if !detects(example) {
                    failures.push(ExampleFailure {
                        rule_id: rule.id.clone(),
                        index,
                        negative: false,
                    });
                }
            }
            for (index, example) in rule.negative_examples.iter().enumerate() {
                if detects(example) {
                    failures.push(ExampleFailure {
                        rule_id: rule.id.clone(),
                        index,
                        negative: true,
                    });
                }
            }
        }
        Ok(failures)
    }
}

/// An example its rule does not detect, or a negative example it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule_id: String,
    /// 0-based position in `examples` or `negative_examples`.
    pub index: usize,
    pub negative: bool,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.negative {
            write!(
                f,
                "rule {}: negative_examples[{}] is detected",
                self.rule_id, self.index
            )
        } else {
            write!(
                f,
                "rule {}: examples[{}] is not detected",
                self.rule_id, self.index
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = r#"
[[rule]]
id = "demo-token"
name = "Demo token"
category = "secret"
severity = "high"
pattern = 'demo_[a-z]{8}'
keywords = ["demo_"]
confidence = 0.8
examples = ["token demo_abcdefgh"]
negative_examples = ["demo_abc"]
"#;

    #[test]
    fn builtin_pack_loads_and_has_the_first_detectors() {
        let pack = RulePack::try_builtin().unwrap();
        let ids: Vec<_> = pack.rules().iter().map(|r| r.id.as_str()).collect();
        for id in [
            "aws-access-key-id",
            "github-classic-pat",
            "credit-card",
            "us-ssn",
            "email",
            "us-npi",
        ] {
            assert!(ids.contains(&id), "missing {id}");
        }
        for rule in pack.rules() {
            assert!(
                rule.examples.len() >= 2 && rule.negative_examples.len() >= 2,
                "{}",
                rule.id
            );
            assert!(rule.source.starts_with("rules/"));
        }
    }

    #[test]
    fn builtin_pack_examples_all_hold() {
        let failures = RulePack::builtin()
            .check_examples(&EngineOptions::default())
            .unwrap();
        let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert!(failures.is_empty(), "{}", report.join("\n"));
    }

    #[test]
    fn check_examples_reports_broken_examples() {
        let broken = DEMO.replace(
            r#"negative_examples = ["demo_abc"]"#,
            r#"negative_examples = ["demo_zzzzzzzz"]"#,
        );
        let broken = broken.replace("token demo_abcdefgh", "token demo_ABC");
        let pack = RulePack::from_toml_str("demo.toml", &broken).unwrap();
        let failures = pack.check_examples(&EngineOptions::default()).unwrap();
        let expected = [
            ExampleFailure {
                rule_id: "demo-token".into(),
                index: 0,
                negative: false,
            },
            ExampleFailure {
                rule_id: "demo-token".into(),
                index: 0,
                negative: true,
            },
        ];
        assert_eq!(failures, expected);
    }

    #[test]
    fn invalid_files_name_file_and_rule() {
        let err = |text: &str| {
            RulePack::from_toml_str("user.toml", text)
                .unwrap_err()
                .to_string()
        };
        let msg = err(&DEMO.replace("demo_[a-z]{8}", "demo_[a-z"));
        assert!(
            msg.contains("user.toml") && msg.contains("demo-token") && msg.contains("regex"),
            "{msg}"
        );
        let msg = err(&DEMO.replace(
            "confidence = 0.8",
            "confidence = 0.8\nvalidator = \"crc64\"",
        ));
        assert!(msg.contains("demo-token") && msg.contains("crc64"), "{msg}");
        let msg = err(&DEMO.replace(r#"examples = ["token demo_abcdefgh"]"#, ""));
        assert!(
            msg.contains("demo-token") && msg.contains("at least one example"),
            "{msg}"
        );
        let msg = err(&DEMO.replace("keywords", "keyword"));
        assert!(
            msg.contains("demo-token") && msg.contains("keyword"),
            "{msg}"
        );
        let msg = err(&format!("{DEMO}{DEMO}"));
        assert!(msg.contains("defined twice"), "{msg}");
        let msg = err("[[rule]\nid = 1");
        assert!(
            msg.starts_with("rule file user.toml: invalid TOML at line 1"),
            "{msg}"
        );
        let msg = err(&DEMO.replace("id = \"demo-token\"\n", ""));
        assert!(msg.contains("rule #1 (no id)"), "{msg}");
    }

    #[test]
    fn merge_overrides_by_id_and_disables() {
        let base = RulePack::from_toml_str("a.toml", DEMO).unwrap();
        let stronger = RulePack::from_toml_str("b.toml", &DEMO.replace("0.8", "0.9")).unwrap();
        let merged = base.clone().merge(stronger);
        assert_eq!(merged.rules().len(), 1);
        assert_eq!(merged.rules()[0].confidence, 0.9);
        assert_eq!(merged.rules()[0].source, "b.toml");
        let off = RulePack::from_toml_str("c.toml", "disable = [\"demo-token\"]").unwrap();
        let merged = merged.merge(off);
        assert!(!merged.is_enabled(&merged.rules()[0]));
        let flagged = RulePack::from_toml_str(
            "d.toml",
            &DEMO.replace("confidence", "disabled = true\nconfidence"),
        )
        .unwrap();
        assert!(!flagged.is_enabled(&flagged.rules()[0]));
    }

    #[test]
    fn load_dir_reads_toml_files_in_order_and_rejects_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("b.toml"),
            DEMO.replace("demo-token", "demo-b"),
        )
        .unwrap();
        std::fs::write(dir.path().join("a.toml"), DEMO).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a rule file").unwrap();
        let pack = RulePack::load_dir(dir.path()).unwrap();
        let ids: Vec<_> = pack.rules().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["demo-token", "demo-b"]);
        std::fs::write(dir.path().join("c.toml"), DEMO).unwrap();
        let msg = RulePack::load_dir(dir.path()).unwrap_err().to_string();
        assert!(
            msg.contains("c.toml") && msg.contains("demo-token"),
            "{msg}"
        );
        let missing = RulePack::load_dir(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(missing, RuleError::Io { .. }));
    }
}
