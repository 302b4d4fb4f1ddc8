"""Blog posts: announcements, a postmortem, a secrets-rotation story, benefits and travel news."""

from .content_eng import email_of
from .model import Space
from .storage import code, date, info, h, mention, p, split_value, ul


def build_blog(s: Space) -> None:
    v = s.values
    welcome = s.blogpost("Welcome to the new Engineering space", "Priya Raman")
    welcome_inline = s.comment(welcome, "Luis Ortega", inline_selection="old wiki")
    welcome.body = (
        p("We moved everything from the ", s.inline_marker(welcome_inline), " over the weekend. Links may be broken for a few days.")
        + p("Thanks to ", mention(s.user("Luis Ortega")), " for the migration scripts.")
    )
    welcome_footer = s.comment(welcome, "Nadia Haddad")
    welcome_footer.body = p("Where did the on-call runbooks go? Found them under ", "Runbooks", ", thanks!")
    welcome_inline.body = p("The old wiki goes read-only on ", date("2026-03-15"), ".")

    postmortem = s.blogpost("Postmortem: checkout outage on 22 January", "Tom Okafor", edits=2)
    postmortem.body = (
        p("For 47 minutes checkout rejected about 8% of payments. Root cause: a retry storm against the card vault.")
        + info(p("Card numbers appeared in debug logs during the incident; the excerpt below was captured before the purge."))
        + code("text", "\n".join([
            f"09:14:03 vault timeout pan={postmortem.plant('credit-card', v.credit_card('visa', ''), 'code')} attempt=3",
            f"09:14:05 vault timeout pan={postmortem.plant('credit-card', v.credit_card('mastercard', '-'), 'code')} attempt=1",
            f"09:14:05 order={postmortem.lookalike('order-number', 'ORD-20260122-0917', 'code')} "
            f"session={postmortem.lookalike('uuid', v.uuid(), 'code')}",
        ]))
        + h(2, "Follow-ups") + ul("Mask PANs in the logger", "Alert on vault p99 &gt; 500&nbsp;ms")
    )
    errors = s.attachment(postmortem, "checkout-errors.log", "text/plain", "Tom Okafor", "raw log excerpt")
    errors.file_bytes = "\n".join([
        f"2026-01-22T09:13:58Z ERROR authorise failed pan={errors.plant('credit-card', v.credit_card('visa', ' '), 'attachment')}",
        f"2026-01-22T09:13:59Z ERROR authorise failed pan={errors.plant('credit-card', v.credit_card('amex', ''), 'attachment')}",
        f"2026-01-22T09:14:00Z WARN  customer={errors.plant('email', email_of('Jane Doe', 'gmail.com'), 'attachment')} retry=2",
        f"2026-01-22T09:14:01Z INFO  ref={errors.lookalike('credit-card', v.luhn_invalid_16(''), 'attachment')} ts=1769073241",
        "",
    ]).encode()
    pm_comment = s.comment(postmortem, "Elena Petrova")
    pm_comment.body = p("The customer who called support read out ",
                        pm_comment.plant("credit-card", v.credit_card("visa", "-"), "comment"), " on the recorded line.")

    rotated = s.blogpost("How we rotated 400 secrets in a week", "Elena Petrova", edits=1)
    rotated.body = (
        p("Long-lived keys are the biggest finding in every audit. The worst offender was ",
          rotated.plant("aws-access-key-id", v.aws_access_key_id(), "prose"), ", used by 14 services.")
        + p("Tokens with a broken checksum, like ", "<code>" + rotated.lookalike("github-classic-pat", v.ghp_bad_checksum(), "prose")
            + "</code>", ", were typos in config files and needed no rotation.")
        + p("A real one we found in a README: ", rotated.plant("github-classic-pat", v.github_classic_pat(), "prose"), ".")
    )
    report = s.attachment(rotated, "rotation-report.txt", "text/plain", "Elena Petrova", "rotation report")
    report.file_bytes = "\n".join([
        "service            old_key               status",
        f"checkout           {report.plant('aws-access-key-id', v.aws_access_key_id(), 'attachment')}  rotated",
        f"ledger             {report.plant('aws-access-key-id', v.aws_access_key_id(), 'attachment')}  rotated",
        f"docs-example       {report.lookalike('aws-access-key-id', 'AKIAIOSFODNN7EXAMPLE', 'attachment')}  ignored",
        f"ci                 {report.plant('github-classic-pat', v.github_classic_pat(), 'attachment')}  revoked",
        "",
    ]).encode()
    rot_comment = s.comment(rotated, "Marcus Chen")
    rot_comment.body = p("Missed one in the payouts repo: ",
                         rot_comment.plant("aws-access-key-id", v.aws_access_key_id(), "comment"), ".")

    enrollment = s.blogpost("Open enrollment is open", "Hannah Becker")
    enrollment.body = (
        p("Open enrollment runs from ", date("2026-03-01"), " to ", date("2026-03-31"), ". Questions to ",
          enrollment.plant("email", "benefits@acme-corp.com", "prose"), ".")
        + p("The on-site clinic&rsquo;s NPI is ", enrollment.plant("us-npi", v.us_npi(), "prose"), ".")
    )
    providers = s.attachment(enrollment, "providers.csv", "text/csv", "Hannah Becker", "provider directory")
    provider_rows = ["provider,npi,phone"]
    for name in ["Obi Family Medicine", "Brandt Physio", "Lakeside Dental"]:
        provider_rows.append(f"{name},{providers.plant('us-npi', v.us_npi(), 'attachment')},"
                             f"{providers.lookalike('phone', f'415-555-{v.rng.randint(100, 199):04d}', 'attachment')}")
    provider_rows.append(f"Pending provider,{providers.lookalike('us-npi', v.npi_invalid(), 'attachment')},n/a")
    providers.file_bytes = ("\n".join(provider_rows) + "\n").encode()
    enroll_comment = s.comment(enrollment, "Sofia Alvarez")
    enroll_comment.body = p("Please send forms to ", enroll_comment.plant("email", email_of("Hannah Becker"), "comment"),
                            ", not to the shared inbox.")

    hackathon = s.blogpost("Q1 hackathon winners", "Priya Raman")
    hack_inline = s.comment(hackathon, "Tom Okafor", inline_selection="flame graphs")
    hackathon.body = (
        p("First place: live ", s.inline_marker(hack_inline), " for every service, shipped as version ",
          hackathon.lookalike("version", "0.9.0-beta.3", "prose"), ".")
        + p("Second place: a Slack bot that answers &ldquo;who owns this?&rdquo;.")
    )
    congrats = s.comment(hackathon, "Elena Petrova")
    congrats.body = p("Congrats to both teams &ndash; the flame graphs are already in the SEV review template.")
    hack_inline.body = p("These saved us hours during the ", date("2026-02-14"), " deploy.")

    ci = s.blogpost("Migrating CI to ARM runners", "Luis Ortega", edits=1)
    ci.body = (
        p("Builds are 38% faster on ARM. The runner registration script needs a token with <code>repo</code> scope:")
        + code("bash", "\n".join([
            f"./config.sh --url https://github.com/acme-corp --token {ci.plant('github-classic-pat', v.github_classic_pat(), 'code')}",
            f"# pinned image {ci.lookalike('sha256', v.sha256_hex(), 'code')}",
            f"# runner commit {ci.lookalike('git-sha', v.git_sha(), 'code')}",
        ]))
    )
    ci_comment = s.comment(ci, "Marcus Chen")
    ci_comment.body = p("The cache database for the runners is ",
                        ci_comment.plant("postgres-connection-string", v.postgres_url("runner", "ci-cache", "cache"), "comment"),
                        " if anyone needs it.")

    travel = s.blogpost("Travel card policy update", "Sofia Alvarez")
    travel_card = travel.plant("credit-card", v.credit_card("mastercard", " "), "split-tags")
    travel.body = (
        p("From April, travel is booked on the team card only. The card for the platform team is ",
          split_value(travel_card, 4, "em"), ".")
        + p("Report loss to ", travel.plant("email", "travel-desk@acme-corp.com", "prose"), " within 24 hours.")
    )
    travel_comment = s.comment(travel, "Daniel Kim")
    travel_comment.body = p("Can finance get the statement for card ending ", travel_comment.lookalike("card-last4", travel_card[-4:], "comment"), "?")
