#!/usr/bin/env bash
# End to end: language access. The Arabic and the Chinese (Traditional)
# packets for a patient named in that script (labels, name and dates in the
# language, in logical order; the QR code decodes; /Lang); the clinic's
# notice of free language help on one page in 16 languages; a batch whose
# rows ask for English, Spanish, Arabic, Chinese and French, each given its
# packet, the French row's fallback reported, and the drafts withheld
# without --allow-draft.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
packet=$root/forms/trigger-point/packet.yaml
cd "$work" || exit 1

lang_of() { # PDF: the catalog's /Lang
  qpdf --qdf --object-streams=disable "$1" - 2>/dev/null | grep -a -o '/Lang ([^)]*)' | head -1
}
qr_of() { # PDF FIRST LAST: what the QR codes on those pages say
  pdftoppm -png -r 150 -f "$2" -l "$3" "$1" qr-"$1" 2>/dev/null
  zbarimg --raw -q qr-"$1"*.png 2>/dev/null
}

# ---- Arabic, for a patient named in Arabic script -------------------------
cat >ar.yaml <<'YAML'
first_name: محمد
last_name: عبد الله
dob: 1968-04-12
mrn: A1003
appointment_date: 2026-12-01
clinician: د. سارة حداد
language: العربية
YAML
"$bin" render "$packet" --data ar.yaml --allow-draft -o ar.pdf 2>/dev/null
check_eq "Arabic: the packet renders (a draft: --allow-draft)" "$?" 0
text=$(plain_text ar.pdf 1 1)
for t in "محمد عبد الله" "المريض" "رقم الملف الطبي" "A1003" "حقن نقاط الزناد"; do
  check_has "Arabic handout, page 1: $t" "$text" "$t"
done
consent=$(plain_text ar.pdf 3 6)
# The date of birth in Arabic, in Western digits (date.c); the page label.
for t in "أبريل" "1968" "الصفحة" "الموافقة" "توقيع"; do
  check_has "Arabic consent: $t" "$consent" "$t"
done
check_eq "Arabic: /Lang" "$(lang_of ar.pdf)" "/Lang (ar)"
check_has "Arabic: the QR code decodes" "$(qr_of ar.pdf 1 3)" "https://book.harborview.example/r/"
check_pdf_ok "Arabic packet" ar.pdf

# Without --allow-draft the Arabic packet, a draft, is withheld: the patient
# gets the English one, and the operator is told why.
err=$("$bin" render "$packet" --data ar.yaml -o ar-en.pdf 2>&1 >/dev/null)
check_eq "Arabic draft withheld: exit 0" "$?" 0
check_has "Arabic draft withheld: said" "$err" \
  "this packet's Arabic version is a draft (tpi-handout-ar is a draft, not approved for patients; --allow-draft prints it); printed English (en)"
check_eq "Arabic draft withheld: the English packet printed" "$(lang_of ar-en.pdf)" "/Lang (en)"
err=$("$bin" render "$packet" --data ar.yaml --language ar -o x.pdf 2>&1)
check_eq "render --language ar without --allow-draft: exit 65" "$?" 65
check_has "... says it is a draft" "$err" "the Arabic (ar) version of this packet is a draft"

# ---- Chinese (Traditional), for a patient named in Chinese ----------------
cat >zh.yaml <<'YAML'
first_name: 芳
last_name: 王
dob: 1958-09-23
mrn: A2088
appointment_date: 2026-12-01
clinician: 陳志明醫師
language: 中文
YAML
"$bin" render "$packet" --data zh.yaml --allow-draft -o zh.pdf 2>/dev/null
check_eq "Chinese: the packet renders (a draft: --allow-draft)" "$?" 0
# Family name first, with no space (王芳); labels and dates in Chinese.
text=$(plain_text zh.pdf 3 3)
for t in "病人: 王芳" "出生日期: 1958年9月23日" "病歷號碼: A2088" "第 1 頁，共" "激痛點注射同意書"; do
  check_has "Chinese consent, page 1: $t" "$text" "$t"
