"""Provider tokens of cloud, CI/CD, monitoring, payment and messaging services in the pages a
company wiki holds them in: a platform hand-over, a CI pipeline, alert routing and an
incident's rotation log.

Every value is built from its issuer's documented format (prefix, alphabet, length), with
Grafana's CRC32 suffix and Discord's base64 user id where the format carries them. Look-alikes
sit beside them: test-mode keys, cut-off values, placeholders, a wrong checksum, the wrong case
of a prefix, and the commit hashes and ids that stand next to provider names.
"""

import base64
import json
import struct
import zlib

from .doc import L, P
from .rand import UPPER_ALNUM, URLSAFE, Rand

ULID = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _grafana_sa(r: Rand, broken: bool = False) -> str:
    key = "glsa_" + r.alnum(32)
    crc = struct.pack("<I", zlib.crc32(key.encode())).hex()
    if broken:
        crc = crc[:-1] + ("0" if crc[-1] != "0" else "1")
    return f"{key}_{crc}"


def _grafana_cloud(r: Rand) -> str:
    claims = {"o": r.digits(6), "n": f"stack-{r.digits(6)}-logs-write", "k": r.alnum(24),
              "m": {"r": r.choice(["prod-us-central-0", "prod-eu-west-2", "prod-ap-southeast-1"])}}
    return "glc_" + base64.b64encode(json.dumps(claims, separators=(",", ":")).encode()).decode().rstrip("=")


def _discord_bot(r: Rand) -> str:
    user_id = r.choice("123456789") + r.digits(18)
    head = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
    return f"{head}.{r.chars(URLSAFE, 6)}.{r.chars(URLSAFE, 38)}"


TOKENS = {
    "alibaba-access-key-id": lambda r: "LTAI5t" + r.alnum(18),
    "cloudflare-origin-ca-key": lambda r: f"v1.0-{r.hex(24)}-{r.hex(146)}",
    "flyio-access-token": lambda r: "fo1_" + r.chars(URLSAFE, 43),
    "supabase-access-token": lambda r: "sbp_" + r.hex(40),
    "databricks-token": lambda r: "dapi" + r.hex(32),
    "tencent-cloud-secret-id": lambda r: "AKID" + r.alnum(32),
    "vault-service-token": lambda r: "hvs." + r.b64url(70),
    "terraform-cloud-token": lambda r: f"{r.alnum(14)}.atlasv1.{r.alnum(67)}",
    "pulumi-access-token": lambda r: "pul-" + r.hex(40),
    "doppler-service-token": lambda r: f"dp.st.{r.choice(['prd', 'stg', 'ci'])}.{r.alnum(43)}",
    "tailscale-auth-key": lambda r: f"tskey-auth-k{r.alnum(10)}CNTRL-{r.alnum(33)}",
    "circleci-personal-token": lambda r: f"CCIPAT_{r.alnum(22)}_{r.hex(40)}",
    "buildkite-api-token": lambda r: "bkua_" + r.hex(40),
    "sonarqube-user-token": lambda r: "squ_" + r.hex(40),
    "jfrog-api-key": lambda r: "AKCp8" + r.alnum(68),
    "postman-api-key": lambda r: f"PMAK-{r.hex(24)}-{r.hex(34)}",
    "linear-api-key": lambda r: "lin_api_" + r.alnum(40),
    "grafana-service-account-token": _grafana_sa,
    "grafana-cloud-token": _grafana_cloud,
    "dynatrace-api-token": lambda r: f"dt0c01.{r.chars(UPPER_ALNUM, 24)}.{r.chars(UPPER_ALNUM, 64)}",
    "honeycomb-ingest-key": lambda r: "hcaik_01" + r.chars(ULID, 56),
    # Newer Flutterwave secret keys carry a second, 13-character group before the `-X`.
    "flutterwave-secret-key": lambda r: f"FLWSECK-{r.hex(32)}-{r.hex(11) + r.chars('ghijklmnopqrstuvwxyz', 2) + '-' if r.chance(0.5) else ''}X",
    "plaid-access-token": lambda r: f"access-production-{r.uuid()}",
    "telegram-bot-token": lambda r: f"{r.choice('1234567')}{r.digits(9)}:AA{r.chars(URLSAFE, 33)}",
    "discord-webhook-url": lambda r: f"https://discord.com/api/webhooks/{r.choice('12')}{r.digits(18)}/{r.chars(URLSAFE, 68)}",
    "msteams-webhook-url": lambda r: (
        f"https://{r.choice(['acmecorp', 'acmegroup'])}.webhook.office.com/webhookb2/{r.uuid()}@{r.uuid()}"
        f"/IncomingWebhook/{r.alnum(32)}/{r.uuid()}/V2{r.chars(URLSAFE, 45)}"),
    "brevo-api-key": lambda r: f"xkeysib-{r.hex(64)}-{r.alnum(16)}",
    "discord-bot-token": _discord_bot,
}


