"""One seeded source of randomness for the whole corpus, with the alphabets vendors use."""

import base64
import random
import string

HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"
UPPER_ALNUM = string.ascii_uppercase + string.digits


class Rand:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.issued: set[str] = set()

    def fresh(self, make):
        """A value not handed out before: no planted value or look-alike repeats by chance."""
        for _ in range(1000):
            value = make()
            if value not in self.issued:
                self.issued.add(value)
                return value
        raise AssertionError("value space exhausted")

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def digits(self, n: int) -> str:
        return self.chars(string.digits, n)

    def hex(self, n: int) -> str:
        return self.chars(HEX, n)

    def alnum(self, n: int) -> str:
        return self.chars(ALNUM, n)

    def bytes(self, n: int) -> bytes:
        return bytes(self.rng.randrange(256) for _ in range(n))

    def b64(self, n_bytes: int) -> str:
        return base64.b64encode(self.bytes(n_bytes)).decode()

    def b64url(self, n_bytes: int) -> str:
        return base64.urlsafe_b64encode(self.bytes(n_bytes)).decode().rstrip("=")

    def choice(self, seq):
        return self.rng.choice(seq)

    def int(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def sample(self, seq, k: int):
        return self.rng.sample(seq, k)

    def shuffle(self, seq) -> None:
        self.rng.shuffle(seq)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def uuid(self) -> str:
        h = self.hex(32)
        h = h[:12] + "4" + h[13:16] + self.choice("89ab") + h[17:]
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
