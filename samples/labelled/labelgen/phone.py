"""Telephone numbers of many countries, as people write them, next to what only looks like one.

Planted numbers are drawn from each regulator's published plan (the national destination codes
and lengths listed with the ITU), written with the country code or nationally beside a word
saying what they are. Look-alikes are the ranges regulators reserve for fiction (North America's
555-0100..0199, Ofcom's drama numbers, ACMA's), freephone lines, and the digit groups of source
code: hex tables, decimal arrays, versions, timestamps, addresses, dates and order numbers.
"""

from . import people as pp
from .doc import L, P
from .rand import Rand

def _nanp_exchange(r: Rand) -> str:
    """NXX: 2-9 then two digits, neither an N11 service code nor the 555 fiction exchange."""
    return r.fresh(lambda: str(r.int(2, 9)) + str(r.int(2, 9)) + r.digits(1)).replace("555", "556")


# country: (calling code, trunk prefix, national number makers). Each maker returns the groups
# of a national significant number in the country's usual grouping, from its plan's mobile or
# geographic blocks.
PLANS = {
    "US": ("1", "1", [lambda r: [r.choice(["212", "312", "617", "206", "303", "512", "404", "713"]),
                                 _nanp_exchange(r), r.digits(4)]]),
    "GB": ("44", "0", [lambda r: ["7" + r.choice(["123", "234", "305", "418", "520", "812"]), r.digits(6)],
                       lambda r: ["20", "8" + r.digits(3), r.digits(4)]]),
    "DE": ("49", "0", [lambda r: ["151", str(r.int(1, 9)) + r.digits(7)],
                       lambda r: ["30", str(r.int(2, 9)) + r.digits(7)]]),
    "FR": ("33", "0", [lambda r: ["6"] + [r.choice(["12", "45", "71", "80"])] + [r.digits(2) for _ in range(3)],
                       lambda r: ["1"] + [str(r.int(40, 79))] + [r.digits(2) for _ in range(3)]]),
    "IN": ("91", "0", [lambda r: [r.choice(["98", "99", "94"]) + r.digits(3), r.digits(5)]]),
    "BR": ("55", "0", [lambda r: [r.choice(["11", "21", "31", "41", "51"]), "9" + str(r.int(6, 9)) + r.digits(3), r.digits(4)]]),
    "ES": ("34", "", [lambda r: ["6" + r.digits(2), r.digits(3), r.digits(3)]]),
    "IT": ("39", "", [lambda r: ["3" + r.choice(["33", "47", "49", "20"]), r.digits(3), r.digits(4)]]),
    "NL": ("31", "0", [lambda r: ["6", str(r.int(1, 5)) + r.digits(7)]]),
    "AU": ("61", "0", [lambda r: ["4" + r.choice(["12", "23", "01", "38"]), r.digits(3), r.digits(3)]]),
    "JP": ("81", "0", [lambda r: [r.choice(["90", "80"]), str(r.int(1, 9)) + r.digits(3), r.digits(4)]]),
    "MX": ("52", "", [lambda r: ["55", str(r.int(2, 9)) + r.digits(3), r.digits(4)]]),
    "SG": ("65", "", [lambda r: ["9" + str(r.int(0, 8)) + r.digits(2), r.digits(4)]]),
    "KR": ("82", "0", [lambda r: ["10", str(r.int(2, 9)) + r.digits(3), r.digits(4)]]),
    "ZA": ("27", "0", [lambda r: [r.choice(["82", "83", "72", "73"]), r.digits(3), r.digits(4)]]),
    "SE": ("46", "0", [lambda r: [r.choice(["70", "72", "76"]), r.digits(3), r.digits(2), r.digits(2)]]),
    "CH": ("41", "0", [lambda r: [r.choice(["76", "78", "79"]), r.digits(3), r.digits(2), r.digits(2)]]),
    "PL": ("48", "", [lambda r: [r.choice(["501", "602", "691", "731"]), r.digits(3), r.digits(3)]]),
    "IE": ("353", "0", [lambda r: [r.choice(["83", "85", "86", "87"]), r.digits(3), r.digits(4)]]),
}

# How a number is introduced in each country's own language, and how it is written there.
NATIONAL = {
    "US": ("cell phone", lambda g: f"({g[0]}) {g[1]}-{g[2]}"),
    "GB": ("mobile no.", lambda g: "0" + " ".join(g)),
    "DE": ("Rufnummer", lambda g: f"0{g[0]} / {g[1]}"),
    "FR": ("numéro de portable", lambda g: "0" + " ".join(g)),
    "IN": ("mobile no.", lambda g: f"0{g[0]}-{g[1]}"),
    "BR": ("celular", lambda g: f"({g[0]}) {g[1]}-{g[2]}"),
    "ES": ("teléfono móvil", lambda g: " ".join(g)),
    "IT": ("cellulare", lambda g: f"{g[0]} {g[1]}{g[2]}"),
    "NL": ("mobiel nummer", lambda g: f"0{g[0]}-{g[1]}"),
    "AU": ("mobile", lambda g: "0" + " ".join(g)),
    "JP": ("携帯電話", lambda g: "0" + "-".join(g)),
    "MX": ("teléfono celular", lambda g: f"{g[0]} {g[1]} {g[2]}"),
    "SG": ("contact number", lambda g: " ".join(g)),
    "KR": ("휴대폰 번호", lambda g: "0" + "-".join(g)),
    "ZA": ("cellphone", lambda g: "0" + " ".join(g)),
    "SE": ("mobilnummer", lambda g: f"0{g[0]}-{g[1]} {g[2]} {g[3]}"),
    "CH": ("Natel", lambda g: "0" + " ".join(g)),
    "PL": ("numer telefonu", lambda g: " ".join(g)),
    "IE": ("mobile phone", lambda g: "0" + " ".join(g)),
}


