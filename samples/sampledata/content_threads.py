"""Comment threads: replies under a footer comment (one of them a reply to a reply) and under an
inline comment, each holding a value that only a crawler reading whole threads finds."""

from .model import Space
from .storage import p


def build_threads(s: Space) -> None:
    v = s.values
    roots = [i for i in s.items if i.kind == "comment" and "parentCommentId" not in i.meta]
    footer = next(c for c in roots if c.meta["location"] == "footer" and c.container.kind == "page")
    inline = next(c for c in roots if c.meta["location"] == "inline" and c.container.kind == "page")

    rotated = s.reply(footer, "Marcus Chen")
    rotated.body = p("Rotated it. Until the vault entry lands, the deploy job uses ",
                     rotated.plant("aws-access-key-id", v.aws_access_key_id(), "comment"), ".")
    escalation = s.reply(rotated, "Elena Petrova")
    escalation.body = p("Please keep keys out of comments. Page ",
                        escalation.plant("email", "secops-oncall@acme-corp.com", "comment"),
                        " and they will rotate it again.")

    payroll = s.reply(inline, "Nadia Haddad")
    payroll.body = p("HR asked for it here, so: ", payroll.plant("us-ssn", v.us_ssn(), "comment"),
                     ". Can someone move this to the HR system?")
