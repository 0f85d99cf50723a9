#!/usr/bin/env bash
# End to end: the consent rendered for patients whose names are written in
# twenty scripts (Arabic, Persian, Urdu, Hebrew, Chinese, Korean, Japanese,
# Khmer, Thai, Lao, Myanmar, Devanagari, Gurmukhi, Bengali, Vietnamese,
# Cyrillic, Greek, Armenian, Georgian, Ethiopic). For each name: the PDF
# renders; pdftotext gives the name back in logical order on the header's
# "Patient:" line and in the patient table; every font is embedded, subset,
# with a ToUnicode map (CJK as CFF, "CID Type 0C"); qpdf --check passes; the
# glyphs of the boxes holding the name are the ones HarfBuzz's hb-shape gives
# for that text, font, face and direction, and no word of a name is split
# between two faces (needs layout_dump's glyph lines,
# MP_DUMP_GLYPHS=1); a PNG of page 1's header and patient table is kept in
# ./scripts-png/ (in CTest's folder) for a person to look at.
# MP_UPDATE_DOCS=1 also writes docs/names-in-scripts.png (eight header lines
# stacked) into the source tree; nothing else is written there.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
pngdir=$PWD/scripts-png
dump=${MP_LAYOUT_DUMP:-}
for tool in pdftotext pdffonts qpdf pdftoppm hb-shape python3; do
  command -v "$tool" >/dev/null || { echo "skip: $tool is missing (poppler-utils, qpdf, libharfbuzz-bin, python3; scripts/setup installs them)"; exit 77; }
done
new_dated_workdir
mkdir -p "$pngdir" || exit 1
cd "$work" || exit 1
form=$root/forms/trigger-point/consent.yaml
bash "$root/tests/golden/clinic.sh" "$root" clinic.yaml || exit 1

# key, first name, last name, "cjk" when the name must come out in Noto CJK.
names=$(cat <<'EOF'
arabic	محمد	عبد الله	-
persian	زهرا	رضایی	-
urdu	عائشہ	خان	-
hebrew	יוסף	כהן	-
chinese	芳	王	cjk
korean	민준	김	cjk
japanese	花子	佐藤	cjk
khmer	សុខ	ចាន់ធី	-
thai	สมชาย	ใจดี	-
lao	ສົມ	ພອນ	-
myanmar	အောင်	ကျော်	-
devanagari	किरण	शर्मा	-
gurmukhi	ਗੁਰਪ੍ਰੀਤ	ਕੌਰ	-
bengali	রহিম	উদ্দিন	-
vietnamese	Nguyễn	Trần	-
cyrillic	Нина	Иванова	-
greek	Ἀλέξανδρος	Παπαδόπουλος	-
armenian	Արամ	Պետրոսյան	-
georgian	ნინო	ბერიძე	-
ethiopic	አበበ	ከበደ	-
EOF
)


