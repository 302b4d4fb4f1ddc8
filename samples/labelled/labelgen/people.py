"""Personal, card and health identifiers, in the formats their issuers define.

Numbers with a check digit carry a valid one; ranges an issuer never assigns (SSN area 000,
NHS remainder 10, SIN starting 0 or 8 …) are avoided here and used by the look-alikes instead.
Phone numbers avoid the ranges reserved for fiction (US 555-01xx, UK 07700 900xxx), because a
scanner cannot be asked to know those.
"""

import string

from .checks import dea_check, iban_check, luhn_digit, nhs_check, verhoeff_digit, luhn_ok
from .rand import Rand

FIRST = ["Amara", "Liam", "Sofia", "Mateo", "Priya", "Jonas", "Chloe", "Kwame", "Elena", "Hiroshi", "Fatima",
         "Lucas", "Nadia", "Oliver", "Ingrid", "Rahul", "Beatriz", "Tomasz", "Aisha", "Declan", "Mei", "Rafael",
         "Hannah", "Yusuf", "Clara", "Anders", "Leila", "Marco", "Siobhan", "Dmitri"]
LAST = ["Okafor", "Brennan", "Lindqvist", "Ferreira", "Raman", "Keller", "Dubois", "Mensah", "Petrova", "Tanaka",
        "Haddad", "Moreau", "Kowalski", "Nguyen", "Schmidt", "Iyer", "Costa", "Walsh", "Novak", "Harrington",
        "Chen", "Alvarez", "Fischer", "Demir", "Laurent", "Berg", "Rahimi", "Romano", "Byrne", "Volkov"]
COMPANY_DOMAINS = ["acme-corp.com", "acme-corp.co.uk", "globex-health.com", "initech-payroll.com"]
PUBLIC_DOMAINS = ["gmail.com", "outlook.com", "yahoo.co.in", "protonmail.com", "web.de", "orange.fr"]


def name(r: Rand) -> tuple[str, str]:
    return r.choice(FIRST), r.choice(LAST)


def email(r: Rand, first: str, last: str) -> str:
    if r.chance(0.6):
        local = r.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}"]).lower()
        return r.fresh(lambda: f"{local}{r.choice(['', '', str(r.int(2, 99))])}@{r.choice(COMPANY_DOMAINS)}")
    return r.fresh(lambda: f"{first.lower()}.{last.lower()}{r.int(1, 1999)}@{r.choice(PUBLIC_DOMAINS)}")


# Area codes in service (NANPA), in the US and Canada: an unassigned code reaches no one.
NANP_AREAS = [int(a) for a in """
201 202 203 205 206 207 208 209 210 212 213 214 215 216 217 218 219 224 225 228 229 231 234 239
240 248 251 252 253 254 256 260 262 267 269 270 272 276 281 301 302 303 304 305 307 308 309 310
312 313 314 315 316 317 318 319 320 321 323 325 330 331 334 336 337 339 347 351 352 360 361 385
386 401 402 404 405 406 407 408 409 410 412 413 414 415 416 417 419 423 424 425 430 432 434 435
440 442 443 469 470 475 478 479 480 484 501 502 503 504 505 507 508 509 510 512 513 514 515 516
517 518 520 530 540 541 551 559 561 562 563 567 570 571 573 574 575 580 585 586 601 602 603 604
605 606 607 608 609 610 612 614 615 616 617 618 619 620 623 626 630 631 636 641 646 647 650 651
660 661 662 678 682 701 702 703 704 706 707 708 712 713 714 715 716 717 718 719 720 724 727 731
732 734 740 754 757 760 762 763 765 770 772 773 774 775 781 785 786 801 802 803 804 805 806 808
810 812 813 814 815 816 817 818 828 830 831 832 843 845 847 848 850 856 857 858 859 860 862 863
864 865 870 901 903 904 906 907 908 909 910 912 913 914 915 916 917 918 919 920 925 928 931 936
937 940 941 947 949 951 952 954 956 970 971 972 973 978 979 980 985 989""".split()]


def _fr_significant(lead: str, rest: str) -> str:
    """The digit after a French number's first one, moved into the blocks ARCEP assigns:
    04 1-9 (geographic), 06 0-8 without 63 9x and 69 0-4/6/7, 07 3-9 (mobile)."""
    d = int(rest[0])
    if lead == "4":
        d = 1 + d % 9
    elif lead == "7":
        d = 3 + d % 7
    elif lead == "6" and d == 9 and rest[1] not in "589":
        d = 8
    elif lead == "6" and d == 3 and rest[1] == "9":
        d = 4
    return str(d) + rest[1:]


