"""People-ops, payments and clinic documents: tables, exports, notes and logs about people.

Names are not labelled (no category holds them); every other personal value is either planted
with the context a reader would need to know what it is, or a look-alike.
"""

from . import lookalikes as lk
from . import people as pp
from .doc import Doc, L, P
from .rand import Rand


def _row_person(r: Rand) -> dict:
    first, last = pp.name(r)
    return {"first": first, "last": last, "birth": pp.birth(r)}


def _csv_cell(piece):
    return piece


def table(d: Doc, style: str, headers: list[str], rows: list[list]) -> None:
    """style: csv | md. Cells are str or Mark."""
    if style == "csv":
        d.line(",".join(headers))
        for row in rows:
            pieces = []
            for i, cell in enumerate(row):
                if i:
                    pieces.append(",")
                text = cell.value if hasattr(cell, "value") else cell
                q = '"' if ("," in text or " " in text) else ""
                pieces += [q, cell, q]
            d.line(*pieces)
    else:
        d.line("| ", " | ".join(headers), " |")
        d.line("|", "|".join("---" for _ in headers), "|")
        for row in rows:
            pieces = ["| "]
            for i, cell in enumerate(row):
                if i:
                    pieces.append(" | ")
                pieces.append(cell)
            d.line(*pieces, " |")


def employees(corpus, r: Rand, index: int, n: int, style: str) -> None:
    ext = ".csv" if style == "csv" else ".md"
    d = corpus.doc(f"tables/employees-{index:02d}{ext}")
    if style == "md":
        d.line("# New starters - ", r.choice(["Q1", "Q2", "Q3"]), " payroll set-up").blank()
        d.line("People Ops only. Payroll needs SSN, date of birth and home address before the first run.").blank()
    headers = ["Employee", "Work email", "Mobile", "SSN", "Date of birth", "Home address", "Employee no.", "Start"]
    rows = []
    for _ in range(n):
        p = _row_person(r)
        rows.append([f"{p['first']} {p['last']}", P(pp.email(r, p["first"], p["last"]), "pii", "email"),
                     P(pp.phone(r, "us"), "pii", "phone-us"), P(pp.ssn(r), "pii", "us-ssn"),
                     P(pp.dob_text(r, p["birth"]), "pii", "date-of-birth"), P(pp.address(r), "pii", "postal-address"),
                     L(f"E{r.digits(5)}", "pii", "employee-number"), L(f"2025-0{r.int(1, 9)}-{r.int(10, 28)}", "pii", "date-no-context")])
    table(d, style, headers, rows)
    if style == "md":
        d.blank().line("Invalid numbers HR bounced last quarter (kept for the audit): ")
        for _ in range(3):
            d.line("- ", L(lk.invalid_ssn(r), "pii", "invalid-ssn"), " (rejected by the SSA check)")


def contractors_intl(corpus, r: Rand, index: int, n: int) -> None:
    d = corpus.doc(f"tables/contractors-intl-{index:02d}.csv")
    d.line("name,country,tax id type,tax id,phone,personal email,bank iban,bic,ticket")
    for _ in range(n):
        p = _row_person(r)
        country = r.choice(["UK", "CA", "IN", "DE", "FR", "US-ITIN"])
        if country == "UK":
            tax, kind, ttype, ph = pp.nino(r), "uk-nino", "NINO", pp.phone(r, "uk")
        elif country == "CA":
            tax, kind, ttype, ph = pp.sin(r), "ca-sin", "SIN", pp.phone(r, "e164")
        elif country == "IN":
            tax, kind, ttype, ph = pp.pan(r, p["last"]), "in-pan", "PAN", pp.phone(r, "in")
        elif country == "DE":
            tax, kind, ttype, ph = None, None, "", pp.phone(r, "de")
        elif country == "FR":
            tax, kind, ttype, ph = None, None, "", pp.phone(r, "fr")
        else:
            tax, kind, ttype, ph = pp.itin(r), "us-itin", "ITIN", pp.phone(r, "us")
        phone_kind = {"UK": "phone-uk", "CA": "phone-e164", "IN": "phone-in", "DE": "phone-de", "FR": "phone-fr", "US-ITIN": "phone-us"}[country]
        cells = [f"{p['first']} {p['last']}", country, ttype, P(tax, "pii", kind) if tax else "",
                 P(ph, "pii", phone_kind), P(pp.email(r, p["first"], p["last"]), "pii", "email"),
                 P(pp.iban(r), "pii", "iban"), P(pp.bic(r), "pii", "swift-bic"), L(f"HR-{r.digits(5)}", "pii", "ticket-id")]
        pieces = []
        for i, c in enumerate(cells):
            if i:
                pieces.append(",")
            text = c.value if hasattr(c, "value") else c
            q = '"' if " " in text else ""
            pieces += [q, c, q]
        d.line(*pieces)


