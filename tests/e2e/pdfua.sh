#!/usr/bin/env bash
# Every PDF medpacket writes is tagged (PDF/UA-1, issue 18), checked on the
# PDFs users get, with readers no one here wrote:
#  1. render (consent, packet with the booking QR code and logo, the Spanish
#     and the draft Arabic consent), each file of a batch, review, a patient
#     with an Arabic name, serve's preview: qpdf --check, pdfinfo's
#     "Tagged: yes", and our Matterhorn checker (tests/pdfua/check.py);
#  2. poppler's tree of the consent (pdfinfo -struct-text): its shape, and its
#     text read in order is the approved wording (consent.approved.txt);
#  3. pdf.js (tests/browser/structtree.mjs, Firefox's reader): the same tree
#     as poppler's, every Figure's alt text, the link's annotation, no
#     untagged text, the document's title and language;
#  4. Chromium's PDF viewer with PdfTags (tests/browser/pdf-a11y.mjs): the
#     headings a screen reader is given;
#  5. the Arabic name on the English consent is a Span with /Lang ar in its TD.
# (Same SOURCE_DATE_EPOCH, same bytes: render-packet.sh checks it.)
# Skips what needs node, tests/browser's node modules, chromium or poppler
# when they are missing.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
serve_workdir # dated, and serve's preview below
cd "$work" || exit 1
check=$root/tests/pdfua/check.py
browser=$root/tests/browser
tp=$root/forms/trigger-point
patient=$root/examples/patient.yaml

for tool in qpdf pdfinfo python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed: no PDF checked"
done
[ "$skips" -eq 0 ] || finish

# ---- 1. the PDFs, made the way users make them ----
# The shipped clinic with the tests' booking key (the expected QR URL).
bash "$root/tests/golden/clinic.sh" "$root" clinic.yaml
made() { # WHAT PDF: the command before exited 0 and wrote PDF
  local rc=$?
  check_eq "$1: exit" "$rc" 0
  [ -s "$2" ] && pdfs+=("$1=$2")
}
pdfs=()
"$bin" render "$tp/consent.yaml" --clinic clinic.yaml --data "$patient" -o consent.pdf 2>err
made "render consent" consent.pdf
"$bin" render "$tp/packet.yaml" --clinic clinic.yaml --data "$patient" -o packet.pdf 2>err
made "render packet" packet.pdf
"$bin" render "$tp/es/consent.yaml" --clinic clinic.yaml --data "$patient" -o es.pdf 2>err
made "render Spanish consent" es.pdf
# The Arabic consent is a draft: render refuses it, --allow-draft and
# review render it (with DRAFT across every page, an artifact).
"$bin" render "$tp/ar/consent.yaml" --clinic clinic.yaml --data "$patient" -o ar.pdf 2>err
check_eq "render Arabic consent: a draft, refused (exit 65)" "$?" 65
"$bin" render "$tp/ar/consent.yaml" --clinic clinic.yaml --data "$patient" --allow-draft -o ar.pdf 2>err
made "render --allow-draft Arabic consent" ar.pdf
"$bin" review "$tp/consent.yaml" --clinic clinic.yaml -o review.pdf 2>err
made "review consent" review.pdf
"$bin" review "$tp/ar/consent.yaml" --clinic clinic.yaml -o review-ar.pdf 2>err
made "review Arabic consent" review-ar.pdf
sed -e 's/^first_name:.*/first_name: ليلى/' -e 's/^last_name:.*/last_name: حداد/' "$patient" >arabic-name.yaml
"$bin" render "$tp/consent.yaml" --clinic clinic.yaml --data arabic-name.yaml -o arabic-name.pdf 2>err
made "render consent, Arabic name" arabic-name.pdf
head -n 4 "$root/tests/e2e/data/awkward.csv" >three.csv
"$bin" batch "$tp/packet.yaml" --clinic clinic.yaml --data three.csv --out-dir batch --jobs 2 -q 2>err
check_eq "batch of 3 rows: exit" "$?" 0
check_eq "batch of 3 rows: 3 PDFs" "$(ls batch | wc -l)" 3
for f in batch/*.pdf; do pdfs+=("batch $(basename "$f")=$f"); done
if serve_start serve --listen 127.0.0.1:0 --no-print; then
  check_eq "serve: preview" "$(curl -s -o serve.pdf -w '%{http_code}' "${url}api/preview?packet=tpi-packet&row=4")" 200
  [ -s serve.pdf ] && pdfs+=("serve preview=serve.pdf")
fi
stop_servers
pids=()

for entry in "${pdfs[@]}"; do
  what=${entry%%=*} pdf=${entry#*=}
  qerr=$(qpdf --check "$pdf" 2>&1)
  qrc=$?
  check_eq "$what: qpdf --check exit" "$qrc" 0
  [ "$qrc" -eq 0 ] || printf '%s\n' "$qerr" | tail -n 3 >&2
  check_eq "$what: pdfinfo Tagged" "$(pdfinfo "$pdf" 2>/dev/null | sed -n 's/^Tagged: *//p')" yes
  if out=$(python3 "$check" "$pdf" 2>"$pdf.warn"); then
    ok "$what: tests/pdfua/check.py passes"
  else
    fail "$what: tests/pdfua/check.py: $(printf '%s\n' "$out" | head -n 5)"
  fi
