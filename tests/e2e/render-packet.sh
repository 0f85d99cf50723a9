#!/usr/bin/env bash
# End to end: render the shipped trigger point packet for the example patient
# and check the PDF with tools nobody here wrote: qpdf (structure), pdfinfo
# (pages, size, metadata), pdffonts (embedding), pdftotext (content),
# pdftoppm + zbarimg (the QR code), and a golden checksum (determinism).
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
pdf=$work/packet.pdf
# The shipped clinic with the tests' booking key (tests/golden/clinic.sh).
key_file=$root/tests/fixtures/booking.key
bash "$root/tests/golden/clinic.sh" "$root" "$work/clinic.yaml"
render() { "$bin" render "$root/forms/trigger-point/packet.yaml" --clinic "$work/clinic.yaml" "$@"; }

render --data "$root/examples/patient.yaml" -o "$pdf" 2>"$work/stderr"
check_eq "render exits 0" "$?" 0
check_eq "render reports the path" "$(cat "$work/stderr")" "wrote $pdf"
check_eq "output is private (0600)" "$(stat -c %a "$pdf")" 600

qpdf --check "$pdf" >"$work/qpdf" 2>&1
check_eq "qpdf --check passes" "$?" 0

info=$(pdfinfo "$pdf" 2>/dev/null)
# The handout (2), the consent (4), the language notice (1).
check_has "page count" "$info" "Pages:           7"
check_has "US Letter" "$info" "Page size:       612 x 792 pts (letter)"
check_has "title" "$info" "Title:           Trigger Point Injection Packet"
check_has "author" "$info" "Author:          Harbor View Pain & Spine Clinic"
check_eq "keywords name forms, versions and wording fingerprints" \
  "$(printf '%s\n' "$info" | sed -n 's/^Keywords: *//p' | sed -E 's/[0-9a-f]{64}/FP/g')" \
  "tpi-handout 1.0 wording FP, tpi-consent 1.0 wording FP, $(for t in "" -es -zh-Hant -vi -tl -ko -hy -fa -ru -ja -ar -pa -km -hmn -hi -th; do printf 'language-notice%s 1.0 wording FP, ' "$t"; done | sed 's/, $//')"
check_has "creator" "$info" "Creator:         medpacket "
check_has "date from SOURCE_DATE_EPOCH" "$info" "CreationDate:    Mon Dec  1 00:00:00 2025 UTC"

fonts=$(pdffonts "$pdf" 2>/dev/null | tail -n +3)
check_eq "two fonts for the forms" "$(pdffonts -l 6 "$pdf" 2>/dev/null | tail -n +3 | wc -l)" 2
# The notice: a face for each script its 16 languages are written in
# (DejaVu for Latin, Cyrillic, Armenian and Arabic; Noto CJK for Chinese,
# Japanese and Korean, one face each; Noto for Gurmukhi, Khmer, Devanagari
# and Thai), regular and bold.
check_eq "the notice's fonts: the forms' two and the scripts'" "$(printf '%s\n' "$fonts" | wc -l)" 16
check_eq "every font embedded and subset" "$(printf '%s\n' "$fonts" | awk '$(NF-4) != "yes" || $(NF-3) != "yes"' | wc -l)" 0

text=$(pdftotext -layout "$pdf" - 2>/dev/null)
check_has "patient name" "$text" "José Núñez"
for t in "Muscle pain and knots" "Fibromyalgia" "Headaches" \
         "Pain after the injection" "Fat shrinkage under the skin" "Infection" "Bleeding" \
         "Signature of Patient or legal representative" "Signature of Clinician" \
         "Signature of Witness" "Signature of Interpreter" "Initials" \
         "Date of birth" "April 12, 1968" "Record number" "A1003" \
         "Page 1 of 2" "Page 2 of 2" "Page 1 of 4" "Page 4 of 4" \
         "tpi-handout version 1.0" "tpi-consent version 1.0"; do
  check_has "text: $t" "$text" "$t"
done
# Every page names the patient in its header, the handout's (1-2) too, so
# that a merged day's print splits without mixing patients; the consent's
# (3-6) gives the date of birth too.
for p in 1 2 3 4 5 6; do
  page=$(pdftotext -f $p -l $p -layout "$pdf" - 2>/dev/null)
  check_has "page $p header" "$page" "Patient: José Núñez"
  check_has "page $p record number" "$page" "Record number: A1003"
done
check_has "consent page 3 header: the date of birth" \
  "$(pdftotext -f 3 -l 3 -layout "$pdf" - 2>/dev/null)" "Date of birth: April 12, 1968"
# The clinic's name once on a form's first page (the letterhead's), twice
# nowhere: the running header leaves it out there.
check_eq "clinic's name once on page 1" \
  "$(pdftotext -f 1 -l 1 "$pdf" - 2>/dev/null | grep -c "Harbor View Pain & Spine Clinic")" 1
check_eq "clinic's name once on page 2 (the running header)" \
  "$(pdftotext -f 2 -l 2 "$pdf" - 2>/dev/null | grep -c "Harbor View Pain & Spine Clinic")" 1

