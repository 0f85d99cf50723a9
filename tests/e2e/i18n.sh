#!/usr/bin/env bash
# End to end: every patient can read it. The Spanish packet for a patient
# with an accented name (Spanish labels and dates, the right name, the QR
# code still decodes, /Lang es); batch picking each row's language and large
# print from its columns; A4; the clinic's logo; a clinic font family with a
# fallback for the characters it lacks; a clinic family in OpenType CFF.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
packet=$root/forms/trigger-point/packet.yaml
cd "$work" || exit 1

cat >es.yaml <<'YAML'
first_name: María José
last_name: Núñez Peña
dob: 1968-04-12
mrn: A1003
appointment_date: 2026-12-01
clinician: Dra. Ana Ruiz
language: Español
YAML
"$bin" render "$packet" --data es.yaml -o es.pdf 2>/dev/null
check_eq "Spanish packet renders" "$?" 0
# Lines joined: a long title may wrap (its width is the shaped one).
consent=$(pdftotext -f 4 -l 4 es.pdf - 2>/dev/null | tr '\n' ' ')
for t in "Consentimiento para inyecciones en puntos gatillo" "Paciente: María José Núñez Peña" \
         "Fecha de nacimiento: 12 de abril de 1968" "Número de expediente: A1003" \
         "Página 1 de 4" "tpi-consent-es versión 1.0"; do
  check_has "Spanish: $t" "$consent" "$t"
done
check_has "Spanish: initials label" "$(pdftotext -f 5 -l 5 es.pdf - 2>/dev/null)" "Iniciales"
check_has "Spanish: signature labels" "$(pdftotext -f 6 -l 7 es.pdf - 2>/dev/null)" "Firma: Paciente o representante legal"
check_eq "Spanish: /Lang (es) for screen readers" \
  "$(qpdf --qdf --object-streams=disable es.pdf - 2>/dev/null | grep -a -c '/Lang (es)')" 1
pdftoppm -png -r 150 -f 3 -l 3 es.pdf qr 2>/dev/null
check_has "Spanish: the QR code still decodes" "$(zbarimg --raw -q qr*.png 2>/dev/null)" "https://book.harborview.example/r/"
# --language asks by name; a language the packet lacks is an error.
"$bin" render "$packet" --data "$root/examples/patient.yaml" --language es -o forced.pdf 2>/dev/null
check_has "--language es" "$(pdftotext -f 1 -l 1 forced.pdf - 2>/dev/null)" "Inyecciones en puntos gatillo"
err=$("$bin" render "$root/forms/trigger-point/es/packet.yaml" --data es.yaml --language en -o x.pdf 2>&1)
check_eq "--language the packet lacks: exit 64" "$?" 64
check_has "--language the packet lacks: why" "$err" "no English (en) version of this packet; it has Español (es) (add one under translations:)"
# ... by tag in any spelling or by name, in English or in itself.
for lang in Spanish Español ES_mx es-US; do
  "$bin" render "$packet" --data "$root/examples/patient.yaml" --language "$lang" -o named.pdf 2>/dev/null
  check_has "--language $lang: the Spanish packet" "$(pdftotext -f 1 -l 1 named.pdf - 2>/dev/null)" "Inyecciones en puntos gatillo"
done
err=$("$bin" render "$packet" --data "$root/examples/patient.yaml" --language French -o x.pdf 2>&1)
check_eq "--language French: exit 64" "$?" 64
check_has "--language French: the languages it has, by their own names" "$err" \
  "no French (fr) version of this packet; it has English (en), Español (es) (add one under translations:)"
err=$("$bin" render "$packet" --data "$root/examples/patient.yaml" --language Klingonese -o x.pdf 2>&1)
check_eq "--language that names no language: exit 64" "$?" 64
check_has "--language that names no language: why" "$err" \
  "--language \"Klingonese\" names no language (give a tag such as es or zh-Hant, or a name such as Spanish or Español)"
