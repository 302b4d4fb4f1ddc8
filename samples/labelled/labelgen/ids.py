"""National identifiers with check characters (Brazil, Mexico, Spain, Italy, the Netherlands,
Singapore, Australia, Korea), SSNs written with dots and UATP air-travel cards.

Values are built from each issuer's published algorithm; look-alikes fail the check, carry a
date that never was, are the forms' own examples, or stand as bare digit runs with nothing
saying what they are.
"""

import string

from . import people as pp
from .checks import benign_digits_ok, luhn_digit
from .doc import L, P
from .rand import Rand

UPPER = string.ascii_uppercase


# --- check characters, from the issuers' definitions -------------------------------------

def cpf_digits(nine: str) -> str:
    """Receita Federal: weights 10..2, then 11..2 with the first check digit; 10*sum mod 11."""
    d = [int(c) for c in nine]
    for _ in range(2):
        n = len(d) + 1
        d.append(sum(x * (n - i) for i, x in enumerate(d)) * 10 % 11 % 10)
    return f"{d[9]}{d[10]}"


def cnpj_digits(twelve: str) -> str:
    """Weights 2..9 from the right, repeating; characters worth their ASCII code - 48."""
    v = [ord(c) - 48 for c in twelve]
    for _ in range(2):
        n = len(v)
        r = sum(x * (2 + (n - 1 - i) % 8) for i, x in enumerate(v)) % 11
        v.append(0 if r < 2 else 11 - r)
    return f"{v[12]}{v[13]}"


CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"


def curp_digit(seventeen: str) -> str:
    total = sum(CURP_ALPHABET.index(c) * (18 - i) for i, c in enumerate(seventeen))
    return str((10 - total % 10) % 10)


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"

CF_ODD = dict(zip(string.digits + UPPER, [1, 0, 5, 7, 9, 13, 15, 17, 19, 21] + [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]))


def cf_letter(fifteen: str) -> str:
    total = 0
    for i, c in enumerate(fifteen):
        if i % 2 == 0:
            total += CF_ODD[c]
        else:
            total += int(c) if c.isdigit() else ord(c) - 65
    return chr(65 + total % 26)


def bsn_ok(nine: str) -> bool:
    return sum(int(c) * w for c, w in zip(nine, [9, 8, 7, 6, 5, 4, 3, 2, -1])) % 11 == 0


NRIC_TABLES = {"S": (0, "JZIHGFEDCBA"), "T": (4, "JZIHGFEDCBA"), "F": (0, "XWUTRQPNMLK"),
               "G": (4, "XWUTRQPNMLK"), "M": (3, "XWUTRQPNJLK")}


def nric_letter(series: str, seven: str) -> str:
    offset, table = NRIC_TABLES[series]
    return table[(offset + sum(int(c) * w for c, w in zip(seven, [2, 7, 6, 5, 4, 3, 2]))) % 11]


def tfn_ok(digits: str) -> bool:
    weights = [1, 4, 3, 7, 5, 8, 6, 9, 10] if len(digits) == 9 else [10, 7, 8, 4, 6, 3, 5, 1]
    return sum(int(c) * w for c, w in zip(digits, weights)) % 11 == 0


def medicare_digit(eight: str) -> str:
    return str(sum(int(c) * w for c, w in zip(eight, [1, 3, 7, 9, 1, 3, 7, 9])) % 10)


