#!/usr/bin/env bash
# End to end: a consent whose language reads right to left
# (tests/fixtures/rtl/consent-ar.yaml, language: ar) through the real binary.
# - render exits 0 for a patient with a Latin name and one with an Arabic
#   name; qpdf --check passes; every font is embedded, subset, with ToUnicode;
# - pdftotext gives the Arabic lines (title, headings, list items, risks,
#   checkboxes) back in logical order, and each footer its page label with
#   the page number before the page count;
# - layout_dump's boxes: every line of the form's wording ends at the right
#   margin, bullets and checkboxes sit right of their text, and every rule,
#   box and signature line is where the mirror image of the same form laid
#   out left to right puts it; the logo and the "Page X of N" label at the
#   left, the clinic's name at the right; the clinic's Latin address keeps
#   its order (street number first) on the mirrored page; the same at large
#   print and on A4;
# - --large-print, --page-size a4, batch --duplex, review (PDF and text),
#   diff against a copy with one word changed, and check all work, and two
#   renders give the same bytes and the footer the wording fingerprint.
# Page 1 at 60 dpi is kept as ./rtl-png/consent-ar.png (in CTest's folder)
# for a person to look at.
# The labels medpacket prints itself (the page label, the patient table, the
# footer, the padding page's note) are Arabic, from src/model/msg.c.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
pngdir=$PWD/rtl-png
dump=${MP_LAYOUT_DUMP:-}
for tool in pdftotext pdffonts pdfinfo qpdf pdftoppm python3; do
  command -v "$tool" >/dev/null || { echo "skip: $tool is missing (poppler-utils, qpdf, python3; scripts/setup installs them)"; exit 77; }
done
new_dated_workdir
mkdir -p "$pngdir" || exit 1
cd "$work" || exit 1
form=$root/tests/fixtures/rtl/consent-ar.yaml
bash "$root/tests/golden/clinic.sh" "$root" clinic.yaml || exit 1
cp "$root/examples/patient.yaml" latin.yaml
sed -e 's/^first_name: .*/first_name: "محمد"/' -e 's/^last_name: .*/last_name: "عبد الله"/' \
  latin.yaml >arabic.yaml

pages_of() { pdfinfo "$1" 2>/dev/null | sed -n 's/^Pages: *//p'; }
# render with ARGS into OUT; 0 when a PDF came out.
render() { # WHAT OUT ARGS...
  local what=$1 out=$2 rc
  shift 2
  "$bin" render "$form" --clinic clinic.yaml -o "$out" "$@" 2>"$out.err"
  rc=$?
  if [ "$rc" -ne 0 ] || [ "$(head -c 5 "$out" 2>/dev/null)" != "%PDF-" ]; then
    fail "$what: render exit $rc, no PDF: $(head -c 300 "$out.err")"
    return 1
  fi
  ok "$what: renders"
}

# The lines of wording that fit on one line, as pdftotext must give them
# back: in logical order.
cat >lines.txt <<'EOF'
الموافقة على حقن نقاط الألم
ما هو الإجراء؟
قبل الحقنة
• البس ملابس واسعة.
• كل وجبة خفيفة.
• أخبر الطبيب عن أدويتك.
• ألم بعد الحقنة
قد يؤلمك المكان لبضعة أيام. الثلج يساعد.
• عدوى
قد تدخل الجراثيم من مكان الإبرة. هذا نادر.
المخاطر
يمكنك أن تسأل في أي وقت. لا توقع حتى تحصل على جواب لكل أسئلتك.
قرأت هذه الورقة أو قرأها أحد لي.
أوافق على الحقن.
التوقيعات
EOF
# Two things poppler's pdftotext (22.12) does to any right-to-left text,
# whoever made the PDF, and that are undone here on the expected side only:
# it turns the two letters of a lam-alef ligature (one glyph, ToUnicode
# "لا" in logical order) round, giving "ال"; and it moves a full stop
# inside a line to the other side of the space after it ("الألم. اقرأها"
# comes back "الألم .اقرأها"). So punctuation is compared as absent, and
# the ligature's letters as poppler gives them; the order of every word and
# letter is still checked.
cat >logical.py <<'PY'
import re, sys
def norm(s):
    s = re.sub(r"[.،؟:]", "", s)
    return " ".join(s.split())
