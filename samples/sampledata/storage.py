"""Builders for Confluence storage-format XHTML fragments.

Text passed to `p`, `li`, `td` etc. is already markup (it may hold inline tags and entities
such as `&nbsp;` that XML itself does not define, as Confluence writes them); code bodies go
into CDATA verbatim.
"""


def p(*parts: str) -> str:
    return "<p>" + "".join(parts) + "</p>"


def h(level: int, text: str) -> str:
    return f"<h{level}>{text}</h{level}>"


def ul(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def ol(*items: str) -> str:
    return "<ol>" + "".join(f"<li>{i}</li>" for i in items) + "</ol>"


def table(header: list[str], rows: list[list[str]]) -> str:
    head = "<tr>" + "".join(f"<th>{c}</th>" for c in header) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tbody>{head}{body}</tbody></table>"


def code(language: str, text: str, title: str | None = None) -> str:
    assert "]]>" not in text
    title_param = f'<ac:parameter ac:name="title">{title}</ac:parameter>' if title else ""
    return (
        '<ac:structured-macro ac:name="code" ac:schema-version="1">'
        f'<ac:parameter ac:name="language">{language}</ac:parameter>{title_param}'
        f"<ac:plain-text-body><![CDATA[{text}]]></ac:plain-text-body></ac:structured-macro>"
    )


def noformat(text: str) -> str:
    assert "]]>" not in text
    return (
        '<ac:structured-macro ac:name="noformat" ac:schema-version="1">'
        f"<ac:plain-text-body><![CDATA[{text}]]></ac:plain-text-body></ac:structured-macro>"
    )


def info(*inner: str) -> str:
    return _rich("info", "".join(inner))


def warning(*inner: str) -> str:
    return _rich("warning", "".join(inner))


def panel(title: str, *inner: str) -> str:
    return _rich("panel", "".join(inner), f'<ac:parameter ac:name="title">{title}</ac:parameter>')


def _rich(name: str, inner: str, params: str = "") -> str:
    return (
        f'<ac:structured-macro ac:name="{name}" ac:schema-version="1">{params}'
        f"<ac:rich-text-body>{inner}</ac:rich-text-body></ac:structured-macro>"
    )


def page_link(title: str, text: str | None = None) -> str:
    body = f"<ac:plain-text-link-body><![CDATA[{text}]]></ac:plain-text-link-body>" if text else ""
    return f'<ac:link><ri:page ri:content-title="{title}"/>{body}</ac:link>'


def mention(account_id: str) -> str:
    return f'<ac:link><ri:user ri:account-id="{account_id}"/></ac:link>'


def image(filename: str) -> str:
    return f'<ac:image ac:width="600"><ri:attachment ri:filename="{filename}"/></ac:image>'


def attachment_link(filename: str) -> str:
    return f'<ac:link><ri:attachment ri:filename="{filename}"/></ac:link>'


def date(iso_day: str) -> str:
    return f'<time datetime="{iso_day}"/>'


def status(text: str, colour: str = "Green") -> str:
    return (
        '<ac:structured-macro ac:name="status" ac:schema-version="1">'
        f'<ac:parameter ac:name="colour">{colour}</ac:parameter>'
        f'<ac:parameter ac:name="title">{text}</ac:parameter></ac:structured-macro>'
    )


def toc() -> str:
    return '<ac:structured-macro ac:name="toc" ac:schema-version="1"/>'


def split_value(value: str, cut: int, tag: str = "strong") -> str:
    """A value broken across an inline tag, as editors leave it: `<strong>4111 1111</strong> 1111 1111`."""
    return f"<{tag}>{value[:cut]}</{tag}>{value[cut:]}"
