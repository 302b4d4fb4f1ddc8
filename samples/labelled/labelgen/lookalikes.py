"""Values that look sensitive and are not: what a precise scanner must leave alone.

Documentation examples, placeholders, identifiers that fail their issuer's checksum or fall in a
range the issuer never assigns, and the hex, base64 and digit runs every engineering wiki is
full of (commit SHAs, digests, order and tracking numbers). Digit runs are drawn so that they
pass no checksum a real identifier of their length could carry.
"""

import base64
import json
import string

from .checks import benign_digits_ok, crc32_base62, iban_check, luhn_ok, nhs_check, verhoeff_ok, dea_check, npi_ok
from .doc import L, Mark
from .rand import ALNUM, B64, HEX, URLSAFE, Rand


def benign_digits(r: Rand, n: int, lead: str = "123456789") -> str:
    return r.fresh(lambda: _retry(r, lambda: r.choice(lead) + r.digits(n - 1), benign_digits_ok))


def _retry(r: Rand, make, ok):
    while True:
        v = make()
        if ok(v):
            return v


# --- secrets ---------------------------------------------------------------------------------

AWS_DOC_KEY_IDS = ["AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"]
AWS_DOC_SECRETS = ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"]
JWT_IO_EXAMPLE = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
                  ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
PLACEHOLDERS = ["<your-token>", "xxxxxxxxxxxxxxxxxxxx", "changeme", "REPLACE_ME", "********", "<redacted>",
                "TODO-fill-in", "<insert-key-here>", "your-api-key-here", "dummy-value", "<secret>", "CHANGE_ME_BEFORE_DEPLOY"]
TEMPLATED = ["${%s}", "{{ .Values.%s }}", "{{ %s }}", "$(%s)", "%%(%s)s", "#{%s}", "${env:%s}", "<%%= ENV['%s'] %%>"]
PREFIX_PLACEHOLDERS = [
    ("github-classic-pat", "ghp_" + "x" * 36), ("github-fine-grained-pat", "github_pat_<your-token>"),
    ("stripe-secret-key", "sk_live_" + "x" * 24), ("slack-bot-token", "xoxb-your-bot-token"),
    ("gitlab-pat", "glpat-XXXXXXXXXXXXXXXXXXXX"), ("gcp-api-key", "AIza" + "X" * 35),
    ("huggingface-token", "hf_" + "x" * 34), ("anthropic-api-key", "sk-ant-api03-..."),
    ("openai-project-key", "sk-proj-REPLACE_ME"), ("sendgrid-api-key", "SG.xxxxxxxxxxxxxxxxxxxxxx.yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"),
    ("npm-access-token", "npm_" + "0" * 36), ("dockerhub-pat", "dckr_pat_<token>"), ("digitalocean-pat", "dop_v1_" + "x" * 64),
    ("shopify-access-token", "shpat_" + "0" * 32), ("slack-webhook-url", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("sentry-dsn", "https://<key>@o0.ingest.sentry.io/0"), ("pypi-token", "pypi-<your-token>"), ("twilio-auth-token", "your_auth_token"),
]


def github_bad_checksum(r: Rand, prefix: str = "ghp_") -> str:
    def make():
        body = r.alnum(30)
        good = crc32_base62(body)
        bad = r.alnum(6)
        return prefix + body + (bad if bad != good else bad[::-1])
    return r.fresh(make)


def npm_bad_checksum(r: Rand) -> str:
    def make():
        body = r.alnum(30)
        bad = r.alnum(6)
        return "npm_" + body + (bad if bad != crc32_base62(body) else bad[::-1])
    return r.fresh(make)


def jwt_bad_header(r: Rand) -> str:
    """Three base64url parts that start like a JWT but whose header is not a JSON object."""
    enc = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
    header = r.choice([b'{"alg":"HS256","typ":"JWT"', b'{alg:HS256,typ:JWT}', b'{"alg" "RS256"}'])
    payload = b'{"sub":"build-' + r.digits(5).encode() + b'"}'
    return r.fresh(lambda: f"{enc(header)}.{enc(payload)}.{r.b64url(32)}")


def git_sha(r: Rand) -> str:
    return r.fresh(lambda: r.hex(40))


def sha256(r: Rand) -> str:
    return r.fresh(lambda: r.hex(64))


def md5(r: Rand) -> str:
    return r.fresh(lambda: r.hex(32))


def sri(r: Rand) -> str:
    return r.fresh(lambda: "sha512-" + r.b64(64))


def base64_blob(r: Rand) -> str:
    doc = json.dumps({"feature": r.choice(["search-v2", "beta-nav", "dark-mode"]), "rollout": r.int(1, 100), "regions": ["eu", "us"]})
    return r.fresh(lambda: base64.b64encode((doc + " " * r.int(0, 9)).encode()).decode())


def version(r: Rand) -> str:
    return r.fresh(lambda: r.choice([f"{r.int(1, 12)}.{r.int(0, 40)}.{r.int(0, 30)}", f"v{r.int(1, 4)}.{r.int(0, 20)}.{r.int(0, 9)}-rc.{r.int(1, 5)}",
                                     f"{r.int(2019, 2025)}.{r.int(1, 12)}.{r.int(1, 999)}", f"10.0.{r.int(17000, 22631)}.{r.int(100, 4000)}"]))


def twilio_account_sid(r: Rand) -> str:
    return r.fresh(lambda: "AC" + r.hex(32))


def stripe_publishable(r: Rand) -> str:
    return r.fresh(lambda: "pk_live_51" + r.alnum(97))


def google_client_id(r: Rand) -> str:
    return r.fresh(lambda: f"{benign_digits(r, 12)}-{r.chars(string.ascii_lowercase + string.digits, 32)}.apps.googleusercontent.com")


def ssh_public_key(r: Rand) -> str:
    blob = base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + r.bytes(32)).decode()
    return r.fresh(lambda: f"ssh-ed25519 {blob} {r.choice(['deploy', 'ci-runner', 'backup'])}-{r.digits(2)}")


