"""Code that is full of numbers shaped like cards and telephones, and of names shaped like
passwords (issue 18, "code read as values"): lookup tables of 64-bit constants, a formatter's
test rows, values compared and computed with, an OCR box, a PDF library's password plumbing.
None of it is a person's card or number, or a credential. Next to it, what code does hold:
a card and a mobile number written down in comments for a person to read."""

from . import people as pp
from .doc import L, P
from .rand import Rand


def _luhn_number(r: Rand, length: int) -> str:
    return pp.card(r, r.choice(["visa", "mastercard", "discover"]) if length == 16 else "visa-19", "")


def numeric_tables(corpus, r: Rand, index: int) -> None:
    """A C hash table's multipliers and a Python formatter's tests."""
    d = corpus.doc(f"code/hash-tables-{index:02d}.c")
    d.line("/* Multipliers of the rolling hash, one row per seed. */")
    d.line("static const uint64_t kRollMul[3][4] = {")
    for _ in range(3):
        row = [L(_luhn_number(r, 16), "pci", "code-number-table"), str(r.int(1, 9)) + r.digits(14),
               L(_luhn_number(r, 16), "pci", "code-number-table"), str(r.int(1, 9)) + r.digits(13)]
        d.line("    { ", row[0], ", ", row[1], ", ", row[2], ", ", row[3], " },")
    d.line("};")
    d.line("static const uint64_t kSeedTail[] = {")
    d.line("    ", str(r.int(1, 9)) + r.digits(14), ",")
    d.line("    ", L(_luhn_number(r, 16), "pci", "code-number-table"))
    d.line("};")
    d.line("")
    d.line("int overflows(uint64_t h) {")
    d.line("    /* after three rounds h stays below this bound */")
    d.line("    return h > ", L(_luhn_number(r, 19), "pci", "code-number-operand"), ";")
    d.line("}")
    d.line("")
    d.line("uint64_t roll(uint64_t h, unsigned char c, int seed) {")
    d.line("    for (int i = 0; i < 4; i++) {")
    d.line("        h = h * kRollMul[seed][i] + c;")
    d.line("    }")
    d.line("    return h;")
    d.line("}")
    d.line("")
    d.line("/* Card on file for the hosting invoice, to be moved to the vault: ",
           P(pp.card(r, "visa", " "), "pci", "card-visa"), " */")

    p = corpus.doc(f"code/test_e164_format_{index:02d}.py")
    p.line("import unittest")
    p.line("")
    p.line("from numbers_fmt import to_e164")
    p.line("")
    p.line("CASES = [")
    rows = [("AT", "+43 1 ", 7), ("DE", "+49 89 ", 8), ("FR", "+33 4 ", 8)]
    for region, prefix, n in rows:
        national = str(r.int(2, 9)) + r.digits(n - 1)
        written = prefix + national[:4] + " " + national[4:]
        e164 = prefix.replace(" ", "") + national
        p.line("    (\"", region, "\", \"", L(written, "pii", "phone-in-code-table"), "\", \"",
               L(e164, "pii", "phone-in-code-table"), "\"),")
    p.line("]")
    p.line("")
    p.line("")
    p.line("class FormatTests(unittest.TestCase):")
    p.line("    def test_rows(self):")
    p.line("        for region, written, e164 in CASES:")
    p.line("            self.assertEqual(to_e164(written, region), e164)")
    p.line("")
    p.line("    def test_spaces(self):")
    national = str(r.int(2, 9)) + r.digits(7)
    p.line("        self.assertEqual(to_e164(\"", L(f"+49 30 {national[:4]} {national[4:]}", "pii", "phone-in-code-table"),
           "\", None), \"", L(f"+4930{national}", "pii", "phone-in-code-table"), "\")")
    p.line("")
    p.line("    def test_empty(self):")
    p.line("        with self.assertRaises(ValueError):")
    p.line("            to_e164(\"\", None)")
    p.line("")
    p.line("")
    p.line("# Escalation while the formatter is being rewritten: mobile ",
           P(f"+43 664 {r.digits(3)} {r.digits(4)}", "pii", "phone-e164"))