def hr_notes(corpus, r: Rand, index: int, n_people: int) -> None:
    d = corpus.doc(f"prose/hr-notes-{index:02d}.md")
    d.line("# Relocation and right-to-work checks").blank()
    d.line("Notes from the onboarding calls. Restricted to People Ops; delete after the checks are filed.").blank()
    for _ in range(n_people):
        p = _row_person(r)
        first, last = p["first"], p["last"]
        country, passport = pp.passport(r)
        state, licence = pp.drivers_licence(r, first, last, p["birth"])
        d.line("## ", first, " ", last).blank()
        forms = [
            lambda: [first, " was born on ", P(pp.dob_text(r, p["birth"]), "pii", "date-of-birth"), " and holds ",
                     {"UK": "a UK", "US": "a US", "DE": "a German", "IN": "an Indian", "FR": "a French"}[country],
                     " passport, number ", P(passport, "pii", "passport-number"), "."],
            lambda: ["Passport no. ", P(passport, "pii", "passport-number"), " (", country, "), DOB ",
                     P(pp.dob_text(r, p["birth"]), "pii", "date-of-birth"), "."],
        ]
        d.line(*r.choice(forms)())
        licence_word = "driving licence" if state == "UK" else f"{state} driver's license"
        d.line("Their ", licence_word, " number is ", P(licence, "pii", "drivers-licence"), "; copy filed in the HR drive.")
        d.line("Home address: ", P(pp.address(r), "pii", "postal-address"), ". Personal phone ",
               P(pp.phone(r, r.choice(["us", "uk", "de", "fr", "in", "e164"])), "pii", "phone"), ".")
        extra = r.int(0, 4)
        if extra == 0:
            d.line("UK National Insurance number ", P(pp.nino(r), "pii", "uk-nino"), ", NHS number ", P(pp.nhs(r), "pii", "uk-nhs-number"), ".")
        elif extra == 1:
            d.line("Aadhaar ", P(pp.aadhaar(r), "pii", "in-aadhaar"), " and PAN ", P(pp.pan(r, last), "pii", "in-pan"), " were verified on the call.")
        elif extra == 2:
            d.line("Canadian SIN ", P(pp.sin(r), "pii", "ca-sin"), " provided for the Ontario payroll.")
        elif extra == 3:
            d.line("Salary is paid to IBAN ", P(pp.iban(r), "pii", "iban"), " (SWIFT/BIC ", P(pp.bic(r), "pii", "swift-bic"), ").")
        else:
            d.line("US SSN ", P(pp.ssn(r), "pii", "us-ssn"), " confirmed against the W-4.")
        d.line("Reach them at ", P(pp.email(r, first, last), "pii", "email"), ". Status: ", L(lk.uppercase_word(r), "pii", "uppercase-word"), ".")
        d.blank()
    d.line("## Reference").blank()
    d.line("- HMRC's documentation example NINO is ", L("QQ 12 34 56 C", "pii", "nino-documentation-example"), "; forms that show it are templates.")
    d.line("- The form template says SSN: ", L("123-45-6789", "pii", "ssn-documentation-example"), " - never a real person.")
    d.line("- A rejected NHS number from the old import: ", L(lk.bad_nhs(r), "pii", "nhs-bad-checksum"), ".")
    d.line("- A SIN that failed validation: ", L(lk.bad_sin(r), "pii", "sin-bad-checksum"), "; an Aadhaar that failed: ", L(lk.bad_aadhaar(r), "pii", "aadhaar-bad-checksum"), ".")
    d.line("- Invalid NINO prefixes seen in the import: ", L(lk.bad_nino(r), "pii", "nino-invalid-prefix"), ", ", L(lk.bad_nino(r), "pii", "nino-invalid-prefix"), ".")
    d.line("- IBAN with a typo (check digits fail): ", L(lk.bad_iban(r), "pii", "iban-bad-checksum"), ".")
    d.line("- Write to ", L(lk.reserved_email(r), "pii", "reserved-domain-email"), " in examples, never a real inbox.")


