"""Minimal but valid binary attachments, written with the standard library only.

Each builder returns the file bytes; the text an extractor should recover is known to the
caller. Zip entries carry a fixed timestamp so that regenerating gives identical bytes.
"""

import base64
import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

ZIP_TIME = (2026, 3, 1, 9, 0, 0)


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def zip_archive(files: list[tuple[str, str]]) -> bytes:
    return _zip([(name, text.encode("utf-8")) for name, text in files])


XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def docx(paragraphs: list[list[str]]) -> bytes:
    """paragraphs: each a list of runs; a value split over runs is what Word often writes."""
    body = []
    for runs in paragraphs:
        rs = "".join(f'<w:r><w:t xml:space="preserve">{escape(r)}</w:t></w:r>' for r in runs)
        body.append(f"<w:p>{rs}</w:p>")
    document = (
        XML_DECL + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body>" + "".join(body) + '<w:sectPr><w:pgSz w:w="12240" w:h="15840"/></w:sectPr></w:body></w:document>'
    )
    content_types = (
        XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    )
    rels = (
        XML_DECL + f'<Relationships xmlns="{REL_NS}">'
        f'<Relationship Id="rId1" Type="{OFFICE_DOC_REL}" Target="word/document.xml"/></Relationships>'
    )
    return _zip([
        ("[Content_Types].xml", content_types.encode()),
        ("_rels/.rels", rels.encode()),
        ("word/document.xml", document.encode()),
    ])


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        name = chr(65 + r) + name
    return name


