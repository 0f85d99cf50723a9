#!/usr/bin/env bash
# End to end for clinicians: check --json, the specimen PDF (watermark,
# every placeholder by name, the full fingerprint, reading grades), the text
# and Markdown views, diff on real pairs of versions, the fingerprint on every
# consent page, and draft forms refused unless --allow-draft (then DRAFT on
# every page).
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
consent=$root/forms/trigger-point/consent.yaml

json=$("$bin" check --json "$consent" 2>"$work/check.err")
check_eq "shipped consent passes check" "$?:$(cat "$work/check.err")" "0:"
fp=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
check_eq "fingerprint is 64 hex digits" "$(printf '%s' "$fp" | grep -cE '^[0-9a-f]{64}$')" 1
check_eq "check --json: every section graded, none above 8" \
  "$(printf '%s' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["sections"]) > 5, all(s["grade"] <= 8 for s in d["sections"]), d["errors"])')" "True True 0"
check_eq "check --json: the font files its specimen draws with, files that exist" \
  "$(printf '%s' "$json" | python3 -c 'import json,os,sys; f=json.load(sys.stdin)["fonts"]; print([os.path.basename(x) for x in f], all(os.path.isfile(x.split("#")[0]) for x in f))')" \
  "['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'] True"
check_eq "check --json: fonts for each form of a packet" \
  "$("$bin" check --json "$root/forms/trigger-point/packet.yaml" 2>/dev/null | python3 -c 'import json,sys; print([len(json.loads(l)["fonts"]) for l in sys.stdin])')" \
  "[2, 2, $(for _ in $(seq 16); do printf '16, '; done | sed 's/, $//')]"
check_eq "check --json: English is graded by Flesch-Kincaid" \
  "$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["grade_formula"])')" "Flesch-Kincaid"
check_eq "check --json: Spanish is graded by Crawford, every section" \
  "$("$bin" check --json "$root/forms/trigger-point/es/consent.yaml" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["grade_formula"], all(isinstance(s["grade"], float) and s["words"] > 0 for s in d["sections"]))')" "Crawford True"

