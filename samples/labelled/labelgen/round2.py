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


# Words people build passwords from when a policy asks for something memorable.
_PASS_WORDS = ["harbor", "violet", "granite", "maple", "comet", "saffron", "glacier", "orchid",
               "copper", "meadow", "falcon", "ember", "tundra", "lantern", "cobalt", "willow"]
_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}


def _dotted_password(r: Rand) -> str:
    """Two or three words joined by dots, with letters swapped for digits and a tail: what a
    person types as `Gr4nite.Maple.19`, and a code reference never looks like."""
    words = r.sample(_PASS_WORDS, r.int(2, 3))
    out = []
    for w in words:
        w = w.capitalize() if r.chance(0.7) else w
        hits = [i for i, c in enumerate(w) if c.lower() in _LEET]
        i = r.choice(hits)
        out.append(w[:i] + _LEET[w[i].lower()] + w[i + 1:])
    return ".".join(out) + r.choice(["", r.digits(2), "!", "#" + r.digits(1)])


def dotted_property_passwords(corpus, r: Rand, index: int) -> None:
    """Passwords under dotted property keys, in .properties, YAML and INI layouts, next to
    dotted keys whose values name where the password is kept."""
    d = corpus.doc(f"configs/service-{index:02d}.properties")
    d.line("# Copied from the staging host while debugging the pool; rotate after use.")
    for key in r.sample(["spring.datasource.password", "spring.datasource.hikari.password",
                         "db.master.password", "app.mail.smtp.password", "ldap.bind.password",
                         "spring.rabbitmq.password", "keystore.password", "quartz.jdbc.password"], 4):
        sep = r.choice(["=", " = ", ": ", ":"])
        d.line(key, sep, P(_dotted_password(r), "secret", "password"))
    d.line("spring.datasource.url=jdbc:postgresql://db-", r.digits(2), ".acme-corp.internal:5432/orders")
    for key, ref in [("db.replica.password", "config.db.replica_password"),
                     ("app.cache.password", "settings.CACHE_PASSWORD"),
                     ("sftp.password", "vault.secrets.sftp_password")]:
        d.line(key, "=", L(ref, "secret", "password-code-reference"))
    y = corpus.doc(f"configs/datasource-{index:02d}.yaml")
    y.line("spring:").line("  datasource:").line("    username: orders_app")
    y.line("    password: ", P(_dotted_password(r), "secret", "password"))
    y.line("  rabbitmq:").line("    password: ", L("${RABBIT_PASSWORD}", "secret", "password-placeholder"))
    i = corpus.doc(f"configs/replication-{index:02d}.ini")
    i.line("[master]").line("host = db-", r.digits(2), ".acme-corp.internal")
    i.line("master.password = ", P(_dotted_password(r), "secret", "password"))
    i.line("[replica]").line("replica.password = ", L("env.REPLICA_PASSWORD", "secret", "password-code-reference"))


def code_reading_values(corpus, r: Rand, index: int) -> None:
    """Code that handles passwords without holding one: the value is an expression (a
    reference, an index, a call, a macro, a template). A literal assigned in the same code is
    a password."""
    d = corpus.doc(f"code/credentials-{index:02d}.rs")
    d.line("fn connect(args: &[String], cfg: &Config) -> Result<Pool, Error> {")
    for expr in r.sample(["&args[3]", "cfg.db.password.clone()", "format!(\"{}{}\", a, b)",
                          "std::env::var(\"DB_PASSWORD\")?", "secrets::read(\"db\")?",
                          "prompt_password(\"DB password: \")?", "&matches.value_of(\"pass\")"], 4):
        var = r.choice(["password", "db_password", "admin_password", "owner_password"])
        d.line("    let ", var, " = ", L(expr, "secret", "password-code-expression"), ";")
    d.line("    // TODO remove before merging: the staging pool's password")
    d.line("    let password = \"", P(_dotted_password(r).replace(".", "-"), "secret", "password"), "\";")
    d.line("    Pool::connect(&cfg.url, password)")
    d.line("}")
    p = corpus.doc(f"code/login-{index:02d}.py")
    for expr in r.sample(["request.form['password']", "getpass.getpass()", "os.environ['SMTP_PASSWORD']",
                          "kwargs.get('password')", "self._vault.read(path)['password']"], 3):
        p.line("password = ", L(expr, "secret", "password-code-expression"))
    p.line("ADMIN_PASSWORD = '", P(_dotted_password(r), "secret", "password"), "'  # temporary, see INC-", r.digits(4))


