"""Sensitive values and their benign look-alikes, built from one seeded RNG.

Every generator here returns a value that the matching validator accepts, and every look-alike
generator returns a value that the validators reject (the generator retries until that holds),
so the expectations in expected.json are true by construction and checked again at the end.
"""

import base64
import json
import random
import re
import string
import zlib

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
AWS_ALPHABET = string.ascii_uppercase + "234567"
AWS_DOC_EXAMPLE = "AKIAIOSFODNN7EXAMPLE"

# The 6-char checksum of a classic GitHub PAT is CRC32 over the 30 random characters (not the
# "ghp_" prefix), base62 (0-9A-Za-z), left-padded with '0': what GitHub issues, checked against
# published revoked tokens. The look-alikes below fail under either reading.
GHP_CHECKSUM_INCLUDES_PREFIX = False

CATEGORY = {
    "aws-access-key-id": "secret",
    "github-classic-pat": "secret",
    "credit-card": "pci",
    "us-ssn": "pii",
    "email": "pii",
    "us-npi": "phi",
    # Detectors that do not exist yet; their values are planted so the rule pack can grow into them.
    "iban": "pii",
    "uk-nino": "pii",
    "slack-bot-token": "secret",
    "pem-private-key": "secret",
    "postgres-connection-string": "secret",
    "jwt": "secret",
    "aws-secret-access-key": "secret",
}
CURRENT_DETECTORS = {"aws-access-key-id", "github-classic-pat", "credit-card", "us-ssn", "email", "us-npi"}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    for d in "0123456789":
        if luhn_ok(payload + d):
            return d
    raise AssertionError("unreachable: one Luhn digit always fits")


def base62(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out or "0"


def ghp_checksum(random_part: str, include_prefix: bool) -> str:
    data = ("ghp_" + random_part) if include_prefix else random_part
    return base62(zlib.crc32(data.encode("ascii"))).rjust(6, "0")


def ghp_valid(token: str, include_prefix: bool) -> bool:
    if not re.fullmatch(r"ghp_[A-Za-z0-9]{36}", token):
        return False
    return ghp_checksum(token[4:34], include_prefix) == token[34:]


def ssn_valid(ssn: str) -> bool:
    m = re.fullmatch(r"(\d{3})[- ](\d{2})[- ](\d{4})", ssn)
    if not m:
        return False
    area, group, serial = m.groups()
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def npi_valid(npi: str) -> bool:
    return bool(re.fullmatch(r"\d{10}", npi)) and npi[0] in "12" and luhn_ok("80840" + npi)


def card_valid(raw: str) -> bool:
    digits = re.sub(r"[ -]", "", raw)
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or not luhn_ok(digits):
        return False
    brand_prefixes = ("4", "34", "37", "6011", "65") + tuple(str(p) for p in range(51, 56))
    two_series = 2221 <= int(digits[:4]) <= 2720
    return digits.startswith(brand_prefixes) or two_series


EXCLUDED_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "test", "invalid", "localhost")


