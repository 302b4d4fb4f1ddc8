//! The built-in rule pack as a whole: it compiles, it is as large as promised, it stays
//! quiet on everyday wiki text, it names what a leak holds, and its fast paths find what
//! the exhaustive search finds.

use super::*;

#[test]
fn builtin_engine_compiles() {
    let engine = Engine::new(RulePack::try_builtin().unwrap(), EngineOptions::default()).unwrap();
    let ids = engine.detector_ids();
    // The first detectors, and the ids the sample space plants values for.
    for id in [
        "aws-access-key-id",
        "github-classic-pat",
        "credit-card",
        "us-ssn",
        "email",
        "us-npi",
        "iban",
        "uk-nino",
        "slack-bot-token",
        "pem-private-key",
        "postgres-connection-string",
        "jwt",
    ] {
        assert!(ids.contains(&id), "missing {id}");
    }
    assert_eq!(engine.digest().len(), 64);
    assert_eq!(
        Engine::builtin().digest(),
        engine.digest(),
        "digest is deterministic"
    );
}

/// Counts per category; `cargo test --lib rule_counts -- --nocapture` prints them.
#[test]
fn rule_counts_per_category_and_every_rule_is_prefiltered() {
    let pack = RulePack::builtin();
    let count = |c: Category| pack.rules().iter().filter(|r| r.category == c).count();
    let (secret, pii, pci, phi) = (
        count(Category::Secret),
        count(Category::Pii),
        count(Category::Pci),
        count(Category::Phi),
    );
    println!(
        "rule_counts: total {} secret {secret} pii {pii} pci {pci} phi {phi}",
        pack.rules().len()
    );
    assert!(pack.rules().len() >= 250);
    assert!(secret >= 210 && pii >= 25 && pci >= 4 && phi >= 5);
    for rule in pack.rules() {
        assert!(
            !rule.keywords.is_empty() || rule.prefilter == Prefilter::Digits,
            "{} runs its regex on every segment",
            rule.id
        );
    }
}

/// A page of the kind every wiki has: how-tos full of placeholders, documentation keys,
/// versions, dates, ids and fictional phone numbers. The whole builtin pack stays quiet.
#[test]
fn builtin_pack_is_quiet_on_a_how_to_page() {
    let page = r#"
Setup guide (v2.14.3, updated 2026-11-25). Ticket OPS-4411, build 20261125.1342.
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app
REDIS_URL=redis://127.0.0.1:6379/
password: <set in vault>
DB_PASSWORD=changeme
The password is stored in Vault; rotate it with --password "$NEW_PASSWORD".
api_key: your-api-key-goes-here
GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
SLACK_WEBHOOK=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX
-----BEGIN RSA PRIVATE KEY-----
...
-----END RSA PRIVATE KEY-----
Authorization: Bearer <token>
Call the service desk on +1 (415) 555-0136 or 020 7946 0321.
Order 4111-1111-1111-1112, invoice 2026-0042, commit 3f2c1a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a.
Request id 0b7e0f7c-7b1e-4f43-9c1e-1f0a6f1f2d3e, sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.
Mail noreply@example.com; see https://docs.acme-corp.com/setup#step-3.
"#;
    let found = Engine::builtin().find(&one(page));
    let ids: Vec<_> = found.iter().map(|m| &*m.rule_id).collect();
    assert!(ids.is_empty(), "{ids:?}");
}

