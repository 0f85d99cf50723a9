#!/usr/bin/env bash
# A form in a language with no reading-grade formula (Arabic): check gives
# one note and no grade (and, medpacket having labels in Arabic, no warning
# about them), its exit status unchanged; --json says null; review says so
# instead of an English score.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_workdir
form=$root/tests/fixtures/consent-ar.yaml

"$bin" check "$form" >/dev/null 2>"$work/check.err"
code=$?
check_eq "Arabic consent: exit 0, the note, nothing else" \
  "$code:$(cat "$work/check.err")" \
  "0:$form:8:11: note: no reading-grade formula for language \"ar\": the reading level is not scored"
json=$("$bin" check --json "$form" 2>/dev/null)
check_eq "check --json: no formula, no grade, the note" \
  "$(printf '%s' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["grade_formula"], len(d["sections"]), {s["grade"] for s in d["sections"]}, d["warnings"], [f["level"] for f in d["findings"]])')" \
  "None 5 {None} 0 ['note']"
text=$("$bin" review "$form" --format text 2>/dev/null)
check_has "review: says there is no formula" "$text" \
  'Reading grade: no reading-grade formula for language "ar": the reading level is not scored'
check_eq "review: no English score" "$(printf '%s' "$text" | grep -c 'Flesch-Kincaid')" 0
finish
