"""Credentials in the formats their vendors document.

Each `SecretKind` pairs a generator with the names people give it in configuration (`var`)
and prose (`label`). Where the vendor publishes a checksum (GitHub, npm) the token carries a
valid one. Private keys are DER-shaped (the right ASN.1 prefix for their type, random after)
so that their base64 starts as real keys do.
"""

import base64
import string
from dataclasses import dataclass
from typing import Callable

from .checks import crc24, crc32_base62
from .rand import ALNUM, B64, HEX, UPPER_ALNUM, URLSAFE, Rand


@dataclass(frozen=True)
class SecretKind:
    kind: str
    var: str
    label: str
    gen: Callable[[Rand], str]
    block: bool = False  # multi-line (PEM, PGP): only where a format can hold it


def _github(prefix: str):
    def gen(r: Rand) -> str:
        body = r.alnum(30)
        return prefix + body + crc32_base62(body)
    return gen


def _npm(r: Rand) -> str:
    body = r.alnum(30)
    return "npm_" + body + crc32_base62(body)


def _openai(prefix: str):
    def gen(r: Rand) -> str:
        if prefix == "sk-":
            return "sk-" + r.alnum(20) + "T3BlbkFJ" + r.alnum(20)
        return prefix + r.chars(URLSAFE, 74) + "T3BlbkFJ" + r.chars(URLSAFE, 74)
    return gen


def _slack_webhook(r: Rand) -> str:
    return (f"https://hooks.slack.com/services/T{r.chars(UPPER_ALNUM, 8)}/"
            f"B{r.chars(UPPER_ALNUM, 10)}/{r.alnum(24)}")


def _aws_session(r: Rand) -> str:
    return "IQoJb3JpZ2luX2VjE" + r.b64(330).rstrip("=")


def _azure_storage(r: Rand) -> str:
    account = r.choice(["acmeprodlogs", "acmebackups", "stfinancedata", "acmeuploads", "stanalyticsraw"]) + r.digits(2)
    return (f"DefaultEndpointsProtocol=https;AccountName={account};"
            f"AccountKey={r.b64(64)};EndpointSuffix=core.windows.net")


def _azure_sas(r: Rand) -> str:
    sig = r.b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    return (f"sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2026-0{r.int(1, 9)}-1{r.int(0, 9)}T18:00:00Z"
            f"&st=2025-01-0{r.int(1, 9)}T09:00:00Z&spr=https&sig={sig}")


def _azure_client_secret(r: Rand) -> str:
    return r.alnum(3) + r.digits(1) + "Q~" + r.chars(ALNUM + "_~.-", 34)


def _gcp_api_key(r: Rand) -> str:
    return "AIza" + r.chars(URLSAFE, 35)


def _atlassian(r: Rand) -> str:
    return "ATATT3xFfGF0" + r.chars(URLSAFE, 170) + "=" + r.chars("0123456789ABCDEF", 8)


def _bitbucket_app_password(r: Rand) -> str:
    return "ATBB" + r.alnum(24) + r.chars("0123456789ABCDEF", 8)


def _bitbucket_access_token(r: Rand) -> str:
    return "ATCTT3xFfGN0" + r.chars(URLSAFE, 170) + "=" + r.chars("0123456789ABCDEF", 8)


def _password(r: Rand) -> str:
    """A password as people pick them when a policy asks for classes: no quotes or spaces."""
    words = ["Harbor", "Falcon", "Maple", "Quartz", "Orchid", "Summit", "Cobalt", "Willow", "Ember", "Tundra"]
    style = r.int(0, 2)
    if style == 0:
        return r.choice(words) + r.choice("!#%*") + r.digits(4) + r.choice(words).lower()
    if style == 1:
        return r.chars(ALNUM + "!#%^*-_=+", r.int(14, 20))
    return r.chars(ALNUM, 6) + r.choice("!#%") + r.chars(ALNUM, 8)


def url_password(r: Rand) -> str:
    """A password that needs no percent-encoding inside a URL."""
    return r.chars(ALNUM + "-_.~", r.int(14, 22))