/// Source code is full of digit groups next to the words a phone rule listens for (a
/// `RefCell`, a `call`, a `mobile` build): Unicode tables, decimal arrays, versions,
/// timestamps, addresses, dates, ids and ioctl constants. No phone rule reports any of them.
#[test]
fn no_phone_number_in_source_code_look_alikes() {
    let code = r#"
// Emoji ranges the mobile keyboard renders; call sites in keyboard.rs.
const EMOJI: &[(u32, u32)] = &[(0x1F600, 0x1F64F), (0x1F300, 0x1F5FF), (0x0600, 0x06FF)];
static CELL_CLASSES: [u8; 6] = [48, 57, 65, 90, 97, 122]; // cell widths
int phone_digits[] = { 0300, 0345, 0660, 0669 };
let cell = RefCell::new(vec![1024 2048 4096 8192]);
fn call_contact_api() { /* mobile build v2.14.3, released 2024-01-15 10:42:07 */ }
// last call from 10.89.235.121 at 2025-11-25T13:42:07+01:00, tel. module 1.2.30
contact form: order 2024-0042-7781, ticket #389984977, invoice 0042 7781 2290
phone field empty until 26.04.2026; mobile layout 1920 1080 2560 1440
pub const IPMI_BMC_IOCTL_SET_SMS_ATN: u32 = 536916224;
pub const VHOST_VDPA_SET_CONFIG_CALL: u32 = 2147790711;
{"input": "tel:1234567890", "href": "tel:1234567890"}
cell 00 44 20 71 23 45 67 89 0a 1b
"#;
    let found = Engine::builtin().find(&one(code));
    let phones: Vec<_> = found
        .iter()
        .filter(|m| m.rule_id.starts_with("phone"))
        .map(|m| (&*m.rule_id, &code[m.start..m.end]))
        .collect();
    assert!(phones.is_empty(), "{phones:?}");
}

/// Telephone numbers of many countries in one page, each found by a phone rule: with the
/// country code in any country's layout, or nationally beside a telephone word.
#[test]
fn phone_numbers_of_many_countries_are_found() {
    let page = "\
São Paulo: +55 11 98456 5666\n\
Paris office +33 1 42 68 53 00, from abroad 0044 20 7123 4567\n\
Berlin Telefon: 030 12345678\n\
Tokyo 電話番号: 03-5412-7788\n\
Seoul 휴대폰: 010-4821-7730\n\
Madrid móvil: 612 34 56 79\n\
Zürich Natel 079 123 45 67\n\
Chicago (312) 867-4421\n";
    let found = Engine::builtin().find(&one(page));
    let phones = found.iter().filter(|m| m.rule_id.starts_with("phone"));
    assert_eq!(phones.count(), 9, "{found:?}");
}

/// One leaked config holding many kinds of secret: each is found by its own detector.
#[test]
fn builtin_pack_names_each_secret_in_a_leaked_config() {
    let config = "\
aws_secret_access_key = 9drTJvcXLB89wQpLeKEY2k3j4h5g6f7d8s9a0q1Z\n\
SLACK_BOT_TOKEN=xoxb-284739102837-2938475610293-Zk3jH8sLq9WmX2vB7nT4yR6u\n\
STRIPE_SECRET_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dcQx\n\
SENDGRID_API_KEY=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\n\
DATABASE_URL=postgresql://app:Qm7rT2vX9kLp4sWz8n@pg-prod:5432/payments\n\
IBAN DE89 3704 0044 0532 0130 00\n";
    let found = Engine::builtin().find(&one(config));
    let ids: Vec<_> = found.iter().map(|m| &*m.rule_id).collect();
    assert_eq!(
        ids,
        [
            "aws-secret-access-key",
            "slack-bot-token",
            "stripe-secret-key",
            "sendgrid-api-key",
            "postgres-connection-string",
            "iban"
        ]
    );
}

/// An incident note with what an attacker dumped, and a runbook with what should never have
/// been pasted: each credential is named by its own detector, and the templates and the empty
/// password's NT hash next to them are not reported.
#[test]
fn builtin_pack_names_each_credential_in_a_dump() {
    let page = "\
secretsdump.py ACME/j.ruiz:Hq2mWz9kTs4pVn6L@10.20.1.14\n\
Administrator:500:aad3b435b51404eeaad3b435b51404ee:a6456da1fcf5a83c414783732d19583b:::\n\
Guest:501:aad3b435b51404eeaad3b435b51404ee:31d6cfe0d16ae931b73c59d7e0c089c0:::\n\
krbtgt:aes256-cts-hmac-sha1-96:5c30f5bb093cbb94be9d09d333359c6508e71ed2f8ed6a2502910cbe9c2770fb\n\
A pwdump line reads user:RID:LM:NT::: and a Kerberoast hash $krb5tgs$23$*user$realm$spn*$checksum$edata2.\n\
grafana:$apr1$T/ygbOcI$2ZaqQENWb01qoG8sCd9i11\n\
deploy:$6$crqRiUcxtzR8Zs2R$j9jrqhMY8FP7tr74pMiqI863gViZYFVDoGcJnTcIbhAHtTCpQgl35W5xRmL5ZEs2bAqPyoBQ.2icaPnRRzMhg/:19844:0:99999:7:::\n\
pg-orders.acme.internal:5432:orders:orders_app:Wd5kPz8qNs3vLx7B\n\
\"Reporting\": \"Password=Tz6pWn3qLr8sYv2K;User ID=report;Initial Catalog=Reporting;Data Source=SQLPROD01\"\n\
username netadmin privilege 15 password 7 05390D58605A5B0428570716\n\
DATABRICKS_TOKEN=dapi6e89adc8fe268f6116ca41891e55edf1\n";
    let found = Engine::builtin().find(&one(page));
    let ids: Vec<_> = found.iter().map(|m| &*m.rule_id).collect();
    assert_eq!(
        ids,
        [
            "smb-tool-credentials",
            "ntlm-hash-dump",
            "kerberos-key-dump",
            "apr1-hash",
            "sha512crypt-hash",
            "pgpass-line",
            "adonet-password-first",
            "cisco-type7-password",
            "databricks-token",
        ]
    );
}

