"""Attachments in the formats not covered by the pages' own attachments: a PPTX deck with
speaker notes, legacy XLS and ODS sheets, and images in every raster format OCR reads.

Built after everything else, so the values and ids of the rest of the space stay as they were.
Images carry only card numbers and SSNs, in large monospace digits: values OCR reads exactly
(letters in emails and keys are rendered upper case and O/0 mix-ups are likely), and no
context word that lowers a detector's confidence ("fax" near an SSN) on the same line.
"""

from . import formats, formats_more
from .content_eng import email_of
from .model import Item, Space
from .storage import attachment_link, p


def _page(s: Space, title: str) -> Item:
    return next(i for i in s.items if i.kind == "page" and i.meta["title"] == title)


def _link(page: Item, filename: str, note: str) -> None:
    page.body += p(note + " ", attachment_link(filename))


def build_formats(s: Space) -> None:
    v = s.values

    # --- Quarterly planning: the board deck, a customer escalation and its refund in the notes
    planning = _page(s, "2026-03-02 Quarterly Planning")
    deck = s.attachment(planning, "q3-board-deck.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                        "Priya Raman", "board deck draft")
    escalation = deck.plant("email", email_of("Grace Liu"), "attachment", needs="pptx", sheet="slide 2")
    refund_card = deck.plant("credit-card", v.credit_card("visa", " "), "attachment", needs="pptx", sheet="notes 2")
    deck.file_bytes = formats_more.pptx([
        (["Q3 Board Update", "Payments platform"], []),
        (["Top escalation", "Globex chargeback dispute, contact " + escalation], ["Refund issued to card " + refund_card]),
        (["Roadmap", "Ledger v2, payouts in EUR"], ["Keep to five minutes"]),
    ])
    _link(planning, "q3-board-deck.pptx", "Board deck draft:")

    # --- Payroll: the 2019 export from the old payroll system, still an .xls -------------------
    payroll = _page(s, "Payroll Corrections")
    legacy = s.attachment(payroll, "legacy-payroll.xls", "application/vnd.ms-excel", "Daniel Kim", "2019 payroll export")
    rows = [["Employee", "SSN", "Email", "Gross"]]
    for r, name in enumerate(["Oliver Grant"], start=1):
        rows.append([
            name,
            legacy.plant("us-ssn", v.us_ssn(), "attachment", needs="xls", sheet="Payroll 2019", cell=formats.cell_ref(r, 1)),
            legacy.plant("email", email_of(name), "attachment", needs="xls", sheet="Payroll 2019", cell=formats.cell_ref(r, 2)),
            "5120.00",
        ])
    legacy.file_bytes = formats_more.xls("Payroll 2019", rows, legacy.id, legacy.meta["title"])
    legacy.text = "\n".join(c for row in rows for c in row)
    _link(payroll, "legacy-payroll.xls", "Before 2020, see the old export:")

    # --- Benefits: the roster the broker sends as OpenDocument ---------------------------------
    benefits = _page(s, "Benefits Enrollment")
    roster = s.attachment(benefits, "benefits-roster.ods", "application/vnd.oasis.opendocument.spreadsheet",
                          "Hannah Becker", "broker roster")
    roster.file_bytes = formats_more.ods("Roster", [
        ["Member", "SSN", "Primary care NPI"],
        ["Ana Souza",
         roster.plant("us-ssn", v.us_ssn(), "attachment", needs="ods", sheet="Roster", cell=formats.cell_ref(1, 1)),
         roster.plant("us-npi", v.us_npi(), "attachment", needs="ods", sheet="Roster", cell=formats.cell_ref(1, 2))],
    ])
    _link(benefits, "benefits-roster.ods", "Broker roster:")

    # --- Images, one per raster format --------------------------------------------------------
    review = _page(s, "2026-02-17 Security Review")
    photo = s.attachment(review, "whiteboard-photo.jpg", "image/jpeg", "Elena Petrova", "whiteboard after the review")
    lines = ["FINDINGS", "TEST CARD IN PROD LOGS", photo.plant("credit-card", v.credit_card("mastercard", " "), "attachment", needs="ocr")]
    photo.file_bytes = formats_more.jpeg_text(lines, photo.id, photo.meta["title"])
    photo.text = "\n".join(lines)
    _link(review, "whiteboard-photo.jpg", "Whiteboard:")

    checks = _page(s, "Background Checks")
    badge = s.attachment(checks, "badge-scan.gif", "image/gif", "Sofia Alvarez", "badge office scan")
    lines = ["ACME VISITOR BADGE", "SSN " + badge.plant("us-ssn", v.us_ssn(), "attachment", needs="ocr")]
    badge.file_bytes = formats_more.gif_text(lines)
    badge.text = "\n".join(lines)
    _link(checks, "badge-scan.gif", "Badge office scan:")

    health = _page(s, "Health and Wellness Program")
    fax = s.attachment(health, "fax-intake.tiff", "image/tiff", "Hannah Becker", "clinic intake fax")
    lines = ["CLINIC INTAKE FORM", "MEMBER SSN " + fax.plant("us-ssn", v.us_ssn(), "attachment", needs="ocr"), "PAGE 1/1"]
    fax.file_bytes = formats_more.tiff_text(lines, scale=2)
    fax.text = "\n".join(lines)
    _link(health, "fax-intake.tiff", "Clinic intake fax:")

    deploy = _page(s, "Deploy Payments Service")
    console = s.attachment(deploy, "console.bmp", "image/bmp", "Marcus Chen", "console screenshot")
    lines = ["$ TAIL -F AUTHORISE.LOG", "DECLINED PAN=" + console.plant("credit-card", v.credit_card("visa", ""), "attachment", needs="ocr")]
    console.file_bytes = formats_more.bmp_text(lines)
    console.text = "\n".join(lines)
    _link(deploy, "console.bmp", "Console during the failed deploy:")

    payments = _page(s, "Payments Architecture")
    dashboard = s.attachment(payments, "dashboard.webp", "image/webp", "Tom Okafor", "checkout dashboard")
    lines = ["CHECKOUT DASHBOARD", "LAST DECLINE", dashboard.plant("credit-card", v.credit_card("visa", " "), "attachment", needs="ocr")]
    dashboard.file_bytes = formats_more.webp_text(lines, dashboard.id, dashboard.meta["title"])
    dashboard.text = "\n".join(lines)
    _link(payments, "dashboard.webp", "Checkout dashboard:")