def customer_json(corpus, r: Rand, index: int, n: int) -> None:
    d = corpus.doc(f"tables/customers-{index:02d}.json")
    d.line("[")
    for i in range(n):
        p = _row_person(r)
        region = r.choice(["in", "uk", "us"])
        d.line("  {")
        d.line('    "customer_id": "', L(f"cus_{r.alnum(14)}", "pii", "customer-id"), '",')
        d.line('    "name": "', p["first"], " ", p["last"], '",')
        d.line('    "email": "', P(pp.email(r, p["first"], p["last"]), "pii", "email"), '",')
        d.line('    "phone": "', P(pp.phone(r, region), "pii", f"phone-{region}"), '",')
        if region == "in":
            d.line('    "aadhaar": "', P(pp.aadhaar(r), "pii", "in-aadhaar"), '",')
            d.line('    "pan": "', P(pp.pan(r, p["last"]), "pii", "in-pan"), '",')
        elif region == "uk":
            d.line('    "nhs_number": "', P(pp.nhs(r), "pii", "uk-nhs-number"), '",')
            d.line('    "ni_number": "', P(pp.nino(r), "pii", "uk-nino"), '",')
        else:
            d.line('    "ssn": "', P(pp.ssn(r), "pii", "us-ssn"), '",')
        d.line('    "date_of_birth": "', P(f"{p['birth'][0]}-{p['birth'][1]:02d}-{p['birth'][2]:02d}", "pii", "date-of-birth"), '",')
        d.line('    "created_at": "', L(f"2024-{r.int(1, 12):02d}-{r.int(1, 28):02d}T{r.int(0, 23):02d}:{r.int(0, 59):02d}:00Z", "pii", "timestamp"), '",')
        d.line('    "last_login_ip": "', L(f"10.{r.int(0, 255)}.{r.int(0, 255)}.{r.int(1, 254)}", "pii", "ip-address"), '"')
        d.line("  }", "," if i < n - 1 else "")
    d.line("]")


def support_log(corpus, r: Rand, index: int, n: int) -> None:
    d = corpus.doc(f"logs/support-{index:02d}.log")
    for i in range(n):
        ts = f"2025-03-{r.int(1, 28):02d}T{r.int(0, 23):02d}:{r.int(0, 59):02d}:{r.int(0, 59):02d}.{r.digits(3)}Z"
        p = _row_person(r)
        pick = r.int(0, 5)
        if pick == 0:
            d.line(ts, " INFO  ticket.created id=", L(f"SUP-{r.digits(6)}", "pii", "ticket-id"), " requester=", P(pp.email(r, p["first"], p["last"]), "pii", "email"))
        elif pick == 1:
            d.line(ts, " INFO  callback.scheduled phone=", P(pp.phone(r, "e164"), "pii", "phone-e164"), " agent=a", r.digits(3))
        elif pick == 2:
            d.line(ts, " WARN  sms.delivery_failed to=", P(pp.phone(r, r.choice(["uk", "us", "in"])), "pii", "phone"), " carrier_code=", L(str(r.int(30000, 39999)), "pii", "error-code"))
        elif pick == 3:
            d.line(ts, " INFO  http GET /api/v2/orders/", L(lk.order_number(r), "pci", "order-number"), " 200 ", str(r.int(3, 900)), "ms trace=", L(r.hex(32), "secret", "trace-id"))
        elif pick == 4:
            d.line(ts, " DEBUG build=", L(lk.version(r), "pii", "version-string"), " host=10.", str(r.int(0, 255)), ".", str(r.int(0, 255)), ".", str(r.int(1, 254)), " uptime=", str(r.int(100, 99999)), "s")
        else:
            d.line(ts, " INFO  identity.verify user=", L(f"u{r.digits(7)}", "pii", "user-id"), " dob=", P(pp.dob_text(r, p["birth"]), "pii", "date-of-birth"), " result=PASS")