done
check_eq "PDFs checked" "${#pdfs[@]}" 11

# ---- 2. poppler's tree of the consent: its shape, and its text is the wording ----
pdfinfo -struct-text consent.pdf >consent.poppler 2>err || fail "pdfinfo -struct-text: $(cat err)"
python3 - "$root/tests/pdfua" consent.poppler "$tp/consent.approved.txt" "$patient" clinic.yaml <<'EOF'
import datetime, re, sys
sys.path.insert(0, sys.argv[1])
from trees import elements, poppler, text
tree = poppler(open(sys.argv[2], encoding="utf-8").read())
wording = [l.rstrip("\n").split(": ", 1) for l in open(sys.argv[3], encoding="utf-8")][1:]
def fields(path):  # a flat YAML file's "key: value" lines
    out = {}
    for l in open(path, encoding="utf-8"):
        m = re.match(r"(\w+): *(.*?) *(#.*)?$", l)
        if m:
            out[m.group(1)] = m.group(2).strip('"')
    return out
values = {"patient": fields(sys.argv[4]), "clinic": fields(sys.argv[5])}
def fill(s):
    return re.sub(r"\{\{ *(\w+)\.(\w+) *\}\}", lambda m: values[m.group(1)][m.group(2)], s)
failures = 0
def check(what, got, want):
    global failures
    if got == want:
        print(f"ok: poppler: {what}")
    else:
        print(f"FAIL: poppler: {what}: got {got!r}, want {want!r}", file=sys.stderr)
        failures += 1
def roles(nodes):
    return [n["role"] for n in nodes if isinstance(n, dict) and "role" in n]

check("Document > Sect", (roles(tree), roles(tree[0]["children"])), (["Document"], ["Sect"]))
sect = tree[0]["children"][0]
kids = [n for n in sect["children"] if isinstance(n, dict)]
first = dict(wording)
check("the H1 is the title", [text(n) for n in elements(tree) if n["role"] == "H1"], [first["title"]])
check("the H2s are the headings, in order", [text(n) for n in elements(tree) if n["role"] == "H2"],
      [t for k, t in wording if k == "heading"])
check("the logo and the letterhead come before the H1", roles(kids)[:3], ["Figure", "P", "H1"])

# The lists: one L per run of list items in the wording, an LI per item.
listed = ("benefit", "risk", "alternative", "checkbox")
runs = []
for k, t in wording:
    if k in listed:
        if runs and runs[-1][0] == k and last == k:
            runs[-1][1].append(t)
        else:
            runs.append((k, [t]))
    last = k
lists = [n for n in elements(tree) if n["role"] == "L"]
check("an L per run of list items (" + ", ".join(k for k, _ in runs) + "), as many LIs as items",
      [len(roles(l["children"])) for l in lists], [len(ts) for _, ts in runs])
lis = [li for l in lists for li in l["children"]]
check("every LI is Lbl, LBody", sorted({tuple(roles(li["children"])) for li in lis}), [("Lbl", "LBody")])
for (kind, items), l in zip(runs, lists):
    body = [roles(li["children"][1]["children"]) for li in l["children"]]
    label = [roles(li["children"][0]["children"]) for li in l["children"]]
    check(f"{kind}: the LBody's Figure (the initials box) is a risk's only",
          body, [["Figure"] if kind == "risk" else []] * len(items))
    check(f"{kind}: the Lbl's Figure (the box to tick) is a checkbox's only",
          label, [["Figure"] if kind == "checkbox" else []] * len(items))

