#!/usr/bin/env bash
# The PDF/UA-1 checker (tests/pdfua/check.py) judged on PDFs whose verdict we
# know: hand-made ones (tests/pdfua/make_cases.py), each breaking one
# Matterhorn condition, and a tagged PDF from Debian's headless Chromium. Then
# medpacket's own consent, which must pass with no finding at all (warnings
# included). tests/e2e/pdfua.sh checks every kind of output medpacket writes.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
cd "$work" || exit 1
check=$root/tests/pdfua/check.py

if ! command -v qpdf >/dev/null || ! command -v python3 >/dev/null; then
  skip "the checker needs qpdf and python3"
  finish
fi

# The Matterhorn checkpoints a file fails, sorted, once each ("-" for none);
# the checker's exit code in PDF.rc (this runs in a subshell).
failed_ids() { # PDF
  python3 "$check" "$1" --json >"$1.json" 2>"$1.err"
  echo $? >"$1.rc"
  python3 -c '
import json, sys
ids = sorted({f["id"] for f in json.load(open(sys.argv[1]))["findings"] if f["severity"] == "fail"})
print(" ".join(ids) or "-")' "$1.json" 2>/dev/null || echo "(no JSON: $(cat "$1.err"))"
}

# 1. Hand-made PDFs: the good one passes, each broken one fails with exactly
# the checkpoint of what was broken.
python3 "$root/tests/pdfua/make_cases.py" cases
check_eq "make_cases.py exits 0" "$?" 0
while read -r name want; do
  got=$(failed_ids "cases/$name.pdf")
  check_eq "$name: checkpoints reported" "$got" "$want"
  if [ "$want" = "-" ]; then w=0; else w=1; fi
  check_eq "$name: exit code" "$(cat "cases/$name.pdf.rc")" "$w"
done <cases/expected.txt
# The plain output: one line per failure, FILE: ID: what, where.
out=$(python3 "$check" cases/figure-no-alt.pdf 2>/dev/null)
check_eq "plain output line" "$out" \
  "cases/figure-no-alt.pdf: 13-004: /Figure element has neither /Alt nor /ActualText, object 26"
# The two 01-005 cases say which of the two it is.
check_has "unmarked text: where" "$(python3 "$check" cases/unmarked-text.pdf)" \
  "01-005: 1 text/path/image operator neither in an /Artifact nor in a BDC with an /MCID (first: Tj"
check_has "stray MCID: which" "$(python3 "$check" cases/mcid-not-in-parenttree.pdf)" \
  "01-005: MCID 10 is not in the /ParentTree"
# A TH without /Scope is a warning (15-003): said on standard error, exit 0.
check_has "TH without Scope: a warning" "$(python3 "$check" cases/th-no-scope.pdf 2>&1 >/dev/null)" \
  "15-003: warning: /TH element has no /Scope"
# A file qpdf cannot read: exit 2.
printf 'not a PDF\n' >junk.pdf
python3 "$check" junk.pdf >/dev/null 2>&1
check_eq "unreadable file: exit 2" "$?" 2
python3 "$check" missing.pdf >/dev/null 2>&1
check_eq "missing file: exit 2" "$?" 2

# Fast enough to run on every PDF we write: one check (a qpdf run and a
# little Python; good.pdf embeds a whole DejaVu, more than a consent does) in
# well under a second: the best of three, so that a busy machine does not fail it.
best=
for _ in 1 2 3; do
  start=$(date +%s%N)
  python3 "$check" cases/good.pdf >/dev/null 2>&1
  ms=$((($(date +%s%N) - start) / 1000000))
  if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
done
if [ "$best" -lt 1000 ]; then ok "one check in ${best} ms"; else fail "one check took ${best} ms"; fi

# 2. Chromium's tagged PDF (Chromium tags by default since 2021; no flag is
# needed). What it misses, the checker must say, and nothing more:
#   06-001 no XMP metadata stream at all,
#   09-005 each LI holds Lbl and a NonStruct (not LBody) for its text,
#   28-012 the link annotation has no /Contents.
# It passes the rest: MarkInfo, StructTreeRoot, Lang, DisplayDocTitle,
# every drawing operator inside an MCID or Artifact sequence, ParentTree,
# headings, Figure /Alt, TH /Scope, Tabs /S, the link's OBJR, fonts.
chrome=$(command -v chromium || command -v chromium-browser)
if [ -z "$chrome" ]; then
  skip "no chromium: Chromium's tagged PDF not checked"
else
  cat >sample.html <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Checker sample</title></head>
<body>
<h1>Consent sample</h1>
<p>A paragraph of text with a <a href="https://example.org/">link to the clinic</a>.</p>
<h2>Steps</h2>
<ul><li>First step</li><li>Second step</li></ul>
<table><thead><tr><th scope="col">Drug</th><th scope="col">Dose</th></tr></thead>
<tbody><tr><td>Lidocaine</td><td>1 ml</td></tr></tbody></table>
<img alt="A red square" width="40" height="40"
  src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC">
</body></html>
EOF
  timeout 90 "$chrome" --headless --no-sandbox --disable-gpu --user-data-dir="$work/chrome" \
    --no-pdf-header-footer --generate-pdf-document-outline --print-to-pdf="$work/chromium.pdf" \
    "file://$work/sample.html" >chrome.log 2>&1
  if [ ! -s chromium.pdf ]; then
    fail "chromium wrote no PDF: $(tail -n 3 chrome.log)"
  else
    check_eq "Chromium's PDF: checkpoints failed ($("$chrome" --version 2>/dev/null))" \
      "$(failed_ids chromium.pdf)" "06-001 09-005 28-012"
  fi
fi

# 3. medpacket's own output: no finding, not even a warning.
"$bin" render "$root/forms/trigger-point/consent.yaml" --data "$root/examples/patient.yaml" \
  -o consent.pdf 2>/dev/null
python3 "$check" consent.pdf >consent.out 2>&1
rc=$?
check_eq "medpacket's consent passes the checker ($(head -c 300 consent.out))" "$rc" 0
check_eq "medpacket's consent: no finding, warnings included" \
  "$(python3 "$check" consent.pdf --json 2>/dev/null | python3 -c '
import json, sys
print(" ".join(sorted({f["id"] for f in json.load(sys.stdin)["findings"]})) or "-")')" "-"

finish
