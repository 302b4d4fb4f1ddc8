"""Card data (payments operations) and health records (clinic exports and notes)."""

from . import lookalikes as lk
from . import people as pp
from .doc import L, P
from .rand import Rand
from .records import table

BRAND_NAMES = {"visa": "Visa", "visa-19": "Visa", "mastercard": "Mastercard", "mastercard-2series": "Mastercard", "amex": "Amex",
               "discover": "Discover", "jcb": "JCB", "diners": "Diners Club", "unionpay": "UnionPay", "maestro": "Maestro"}


def _card(r: Rand, brand: str | None = None):
    brand = brand or r.choice(list(pp.BRANDS))
    return brand, P(pp.card(r, brand, r.choice([" ", "-", ""])), "pci", f"card-{brand}")


def chargebacks(corpus, r: Rand, index: int, n: int, style: str) -> None:
    ext = ".csv" if style == "csv" else ".md"
    d = corpus.doc(f"tables/chargebacks-{index:02d}{ext}")
    if style == "md":
        d.line("# Disputed payments to re-key").blank()
        d.line("Card details as read out by the customers on the phone. Delete once re-keyed in the gateway.").blank()
    headers = ["Order", "Cardholder", "Card number", "Exp", "CVV", "Amount", "Tracking"]
    rows = []
    for _ in range(n):
        first, last = pp.name(r)
        brand, card = _card(r)
        rows.append([L(lk.order_number(r), "pci", "order-number"), f"{first} {last}", card,
                     P(pp.expiry(r), "pci", "card-expiry"), P(pp.cvv(r, brand), "pci", "card-cvv"),
                     f"{r.int(10, 900)}.{r.digits(2)} EUR", L(f"1Z{r.chars('ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 6)}{r.digits(10)}", "pci", "tracking-number")])
    table(d, style, headers, rows)