def email_valid(addr: str) -> bool:
    if not re.fullmatch(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", addr):
        return False
    domain = addr.rsplit("@", 1)[1].lower()
    return not any(domain == d or domain.endswith("." + d) for d in EXCLUDED_EMAIL_DOMAINS)


class ValueFactory:
    """Seeded source of planted values and look-alikes; never repeats a value."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.issued: set[str] = set()

    def _fresh(self, make):
        for _ in range(1000):
            value = make()
            if value not in self.issued:
                self.issued.add(value)
                return value
        raise AssertionError("value space exhausted")

    def _chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def _digits(self, n: int) -> str:
        return self._chars(string.digits, n)

    # --- planted values -------------------------------------------------------------------

    def aws_access_key_id(self) -> str:
        return self._fresh(lambda: "AKIA" + self._chars(AWS_ALPHABET, 16))

    def aws_secret_access_key(self) -> str:
        # Planted as `aws-secret-access-key` where its label says what it is.
        return self._fresh(lambda: self._chars(string.ascii_letters + string.digits + "/+", 40))

    def github_classic_pat(self) -> str:
        def make():
            body = self._chars(BASE62, 30)
            return "ghp_" + body + ghp_checksum(body, GHP_CHECKSUM_INCLUDES_PREFIX)

        return self._fresh(make)

    def credit_card(self, brand: str, sep: str) -> str:
        """brand: visa|mastercard|amex|discover; sep: ' ', '-' or '' between digit groups."""

        def make():
            if brand == "visa":
                payload = "4" + self._digits(14)
            elif brand == "mastercard":
                payload = str(self.rng.randint(51, 55)) + self._digits(13)
            elif brand == "amex":
                payload = self.rng.choice(["34", "37"]) + self._digits(12)
            else:
                payload = "6011" + self._digits(11)
            number = payload + luhn_check_digit(payload)
            groups = [number[:4], number[4:10], number[10:]] if brand == "amex" else [
                number[i : i + 4] for i in range(0, 16, 4)
            ]
            return sep.join(groups)

        return self._fresh(make)

    def us_ssn(self, sep: str = "-") -> str:
        def make():
            area = self.rng.choice([n for n in range(1, 900) if n != 666])
            group = self.rng.randint(1, 99)
            serial = self.rng.randint(1, 9999)
            return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"

        return self._fresh(make)

    def us_npi(self) -> str:
        def make():
            payload = self.rng.choice("12") + self._digits(8)
            return payload + luhn_check_digit("80840" + payload)

        return self._fresh(make)

    def iban_de(self) -> str:
        def make():
            bban = self._digits(8) + self._digits(10)
            numeric = bban + "131400"  # "DE" -> 13 14, then "00" placeholder check digits
            check = 98 - int(numeric) % 97
            return f"DE{check:02d}{bban}"

        return self._fresh(make)

    def uk_nino(self) -> str:
        prefixes = ["AB", "CE", "JG", "KL", "PR", "SW", "TM", "WP"]
        return self._fresh(lambda: self.rng.choice(prefixes) + self._digits(6) + self.rng.choice("ABCD"))

    def slack_bot_token(self) -> str:
        return self._fresh(
            lambda: f"xoxb-{self._digits(12)}-{self._digits(13)}-{self._chars(string.ascii_letters + string.digits, 24)}"
        )

    def jwt(self, subject: str) -> str:
        def b64(obj) -> str:
            raw = json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        def make():
            header = b64({"alg": "HS256", "typ": "JWT"})
            payload = b64({"sub": subject, "iat": 1767225600 + self.rng.randint(0, 5_000_000), "scope": "payments:write"})
            sig = base64.urlsafe_b64encode(self.rng.randbytes(32)).rstrip(b"=").decode()
            return f"{header}.{payload}.{sig}"

        return self._fresh(make)

    def pem_private_key(self) -> str:
        def der(tag: int, content: bytes) -> bytes:
            n = len(content)
            size = (n.bit_length() + 7) // 8
            length = bytes([n]) if n < 0x80 else bytes([0x80 | size]) + n.to_bytes(size, "big")
            return bytes([tag]) + length + content

        def make():
            # Random numbers in PKCS#1's structure (version, modulus, exponent, private
            # exponent): scanners check that a key's body is the DER its label names, and
            # random bytes in the armour are no key.
            raw = self.rng.randbytes(180)
            integers = [b"\x00", b"\x00" + raw[:128], b"\x01\x00\x01", b"\x00" + raw[128:]]
            key = der(0x30, b"".join(der(0x02, i) for i in integers))
            body = base64.b64encode(key).decode()
            lines = [body[i : i + 64] for i in range(0, len(body), 64)]
            return "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END RSA PRIVATE KEY-----"

        return self._fresh(make)

    def postgres_url(self, user: str, host: str, db: str) -> str:
        return self._fresh(
            lambda: f"postgresql://{user}:{self._chars(string.ascii_letters + string.digits, 18)}@{host}:5432/{db}"
        )

    # --- look-alikes ------------------------------------------------------------------------

    def luhn_invalid_16(self, sep: str = " ") -> str:
        def make():
            while True:
                digits = "4" + self._digits(15)
                if not luhn_ok(digits):
                    return sep.join(digits[i : i + 4] for i in range(0, 16, 4))

        return self._fresh(make)

    def invalid_ssn(self, kind: str) -> str:
        def make():
            area = {"area000": 0, "area666": 666, "area9xx": self.rng.randint(900, 999)}.get(
                kind, self.rng.randint(1, 665)
            )
            group = 0 if kind == "group00" else self.rng.randint(1, 99)
            serial = 0 if kind == "serial0000" else self.rng.randint(1, 9999)
            return f"{area:03d}-{group:02d}-{serial:04d}"

        value = self._fresh(make)
        assert not ssn_valid(value)
        return value

    def ghp_bad_checksum(self) -> str:
        def make():
            while True:
                body = self._chars(BASE62, 30)
                tail = self._chars(BASE62, 6)
                token = "ghp_" + body + tail
                if not ghp_valid(token, True) and not ghp_valid(token, False):
                    return token

        return self._fresh(make)

    def npi_invalid(self) -> str:
        def make():
            while True:
                value = self.rng.choice("12") + self._digits(9)
                if not npi_valid(value):
                    return value

        return self._fresh(make)

    def uuid(self) -> str:
        def make():
            h = self.rng.randbytes(16).hex()
            return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

        return self._fresh(make)

    def git_sha(self) -> str:
        return self._fresh(lambda: self.rng.randbytes(20).hex())

    def sha256_hex(self) -> str:
        return self._fresh(lambda: self.rng.randbytes(32).hex())

    def account_id(self) -> str:
        return self._fresh(lambda: "712020:" + self.uuid())