# From the patient's data, a language the packet lacks prints the packet's
# own, with a warning.
sed 's/^language:.*//' "$root/examples/patient.yaml" >fr.yaml
printf 'language: Français\n' >>fr.yaml
err=$("$bin" render "$packet" --data fr.yaml -o fr.pdf 2>&1)
check_eq "the patient's language the packet lacks: exit 0" "$?" 0
check_has "... warned" "$err" \
  "fr.yaml: warning: language \"Français\" (fr): this packet has no French version; printed English (en)"

# batch: each row in its language, large print where the row asks for it.
cat >rows.csv <<'CSV'
first_name,last_name,dob,mrn,appointment_date,clinician,language,large_print
Ana,García,1990-01-02,L1,2026-12-01,Dra. Ana Ruiz,es,
John,Lee,1950-10-10,L2,2026-12-01,Dr. Ana Ruiz,,yes
Zoë,Müller,2001-12-25,L3,2026-12-01,Dr. Ana Ruiz,fr,
CSV
"$bin" batch "$packet" --data rows.csv --out-dir out --name '{last_name}-{first_name}-{mrn}' --json -q >rows.jsonl 2>/dev/null
check_eq "batch with languages: exit 0" "$?" 0
check_eq "the report says which language each row got" \
  "$(python3 -c 'import json,sys; print(" ".join(json.loads(l).get("language","-") for l in open(sys.argv[1])))' rows.jsonl)" \
  "es en en -"
check_has "row 2 in Spanish" "$(pdftotext -f 4 -l 4 out/García-Ana-L1.pdf - 2>/dev/null)" "Fecha de nacimiento"
big=$(qpdf --qdf --object-streams=disable out/Lee-John-L2.pdf - 2>/dev/null | grep -a -c ' 14 Tf')
small=$(qpdf --qdf --object-streams=disable out/Müller-Zoë-L3.pdf - 2>/dev/null | grep -a -c ' 14 Tf')
if [ "$big" -gt 20 ] && [ "$small" -eq 0 ]; then ok "large_print column: 14 pt text for that row only"; else fail "large print: $big / $small"; fi
check_has "large print still paginates" "$(pdfinfo out/Lee-John-L2.pdf 2>/dev/null)" "Pages:"
# --large-print: every row, whatever its column says.
"$bin" batch "$packet" --data rows.csv --out-dir outlp --name '{mrn}' --large-print -q 2>/dev/null
check_eq "batch --large-print: exit 0" "$?" 0
lp=0
for f in outlp/L1.pdf outlp/L2.pdf outlp/L3.pdf; do
  [ "$(qpdf --qdf --object-streams=disable "$f" - 2>/dev/null | grep -a -c ' 14 Tf')" -gt 20 ] && lp=$((lp + 1))
done
check_eq "batch --large-print: 14 pt text in every row's PDF" "$lp" 3

# A4, and the clinic's logo on every page.
"$bin" render "$packet" --data "$root/examples/patient.yaml" --page-size a4 -o a4.pdf 2>/dev/null
check_has "A4" "$(pdfinfo a4.pdf 2>/dev/null)" "Page size:       595.276 x 841.89 pts (A4)"
check_eq "logo on every page" "$(pdfimages -list a4.pdf 2>/dev/null | tail -n +3 | wc -l)" \
  "$(pdfinfo a4.pdf 2>/dev/null | sed -n 's/^Pages: *//p')"
check_eq "logo's aspect ratio kept (240 x 80)" "$(pdfimages -list a4.pdf 2>/dev/null | awk 'NR == 3 {print $4 "x" $5}')" "240x80"