# The glyphs of the text boxes on page 1 that hold the name, against
# hb-shape's for the box's text in the same font file, face and direction,
# with the rest of the name as context (the engine shapes each piece with
# the whole paragraph as context). Exit 77 when the dump has no glyph lines.
cat >glyphs.py <<'PY'
import re, subprocess, sys
box_re = re.compile(r'^  text (\S+) (\S+) \S+ \S+ face \d+ \S+( rtl)? "(.*)"$')
gl_re = re.compile(r'^    glyphs (.+)#(\d+) dir=(ltr|rtl)((?: \d+\+-?\d+)*) *$')
def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    return 1
def check(dump, name):
    lines = open(dump, encoding="utf-8").read().split("\n")
    if not any(gl_re.match(l) for l in lines):
        return None
    page, boxes = 0, []
    for i, l in enumerate(lines):
        if l.startswith("page "):
            page += 1
        m = box_re.match(l)
        if page != 1 or not m:
            continue
        text = m.group(4)
        t = text.strip()
        if not t or not (name in t or (t in name and any(ord(c) > 127 for c in t))):
            continue
        g = gl_re.match(lines[i + 1]) if i + 1 < len(lines) else None
        boxes.append((m.group(2), bool(m.group(3)), text, g))
    bad = 0
    if len(boxes) < 2:
        bad += fail("%s: %d text box(es) on page 1 hold the name; want the header's and the table's" % (name, len(boxes)))
    for y, rtl, text, g in boxes:
        what = '%s: box "%s" at y %s' % (name, text, y)
        if not g:
            bad += fail("%s: no glyphs line after it" % what)
            continue
        font, index, d, seq = g.group(1), g.group(2), g.group(3), g.group(4)
        ours = [p.split("+")[0] for p in seq.split()]
        if (d == "rtl") != rtl:
            bad += fail("%s: the glyphs line says dir=%s, the box %s" % (what, d, "rtl" if rtl else "ltr"))
        k = name.find(text)
        before, after = (name[:k], name[k + len(text):]) if k >= 0 else ("", "")
        # No word of a name is drawn in two faces (an Arabic word would lose
        # its joins where they meet): every box starts and ends at a space
        # or an end of the name.
        t0 = name.find(text.strip())
        t1 = t0 + len(text.strip())
        if t0 >= 0 and ((t0 > 0 and name[t0 - 1] != " ") or (t1 < len(name) and name[t1] != " ")):
            bad += fail('%s: a word of the name is split between faces' % what)
        cmd = ["hb-shape", "--font-file=" + font, "--face-index=" + index, "--direction=" + d,
               "--language=en", "--no-glyph-names", "--no-clusters", "--no-positions",
               "--text-before=" + before, "--text-after=" + after, "--text=" + text]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            bad += fail("%s: hb-shape: %s" % (what, r.stderr.strip()))
            continue
        theirs = re.findall(r"\d+", r.stdout)
        if ours == theirs:
            print("ok: %s: %d glyphs as hb-shape gives them (%s#%s %s)" % (what, len(ours), font.rsplit("/", 1)[-1], index, d))
        else:
            bad += fail("%s (%s#%s %s): our glyphs [%s], hb-shape's [%s]" % (what, font, index, d, " ".join(ours), " ".join(theirs)))
    return bad
bad = skipped = 0
for row in open(sys.argv[1], encoding="utf-8").read().splitlines():
    dump, first, last = row.split("\t")
    r = check(dump, first + " " + last)
    if r is None:
        skipped += 1
    else:
        bad += r
if skipped:
    print("skip: glyphs against hb-shape for %d name(s): layout_dump printed no glyph lines with MP_DUMP_GLYPHS=1" % skipped)
sys.exit(1 if bad else 77 if skipped else 0)
PY

