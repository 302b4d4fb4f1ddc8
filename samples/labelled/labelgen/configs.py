"""Configuration and code files: credentials assigned to the names people give them.

Every file mixes planted credentials, look-alikes (example keys, placeholders, identifiers that
are not secret) and ordinary settings, rendered the way the format is written in practice.
"""

from . import lookalikes as lk
from .doc import Doc, L, Mark, P
from .rand import Rand
from .secrets import BLOCK_KINDS, BY_KIND, SecretKind, make

BENIGN = [("LOG_LEVEL", "info"), ("PORT", "8080"), ("AWS_REGION", "eu-west-1"), ("FEATURE_SEARCH_V2", "true"),
          ("MAX_POOL_SIZE", "20"), ("REQUEST_TIMEOUT_MS", "2500"), ("SERVICE_NAME", "billing-api"),
          ("INVOICE_BUCKET", "acme-prod-invoices"), ("RETRY_LIMIT", "5"), ("CACHE_TTL_SECONDS", "300"),
          ("METRICS_ENABLED", "true"), ("TZ", "Europe/Dublin"), ("WORKER_CONCURRENCY", "8"), ("API_BASE_URL", "https://api.acme-corp.com/v2")]


def planted(r: Rand, kind: SecretKind) -> tuple[str, Mark]:
    return kind.var, P(make(r, kind.kind), "secret", kind.kind)


