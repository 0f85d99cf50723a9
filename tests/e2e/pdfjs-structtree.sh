#!/usr/bin/env bash
# The readers our tagged PDFs are tested with, tested on a tagged PDF made
# elsewhere: Chromium prints a small page (headings, a list, a table with
# header cells, an image with alt text, a link) to a tagged PDF (Skia tags
# what it prints), and
#  - pdf.js (tests/browser/structtree.mjs, what Firefox reads) gives its
#    roles in order, the headings' texts, the image's alt, the language, the
#    link's annotation;
#  - its tree read in reading order is poppler's (pdfinfo -struct-text), line
#    for line;
#  - Chromium's PDF viewer (tests/browser/pdf-a11y.mjs, with PdfTags) gives
#    the headings and the alt text to a screen reader.
# The roles are Skia's: after a chromium upgrade, a change here may be Skia
# tagging differently (compare pdfinfo -struct-text of the old and new PDFs).
# Skips without node, tests/browser's node modules (npm ci there), chromium
# or poppler.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_workdir
browser=$root/tests/browser
chromium=${CHROMIUM:-/usr/bin/chromium}

if ! command -v node >/dev/null; then
  skip "node is not installed"
elif [ ! -d "$browser/node_modules/pdfjs-dist" ]; then
  skip "pdfjs-dist is not installed (npm ci in tests/browser)"
elif [ ! -x "$chromium" ]; then
  skip "no chromium at $chromium"
elif ! command -v pdfinfo >/dev/null; then
  skip "pdfinfo (poppler-utils) is not installed"
fi
[ "$skips" -eq 0 ] || finish

# A PNG (8x4, teal): an image XObject that the Figure's MCID marks. (An SVG
# would be printed as paths, and pdfium finds alt text on images only.)
png=iVBORw0KGgoAAAANSUhEUgAAAAgAAAAECAIAAAA8r+mnAAAAEElEQVR4nGNgaGjAjqgnAQAwviABYPwffgAAAABJRU5ErkJggg==
cat >"$work/page.html" <<EOF
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Small tagged page</title></head>
<body>
<h1>Intake packet</h1>
<p>Please read each section before you sign.</p>
<h2>Medications</h2>
<ul><li>Aspirin</li><li>Metformin</li></ul>
<table><tr><th>Drug</th><th>Dose</th></tr><tr><td>Aspirin</td><td>81 mg</td></tr></table>
<img alt="Clinic logo" width="40" height="20" src="data:image/png;base64,$png">
<p>See <a href="https://example.org/privacy">our privacy notice</a>.</p>
</body></html>
EOF
# Chromium tags what it prints unless --disable-pdf-tagging.
timeout 60 "$chromium" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --no-first-run --user-data-dir="$work/profile" --no-pdf-header-footer \
  --print-to-pdf="$work/page.pdf" "file://$work/page.html" >"$work/chromium.log" 2>&1
if [ ! -s "$work/page.pdf" ]; then
  fail "chromium --print-to-pdf wrote no PDF: $(tail -n 3 "$work/chromium.log")"
  finish
fi
check_eq "Chromium's PDF says it is tagged" "$(pdfinfo "$work/page.pdf" | sed -n 's/^Tagged: *//p')" yes

# ---- pdf.js ----
if node "$browser/structtree.mjs" "$work/page.pdf" >"$work/pdfjs.json" 2>"$work/pdfjs.err"; then
  ok "structtree.mjs reads it"
else
  fail "structtree.mjs: $(cat "$work/pdfjs.err")"
  finish
fi
python3 - "$work/pdfjs.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
failures = 0
def check(what, got, want):
    global failures
    if got == want:
        print(f"ok: pdf.js: {what}")
    else:
        print(f"FAIL: pdf.js: {what}: got {got!r}, want {want!r}", file=sys.stderr)
        failures += 1

def elements(nodes):
    for n in nodes:
        if isinstance(n, dict) and "role" in n:
            yield n
            yield from elements(n["children"])

def text(n):
    return " ".join(filter(None, (c if isinstance(c, str) else text(c) if "role" in c else ""
                                  for c in n["children"])))

check("the title", d["title"], "Small tagged page")
check("the language", d["lang"], "en")
check("marked as tagged", d["marked"], True)
check("one page", len(d["pages"]), 1)
page = d["pages"][0]
tree = page["structTree"]
# NonStruct: Skia's wrapper of each run of text, not a role a reader says.
roles = [n["role"] for n in elements(tree) if n["role"] != "NonStruct"]
check("the roles in order", roles,
      ["Document", "H1", "P", "H2", "L", "LI", "Lbl", "LI", "Lbl", "Table", "TR", "TH", "TH",
       "TR", "TD", "TD", "Figure", "P", "Link"])
