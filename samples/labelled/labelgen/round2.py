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


def declined_payments(corpus, r: Rand, index: int) -> None:
    """Expiry dates and CVVs are card data next to a card number that validates; next to a
    mistyped one (it fails the Luhn check) they are dates and three digits."""
    from . import lookalikes as lk
    from .cards_health import BRAND_NAMES, _card

    d = corpus.doc(f"prose/declined-payments-{index:02d}.md")
    d.line(f"# Declined payments, batch {index}").blank()
    for _ in range(4):
        brand, card = _card(r)
        d.line("- Retried the ", BRAND_NAMES[brand], " card ", card, " valid thru ",
               P(pp.expiry(r), "pci", "card-expiry"), " and security code ", P(pp.cvv(r, "visa"), "pci", "card-cvv"), ".")
    d.blank().line("## Typed wrong by the customer").blank()
    for _ in range(4):
        d.line("- Rejected as mistyped: card ", L(lk.luhn_invalid_card(r), "pci", "luhn-invalid-card"),
               " valid thru ", L(pp.expiry(r), "pci", "expiry-next-to-invalid-card"),
               " and security code ", L(pp.cvv(r, "visa"), "pci", "cvv-next-to-invalid-card"), ".")


def account_references(corpus, r: Rand, index: int) -> None:
    """A number cut out of a longer identifier is not that number: sixteen digits of an
    account reference are no card, nine of a ticket id no SSN. The same numbers standing on
    their own are found."""
    from .cards_health import _card

    d = corpus.doc(f"prose/account-references-{index:02d}.md")
    d.line(f"# Settlement references, batch {index}").blank()
    for _ in range(4):
        prefix = r.choice(["ACC", "SETL", "REF", "TXN"])
        _, card = _card(r, "visa")
        digits = card.value.replace(" ", "").replace("-", "")
        ref = f"{prefix}-{digits}-{r.digits(2)}"
        d.line("- Ledger entry ", L(ref, "pci", "card-digits-inside-reference"), " was settled overnight.")
        d.line("- The customer's card on file is ", card, ".")
    for _ in range(2):
        ssn = pp.ssn(r)
        d.line("- Ticket ", L(f"HR-{ssn.replace('-', '').replace(' ', '')}-{r.digits(3)}", "pii", "ssn-digits-inside-ticket"),
               " was closed; the employee's SSN ", P(ssn, "pii", "us-ssn"), " is in the HR system.")