def _us_number(r: Rand) -> tuple[str, str, str]:
    drawn = int(f"{r.int(2, 9)}{r.int(0, 8)}{r.int(0, 9)}")
    area = str(drawn if drawn in NANP_AREAS else NANP_AREAS[drawn % len(NANP_AREAS)])
    exchange = f"{r.int(2, 9)}{r.digits(2)}"
    if exchange == "555":
        exchange = "556"
    return area, exchange, r.digits(4)


def phone(r: Rand, style: str) -> str:
    """style: e164 | us | uk | de | fr | in (national written forms; e164 of any of them)."""
    def make():
        if style == "us":
            a, e, n = _us_number(r)
            return r.choice([f"({a}) {e}-{n}", f"{a}-{e}-{n}", f"{a}.{e}.{n}", f"+1 {a} {e} {n}"])
        if style == "uk":
            if r.chance(0.5):
                mid = r.choice(["7400", "7711", "7825", "7944", "7412"])
                rest = r.digits(6)
                if mid == "7700" and rest.startswith("900"):
                    rest = "8" + rest[1:]
                return r.choice([f"0{mid} {rest}", f"+44 {mid} {rest}"])
            return r.choice([f"020 7{r.digits(3)} {r.digits(4)}", f"0161 {r.digits(3)} {r.digits(4)}", f"+44 20 3{r.digits(3)} {r.digits(4)}"])
        if style == "de":
            return r.choice([f"030 {r.digits(8)}", f"+49 89 {r.digits(7)}", f"0151 {r.digits(8)}", f"+49 170 {r.digits(7)}", f"(069) {r.digits(6)}-{r.digits(2)}"])
        if style == "fr":
            lead = r.choice(["1", "4", "6", "7"])
            pairs = _fr_significant(lead, " ".join(r.digits(2) for _ in range(4)))
            return r.choice([f"0{lead} {pairs}", f"+33 {lead} {pairs}", f"0{lead}.{pairs.replace(' ', '.')}"])
        if style == "in":
            n = r.choice("6789") + r.digits(9)
            return r.choice([f"+91 {n[:5]} {n[5:]}", f"+91-{n}", f"0{n[:5]} {n[5:]}"])
        # e164
        a, e, n = _us_number(r)
        return r.choice([f"+1{a}{e}{n}", f"+4479{r.digits(8)}", f"+49151{r.digits(8)}", f"+336{_fr_significant('6', r.digits(8))}", f"+919{r.digits(9)}", f"+6141{r.digits(7)}"])
    return r.fresh(make)


def ssn(r: Rand) -> str:
    def make():
        area = r.choice([n for n in range(1, 900) if n != 666])
        return f"{area:03d}-{r.int(1, 99):02d}-{r.int(1, 9999):04d}"
    s = r.fresh(make)
    return s if not r.chance(0.15) else s.replace("-", " ")


def itin(r: Rand) -> str:
    group = r.choice(list(range(50, 66)) + list(range(70, 89)) + [90, 91, 92, 94, 95, 96, 97, 98, 99])
    return r.fresh(lambda: f"9{r.digits(2)}-{group}-{r.digits(4)}")


def passport(r: Rand) -> tuple[str, str]:
    country = r.choice(["US", "UK", "DE", "IN", "FR"])
    if country in ("US", "UK"):
        value = r.digits(9) if r.chance(0.6) else r.choice("ACEGH") + r.digits(8)
    elif country == "DE":
        value = r.choice("CFGHJK") + r.chars("CFGHJKLMNPRTVWXYZ0123456789", 8)
    elif country == "IN":
        value = r.choice(string.ascii_uppercase) + r.digits(7)
    else:
        value = r.digits(2) + r.chars(string.ascii_uppercase, 2) + r.digits(5)
    return country, r.fresh(lambda: value)


def drivers_licence(r: Rand, first: str, last: str, birth: tuple[int, int, int]) -> tuple[str, str]:
    state = r.choice(["CA", "NY", "TX", "FL", "IL", "UK"])
    if state == "CA":
        v = r.choice(string.ascii_uppercase) + r.digits(7)
    elif state == "NY":
        v = f"{r.digits(3)} {r.digits(3)} {r.digits(3)}"
    elif state == "TX":
        v = r.digits(8)
    elif state == "FL":
        v = f"{r.choice(string.ascii_uppercase)}{r.digits(3)}-{r.digits(3)}-{r.digits(2)}-{r.digits(3)}-0"
    elif state == "IL":
        v = f"{last[0].upper()}{r.digits(3)}-{r.digits(4)}-{r.digits(4)}"
    else:
        # DVLA: surname (5, padded with 9), decade, month (+50 for women), day, year, initials, digit, 2 letters.
        y, m, d = birth
        sur = (last.upper() + "99999")[:5]
        v = f"{sur}{str(y)[2]}{m + (50 if r.chance(0.5) else 0):02d}{d:02d}{str(y)[3]}{first[0]}9{r.digits(1)}{r.chars('ABCDEFGHJKLMNPRSTUVWXYZ', 2)}"
    return state, r.fresh(lambda: v)