def rrn_digit(twelve: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    return str((11 - sum(int(c) * w for c, w in zip(twelve, weights)) % 11) % 10)


def _other_digit(r: Rand, right: str) -> str:
    return r.choice([d for d in string.digits if d != right])


def passes_an_id_check(n: str) -> bool:
    """Whether a bare digit run passes a check digit of an identifier of its length here."""
    return ((len(n) == 11 and cpf_digits(n[:9]) == n[9:])
            or (len(n) == 14 and cnpj_digits(n[:12]) == n[12:])
            or (len(n) == 9 and (bsn_ok(n) or tfn_ok(n)))
            or (len(n) == 8 and tfn_ok(n))
            or (len(n) in (10, 11) and medicare_digit(n[:8]) == n[8])
            or (len(n) == 13 and rrn_digit(n[:12]) == n[12]))


def bare_digits(r: Rand, n: int) -> str:
    """A digit run that passes no check digit an identifier of its length could carry."""
    def make():
        while True:
            v = r.choice("123456789") + r.digits(n - 1)
            if benign_digits_ok(v) and not passes_an_id_check(v):
                return v
    return r.fresh(make)


# --- values --------------------------------------------------------------------------------

def cpf(r: Rand, good: bool = True, style: str = "dotted") -> str:
    def make():
        nine = r.digits(9)
        check = cpf_digits(nine)
        if not good:
            check = check[0] + _other_digit(r, check[1])
        n = nine + check
        return n if style == "plain" else f"{n[:3]}.{n[3:6]}.{n[6:9]}-{n[9:]}"
    return r.fresh(make)


def cnpj(r: Rand, good: bool = True, alphanumeric: bool = False, style: str = "dotted") -> str:
    def make():
        root = r.chars(string.digits + UPPER, 8) if alphanumeric else r.digits(8)
        twelve = root + r.choice(["0001", "0002", "0003"])
        check = cnpj_digits(twelve)
        if not good:
            check = check[0] + _other_digit(r, check[1])
        n = twelve + check
        return n if style == "plain" else f"{n[:2]}.{n[2:5]}.{n[5:8]}/{n[8:12]}-{n[12:]}"
    return r.fresh(make)


CURP_STATES = ["AS", "BC", "CH", "DF", "GT", "JC", "MC", "MN", "NL", "OC", "PL", "QT", "SL", "VZ", "YN"]
CONSONANTS = "BCDFGHJKLMNPRSTVZ"


def curp(r: Rand, good: bool = True) -> str:
    def make():
        year = r.int(1950, 2008)
        month, day = r.int(1, 12), r.int(1, 28)
        head = r.choice(CONSONANTS) + r.choice("AEIOU") + r.choice(UPPER) + r.choice(UPPER)
        century = r.choice(string.digits) if year < 2000 else r.choice("ABCDEF")
        body = (f"{head}{year % 100:02d}{month:02d}{day:02d}{r.choice('HM')}{r.choice(CURP_STATES)}"
                f"{r.chars(CONSONANTS, 3)}{century}")
        check = curp_digit(body)
        return body + (check if good else _other_digit(r, check))
    return r.fresh(make)


def dni(r: Rand, good: bool = True) -> str:
    def make():
        n = r.digits(8)
        letter = DNI_LETTERS[int(n) % 23]
        if not good:
            letter = r.choice([c for c in DNI_LETTERS if c != letter])
        return r.choice([f"{n}{letter}", f"{n}-{letter}"])
    return r.fresh(make)


def nie(r: Rand, good: bool = True) -> str:
    def make():
        series = r.choice("XYZ")
        n = r.digits(7)
        letter = DNI_LETTERS[int(str("XYZ".index(series)) + n) % 23]
        if not good:
            letter = r.choice([c for c in DNI_LETTERS if c != letter])
        return f"{series}{n}{letter}"
    return r.fresh(make)


CF_MONTHS = "ABCDEHLMPRST"
CF_OMOCODIA = "LMNPQRSTUV"


def codice_fiscale(r: Rand, good: bool = True, omocodia: int = 0) -> str:
    def make():
        day = r.int(1, 28) + r.choice([0, 40])
        chars = list(r.chars(CONSONANTS, 3) + r.chars(UPPER, 3) + f"{r.int(40, 99):02d}"
                     + r.choice(CF_MONTHS) + f"{day:02d}" + r.choice("ABCDEFGHLM") + r.digits(3))
        for pos in [14, 13, 12, 10, 9, 7, 6][:omocodia]:
            chars[pos] = CF_OMOCODIA[int(chars[pos])]
        body = "".join(chars)
        letter = cf_letter(body)
        if not good:
            letter = r.choice([c for c in UPPER if c != letter])
        return body + letter
    return r.fresh(make)


def bsn(r: Rand, good: bool = True) -> str:
    def make():
        while True:
            n = r.choice("123456789") + r.digits(8)
            if bsn_ok(n) == good and len(set(n)) > 1:
                return r.choice([n, n, f"{n[:4]}.{n[4:6]}.{n[6:]}"])
    return r.fresh(make)


def nric(r: Rand, good: bool = True) -> str:
    def make():
        series = r.choice("STFGM")
        seven = r.digits(7)
        letter = nric_letter(series, seven)
        if not good:
            letter = r.choice([c for c in NRIC_TABLES[series][1] if c != letter])
        return f"{series}{seven}{letter}"
    return r.fresh(make)


def tfn(r: Rand, good: bool = True) -> str:
    def make():
        while True:
            n = r.digits(9)
            if tfn_ok(n) == good and len(set(n)) > 1:
                return r.choice([f"{n[:3]} {n[3:6]} {n[6:]}", n])
    return r.fresh(make)


def medicare(r: Rand, good: bool = True) -> str:
    def make():
        eight = r.choice("23456") + r.digits(7)
        check = medicare_digit(eight)
        if not good:
            check = _other_digit(r, check)
        issue = r.choice("123456789")
        return f"{eight[:4]} {eight[4:]}{check} {issue}"
    return r.fresh(make)


def rrn(r: Rand, checked: bool = True) -> str:
    """Before October 2020 the last digit is the check digit; after, it is random (and then
    drawn here so that it is not the check digit)."""
    def make():
        year = r.int(1950, 2015) if checked else r.int(2021, 2025)
        sex = r.choice("12") if year < 2000 else r.choice("34")
        twelve = f"{year % 100:02d}{r.int(1, 12):02d}{r.int(1, 28):02d}{sex}{r.digits(5)}"
        check = rrn_digit(twelve)
        last = check if checked else _other_digit(r, check)
        return f"{twelve[:6]}-{twelve[6:]}{last}"
    return r.fresh(make)


def dotted_ssn(r: Rand) -> str:
    def make():
        area = r.choice([n for n in range(1, 900) if n != 666])
        return f"{area:03d}.{r.int(1, 99):02d}.{r.int(1, 9999):04d}"
    return r.fresh(make)


def uatp(r: Rand, good: bool = True) -> str:
    def make():
        payload = "1" + r.digits(13)
        check = luhn_digit(payload)
        if not good:
            check = _other_digit(r, check)
        n = payload + check
        return f"{n[:4]} {n[4:9]} {n[9:]}"
    return r.fresh(make)


# --- documents -----------------------------------------------------------------------------

def latam_payroll(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"prose/latam-payroll-{index:02d}.md")
    d.line(f"# Folha de pagamento / nómina — lote {index}").blank()
    d.line("Admissões do mês (Brasil):").blank()
    for _ in range(3):
        first, last = pp.name(r)
        d.line(f"* {first} {last} — inscrito sob o n.º ", P(cpf(r), "pii", "br-cpf"),
               f", salário enviado ao banco em {r.int(1, 28):02d}/{r.int(1, 12):02d}.")
    first, last = pp.name(r)
    d.line(f"* {first} {last}: cpf=", P(cpf(r, style="plain"), "pii", "br-cpf"), " (sem pontuação no sistema antigo)")
    d.blank().line("Prestadores pessoa jurídica:").blank()
    for _ in range(2):
        d.line(f"* {r.choice(['Oficina', 'Consultoria', 'Gráfica'])} {pp.name(r)[1]} ME — ",
               P(cnpj(r), "pii", "br-cnpj"))
    d.line("* Filial aberta em 2026, CNPJ alfanumérico ", P(cnpj(r, alphanumeric=True), "pii", "br-cnpj"))
    d.blank().line("Empleados en México:").blank()
    for _ in range(3):
        first, last = pp.name(r)
        d.line(f"- {first} {last}, registro ", P(curp(r), "pii", "mx-curp"), ", IMSS en trámite")
    d.blank().line("## Devolvidos pelo banco").blank()
    d.line("- Documento digitado errado: CPF ", L(cpf(r, good=False), "pii", "cpf-bad-check"), ", pedir de novo.")
    d.line("- CNPJ ", L(cnpj(r, good=False), "pii", "cnpj-bad-check"), " recusado pela Receita.")
    d.line("- CURP ", L(curp(r, good=False), "pii", "curp-bad-check"), " no coincide con RENAPO.")
    d.line("- Modelo do formulário: CPF ", L("123.456.789-09", "pii", "cpf-documentation-example"), " (exemplo).")
    d.blank().line("Conciliação do razão, sem dados pessoais:").blank()
    d.line("- Lançamento contábil ", L(bare_digits(r, 11), "pii", "bare-eleven-digits"), " conciliado e lote ",
           L(bare_digits(r, 14), "pii", "bare-fourteen-digits"), ".")


def europe_staff(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"tables/eu-staff-ids-{index:02d}.txt")
    d.line(f"EU staff records, extract {index} (HR only)").blank()
    for _ in range(2):
        first, last = pp.name(r)
        d.line(f"- {first} {last} (office Madrid) dni: ", P(dni(r), "pii", "es-dni"))
    first, last = pp.name(r)
    d.line(f"- {first} {last} (office Valencia) residence permit ", P(nie(r), "pii", "es-nie"))
    for _ in range(2):
        first, last = pp.name(r)
        d.line(f"- {first} {last} (sede Roma) cod. fiscale ", P(codice_fiscale(r), "pii", "it-codice-fiscale"))
    first, last = pp.name(r)
    d.line(f"- {first} {last} (sede Torino) C.F. in omocodia ",
           P(codice_fiscale(r, omocodia=r.int(1, 3)), "pii", "it-codice-fiscale"))
    for _ in range(2):
        first, last = pp.name(r)
        d.line(f"- {first} {last} (kantoor Utrecht) burgerservicenummer ", P(bsn(r), "pii", "nl-bsn"))
    d.blank().line("Stock moved on the same day, for the payroll-to-logistics reconciliation:")
    n = r.digits(8)
    pallet = n + r.choice([c for c in "QWRTHLC" if c != DNI_LETTERS[int(n) % 23]])
    d.line("- warehouse bin ", L(bare_digits(r, 9), "pii", "bare-nine-digits"), " and pallet ", L(pallet, "pii", "digits-and-letter"))
    d.blank().line("Rejected at import (kept for the audit):")
    d.line("- dni ", L(dni(r, good=False), "pii", "dni-bad-letter"), " wrong control letter")
    d.line("- NIE ", L(nie(r, good=False), "pii", "nie-bad-letter"), " wrong control letter")
    d.line("- codice fiscale ", L(codice_fiscale(r, good=False), "pii", "cf-bad-check"), " carattere di controllo errato")
    d.line("- BSN ", L(bsn(r, good=False), "pii", "bsn-fails-eleven-test"), " fails the elfproef")


def apac_kyc_log(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"logs/apac-kyc-{index:02d}.log")

    def stamp() -> str:
        return f"2026-11-{r.int(10, 28)}T{r.int(0, 23):02d}:{r.int(0, 59):02d}:{r.int(0, 59):02d}Z"

    for _ in range(2):
        d.line(f"{stamp()} INFO kyc.match country=SG nric=", P(nric(r), "pii", "sg-nric"), " result=pass")
    d.line(f"{stamp()} INFO kyc.match country=SG holder ", P(nric(r), "pii", "sg-nric"), " result=pass")
    for _ in range(2):
        d.line(f"{stamp()} INFO payroll.au tfn=", P(tfn(r), "pii", "au-tfn"), " super=ok")
    d.line(f"{stamp()} INFO claims.au medicare=", P(medicare(r), "phi", "au-medicare"), " bulk_bill=true")
    d.line(f"{stamp()} INFO kyc.match country=KR rrn=", P(rrn(r), "pii", "kr-rrn"), " result=pass")
    d.line(f"{stamp()} INFO kyc.match country=KR 주민등록번호=", P(rrn(r, checked=False), "pii", "kr-rrn"), " result=pass")
    d.line(f"{stamp()} INFO kyc.match country=KR holder ", P(rrn(r), "pii", "kr-rrn"), " result=pass")
    d.line(f"{stamp()} WARN kyc.mismatch country=SG nric=", L(nric(r, good=False), "pii", "nric-bad-letter"), " result=fail")
    d.line(f"{stamp()} WARN payroll.au tfn=", L(tfn(r, good=False), "pii", "tfn-bad-check"), " result=rejected")
    d.line(f"{stamp()} WARN claims.au medicare=", L(medicare(r, good=False), "phi", "medicare-bad-check"), " result=rejected")
    d.line(f"{stamp()} WARN kyc.mismatch country=KR ref ", L(rrn(r, checked=False), "pii", "unlabelled-rrn-shape"), " result=fail")
    d.line(f"{stamp()} DEBUG batch seq=", L(bare_digits(r, 13), "pii", "bare-thirteen-digits"), " size=",
           L(bare_digits(r, 10), "phi", "bare-ten-digits"))


def travel_desk(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"prose/travel-desk-{index:02d}.md")
    d.line(f"# Travel desk, week {index}").blank()
    for _ in range(2):
        d.line("- Booked on the airline's UATP card ", P(uatp(r), "pci", "credit-card"),
               ", valid thru ", P(pp.expiry(r), "pci", "card-expiry"), ".")
    d.line("- Relocation paperwork: SSN ", P(dotted_ssn(r), "pii", "us-ssn"), " as written on the W-4 copy.")
    d.line("- Refused: UATP ", L(uatp(r, good=False), "pci", "uatp-bad-luhn"), " did not validate.")
    d.line("- Agent upgraded to version ", L(dotted_ssn(r), "pii", "version-like-dotted"), " overnight.")
    d.line("- Package 4.", L(dotted_ssn(r), "pii", "dotted-inside-version"), " was yanked from the mirror.")
