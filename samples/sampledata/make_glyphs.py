#!/usr/bin/env python3
"""Renders GLYPH_ATLAS for formats.png_text: the characters of GLYPH_CHARS in a real monospace
font (the PDF Courier, which poppler draws with DejaVu Sans Mono), anti-aliased, one 24 x 40
grey cell each. Prints the Python assignment to paste into formats.py.

    python3 samples/sampledata/make_glyphs.py    # needs pdftoppm (poppler-utils)

A rendered font rather than a hand-drawn bitmap one: OCR reads the 5x7 bitmap font's zeros as
eights and its fives as S's, and sample images exist to test OCR.
"""

import base64
import os
import subprocess
import sys
import tempfile
import textwrap
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sampledata.formats import GLYPH_CELL, GLYPH_CHARS  # noqa: E402

DPI = 144  # 2 px per point: Courier 20 pt advances 12 pt = 24 px per character


def main() -> None:
    cell_w, cell_h = GLYPH_CELL
    ops = ["BT", "/F1 20 Tf"]
    for i, ch in enumerate(GLYPH_CHARS):
        s = ch.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"1 0 0 1 {10 + 12 * i} 700 Tm ({s}) Tj")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1400 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        pdf += f"{off:010d} 00000 n \n".encode()
    pdf += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "glyphs.pdf")
        with open(src, "wb") as f:
            f.write(pdf)
        # Baseline at 700 pt from the bottom: (792 - 700) * 2 = 184 px from the top; the cell
        # keeps 32 px above it and 8 below.
        subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-singlefile", "-x", "20", "-y", "152",
                        "-W", str(cell_w * len(GLYPH_CHARS)), "-H", str(cell_h), src,
                        os.path.join(tmp, "atlas")], check=True)
        with open(os.path.join(tmp, "atlas.pgm"), "rb") as f:
            pgm = f.read()
    # Binary PGM: "P5\n<w> <h>\n<max>\n" then the pixels.
    header_end = 0
    for _ in range(3):
        header_end = pgm.index(b"\n", header_end) + 1
    pixels = pgm[header_end:]
    assert len(pixels) == cell_w * len(GLYPH_CHARS) * cell_h, "unexpected atlas size"
    encoded = base64.b64encode(zlib.compress(pixels, 9)).decode()
    print("GLYPH_ATLAS = (")
    for chunk in textwrap.wrap(encoded, 96):
        print(f'    "{chunk}"')
    print(")")


if __name__ == "__main__":
    main()