# The QR code (beside the handout's last paragraphs on page 2: the page is
# full) decodes to exactly the booking URL: the clinic's pattern with
# the opaque reference, HMAC-SHA-256(booking_key, mrn) in base32.
key=$(cat "$key_file")
ref=$(python3 -c 'import hmac,hashlib,base64,sys; print(base64.b32encode(hmac.new(sys.argv[1].encode(), b"A1003", hashlib.sha256).digest()[:10]).decode().lower())' "$key")
want_url="https://book.harborview.example/r/$ref"
pdftoppm -png -r 150 -f 2 -l 2 "$pdf" "$work/qr" 2>/dev/null
got_url=$(zbarimg --raw -q "$work"/qr*.png 2>/dev/null)
check_eq "QR decodes to the booking URL" "$got_url" "$want_url"
# In its narrow column the URL wraps at its slashes: its lines joined.
check_has "URL printed under the QR code" "$(pdftotext -f 2 -l 2 "$pdf" - 2>/dev/null | tr -d '\n')" "$want_url"
check_eq "no patient identifier in the URL" "$(printf '%s' "$got_url" | grep -c -e A1003 -e 1968 -e Jos)" 0
# The link annotation opens the same URL.
check_eq "link annotation" "$(qpdf --qdf --object-streams=disable "$pdf" - 2>/dev/null | grep -a -c "/URI ($want_url)")" 1

# Determinism: same input and SOURCE_DATE_EPOCH, same bytes; stdout too.
render --data "$root/examples/patient.yaml" -o "$work/again.pdf" 2>/dev/null
check_eq "byte-identical rerun" "$(cmp -s "$pdf" "$work/again.pdf"; echo $?)" 0
render --data "$root/examples/patient.yaml" -o - >"$work/stdout.pdf" 2>/dev/null
check_eq "-o - writes the same PDF to stdout" "$(cmp -s "$pdf" "$work/stdout.pdf"; echo $?)" 0

# Golden checksum: an intended change updates it with tests/update-golden.sh.
check_eq "golden checksum" "$(sha256sum <"$pdf" | cut -d' ' -f1)" "$(cat "$root/tests/golden/packet.sha256")"
# ... and the boxes as text beside it, so that a changed checksum says what moved.
if [ -n "${MP_LAYOUT_DUMP:-}" ]; then
  "$MP_LAYOUT_DUMP" "$root/forms/trigger-point/packet.yaml" "$work/clinic.yaml" \
    "$root/examples/patient.yaml" >"$work/layout.txt" 2>&1
  if diff -u "$root/tests/golden/packet.layout.txt" "$work/layout.txt" >"$work/layout.diff"; then
    ok "golden layout: every box where it was"
  else
    fail "golden layout: boxes moved (first lines of the diff below)"
    head -40 "$work/layout.diff" >&2
  fi
else
  skip "golden layout: MP_LAYOUT_DUMP is not set (CTest sets it to the layout_dump tool)"
fi

# A clinic's name too long for the header: whole in the first page's
# letterhead (wrapped), cut with an ellipsis in the next pages' header, never
# printed below 8 pt; every page still names the patient.
long="Harbor View Pain and Spine Clinic of the Greater Long Beach Area Medical Group, Department of Interventional Musculoskeletal Medicine"
sed "s/^name: .*/name: $long/" "$work/clinic.yaml" >"$work/long.yaml"
render --clinic "$work/long.yaml" --data "$root/examples/patient.yaml" -o "$work/long.pdf" 2>/dev/null
check_eq "a long clinic name: render exits 0" "$?" 0
check_has "a long clinic name: whole in the letterhead" \
  "$(pdftotext -f 1 -l 1 "$work/long.pdf" - 2>/dev/null | tr '\n' ' ')" "$long"
check_has "a long clinic name: cut with an ellipsis in page 2's header" \
  "$(pdftotext -f 2 -l 2 "$work/long.pdf" - 2>/dev/null | head -n 1)" "…"
check_eq "a long clinic name: every page names the patient" \
  "$(pdftotext "$work/long.pdf" - 2>/dev/null | grep -c "Record number: A1003")" \
  "$(pdfinfo "$work/long.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')"
if [ -n "${MP_LAYOUT_DUMP:-}" ]; then
  "$MP_LAYOUT_DUMP" "$root/forms/trigger-point/packet.yaml" "$work/long.yaml" \
    "$root/examples/patient.yaml" >"$work/long.txt" 2>&1
  small=$(grep -F "Harbor View Pain and Spine Clinic of" "$work/long.txt" |
    awk '{for (i = 1; i < NF; i++) if ($i == "face") print $(i + 2)}' | sort -n | head -n 1)
  check_eq "a long clinic name: no text of it below 8 pt" \
    "$(awk -v s="${small:-0}" 'BEGIN { print (s >= 8 ? "yes" : "no " s) }')" yes
else
  skip "a long clinic name: sizes (MP_LAYOUT_DUMP is not set)"
fi

# A4 on request: the same packet, laid out for the other page size.
render --data "$root/examples/patient.yaml" --page-size a4 -o "$work/a4.pdf" 2>/dev/null
check_has "A4" "$(pdfinfo "$work/a4.pdf" 2>/dev/null)" "Page size:       595.276 x 841.89 pts (A4)"
finish