def _token(r: Rand, kind: str) -> str:
    return r.fresh(lambda: TOKENS[kind](r))


def platform_handover(corpus, r: Rand, index: int) -> None:
    """A departing engineer's hand-over table: which credential opens what."""
    d = corpus.doc(f"prose/platform-handover-{index:02d}.md")
    d.line(f"# Platform hand-over, team {r.choice(['Orion', 'Vega', 'Lyra'])} ({index})").blank()
    d.line("Rotate everything below within a week of the hand-over.").blank()
    d.line("| System | Credential | Owner |")
    d.line("| --- | --- | --- |")
    rows = [("Alibaba Cloud RAM user", "alibaba-access-key-id"), ("Cloudflare origin certificates", "cloudflare-origin-ca-key"),
            ("Fly.io deploys", "flyio-access-token"), ("Supabase CLI", "supabase-access-token"),
            ("Databricks jobs", "databricks-token"), ("Tencent COS uploads", "tencent-cloud-secret-id"),
            ("Vault (break-glass)", "vault-service-token"), ("Terraform Cloud workspace runs", "terraform-cloud-token"),
            ("Pulumi stacks", "pulumi-access-token"), ("Doppler service token", "doppler-service-token")]
    for system, kind in r.sample(rows, 7):
        d.line(f"| {system} | `", P(_token(r, kind), "secret", kind), f"` | {r.choice(['mkovac', 'tbrandt', 'ayilmaz', 'jfoster'])} |")
    d.blank().line("## Not credentials").blank()
    d.line("- Test-mode keys in the sandbox project: `", L(f"FLWSECK_TEST-{r.hex(32)}-X", "secret", "flutterwave-test-key"),
           "` and `", L(f"access-sandbox-{r.uuid()}", "secret", "plaid-sandbox-token"), "`.")
    d.line("- The id of the RAM user is shown cut off in the console: ", L("LTAI5t" + r.alnum(6), "secret", "truncated-alibaba-key-id"), ".")
    d.line("- Someone pasted a key with its prefix lower-cased into the old sheet: ",
           L("sbp_" + r.hex(40).upper(), "secret", "wrong-case-supabase-token"), " (rejected by the CLI).")
    d.line("- Last Terraform apply ran at commit ", L(r.hex(40), "secret", "git-sha"), ".")


def ci_pipeline(corpus, r: Rand, index: int) -> None:
    """A CI configuration with its environment written out, as a wiki copy of the pipeline."""
    d = corpus.doc(f"configs/ci-pipeline-{index:02d}.yml")
    d.line(f"# Copied from the build wiki: pipeline for service {r.choice(['billing', 'search', 'ledger'])}-{index}")
    d.line("version: 2.1").line("jobs:").line("  build:").line("    environment:")
    kinds = ["circleci-personal-token", "buildkite-api-token", "sonarqube-user-token", "jfrog-api-key",
             "postman-api-key", "linear-api-key", "tailscale-auth-key"]
    names = {"circleci-personal-token": "CIRCLE_TOKEN", "buildkite-api-token": "BUILDKITE_API_TOKEN",
             "sonarqube-user-token": "SONAR_TOKEN", "jfrog-api-key": "ARTIFACTORY_API_KEY",
             "postman-api-key": "POSTMAN_API_KEY", "linear-api-key": "LINEAR_API_KEY", "tailscale-auth-key": "TS_AUTHKEY"}
    for kind in r.sample(kinds, 5):
        d.line(f"      {names[kind]}: \"", P(_token(r, kind), "secret", kind), "\"")
    d.line("      SONAR_HOST_URL: https://sonar.acme-corp.internal")
    d.line("      GIT_COMMIT: \"", L(r.hex(40), "secret", "git-sha"), "\"")
    d.line("      CIRCLE_TOKEN_TEMPLATE: \"", L(f"CCIPAT_{'x' * 22}_{r.hex(40)}", "secret", "placeholder-circleci-token"), "\"")
    d.line("      BUILDKITE_API_TOKEN_OLD: \"", L("bkua_" + r.hex(24), "secret", "truncated-buildkite-token"), "\"")
    d.line("    steps:").line("      - checkout")
    d.line("      - run: ./gradlew test sonar -Dsonar.token=$SONAR_TOKEN")