/// Not a benchmark, a guard: a megabyte of wiki prose that mentions the keywords of many
/// rules (so their regexes run) is scanned in a bounded time even in a debug build.
#[test]
fn a_megabyte_of_keyword_rich_prose_scans_quickly() {
    let paragraph = "The token for the API key lives in the password manager; call the on-call phone \
        or open https://wiki.acme-corp.com/x. Card expiry and CVV are never stored. Account \
        number and routing details go through the bank portal. Patient MRN and diagnosis codes \
        stay in the EHR. Grüße aus München, 東京 and São Paulo. ";
    let text = paragraph.repeat(1_000_000 / paragraph.len());
    let segments: Vec<Segment> = text
        .as_bytes()
        .chunks(4096)
        .scan(0usize, |offset, _| {
            let start = *offset;
            let mut end = (start + 4096).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            *offset = end;
            Some(seg(&text[start..end], start, 1))
        })
        .filter(|s| !s.text.is_empty())
        .collect();
    let engine = Engine::builtin();
    let started = std::time::Instant::now();
    let found = engine.find(&segments);
    let took = started.elapsed();
    assert!(
        found.is_empty(),
        "{:?}",
        found.iter().map(|m| &m.rule_id).collect::<Vec<_>>()
    );
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
    println!("1 MB of prose: {took:?}");
}

/// After a segment dense enough to index its context words, the next segment's keyword pass
/// records them too; what is found must not change.
#[test]
fn dense_segments_find_context_words_in_the_keyword_pass_alike() {
    let lines = [
        "Employee SSN 175-85-6645 verified by HR",
        "Prescriber NPI 1741129617 on the claim form",
        "Corporate card on file: 4290 2454 3162 5914",
        "Contact radia.berners51@acme-corp.com for access",
        "sample card 4111 1111 1111 1111, fake ssn 078-05-1120",
    ];
    let text: String = (0..400)
        .map(|i| format!("{}\n", lines[i % lines.len()]))
        .collect();
    let segments: Vec<Segment> = text
        .split_inclusive('\n')
        .collect::<Vec<_>>()
        .chunks(100)
        .scan((0usize, 1u32), |(offset, line), chunk| {
            let body: String = chunk.concat();
            let segment = seg(&body, *offset, *line);
            *offset += body.len();
            *line += chunk.len() as u32;
            Some(segment)
        })
        .collect();
    let engine = Engine::builtin();
    let mut scratch = Scratch::default();
    let found = engine.find_with(&segments[..1], &mut scratch);
    assert!(
        scratch.words.indexed(),
        "the first segment indexes its context words"
    );
    let mut all = found;
    all.extend(engine.find_with(&segments[1..], &mut scratch));
    assert_eq!(all, engine.find_exhaustive(&segments));
    assert!(all.len() >= 300, "{}", all.len());
}

