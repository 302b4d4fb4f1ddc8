"""Cases of the classes of error found after the corpus first passed (issue 18), built last so
that every file before them keeps its bytes.

Each builder plants the values a scanner got wrong, in words and values of its own, next to
the look-alikes that must stay quiet.
"""

from . import people as pp
from .doc import L, P
from .rand import Rand

# Real organisations' domains that hold a word documentation uses: none is reserved.
WORDED_DOMAINS = ["example-health.org", "samplefoods.com", "test-kitchen.es", "examplify.dev",
                  "contesto.it", "latest-logistics.co.uk", "dummy-lane-bakery.ie", "mytestlab.de"]
# What RFC 2606 and RFC 6761 do reserve.
RESERVED = ["example.com", "example.net", "example.org", "docs.example", "qa.test",
            "intranet.invalid", "build.localhost", "mail.example.com"]


def vendor_contacts(corpus, r: Rand, index: int) -> None:
    d = corpus.doc(f"prose/vendor-contacts-{index:02d}.md")
    d.line(f"# Vendor contacts, region {index}").blank()
    d.line("Named contacts at our suppliers, kept for escalations.").blank()
    for _ in range(6):
        first, last = pp.name(r)
        local = r.choice([f"{first}.{last}", f"{first[0]}{last}", f"{last}"]).lower()
        domain = r.choice(WORDED_DOMAINS)
        address = r.fresh(lambda: f"{local}@{domain}")
        d.line("- ", first, " ", last, " handles the account: ", P(address, "pii", "email"), ".")
    d.blank()
    d.line("## In templates").blank()
    for _ in range(3):
        mailbox = r.choice(["someone", "vendor.contact", "first.last", "accounts"])
        d.line("- Forms show ", L(f"{mailbox}@{r.choice(RESERVED)}", "pii", "reserved-domain-email"),
               " where the supplier's address goes.")
