"""People Ops pages (payroll, benefits, expenses, background checks) and their attachments."""

from . import formats
from .content_eng import email_of
from .model import Item, Space
from .storage import attachment_link, date, h, info, mention, ol, p, panel, split_value, table, ul, warning


def build_people(s: Space, people: Item) -> None:
    v = s.values
    people.body = (
        h(1, "People Ops")
        + p("Procedures for payroll, benefits and leave. Pages here may hold personal data: share links, not copies.")
        + ul("Payroll Corrections", "Benefits Enrollment", "Expense Reimbursement", "Employee Directory Export",
             "Leave Policy", "Background Checks", "Health and Wellness Program")
    )

    # --- Payroll ------------------------------------------------------------------------------
    payroll = s.page("Payroll Corrections", people, "Daniel Kim", edits=7)
    payroll.body = (
        h(1, "Payroll Corrections &ndash; February")
        + p("Corrections approved by ", mention(s.user("Sofia Alvarez")), " on ", date("2026-02-20"), ".")
        + table(["Employee", "SSN", "Bank account", "Correction"], [
            ["J. Doe", payroll.plant("us-ssn", v.us_ssn(), "table"), payroll.plant("iban", v.iban_de(), "table"), "+$412.50"],
            ["M. Rossi", payroll.plant("us-ssn", v.us_ssn(), "table"), "on file", "&minus;$88.00"],
            ["test row", payroll.lookalike("us-ssn", v.invalid_ssn("area000"), "table"), "n/a", "0"],
            ["K. Patel (UK)", payroll.plant("uk-nino", v.uk_nino(), "table"), "on file", "+&pound;120.00"],
        ])
        + p('<span style="color: rgb(222,53,11);">Do not forward this page.</span> Questions: ',
            payroll.plant("email", email_of("Daniel Kim", "initech-payroll.com"), "prose"))
    )
    fix = s.comment(payroll, "Daniel Kim")
    fix.body = p("Corrected SSN for the Doe record is ", fix.plant("us-ssn", v.us_ssn(" "), "comment"),
                 " &ndash; the one above had two digits swapped.")
    sheet = s.attachment(payroll, "payroll-corrections-feb.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Daniel Kim", "export from payroll")
    rows: list[list[object]] = [["Employee", "SSN", "Email", "IBAN", "Amount"]]
    for r, name in enumerate(["Jane Doe", "Marco Rossi", "Aiko Tanaka"], start=1):
        rows.append([
            name,
            sheet.plant("us-ssn", v.us_ssn(), "attachment", needs="xlsx", sheet="Corrections", cell=formats.cell_ref(r, 1)),
            sheet.plant("email", email_of(name), "attachment", needs="xlsx", sheet="Corrections", cell=formats.cell_ref(r, 2)),
            sheet.plant("iban", v.iban_de(), "attachment", needs="xlsx", sheet="Corrections", cell=formats.cell_ref(r, 3)),
            f"{v.rng.randint(20, 900)}.{v.rng.randint(0, 99):02d}",
        ])
    rows.append(["Batch", sheet.lookalike("us-ssn", v.invalid_ssn("group00"), "attachment", needs="xlsx"), "", "", "0.00"])
    sheet.file_bytes = formats.xlsx("Corrections", rows)

    # --- Benefits ------------------------------------------------------------------------------
    benefits = s.page("Benefits Enrollment", people, "Hannah Becker", edits=3)
    npi_note = s.comment(benefits, "Hannah Becker", inline_selection="on-site clinic")
    split_ssn = benefits.plant("us-ssn", v.us_ssn(), "split-tags")
    benefits.body = (
        h(1, "Benefits Enrollment")
        + p("In-network providers for the ", s.inline_marker(npi_note), ". Always give the provider NPI when you submit a claim.")
        + table(["Provider", "Specialty", "NPI"], [
            ["Dr. Amara Obi", "Family medicine", benefits.plant("us-npi", v.us_npi(), "table")],
            ["Dr. Felix Brandt", "Physiotherapy", benefits.plant("us-npi", v.us_npi(), "table")],
            ["Clinic front desk", "Scheduling", "NPI pending (ref " + benefits.lookalike("us-npi", v.npi_invalid(), "table") + ")"],
        ])
        + panel("Dependant added late",
                p("Member SSN on the paper form was ", split_value(split_ssn, 6),
                  "; the carrier needs it re-keyed."))
    )
    npi_note.body = p("Dr. Obi moved practices; her new NPI is ", npi_note.plant("us-npi", v.us_npi(), "comment"), ".")
    form = s.attachment(benefits, "enrollment-form.pdf", "application/pdf", "Hannah Becker", "scanned enrollment form")
    form_lines = [
        "ACME Corp Benefits Enrollment 2026",
        "Member: Jane Doe",
        "SSN: " + form.plant("us-ssn", v.us_ssn(), "attachment", needs="pdf", pdf_page=1),
        "Primary care NPI: " + form.plant("us-npi", v.us_npi(), "attachment", needs="pdf", pdf_page=1),
        "Contact: " + form.plant("email", email_of("Jane Doe"), "attachment", needs="pdf", pdf_page=1),
        "Plan: PPO Gold, effective 2026-03-01",
    ]
    form.file_bytes = formats.pdf(form_lines)

    # --- Expenses ------------------------------------------------------------------------------
    expenses = s.page("Expense Reimbursement", people, "Sofia Alvarez", edits=2)
    split_card = expenses.plant("credit-card", v.credit_card("visa", " "), "split-tags")
    inline = s.comment(expenses, "Daniel Kim", inline_selection="corporate card")
    expenses.body = (
        h(1, "Expense Reimbursement")
        + p("Submit receipts within 30 days. Do not pay with the ", s.inline_marker(inline), " for personal items.")
        + warning(p("An employee pasted their card here on ", date("2026-02-11"), ": ",
                    split_value(split_card, 9),
                    ". Please delete it from the page history."))
        + p("The travel agency charged the Amex ", expenses.plant("credit-card", v.credit_card("amex", "-"), "prose"),
            " for order ", expenses.lookalike("order-number", "4417-2203-9981", "prose"), ".")
        + p("A number that only looks like a card: ", expenses.lookalike("credit-card", v.luhn_invalid_16(" "), "prose"), ".")
    )
    inline.body = p("Corporate card on file is ", inline.plant("credit-card", v.credit_card("discover", " "), "comment"),
                    " &ndash; please stop asking in chat.")
    receipt = s.attachment(expenses, "receipt-scan.png", "image/png", "Sofia Alvarez", "taxi receipt")
    receipt_card = receipt.plant("credit-card", v.credit_card("mastercard", " "), "attachment", needs="ocr")
    receipt.file_bytes = formats.png_text(["ACME TAXI RECEIPT", "TOTAL $42.80", "CARD " + receipt_card, "2026-02-09"])

    # --- Directory export ----------------------------------------------------------------------
    directory = s.page("Employee Directory Export", people, "Sofia Alvarez", edits=1)
    directory.body = (
        h(1, "Employee Directory Export")
        + ol("Run the export from the HRIS (People &rarr; Reports &rarr; Directory).",
             "Encrypt the file before you share it.",
             "Send the link to " + directory.plant("email", "hr-ops@acme-corp.com", "prose") + ", never the file.")
        + p("Last export: ", attachment_link("directory-export.zip"), ".")
    )
    export = s.attachment(directory, "directory-export.zip", "application/zip", "Sofia Alvarez", "HRIS export")
    csv_rows = ["name,email,ssn,start_date"]
    for name in ["Oliver Grant", "Wen Li", "Fatima Zahra"]:
        addr = export.plant("email", email_of(name), "attachment", needs="zip", path="directory-export.zip/export/employees.csv")
        ssn = export.plant("us-ssn", v.us_ssn(), "attachment", needs="zip", path="directory-export.zip/export/employees.csv")
        csv_rows.append(f"{name},{addr},{ssn},2025-{v.rng.randint(1, 12):02d}-{v.rng.randint(1, 28):02d}")
    export.file_bytes = formats.zip_archive([
        ("export/employees.csv", "\n".join(csv_rows) + "\n"),
        ("export/README.txt", "Directory export generated by the HRIS. Contains personal data.\n"),
    ])

    leave = s.page("Leave Policy", people, "Sofia Alvarez", edits=5)
    leave_note = s.comment(leave, "Priya Raman", inline_selection="parental leave", resolved=True)
    leave.body = (
        h(1, "Leave Policy")
        + p("Everyone gets 25&nbsp;days of annual leave plus public holidays. Carry-over is capped at 5&nbsp;days &ndash; "
            "it doesn&rsquo;t roll over twice.")
        + info(p("Ren&eacute;e in People Ops approves ", s.inline_marker(leave_note), "; requests go through the HR portal."))
        + table(["Type", "Days", "Notice"], [["Annual", "25", "2 weeks"], ["Parental", "up to 26 weeks", "8 weeks"],
                                             ["Sick", "as needed", "same day"]])
    )

    leave_note.body = p("Does this include adoption leave? &ndash; yes, confirmed with Ren&eacute;e.")
    checks = s.page("Background Checks", people, "Sofia Alvarez", edits=2)
    checks.body = (
        h(1, "Background Checks")
        + p("Our vendor contact is ", checks.plant("email", email_of("Grace Whitfield", "globex-health.com"), "prose"), ".")
        + p("Candidate record (to be moved to the vendor portal): SSN ", checks.plant("us-ssn", v.us_ssn(" "), "prose"),
            ", UK NI number ", checks.plant("uk-nino", v.uk_nino(), "prose"), ".")
        + p("Invalid numbers the vendor rejects, for reference: ", checks.lookalike("us-ssn", v.invalid_ssn("area666"), "prose"),
            ", ", checks.lookalike("us-ssn", v.invalid_ssn("area9xx"), "prose"), ", ",
            checks.lookalike("us-ssn", v.invalid_ssn("serial0000"), "prose"), ".")
    )
    portal = s.comment(checks, "Sofia Alvarez")
    portal.body = p("The vendor portal login is personal; ask ", mention(s.user("Sofia Alvarez")), " for an account.")
    summary = s.attachment(checks, "candidate-summary.docx",
                           "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Sofia Alvarez",
                           "vendor summary")
    docx_ssn = summary.plant("us-ssn", v.us_ssn(), "attachment", needs="docx")
    summary.file_bytes = formats.docx([
        ["Background check summary"],
        ["Candidate: Wen Li"],
        ["SSN: ", docx_ssn[:4], docx_ssn[4:]],  # Word splits runs mid-value
        ["Email: " + summary.plant("email", email_of("Wen Li"), "attachment", needs="docx")],
        ["National Insurance: " + summary.plant("uk-nino", v.uk_nino(), "attachment", needs="docx")],
        ["Result: clear"],
    ])

    health = s.page("Health and Wellness Program", people, "Hannah Becker", edits=1)
    health.body = (
        h(1, "Health and Wellness Program")
        + p("The program physician (NPI ", health.plant("us-npi", v.us_npi(), "prose"),
            ") reviews claims monthly. Claims data is PHI: keep it in the claims system.")
    )
    claims = s.attachment(health, "claims-sample.txt", "text/plain", "Hannah Becker", "sample for the vendor")
    claims.file_bytes = "\n".join([
        "Claims sample - February 2026",
        f"member_ssn={claims.plant('us-ssn', v.us_ssn(), 'attachment')} provider_npi={claims.plant('us-npi', v.us_npi(), 'attachment')} cpt=99213",
        f"member_ssn={claims.plant('us-ssn', v.us_ssn(), 'attachment')} provider_npi={claims.plant('us-npi', v.us_npi(), 'attachment')} cpt=97110",
        f"claim_ref={claims.lookalike('us-npi', v.npi_invalid(), 'attachment')} status=pending",
        "",
    ]).encode()
    ack = s.comment(health, "Hannah Becker")
    ack.body = p("Thanks &ndash; reviewed with the carrier, no action needed.")