def public_key_block(r: Rand) -> str:
    der = bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100") + r.bytes(256) + bytes.fromhex("0203010001")
    b64 = base64.b64encode(der).decode()
    body = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----"


def certificate_block(r: Rand) -> str:
    der = bytes.fromhex("308203") + r.bytes(2) + bytes.fromhex("3082") + r.bytes(700)
    b64 = base64.b64encode(der).decode()
    body = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----"


def placeholder_connection(r: Rand) -> str:
    return r.fresh(lambda: r.choice([
        f"postgres://app:${{DB_PASSWORD}}@pg-{r.digits(2)}.db.acme-corp.internal:5432/orders",
        f"postgresql://{r.choice(['app', 'report_ro'])}@localhost:5432/{r.choice(['orders', 'dev'])}",
        f"mysql://root:<password>@127.0.0.1:3306/crm_{r.digits(2)}",
        f"mongodb://mongo-{r.digits(2)}:27017/catalog",
        f"redis://cache-{r.digits(2)}.acme-corp.internal:6379/0",
        f"amqp://guest:guest@localhost:5672/{r.choice(['', 'dev'])}",
        f"jdbc:postgresql://db-{r.digits(2)}.acme-corp.internal:5432/ledger",
        f"Server=tcp:sql-{r.digits(2)}.acme.internal,1433;Database=payroll;Integrated Security=true;",
        f"https://{r.choice(['user', '<user>'])}:{r.choice(['<token>', '${CI_JOB_TOKEN}', 'password'])}@git.acme-corp.internal/ops/infra.git",
    ]))


def password_placeholder(r: Rand) -> str:
    return r.fresh(lambda: r.choice(PLACEHOLDERS + [t % v for t in TEMPLATED for v in ["DB_PASSWORD", "db.password", "vault_pg_password"]]
                                    + [f"/run/secrets/db_password_{r.digits(2)}", "!vault |", "<from 1Password: Ops/Postgres>"]))


# --- personal --------------------------------------------------------------------------------

def reserved_email(r: Rand) -> str:
    return r.fresh(lambda: r.choice([
        f"{r.choice(['jane.doe', 'john.smith', 'user', 'alice', 'bob', 'admin'])}{r.digits(2)}@{r.choice(['example.com', 'example.org', 'example.net', 'mail.example'])}",
        f"{r.choice(['noreply', 'someone', 'tester'])}{r.digits(2)}@{r.choice(['test', 'invalid', 'localhost'])}",
        f"icon-{r.choice(['search', 'close', 'menu'])}{r.digits(2)}@2x.png",
    ]))


def git_remote(r: Rand) -> str:
    return r.fresh(lambda: f"git@{r.choice(['github.com', 'gitlab.acme-corp.com', 'bitbucket.org'])}:acme-corp/{r.choice(['billing', 'infra', 'web', 'data-pipeline'])}-{r.digits(2)}.git")


def package_at_version(r: Rand) -> str:
    return r.fresh(lambda: f"@{r.choice(['babel', 'types', 'acme', 'aws-sdk'])}/{r.choice(['core', 'node', 'ui-kit', 'client-s3'])}@{r.int(1, 9)}.{r.int(0, 30)}.{r.int(0, 20)}")