# The fingerprint on every page a patient signs, and in the metadata.
"$bin" render "$consent" --data "$root/examples/patient.yaml" -o "$work/c.pdf" 2>/dev/null
pages=$(pdfinfo "$work/c.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
with=0
for p in $(seq "$pages"); do
  pdftotext -f "$p" -l "$p" "$work/c.pdf" - 2>/dev/null | grep -q "wording ${fp:0:12}" && with=$((with + 1))
done
check_eq "short fingerprint in every consent page's footer" "$with" "$pages"
check_has "full fingerprint in the keywords" "$(pdfinfo "$work/c.pdf" 2>/dev/null)" "tpi-consent 1.0 wording $fp"

# The specimen.
"$bin" review "$consent" -o "$work/s.pdf" 2>/dev/null
check_eq "review exits 0" "$?" 0
qpdf --check "$work/s.pdf" >/dev/null 2>&1
check_eq "specimen passes qpdf --check" "$?" 0
spec=$(pdftotext "$work/s.pdf" - 2>/dev/null)
check_has "cover: the full fingerprint" "$(printf '%s' "$spec" | tr -d '\n')" "$fp"
check_has "cover: reading grades" "$spec" "Reading grade by section"
check_has "cover: approval" "$spec" "Dr. Ana Ruiz, Medical Director"
spages=$(pdfinfo "$work/s.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
check_eq "a cover page, then the form" "$spages" "$((pages + 1))"
marked=0
for p in $(seq "$spages"); do
  # The word is drawn turned 45 degrees: poppler gives its letters one a line.
  pdftotext -raw -f "$p" -l "$p" "$work/s.pdf" - 2>/dev/null | tr -d '\n' | grep -q SPECIMEN &&
    marked=$((marked + 1))
done
check_eq "SPECIMEN across every page" "$marked" "$spages"
for name in patient.name patient.dob patient.mrn patient.appointment_date patient.clinician; do
  check_has "placeholder shown: $name" "$spec" "‹$name›"
done
check_has "clinic values filled in" "$spec" "from Harbor View Pain & Spine Clinic."

# Text and Markdown.
text=$("$bin" review "$consent" --format text)
check_has "text: fingerprint" "$text" "Wording fingerprint: $fp"
check_has "text: placeholders as written" "$text" "{{patient.clinician}} will give"
check_has "text: a risk with its initials" "$text" "  * [Initials: ____] Infection."
md=$("$bin" review "$consent" --format markdown)
check_has "markdown: headings" "$md" "## Risks and side effects"
check_has "markdown: checkboxes" "$md" "- [ ] I agree to have trigger point injections."

# diff, on pairs of versions in tests/diff.
cd "$root/tests/diff" || exit 1
"$bin" diff v1.yaml reformat.yaml >"$work/d0"
check_eq "reformatting is no wording change: exit 0" "$?" 0
check_has "reformat: fingerprint unchanged" "$(cat "$work/d0")" "wording unchanged: fingerprint"
"$bin" diff v1.yaml wording.yaml >"$work/d1"
check_eq "a changed word: exit 1" "$?" 1
check_eq "a changed word, marked inside its risk" "$(sed -n '3,$p' "$work/d1")" "@@ Risks
~ risk: Soreness | Your arm may be sore for [-a day.-] {+two days.+}
wording changed: fingerprint c0a32da8f955 -> c97bcb4cd186"
"$bin" diff v1.yaml added-risk.yaml >"$work/d2"
check_eq "an added risk" "$?:$(sed -n '3,4p' "$work/d2")" "1:@@ Risks
+ risk: Bruise | A small bruise may form."
"$bin" diff added-risk.yaml removed-risk.yaml >"$work/d3"
check_eq "a removed risk" "$?:$(sed -n '3,4p' "$work/d3")" "1:@@ Risks
- risk: Soreness | Your arm may be sore for a day."
cd "$work" || exit 1

# Drafts: refused for patients unless --allow-draft, then DRAFT on every page.
sed 's/^status: approved/status: draft/' "$consent" >"$root/forms/trigger-point/.draft-test.yaml"
trap 'rm -rf "$work" "$root/forms/trigger-point/.draft-test.yaml"' EXIT
err=$("$bin" render "$root/forms/trigger-point/.draft-test.yaml" --data "$root/examples/patient.yaml" -o d.pdf 2>&1)
check_eq "a draft is refused: exit 65" "$?" 65
check_has "a draft is refused: why" "$err" "form tpi-consent is a draft, not approved for patients (--allow-draft prints it with DRAFT on every page)"
check_eq "nothing written for a refused draft" "$(ls d.pdf 2>/dev/null | wc -l)" 0
"$bin" render "$root/forms/trigger-point/.draft-test.yaml" --data "$root/examples/patient.yaml" -o d.pdf --allow-draft 2>/dev/null
dpages=$(pdfinfo d.pdf 2>/dev/null | sed -n 's/^Pages: *//p')
marked=0
for p in $(seq "$dpages"); do
  pdftotext -raw -f "$p" -l "$p" d.pdf - 2>/dev/null | tr -d '\n' | grep -q DRAFT &&
    marked=$((marked + 1))
done
check_eq "DRAFT across every page of an allowed draft" "$marked:$dpages" "$dpages:$pages"

# batch: a draft is refused for the whole run, or printed with DRAFT under --allow-draft.
printf 'first_name,last_name,dob,mrn,appointment_date,clinician\nAna,Ruiz,1970-01-02,D1,2026-12-01,Dr. X\n' >d.csv
err=$("$bin" batch "$root/forms/trigger-point/.draft-test.yaml" --data d.csv --out-dir dout -q 2>&1)
check_eq "batch: a draft is refused: exit 65" "$?" 65
check_has "batch: a draft is refused: why" "$err" "is a draft, not approved for patients"
check_eq "batch: nothing written for a refused draft" "$(ls dout 2>/dev/null | wc -l)" 0
"$bin" batch "$root/forms/trigger-point/.draft-test.yaml" --data d.csv --out-dir dout --name '{mrn}' \
  --allow-draft -q 2>/dev/null
check_eq "batch --allow-draft: exit 0" "$?" 0
check_has "batch --allow-draft: DRAFT on the page" \
  "$(pdftotext -raw -f 1 -l 1 dout/D1.pdf - 2>/dev/null | tr -d '\n')" "DRAFT"

# review --page-size: the specimen on A4 (595 x 842 pt).
"$bin" review "$consent" --page-size a4 -o a4s.pdf 2>/dev/null
check_eq "review --page-size a4: exit 0" "$?" 0
check_has "review --page-size a4: A4 pages" "$(pdfinfo a4s.pdf 2>/dev/null)" "595.276 x 841.89 pts (A4)"
finish