def birth(r: Rand) -> tuple[int, int, int]:
    return r.int(1948, 2004), r.int(1, 12), r.int(1, 28)


def dob_text(r: Rand, b: tuple[int, int, int]) -> str:
    y, m, d = b
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    return r.choice([f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{m:02d}/{d:02d}/{y}", f"{months[m - 1]} {d}, {y}", f"{d} {months[m - 1]} {y}"])


def iban(r: Rand) -> str:
    def make():
        country = r.choice(["DE", "GB", "FR", "NL", "ES", "BE", "IE", "CH", "PL", "IT"])
        if country == "DE":
            bban = r.digits(18)
        elif country == "GB":
            bban = r.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL"]) + r.digits(14)
        elif country == "FR":
            bank, branch, account = r.digits(5), r.digits(5), r.digits(11)
            key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
            bban = f"{bank}{branch}{account}{key:02d}"
        elif country == "NL":
            bban = r.choice(["ABNA", "INGB", "RABO", "SNSB"]) + r.digits(10)
        elif country == "ES":
            bank, branch, account = r.digits(4), r.digits(4), r.digits(10)
            w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
            c = lambda s: (lambda v: 1 if v == 10 else (0 if v == 11 else v))(11 - sum(int(a) * b for a, b in zip(s, w)) % 11)
            bban = f"{bank}{branch}{c('00' + bank + branch)}{c(account)}{account}"
        elif country == "BE":
            first = r.digits(10)
            bban = first + f"{(int(first) % 97) or 97:02d}"
        elif country == "IE":
            bban = r.choice(["AIBK", "BOFI"]) + r.digits(14)
        elif country == "CH":
            bban = r.digits(17)
        elif country == "PL":
            bban = r.digits(24)
        else:
            bban = r.choice(string.ascii_uppercase) + r.digits(10) + r.digits(12)
        compact = country + iban_check(country, bban) + bban
        if r.chance(0.5):
            return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))
        return compact
    return r.fresh(make)


def bic(r: Rand) -> str:
    bank = r.choice(["ACMB", "NORD", "HELV", "BRIT", "LUMA", "CEDR", "RIVA", "KANT"])
    country = r.choice(["DE", "GB", "FR", "NL", "CH", "IE", "IN"])
    loc = r.chars(string.ascii_uppercase + "23456789", 2)
    return r.fresh(lambda: bank + country + loc + (r.choice(["", "XXX", r.chars(string.ascii_uppercase, 3)])))


_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"


def nino(r: Rand) -> str:
    def make():
        prefix = r.choice(_NINO_FIRST) + r.choice(_NINO_SECOND)
        if prefix in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
            prefix = "JC"
        d = r.digits(6)
        suffix = r.choice("ABCD")
        return r.choice([f"{prefix}{d}{suffix}", f"{prefix} {d[:2]} {d[2:4]} {d[4:]} {suffix}"])
    return r.fresh(make)


def nhs(r: Rand) -> str:
    def make():
        while True:
            nine = r.digits(9)
            check = nhs_check(nine)
            if check is not None and nine[0] != "0" and len(set(nine)) > 1:
                n = nine + str(check)
                return r.choice([f"{n[:3]} {n[3:6]} {n[6:]}", n, f"{n[:3]}-{n[3:6]}-{n[6:]}"])
    return r.fresh(make)


def sin(r: Rand) -> str:
    def make():
        payload = r.choice("1234567") + r.digits(7)
        n = payload + luhn_digit(payload)
        return r.choice([f"{n[:3]} {n[3:6]} {n[6:]}", f"{n[:3]}-{n[3:6]}-{n[6:]}", n])
    return r.fresh(make)


def aadhaar(r: Rand) -> str:
    def make():
        payload = r.choice("23456789") + r.digits(10)
        n = payload + verhoeff_digit(payload)
        return r.choice([f"{n[:4]} {n[4:8]} {n[8:]}", n, f"{n[:4]}-{n[4:8]}-{n[8:]}"])
    return r.fresh(make)


def pan(r: Rand, last: str) -> str:
    return r.fresh(lambda: r.chars(string.ascii_uppercase, 3) + "P" + last[0].upper() + r.digits(4) + r.choice(string.ascii_uppercase))