def invalid_ssn(r: Rand) -> str:
    def make():
        rule = r.int(0, 4)
        area, group, serial = r.int(1, 899), r.int(1, 99), r.int(1, 9999)
        if area == 666:
            area = 665
        if rule == 0:
            area = 0
        elif rule == 1:
            area = 666
        elif rule == 2:
            area, group = r.int(900, 999), r.choice(list(range(1, 50)))  # 9xx outside ITIN groups
        elif rule == 3:
            group = 0
        else:
            serial = 0
        return f"{area:03d}-{group:02d}-{serial:04d}"
    return r.fresh(make)


def bad_iban(r: Rand) -> str:
    def make():
        country = r.choice(["DE", "GB", "FR", "NL"])
        bban = {"DE": r.digits(18), "GB": "NWBK" + r.digits(14), "FR": r.digits(23), "NL": "INGB" + r.digits(10)}[country]
        good = iban_check(country, bban)
        bad = f"{(int(good) + r.int(1, 90)) % 97 + 2:02d}"
        bad = bad if bad != good else f"{(int(good) + 1) % 98 + 2:02d}"
        return country + bad + bban
    return r.fresh(make)


def bad_nhs(r: Rand) -> str:
    def make():
        nine = r.choice("3456789") + r.digits(8)
        check = nhs_check(nine)
        wrong = r.choice([d for d in "0123456789" if check is None or int(d) != check])
        n = nine + wrong
        return f"{n[:3]} {n[3:6]} {n[6:]}"
    return r.fresh(make)


def bad_sin(r: Rand) -> str:
    def make():
        n = _retry(r, lambda: r.choice("1234567") + r.digits(8), lambda v: not luhn_ok(v))
        return f"{n[:3]} {n[3:6]} {n[6:]}"
    return r.fresh(make)


def bad_aadhaar(r: Rand) -> str:
    def make():
        n = _retry(r, lambda: r.choice("23456789") + r.digits(11), lambda v: not verhoeff_ok(v))
        return f"{n[:4]} {n[4:8]} {n[8:]}"
    return r.fresh(make)


def bad_nino(r: Rand) -> str:
    return r.fresh(lambda: r.choice(["QQ 12 34 56 C", "QQ123456C"]) if r.chance(0.2) else
                   r.choice(["BG", "GB", "NK", "TN", "ZZ", "DA", "FQ", "OA"]) + r.digits(6) + r.choice("ABCD"))


def uppercase_word(r: Rand) -> str:
    return r.choice(["DEPLOYED", "ROLLBACK", "APPROVED", "COMPLETED", "ESCALATED", "HEALTHCHECK", "SUPERSEDED", "MIGRATED"])


# --- cards -----------------------------------------------------------------------------------

TEST_CARDS = ["4242 4242 4242 4242", "4111 1111 1111 1111", "5555 5555 5555 4444", "3782 822463 10005", "6011 1111 1111 1117", "4000 0566 5566 5556"]


def luhn_invalid_card(r: Rand) -> str:
    def make():
        p = r.choice(["4", "51", "53", "55", "6011", "2221"])
        n = _retry(r, lambda: p + r.digits(16 - len(p)), lambda v: not luhn_ok(v))
        return r.choice([" ", "-", ""]).join(n[i:i + 4] for i in range(0, 16, 4))
    return r.fresh(make)


def masked_card(r: Rand) -> str:
    return r.fresh(lambda: r.choice([f"**** **** **** {r.digits(4)}", f"4{r.digits(3)} {'*' * 4} {'*' * 4} {r.digits(4)}",
                                     f"XXXX-XXXX-XXXX-{r.digits(4)}", f"{r.digits(6)}******{r.digits(4)}"]))


def order_number(r: Rand) -> str:
    return r.fresh(lambda: r.choice([f"{benign_digits(r, 16)}", f"ORD-{r.int(2023, 2025)}-{r.digits(6)}", f"1Z{r.chars(string.ascii_uppercase + string.digits, 6)}{r.digits(10)}",
                                     f"{benign_digits(r, 12)}", f"94{benign_digits(r, 20)}", f"INV{r.digits(8)}"]))


# --- health ----------------------------------------------------------------------------------

def bad_npi(r: Rand) -> str:
    return r.fresh(lambda: _retry(r, lambda: r.choice("12") + r.digits(9), lambda v: not npi_ok(v) and benign_digits_ok(v)))


def bad_dea(r: Rand) -> str:
    def make():
        six = r.digits(6)
        wrong = str((int(dea_check(six)) + r.int(1, 9)) % 10)
        return r.choice("ABFM") + r.choice(string.ascii_uppercase) + six + wrong
    return r.fresh(make)


def mark(category: str, kind: str, value: str) -> Mark:
    return L(value, category, kind)
