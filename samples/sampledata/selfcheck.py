"""Checks that the generated space says what expected.json says, before anything is written.

The scanner here is deliberately stricter than a production detector (any separator pattern,
no context needed), so a look-alike or stray number that a real detector might flag is caught
at generation time rather than as a flaky test later.
"""

import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from html.entities import name2codepoint

from .model import Item
from .values import AWS_DOC_EXAMPLE, CURRENT_DETECTORS, card_valid, email_valid, ghp_valid, npi_valid, ssn_valid

BLOCK_TAGS = r"p|li|td|th|tr|h[1-6]|br|table|tbody|ul|ol|ac:parameter|ac:rich-text-body|ac:plain-text-body|ac:structured-macro"
XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def check_well_formed(item: Item) -> None:
    """Storage format is XML once HTML entities are declared; make sure ours parses."""

    def numeric(m: re.Match) -> str:
        name = m.group(1)
        if name in XML_ENTITIES:
            return m.group(0)
        assert name in name2codepoint, f"unknown entity &{name}; in {item.id}"
        return f"&#{name2codepoint[name]};"

    doc = re.sub(r"&([A-Za-z][A-Za-z0-9]*);", numeric, item.body)
    wrapped = ('<root xmlns:ac="http://atlassian.com/content" xmlns:ri="http://atlassian.com/resource/identifier">'
               + doc + "</root>")
    ET.fromstring(wrapped)


def storage_text(xhtml: str) -> str:
    """Text a reader sees: CDATA kept, block tags become spaces, inline tags vanish."""
    text = xhtml.replace("<![CDATA[", "").replace("]]>", "")
    text = re.sub(rf"</?(?:{BLOCK_TAGS})\b[^>]*>", " ", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text)


def attachment_text(item: Item) -> str | None:
    """Extract text the way a later extractor would; None for images (OCR is not run here)."""
    title = item.meta["title"]
    data = item.file_bytes
    if title.endswith((".txt", ".csv", ".log", ".env", ".json", ".yaml")):
        return data.decode("utf-8")
    if title.endswith((".png", ".jpg", ".gif", ".tiff", ".bmp", ".webp", ".xls")):
        # Images and BIFF are not parsed here: the builder records the text it rendered or
        # wrote, or there is none (an image with nothing but OCR-only values to check).
        return item.text or None
    if title.endswith(".pdf"):
        strings = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data)
        return "\n".join(re.sub(rb"\\(.)", rb"\1", s).decode("latin-1") for s in strings)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = []
        for name in zf.namelist():
            raw = zf.read(name).decode("utf-8")
            if title.endswith(".zip"):
                parts.append(raw)
            elif title.endswith(".pptx") and name.startswith(("ppt/slides/slide", "ppt/notesSlides/")):
                parts.extend(html.unescape(t) for t in re.findall(r"<a:t>([^<]*)</a:t>", raw))
            elif title.endswith(".ods") and name == "content.xml":
                parts.extend(html.unescape(t) for t in re.findall(r"<text:p>([^<]*)</text:p>", raw))
            elif name in ("word/document.xml",):
                parts.extend(re.sub(r"<[^>]+>", "", para) for para in re.findall(r"<w:p>.*?</w:p>", raw))
            elif name in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"):
                parts.extend(html.unescape(t) for t in re.findall(r"<(?:t|v)>([^<]*)</(?:t|v)>", raw)
                             if name.endswith("sharedStrings.xml") or t.isdigit() and len(t) >= 6)
        return "\n".join(parts)


def sensitive_hits(text: str) -> list[tuple[str, str]]:
    """(detector, value) for every validated candidate of a current detector."""
    hits = []
    for m in re.finditer(r"(?<![A-Z0-9])AKIA[A-Z2-7]{16}(?![A-Z0-9])", text):
        if m.group(0) != AWS_DOC_EXAMPLE:
            hits.append(("aws-access-key-id", m.group(0)))
    for m in re.finditer(r"ghp_[A-Za-z0-9]{36}(?![A-Za-z0-9])", text):
        if ghp_valid(m.group(0), True) or ghp_valid(m.group(0), False):
            hits.append(("github-classic-pat", m.group(0)))
    for m in re.finditer(r"\d(?:[ -]?\d)*", text):
        groups = re.split(r"[ -]", m.group(0))
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                digits = "".join(groups[i:j])
                if 13 <= len(digits) <= 19 and card_valid(digits):
                    hits.append(("credit-card", digits))
    for m in re.finditer(r"(?<!\d)(\d{3})([- ])(\d{2})\2(\d{4})(?!\d)", text):
        if ssn_valid(m.group(0)):
            hits.append(("us-ssn", m.group(1) + m.group(3) + m.group(4)))
    for m in re.finditer(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", text):
        if email_valid(m.group(0)):
            hits.append(("email", m.group(0)))
    for m in re.finditer(r"(?<!\d)\d{10}(?!\d)", text):
        if npi_valid(m.group(0)):
            hits.append(("us-npi", m.group(0)))
    return hits


def normalise(detector: str, value: str) -> str:
    return re.sub(r"[ -]", "", value) if detector in ("credit-card", "us-ssn") else value


def check_item(item: Item) -> None:
    if item.kind == "attachment":
        text = attachment_text(item)
        if text is None:
            assert all(p["needs"] == "ocr" for p in item.planted), item.id
            return
    else:
        check_well_formed(item)
        text = storage_text(item.body)
    for entry in item.planted + item.lookalikes:
        assert entry["value"] in text, f"{entry['value']!r} missing from {item.id}"
    planted = {(p["detector"], normalise(p["detector"], p["value"])) for p in item.planted}
    for detector, value in sensitive_hits(text):
        assert (detector, normalise(detector, value)) in planted, f"unplanned {detector} hit in {item.id}: {value!r}"
    for p in item.planted:
        if p["detector"] in CURRENT_DETECTORS:
            key = (p["detector"], normalise(p["detector"], p["value"]))
            assert key in {(d, normalise(d, v)) for d, v in sensitive_hits(text)}, f"{p['detector']} not detectable in {item.id}"


def check_counts(items: list[Item]) -> None:
    kinds = [i.kind for i in items]
    comments = [i for i in items if i.kind == "comment"]
    assert kinds.count("page") >= 32 and kinds.count("blogpost") >= 6, kinds
    assert len(comments) >= 20 and kinds.count("attachment") >= 12
    for location in ("footer", "inline"):
        for container in ("page", "blogpost"):
            assert any(c.meta["location"] == location and c.container.kind == container for c in comments), (location, container)
    planted = [p for i in items for p in i.planted]
    lookalikes = [lk for i in items for lk in i.lookalikes]
    assert len(planted) >= 40 and len(lookalikes) >= 30, (len(planted), len(lookalikes))
    for detector in CURRENT_DETECTORS:
        assert sum(p["detector"] == detector for p in planted) >= 4, detector
    validators = {"credit-card": card_valid, "us-ssn": ssn_valid, "us-npi": npi_valid, "email": email_valid,
                  "github-classic-pat": lambda t: ghp_valid(t, True) or ghp_valid(t, False),
                  "aws-access-key-id": lambda k: k != AWS_DOC_EXAMPLE and bool(re.fullmatch(r"AKIA[A-Z2-7]{16}", k))}
    for lk in lookalikes:
        if lk["looks_like"] in validators:
            assert not validators[lk["looks_like"]](lk["value"]), lk