def xlsx(sheet_name: str, rows: list[list[object]]) -> bytes:
    """Strings go to the shared-string table, ints are numeric cells (as Excel stores an NPI)."""
    shared: list[str] = []
    xml_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_col(c)}{r}"
            if isinstance(value, int):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                if value not in shared:
                    shared.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{shared.index(value)}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    r_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet = XML_DECL + f'<worksheet xmlns="{main_ns}"><sheetData>{"".join(xml_rows)}</sheetData></worksheet>'
    sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
    strings = XML_DECL + f'<sst xmlns="{main_ns}" count="{len(shared)}" uniqueCount="{len(shared)}">{sst}</sst>'
    workbook = (
        XML_DECL + f'<workbook xmlns="{main_ns}" xmlns:r="{r_ns}"><sheets>'
        f'<sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    wb_rels = (
        XML_DECL + f'<Relationships xmlns="{REL_NS}">'
        f'<Relationship Id="rId1" Type="{r_ns}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{r_ns}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    )
    content_types = (
        XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    )
    rels = (
        XML_DECL + f'<Relationships xmlns="{REL_NS}">'
        f'<Relationship Id="rId1" Type="{OFFICE_DOC_REL}" Target="xl/workbook.xml"/></Relationships>'
    )
    return _zip([
        ("[Content_Types].xml", content_types.encode()),
        ("_rels/.rels", rels.encode()),
        ("xl/workbook.xml", workbook.encode()),
        ("xl/_rels/workbook.xml.rels", wb_rels.encode()),
        ("xl/worksheets/sheet1.xml", sheet.encode()),
        ("xl/sharedStrings.xml", strings.encode()),
    ])


def cell_ref(row: int, col: int) -> str:
    """A1 reference of 0-based (row, col), for expected.json."""
    return f"{_col(col)}{row + 1}"


def pdf(lines: list[str]) -> bytes:
    """One-page PDF 1.4 with an uncompressed text object, Helvetica, one line per Tj."""

    def pdf_str(s: str) -> str:
        return "(" + s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    ops = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
    for line in lines:
        ops.append(f"{pdf_str(line)} Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


# Characters png_text can draw, and the size of each one's cell in GLYPH_ATLAS (width, height).
GLYPH_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -:./$#@_=,()"
GLYPH_CELL = (24, 40)
# Generated by make_glyphs.py: zlib-compressed grey pixels, base64, cells side by side.
GLYPH_ATLAS = (
    "eNrtnWdgFcUWgOemk4QeauhFQYp0RHgICuRJEZEiVUR8BBBEASmCQFBBqiDSBVSagoWmQQUREaQjUoL0XhJCCKSR5N5958yW"
    "mdmdW5KbID9yfuTuzk62zM58c86ZM7OKkid5kid5kid5kid58tDk+NKDj9otfb1yZQK/n7Jy5epMedbEGJB4PuVSjCqnLt2V"
    "/UPqhqiBXfuOXnNT279HM/9zM92c8UGMWR6oB+LN6Ve4/3LsnfZW997DV19TuPNfZ8dvwa76bJnm03B3cIWlXpOfR8nAg3G4"
    "dZHdGpP7tAjY/mncT4SNJNy4ZKTfgT2unO6tHN2n96jld2TlcCbWchVJ/lRW/A5r6V9ZNaJvl37jV5/V9i2FYJR0OvycF99q"
    "Gvyeg99U/oyY77RyKibmnPlaWC72ZHy5wvvHe3OkmJMV5Qwk3YffOOvtsMqY/v24vn3GrkuzPlnmWe3/+Xq7bcbA7j3emHPI"
    "fGffTol8ufugmbvt0jpNq2SSsfuPcC8XxLz2XR8O6dZr5Arj6ZOst881naOfDu7RfdCcA6Yrpv8WNaBr5KRtmf9ak78K9ynW"
    "l4/JuEcMS18SUle8x2cJ+ViedwQB6c2nPEMMKdJqfoKY/Wa/EO2YT8stNGW9nrngc5OF+hNDzBKjHphhTo9gsJheRkvzbb9X"
    "Mc7fi511GOwupFtx5tNwNS6CpXZWpOex94T9ShRa9WHrmLlcvqf/bCSfprsrYSsaNwoksbdPyAp9J3loPvWiAa8lysrBp3q/"
    "X/mLyPIfYNkLtJhyQ7ipvzr66MfKDNotLQSi3/cF+HlcfKtH4Lc9f78oP0JCE6UkIWHmInickEB7SkU4vslUYTorqZgczef+"
    "HRKKIaHHWW9noZ5pQZiaUGiGUD9vbRzbMhTTv+eJsbljPv0ENVaz9H1dSxgnrjBPRqYORLi5EOFenhRgOLOUnl5zv5oUbb39"
    "OD37tgZ6Uq0N/GmW6rW22MJ/qcmnFCfkacXEpXdlOV+LiDiMv90iIk4/3HtMhEr2i5h00EYK3JBmfozyJ1POJTz0OZ97VSHu"
    "UIjIJZT/7vOKS8dqcqm2ebnJpf9h21b/wwWXxuu7k0UukSUyLl15jF22/Gkn5dCIKWHS/AeE3P4TOC3w0wD+UNNscWmhuRsa"
    "DgkfKM3hb7KpCIKBB4qyBY5UYYpejD/0QKB3fouNk4dCI0hYqrjkkr0HS+rAnutsRSOV51Ib4RRdUvkSZ9LsjqVKryOeculK"
    "Pe7ASmdc8tW1uCgblzqMKcQ9ueQXMv4VLs039R60nMZKMt62ER/UNc4Skk9U39Ni/tx/wZ6L9/guvC1zGnSTkbK8J9XS/M0p"
    "lwiZwg4tpy+m4avv9G/qJ+US8V3kBZdOFMe9ct2HD2qf33jzucOlt2GvuEYIF1yqqu/WMHGproRLybSWPz14SAsspmp3nZRD"
    "qG72y/MfMGVvazTgRbgb2HLw6AHPF8w2ly7Dbyn+QWvTA6+z16NLLCR1gt9O8DvVSG0Fe4s1FZx8xnJ/Bbv17E64tMSomIT8"
    "Z9yE1vj7hvGvR4iUS/haSPDTL738lD9utc/kStzv8edf7t6cAqeh2SZMKOkpl+Kq0Us069alaYgLLrXny7/CyMVL330Ct97X"
    "TzME9xqMn/9Ba3yPA/4NLGUC2ms4POHSN/Ca8HcJIa14y3hCPaqKF+l5NLfu8RaU8Q/mxN3wLs9IMn8E7aQYIW+buLQtDuTy"
    "wUXYcmx/6ke24q0/r54mYUYpxqUucbdO713SOwifbBrPpRoy/xJyaaDEvxSPOnWFrbR4076q4o5LmmslGFuUE//Scmdceg92"
    "Ch9V3HAJ7uewuvc33eG4RPZauTQGWfcHbWnl8BG5cngSy/PmiS9QLSGl7rnKj1xqjNkv7ZlCzYMRuv8GtaVht1XNY0dPv6ai"
    "fwk12UNcSTvhklILNo5ztQXaUmn1nfxk0rEhaTSWJVhYode5UmxO39AxX/hHw5x9UAkO/KG2duGdR+EDqzrNfriU/1e0IqGB"
    "to3nkk+tAU9buBT86g5aZW70xXJYoJd4pTHbVeUpaVoAzwemCZc0c6mD1L/0HFqUi+kzZGx9cbXMv/QWZPlWq55YwpFUHXJM"
    "wh7iopq+E7tjtQrsLALbm/8FLq2G634hvLwPX65EynQeMf+QSQMCiA7H3x68wnFviD/zNYzMJZ3pHUIes6Y2JqSvJHMTeGe9"
    "Cals4pLu17O/zPUXyRVgZ4iR7+5Ac3u/jrn9DnLtsb7sBrENyFxy/SC9tuFnSR/ylmsucb2hs6L4xQmXpsN2/n2KOy4NVRum"
    "qgMMFbnU18Kl29B+fTRcxQQSEnBZUg7UCIlylf+ArgphfUG9L0Cr/6/w0FeUUx+IN1wUDvNuY2dcQhrOZelrYPd/irJRt8KY"
    "fAdJy3BjFmz00dwYANBATc18w3gSLU9PyRuIC2MGxguwOV1TvGHzGUNnbzPpZ3jtkSYuNXuHmWgD4VhJrb3wD7kSfTqis/l3"
    "G2nTy8ylXrLagaZoWTaCIfVZVyckTOtOP0OtSG+z7Zghgd6sD7XknYDeBv8Cl54EM4MzIHc2YNpeQcFqV2pqrwO6WUPfOFmJ"
    "+vA6DRkcEUScFJbXcg90/JnWZCjVAKuH6RZoQJ/iyz0h55JyAwo6SHsxE7HFWN4e394diJZa2eTSPrhU6CV+YDC3uLQANvPt"
    "VNxy6ZsSpIK6V4UU3sRxCf4jKN7MpRn8jb4JO+/KygENpmqu8vNcUhKxWasjFhnQXT/uoivzlEu70LnDuUFhd4N6k++JJ5wD"
    "SbvolaHW2/bQtPGcfhIPykGoVqXuwHbIVcldoUfpFXXzPLzfsppO66ip3w4TM5fucdt30a7fIzk/an/7BC9JNRLwj2dcehw6"
    "UTdWyy7OkdRXt2BRkOPPq5gEvbFAip7eGdL/euhYwrGLOWx3Ido1PiHEj4IpXOgnbMTnrlopQ3WQHYeX5ztMteLjsbf5NDfu"
    "8RO4SKw1OQnsnQkyWpEzqMpPccIlpTLsqYDILA2bOxVXXFLuFmd5ssolZJrEIs55Ln0JzxuwVXHPpe/f0Co9mDT9ozkujXqM"
    "kFlmLj3Dm0IHmSdDLId/sKrcdJFf4BJ93E7GaYYq3nMpE2phAda3lgcFCP4t3dfgB+8Qv0W3/kQtAI23c6DW1TDM5U+ZN2UE"
    "pzPwsplZcTT7GIXTWN93zSXLENsySfogSF/PJ7yHF/GIS1jQkW4a0yscZv7Lo/G84WPcjn4MQcmc/NC5BC+3KIuL2AlYCl99"
    "/2MyLmn/7Ka2cJl7aYGOVWizoANXPsB7dorcz4V7rEvIs7L0lwipYAmIAdW6Ev2Xp5xxqZahTCGUa7vjxrtsuCeLXEoCs8Z2"
    "/SFw6Vtogn5mB6ucS79rxvhIIAjPpdFgtlR1iFy6Bya6n9FvOtAzfVVWDsiPQy7yi1xaQfR3g26MCTnAJaUn374w/qG1qhGS"
    "FvRGjIAd6PoLabkGaFRoD93wn8zwgbrhS+vGBeBVRUlMUmIZzt+Cps/v+pETNDrBcy4NYTagICPZQJp63gBSJskzLo0UzQSZ"
    "3A3WmjFKW2K4GxXlOtENtkUCia7A3nMPG0t74aIT2W5ToNQlI37p9ESZe6krK87+gjVLRzZyIdoBX/g82YFVEm0nJR8hgxVl"
    "LBDhphMuhRm95mBP9Jn9sFc0W1za7CR7TnMpOgAa1yrFIy45SpMygB9HORKWIXApPkgPxTC4tEfEdkvY3SIrB4wN2O4iv8il"
    "dYZhjPFBr+YEl1bzDWmBbgG0pT2UohwznPoNCWmk5bpTjJASicoPgn9RUX6F/Xa40d0JUgYQTgsrCeVudOp26IWC7J5z6VU4"
    "+LkkvaNYqx3QJtcpnnGpATfc6kTm843pLd6nfcDwp03lXPLAalb/sydrm4Ksytr/QCGE3Db2Ym1qB2aKq/y4P0opQprjL3SD"
    "EfhLX2LAMVOj6ZLzXJpiHfDVPEXc0A5vJW9UlN8Ep6fAJeRMWcNzTra644Ydek5yMTtcwiGO4bnPpd/y8dFHbriEV/uDDmZG"
    "KgKX0Nnwksilz4mepI8KkdmyciiuFa+z/CKX5sFeS8NyKHwnB7gUD/pic06LJme0VheAnFhGdL94CS7Q6Qt8OWmgU5W9Z9LB"
    "kbE40NZKcks7cKxPv+X7RCOfKg0N/4BHXHqKGwLlBA3LQlz4+gJVW5Fw6fwfO08k8f9qD1Y5n/7Xtv2XndsegfE8hQfxtfVr"
    "uhUljhhA4ZLbXrRfGkQzNUv/EmPjo6loh/eDlUsR0oASGibGtA207x8E6V7VnJTm0LPJj1Qj5AlTEqhw/lDR0vPzrlCeS4lY"
    "fSapPQE26PNuuYGhHd9lh0sdLLzIDS7ty08soe8uuLSHKghDsfWJXALV2e+awKVxQkyOMsGoxWI5XCSaweYsv8ilLrD3juEJ"
    "Ik9f8p5LqOcHaE3UXlgfvMV4y2uaikM1gTQbb5+0gJrSzxK7dyGIziyAc/tJLKKUKryGcRhjl0RF5xePuXQZbqacdVrOmepi"
    "fN21gsT/pIxLpWhYt3+zRSyU8DQd3owbXIBGtY6QuGSp06+roNIGaj72f0DfqJNhDA/MNvIgfc0O/dzmEuiSfly92KFp3p5x"
    "6byNFFYDatNmN8xnK/naCTDpQ51f7P4xidx1e4/p0IG0lR/qZSG5vYTmVIBKki+Zr8GbLoDEbJ8cjm1KdYJgQJ6/3S03Ohjt"
    "Httj9QOcXOaKvvcOJqp6hZGLvzrh0vPsJD284tLRwui1VjzmElhwJe32UqREpolLSj2N1waXBvDD5qoJ0EXCJQzorOAqv8Cl"
    "I77M8TqLTljpuSHRWy5NYa0W1eG3Dfctuo7qEJs/qYJtHhK+Mv79pBpq3s10URyf+3KjEP3MZAThY1OitX93HP3LoTmsV3vM"
    "pSFiYSmJUBN+W9EblfOu3AhxJw3ivZzGVVbYr6fiA38dU0k/kH+L9aqR4lyba5XBXpp6QVGuzC0CqNPCAdcKxu0+PNfPD5VL"
    "V/zFIQscWRlp5dIPC0FAa2mDv3Wg3PB3IY4TDKbHz2qTD4JWQ3twPs8vWka3lW5v8iA/6CHKdPOMJqrxTdW9DBv4GswkaJDW"
    "Do45sZxNXOppKFiWeO9hfNFzoo7LlHHS0ax3Md0qq1xqQgPKWzg85hI6R3/9lSo2Ji4tISQ8g+dSb9Ezu8wYSBa4tNZHN6ed"
    "5ee45NiEAYKv6Tp2cy2kvs4bm5K84dJRZtFPMeIbr6iGSYofqdaY9l/beDevFqtd+Kbposnw1sqCIh6WIBnvwsDLBH4kiPQD"
    "tbsdGKapqtd5iadc2genKpUoax0lP3UI76z0fddcIkF6yPEG2FmLlS68Op1c5WuJh0wGVSqcb6G3e2BAtx8dfu+gR0Wc4aP/"
    "lffx2DcPlUvQ09mO8wll1SgY2bzdBtT9pijljCGI5pp9fAM1ypBqUOECwwjJyGkufSnODjC3tBlCymi96p3jqr/Ipbob9eTd"
    "OEXEPZf+Z7iJssglNLBO5zKXNJnrOZeAEpGR1LVq4lJSQdVeNbjUSTwxDjM0N3EpcVt32jXfcpUfuVR6GMjgLmVpAzDcJ/e7"
    "sKmJA85kn0tYcbUYhmfhblTTxhFCa8cuqAjDCflRDX3k8JcYILW+V6v3s1iiudcyPP+Gi2qQOsCIPB5nsaedc+luZdUPam0d"
    "zXjzMRG0+7WKhEuPjd50Oi72+DIK9oJaJcOoPbjFvufh2Xej77TYLdNll1sHejZqE3SLcZ5pjNXXY4nvo4Fh0gNzmUt3QoV4"
    "NM0n6dfvpyjr60r0JbZYtb1rk+MyQ0hQhjbukX8FpB1Cz03Oc2my3Dmt6+xDhBSwzkuo3U1VQorbpfoSqX2AtfGq7rk01JhR"
    "kUUu+TJH6LxAVUbmApdwtDr4tMdcUiqTsDBS2m7hEpoWrXkutRXGZZSviT6cheVgw8fx0/QdtbE6yy/Oj6vzOa/cbW1hzBwN"
    "nJp9LgEBaPVUUoOY770OrR1gLH72LR11niRG5H1AFzGwBrY0pXcpse8nEXGGASiY5E3V8sMA8yhL83PKJTv6Bt6Stw6fPmwo"
    "YLDmlTBziXkH1mFleUHdXkz/X4slTWkiicLAiTHCWi5/P8teTOPdfMnUVZW5TNrvkC+94FK8Zd0hD1r8brG8uuqVZ4ZpIZjN"
    "dCY2Vc6fM3Tnxlqt81HHNZNquuRSkmxZnUS3dzlI1L55uSQOAKkaaB9mv+/marA6P+7wcowlC/rFMPrKuufS64aRgO2x9hVO"
    "7nJcGh7HRPVfFWC14GMeZHj+Tuwk/b3j0us0bLeJ3WMujSVqe7Jw6QQ07jMcl16y6j/PyPhcdhsbyzLlb2bmki3SbDidn99J"
    "WyrEHGSZBS5t0l1HP3PRit1oi4W/J29Si/I1fSBQrSt07qPugufkkI0PS2JyPECw4lRNfqB6STR03hVDlF1xCV1yEaLHw56a"
    "mhq7bwqqKpX1Bbb2+BC/4zIucYJTT7Sgpc9oy9VP+5d5OrMacdOUT9gQCHrIK98cOvx9f3g43+VacgLqUNXW31Me/NIM3qEx"
    "7vNwJKWYdZZ+5qQgvQaVmpggevyoZtIHl5BQvU6aofS2gQJlq0suZVPgiuSU/BDOD2/DJ8yEhFUGSPWpYGKcwAZ4A0Wpgnsc"
    "Zxu751IPIzomi+NxnH/JwqWcGo8j3ezKnZLiPDM3XMIKS5Ft5hJa5iNc+5faWrgU3HxJEvemTPlb6Vwq2rlz5xfr45MVlzT5"
    "k/NUT9N32eVSchACGmQUF8oKikwdRalAijiUSuhIfE6IhkZN4UlC/K3DbvLytzcWrTgVCf3w5ZYrP1Nzii/1iEtYTevck77f"
    "ZCz0Rmonk16DxZk45RJdPGWGYcdxd1AX9s4KWd8yhZifBCwV0cbjjmAwlt6R71SXiQpGQtf70jLOKJEHwwyJ97LBzzOXM5Xr"
    "E40Vg0puZ8n1NN9XOX2ONdrh1CppxEZOHYVygUvQ35Fz8kOJ/FxJlP9ArdRs6iTAT3UZlzAsXXWkX0WrNcMtl9oaakAWuVST"
    "jcddjI6O/iQ3uNQoXWsggcc95RLOoirrkHFpLVTTVMalSDHodp4xxozlUBWeKPrnvaczxWZoyv+S6PdOGAM1vYD0be6pbF7h"
    "zBMuGRO3QA2uqNXT+pw+UwT7rnYUmWfQtJ9l/Dd6hTpfCTYMJbflP8sSBbpVmK9BH3+NJ1z6Agqh4g0nL9jeyvBuvA9NMNEt"
    "lzBq7EVDaeSaCs4MXsfnTIMCDeFx2IGf8vIzYVGnyu5wY02s24vlgVamwXbp4jzZkYwKhNR0SP1Ow0ilcnQIF8F0Gw2TCz6E"
    "xMDvEWgA1+H3Lh0Gpm6UcK4smuQCl3BCz0n5oVu4bhs/uuAL/V9TTfIxr7PIpbuQqzytAiFyx7SJG1WNmJUscqmTOEBzIDe4"
    "pJ4H51bWz/CUS2v691+hyLj0oDiuLWFwaSK3tImi+nWHuioHSf4hpvE46rqQTipSLuY3R5OZuXTZyqVjPAShGsb7cJN1cYT7"
    "/mY6zW0h6tFBXOxRLJw89Aq95VUecekcICxcHKPDUUBuRUVcN3OHB1za7AdK4xmn9X2/rmYqoM1M1P0diJClstWR6aiyyhOc"
    "vOHrEPpfoV6tNfnH4rAhOHjVgzW0lI9xPTJSfVYaHUu6+fC4tNK51xnH4w5jSYQnm9egYisLTtfUR9CRDPY/54pLCbskEuv2"
    "PgdzgwMmuSB2WLTrEGSmjEvoHCexuhtwkzsupeP7uZ4dLk3Wwi5ykks/c4Fx7Dw3C4vRMK65xLtaBS6h6+kpxiV0EHVk2XGe"
    "/ieuykGS/yMzlxyNnXorIs39u5lLN6xcMuYBnFeH0Nbxfftd9Ly8R2HxNyFv3uKdvr3V2MFk6FVL3vWES88RyxpgKTZhPLeu"
    "FsfphksYnl/QVZwiNCg1CtDJ8nhmA8cYvblG2Pw/RZ1V/JH5EfjlEn8Q66HZysu4eZaWzAuEFHPbStN6GRLnHZdqASwznHNJ"
    "dRcsd86lOVrPVIGbK1g3F8bjPiSSReFU+dMU/vaS+ezNpVx6Wl9HbKhlVETCpV+Z/zCLXML33jCHubRR82mYzoNE9j/iNZcu"
    "grpxxODSPmMBE2Ocaqurcthvzf+DmUu0U39CurjJUjgy3xWX7hFhHS4w2sllvrPpRkM7i7GTFwPbJ4L4QedqL0gaH+CsdsR7"
    "7QzNd/2mB1xaKpvLV4YQm6FCZQTp65265NIBUAuD/3BV4avq4QyecQmjvLWZuAXAmhErJT+v9BxgtLLDNJ7IzZOaJlmRDp+r"
    "qDMNN1dki9H7OePSRXUifaUSIPBIRfEXAx3w9wUaC0G1+tZs+mFyQC5waY08mATlGyFgXkkLhc5voSHlQau9LeNSbb2j3SYP"
    "FBC58SabRJRFLqVAPfGJzVkufcG1I/48GJNf64G3XMIZ8gMMLiWDIeFjgAHnpWpP46QcUoLM+VVNWpyH0l5mOunq1gJXXHL4"
    "EX6eUyPh8EhCwtC/zQcKNyNkURH1TiNI4BpGtZRK+vpLjoZQS4645dK1ghYrTjOfDY/wYauFKuHSSXiogJ9cVniMlE3znEs/"
    "smWbn+G/KEDjPPmCHmvmzkJx3tBkI35YkO1ZnkXilUBvE5bskktKQSMm4La29tJZQgpkMq9fN02facY9aI5z6W8ns181Z8U2"
    "UT95TRGA8oWES2k45EhjRBzlpIacwI1roSxOIavrL70uhJDkCJcmcmNe/HkuhrJl27zgEvRWIVHG+ktt2JKr6oJijV2Xw3/N"
    "+WspVi6hklvN7kQxXu+KSzifrgDbA7YUZHs4h+rwBWPuqW5JdtV6T2h03dk6paPUiCPq4cUgC4c7LnWUKu3L+Pi5icSyeqGV"
    "S+dKm1akkfjZDGvsPie4bur38GstuKGs7k0QqnMrcbpBRinoNS6b63lrttvXrK+yl3r+oWFpj2l6joxLwYa74ButHi7lpqqd"
    "10ZArgXo45QnC7vkUsoFiSS5vdPMYPnUboUuuWLjOrEBYq2MNlzEIpeWMHMDJy3UTOF6ZEt7T2nDjflllUsHQc0seNlrLi3i"
    "KmNLLspUOA86fn33ecslO1jlVQ0ufcItOUzdRR+4Lof55vwTJFyib0MdtxIG5hx1zaMQFi614z1KsT6C1zkDetEZ8Gr9uArx"
    "EVBWi2sC1TjU6N+OguJVTB/O7mZZn83Kpa8465l37cB5wrQanF7RHLMo4dLViuYVaawynLAFzpg4HY/DIUU92uowH88X609I"
    "fm60dINIIe015jP0qwcl9dU8BdkkTk7OhswNAZnlYXoHeGWWQIOEdJ5Lh1hjG6I5cHvyASq6wxv1w147r52YXoh4Fb90rCjI"
    "S9Z0MBQLy1dbrSCMLDugL/Lhnik1H9TFNAuXtoay4ew0nNnX2TB/Lrc3t/c/MIY95Gw2uURJWTfBWy6Vb2U04BO+hAQmyLjk"
    "wPC3aqlecomS2uBSYmEWSrIXMBAa57oc7oeJ+QOuyriEw+vV6QsNH3hTVH7FVdwtXMIFy9o5OM/1h2InFdFNjBv5jj4L7Rhw"
    "bViw6lT4NuKXProI6nNYvEsu3QbTKlw2w7wPC8yczuKunXIptrrUJ/H7XM5w+dpXuo4lz6XzqxhuYuvx76IBt2DoAHF0lNrP"
    "YhgDrpzHDAycB1dUOzELJtgTyn+mI1vibB6KLP2ETfxiiFZRK6/JMLiUCTywaZW7pqbFluL1jhe18ktvbXwxrLI3XKIft5Gs"
    "jDfb2ToLF8XZPvuYocE00B91Li3Cef5bv4pqQhcI1qv7bzjYVmc7bSUxw4LZ91Ba7fj1+2XDsAsnfmv4DqbSel6OuebSHZwP"
    "VmYdBd8/7d1y6YF6UrQz1a1kzXzxH7yfNse9lbgwAdN5TgUxgxe5NFu40VgPuXQrgOMSZUXwKiydTYW5wnbK52li/jcVGZfo"
    "gDRVYkqQwF7bVHX1VC+rVW/hUjJ+nKMjndpzo7fQ2auu/+AwcQnIE3SmCbuoFk02l3DLNan9aqRLLuG1BgrFuV6dYH8KP7ox"
    "DRqzYzHgxIe1jV00EzaMUXSLLjBhx+rUij/LHu09Fn7tB0pGx0H6nZQaGS65dICUG7WH9kAJCzHOyHcH72sKpXGGD/CpAjn9"
    "7aqvuK4TCp3ZN4B2c6lROP1a116WNlpBPbNn3/Fzs3ZfDnPpFUL8L8s8QKXf/f0Bcsm+pwXjbZyN+N5T62OBTP6p1MqZNlD9"
    "ZuoTJ+rnBpfOOVlwlI6RcAFf48wTgubqT2D+flwxpkusp1O8SrXs2rqc/LuWJP9WQfEVZbRrLilnStNvsf6nS8cadB7YDJdc"
    "cvL9OFymiJT4T5cX6LoNgSfkXKLLDPrsMrgkyg4PuaR057mU3pLOM2nXgS6e0STNHZcyW/P5qyXLuYQT5+inwehXZgPqtX25"
    "rbo4R2eHay4pm7Ci2ep07NSA1jjhOz631ErIh28/8GULmQzRV4lSruQXo7zvY6TzfldckgxJ12DWM6nUuy/9bBunvZmXBqLl"
    "mWo5S0euvoXXaVaHrpxEih5X3HAJe8sqDZtU9TFP2n6btsPIUb1p0fKzYibza8DpQxMv0gre8e0RXYvSxpfOtaxyDRupU3qf"
    "TXtoXLrsL6Wg6pkOKBdOCtJX8fwDowHQyK0F2iKjqiTlN8IhTk7sHNFvbZry48qVjhznEg44P6XI3ay84l/TPN0PR1BLOyxc"
    "8unOR5lsCec/0GjhUtDQq4oXXFLOPM2fbIGSHS7V4JMCVjsZN1QyUCWonOQll3byXFLiudtvcFNxxyUloTnLX/2aIueSvaoW"
    "qVRFvMdXTUGDVi4pX3KICDAtrtyIEGJal7Aia5xrjW7nBfPCOTivrL49W1xSxrAP1g52eMUldmrZF00sXGITgXgl097PMntc"
    "M/Pxi2T7zWdN7cGfqcM9vsc3Pgvs7ZL9WeASNAWbJIY6PoqvKaEf6LrRG1q97SouKzIGuJCSc654VEItK5xpwx42yaqGd/yF"
    "lf1wLKaQOBeysuZXMrgUGFbj5dmmj+/ce7ecdrRA36NcPbEVrNhw0FdxZkdhFrmkOD7Tv8xc6M1rSra4lLqqnf5Ze1v7g4oz"
    "LilHUPcb7CWXVAquMDSgaaXVE5SIylDcc0mxz9A53ypFccIlWu1rQStOW6f203RNgnaWOVgSLimn+2jfK/Tt8rfpUBTRH1+w"
    "5LXGiMHidbQxHFJeGImm9tX87HFJ2VJLTagmhIRmiUuJy42Zy3CeuVL1hOdS/HD2mfHQIaaW8V1tPcRwB5/8E3/PvNPR6Hga"
    "cM6nvztrj2xrssnrdu05l+JDhMBcXk7Ne7V+CV8S9HjHT+/wVRXLxFFMCANS7hR3/1mYLAjGW+SXLSScVlwaWDGHkHy3c+TK"
    "h1ZMHfne/N8f5NLY54XVM0dNWrAn04tTpOxeEjVy3MyNccpDF/tvC8aPn7/d47u371wwfhjOU/doqXn7ifXTx42YNHdbgqfn"
    "T/xx5tgx0zbdUR4VObz4vfEL93p5krObP5kwYsxHaz0ckb+xdfHkMSOi5v8pcZvELP/wnQ+/uOzpla+u/2jM6KlrL5o0qZ/n"
    "jB01c83Vh1qSkwj3aUop4cZ4dB4c7xjmyKm7qmv9ECGzjcta20UNq8GcJ4+IbAGtxmdJXjnkSRYkOUwYj7DKTNnXi2SCrubO"
    "13Lmru74EFJYvtz33SL6sn2cbAWz7HLey3xEZb2vGIufJ3niTubo4+fOZBaLHHYj6P8PHa8Nb8Ud9+auvnXygVOUjzTfAC8t"
    "ZJEOefKoyEroZp6IyyuHPPFYBkRE9FFyhkvKYgw3JRXbvDKwc11bbW/uajAhxZy5/lMqWCah7zRHw+XJoyVL/Mak5ZVCnuSg"
    "zHY2uCSRCz18Xc0q9Fyq8at2mWUDIdVED9NT5sUB8+QRk+t5RZAnOSrLys/MQu5LU5+hShOpMuxM9q+Z9nr/yFTnh7dHRwtL"
    "gadER//kyHtTeZIneeJUHNeP/HkqMa8c8iRP8uTRlAtOxJ7L1/0/iz0paQ=="
)


def render_text(lines: list[str], scale: int = 1, margin: int = 24) -> tuple[int, int, list[bytearray]]:
    """(width, height, grey rows) of `lines` in an anti-aliased monospace font (see
    make_glyphs.py), the size of print in a phone photo of a receipt: OCR reads it."""
    cell_w, cell_h = GLYPH_CELL
    atlas = zlib.decompress(base64.b64decode("".join(GLYPH_ATLAS)))
    atlas_w = cell_w * len(GLYPH_CHARS)
    width = margin * 2 + cell_w * scale * max(len(line) for line in lines)
    height = margin * 2 + cell_h * scale * len(lines)
    pixels = [bytearray([255] * width) for _ in range(height)]
    for li, line in enumerate(lines):
        for ci, ch in enumerate(line.upper()):
            gi = GLYPH_CHARS.index(ch)
            for gy in range(cell_h):
                row = atlas[gy * atlas_w + gi * cell_w : gy * atlas_w + (gi + 1) * cell_w]
                for dy in range(scale):
                    y = margin + (li * cell_h + gy) * scale + dy
                    x0 = margin + ci * cell_w * scale
                    pixels[y][x0 : x0 + cell_w * scale] = bytes(v for v in row for _ in range(scale))
    return width, height, pixels


def png_text(lines: list[str], scale: int = 1, margin: int = 24) -> bytes:
    """Grayscale PNG of `lines` (see render_text)."""
    width, height, pixels = render_text(lines, scale, margin)
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