def _der_body(r: Rand, prefix: bytes, total: int) -> bytes:
    return prefix + r.bytes(total - len(prefix))


def _wrap(b64: str, width: int = 64) -> str:
    return "\n".join(b64[i:i + width] for i in range(0, len(b64), width))


def _pem(label: str, der: bytes, headers: str = "") -> str:
    return f"-----BEGIN {label}-----\n{headers}{_wrap(base64.b64encode(der).decode())}\n-----END {label}-----"


def pem_rsa(r: Rand) -> str:
    return _pem("RSA PRIVATE KEY", _der_body(r, bytes.fromhex("308204a40201000282010100"), 1192))


def pem_rsa_encrypted(r: Rand) -> str:
    headers = f"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,{r.chars('0123456789ABCDEF', 32)}\n\n"
    return _pem("RSA PRIVATE KEY", r.bytes(1200), headers)


def pem_ec(r: Rand) -> str:
    der = bytes.fromhex("30770201010420") + r.bytes(32) + bytes.fromhex("a00a06082a8648ce3d030107a144034200") + b"\x04" + r.bytes(64)
    return _pem("EC PRIVATE KEY", der)


def pem_dsa(r: Rand) -> str:
    return _pem("DSA PRIVATE KEY", _der_body(r, bytes.fromhex("308201bb02010002818100"), 447))


def pem_pkcs8_rsa(r: Rand) -> str:
    prefix = bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7308204a30201000282010100")
    return _pem("PRIVATE KEY", _der_body(r, prefix, 1217))


def pem_pkcs8_ed25519(r: Rand) -> str:
    return _pem("PRIVATE KEY", bytes.fromhex("302e020100300506032b657004220420") + r.bytes(32))


def pem_pkcs8_encrypted(r: Rand) -> str:
    prefix = bytes.fromhex("3082051c304e06092a864886f70d01050d3041302906092a864886f70d01050c301c0408")
    return _pem("ENCRYPTED PRIVATE KEY", _der_body(r, prefix, 1312))


def openssh_ed25519(r: Rand) -> str:
    head = (b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00\x00\x00\x00\x01"
            b"\x00\x00\x00\x33\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20")
    der = head + r.bytes(32) + b"\x00\x00\x00\x88" + r.bytes(136)
    body = _wrap(base64.b64encode(der).decode(), 70)
    return f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----"


def openssh_rsa(r: Rand) -> str:
    head = (b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00\x00\x00\x00\x01"
            b"\x00\x00\x01\x97\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x01\x81\x00")
    der = head + r.bytes(1600)
    body = _wrap(base64.b64encode(der).decode(), 70)
    return f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----"


def pgp_private(r: Rand) -> str:
    packet = bytes.fromhex("9503980465") + r.bytes(4) + bytes.fromhex("010c00") + r.bytes(900)
    checksum = base64.b64encode(crc24(packet).to_bytes(3, "big")).decode()
    body = _wrap(base64.b64encode(packet).decode())
    return f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{body}\n={checksum}\n-----END PGP PRIVATE KEY BLOCK-----"


def jwt(r: Rand) -> str:
    alg = r.choice(["HS256", "RS256", "ES256"])
    header = {"alg": alg, "typ": "JWT"}
    if alg != "HS256":
        header["kid"] = r.hex(16)
    sub = r.choice(["svc-billing", "user:48211", "ci-deployer", "okta|00u8x2k1"]) + r.digits(2)
    payload = ('{"sub":"%s","iss":"https://auth.acme-corp.com","aud":"internal-api","iat":%d,"exp":%d,"scope":"%s"}'
               % (sub, 1735689600 + r.int(0, 9_000_000), 1767225600 + r.int(0, 9_000_000), r.choice(["read write", "admin", "billing:read"])))
    enc = lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")
    import json as _json
    sig_len = {"HS256": 32, "RS256": 256, "ES256": 64}[alg]
    return f"{enc(_json.dumps(header, separators=(',', ':')))}.{enc(payload)}.{r.b64url(sig_len)}"


