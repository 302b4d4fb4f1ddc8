"""More attachment formats: PPTX and ODS (zip + XML), and the raster formats an OCR pipeline
meets besides PNG (BMP, TIFF, GIF, JPEG, WebP), plus legacy XLS.

PPTX, ODS, BMP, TIFF and GIF are written with the standard library. XLS (BIFF8 in an OLE
compound file), JPEG and WebP need a real encoder: they are built with xlwt and Pillow when
those are importable, and otherwise the bytes committed under samples/spaces are reused, so the
generator still runs, and still rewrites the same bytes, on a bare Python.
"""

import io
import struct
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from .formats import REL_NS, OFFICE_DOC_REL, XML_DECL, ZIP_TIME, _zip, render_text

COMMITTED = Path(__file__).resolve().parent.parent / "spaces" / "ENG" / "attachments" / "files"


class MissingEncoder(RuntimeError):
    pass


def committed_bytes(attachment_id: str, title: str, package: str) -> bytes:
    """The previously generated file, for a format whose encoder package is not installed."""
    path = COMMITTED / attachment_id / title
    if not path.is_file():
        raise MissingEncoder(f"{title} needs `pip install {package}` (no committed copy at {path})")
    return path.read_bytes()


# --- PPTX -----------------------------------------------------------------------------------

P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PML = "application/vnd.openxmlformats-officedocument.presentationml"


def _shape_tree(paragraphs: list[str]) -> str:
    paras = "".join(f"<a:p><a:r><a:t>{escape(t)}</a:t></a:r></a:p>" for t in paragraphs)
    return (
        "<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>"
        "<p:grpSpPr/><p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Content\"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr>"
        f"<p:spPr/><p:txBody><a:bodyPr/>{paras}</p:txBody></p:sp></p:spTree></p:cSld>"
    )


def pptx(slides: list[tuple[list[str], list[str]]]) -> bytes:
    """slides: (slide paragraphs, speaker-note paragraphs); no notes part when notes are empty."""
    ns = f'xmlns:a="{A_NS}" xmlns:r="{R_NS}" xmlns:p="{P_NS}"'
    overrides = [f'<Override PartName="/ppt/presentation.xml" ContentType="{PML}.presentation.main+xml"/>']
    parts: list[tuple[str, bytes]] = []
    pres_rels = []
    sld_ids = []
    for n, (text, notes) in enumerate(slides, start=1):
        overrides.append(f'<Override PartName="/ppt/slides/slide{n}.xml" ContentType="{PML}.slide+xml"/>')
        parts.append((f"ppt/slides/slide{n}.xml", (XML_DECL + f"<p:sld {ns}>{_shape_tree(text)}</p:sld>").encode()))
        pres_rels.append(f'<Relationship Id="rId{n}" Type="{R_NS}/slide" Target="slides/slide{n}.xml"/>')
        sld_ids.append(f'<p:sldId id="{255 + n}" r:id="rId{n}"/>')
        if notes:
            overrides.append(f'<Override PartName="/ppt/notesSlides/notesSlide{n}.xml" '
                             f'ContentType="{PML}.notesSlide+xml"/>')
            parts.append((f"ppt/notesSlides/notesSlide{n}.xml",
                          (XML_DECL + f"<p:notes {ns}>{_shape_tree(notes)}</p:notes>").encode()))
            parts.append((f"ppt/slides/_rels/slide{n}.xml.rels", (
                XML_DECL + f'<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{R_NS}/notesSlide" '
                f'Target="../notesSlides/notesSlide{n}.xml"/></Relationships>').encode()))
    presentation = (
        XML_DECL + f"<p:presentation {ns}><p:sldIdLst>{''.join(sld_ids)}</p:sldIdLst>"
        '<p:sldSz cx="12192000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>'
    )
    content_types = (
        XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>"
    )
    rels = (XML_DECL + f'<Relationships xmlns="{REL_NS}">'
            f'<Relationship Id="rId1" Type="{OFFICE_DOC_REL}" Target="ppt/presentation.xml"/></Relationships>')
    return _zip([
        ("[Content_Types].xml", content_types.encode()),
        ("_rels/.rels", rels.encode()),
        ("ppt/presentation.xml", presentation.encode()),
        ("ppt/_rels/presentation.xml.rels",
         (XML_DECL + f'<Relationships xmlns="{REL_NS}">{"".join(pres_rels)}</Relationships>').encode()),
        *parts,
    ])


