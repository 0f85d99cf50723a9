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

finish