def repeated_examples(corpus, r: Rand, index: int) -> None:
    """A value documentation gives as an example stays one where the text uses it again: the
    words that make it an example stand at its first mention only. A number a person holds,
    in the same document, is found."""
    d = corpus.doc(f"prose/contact-api-{index:02d}.md")
    d.line(f"# Phone numbers in the contact API, part {index}").blank()
    a, e, n = pp._us_number(r)
    sample = f"({a}) {e}-{n}"
    d.line("The `phone` field takes one number. Extensions after it are cut, for instance")
    d.line(L(sample, "pii", "phone-example-sentence"), f" x{r.digits(3)}/x{r.digits(4)} is stored as")
    d.line("its first extension only.").blank()
    d.line("Why: the second extension makes the value two numbers, ",
           L(sample, "pii", "phone-example-repeated"), f" x{r.digits(3)} and")
    d.line(L(sample, "pii", "phone-example-repeated"), f" x{r.digits(4)}, and the field holds one.").blank()
    a, e, n = pp._us_number(r)
    d.line("Questions about the field go to its owner, on call this month at ",
           P(f"({a}) {e}-{n}", "pii", "phone"), ".")


# How a style guide introduces an example in each language, and the word for the number.
EXAMPLE_WORDS = {
    "DE": ("Rufnummer", "zum Beispiel"),
    "FR": ("numéro de portable", "par exemple"),
    "ES": ("teléfono móvil", "por ejemplo"),
    "IT": ("cellulare", "ad esempio"),
    "NL": ("mobiel nummer", "bijvoorbeeld"),
    "SE": ("mobilnummer", "till exempel"),
    "PL": ("numer telefonu", "na przykład"),
    "BR": ("celular", "por exemplo"),
    "GB": ("mobile no.", "for example"),
    "ZA": ("cellphone", "e.g."),
}


def national_examples(corpus, r: Rand, index: int) -> None:
    """A style guide shows how each country writes a number, with an example in the
    country's own words: nobody's number. The office's own line, in the same guide, is found."""
    from . import phone

    d = corpus.doc(f"prose/number-style-guide-{index:02d}.md")
    d.line(f"# Writing phone numbers, style guide part {index}").blank()
    countries = list(EXAMPLE_WORDS)
    r.shuffle(countries)
    for country in countries[:6]:
        word, marker = EXAMPLE_WORDS[country]
        number = r.fresh(lambda: phone.national(r, country))
        d.line("- ", country, ": write the ", word, " nationally, ", marker, " ",
               L(number, "pii", "phone-example-national"), ".")
    d.blank()
    country = r.choice(["DE", "FR", "NL", "SE"])
    word, _ = EXAMPLE_WORDS[country]
    number = r.fresh(lambda: phone.national(r, country))
    d.line("Questions go to the editor on duty, ", word, " ", P(number, "pii", "phone"), ".")


# Names documentation gives a made-up person, in the languages our wikis are written in.
PLACEHOLDER_PEOPLE = ["John Doe", "Jane Doe", "Max Mustermann", "Erika Mustermann", "Joe Bloggs",
                      "Ola Nordmann"]


def sample_records(corpus, r: Rand, index: int) -> None:
    """An API's documentation shows a request body for a made-up person (John Doe, Max
    Mustermann): the address in it is as made up as the name. A customer's address in the
    same page, where support writes where a replacement ships, is found."""
    d = corpus.doc(f"prose/customer-api-samples-{index:02d}.md")
    d.line(f"# Customer API, request samples part {index}").blank()
    people = list(PLACEHOLDER_PEOPLE)
    r.shuffle(people)
    for person in people[:3]:
        d.line("A request that creates a customer record:").blank()
        d.line("```json").line("{")
        d.line('  "name": "', person, '",')
        d.line(f'  "loyalty_tier": {r.int(1, 4)},')
        d.line('  "shipping": {')
        d.line('    "address": "', L(pp.address(r), "pii", "placeholder-person-address"), '"')
        d.line("  }").line("}").line("```").blank()
    # The client library's documentation, pasted from its source: a doc comment's `//!` on
    # every line of the example.
    d.line("The Rust client documents the same record:").blank()
    d.line("```rust").line("//! Creates a customer.").line("//!").line("//! ```")
    d.line("//! let customer = Customer {")
    d.line('//!     name: "', people[3], '".into(),')
    d.line(f"//!     loyalty_tier: {r.int(1, 4)},")
    d.line("//!     marketing_opt_in: false,")
    d.line('//!     shipping_address: "', L(pp.address(r), "pii", "placeholder-person-address"), '".into(),')
    d.line("//! };").line("//! ```").line("```").blank()
    first, last = pp.name(r)
    d.line("## Escalations").blank()
    d.line(f"The replacement unit for ticket CS-{r.digits(5)} ships to {first} {last}, home address ",
           P(pp.address(r), "pii", "postal-address"), ".")