def alert_routing(corpus, r: Rand, index: int) -> None:
    """Where alerts go: monitoring tokens and chat webhooks in an on-call page."""
    d = corpus.doc(f"prose/alert-routing-{index:02d}.md")
    d.line(f"# Alert routing ({index})").blank()
    d.line("Grafana sends to the on-call channels through these integrations.").blank()
    d.line("* Grafana service account used by the provisioning job: ", P(_token(r, "grafana-service-account-token"), "secret", "grafana-service-account-token"))
    d.line("* Grafana Cloud logs write token: ", P(_token(r, "grafana-cloud-token"), "secret", "grafana-cloud-token"))
    d.line("* Dynatrace ingest token: ", P(_token(r, "dynatrace-api-token"), "secret", "dynatrace-api-token"))
    d.line("* Honeycomb ingest key for the collectors: ", P(_token(r, "honeycomb-ingest-key"), "secret", "honeycomb-ingest-key"))
    d.line("* Teams channel #ops-alerts: ", P(_token(r, "msteams-webhook-url"), "secret", "msteams-webhook-url"))
    d.line("* Discord community status channel: ", P(_token(r, "discord-webhook-url"), "secret", "discord-webhook-url"))
    d.line("* Telegram bot for the NOC phones: ", P(_token(r, "telegram-bot-token"), "secret", "telegram-bot-token"))
    d.blank().line("Retired, kept for the audit trail:").blank()
    d.line("* Old Grafana token (checksum no longer matches after a copy error): ",
           L(_grafana_sa(r, broken=True), "secret", "grafana-token-bad-checksum"))
    d.line("* Grafana Cloud token as shown in the UI, cut after 40 characters: ",
           L(r.fresh(lambda: _grafana_cloud(r))[:40], "secret", "truncated-grafana-cloud-token"))
    d.line("* Dashboard uid ", L(r.alnum(9), "secret", "grafana-dashboard-uid"), ", Dynatrace tenant ",
           L(r.chars("abcdefghijklmnopqrstuvwxyz", 3) + r.digits(5), "secret", "dynatrace-tenant-id"), ".")


def rotation_log(corpus, r: Rand, index: int) -> None:
    """An incident's log of what leaked and was rotated, in sentences."""
    d = corpus.doc(f"prose/token-rotation-{index:02d}.md")
    d.line(f"# INC-{r.digits(4)}: tokens in a public gist ({index})").blank()
    d.line("The gist held a developer's dotfiles. What it exposed, in the order we rotated it:").blank()
    d.line("1. The payments sandbox script also carried the live Flutterwave key ",
           P(_token(r, "flutterwave-secret-key"), "secret", "flutterwave-secret-key"), ".")
    d.line("2. A Plaid item token from production, ", P(_token(r, "plaid-access-token"), "secret", "plaid-access-token"), ".")
    d.line("3. The Brevo key of the newsletter job, ", P(_token(r, "brevo-api-key"), "secret", "brevo-api-key"), ".")
    d.line("4. Our Discord moderation bot logged in with ", P(_token(r, "discord-bot-token"), "secret", "discord-bot-token"), ".")
    d.line("5. The Pulumi token of the staging stack, ", P(_token(r, "pulumi-access-token"), "secret", "pulumi-access-token"), ".")
    d.blank().line("Not affected:").blank()
    d.line("- The Brevo key in the README is the documented shape only: ",
           L("xkeysib-" + r.hex(64), "secret", "truncated-brevo-key"), ".")
    d.line("- The Pulumi example in our template has an upper-case prefix and never worked: ",
           L("PUL-" + r.hex(40), "secret", "wrong-case-pulumi-token"), ".")
    d.line("- The Discord application id ", L(r.choice("12") + r.digits(18), "secret", "discord-application-id"),
           " is public.")