nrows=0
while IFS=$'\t' read -r key first last kind; do
  nrows=$((nrows + 1))
  name="$first $last"
  "$bin" render "$form" --data "$root/examples/patient.yaml" --set "patient.first_name=$first" \
    --set "patient.last_name=$last" -o "$key.pdf" 2>"$key.err"
  rc=$?
  if [ "$rc" -ne 0 ] || [ "$(head -c 5 "$key.pdf" 2>/dev/null)" != "%PDF-" ]; then
    fail "$key ($name): render exit $rc, no PDF: $(head -c 300 "$key.err")"
    continue
  fi
  ok "$key ($name): renders"

  # The name in logical order, in the header and in the patient table.
  text=$(plain_text "$key.pdf" 1 1)
  header=$(printf '%s\n' "$text" | sed -n 's/^Patient: \(.*\) Date of birth: .*/\1/p' | head -n 1)
  check_eq "$key: header's Patient: line" "$header" "$name"
  row=$(printf '%s\n' "$text" | sed -n 's/^Patient \(.*\)/\1/p' | head -n 1)
  if [ "$kind" = cjk ] && [ "$row" != "$name" ]; then
    # pdftotext drops the space between two one-character CJK words (芳 王
    # comes back 芳王, though the PDF draws the space glyph): take the words
    # of the table's Patient row, in order, from -bbox instead.
    row=$(pdftotext -bbox -f 1 -l 1 "$key.pdf" - 2>/dev/null | awk -F'"' '
      /<word / { w = $0; sub(/.*">/, "", w); sub(/<\/word>.*/, "", w)
                 if (w == "Patient" && y == "") y = $4
                 else if (y != "" && $4 - y < 5 && y - $4 < 5) out = out (out == "" ? "" : " ") w }
      END { print out }')
    check_eq "$key: patient table (pdftotext -bbox words)" "$row" "$name"
  else
    check_eq "$key: patient table" "$row" "$name"
  fi

  # qpdf, and every font embedded, subset, with a ToUnicode map; CJK as CFF.
  check_pdf_ok "$key" "$key.pdf"
  fonts=$(pdffonts "$key.pdf" 2>/dev/null | tail -n +3)
  if [ "$kind" = cjk ]; then
    cjk=$(printf '%s\n' "$fonts" | grep CJK)
    if [ -n "$cjk" ] && ! printf '%s\n' "$cjk" | grep -qv 'CID Type 0C'; then
      ok "$key: Noto CJK embedded as CID Type 0C"
    else
      fail "$key: want a CJK font of type CID Type 0C: [$fonts]"
    fi
  fi

  # Page 1's header and patient table at 100 dpi (850 x 340 px), for a person.
  rm -f "$pngdir/$key.png"
  pdftoppm -r 100 -f 1 -l 1 -x 0 -y 0 -W 850 -H 340 -png -singlefile "$key.pdf" "$pngdir/$key" 2>/dev/null
  if [ -s "$pngdir/$key.png" ]; then ok "$key: picture $pngdir/$key.png"; else fail "$key: no picture"; fi

  # Shaping: our glyphs against hb-shape's.
  if [ -z "$dump" ] || [ ! -x "$dump" ]; then
    skip "$key: glyphs against hb-shape (MP_LAYOUT_DUMP is not set to the layout_dump tool)"
    continue
  fi
  sed -e "s/^first_name: .*/first_name: \"$first\"/" -e "s/^last_name: .*/last_name: \"$last\"/" \
    "$root/examples/patient.yaml" >"p-$key.yaml"
  if ! MP_DUMP_GLYPHS=1 "$dump" "$form" clinic.yaml "p-$key.yaml" >"$key.dump" 2>"$key.dump.err"; then
    fail "$key: layout_dump: $(head -c 300 "$key.dump.err")"
    continue
  fi
  printf '%s\t%s\t%s\n' "$key.dump" "$first" "$last" >>dumps.tsv
done <<<"$names"
if [ -s dumps.tsv ]; then
  python3 glyphs.py dumps.tsv
  case $? in
    0) ;;
    77) skips=$((skips + 1)) ;;
    *) failures=$((failures + 1)) ;;
  esac
fi
check_eq "names in 20 scripts checked" "$nrows" 20

# The README's picture: the header line for eight scripts, one under another
# (PPM crops at 150 dpi joined into a PNG by Python's standard library alone).
if [ "${MP_UPDATE_DOCS:-}" = 1 ]; then
  crops=()
  for key in arabic chinese korean khmer thai devanagari hebrew vietnamese; do
    pdftoppm -r 150 -f 1 -l 1 -x 100 -y 89 -W 760 -H 36 -singlefile "$key.pdf" "crop-$key" 2>/dev/null &&
      crops+=("crop-$key.ppm")
  done
  python3 - "$root/docs/names-in-scripts.png" "${crops[@]}" <<'PY'
import struct, sys, zlib
def read_ppm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P6" and fields[3] == b"255", path
    w, h = int(fields[1]), int(fields[2])
    pix = data[pos + 1:pos + 1 + w * h * 3]
    return w, h, [pix[r * w * 3:(r + 1) * w * 3] for r in range(h)]
out, rows = sys.argv[1], []
imgs = [read_ppm(p) for p in sys.argv[2:]]
width = max(w for w, _, _ in imgs)
for n, (w, h, r) in enumerate(imgs):
    if n:
        rows += [b"\xff" * width * 3] * 4 + [b"\xcc" * width * 3] + [b"\xff" * width * 3] * 4
    rows += [x + b"\xff" * (width - w) * 3 for x in r]
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
raw = b"".join(b"\x00" + x for x in rows)
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
open(out, "wb").write(png)
PY
  if [ "$?" -eq 0 ] && [ "${#crops[@]}" -eq 8 ]; then ok "wrote $root/docs/names-in-scripts.png"; else fail "docs/names-in-scripts.png not written"; fi
fi
finish