# A clinic font without some glyphs: DejaVu Sans draws what it lacks.
if command -v hb-subset >/dev/null; then
  mkdir fonts
  hb-subset --output-file=fonts/Basic-Regular.ttf --unicodes=20-7E /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf
  hb-subset --output-file=fonts/Basic-Bold.ttf --unicodes=20-7E /usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf
  "$bin" render "$packet" --data es.yaml --font-dir fonts -o fb.pdf 2>/dev/null
  check_eq "a font lacking accents: rendered with a fallback" "$?" 0
  fonts=$(pdffonts fb.pdf 2>/dev/null)
  check_has "clinic font embedded" "$fonts" "DejaVuSerif"
  # The fallback is fontconfig's sans-serif face for the script (Noto Sans
  # or DejaVu Sans on Debian): any face but the clinic's.
  # (On the handout and the consent, pages 1 to 7: the language notice
  # after them draws each of its 16 languages in its script's face.)
  check_eq "fallback embedded" "$(pdffonts -l 7 fb.pdf 2>/dev/null | tail -n +3 | grep -vc DejaVuSerif)" 2
  check_has "the name is whole" "$(pdftotext -f 4 -l 4 fb.pdf - 2>/dev/null)" "María José Núñez Peña"
  # The same family named by the environment, and by the clinic settings.
  MEDPACKET_FONT_DIR=fonts "$bin" render "$packet" --data es.yaml -o env.pdf 2>/dev/null
  check_has "MEDPACKET_FONT_DIR" "$(pdffonts env.pdf 2>/dev/null)" "DejaVuSerif"
  bash "$root/tests/golden/clinic.sh" "$root" clinic.yaml && echo "fonts: $work/fonts" >>clinic.yaml
  "$bin" render "$packet" --data es.yaml --clinic clinic.yaml -o cl.pdf 2>/dev/null
  check_has "fonts: in the clinic settings" "$(pdffonts cl.pdf 2>/dev/null)" "DejaVuSerif"
else
  fail "hb-subset is missing (libharfbuzz-bin; scripts/setup installs it)"
fi

# A clinic family in OpenType CFF (.otf): embedded as CIDFontType0C subsets.
# URW's Nimbus Sans (fonts-urw-base35), else any CFF .otf fontconfig knows.
otf_reg=/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf
otf_bold=/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf
otf_faces=2
if [ ! -f "$otf_reg" ] || [ ! -f "$otf_bold" ]; then
  otf_reg=$(fc-list :fontformat=CFF file 2>/dev/null | sed 's/: *$//' | grep '\.otf$' | sort | head -n 1)
  otf_bold=$otf_reg otf_faces=1 # one file for both: one face
fi
if [ -n "$otf_reg" ]; then
  mkdir otf
  cp "$otf_reg" otf/Clinic-Regular.otf && cp "$otf_bold" otf/Clinic-Bold.otf
  "$bin" render "$root/forms/trigger-point/consent.yaml" --data "$root/examples/patient.yaml" \
    --font-dir otf -o otf.pdf 2>/dev/null
  check_eq "a CFF (.otf) family: renders" "$?" 0
  # Regular and bold, each an embedded subset with a ToUnicode CMap.
  check_eq "a CFF (.otf) family: embedded as CID Type 0C subsets" \
    "$(pdffonts otf.pdf 2>/dev/null | grep -c '+.* CID Type 0C  *Identity-H  *yes yes yes')" "$otf_faces"
  check_has "a CFF (.otf) family: the name extracts" "$(pdftotext otf.pdf - 2>/dev/null)" "José Núñez"
  # Foo-Regular.ttf beside Foo-Regular.otf: two candidates for one face.
  cp /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf otf/Clinic-Regular.ttf
  err=$("$bin" render "$root/forms/trigger-point/consent.yaml" --data "$root/examples/patient.yaml" \
    --font-dir otf -o two.pdf 2>&1)
  check_eq "a .ttf and a .otf for one face: exit 66" "$?" 66
  check_has "a .ttf and a .otf for one face: why" "$err" "unclear family"
else
  skip "no OpenType CFF (.otf) font installed (fonts-urw-base35)"
fi
finish