want = [l for l in open(sys.argv[1], encoding="utf-8").read().split("\n") if l]
got = {norm(l) for l in open(sys.argv[2], encoding="utf-8").read().split("\n")}
bad = 0
for w in want:
    poppler = re.sub("ل([اأإآ])", r"\1ل", w)
    if norm(poppler) in got:
        print("ok: %s: pdftotext gives back \"%s\" in logical order" % (sys.argv[3], w))
    else:
        print("FAIL: %s: \"%s\" not found in logical order in pdftotext's text" % (sys.argv[3], w), file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY

# Geometry, from layout_dump: the right-to-left form against the mirror
# image of the same form laid out left to right (language: en).
cat >geometry.py <<'PY'
import re, sys
TOL = 0.05
box_re = re.compile(r'^  (text|rect|line|image|qr|link|mark|highlight) (\S+) (\S+) (\S+) (\S+)(?: face (\d+) (\S+)( rtl)?)?(?: "(.*)")?$')
def load(path):
    pages = []
    for l in open(path, encoding="utf-8").read().split("\n"):
        if l.startswith("page "):
            f = l.split()
            pages.append({"w": float(f[2]), "h": float(f[4]), "boxes": []})
            continue
        m = box_re.match(l)
        if m and pages:
            pages[-1]["boxes"].append({"kind": m.group(1), "x": float(m.group(2)), "y": float(m.group(3)),
                                       "w": float(m.group(4)), "h": float(m.group(5)),
                                       "size": float(m.group(7)) if m.group(7) else 0,
                                       "rtl": bool(m.group(8)), "text": m.group(9)})
    return pages
what, rtl_path, ltr_path = sys.argv[1], sys.argv[2], sys.argv[3]
R, L = load(rtl_path), load(ltr_path)
bad = 0
def check(cond, msg):
    global bad
    if cond:
        print("ok: %s: %s" % (what, msg))
    else:
        print("FAIL: %s: %s" % (what, msg), file=sys.stderr)
        bad += 1
    return cond
if not check(len(R) > 0 and len(R) == len(L), "%d pages, as many as left to right (%d)" % (len(R), len(L))):
    sys.exit(1)
W = R[0]["w"]
# The header's rule spans the body: its ends are the margins.
rule = max((b for b in R[0]["boxes"] if b["kind"] == "line"), key=lambda b: b["w"])
left, right = rule["x"], rule["x"] + rule["w"]
check(abs(left - (W - right)) < TOL and 30 < left < 100, "margins %.2f and %.2f on a %.2f pt page" % (left, W - right, W))
def rows(page):
    """Text boxes grouped into lines (same baseline)."""
    out = {}
    for b in page["boxes"]:
        if b["kind"] == "text":
            out.setdefault(round(b["y"], 2), []).append(b)
    return out
arabic = re.compile("[\u0600-\u06ff]")
# Every line of the form's wording (Arabic text) ends at the right margin,
# or at the indent of a list item (left of its bullet), or left of the label
# of the patient table; none starts left of the left margin.
n_lines = n_full = 0
for p, page in enumerate(R):
    for y, boxes in rows(page).items():
        if not any(b["text"] and arabic.search(b["text"]) for b in boxes):
            continue
        x0 = min(b["x"] for b in boxes)
        x1 = max(b["x"] + b["w"] for b in boxes)
        if x0 < left - TOL:
            check(False, "page %d line at y %.2f starts at %.2f, left of the margin" % (p + 1, y, x0))
        if abs(x1 - right) < TOL:
            n_full += 1
        n_lines += 1
check(n_full >= 10, "%d lines of Arabic wording end at the right margin (x + w = %.2f)" % (n_full, right))
# The paragraphs that wrap: each of their lines ends at the right margin,
# and every line but the last fills at least 80% of the width.
for start in ("هذه الورقة", "نقاط الألم عقد"):
    page = next(pg for pg in R if any(b["text"] and b["text"].startswith(start) for b in pg["boxes"]))
    lines = []
    for y, boxes in sorted(rows(page).items(), reverse=True):
        t = [b for b in boxes if b["text"]]
        if lines or any(b["text"].startswith(start) for b in t):
            if lines and (lines[-1][0] - y > t[0]["size"] * 1.6 or any("•" == b["text"] for b in t)):
                break
            lines.append((y, min(b["x"] for b in t), max(b["x"] + b["w"] for b in t)))
    check(len(lines) >= 2, "the paragraph \"%s...\" wraps (%d lines)" % (start, len(lines)))
    for i, (y, x0, x1) in enumerate(lines):
        check(abs(x1 - right) < TOL, "\"%s...\" line %d ends at the right margin (%.2f, want %.2f)" % (start, i + 1, x1, right))
        if i < len(lines) - 1:
            check(x1 - x0 > 0.8 * (right - left), "\"%s...\" line %d fills the line (%.2f of %.2f)" % (start, i + 1, x1 - x0, right - left))
# Bullets: right of their item's text, at the right margin.
nb = 0
for p, page in enumerate(R):
    for y, boxes in rows(page).items():
        for b in boxes:
            if b["text"] != "•":
                continue
            nb += 1
            others = [o for o in boxes if o is not b]
            ok_ = others and all(o["x"] + o["w"] <= b["x"] + TOL for o in others) and right - 12 < b["x"] + b["w"] <= right + TOL
            if not ok_:
                check(False, "page %d: the bullet at y %.2f (x %.2f) is not right of its text, at the margin" % (p + 1, y, b["x"]))
check(nb >= 8, "%d bullets, each right of its item's text, at the right margin" % nb)
# Rules, boxes (initials, checkboxes), signature lines and the logo: where
# the mirror image of the left-to-right layout puts them.
nm = 0
for p, (rp, lp) in enumerate(zip(R, L)):
    rb = sorted(((round(b["y"], 2), round(W - b["x"] - b["w"], 2), round(b["w"], 2), round(b["h"], 2), b["kind"])
                 for b in rp["boxes"] if b["kind"] in ("rect", "line", "image")))
    lb = sorted(((round(b["y"], 2), round(b["x"], 2), round(b["w"], 2), round(b["h"], 2), b["kind"])
                 for b in lp["boxes"] if b["kind"] in ("rect", "line", "image")))
    same = len(rb) == len(lb) and all(a[4] == c[4] and all(abs(a[k] - c[k]) < TOL for k in range(4)) for a, c in zip(rb, lb))
    check(same, "page %d: %d rules, boxes, signature lines and logo mirror the left-to-right page's%s"
          % (p + 1, len(rb), "" if same else ": " + repr(rb) + " vs " + repr(lb)))
    nm += len(rb)
rects = [b for pg in R for b in pg["boxes"] if b["kind"] == "rect"]
initials = [b for b in rects if b["w"] > 30]
checks = [b for b in rects if b["w"] <= 30]
check(len(initials) == 3 and all(abs(b["x"] - left) < TOL for b in initials),
      "%d initials boxes, each at the left margin" % len(initials))
check(len(checks) == 3 and all(right - 3 < b["x"] + b["w"] <= right + TOL for b in checks),
      "%d checkboxes, each at the right margin" % len(checks))
for pg in R:
    for c in checks:
        if c not in pg["boxes"]:
            continue
        row = [b for b in pg["boxes"] if b["kind"] == "text" and abs(b["y"] - (c["y"] + 1.32)) < 3]
        check(row and all(b["x"] + b["w"] < c["x"] for b in row), "the checkbox at y %.2f is right of its text" % c["y"])
# The signature lines: the one for the signature itself at the right.
sig_page = next(pg for pg in R if any(b["text"] == "التوقيعات" for b in pg["boxes"]))
sig = [b for b in sig_page["boxes"] if b["kind"] == "line" and b["w"] < right - left - 1]
check(len(sig) >= 6 and max(b["x"] + b["w"] for b in sig) > right - TOL and min(b["x"] for b in sig) < left + TOL,
      "%d signature lines, from the right margin to the left" % len(sig))
# Header and footer: clinic name at the right, logo and page label at the
# left, the form's id line at the right.
for p, page in enumerate(R):
    tb = [b for b in page["boxes"] if b["kind"] == "text"]
    img = [b for b in page["boxes"] if b["kind"] == "image"]
    top = max(b["y"] for b in tb)
    name = [b for b in tb if abs(b["y"] - top) < TOL]
    check(img and abs(img[0]["x"] - left) < TOL, "page %d: the logo at the left margin" % (p + 1))
    check(name and abs(max(b["x"] + b["w"] for b in name) - right) < TOL, "page %d: the running header ends at the right margin" % (p + 1))
    bottom = min(b["y"] for b in tb)
    foot = sorted((b for b in tb if abs(b["y"] - bottom) < TOL), key=lambda b: b["x"])
    # The page label ("الصفحة 1 من 2") is several runs, its numbers left to
    # right among the Arabic words: the footer's boxes in the left half,
    # read from the right.
    label = [b for b in foot if b["x"] < W / 2]
    text = "".join(b["text"] or "" for b in sorted(label, key=lambda b: -b["x"]))
    check(len(foot) >= 2 and label and abs(label[0]["x"] - left) < TOL and re.search(r"\b%d\b.*\b%d\b" % (p + 1, len(R)), text),
          "page %d: the page label \"%s\" at the left margin" % (p + 1, text))
    check(abs(foot[-1]["x"] + foot[-1]["w"] - right) < TOL, "page %d: the form's id line ends at the right margin" % (p + 1))
# The clinic's address, Latin text on a mirrored page, keeps its own order:
# the street number first, so left of the street, and the line at the right.
addr = [b for b in R[0]["boxes"] if b["kind"] == "text" and b["text"] and ("1200" in b["text"] or "Seaside" in b["text"])]
num = [b for b in addr if b["text"].strip().startswith("1200")]
street = [b for b in addr if "Seaside" in b["text"]]
if num and street:
    check(num[0]["x"] <= street[0]["x"] + TOL, "the clinic's address reads \"1200 Seaside ...\" (the number left of the street, x %.2f vs %.2f)" % (num[0]["x"], street[0]["x"]))
    check(abs(max(b["x"] + b["w"] for b in R[0]["boxes"] if b["kind"] == "text" and abs(b["y"] - street[0]["y"]) < TOL) - right) < TOL,
          "the clinic's address ends at the right margin")
else:
    check(False, "the clinic's address on page 1")
sys.exit(1 if bad else 0)
PY

# The binary must take a right-to-left language at all: a form's language
# needs a table of labels (src/model/msg.c), and without one form.c refuses
# it. Said once, rather than as every check below failing.
if ! "$bin" check --clinic clinic.yaml "$form" >probe.out 2>&1 &&
   grep -q 'language "ar" is not supported' probe.out; then
  fail "medpacket refuses the form's language: $(head -n 1 probe.out)"
  finish
fi

# ---- render, for a Latin and an Arabic name ------------------------------
for who in latin arabic; do
  render "$who name" "$who.pdf" --data "$who.yaml" || continue
  check_pdf_ok "$who name" "$who.pdf"
  plain_text "$who.pdf" >"$who.txt"
  python3 logical.py lines.txt "$who.txt" "$who name" || failures=$((failures + 1))
  # The clinic's address is data: on the mirrored page it keeps its own
  # order (before the fix, "... 555-0142 1200").
  check_has "$who name: the clinic's address in its own order" "$(cat "$who.txt")" \
    "1200 Seaside Avenue, Suite 300, Long Beach, CA 90802 · (562) 555-0142"
  n=$(pages_of "$who.pdf")
  for p in $(seq 1 "$n"); do
    label=$(plain_text "$who.pdf" "$p" "$p" | tr -d '\f' | grep -v '^$' | tail -n 1)
    if printf '%s\n' "$label" | grep -qE "(^|[^0-9])${p}[^0-9]+${n}([^0-9]|$)" &&
       printf '%s\n' "$label" | grep -qF "tpi-consent-ar"; then
      ok "$who name: page $p's footer reads \"$label\" (page $p, then $n)"
    else
      fail "$who name: page $p's footer: [$label], want page $p of $n and the form id"
    fi
  done
done
# The running header's patient line (the one with the record number): the
# name in logical order, among the Arabic labels (src/model/msg.c).
check_has "arabic name: the header's patient line" "$(grep -m 1 A1003 arabic.txt)" "محمد عبد الله"
name=$(sed -n 's/^\(.*\) المريض$/\1/p' arabic.txt 2>/dev/null | head -n 1)
check_eq "arabic name: the patient table" "$name" "محمد عبد الله"

# A person looks at page 1.
rm -f "$pngdir/consent-ar.png"
if [ -s latin.pdf ]; then
  pdftoppm -r 60 -f 1 -l 1 -png -singlefile latin.pdf "$pngdir/consent-ar" 2>/dev/null
fi
if [ -s "$pngdir/consent-ar.png" ]; then ok "picture $pngdir/consent-ar.png"; else fail "no picture of page 1"; fi

# ---- the same bytes twice; the fingerprint in the footer -----------------
if render "second render" again.pdf --data latin.yaml && [ -s latin.pdf ]; then
  check_eq "two renders: the same bytes" "$(sha256sum <again.pdf | cut -c1-64)" "$(sha256sum <latin.pdf | cut -c1-64)"
fi
fp=$("$bin" check --json --clinic clinic.yaml "$form" 2>/dev/null | sed -n 's/.*"fingerprint":"\([0-9a-f]\{64\}\)".*/\1/p')
check_eq "check --json: a fingerprint" "${#fp}" 64
foot=$(grep -o 'النص [0-9a-f]\{12\}' latin.txt 2>/dev/null | sort -u)
check_eq "every footer: the fingerprint's first 12 digits" "$foot" "النص ${fp:0:12}"
check_has "the PDF's keywords: the whole fingerprint" "$(pdfinfo latin.pdf 2>/dev/null)" "$fp"

# ---- large print, A4, duplex ---------------------------------------------
if render "--large-print" large.pdf --data latin.yaml --large-print; then
  check_pdf_ok "--large-print" large.pdf
  lp=$(pages_of large.pdf) np=$(pages_of latin.pdf)
  if [ "${lp:-0}" -gt "${np:-0}" ]; then ok "--large-print: $lp pages, more than $np"; else fail "--large-print: $lp pages, want more than $np"; fi
  plain_text large.pdf >large.txt
  python3 logical.py lines.txt large.txt "--large-print" || failures=$((failures + 1))
fi
if render "--page-size a4" a4.pdf --data latin.yaml --page-size a4; then
  check_pdf_ok "--page-size a4" a4.pdf
  check_has "--page-size a4: an A4 page" "$(pdfinfo a4.pdf 2>/dev/null)" "595.276 x 841.89 pts (A4)"
fi
printf -- '- first_name: José\n  last_name: Núñez\n  dob: 1968-04-12\n  mrn: A1003\n  appointment_date: 2026-12-01\n  clinician: Dr. Ana Ruiz\n  large_print: "yes"\n' >list.yaml
"$bin" batch "$form" --clinic clinic.yaml --data list.yaml --merge duplex.pdf --duplex -q 2>duplex.err
rc=$?
check_eq "batch --duplex: exit" "$rc" 0
if [ "$rc" -eq 0 ]; then
  dp=$(pages_of duplex.pdf)
  check_eq "batch --duplex: the large-print form padded to an even count" "$dp" "$(( (lp + 1) / 2 * 2 ))"
  if [ $((lp % 2)) -eq 1 ]; then
    # The padding page: the note, in Arabic (no full stop: poppler moves
    # it), and no line of the wording.
    blank=$(plain_text duplex.pdf "$dp" "$dp")
    check_has "batch --duplex: the blank page says so" "$blank" "هذه الصفحة فارغة عن قصد"
    # Its running header gives the date of birth in the form's language
    # (CLDR's Arabic, Western digits: date.c).
    check_has "batch --duplex: the date of birth in Arabic" "$blank" "أبريل"
    if printf '%s\n' "$blank" | python3 -c '
import re, sys
norm = lambda s: " ".join(re.sub(r"[.،؟:•]", "", s).split())
page = norm(sys.stdin.read())
lines = [norm(re.sub("ل([اأإآ])", r"\1ل", l)) for l in open("lines.txt", encoding="utf-8") if l.strip()]
sys.exit(0 if any(l in page for l in lines) else 1)'; then
      fail "batch --duplex: the blank page holds a line of the wording: [$blank]"
    else
      ok "batch --duplex: the blank page holds no wording"
    fi
  else
    fail "batch --duplex: want a large-print form with an odd page count to pad, got $lp pages"
  fi
  check_pdf_ok "batch --duplex" duplex.pdf
else
  head -c 300 duplex.err >&2
fi

# ---- review, diff, check -------------------------------------------------
"$bin" review "$form" --clinic clinic.yaml -o specimen.pdf 2>review.err
check_eq "review: exit" "$?" 0
[ -s specimen.pdf ] && check_pdf_ok "review" specimen.pdf
rtext=$("$bin" review "$form" --clinic clinic.yaml --format text 2>&1)
check_eq "review --format text: exit" "$?" 0
check_has "review --format text: the title" "$rtext" "SPECIMEN: الموافقة على حقن نقاط الألم"
check_has "review --format text: the fingerprint" "$rtext" "Wording fingerprint: $fp"
sed 's/الثلج يساعد/البرد يساعد/' "$form" >changed.yaml
dout=$("$bin" diff "$form" changed.yaml 2>&1)
check_eq "diff, one word changed: exit" "$?" 1
check_has "diff: the changed word" "$dout" "~ risk: ألم بعد الحقنة | قد يؤلمك المكان لبضعة أيام. [-الثلج-] {+البرد+} يساعد."
check_has "diff: under its heading" "$dout" "@@ المخاطر"
"$bin" diff "$form" "$form" >/dev/null 2>&1
check_eq "diff of the form with itself: exit" "$?" 0
cout=$("$bin" check --clinic clinic.yaml "$form" 2>&1)
check_eq "check: exit" "$?" 0
[ -z "$cout" ] || printf '%s\n' "$cout" >&2

# ---- geometry, from layout_dump ------------------------------------------
if [ -z "$dump" ] || [ ! -x "$dump" ]; then
  skip "geometry (MP_LAYOUT_DUMP is not set to the layout_dump tool)"
  finish
fi
# The same form laid out left to right: the reference for the mirror.
sed 's/^language: ar$/language: en/' "$form" >ltr.yaml
sed 's/^language: ar$/language: ar\npage_size: a4/' "$form" >a4.yaml
sed 's/^language: ar$/language: en\npage_size: a4/' "$form" >a4-ltr.yaml
# The language is part of the wording: the reference is approved again.
for f in ltr.yaml a4-ltr.yaml; do
  "$bin" approve "$f" --clinic clinic.yaml --by "Dr. Test" >/dev/null 2>&1 ||
    fail "approve $f"
done
printf 'large_print: "yes"\n' | cat latin.yaml - >large.yaml
for run in "letter:$form:ltr.yaml:latin.yaml" "large print:$form:ltr.yaml:large.yaml" \
  "a4:a4.yaml:a4-ltr.yaml:latin.yaml" "arabic name:$form:ltr.yaml:arabic.yaml"; do
  IFS=: read -r what rtl ltr pat <<<"$run"
  if ! "$dump" "$rtl" clinic.yaml "$pat" >r.dump 2>r.err || ! "$dump" "$ltr" clinic.yaml "$pat" >l.dump 2>l.err; then
    fail "$what: layout_dump: $(head -c 300 r.err l.err)"
    continue
  fi
  python3 geometry.py "$what" r.dump l.dump || failures=$((failures + 1))
done
finish