# --- ODS ------------------------------------------------------------------------------------

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def ods(sheet_name: str, rows: list[list[str]]) -> bytes:
    """One-sheet OpenDocument spreadsheet; every cell a string. The `mimetype` entry comes
    first and stored, as ODF requires and as format sniffing relies on."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    xml_rows = "".join(
        "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{escape(c)}</text:p></table:table-cell>'
            for c in row) + "</table:table-row>"
        for row in rows)
    content = (
        XML_DECL + f'<office:document-content {ns} office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="{escape(sheet_name)}">{xml_rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        XML_DECL + '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE.decode()}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, method in (("mimetype", ODS_MIMETYPE, zipfile.ZIP_STORED),
                                   ("META-INF/manifest.xml", manifest.encode(), zipfile.ZIP_DEFLATED),
                                   ("content.xml", content.encode(), zipfile.ZIP_DEFLATED)):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


# --- XLS (xlwt) -----------------------------------------------------------------------------

def xls(sheet_name: str, rows: list[list[str]], attachment_id: str, title: str) -> bytes:
    try:
        import xlwt
    except ImportError:
        return committed_bytes(attachment_id, title, "xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(sheet_name)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


# --- Raster images --------------------------------------------------------------------------

def bmp_text(lines: list[str], scale: int = 1) -> bytes:
    """24-bit bottom-up BMP (BITMAPINFOHEADER), as Windows' screenshot tools save."""
    width, height, pixels = render_text(lines, scale)
    stride = (width * 3 + 3) & ~3
    body = bytearray()
    for row in reversed(pixels):
        line = bytes(v for g in row for v in (g, g, g))
        body += line + b"\0" * (stride - len(line))
    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(body), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(header) + len(body), 0, 0, 14 + len(header)) + header + bytes(body)


def tiff_text(lines: list[str], scale: int = 1) -> bytes:
    """Uncompressed 8-bit greyscale little-endian TIFF, one strip, 200 dpi like a fax scan."""
    width, height, pixels = render_text(lines, scale)
    data = b"".join(bytes(row) for row in pixels)
    entries = [  # (tag, type, count, value); type 3 SHORT, 4 LONG, 5 RATIONAL
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
        (273, 4, 1, 0), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, len(data)),
        (282, 5, 1, 0), (283, 5, 1, 0), (284, 3, 1, 1), (296, 3, 1, 2),
    ]
    ifd_at = 8
    ifd_len = 2 + 12 * len(entries) + 4
    rational_at = ifd_at + ifd_len
    data_at = rational_at + 8
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        if tag == 273:
            value = data_at
        if kind == 5:
            value = rational_at
        if kind == 3:
            ifd += struct.pack("<HHIHH", tag, kind, count, value, 0)
        else:
            ifd += struct.pack("<HHII", tag, kind, count, value)
    ifd += struct.pack("<I", 0)
    return b"II*\0" + struct.pack("<I", ifd_at) + ifd + struct.pack("<II", 200, 1) + data


def _lzw_uncompressed(indices: bytes) -> bytes:
    """GIF LZW stream of 8-bit literals only, with a clear code every 250 codes: the decoder's
    table never reaches 512 entries, so every code stays 9 bits wide. Larger than real LZW,
    and valid."""
    clear, end = 256, 257
    codes = []
    for i, b in enumerate(indices):
        if i % 250 == 0:
            codes.append(clear)
        codes.append(b)
    codes.append(end)
    out = bytearray()
    acc = bits = 0
    for code in codes:
        acc |= code << bits
        bits += 9
        while bits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            bits -= 8
    if bits:
        out.append(acc & 0xFF)
    return bytes(out)


def gif_text(lines: list[str], scale: int = 1) -> bytes:
    """GIF89a with a 256-entry grey palette, so the anti-aliased glyphs keep their edges."""
    width, height, pixels = render_text(lines, scale)
    palette = b"".join(bytes((g, g, g)) for g in range(256))
    stream = _lzw_uncompressed(b"".join(bytes(row) for row in pixels))
    blocks = b"".join(bytes((len(stream[i:i + 255]),)) + stream[i:i + 255] for i in range(0, len(stream), 255))
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 255, 0) + palette
            + b"," + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x08" + blocks + b"\x00;")


def _pillow_grey(lines: list[str], scale: int):
    from PIL import Image
    width, height, pixels = render_text(lines, scale)
    return Image.frombytes("L", (width, height), b"".join(bytes(row) for row in pixels))


def jpeg_text(lines: list[str], attachment_id: str, title: str, scale: int = 1) -> bytes:
    try:
        image = _pillow_grey(lines, scale)
    except ImportError:
        return committed_bytes(attachment_id, title, "pillow")
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=92)
    return buf.getvalue()


def webp_text(lines: list[str], attachment_id: str, title: str, scale: int = 1) -> bytes:
    try:
        image = _pillow_grey(lines, scale)
    except ImportError:
        return committed_bytes(attachment_id, title, "pillow")
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "WEBP", quality=90, method=6)
    return buf.getvalue()