def card_notes(corpus, r: Rand, index: int, n: int) -> None:
    d = corpus.doc(f"prose/card-ops-{index:02d}.md")
    d.line("# Payment desk hand-over").blank()
    for _ in range(n):
        first, last = pp.name(r)
        brand, card = _card(r)
        forms = [
            lambda: ["- ", first, " ", last, " called about a failed renewal: ", BRAND_NAMES[brand], " ", card, ", expiry ",
                     P(pp.expiry(r), "pci", "card-expiry"), ", CVV ", P(pp.cvv(r, brand), "pci", "card-cvv"), "."],
            lambda: ["- Refund to card ", card, " (exp ", P(pp.expiry(r), "pci", "card-expiry"), ") approved by finance."],
            lambda: ["- Corporate card on file for the ", r.choice(["AWS", "Atlassian", "Zoom"]), " invoice: ", card, "."],
        ]
        d.line(*r.choice(forms)())
    d.blank().line("## Not card data").blank()
    for _ in range(max(3, n // 2)):
        forms = [
            lambda: ["- Stripe's test card ", L(r.choice(lk.TEST_CARDS), "pci", "documented-test-card"), " works in the sandbox only."],
            lambda: ["- Order ", L(lk.order_number(r), "pci", "order-number"), " shipped; the card ending in ", L(r.digits(4), "pci", "card-last-four"), " was charged."],
            lambda: ["- Masked in the gateway UI as ", L(lk.masked_card(r), "pci", "masked-card"), "."],
            lambda: ["- The number ", L(lk.luhn_invalid_card(r), "pci", "card-luhn-invalid"), " was rejected: it fails the Luhn check."],
            lambda: ["- Tracking ", L(lk.order_number(r), "pci", "tracking-number"), " for the replacement card reader."],
            lambda: ["- BIN ", L(r.choice(["411111", "520000", "371449"]), "pci", "bin"), " routes to the acquirer in the EU."],
        ]
        d.line(*r.choice(forms)())


def gateway_log(corpus, r: Rand, index: int, n: int) -> None:
    d = corpus.doc(f"logs/payment-gateway-{index:02d}.log")
    for _ in range(n):
        ts = f"2025-02-{r.int(1, 28):02d} {r.int(0, 23):02d}:{r.int(0, 59):02d}:{r.int(0, 59):02d},{r.digits(3)}"
        pick = r.int(0, 3)
        if pick == 0:
            brand, card = _card(r)
            d.line(ts, " ERROR [auth-", r.digits(2), "] declined pan=", card, " exp=", P(pp.expiry(r), "pci", "card-expiry"), " reason=do_not_honor")
        elif pick == 1:
            d.line(ts, " INFO  [auth-", r.digits(2), "] approved pan=", L(lk.masked_card(r), "pci", "masked-card"), " amount=", str(r.int(1, 999)), ".", r.digits(2))
        elif pick == 2:
            d.line(ts, " INFO  [settle] batch=", L(lk.benign_digits(r, 14), "pci", "batch-number"), " count=", str(r.int(10, 900)), " ts=", L(str(1735689600000 + r.int(0, 10**10)), "pci", "epoch-millis"))
        else:
            d.line(ts, " WARN  [auth-", r.digits(2), "] luhn_check_failed input=", L(lk.luhn_invalid_card(r), "pci", "card-luhn-invalid"))


def patients(corpus, r: Rand, index: int, n: int, style: str) -> None:
    ext = ".csv" if style == "csv" else ".md"
    d = corpus.doc(f"tables/patients-{index:02d}{ext}")
    if style == "md":
        d.line("# Clinic follow-up list").blank()
        d.line("Export from the EHR for the care coordinators. Contains PHI - do not forward.").blank()
    headers = ["MRN", "Patient", "DOB", "Diagnosis (ICD-10)", "Attending NPI", "Member ID", "Visit"]
    rows = []
    for _ in range(n):
        first, last = pp.name(r)
        code, _ = r.choice(pp.ICD10)
        rows.append([P(pp.mrn(r), "phi", "medical-record-number"), f"{first} {last}", P(pp.dob_text(r, pp.birth(r)), "pii", "date-of-birth"),
                     P(code, "phi", "icd10-with-identifier"), P(pp.npi(r), "phi", "us-npi"), P(pp.member_id(r), "phi", "health-plan-member-id"),
                     L(f"V{r.digits(6)}", "phi", "visit-id")])
    table(d, style, headers, rows)


def clinical_notes(corpus, r: Rand, index: int, n: int) -> None:
    d = corpus.doc(f"prose/discharge-summaries-{index:02d}.txt")
    d.line("DISCHARGE SUMMARIES - WEEK ", str(r.int(1, 52)))
    d.line("Internal to Globex Health care coordination.")
    d.blank()
    for _ in range(n):
        first, last = pp.name(r)
        code, desc = r.choice(pp.ICD10)
        dr_first, dr_last = pp.name(r)
        d.line("Patient: ", first, " ", last, "   MRN: ", P(pp.mrn(r), "phi", "medical-record-number"))
        d.line("Primary diagnosis: ", P(code, "phi", "icd10-with-identifier"), " (", desc, ")")
        pick = r.int(0, 2)
        if pick == 0:
            d.line("Prescriber: Dr. ", dr_first, " ", dr_last, ", NPI ", P(pp.npi(r), "phi", "us-npi"), ", DEA ", P(pp.dea(r, dr_last), "phi", "us-dea-number"))
        elif pick == 1:
            d.line("Medicare MBI: ", P(pp.mbi(r), "phi", "medicare-mbi"), "; follow-up in ", str(r.int(2, 12)), " weeks.")
        else:
            d.line("Insurance member ID ", P(pp.member_id(r), "phi", "health-plan-member-id"), ", plan ", r.choice(["Gold PPO", "HMO Select", "Bronze HSA"]), ".")
        d.line("Discharged ", L(f"2025-0{r.int(1, 9)}-{r.int(10, 28)}", "phi", "date-no-context"), ", room ", L(str(r.int(100, 999)), "phi", "room-number"), ".")
        d.blank()


def icd_reference(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"tables/icd10-reference-{index:02d}.md")
    d.line("# ICD-10 codes used in the billing rules").blank()
    d.line("Reference only: the codes below describe rule conditions, not patients.").blank()
    rows = []
    for code, desc in r.sample(pp.ICD10, 10):
        rows.append([L(code, "phi", "icd10-no-identifier"), desc, r.choice(["auto-approve", "needs review", "reject"])])
    table(d, "md", ["Code", "Description", "Claim rule"], rows)
    d.blank().line("Provider numbers that failed the NPI check during the import: ", L(lk.bad_npi(r), "phi", "npi-bad-checksum"), ", ",
                   L(lk.bad_npi(r), "phi", "npi-bad-checksum"), ". The CMS documentation sample ", L("1234567893", "phi", "npi-documentation-example"), " is not a provider.")
    d.line("DEA numbers rejected by the pharmacy system (check digit wrong): ", L(lk.bad_dea(r), "phi", "dea-bad-checksum"), ", ", L(lk.bad_dea(r), "phi", "dea-bad-checksum"), ".")
    d.line("Order ", L(lk.benign_digits(r, 8), "phi", "order-number"), " for lab supplies is unrelated to any record.")
