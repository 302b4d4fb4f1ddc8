#!/usr/bin/env bash
# Scans a folder of generated hostile attachments with the release binary under
# `/usr/bin/time -v` and fails if the process's maximum resident set size passes a bound.
#
#   scripts/hostile-rss.sh [MAX_RSS_MB]      (default 500)
#
# The files (about 10 MB on disk, several GiB if expanded naively) are generated into a
# temporary folder by Python's standard library and removed afterwards:
#   bomb-many.zip      1,100 entries of 1 MiB each (1.07 GiB expanded)
#   bomb-one.zip       one 1.5 GiB entry
#   bomb-lying.zip     one 1 GiB entry whose headers declare 1 KiB
#   nested.zip         an archive nested 30 deep
#   wide.zip           8 archives per level, 6 levels (262,144 leaves if expanded)
#   lol.docx           an XML entity bomb in word/document.xml
#   huge.png           a PNG header claiming 50,000 x 50,000 pixels
#   bomb.pdf           a page content stream inflating to 1 GiB
#   huge-image.pdf     an image XObject claiming 50,000 x 50,000 pixels
#   far-cell.xlsx      a sheet with cells at A1 and XFD1048576
#   truncated.*        the office files and PDF cut in half
set -euo pipefail

MAX_RSS_MB="${1:-500}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release/confluence-dlp"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin confluence-dlp

mkdir -p "$WORK/files"
python3 - "$WORK/files" <<'PY'
import io, struct, sys, zipfile, zlib

out = sys.argv[1]
MIB = 1 << 20

def write(name, data):
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)

def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()

# Many entries: compress 1 MiB once, then copy the compressed bytes 1,100 times.
one = zlib.compressobj(9, zlib.DEFLATED, -15)
chunk = one.compress(b"0" * MIB) + one.flush()
crc = zlib.crc32(b"0" * MIB)
body, central = io.BytesIO(), io.BytesIO()
for i in range(1100):
    name = f"part{i:05}.txt".encode()
    offset = body.tell()
    body.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(chunk), MIB, len(name), 0) + name + chunk)
    central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(chunk), MIB, len(name), 0, 0, 0, 0, 0, offset) + name)
cd = central.getvalue()
write("bomb-many.zip", body.getvalue() + cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1100, 1100, len(cd), body.tell(), 0))

# One honest 1.5 GiB entry, streamed.
with zipfile.ZipFile(f"{out}/bomb-one.zip", "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("zeros.bin", "w", force_zip64=True) as f:
        for _ in range(1536):
            f.write(b"\0" * MIB)

# One 1 GiB entry whose headers declare 1 KiB.
comp = zlib.compressobj(9, zlib.DEFLATED, -15)
data = b"".join(comp.compress(b"\0" * MIB) for _ in range(1024)) + comp.flush()
name = b"liar.txt"
local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, 0, len(data), 1024, len(name), 0) + name + data
cdir = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, 0, len(data), 1024, len(name), 0, 0, 0, 0, 0, 0) + name
write("bomb-lying.zip", local + cdir + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cdir), len(local), 0))

nested = zip_bytes([("secret.txt", b"password=hunter2")])
for level in range(30):
    nested = zip_bytes([(f"level{level}.zip", nested)])
write("nested.zip", nested)

wide = zip_bytes([("x.txt", b"x")])
for _ in range(6):
    wide = zip_bytes([(f"copy{i}.zip", wide) for i in range(8)])
write("wide.zip", wide)

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
ents = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
lol = f'<?xml version="1.0"?><!DOCTYPE w:document [{ents}]><w:document {W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
docx = zip_bytes([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", lol.encode())])
write("lol.docx", docx)

ihdr = b"IHDR" + struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
write("huge.png", b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr)))

def pdf(objects):
    parts, offsets = [b"%PDF-1.5\n"], []
    for i, obj in enumerate(objects, 1):
        offsets.append(sum(map(len, parts)))
        parts.append(f"{i} 0 obj\n".encode() + obj + b"\nendobj\n")
    xref = sum(map(len, parts))
    table = f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n" + "".join(f"{o:010} 00000 n \n" for o in offsets)
    parts.append(table.encode() + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return b"".join(parts)

def stream(dictionary, data):
    return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"

comp = zlib.compressobj(1)
bomb = b"".join(comp.compress(b" " * MIB) for _ in range(1024)) + comp.flush()
write("bomb.pdf", pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                       b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /MediaBox [0 0 595 842] >>",
                       stream("/Filter /FlateDecode", bomb)]))
image = zlib.compress(b"\0" * 256)
write("huge-image.pdf", pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                             b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> /MediaBox [0 0 595 842] >>",
                             stream("", b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
                             stream("/Type /XObject /Subtype /Image /Width 50000 /Height 50000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", image)]))

sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
         '<row r="1"><c r="A1"><v>4111111111111111</v></c></row>'
         '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')
workbook = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>')
root_rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
             'Target="xl/workbook.xml"/></Relationships>')
types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
xlsx = zip_bytes([("[Content_Types].xml", types.encode()), ("_rels/.rels", root_rels.encode()), ("xl/workbook.xml", workbook.encode()),
                  ("xl/_rels/workbook.xml.rels", rels.encode()), ("xl/worksheets/sheet1.xml", sheet.encode())])
write("far-cell.xlsx", xlsx)

for name, data in [("truncated.docx", docx), ("truncated.xlsx", xlsx), ("truncated.pdf", pdf([b"<< /Type /Catalog >>"]))]:
    write(name, data[: len(data) // 2])
PY

ls -l "$WORK/files"
set +e
DLP_DATA_DIR="$WORK/state" /usr/bin/time -v "$BIN" scan "$WORK/files" >"$WORK/stdout" 2>"$WORK/time"
status=$?
set -e
grep -E "Maximum resident set size|Elapsed \(wall clock\)" "$WORK/time"
# Exit codes: 0 clean, 1 findings; anything else (a crash, a kill) fails the check.
if [ "$status" -gt 1 ]; then
    echo "scan exited with $status" >&2
    tail -20 "$WORK/time" >&2
    exit 1
fi
cat "$WORK/stdout"
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$WORK/time")
rss_mb=$((rss_kb / 1024))
echo "maximum resident set size: ${rss_mb} MB (bound ${MAX_RSS_MB} MB)"
if [ "$rss_mb" -gt "$MAX_RSS_MB" ]; then
    echo "FAIL: the scan of hostile files used more than ${MAX_RSS_MB} MB" >&2
    exit 1
fi