/// A provider's token in a wiki page is reported under the provider's own rule by the whole
/// pack, not by a generic label rule or a broader provider rule that also matches it (Paystack's
/// `sk_live_` keys against Stripe's, a Slack-style webhook against a URL rule).
#[test]
fn provider_examples_are_named_by_their_own_rule_in_the_whole_pack() {
    let pack = RulePack::builtin();
    let engine = Engine::builtin();
    let provider_files = [
        "rules/cloud-providers.toml",
        "rules/infrastructure-tools.toml",
        "rules/ci-cd.toml",
        "rules/developer-tools.toml",
        "rules/monitoring.toml",
        "rules/payments.toml",
        "rules/messaging.toml",
    ];
    let mut misnamed = Vec::new();
    let mut checked = 0;
    for rule in pack
        .rules()
        .iter()
        .filter(|r| provider_files.contains(&r.source.as_str()))
    {
        checked += 1;
        for example in &rule.examples {
            let found = engine.find(&one(example));
            if !found.iter().any(|m| *m.rule_id == *rule.id) {
                let ids: Vec<_> = found.iter().map(|m| m.rule_id.to_string()).collect();
                misnamed.push(format!("{}: {ids:?}", rule.id));
            }
        }
    }
    assert!(checked >= 100, "{checked} provider rules");
    assert!(misnamed.is_empty(), "{misnamed:#?}");
}

/// The placeholders, identifiers and hashes that sit next to provider names in runbooks and
/// CI docs: ids, commit hashes, digests and test-mode keys are not tokens.
#[test]
fn builtin_pack_is_quiet_on_a_provider_setup_page() {
    let page = r#"
CI setup (CircleCI, Jenkins, SonarQube). Last green build on CircleCI: commit 9c1f0e4b7d2a8c6e5f3b1a0d9e8c7b6a5f4e3d2c.
CIRCLE_TOKEN=${CIRCLE_TOKEN}; SONAR_TOKEN=$SONAR_TOKEN; -Dsonar.login=$(SONAR_LOGIN)
git checkout release/2.14 && ./gradlew build
Hetzner image sha256 4f2d9c81b7e6a5f3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9
OPSGENIE_TEAM_ID=6b1f2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d, VERCEL_ORG_ID=team_Q3mV8xK2pL7nR4tW9yZ1bC6d
PAGERDUTY_SERVICE_ID=PX7Q2LM, LAUNCHDARKLY_MOBILE_KEY=mob-5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f
PAYSTACK_SECRET_KEY=sk_test_3f9c2a7e1b4d8f6a0c5e9b2d7f1a4c8e6b3d0f5a
FLW_SECRET_KEY=FLWSECK_TEST-1f7c3a9e5b2d8f4a6c0e1b7d3f9a5c2e-X
access-sandbox-0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f; pk.eyJ1IjoiYWNtZSJ9...
TELEGRAM_BOT_TOKEN=<bot id>:<token>; DISCORD_WEBHOOK=https://discord.com/api/webhooks/<id>/<token>
ngrok config add-authtoken <your-authtoken>; tailscale up --authkey=tskey-auth-<key>
VAULT_TOKEN=hvs.<root token>; TF_TOKEN_app_terraform_io=<org>.atlasv1.<token>
API-GATEWAY-PRODUCTION is the ingress name; see path/to/pattern.yaml and the checkbox.
Transaction key: <16 characters>. LINE channel id 1657483920. Box folder 98273645123.
Grafana dashboard uid a1b2c3d4e5; glsa_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx_00000000
"#;
    let found = Engine::builtin().find(&one(page));
    let ids: Vec<_> = found.iter().map(|m| &*m.rule_id).collect();
    assert!(ids.is_empty(), "{ids:?}");
}

/// Paystack's live secret keys have Stripe's `sk_live_` prefix: with Paystack named nearby the
/// key is Paystack's, otherwise it stays a Stripe key.
#[test]
fn a_live_key_is_paystacks_only_where_paystack_is_named() {
    let key = "sk_live_5b0e9c2f7a41d8e36c9a0f4b2d7e1c8a3f6b9d04";
    let ids = |text: &str| -> Vec<String> {
        Engine::builtin()
            .find(&one(text))
            .iter()
            .map(|m| m.rule_id.to_string())
            .collect()
    };
    assert_eq!(
        ids(&format!("PAYSTACK_SECRET_KEY={key}")),
        ["paystack-secret-key"]
    );
    assert_eq!(ids(&format!("SECRET_KEY={key}")), ["stripe-secret-key"]);
}
