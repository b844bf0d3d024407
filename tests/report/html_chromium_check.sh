#!/usr/bin/env bash
# Opens the HTML report of a simulator run in headless Chromium, as a person would see it:
# the rendered DOM must hold the summary and a statement matrix per version, and the screenshot
# must show the summary's pass box and the matrix cells in their colours.
# html_chromium_check.sh HARNESS SCENARIOS_DIR [CHROMIUM]. Exit 0 pass, 1 fail, 77 no Chromium.
set -u
harness=$1
scenarios=$2
chromium=${3:-chromium}
command -v "$chromium" >/dev/null || { echo "chromium not found (tools/bootstrap installs it)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$harness" run "$scenarios" --out "$work/r" -q >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
page="file://$work/r/latest/report.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$work/profile" --window-size=1280,1400)
timeout 120 "$chromium" "${flags[@]}" --dump-dom "$page" >"$work/dom.html" 2>"$work/chromium.log" || { tail "$work/chromium.log"; exit 1; }
timeout 120 "$chromium" "${flags[@]}" --screenshot="$work/shot.png" "$page" >>"$work/chromium.log" 2>&1 || { tail "$work/chromium.log"; exit 1; }
python3 - "$work/dom.html" "$work/shot.png" <<'PY'
import re, struct, sys, zlib
dom = open(sys.argv[1]).read()
assert 'id="summary"' in dom and 'class="count v-pass"' in dom, "no summary in the rendered page"
assert 'id="matrix-3.1.1"' in dom and 'id="matrix-5.0"' in dom, "no statement matrix per version"
assert len(re.findall(r'class="cell ', dom)) == 141 + 251, "the matrices do not have 141 and 251 cells"
assert "MQTT 5.0: statements" in dom

# The screenshot: decode the PNG (8-bit RGB or RGBA) and look for the colours that matter.
data = open(sys.argv[2], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, width, height, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = width * bpp
rows, prev, i = [], bytearray(stride), 0
for _ in range(height):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
def count(rgb, top, bottom):
    n = 0
    for y in range(top, min(bottom, height)):
        r = rows[y]
        for x in range(0, stride, bpp):
            if abs(r[x] - rgb[0]) < 6 and abs(r[x + 1] - rgb[1]) < 6 and abs(r[x + 2] - rgb[2]) < 6: n += 1
    return n
green = count((0x2e, 0x7d, 0x32), 0, 260)          # the pass box of the summary
header = count((0x1d, 0x23, 0x30), 0, 60)           # the dark page header
cells = count((0xe4, 0xe7, 0xec), 260, height)      # uncovered statement cells of the matrix
assert header > width * 20, ("header not rendered", header)
assert green > 2000, ("summary pass box not rendered", green)
assert cells > 5000, ("statement matrix not rendered", cells)
print("rendered: header %d px, pass box %d px, matrix cells %d px" % (header, green, cells))
PY