KINDS = [
    SecretKind("aws-access-key-id", "AWS_ACCESS_KEY_ID", "AWS access key ID", lambda r: "AKIA" + r.chars(string.ascii_uppercase + "234567", 16)),
    SecretKind("aws-temporary-access-key-id", "AWS_ACCESS_KEY_ID", "temporary AWS access key ID", lambda r: "ASIA" + r.chars(string.ascii_uppercase + "234567", 16)),
    SecretKind("aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", "AWS secret access key", lambda r: r.chars(B64, 40)),
    SecretKind("aws-session-token", "AWS_SESSION_TOKEN", "AWS session token", _aws_session),
    SecretKind("gcp-api-key", "GOOGLE_API_KEY", "Google Cloud API key", _gcp_api_key),
    SecretKind("gcp-oauth-client-secret", "GOOGLE_CLIENT_SECRET", "Google OAuth client secret", lambda r: "GOCSPX-" + r.chars(URLSAFE, 28)),
    SecretKind("azure-storage-connection-string", "AZURE_STORAGE_CONNECTION_STRING", "Azure storage connection string", _azure_storage),
    SecretKind("azure-sas-token", "AZURE_BLOB_SAS", "Azure SAS token", _azure_sas),
    SecretKind("azure-client-secret", "AZURE_CLIENT_SECRET", "Azure AD client secret", _azure_client_secret),
    SecretKind("github-classic-pat", "GITHUB_TOKEN", "GitHub personal access token", _github("ghp_")),
    SecretKind("github-fine-grained-pat", "GH_PAT", "GitHub fine-grained token", lambda r: "github_pat_11" + r.chars(UPPER_ALNUM, 20) + "_" + r.alnum(59)),
    SecretKind("github-oauth-token", "GITHUB_OAUTH_TOKEN", "GitHub OAuth token", _github("gho_")),
    SecretKind("github-app-installation-token", "GITHUB_APP_TOKEN", "GitHub App installation token", _github("ghs_")),
    SecretKind("github-app-user-token", "GITHUB_USER_TOKEN", "GitHub App user-to-server token", _github("ghu_")),
    SecretKind("github-refresh-token", "GITHUB_REFRESH_TOKEN", "GitHub refresh token", _github("ghr_")),
    SecretKind("gitlab-pat", "GITLAB_TOKEN", "GitLab personal access token", lambda r: "glpat-" + r.chars(URLSAFE, 20)),
    SecretKind("gitlab-runner-token", "RUNNER_TOKEN", "GitLab runner authentication token", lambda r: "glrt-" + r.chars(URLSAFE, 20)),
    SecretKind("gitlab-pipeline-trigger-token", "TRIGGER_TOKEN", "GitLab pipeline trigger token", lambda r: "glptt-" + r.hex(40)),
    SecretKind("gitlab-deploy-token", "GITLAB_DEPLOY_TOKEN", "GitLab deploy token", lambda r: "gldt-" + r.chars(URLSAFE, 20)),
    SecretKind("bitbucket-app-password", "BITBUCKET_APP_PASSWORD", "Bitbucket app password", _bitbucket_app_password),
    SecretKind("bitbucket-access-token", "BITBUCKET_ACCESS_TOKEN", "Bitbucket repository access token", _bitbucket_access_token),
    SecretKind("atlassian-api-token", "JIRA_API_TOKEN", "Atlassian API token", _atlassian),
    SecretKind("slack-bot-token", "SLACK_BOT_TOKEN", "Slack bot token", lambda r: f"xoxb-{r.digits(12)}-{r.digits(13)}-{r.alnum(24)}"),
    SecretKind("slack-user-token", "SLACK_USER_TOKEN", "Slack user token", lambda r: f"xoxp-{r.digits(12)}-{r.digits(12)}-{r.digits(13)}-{r.hex(32)}"),
    SecretKind("slack-app-token", "SLACK_APP_TOKEN", "Slack app-level token", lambda r: f"xapp-1-A{r.chars(UPPER_ALNUM, 10)}-{r.digits(13)}-{r.hex(64)}"),
    SecretKind("slack-webhook-url", "SLACK_WEBHOOK_URL", "Slack incoming webhook", _slack_webhook),
    SecretKind("stripe-secret-key", "STRIPE_SECRET_KEY", "Stripe live secret key", lambda r: "sk_live_51" + r.alnum(97)),
    SecretKind("stripe-restricted-key", "STRIPE_RESTRICTED_KEY", "Stripe restricted key", lambda r: "rk_live_51" + r.alnum(97)),
    SecretKind("stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET", "Stripe webhook signing secret", lambda r: "whsec_" + r.alnum(32)),
    SecretKind("square-access-token", "SQUARE_ACCESS_TOKEN", "Square production access token", lambda r: "EAAA" + r.chars(URLSAFE, 60)),
    SecretKind("square-oauth-secret", "SQUARE_APPLICATION_SECRET", "Square application secret", lambda r: "sq0csp-" + r.chars(URLSAFE, 43)),
    SecretKind("braintree-access-token", "BRAINTREE_ACCESS_TOKEN", "Braintree access token", lambda r: f"access_token$production${r.chars(string.ascii_lowercase + string.digits, 16)}${r.hex(32)}"),
    SecretKind("braintree-private-key", "BRAINTREE_PRIVATE_KEY", "Braintree private key", lambda r: r.hex(32)),
    SecretKind("paypal-client-secret", "PAYPAL_CLIENT_SECRET", "PayPal REST client secret", lambda r: "E" + r.chars(URLSAFE, 79)),
    SecretKind("twilio-api-key", "TWILIO_API_KEY_SID", "Twilio API key", lambda r: "SK" + r.hex(32)),
    SecretKind("twilio-auth-token", "TWILIO_AUTH_TOKEN", "Twilio auth token", lambda r: r.hex(32)),
    SecretKind("sendgrid-api-key", "SENDGRID_API_KEY", "SendGrid API key", lambda r: f"SG.{r.chars(URLSAFE, 22)}.{r.chars(URLSAFE, 43)}"),
    SecretKind("mailgun-api-key", "MAILGUN_API_KEY", "Mailgun API key", lambda r: f"{r.hex(32)}-{r.hex(8)}-{r.hex(8)}"),
    SecretKind("mailgun-legacy-key", "MAILGUN_KEY", "Mailgun private API key", lambda r: "key-" + r.hex(32)),
    SecretKind("mailchimp-api-key", "MAILCHIMP_API_KEY", "Mailchimp API key", lambda r: f"{r.hex(32)}-us{r.int(1, 21)}"),
    SecretKind("openai-project-key", "OPENAI_API_KEY", "OpenAI project key", _openai("sk-proj-")),
    SecretKind("openai-service-account-key", "OPENAI_API_KEY", "OpenAI service account key", _openai("sk-svcacct-")),
    SecretKind("openai-legacy-key", "OPENAI_API_KEY", "OpenAI API key", _openai("sk-")),
    SecretKind("anthropic-api-key", "ANTHROPIC_API_KEY", "Anthropic API key", lambda r: "sk-ant-api03-" + r.chars(URLSAFE, 93) + "AA"),
    SecretKind("anthropic-admin-key", "ANTHROPIC_ADMIN_KEY", "Anthropic admin key", lambda r: "sk-ant-admin01-" + r.chars(URLSAFE, 93) + "AA"),
    SecretKind("huggingface-token", "HF_TOKEN", "Hugging Face token", lambda r: "hf_" + r.chars(string.ascii_letters, 34)),
    SecretKind("npm-access-token", "NPM_TOKEN", "npm access token", _npm),
    SecretKind("pypi-token", "PYPI_API_TOKEN", "PyPI API token", lambda r: "pypi-AgEIcHlwaS5vcmcCJD" + r.chars(URLSAFE, 150)),
    SecretKind("nuget-api-key", "NUGET_API_KEY", "NuGet API key", lambda r: "oy2" + r.chars(string.ascii_lowercase + string.digits, 43)),
    SecretKind("cratesio-api-token", "CARGO_REGISTRY_TOKEN", "crates.io API token", lambda r: "cio" + r.alnum(32)),
    SecretKind("dockerhub-pat", "DOCKERHUB_TOKEN", "Docker Hub personal access token", lambda r: "dckr_pat_" + r.chars(URLSAFE, 27)),
    SecretKind("heroku-api-key", "HEROKU_API_KEY", "Heroku API key", lambda r: r.uuid()),
    SecretKind("heroku-platform-key", "HEROKU_API_KEY", "Heroku platform API key", lambda r: "HRKU-AA" + r.chars(URLSAFE, 58)),
    SecretKind("digitalocean-pat", "DIGITALOCEAN_TOKEN", "DigitalOcean personal access token", lambda r: "dop_v1_" + r.hex(64)),
    SecretKind("digitalocean-oauth-token", "DO_OAUTH_TOKEN", "DigitalOcean OAuth token", lambda r: "doo_v1_" + r.hex(64)),
    SecretKind("datadog-api-key", "DD_API_KEY", "Datadog API key", lambda r: r.hex(32)),
    SecretKind("datadog-app-key", "DD_APP_KEY", "Datadog application key", lambda r: r.hex(40)),
    SecretKind("newrelic-user-api-key", "NEW_RELIC_API_KEY", "New Relic user API key", lambda r: "NRAK-" + r.chars(UPPER_ALNUM, 27)),
    SecretKind("newrelic-license-key", "NEW_RELIC_LICENSE_KEY", "New Relic license key", lambda r: r.hex(36) + "NRAL"),
    SecretKind("newrelic-insert-key", "NEW_RELIC_INSERT_KEY", "New Relic insert key", lambda r: "NRII-" + r.chars(URLSAFE, 32)),
    SecretKind("sentry-dsn", "SENTRY_DSN", "Sentry DSN", lambda r: f"https://{r.hex(32)}@o{r.digits(6)}.ingest.sentry.io/{r.digits(7)}"),
    SecretKind("sentry-auth-token", "SENTRY_AUTH_TOKEN", "Sentry auth token", lambda r: "sntryu_" + r.hex(64)),
    SecretKind("shopify-access-token", "SHOPIFY_ACCESS_TOKEN", "Shopify Admin API access token", lambda r: "shpat_" + r.hex(32)),
    SecretKind("shopify-shared-secret", "SHOPIFY_API_SECRET", "Shopify app shared secret", lambda r: "shpss_" + r.hex(32)),
    SecretKind("okta-api-token", "OKTA_API_TOKEN", "Okta API token", lambda r: "00" + r.chars(URLSAFE, 40)),
    SecretKind("jwt", "ACCESS_TOKEN", "JWT", jwt),
    SecretKind("google-oauth-refresh-token", "GOOGLE_REFRESH_TOKEN", "Google OAuth refresh token", lambda r: "1//0" + r.chars(URLSAFE, 99)),
    SecretKind("azure-devops-pat", "AZURE_DEVOPS_PAT", "Azure DevOps personal access token", lambda r: r.chars(string.ascii_lowercase + "234567", 52)),
    SecretKind("generic-api-key", "API_KEY", "API key", lambda r: r.alnum(32)),
    SecretKind("password", "DB_PASSWORD", "password", _password),
    SecretKind("pem-rsa-private-key", "TLS_KEY", "RSA private key", pem_rsa, block=True),
    SecretKind("pem-rsa-encrypted-private-key", "SIGNING_KEY", "encrypted RSA private key", pem_rsa_encrypted, block=True),
    SecretKind("pem-ec-private-key", "EC_KEY", "EC private key", pem_ec, block=True),
    SecretKind("pem-dsa-private-key", "DSA_KEY", "DSA private key", pem_dsa, block=True),
    SecretKind("pem-pkcs8-private-key", "PRIVATE_KEY", "PKCS#8 private key", pem_pkcs8_rsa, block=True),
    SecretKind("pem-pkcs8-ed25519-private-key", "PRIVATE_KEY", "Ed25519 private key", pem_pkcs8_ed25519, block=True),
    SecretKind("pem-encrypted-private-key", "ENCRYPTED_KEY", "encrypted PKCS#8 private key", pem_pkcs8_encrypted, block=True),
    SecretKind("openssh-ed25519-private-key", "SSH_PRIVATE_KEY", "OpenSSH ed25519 key", openssh_ed25519, block=True),
    SecretKind("openssh-rsa-private-key", "DEPLOY_KEY", "OpenSSH RSA key", openssh_rsa, block=True),
    SecretKind("pgp-private-key-block", "GPG_PRIVATE_KEY", "PGP private key", pgp_private, block=True),
]
BY_KIND = {k.kind: k for k in KINDS}
LINE_KINDS = [k for k in KINDS if not k.block]
BLOCK_KINDS = [k for k in KINDS if k.block]