def us_address(r: Rand) -> str:
    street = r.choice(["Maple Ridge Drive", "Oak Hollow Lane", "West 14th Street", "Lakeview Avenue", "Cedar Point Road", "Birchwood Court", "Elm Street"])
    city = r.choice([("Columbus", "OH", "432"), ("Austin", "TX", "787"), ("Portland", "OR", "972"), ("Raleigh", "NC", "276"), ("Denver", "CO", "802")])
    apt = r.choice(["", "", f", Apt {r.int(1, 40)}{r.choice('ABC')}"])
    return f"{r.int(12, 9890)} {street}{apt}, {city[0]}, {city[1]} {city[2]}{r.digits(2)}"


def uk_address(r: Rand) -> str:
    street = r.choice(["Kingsley Road", "Albion Street", "Meadow Close", "Victoria Terrace", "Church Lane"])
    city, area = r.choice([("Leeds", "LS6"), ("Manchester", "M14"), ("Bristol", "BS7"), ("London", "N16"), ("Glasgow", "G12")])
    return f"{r.int(1, 220)} {street}, {city} {area} {r.digits(1)}{r.chars('ABDEFGHJLNPQRSTUWXYZ', 2)}"


def address(r: Rand) -> str:
    return r.fresh(lambda: us_address(r) if r.chance(0.65) else uk_address(r))


# --- cards -----------------------------------------------------------------------------------

BRANDS = {
    "visa": (["4"], 16), "visa-19": (["4"], 19), "mastercard": (["51", "52", "53", "54", "55"], 16),
    "mastercard-2series": (["2221", "2300", "2500", "2720"], 16), "amex": (["34", "37"], 15),
    "discover": (["6011", "644", "65"], 16), "jcb": (["3528", "3540", "3589"], 16),
    "diners": (["36", "300", "305"], 14), "unionpay": (["62"], 16), "maestro": (["6759", "5018"], 16),
}


def card(r: Rand, brand: str, sep: str) -> str:
    prefixes, length = BRANDS[brand]

    def make():
        p = r.choice(prefixes)
        payload = p + r.digits(length - 1 - len(p))
        number = payload + luhn_digit(payload)
        return group(number, sep)
    return r.fresh(make)


def group(number: str, sep: str) -> str:
    if not sep:
        return number
    if len(number) == 15:
        parts = [number[:4], number[4:10], number[10:]]
    elif len(number) == 14:
        parts = [number[:4], number[4:10], number[10:]]
    else:
        parts = [number[i:i + 4] for i in range(0, len(number), 4)]
    return sep.join(parts)


def cvv(r: Rand, brand: str) -> str:
    return r.digits(4) if brand == "amex" else r.digits(3)


def expiry(r: Rand) -> str:
    m, y = r.int(1, 12), r.int(26, 31)
    return r.choice([f"{m:02d}/{y}", f"{m:02d}/20{y}", f"{m:02d}-{y}"])


# --- health ----------------------------------------------------------------------------------

def mrn(r: Rand) -> str:
    return r.fresh(lambda: r.choice([r.digits(8), "MRN" + r.digits(7), r.digits(3) + "-" + r.digits(2) + "-" + r.digits(3), "E" + r.digits(9)]))


def npi(r: Rand) -> str:
    def make():
        payload = r.choice("12") + r.digits(8)
        return payload + luhn_digit("80840" + payload)
    return r.fresh(make)


def dea(r: Rand, last: str) -> str:
    def make():
        six = r.digits(6)
        return r.choice("ABFGM") + last[0].upper() + six + dea_check(six)
    return r.fresh(make)


def member_id(r: Rand) -> str:
    return r.fresh(lambda: r.choice([r.chars("ABCDEFGHJKLMNPRSTUVWXYZ", 3) + r.digits(9), "W" + r.digits(9), r.chars(string.ascii_uppercase, 2) + r.digits(8) + "01"]))


def mbi(r: Rand) -> str:
    letters = "ACDEFGHJKMNPQRTUVWXY"
    an = letters + string.digits
    return r.fresh(lambda: f"{r.int(1, 9)}{r.choice(letters)}{r.choice(an)}{r.digits(1)}-{r.choice(letters)}{r.choice(an)}{r.digits(1)}-{r.choice(letters)}{r.choice(letters)}{r.digits(2)}")


ICD10 = [("E11.9", "type 2 diabetes mellitus without complications"), ("I10", "essential (primary) hypertension"),
         ("F32.1", "major depressive disorder, single episode, moderate"), ("J45.40", "moderate persistent asthma"),
         ("C50.912", "malignant neoplasm of left female breast"), ("B20", "HIV disease"), ("F41.1", "generalized anxiety disorder"),
         ("M54.5", "low back pain"), ("O24.410", "gestational diabetes, diet controlled"), ("F10.20", "alcohol dependence"),
         ("N18.3", "chronic kidney disease, stage 3"), ("G40.909", "epilepsy, unspecified"), ("K50.90", "Crohn's disease"),
         ("Z21", "asymptomatic HIV infection status"), ("E66.01", "morbid obesity due to excess calories")]