# The table of the patient's facts: a TR each, TH (the label) then TD.
ids = first["patient_id"].split()
labels = {"name": "Patient", "dob": "Date of birth", "mrn": "Record number",
          "appointment_date": "Appointment date", "clinician": "Clinician"}
def value(f):
    p = values["patient"]
    if f == "name":
        return p["first_name"] + " " + p["last_name"]
    if re.fullmatch(r"\d{4}-\d\d-\d\d", p[f]):
        d = datetime.date.fromisoformat(p[f])
        return f"{d:%B} {d.day}, {d.year}"
    return p[f]
tables = [n for n in elements(tree) if n["role"] == "Table"]
check("one Table", len(tables), 1)
trs = tables[0]["children"] if tables else []
check(f"the Table: {len(ids)} TRs of TH, TD", [roles(tr["children"]) for tr in trs], [["TH", "TD"]] * len(ids))
check("the Table: the patient's facts", [[text(c) for c in tr["children"]] for tr in trs],
      [[labels[f], value(f)] for f in ids])

# Read in order: the title, headings, paragraphs and list items' bodies
# (without the initials box's word); not the logo and letterhead, the
# table, the signature block, the bullets.
read, unread = [], []
for n in kids[roles(kids).index("H1"):]:
    if n["role"] in ("H1", "H2", "P"):
        read.append(text(n))
    elif n["role"] == "L":
        read += [text(li["children"][1], skip=("Figure",)) for li in n["children"]]
    elif n["role"] not in ("Table", "Div"):
        unread.append(n["role"])
check("no other element in the Sect", unread, [])
said = {"title", "paragraph", "heading", "procedure", "questions", "benefit", "risk", "alternative",
        "checkbox"}
unsaid = {"kind", "language", "patient_id", "signature"}
check("the wording has no element this test does not know", sorted({k for k, _ in wording} - said - unsaid), [])
want = " ".join(fill(t.replace(" | ", " ")) for k, t in wording if k in said).split()
got = " ".join(read).split()
if got == want:
    print(f"ok: poppler: the tree read in order is the approved wording, filled in ({len(got)} words)")
else:
    i = next(i for i in range(len(got) + 1) if i >= len(got) or i >= len(want) or got[i] != want[i])
    print(f"FAIL: poppler: the tree read in order is not the approved wording: at word {i + 1}: "
          f"got [... {' '.join(got[max(0, i - 6):i + 6])} ...], "
          f"want [... {' '.join(want[max(0, i - 6):i + 6])} ...]", file=sys.stderr)
    failures += 1
sys.exit(1 if failures else 0)
EOF
[ $? -eq 0 ] || failures=$((failures + 1))

# ---- 3. pdf.js: the same tree, alt texts, the link, nothing untagged ----
if ! command -v node >/dev/null; then
  skip "pdf.js: node is not installed"
elif [ ! -d "$browser/node_modules/pdfjs-dist" ]; then
  skip "pdf.js: pdfjs-dist is not installed (npm ci in tests/browser)"