check("the document's element says its language", tree[0].get("lang"), "en")
check("the headings' texts", [(n["role"], text(n)) for n in elements(tree) if n["role"] in ("H1", "H2")],
      [("H1", "Intake packet"), ("H2", "Medications")])
check("the list items' texts", [text(n) for n in elements(tree) if n["role"] == "LI"], ["Aspirin", "Metformin"])
check("the header cells' texts", [text(n) for n in elements(tree) if n["role"] == "TH"], ["Drug", "Dose"])
check("the image's alt text", [n.get("alt") for n in elements(tree) if n["role"] == "Figure"], ["Clinic logo"])
links = [n for n in elements(tree) if n["role"] == "Link"]
check("the link's text", [text(n) for n in links], ["our privacy notice"])
check("the link holds its annotation",
      [[c.get("subtype") for c in n["children"] if isinstance(c, dict) and "object" in c] for n in links], [["Link"]])
check("the page's annotations", [(a["subtype"], a.get("url")) for a in page["annotations"]],
      [("Link", "https://example.org/privacy")])
check("no text outside the tags but artifacts", page["untagged"], [])
sys.exit(1 if failures else 0)
EOF
[ $? -eq 0 ] || failures=$((failures + 1))

# ---- pdf.js and poppler read the same tree in the same order ----
node "$browser/structtree.mjs" --text "$work/page.pdf" >"$work/pdfjs.txt" 2>"$work/pdfjs-text.err" ||
  fail "structtree.mjs --text: $(cat "$work/pdfjs-text.err")"
pdfinfo -struct-text "$work/page.pdf" >"$work/poppler.txt" 2>"$work/poppler.err" ||
  fail "pdfinfo -struct-text: $(cat "$work/poppler.err")"
python3 - "$work/pdfjs.txt" "$work/poppler.txt" <<'EOF'
# Each to "DEPTH ROLE" and "DEPTH \"text\"" lines, whitespace squashed:
# poppler's attribute lines (/Key value), (block)/(inline) notes, <ids>,
# trailing colons and objects (Object 6 0) go, as do pdf.js's alt=, lang=,
# objects ([object 6R Link]) and page lines.
import json, re, sys
def norm(s):
    return " ".join(s.split())
def read(path, pdfjs):
    out = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        body = line.lstrip(" ")
        depth = (len(line) - len(body)) // 2
        if not body or body.startswith(("/", "#", "[", "Object ")):
            continue
        if body.startswith('"'):
            t = json.loads(body) if pdfjs else body[1:-1]
            out.append(f'{depth} "{norm(t)}"')
        else:
            out.append(f"{depth} {re.match(r'[^ :]+', body).group(0)}")
    return out
a, b = read(sys.argv[1], True), read(sys.argv[2], False)
if a == b:
    print(f"ok: pdf.js and pdfinfo -struct-text read the same tree in the same order ({len(a)} lines)")
    sys.exit(0)
for i, (x, y) in enumerate(zip(a + ["(end)"] * len(b), b + ["(end)"] * len(a))):
    if x != y:
        print(f"FAIL: pdf.js and pdfinfo -struct-text differ at line {i + 1}: pdf.js [{x}], poppler [{y}]",
              file=sys.stderr)
        break
sys.exit(1)
EOF
[ $? -eq 0 ] || failures=$((failures + 1))

# ---- Chromium's PDF viewer, reading the tags (PdfTags) ----
if [ ! -d "$browser/node_modules/playwright-core" ]; then
  skip "Chromium's PDF viewer: playwright-core is not installed (npm ci in tests/browser)"
elif node "$browser/pdf-a11y.mjs" --tags "$work/page.pdf" >"$work/a11y.json" 2>"$work/a11y.err"; then
  python3 - "$work/a11y.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
failures = 0
for what, got, want in [
    ("the headings", [h["text"] for h in d["headings"]], ["Intake packet", "Medications"]),
    ("the image's alt text", [i["alt"] for i in d["images"]], ["Clinic logo"]),
    ("the link's text", [l["text"] for l in d["links"]], ["our privacy notice"]),
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
  fail "pdf-a11y.mjs --tags: $(cat "$work/a11y.err")"
fi
finish