done
check_eq "Chinese: /Lang" "$(lang_of zh.pdf)" "/Lang (zh-Hant)"
check_has "Chinese: set in the Traditional Chinese face" "$(pdffonts zh.pdf 2>/dev/null)" "NotoSansCJKtc"
check_has "Chinese: the QR code decodes" "$(qr_of zh.pdf 1 2)" "https://book.harborview.example/r/"
check_pdf_ok "Chinese packet" zh.pdf

# ---- The language notice --------------------------------------------------
# Printed last in every packet: English, then the clinic's 15 languages,
# each under its own name, on one page on Letter and on A4.
names="English Español 繁體中文 Tiếng_Việt Tagalog 한국어 Հայերեն فارسی Русский 日本語 العربية ਪੰਜਾਬੀ ខ្មែរ Hmoob हिन्दी ไทย"
for size in letter a4; do
  "$bin" render "$packet" --data "$root/examples/patient.yaml" --page-size $size -o n-$size.pdf 2>/dev/null
  check_eq "notice ($size): the packet renders" "$?" 0
  last=$(pdfinfo n-$size.pdf 2>/dev/null | sed -n 's/^Pages: *//p')
  page=$(plain_text n-$size.pdf "$last" "$last")
  check_has "notice ($size): its title" "$page" "Free Language Help"
  check_has "notice ($size): one page" "$page" "Page 1 of 1"
  missing=""
  for n in $names; do
    n=${n//_/ }
    printf '%s' "$page" | grep -qF -- "$n" || missing="$missing $n"
  done
  check_eq "notice ($size): all 16 languages, each by its own name" "$missing" ""
  check_eq "notice ($size): the clinic's phone in every language" \
    "$(printf '%s' "$page" | grep -o '555-0142' | wc -l)" 16
  check_eq "notice ($size): nothing of it on the page before" \
    "$(plain_text n-$size.pdf $((last - 1)) $((last - 1)) | grep -c 'Free Language Help')" 0
done
check_pdf_ok "notice" n-letter.pdf

# ---- A day's list in five languages ---------------------------------------
cat >day.csv <<'CSV'
first_name,last_name,dob,mrn,appointment_date,clinician,language
John,Lee,1950-10-10,L1,2026-12-01,Dr. Ana Ruiz,English
Ana,García,1990-01-02,L2,2026-12-01,Dra. Ana Ruiz,Spanish
محمد,عبد الله,1968-04-12,L3,2026-12-01,د. سارة حداد,Arabic
芳,王,1958-09-23,L4,2026-12-01,陳志明醫師,zh-TW
Zoë,Martin,2001-12-25,L5,2026-12-01,Dr. Ana Ruiz,French
CSV
languages() { # JSONL: each row's "ROW:LANGUAGE[:FALLBACK]"
  python3 -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if "row" in d:
        print("%s:%s%s" % (d["row"], d.get("language", "-"),
              ":" + d["language_fallback"] if "language_fallback" in d else ""), end=" ")' "$1"
}
"$bin" batch "$packet" --data day.csv --out-dir day --allow-draft --json >day.jsonl 2>day.err
check_eq "batch, five languages: exit 0" "$?" 0
check_eq "batch: each row its packet, French its fallback" "$(languages day.jsonl)" \
  "2:en 3:es 4:ar 5:zh-Hant 6:en:missing "
check_has "batch: the French row's fallback said" "$(cat day.err)" \
  'day.csv: row 6: language "French" (fr): this packet has no French version; printed English (en)'
check_has "batch: the Arabic row's PDF is Arabic" "$(plain_text day/4-L3.pdf 1 1)" "محمد عبد الله"
check_has "batch: the Chinese row's PDF is Chinese" "$(plain_text day/5-L4.pdf 3 3)" "病人: 王芳"
"$bin" batch "$packet" --data day.csv --out-dir day2 --json >day2.jsonl 2>day2.err
check_eq "batch without --allow-draft: exit 0" "$?" 0
check_eq "batch without --allow-draft: the drafts withheld, said" "$(languages day2.jsonl)" \
  "2:en 3:es 4:en:draft 5:en:draft 6:en:missing "
check_has "batch without --allow-draft: the Chinese row's reason" "$(cat day2.err)" \
  "row 5: language \"zh-TW\": this packet's Chinese (Taiwan) version is a draft (tpi-handout-zh-Hant is a draft"
finish