def make(r: Rand, kind: str) -> str:
    return r.fresh(lambda: BY_KIND[kind].gen(r))


# Connection strings: (kind, builder(user, password, host) -> string).
def connection_string(r: Rand, kind: str, user: str, password: str) -> str:
    n = r.digits(2)
    if kind == "postgres-connection-string":
        return f"{r.choice(['postgres', 'postgresql'])}://{user}:{password}@pg-{r.choice(['orders', 'billing', 'auth'])}-{n}.db.acme-corp.internal:5432/{r.choice(['orders', 'billing', 'auth'])}"
    if kind == "mysql-connection-string":
        return f"mysql://{user}:{password}@mysql-{n}.prod.acme-corp.internal:3306/{r.choice(['crm', 'wordpress', 'inventory'])}"
    if kind == "mongodb-connection-string":
        return f"mongodb+srv://{user}:{password}@cluster{r.int(0, 3)}.{r.chars(string.ascii_lowercase + string.digits, 5)}.mongodb.net/{r.choice(['events', 'catalog'])}?retryWrites=true&w=majority"
    if kind == "redis-connection-string":
        return f"{r.choice(['redis', 'rediss'])}://{r.choice(['default', ''])}:{password}@cache-{n}.acme-corp.internal:6379/0"
    if kind == "amqp-connection-string":
        return f"{r.choice(['amqp', 'amqps'])}://{user}:{password}@mq-{n}.acme-corp.internal:5672/{r.choice(['orders', 'notifications'])}"
    if kind == "jdbc-connection-string":
        db = r.choice(["postgresql", "mysql"])
        port = 5432 if db == "postgresql" else 3306
        return f"jdbc:{db}://db-{n}.acme-corp.internal:{port}/ledger?user={user}&password={password}"
    if kind == "sqlserver-connection-string":
        return (f"Server=tcp:sql-{n}-acme.database.windows.net,1433;Initial Catalog=payroll;"
                f"User ID={user};Password={password};Encrypt=True;TrustServerCertificate=False;")
    if kind == "url-credentials":
        return f"https://{user}:{password}@{r.choice(['artifacts', 'git', 'nexus', 'grafana'])}.acme-corp.internal/{r.choice(['repository/maven-releases/', 'ops/infra.git', 'api/health'])}"
    if kind == "ftp-url-credentials":
        return f"ftp://{user}:{password}@ftp.{r.choice(['partner-logistics.com', 'acme-corp.com'])}/outbound/"
    raise KeyError(kind)


CONNECTION_KINDS = ["postgres-connection-string", "mysql-connection-string", "mongodb-connection-string",
                    "redis-connection-string", "amqp-connection-string", "jdbc-connection-string",
                    "sqlserver-connection-string", "url-credentials", "ftp-url-credentials"]
SERVICE_USERS = ["app", "svc_orders", "billing_rw", "etl_loader", "deploy", "report_ro", "admin", "jenkins", "grafana"]
