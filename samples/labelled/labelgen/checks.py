"""Check digits of the identifiers the corpus plants, as their issuers define them.

Planted values are made to pass these; look-alikes that imitate a checksummed identifier are
made to fail them. Nothing here is read from the scanner's rules.
"""

import string
import zlib

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


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


def luhn_digit(payload: str) -> str:
    return next(d for d in string.digits if luhn_ok(payload + d))


def base62(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out or "0"


def crc32_base62(random_part: str) -> str:
    """GitHub's (and npm's) token checksum: CRC32 of the random part, base62, '0'-padded to 6."""
    return base62(zlib.crc32(random_part.encode("ascii"))).rjust(6, "0")


def iban_check(country: str, bban: str) -> str:
    """ISO 13616: the two check digits that make the IBAN's mod-97 remainder 1."""
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def iban_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def nhs_check(nine: str) -> int | None:
    """NHS number mod-11 check digit; None when the remainder makes the number unissuable."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


_VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]
_VERHOEFF_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def verhoeff_ok(digits: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def verhoeff_digit(payload: str) -> str:
    c = 0
    for i, ch in enumerate(reversed(payload)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[(i + 1) % 8][int(ch)]]
    return str(_VERHOEFF_INV[c])


def npi_ok(npi: str) -> bool:
    return len(npi) == 10 and npi[0] in "12" and luhn_ok("80840" + npi)


def dea_check(digits6: str) -> str:
    d = [int(c) for c in digits6]
    return str((d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10)


def crc24(data: bytes) -> int:
    """OpenPGP armor checksum (RFC 4880, 6.1)."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def benign_digits_ok(digits: str) -> bool:
    """A digit run fit for a look-alike: it passes no checksum a real identifier of its length
    could carry (Luhn for cards and SINs, NPI's prefixed Luhn, Verhoeff, NHS mod 11)."""
    if luhn_ok(digits) or verhoeff_ok(digits):
        return False
    if len(digits) == 10 and (npi_ok(digits) or nhs_check(digits[:9]) == int(digits[9])):
        return False
    return True