def lookalike_setting(r: Rand) -> tuple[str, Mark]:
    """One look-alike credential setting, drawn over every family of look-alikes."""
    pick = r.int(0, 15)
    s = lambda kind, v: L(v, "secret", kind)
    if pick == 0:
        return "AWS_ACCESS_KEY_ID", s("aws-documentation-example", r.choice(lk.AWS_DOC_KEY_IDS))
    if pick == 1:
        return "AWS_SECRET_ACCESS_KEY", s("aws-documentation-example", r.choice(lk.AWS_DOC_SECRETS))
    if pick == 2:
        kind, value = r.choice(lk.PREFIX_PLACEHOLDERS)
        return BY_KIND[kind].var, s("prefixed-placeholder", value)
    if pick == 3:
        var = r.choice(["API_KEY", "STRIPE_SECRET_KEY", "SENDGRID_API_KEY", "DD_API_KEY", "OKTA_API_TOKEN", "CLIENT_SECRET"])
        return var, s("placeholder", r.choice(lk.PLACEHOLDERS))
    if pick == 4:
        var = r.choice(["DB_PASSWORD", "REDIS_PASSWORD", "ADMIN_PASSWORD", "SMTP_PASSWORD"])
        return var, s("templated-reference", r.choice(lk.TEMPLATED) % var)
    if pick == 5:
        return "GITHUB_TOKEN", s("github-bad-checksum", lk.github_bad_checksum(r, r.choice(["ghp_", "gho_", "ghs_"])))
    if pick == 6:
        return r.choice(["GIT_COMMIT", "BUILD_SHA", "RELEASE_COMMIT"]), s("git-sha", lk.git_sha(r))
    if pick == 7:
        return r.choice(["IMAGE_DIGEST", "ARTIFACT_SHA256", "BUNDLE_CHECKSUM"]), s("sha256-hex", lk.sha256(r))
    if pick == 8:
        return r.choice(["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "REQUEST_ID", "WORKSPACE_ID"]), s("uuid", r.uuid())
    if pick == 9:
        return "TWILIO_ACCOUNT_SID", s("twilio-account-sid", lk.twilio_account_sid(r))
    if pick == 10:
        return "STRIPE_PUBLISHABLE_KEY", s("stripe-publishable-key", lk.stripe_publishable(r))
    if pick == 11:
        return "GOOGLE_CLIENT_ID", s("google-oauth-client-id", lk.google_client_id(r))
    if pick == 12:
        return r.choice(["DATABASE_URL", "REDIS_URL", "BROKER_URL"]), s("connection-string-without-password", lk.placeholder_connection(r))
    if pick == 13:
        return r.choice(["FEATURE_FLAGS_B64", "DEFAULT_LAYOUT"]), s("base64-config", lk.base64_blob(r))
    if pick == 14:
        return r.choice(["ASSET_ETAG", "CACHE_KEY", "SCHEMA_HASH"]), s("md5-hex", lk.md5(r))
    return r.choice(["APP_VERSION", "AGENT_VERSION", "MIN_CLIENT_VERSION"]), s("version-string", lk.version(r))


def _mix(r: Rand, secrets: list[tuple[str, Mark]], n_lookalikes: int, n_benign: int) -> list[tuple[str, object]]:
    items: list[tuple[str, object]] = list(secrets)
    items += [lookalike_setting(r) for _ in range(n_lookalikes)]
    items += r.sample(BENIGN, n_benign)
    r.shuffle(items)
    return items


def _camel(var: str) -> str:
    head, *rest = var.lower().split("_")
    return head + "".join(w.capitalize() for w in rest)


def _dotted(var: str) -> str:
    return var.lower().replace("_", ".")


def render(d: Doc, fmt: str, items: list[tuple[str, object]], r: Rand) -> None:
    """Write `items` as settings of format `fmt`, with the scaffolding each format has."""
    if fmt == "env":
        d.line("# ", r.choice(["billing-api", "orders-worker", "notifications", "data-sync"]), " - production environment")
        d.line("# Loaded by systemd (EnvironmentFile=) on the app hosts; keep in sync with Vault.")
        for var, v in items:
            q = r.choice(["", '"'])
            d.line(var, "=", q, v, q)
    elif fmt == "yaml":
        d.line("# Helm values for the ", r.choice(["payments", "search", "reporting"]), " chart")
        d.line("replicaCount: 3")
        d.line("image:\n  repository: registry.acme-corp.com/platform/app\n  pullPolicy: IfNotPresent")
        d.line("env:")
        for var, v in items:
            d.line("  ", var.lower(), ": \"", v, "\"")
    elif fmt == "json":
        d.line("{")
        d.line('  "Logging": { "LogLevel": { "Default": "Information" } },')
        d.line('  "Settings": {')
        for i, (var, v) in enumerate(items):
            d.line('    "', _camel(var)[0].upper() + _camel(var)[1:], '": "', v, '"', "," if i < len(items) - 1 else "")
        d.line("  }")
        d.line("}")
    elif fmt == "properties":
        d.line("# application-prod.properties")
        d.line("spring.application.name=ledger-service")
        for var, v in items:
            d.line("app.", _dotted(var), "=", v)
    elif fmt == "ini":
        d.line("; deployment settings, read by the release tooling")
        d.line("[service]")
        for i, (var, v) in enumerate(items):
            if i == len(items) // 2:
                d.blank().line("[integrations]")
            d.line(var.lower(), " = ", v)
    elif fmt == "toml":
        d.line("# config/production.toml")
        d.line("[server]\nbind = \"0.0.0.0:8443\"\n")
        d.line("[credentials]")
        for var, v in items:
            d.line(var.lower(), " = \"", v, "\"")
    elif fmt == "compose":
        d.line("services:")
        d.line("  app:")
        d.line("    image: registry.acme-corp.com/platform/", r.choice(["api", "worker", "scheduler"]), ":", r.choice(["1.42.0", "2.3.1"]))
        d.line("    restart: unless-stopped")
        d.line("    environment:")
        for var, v in items:
            d.line("      - ", var, "=", v)
        d.line("    ports:\n      - \"8080:8080\"")
    elif fmt == "py":
        d.line('"""Settings for the ', r.choice(["reconciliation job", "nightly export", "webhook relay"]), '."""')
        d.line("import os\n")
        for var, v in items:
            if r.chance(0.3):
                d.line(var, ' = os.environ.get("', var, '", "', v, '")')
            else:
                d.line(var, ' = "', v, '"')
    elif fmt == "js":
        d.line("// config/production.js")
        d.line("module.exports = {")
        for var, v in items:
            d.line("  ", _camel(var), ": '", v, "',")
        d.line("};")
    elif fmt == "go":
        d.line("package config\n")
        d.line("// Defaults used when the environment does not override them.")
        d.line("const (")
        for var, v in items:
            d.line("\t", _camel(var)[0].upper() + _camel(var)[1:], ' = "', v, '"')
        d.line(")")
    elif fmt == "java":
        d.line("package com.acmecorp.integration;\n")
        d.line("final class Credentials {")
        for var, v in items:
            d.line("    static final String ", var, ' = "', v, '";')
        d.line("    private Credentials() {}")
        d.line("}")
    elif fmt == "sh":
        d.line("#!/usr/bin/env bash")
        d.line("set -euo pipefail")
        d.line("# deploy helper: exports the service credentials, then runs the release")
        for var, v in items:
            d.line("export ", var, "='", v, "'")
        d.line('./bin/release --env production --service "${SERVICE_NAME:-billing-api}"')
    elif fmt == "tf":
        d.line('terraform {\n  required_version = ">= 1.6"\n}\n')
        d.line('resource "kubernetes_secret" "app" {')
        d.line('  metadata {\n    name      = "app-credentials"\n    namespace = "production"\n  }')
        d.line("  data = {")
        for var, v in items:
            d.line("    ", var.lower(), ' = "', v, '"')
        d.line("  }")
        d.line("}")
    else:
        raise KeyError(fmt)


LINE_FORMATS = {"env": ".env", "yaml": ".yaml", "json": ".json", "properties": ".properties", "ini": ".ini",
                "toml": ".toml", "compose": ".yml", "py": ".py", "js": ".js", "go": ".go", "java": ".java", "sh": ".sh", "tf": ".tf"}
FOLDERS = {"env": "config", "yaml": "config", "json": "config", "properties": "config", "ini": "config", "toml": "config",
           "compose": "config", "py": "code", "js": "code", "go": "code", "java": "code", "sh": "code", "tf": "code"}
NAMES = {"env": "prod", "yaml": "values-prod", "json": "appsettings.Production", "properties": "application-prod",
         "ini": "deploy", "toml": "production", "compose": "docker-compose", "py": "settings", "js": "config",
         "go": "defaults", "java": "Credentials", "sh": "deploy", "tf": "secrets"}


def config_file(corpus, r: Rand, fmt: str, index: int, kinds: list[SecretKind], n_lookalikes: int) -> None:
    name = NAMES[fmt] + (f"-{index:02d}" if fmt not in ("java", "compose", "json") else f"{index:02d}")
    d = corpus.doc(f"{FOLDERS[fmt]}/{name}{LINE_FORMATS[fmt]}" if fmt != "compose" else f"config/docker-compose-{index:02d}.yml")
    render(d, fmt, _mix(r, [planted(r, k) for k in kinds], n_lookalikes, r.int(2, 4)), r)


# --- multi-line keys -------------------------------------------------------------------------

def block_file(corpus, r: Rand, index: int, kind: SecretKind, fmt: str) -> None:
    value = make(r, kind.kind)
    if fmt == "yaml":
        d = corpus.doc(f"config/k8s-secret-{index:02d}.yaml")
        d.line("apiVersion: v1\nkind: Secret\nmetadata:\n  name: ", r.choice(["ingress-tls", "signing-key", "sftp-key"]), "\n  namespace: production")
        d.line("type: Opaque\nstringData:")
        d.line("  ", kind.var.lower().replace("_", "."), ": |")
        d.line("    ", P(value.replace("\n", "\n    "), "secret", kind.kind))
        d.line("  public.pem: |")
        d.line("    ", L(lk.public_key_block(r).replace("\n", "\n    "), "secret", "public-key-block"))
    elif fmt == "md":
        d = corpus.doc(f"prose/key-handover-{index:02d}.md")
        d.line("# ", kind.label.capitalize(), " for the ", r.choice(["SFTP partner feed", "release signing", "bastion host"]))
        d.blank()
        d.line("The previous owner left the key below in the handover notes. Move it into Vault and delete this page section once done.")
        d.blank().line("```").line(P(value, "secret", kind.kind)).line("```").blank()
        d.line("Its public half, which is fine to share:").blank()
        d.line("```").line(L(lk.ssh_public_key(r) if "OPENSSH" in value else lk.public_key_block(r), "secret",
                                "public-key" if "OPENSSH" in value else "public-key-block")).line("```")
    elif fmt == "sh":
        d = corpus.doc(f"code/install-key-{index:02d}.sh")
        d.line("#!/usr/bin/env bash\nset -euo pipefail")
        d.line("# Writes the deploy key on a fresh runner. TODO: fetch from Vault instead.")
        d.line("mkdir -p ~/.ssh && chmod 700 ~/.ssh")
        d.line("cat > ~/.ssh/id_deploy <<'EOF'")
        d.line(P(value, "secret", kind.kind))
        d.line("EOF\nchmod 600 ~/.ssh/id_deploy")
    elif fmt == "tf":
        d = corpus.doc(f"code/tls-{index:02d}.tf")
        d.line('resource "aws_iam_server_certificate" "edge" {')
        d.line('  name             = "edge-', r.digits(2), '"')
        d.line("  certificate_body = <<EOT")
        d.line(L(lk.certificate_block(r), "secret", "certificate-block"))
        d.line("EOT")
        d.line("  private_key = <<EOT")
        d.line(P(value, "secret", kind.kind))
        d.line("EOT\n}")
    elif fmt == "py":
        d = corpus.doc(f"code/signing_{index:02d}.py")
        d.line('"""Signs partner export files."""\n')
        d.line("SIGNING_KEY = \"\"\"", P(value, "secret", kind.kind), "\n\"\"\"\n")
        d.line("def sign(payload: bytes) -> bytes:\n    return _signer(SIGNING_KEY).sign(payload)")
    elif fmt == "txt":
        d = corpus.doc(f"prose/gpg-notes-{index:02d}.txt")
        d.line("Release signing - notes from the 2024 key ceremony")
        d.line("=================================================")
        d.blank()
        d.line("Exported with gpg --export-secret-keys --armor. Passphrase is in the safe.")
        d.blank()
        d.line(P(value, "secret", kind.kind))
    else:
        raise KeyError(fmt)


def gcp_service_account_file(corpus, r: Rand, index: int) -> None:
    from .secrets import pem_pkcs8_rsa
    key = r.fresh(lambda: pem_pkcs8_rsa(r)) + "\n"
    project = r.choice(["acme-data-prod", "acme-analytics", "acme-ml-train"]) + "-" + r.digits(3)
    account = r.choice(["bq-exporter", "gcs-sync", "vertex-runner"])
    d = corpus.doc(f"config/gcp-{account}-{index:02d}.json")
    d.line("{")
    d.line('  "type": "service_account",')
    d.line('  "project_id": "', project, '",')
    d.line('  "private_key_id": "', L(r.fresh(lambda: r.hex(40)), "secret", "gcp-private-key-id"), '",')
    d.line('  "private_key": "', P(key.replace("\n", "\\n"), "secret", "gcp-service-account-private-key"), '",')
    d.line('  "client_email": "', L(f"{account}@{project}.iam.gserviceaccount.com", "pii", "service-account-address"), '",')
    d.line('  "client_id": "', L(lk.benign_digits(r, 21), "pii", "numeric-client-id"), '",')
    d.line('  "auth_uri": "https://accounts.google.com/o/oauth2/auth",')
    d.line('  "token_uri": "https://oauth2.googleapis.com/token",')
    d.line('  "universe_domain": "googleapis.com"')
    d.line("}")