def _groups(r: Rand, country: str) -> list[str]:
    return r.choice(PLANS[country][2])(r)


def international(r: Rand, country: str) -> str:
    code = PLANS[country][0]
    g = _groups(r, country)
    layouts = [
        lambda: f"+{code} " + " ".join(g),
        lambda: f"+{code}-" + "-".join(g),
        lambda: f"+{code}" + "".join(g),
        lambda: f"00{code} " + " ".join(g),
    ]
    if len(g[0]) <= 3:  # an area or mobile code in parentheses
        layouts.append(lambda: f"+{code} ({g[0]}) " + " ".join(g[1:]))
    return r.choice(layouts)()


def national(r: Rand, country: str) -> str:
    return NATIONAL[country][1](_groups(r, country))


def team_directory(corpus, r: Rand, index: int) -> None:
    """A regional team page: each person's number with its country code or, in their own
    country's words, nationally."""
    d = corpus.doc(f"prose/team-directory-{index:02d}.md")
    d.line(f"# Field team directory, wave {index}").blank()
    d.line("On-site leads by country. Personal numbers: do not share outside the team.").blank()
    countries = list(PLANS)
    r.shuffle(countries)
    for country in countries[:10]:
        first, last = pp.name(r)
        if r.chance(0.5):
            number = r.fresh(lambda: international(r, country))
            d.line("- ", first, " ", last, " (", country, "), reachable on ", P(number, "pii", "phone"), " during site visits.")
        else:
            word, _ = NATIONAL[country]
            number = r.fresh(lambda: national(r, country))
            d.line("- ", first, " ", last, " (", country, ") ", word, ": ", P(number, "pii", "phone"))
    # Digits in a row are a number right after their label.
    first, last = pp.name(r)
    country = r.choice(["GB", "DE", "FR", "NL", "ZA", "IE", "AU"])
    compact = r.fresh(lambda: "0" + "".join(_groups(r, country)))
    d.line("- Night desk (", country, "): ", first, " ", last, ", Tel:", P(compact, "pii", "phone"))
    d.blank().line("## Numbers that reach nobody").blank()
    fiction = [
        f"+1 {r.choice(['212', '415', '617'])} 555 01{r.digits(2)}",
        f"({r.choice(['312', '646', '206'])}) 555-01{r.digits(2)}",
        f"020 7946 0{r.digits(3)}",
        f"0113 496 0{r.digits(3)}",
        f"07700 900{r.digits(3)}",
        f"+44 1632 960{r.digits(3)}",
        f"0491 570 {r.digits(3)}",
        f"+61 2 5550 {r.digits(4)}",
    ]
    for number in r.sample(fiction, 4):
        d.line("- The training video shows the phone number ", L(number, "pii", "fiction-phone"), "; it is reserved for drama and rings nowhere.")
    for number in [f"+44 800 {r.int(100, 999)} {r.digits(4)}", f"1-800-{r.int(220, 989)}-{r.digits(4)}"]:
        d.line("- Customers call the freephone line ", L(number, "pii", "freephone"), " for the help desk.")


def code_lookalikes(corpus, r: Rand, index: int) -> None:
    """Source and logs with digit groups next to words a phone rule listens for (call, cell,
    mobile, contact): none of them is a number anyone holds."""
    d = corpus.doc(f"code/phone-lookalikes-{index:02d}.rs")
    d.line("// Emoji ranges the mobile keyboard must render; call sites in keyboard.rs.")
    d.line("pub const EMOJI: &[(u32, u32)] = &[")
    for _ in range(3):
        lo = r.int(0x1F300, 0x1F6FF)
        d.line("    (", L(f"0x{lo:X}, 0x{lo + r.int(15, 80):X}", "pii", "hex-table"), "),")
    d.line("];")
    d.line("// cell widths of the ASCII classes, as in the C table")
    digits = ", ".join(str(r.int(30, 130)) for _ in range(6))
    d.line("static CELL_CLASSES: [u8; 6] = [", L(digits, "pii", "decimal-array"), "];")
    d.line("fn call_contact_api() { // mobile build ", L(f"v{r.int(1, 9)}.{r.int(0, 40)}.{r.int(0, 99)}", "pii", "version-string"), " }")
    ts = f"{r.int(2019, 2026)}-{r.int(1, 12):02d}-{r.int(1, 28):02d} {r.int(0, 23):02d}:{r.int(0, 59):02d}:{r.int(0, 59):02d}"
    d.line("// last call logged at ", L(ts, "pii", "timestamp"), " from ", L(f"10.{r.int(0, 255)}.{r.int(0, 255)}.{r.int(1, 254)}", "pii", "ip-address"))
    d.line("// contact form, order ", L(f"{r.int(2019, 2026)}-{r.digits(4)}-{r.digits(4)}", "pii", "order-number"),
           ", ticket ", L(f"#{r.digits(9)}", "pii", "ticket-id"))
    d.line("// phone field stays empty until ", L(f"{r.int(1, 28):02d}.{r.int(1, 12):02d}.{r.int(2025, 2027)}", "pii", "date"))