else
  for entry in "${pdfs[@]}"; do
    pdf=${entry#*=}
    node "$browser/structtree.mjs" "$pdf" >"$pdf.pdfjs.json" 2>err || fail "structtree.mjs $pdf: $(cat err)"
  done
  # The trees compared with poppler's (not the Arabic ones: poppler's
  # struct-text gives right-to-left text in drawing order, reversed).
  for pdf in consent.pdf packet.pdf es.pdf review.pdf; do
    node "$browser/structtree.mjs" --text "$pdf" >"$pdf.pdfjs.txt" 2>err || fail "structtree.mjs --text $pdf: $(cat err)"
    pdfinfo -struct-text "$pdf" >"$pdf.poppler" 2>err || fail "pdfinfo -struct-text $pdf: $(cat err)"
  done
  key=$(cat "$root/tests/fixtures/booking.key")
  python3 - "$root/tests/pdfua" "$tp/consent.approved.txt" "$key" "${pdfs[@]}" <<'EOF'
import base64, hashlib, hmac, json, sys
sys.path.insert(0, sys.argv[1])
from trees import elements, first_difference, is_element, lines, merge_pages, pdfjs_text_pages, poppler, text
wording = [l.rstrip("\n").split(": ", 1) for l in open(sys.argv[2], encoding="utf-8")][1:]
ref = base64.b32encode(hmac.new(sys.argv[3].encode(), b"A1003", hashlib.sha256).digest()[:10]).decode().lower()
url = f"https://book.harborview.example/r/{ref}"
pdfs = dict(e.split("=", 1)[::-1] for e in sys.argv[4:])
failures = 0
def check(what, got, want):
    global failures
    if got == want:
        print(f"ok: pdf.js: {what}")
    else:
        print(f"FAIL: pdf.js: {what}: got {got!r}, want {want!r}", file=sys.stderr)
        failures += 1

langs = {"es.pdf": "es", "ar.pdf": "ar", "review-ar.pdf": "ar"}
titles = {"consent.pdf": "Consent for Trigger Point Injections", "packet.pdf": "Trigger Point Injection Packet",
          "review.pdf": "Specimen: Consent for Trigger Point Injections"}
docs = {}
for pdf, what in pdfs.items():
    d = docs[pdf] = json.load(open(pdf + ".pdfjs.json", encoding="utf-8"))
    check(f"{what}: title, language, marked, DisplayDocTitle",
          (d["title"] if pdf in titles else bool(d["title"]), d["dcTitle"] == d["title"], d["lang"], d["marked"],
           d["displayDocTitle"]),
          (titles.get(pdf, True), True, langs.get(pdf, "en"), True, True))
    check(f"{what}: no untagged text on any page", [p["untagged"] for p in d["pages"] if p["untagged"]], [])
    figures = [n for p in d["pages"] for n in elements(p["structTree"]) if n["role"] == "Figure"]
    check(f"{what}: every Figure ({len(figures)}) has alt text", [n for n in figures if not n.get("alt")], [])

# The same tree as poppler's: roles in order from the JSON, and the --text
# lines (pdf.js's pages made one: trees.merge_pages).
merged = {}
for pdf in ("consent.pdf", "packet.pdf", "es.pdf", "review.pdf"):
    what = pdfs[pdf]
    pop = poppler(open(pdf + ".poppler", encoding="utf-8").read())
    want = lines(pop)
    tree = merged[pdf] = merge_pages([p["structTree"] for p in docs[pdf]["pages"]], want)
    check(f"{what}: the roles, in order, are poppler's ({len(list(elements(pop)))})",
          [n["role"] for n in elements(tree)], [n["role"] for n in elements(pop)])
    got = lines(merge_pages(pdfjs_text_pages(open(pdf + ".pdfjs.txt", encoding="utf-8").read()), want))
    if pdf == "packet.pdf":
        # The language notice's texts: poppler's struct-text drops the
        # rest of a marked-content sequence's text after a nested
        # /Span <</ActualText>> (the notice's Chinese, Korean... use
        # them), so only the roles are compared there.
        notice = max(i for i, l in enumerate(want) if l == "1 Sect")
        cut = lambda ls: ls[:notice] + [l for l in ls[notice:] if '"' not in l]
        print("note: pdf.js and poppler: the packet's language notice compared by its roles only (poppler"
              " drops text after a nested ActualText span)")
        got, want = cut(got), cut(want)
    diff = first_difference(got, want)
    if diff is None:
        print(f"ok: pdf.js: {what}: structtree.mjs --text reads as pdfinfo -struct-text ({len(want)} lines)")
    else:
        print(f"FAIL: pdf.js: {what}: structtree.mjs --text and pdfinfo -struct-text differ at line {diff[0] + 1}:"
              f" pdf.js [{diff[1]}], poppler [{diff[2]}]", file=sys.stderr)
        failures += 1

# Alt texts that say what a Figure is.
consent = merged["consent.pdf"]
alts = lambda tree, pred: [n.get("alt") for n in elements(tree) if n["role"] == "Figure" and pred(n)]
check("consent: the logo's alt is the clinic's name", alts(consent, lambda n: not n["alt"].startswith(("Initials", "Checkbox"))),
      ["Harbor View Pain & Spine Clinic"])
check("consent: each initials box's alt names its risk", alts(consent, lambda n: n["alt"].startswith("Initials")),
      ["Initials for " + t.split(" | ")[0] for k, t in wording if k == "risk"])
check("consent: each checkbox's alt is its statement", alts(consent, lambda n: n["alt"].startswith("Checkbox")),
      ["Checkbox: " + t for k, t in wording if k == "checkbox"])
signers = [n for n in elements(consent) if n["role"] == "Div" and n.get("alt")]
check("consent: each signer's Div says its labels", [n["alt"] for n in signers],
      [", ".join(text(p) for p in n["children"]) for n in signers])
check("consent: a Div for each signer", len(signers), len([1 for k, _ in wording if k == "signature"]))
packet = merged["packet.pdf"]
links = [n for n in elements(packet) if n["role"] == "Link"]
check("packet: the QR code's alt says where it leads",
      [[c.get("alt") for c in n["children"] if is_element(c)] for n in links],
      [[f"QR code to book an appointment; the link is {url}"]])
check("packet: the Link holds its annotation, which has alt text (/Contents)",
      [[(c["subtype"], bool(c.get("alt"))) for c in n["children"] if "object" in c] for n in links], [[("Link", True)]])
check("packet: the link annotation opens the booking URL",
      [(a["subtype"], a.get("url")) for p in docs["packet.pdf"]["pages"] for a in p["annotations"]], [("Link", url)])

# The Arabic name: a Span in Arabic in the patient's TD.
rows = [n["children"] for p in docs["arabic-name.pdf"]["pages"] for n in elements(p["structTree"]) if n["role"] == "TR"]
check("Arabic name: the Patient TD holds a Span, lang ar, with the name",
      [[(c["role"], c.get("lang"), text(c)) for c in r[1]["children"]] for r in rows if text(r[0]) == "Patient"],
      [[("Span", "ar", "ليلى حداد")]])
sys.exit(1 if failures else 0)
EOF
  [ $? -eq 0 ] || failures=$((failures + 1))
fi

# ---- 4. Chromium's PDF viewer, reading the tags (PdfTags) ----
# What it gives a screen reader (tests/browser/pdf-a11y.mjs): the headings
# with their texts (no levels), the logo's alt. Not asserted, as it does
# not give them: the initials boxes' and checkboxes' alt texts (pdfium finds
# alt text on images only), the QR code's Link (its Figure is drawn as
# paths), and the running header and footer, artifacts, read as part of a
# page's last paragraph.
if ! command -v node >/dev/null; then
  skip "Chromium's PDF viewer: node is not installed"
elif [ ! -d "$browser/node_modules/playwright-core" ]; then
  skip "Chromium's PDF viewer: playwright-core is not installed (npm ci in tests/browser)"
elif [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  skip "Chromium's PDF viewer: no chromium at ${CHROMIUM:-/usr/bin/chromium}"
elif node "$browser/pdf-a11y.mjs" --tags consent.pdf >a11y.json 2>err; then
  python3 - a11y.json "$tp/consent.approved.txt" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
wording = [l.rstrip("\n").split(": ", 1) for l in open(sys.argv[2], encoding="utf-8")][1:]
failures = 0
for what, got, want in [
    ("the headings: the title, then the form's headings", [h["text"] for h in d["headings"]],
     [t for k, t in wording if k == "title"] + [t for k, t in wording if k == "heading"]),
    ("the logo's alt text", [i["alt"] for i in d["images"]], ["Harbor View Pain & Spine Clinic"]),
]:
    if got == want:
        print(f"ok: Chromium's PDF viewer (PdfTags): {what}")
    else:
        print(f"FAIL: Chromium's PDF viewer (PdfTags): {what}: got {got!r}, want {want!r}", file=sys.stderr)
        failures += 1
sys.exit(1 if failures else 0)
EOF
  [ $? -eq 0 ] || failures=$((failures + 1))
else
  fail "pdf-a11y.mjs --tags consent.pdf: $(cat err)"
fi

# ---- 5. the Arabic name: a Span, /Lang ar, in its TD (qpdf's view) ----
qpdf --json arabic-name.pdf >arabic-name.json 2>err || fail "qpdf --json: $(cat err)"
python3 - arabic-name.json <<'EOF'
import json, sys
objs = {k[4:]: v.get("value") for k, v in json.load(open(sys.argv[1]))["qpdf"][1].items() if k.startswith("obj:")}
spans = [(o.get("/Lang"), objs.get(o.get("/P"), {}).get("/S")) for o in objs.values()
         if isinstance(o, dict) and o.get("/S") == "/Span"]
# The Span of the name is the one whose parent is a TD.
got = [s for s in spans if s[1] == "/TD"]
if got == [("u:ar", "/TD")]:
    print("ok: qpdf: the Arabic name is a Span with /Lang (ar) in a TD, the only Span in a TD")
else:
    print(f"FAIL: qpdf: the Spans in a TD (/Lang, parent): got {got!r}, want [('u:ar', '/TD')]", file=sys.stderr)
    sys.exit(1)
EOF
[ $? -eq 0 ] || failures=$((failures + 1))

finish