def password_plumbing(corpus, r: Rand, index: int) -> None:
    """A document library's password handling: names, paths and calls, no password."""
    d = corpus.doc(f"code/pdf-security-{index:02d}.rs")
    d.line("pub fn open(doc: &mut Document, supplied: &[u8]) -> Result<Key, Error> {")
    d.line("    let scheme = ", L("PasswordScheme::from_trailer(&doc.trailer)?", "secret", "password-code-expression"), ";")
    d.line("    let user_password = ", L("scheme.normalise_password_v5(supplied)?", "secret", "password-code-expression"), ";")
    d.line("    let owner_password = ", L("scheme.normalise_password_v5(&doc.owner_entry)?", "secret", "password-code-expression"), ";")
    d.line("    let needs_password = doc.trailer.has(b\"Encrypt\") && doc.key.is_none();")
    d.line("    let password = ", L("user_password", "secret", "password-code-expression"))
    d.line("        .or(owner_password);")
    d.line("    ", L("Password::Plain(password).derive(&scheme)", "secret", "password-code-expression"))
    d.line("}")
    d.line("")
    d.line("// hOCR of the scanned form: <span class='ocr_line' title='bbox ",
           L(f"{r.int(100, 899)} {r.int(10, 99)} {r.int(1000, 1999)}", "pii", "ocr-bbox"), " ", str(r.int(40, 90)), "'>")


def test_inputs(corpus, r: Rand, index: int) -> None:
    """Numbers a test feeds to the code under test, in assertions and test cases, where the
    words around them are the code's (`Kind::Mobile`, `format_phone(`, a `tel:` URI); and
    numbers that prose gives as examples, the marker far before them in the sentence. Next to
    them, a number a person holds, written into code and prose for a person to read."""
    d = corpus.doc(f"code/phone_kind_{index:02d}.rs")
    d.line("#[rstest]")
    for kind in ["Mobile", "Mobile", "FixedLine"]:
        d.line("#[case(parse_phone(\"", L(pp.phone(r, "e164"), "pii", "phone-test-input"),
               "\"), Kind::", kind, ")]")
    d.line("fn kind_of_number(#[case] number: PhoneNumber, #[case] kind: Kind) {")
    d.line("    assert_eq!(number.kind(), kind);")
    d.line("}")
    d.line("")
    d.line("#[test]")
    d.line("fn formats_a_tel_uri() {")
    d.line("    assert_eq!(")
    d.line("        \"tel:", L(pp.phone(r, "e164"), "pii", "phone-test-input"), "\",")
    d.line("        to_tel_uri(&parse_phone(\"x\"))")
    d.line("    );")
    d.line("}")
    d.line("")
    d.line("/// Paged when the formatter's nightly job fails: ",
           P(f"+44 7400 {r.digits(6)}", "pii", "phone-e164"), " (mobile, on call).")

    j = corpus.doc(f"code/mask-pan.test-{index:02d}.js")
    j.line("describe('maskPan', () => {")
    j.line("  it('keeps the last four digits of a card', () => {")
    j.line("    expect(maskPan('", L(pp.card(r, "visa", " "), "pci", "card-test-input"),
           "')).toBe('**** **** **** ' + last4);")
    j.line("  });")
    j.line("});")

    p = corpus.doc(f"prose/dialling-guide-{index:02d}.txt")
    p.line("The duty manager this week is on mobile ", P(f"+44 7400 {r.digits(6)}", "pii", "phone-e164"), ".")
    p.line("")
    a, e, n = pp._us_number(r)
    p.line("Numbers in the directory are written the way the reader dials them. For example, when")
    p.line("the Chicago office is reached from another country, the number printed on the card is")
    p.line(L(f"+1 {a} {e} {n}", "pii", "phone-example-sentence"), ".")
    a, e, n = pp._us_number(r)
    p.line("Layouts such as the one the regional invoices carry in their footer read ",
           L(f"({a}) {e}-{n}", "pii", "phone-example-sentence"), ".")
