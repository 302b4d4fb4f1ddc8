#!/usr/bin/env python3
"""Makes the OCR test images of this directory: text drawn in a real font, by rendering a small
PDF with poppler's pdftoppm (the project has no font rasteriser of its own).

    python3 tests/data/make_ocr_images.py    # needs pdftoppm (poppler-utils)

ocr-credentials.png  700 x 120: three lines of 11-point text at 150 dpi, with an AWS-key-like
                     token and a test card number; the OCR unit tests read it.
ocr-small-addresses.png  960 x 300: an admin console's user list in 7-point text at 96 dpi (9 px,
                     the size of a UI font in a screenshot), with e-mail addresses among names,
                     dates and counts; the OCR unit tests read every address from it.
ocr-screenshot.png   1280 x 800: a wiki-like page (header bar, sidebar, body text, a table of
                     values) with 7 to 8-point text at 151 dpi, the size of text in a
                     screenshot; the OCR benchmark (examples/ocr_bench.rs) reads it.
"""

import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def pdf(ops: list[str]) -> bytes:
    """One US-letter page whose content stream is `ops`; /F1 Helvetica, /F2 Helvetica-Bold."""
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def text(x: float, y: float, s: str, size: float = 7, font: str = "F1", grey: float = 0) -> str:
    s = s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"BT {grey} g /{font} {size} Tf {x} {y} Td ({s}) Tj ET"


def rect(x: float, y: float, w: float, h: float, grey: float) -> str:
    return f"{grey} g {x} {y} {w} {h} re f"


def render(name: str, ops: list[str], dpi: int, crop: tuple[int, int, int, int]) -> None:
    x, y, w, h = crop
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "page.pdf")
        with open(src, "wb") as f:
            f.write(pdf(ops))
        out = os.path.join(HERE, name[: -len(".png")])
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile",
             "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h), src, out],
            check=True,
        )


def credentials() -> None:
    lines = ["Staging credentials (do not share)", "aws_access_key_id = AKIAQYLPMN5HGY2ZTBKW",
             "Card on file: 4111 1111 1111 1111"]
    ops = [text(72, 740 - 14 * i, line, size=11) for i, line in enumerate(lines)]
    render("ocr-credentials.png", ops, 150, (130, 85, 700, 120))


def screenshot() -> None:
    # 1280 x 800 pixels at 151 dpi is 610 x 381 points: the top of a letter page.
    top = 792
    ops = [rect(0, top - 30, 612, 30, 0.2),
           text(12, top - 20, "Confluence   Spaces   People   Apps   Create", 9, "F2", 1),
           rect(0, top - 384, 120, 354, 0.93)]
    for i, item in enumerate(["Overview", "Runbooks", "On-call rota", "Deployments", "Incident reviews",
                              "Architecture", "Access requests", "Payments platform", "Vendor contacts",
                              "Archived pages"]):
        ops.append(text(14, top - 56 - 16 * i, item, 7.5))
    ops.append(text(140, top - 60, "Payments platform: production access", 13, "F2"))
    body = [
        "This page lists how the on-call engineer reaches the payments gateway during an incident.",
        "Credentials rotate every 90 days; the owner is the platform team (see the access request form).",
        "Do not paste secrets into tickets. If you must share a value, use the vault link below.",
        "Gateway console: https://gateway.example.internal/console  (VPN required)",
        "Escalation: page the secondary after 15 minutes without acknowledgement.",
    ]
    for i, line in enumerate(body):
        ops.append(text(140, top - 90 - 12 * i, line, 7.5))
    ops.append(rect(140, top - 268, 450, 14, 0.85))
    for x, head in [(146, "System"), (250, "Account"), (380, "Value"), (520, "Rotated")]:
        ops.append(text(x, top - 264, head, 7.5, "F2"))
    rows = [
        ("AWS deploy user", "deploy-ci", "AKIAQYLPMN5HGY2ZTBKW", "2026-01-12"),
        ("Card test terminal", "acme-pos-7", "4111 1111 1111 1111", "2026-02-01"),
        ("Ledger database", "ledger_ro", "postgres://ledger.internal:5432", "2025-12-20"),
        ("Support mailbox", "support", "payments-support@example.com", "2026-01-30"),
        ("Payout bank", "DE payouts", "DE89 3704 0044 0532 0130 00", "2025-11-02"),
    ]
    for r, row in enumerate(rows):
        y = top - 282 - 14 * r
        for x, cell in zip([146, 250, 380, 520], row):
            ops.append(text(x, y, cell, 7))
    ops.append(text(140, top - 370, "Last updated by ada.lovelace on 2026-02-09  -  12 comments  -  3 attachments", 6.5,
                    grey=0.4))
    render("ocr-screenshot.png", ops, 151, (0, 0, 1280, 800))


def small_addresses() -> None:
    # 960 x 300 pixels at 96 dpi is 720 x 225 points.
    top = 792
    ops = [rect(0, top - 20, 720, 20, 0.25),
           text(8, top - 14, "Admin console   Users   Groups   Audit log", 8, "F2", 1)]
    for x, head in [(10, "Name"), (150, "E-mail"), (400, "Last login"), (520, "Groups"), (620, "Status")]:
        ops.append(text(x, top - 38, head, 7, "F2"))
    rows = [
        ("Priya Raman", "priya.raman@northwind-health.org", "2026-11-02 09:14", "12", "active"),
        ("Marcus Okafor", "m.okafor@contoso-logistics.co.uk", "2026-10-28 17:40", "3", "active"),
        ("Jun Smith", "j_smith42@fabrikam.io", "2026-09-30 08:05", "7", "locked"),
        ("Ana Souza", "ana.souza@lumen-varejo.com.br", "2026-11-01 12:31", "5", "active"),
        ("Lars Eriksen", "lars.eriksen@fjordline-shipping.no", "2026-08-17 21:02", "2", "invited"),
        ("Mei Tanaka", "tanaka.mei@kyoto-biolabs.jp", "2026-11-03 07:55", "9", "active"),
    ]
    for r, row in enumerate(rows):
        y = top - 56 - 16 * r
        for x, cell in zip([10, 150, 400, 520, 620], row):
            ops.append(text(x, y, cell, 7))
    ops.append(text(10, top - 170, "6 users  -  export as CSV  -  page 1 of 1", 6.5, grey=0.4))
    render("ocr-small-addresses.png", ops, 96, (0, 0, 960, 300))


if __name__ == "__main__":
    credentials()
    screenshot()
    small_addresses()
