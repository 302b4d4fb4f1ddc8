"""Engineering pages: onboarding, runbooks, architecture, decision records, meeting notes."""

import json

from . import formats
from .model import Item, Space
from .storage import (code, date, h, image, info, mention, noformat, ol, p, page_link, panel, status, table, toc,
                      ul, warning)


def email_of(name: str, domain: str = "acme-corp.com") -> str:
    first, last = name.lower().split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@{domain}"


def build_engineering(s: Space) -> dict[str, Item]:
    v = s.values
    pages: dict[str, Item] = {}

    home = pages["home"] = s.page("Engineering Home", None, "Priya Raman", edits=4)
    onboarding = s.page("Onboarding", home, "Priya Raman", edits=1)
    runbooks = pages["runbooks"] = s.page("Runbooks", home, "Marcus Chen")
    architecture = s.page("Architecture", home, "Tom Okafor", edits=2)
    meetings = s.page("Meeting Notes", home, "Priya Raman")
    pages["people"] = s.page("People Ops", home, "Sofia Alvarez", edits=1)

    home.body = (
        toc()
        + h(1, "Welcome to Engineering")
        + info(p("This space is the home of the platform, payments and developer-experience teams. "
                 "Start with ", page_link("Onboarding"), " if you joined this quarter."))
        + p("Owners: ", mention(s.user("Priya Raman")), " (engineering) and ", mention(s.user("Sofia Alvarez")),
            " (people ops). The current platform release is ", home.lookalike("version", "v2.14.3", "prose"),
            " and the next train leaves on ", date("2026-03-01"), ".")
        + h(2, "Where things live")
        + ul(page_link("Runbooks") + " &ndash; how we deploy, fail over and rotate credentials",
             page_link("Architecture") + " &ndash; service map and decision records",
             page_link("Meeting Notes") + " &ndash; weekly platform sync",
             page_link("People Ops") + " &ndash; payroll, benefits and leave procedures")
    )
    onboarding.body = (
        h(1, "Onboarding")
        + p("Everything a new engineer needs in the first two weeks. The checklist is owned by the hiring manager; "
            "the environment guide by developer experience.")
        + ol(page_link("New Hire Checklist"), page_link("Dev Environment Setup"), page_link("Access Requests"),
             page_link("First Week Schedule"))
    )

    # --- New Hire Checklist, with an inline comment and an inventory attachment -------------
    checklist = s.page("New Hire Checklist", onboarding, "Priya Raman", edits=3)
    inline = s.comment(checklist, "Luis Ortega", inline_selection="laptop pickup")
    buddy = email_of("Nadia Haddad")
    checklist.body = (
        h(1, "New Hire Checklist")
        + p("Work through this list with your buddy. Ask in ", "<code>#eng-onboarding</code>", " if anything is unclear.")
        + table(["Task", "Owner", "Due"], [
            ["Collect badge and " + s.inline_marker(inline), "Facilities", "Day 1"],
            ["Meet your buddy (" + checklist.plant("email", buddy, "table") + ")", "Hiring manager", "Day 1"],
            ["Laptop asset tag " + checklist.lookalike("asset-tag", "ASSET-0042117", "table"), "IT", "Day 1"],
            ["Call the IT desk on " + checklist.lookalike("phone", "+1 (415) 555-0136", "table"), "New hire", "Day 2"],
            ["Complete security training", "Security", "Day 5"],
        ])
        + p("Questions about payroll go to ", page_link("People Ops"), ", not to your manager.")
    )
    facilities = "facilities@acme-corp.com"
    inline.body = p("Can we add where the badge office is? Their mailbox is ",
                    inline.plant("email", facilities, "comment"), ".")
    inventory = s.attachment(checklist, "laptop-inventory.csv", "text/csv", "Luis Ortega", "Q1 laptop allocation")
    inv_rows = [("Nadia Haddad", "MBP-14-M4"), ("Oliver Grant", "MBP-16-M4"), ("Wen Li", "ThinkPad X1")]
    csv_lines = ["employee,email,model,serial,order"]
    for name, model in inv_rows:
        addr = inventory.plant("email", email_of(name), "attachment")
        serial = inventory.lookalike("serial-number", "C02" + v.git_sha()[:9].upper(), "attachment")
        order = inventory.lookalike("order-number", f"PO-2026-{v.rng.randint(10000, 99999)}", "attachment")
        csv_lines.append(f"{name},{addr},{model},{serial},{order}")
    inventory.file_bytes = ("\n".join(csv_lines) + "\n").encode()

    # --- Dev Environment Setup ------------------------------------------------------------------
    dev = s.page("Dev Environment Setup", onboarding, "Tom Okafor", edits=5)
    dev_key = v.aws_access_key_id()
    sha = v.git_sha()
    dev.body = (
        h(1, "Dev Environment Setup")
        + p("You need Docker, the AWS CLI and ", "<code>just</code>", ". The sandbox account is shared by the team; "
            "use the profile below until SSO lands.")
        + code("bash", "\n".join([
            "# ~/.aws/credentials for the sandbox profile",
            "export AWS_PROFILE=acme-sandbox",
            f"export AWS_ACCESS_KEY_ID={dev.plant('aws-access-key-id', dev_key, 'code')}",
            f"export AWS_SECRET_ACCESS_KEY={dev.plant('aws-secret-access-key', v.aws_secret_access_key(), 'code')}",
            "export AWS_REGION=eu-west-1",
            f"git checkout {dev.lookalike('git-sha', sha, 'code')}",
        ]), title="sandbox credentials")
        + p("The AWS documentation uses ", "<code>" + dev.lookalike("aws-access-key-id", "AKIAIOSFODNN7EXAMPLE", "prose")
            + "</code>", " in its examples; that key is not ours.")
        + warning(p("Never paste production credentials here. Use the vault."))
    )
    comment = s.comment(dev, "Marcus Chen")
    comment.body = p("Heads-up: the old shared key ", comment.plant("aws-access-key-id", v.aws_access_key_id(), "comment"),
                     " still works in the sandbox. I&rsquo;ll revoke it Friday.")
    env = s.attachment(dev, "dev.env", "text/plain", "Tom Okafor", "local environment template")
    env.file_bytes = "\n".join([
        "# copied from the sandbox account, rotate quarterly",
        f"AWS_ACCESS_KEY_ID={env.plant('aws-access-key-id', dev_key, 'attachment')}",
        f"AWS_SECRET_ACCESS_KEY={env.plant('aws-secret-access-key', v.aws_secret_access_key(), 'attachment')}",
        f"DATABASE_URL={env.plant('postgres-connection-string', v.postgres_url('app', 'pg-sandbox', 'payments'), 'attachment')}",
        f"SLACK_BOT_TOKEN={env.plant('slack-bot-token', v.slack_bot_token(), 'attachment')}",
        f"REQUEST_ID_SEED={env.lookalike('uuid', v.uuid(), 'attachment')}",
        "",
    ]).encode()

    access = s.page("Access Requests", onboarding, "Elena Petrova", edits=1)
    access.body = (
        h(1, "Access Requests")
        + p("File a ticket and name the approver below. Tickets look like ",
            access.lookalike("ticket-number", "INC0048213", "prose"), ".")
        + table(["System", "Approver", "SLA"], [
            ["AWS production", access.plant("email", email_of("Elena Petrova"), "table"), "1 business day"],
            ["GitHub org", access.plant("email", email_of("Tom Okafor"), "table"), "4 hours"],
            ["Payroll (read-only)", access.plant("email", email_of("Daniel Kim", "initech-payroll.com"), "table"), "3 days"],
        ])
    )
    approved = s.comment(access, "Elena Petrova")
    approved.body = p("Approved the GitHub org request for the March cohort.")
    week = s.page("First Week Schedule", onboarding, "Priya Raman")
    week.body = (
        h(1, "First Week Schedule")
        + table(["Day", "Morning", "Afternoon"], [
            [date("2026-03-02"), "Welcome &amp; laptop setup", "Architecture walkthrough"],
            [date("2026-03-03"), "Payments deep dive", "Pairing with your buddy"],
            [date("2026-03-04"), "On-call shadowing 09:00&ndash;12:00", "Security training"],
        ])
        + p("Lunch is on us on Monday &ndash; caf&eacute; on level 3.")
    )

    # --- Runbooks -------------------------------------------------------------------------------
    runbooks.body = h(1, "Runbooks") + p("Runbooks are tested every quarter. If a step is wrong, fix it and leave a comment.")

    deploy = s.page("Deploy Payments Service", runbooks, "Marcus Chen", edits=6)
    pat = v.github_classic_pat()
    deploy.body = (
        h(1, "Deploy Payments Service")
        + ol("Check the release train status: " + status("GREEN"),
             "Tag the release, e.g. " + deploy.lookalike("version", "payments-3.8.12", "prose"),
             "Run the pipeline with the bot token (the pipeline reads it from the environment):")
        + code("bash", "\n".join([
            f"export GITHUB_TOKEN={deploy.plant('github-classic-pat', pat, 'code')}",
            f"export DATABASE_URL='{deploy.plant('postgres-connection-string', v.postgres_url('deploy', 'payments-db', 'payments'), 'code')}'",
            f"./deploy.sh --sha {deploy.lookalike('git-sha', v.git_sha(), 'code')} --env production",
        ]))
        + p("Rollback takes about 4 minutes. Build ", deploy.lookalike("build-number", "#20260214.7", "prose"), " was the last good one.")
    )
    log = s.attachment(deploy, "deploy-2026-02-14.log", "text/plain", "Marcus Chen", "failed deploy output")
    log_lines = [
        f"2026-02-14T10:02:11Z INFO  deploy started request_id={log.lookalike('uuid', v.uuid(), 'attachment')}",
        f"2026-02-14T10:02:12Z DEBUG git -c http.extraheader='AUTHORIZATION: bearer {log.plant('github-classic-pat', v.github_classic_pat(), 'attachment')}' clone https://github.com/acme-corp/payments.git",
        f"2026-02-14T10:03:40Z INFO  image digest sha256:{log.lookalike('sha256', v.sha256_hex(), 'attachment')}",
        "2026-02-14T10:04:02Z ERROR migration 0042_add_ledger failed: lock timeout after 30000ms",
        f"2026-02-14T10:04:02Z INFO  rollback to {log.lookalike('git-sha', v.git_sha(), 'attachment')}",
    ]
    log.file_bytes = ("\n".join(log_lines) + "\n").encode()

    failover = s.page("Database Failover", runbooks, "Marcus Chen", edits=2)
    failover.body = (
        h(1, "Database Failover")
        + p("Promote the replica only when replication lag is below 10 seconds.")
        + noformat("\n".join([
            "$ aws rds promote-read-replica --db-instance-identifier payments-replica-2",
            f"# using the break-glass key {failover.plant('aws-access-key-id', v.aws_access_key_id(), 'noformat')}",
            f"$ psql '{failover.plant('postgres-connection-string', v.postgres_url('admin', 'payments-replica-2', 'payments'), 'noformat')}' -c 'select 1'",
            f"replication slot bytes: {failover.lookalike('us-npi', v.npi_invalid(), 'noformat')}",
        ]))
        + p("After the promotion, update the DNS record and page the owner.")
    )

    incident = s.page("Incident Response", runbooks, "Elena Petrova", edits=3)
    bridge_note = s.comment(incident, "Marcus Chen", inline_selection="incident ticket")
    incident.body = (
        h(1, "Incident Response")
        + panel("Severity levels", ul("<strong>SEV1</strong> &ndash; customer-facing outage", "<strong>SEV2</strong> &ndash; degraded service",
                                      "<strong>SEV3</strong> &ndash; internal only"))
        + p("The incident bridge is ", incident.lookalike("phone", "+1 646 555 0199", "prose"), ", PIN ",
            incident.lookalike("pin", "482 913", "prose"), ". Open an incident ticket (e.g. ",
            incident.lookalike("ticket-number", "INC-2026-00731", "prose"), ") before you start debugging. Link the ", s.inline_marker(bridge_note), " in the channel topic.")
        + h(3, "Paging order")
        + p("Primary on-call<br/>Secondary on-call<br/>Engineering manager")
        + p("Incident commander this week: ", mention(s.user("Marcus Chen")), ".")
    )

    bridge_note.body = p("The bridge PIN rotates on the first Monday of the month.")
    drill = s.comment(failover, "Luis Ortega")
    drill.body = p("Drill on ", date("2026-02-26"), " went fine. The alert bot posted with ",
                   drill.plant("slack-bot-token", v.slack_bot_token(), "comment"), " &ndash; that token should be rotated too.")
    rotate = s.page("Rotating Credentials", runbooks, "Elena Petrova", edits=4)
    rotate.body = (
        h(1, "Rotating Credentials")
        + p("GitHub classic tokens start with <code>ghp_</code> and end in a checksum. A token such as ",
            "<code>" + rotate.lookalike("github-classic-pat", v.ghp_bad_checksum(), "prose") + "</code>",
            " fails that checksum, so it is a typo or a fake, not a live credential.")
        + p("The CI token we revoked on ", date("2026-02-18"), " was:")
        + noformat(rotate.plant("github-classic-pat", v.github_classic_pat(), "noformat"))
        + p("The Slack bot token for the deploy bot lives in the vault; the copy below is the one from the old wiki:")
        + code("text", rotate.plant("slack-bot-token", v.slack_bot_token(), "code"))
    )
    creds = s.attachment(rotate, "old-credentials.json", "application/json", "Elena Petrova", "inventory before rotation")
    creds.file_bytes = (json.dumps({
        "aws": {"access_key_id": creds.plant("aws-access-key-id", v.aws_access_key_id(), "attachment"),
                "secret_access_key": creds.plant("aws-secret-access-key", v.aws_secret_access_key(), "attachment")},
        "github": {"ci_token": creds.plant("github-classic-pat", v.github_classic_pat(), "attachment"),
                   "revoked_token_example": creds.lookalike("github-classic-pat", v.ghp_bad_checksum(), "attachment")},
        "owner": creds.plant("email", email_of("Elena Petrova"), "attachment"),
        "rotation_id": creds.lookalike("uuid", v.uuid(), "attachment"),
    }, indent=2) + "\n").encode()

    oncall = s.page("On-call Handbook", runbooks, "Marcus Chen", edits=2)
    oncall.body = (
        h(1, "On-call Handbook")
        + p("Escalations go to ", oncall.plant("email", "oncall-payments@acme-corp.com", "prose"),
            "; automated alerts come from ", oncall.lookalike("email", "noreply@example.com", "prose"), ".")
        + table(["Rotation", "Primary", "Phone"], [
            ["Payments", mention(s.user("Marcus Chen")), oncall.lookalike("phone", "415-555-0172", "table")],
            ["Platform", mention(s.user("Luis Ortega")), oncall.lookalike("phone", "(212) 555-0148", "table")],
        ])
    )

    triage = s.page("Log Triage", runbooks, "Tom Okafor", edits=1)
    triage.body = (
        h(1, "Log Triage")
        + p("Checkout logs must never hold card numbers. This excerpt from the incident shows why the masking filter matters:")
        + code("text", "\n".join([
            f"trace={triage.lookalike('uuid', v.uuid(), 'code')} level=WARN msg=\"retrying authorisation\"",
            f"trace={triage.lookalike('uuid', v.uuid(), 'code')} level=ERROR card={triage.plant('credit-card', v.credit_card('visa', ''), 'code')} msg=\"declined\"",
            f"trace={triage.lookalike('uuid', v.uuid(), 'code')} level=INFO ref={triage.lookalike('credit-card', v.luhn_invalid_16(''), 'code')} msg=\"order reference\"",
            f"artifact sha256={triage.lookalike('sha256', v.sha256_hex(), 'code')}",
        ]))
    )

    vpn = s.page("Legacy VPN Setup", None, "Luis Ortega", status="archived")
    vpn.body = (
        h(1, "Legacy VPN Setup (archived)")
        + p("Kept for the audit trail. The VPN was retired on ", date("2025-11-30"), ".")
        + code("ini", "\n".join([
            "[profile legacy-vpn]",
            f"aws_access_key_id = {vpn.plant('aws-access-key-id', v.aws_access_key_id(), 'code')}",
            f"aws_secret_access_key = {vpn.plant('aws-secret-access-key', v.aws_secret_access_key(), 'code')}",
        ]))
    )

    # --- Architecture ---------------------------------------------------------------------------
    diagram = s.attachment(architecture, "architecture.png", "image/png", "Tom Okafor", "service map")
    diagram.file_bytes = formats.png_text(["PAYMENTS PLATFORM V3", "GATEWAY - LEDGER - PAYOUTS"])
    architecture.body = (
        h(1, "Architecture") + image("architecture.png")
        + p("The gateway terminates TLS, the ledger is the source of truth, payouts run nightly.")
        + ul(page_link("Service Overview"), page_link("Payments Architecture"), page_link("API Gateway"),
             page_link("Data Retention"), page_link("Decision Records"))
    )
    services = s.page("Service Overview", architecture, "Tom Okafor", edits=2)
    services.body = (
        h(1, "Service Overview")
        + table(["Service", "Owner", "Version", "Instance id"], [
            ["gateway", mention(s.user("Luis Ortega")), services.lookalike("version", "1.22.4", "table"),
             services.lookalike("uuid", v.uuid(), "table")],
            ["ledger", mention(s.user("Tom Okafor")), services.lookalike("version", "4.0.0-rc.2", "table"),
             services.lookalike("uuid", v.uuid(), "table")],
            ["payouts", mention(s.user("Marcus Chen")), "2.7.1", "n/a"],
        ])
    )
    payments = s.page("Payments Architecture", architecture, "Tom Okafor", edits=3)
    payments.body = (
        h(1, "Payments Architecture")
        + p("Card numbers are tokenised at the edge; only the vault sees a PAN. During the ", date("2026-01-22"),
            " incident a real card was pasted into the smoke-test table below &ndash; it must be removed.")
        + table(["Case", "Card", "Order"], [
            ["smoke test (prod)", payments.plant("credit-card", v.credit_card("mastercard", " "), "table"),
             payments.lookalike("order-number", "ORD-20260122-0042", "table")],
            ["invalid check digit", payments.lookalike("credit-card", v.luhn_invalid_16(" "), "table"), "n/a"],
        ])
    )
    still_there = s.comment(payments, "Elena Petrova")
    still_there.body = p("The card is still in the table as of ", date("2026-02-02"), ". Deleting the row is not enough; purge the history.")
    gateway = s.page("API Gateway", architecture, "Luis Ortega", edits=2)
    gateway_jwt = v.jwt("svc-checkout")
    gateway.body = (
        h(1, "API Gateway")
        + p("Service-to-service calls carry a signed JWT. Example request from the load test:")
        + code("bash", f"curl -H 'Authorization: Bearer {gateway.plant('jwt', gateway_jwt, 'code')}' https://gw.acme-corp.internal/v1/charges")
        + p("The signing key used in staging (to be moved to the vault):")
        + code("text", gateway.plant("pem-private-key", v.pem_private_key(), "code"))
    )
    gw_cfg = s.attachment(gateway, "gateway-config.yaml", "application/x-yaml", "Luis Ortega", "staging config")
    gw_cfg.file_bytes = "\n".join([
        "gateway:",
        "  listen: 0.0.0.0:8443",
        f"  admin_contact: {gw_cfg.plant('email', email_of('Luis Ortega'), 'attachment')}",
        f"  service_token: {gw_cfg.plant('jwt', v.jwt('svc-payouts'), 'attachment')}",
        f"  build: {gw_cfg.lookalike('git-sha', v.git_sha(), 'attachment')}",
        "  timeouts: {connect: 2s, read: 30s}",
        "",
    ]).encode()
    retention = s.page("Data Retention", architecture, "Elena Petrova")
    retention.body = (
        h(1, "Data Retention")
        + p("Transaction records are kept for 7&nbsp;years; application logs for 30&nbsp;days; "
            "support tickets for 2&nbsp;years after closure.")
        + info(p("Legal&rsquo;s position is documented in the retention schedule, revision 3 (", date("2025-10-01"), ")."))
    )

    records = s.page("Decision Records", architecture, "Tom Okafor")
    records.body = h(1, "Decision Records") + p("One page per decision; never edit an accepted record, supersede it.")
    adr1 = s.page("ADR-001 Adopt PostgreSQL", records, "Tom Okafor")
    adr1.body = (h(1, "ADR-001 Adopt PostgreSQL") + p(status("ACCEPTED"), " We move the ledger from MySQL 5.7 to PostgreSQL 16.")
                 + p("Consequences: logical replication, no more utf8mb3 surprises."))
    adr2 = s.page("ADR-002 Event Bus", records, "Luis Ortega")
    adr2.body = (h(1, "ADR-002 Event Bus") + p(status("PROPOSED", "Yellow"), " Kafka 3.7 vs. NATS 2.10: we pick Kafka.")
                 + p("Throughput target: 12&nbsp;000 events/s at p99 &lt; 40&nbsp;ms."))
    adr3 = s.page("ADR-003 Secrets Management", records, "Elena Petrova", edits=1)
    adr3.body = (
        h(1, "ADR-003 Secrets Management")
        + p("Secrets move to the vault. Documentation may show placeholders such as ",
            "<code>" + adr3.lookalike("aws-access-key-id", "AKIAIOSFODNN7EXAMPLE", "prose") + "</code>", " or ",
            "<code>" + adr3.lookalike("github-classic-pat", v.ghp_bad_checksum(), "prose") + "</code>",
            " &ndash; neither is a live credential.")
    )

    # --- Meeting notes --------------------------------------------------------------------------
    meetings.body = h(1, "Meeting Notes") + p("Weekly platform sync, Tuesdays 10:30.")
    sync1 = s.page("2026-02-03 Platform Sync", meetings, "Priya Raman")
    sync1.body = (
        h(2, "Attendees") + p(mention(s.user("Priya Raman")), " ", mention(s.user("Marcus Chen")), " ", mention(s.user("Tom Okafor")))
        + h(2, "Action items")
        + ul("Send the vendor contract to " + sync1.plant("email", email_of("Grace Whitfield", "globex-health.com"), "prose")
             + " by " + date("2026-02-06"),
             "Upgrade the runners to 2.319.1")
    )
    sync2 = s.page("2026-02-10 Platform Sync", meetings, "Priya Raman")
    sync2.body = (
        h(2, "Notes") + p("Capacity review moved to ", date("2026-02-24"), ". Budget line ",
                          sync2.lookalike("cost-centre", "CC-4410-2026", "prose"), " approved.")
        + h(2, "Action items")
        + ul("Ask " + sync2.plant("email", "procurement@acme-corp.com", "prose") + " for the renewal quote",
             "Close " + sync2.lookalike("ticket-number", "INC0049977", "prose"))
    )
    review = s.page("2026-02-17 Security Review", meetings, "Elena Petrova", edits=1)
    review_inline = s.comment(review, "Tom Okafor", inline_selection="public gist", resolved=True)
    review.body = (
        h(1, "Security Review")
        + p("A contractor pushed an access key to a ", s.inline_marker(review_inline), ": ",
            review.plant("aws-access-key-id", v.aws_access_key_id(), "prose"), ". It was revoked within the hour.")
        + p("Secret scanning also flagged a personal token, ",
            review.plant("github-classic-pat", v.github_classic_pat(), "prose"), ", in a fork.")
    )
    review_inline.body = p("Link to the gist is in the incident ticket, not here please.")
    review_footer = s.comment(review, "Marcus Chen")
    review_footer.body = p("Rotated. The replacement CI token is ",
                           review_footer.plant("github-classic-pat", v.github_classic_pat(), "comment"),
                           " &ndash; I&rsquo;ll move it to the vault tomorrow.")
    planning = s.page("2026-03-02 Quarterly Planning", meetings, "Priya Raman")
    planning.body = (
        h(1, "Q2 Planning")
        + table(["Goal", "Owner", "Target"], [
            ["Checkout p99 under 300 ms", mention(s.user("Tom Okafor")), "2026-06-30"],
            ["Zero long-lived AWS keys", mention(s.user("Elena Petrova")), "2026-05-15"],
        ])
        + p("Headcount: 4 engineers; budget reference ", planning.lookalike("credit-card", v.luhn_invalid_16("-"), "prose"), ".")
    )
    benign_comment = s.comment(planning, "Luis Ortega")
    benign_comment.body = p("+1 to the AWS goal. Can we track it in the security dashboard?")
    return pages
