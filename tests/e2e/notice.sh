#!/usr/bin/env bash
# End to end: the clinic's language notice as a packet asks for it, and as
# `check` holds it to the rules forms/README.md states: printed first when
# the packet says first; a language listed without its file refused where
# the settings list it; fewer than 15 languages a warning; a packet that
# asks for the notice of settings that have none refused.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
cd "$work" || exit 1
mkdir -p notice tp
cp "$root"/forms/notice/en.* "$root"/forms/notice/es.* notice/
bash "$root/tests/golden/clinic.sh" "$root" clinic.yaml
sed -i -e 's#^language_notice: .*#language_notice: notice#' \
  -e 's#^notice_languages: .*#notice_languages: [es]#' clinic.yaml
cp "$root"/forms/trigger-point/handout.* tp/
cat >tp/packet.yaml <<'YAML'
kind: packet
id: p
title: P
clinic: ../clinic.yaml
language_notice: first
forms: [handout.yaml]
YAML

"$bin" render tp/packet.yaml --data "$root/examples/patient.yaml" -o first.pdf 2>/dev/null
check_eq "language_notice: first renders" "$?" 0
page1=$(plain_text first.pdf 1 1)
check_has "first: the notice is page 1" "$page1" "Free Language Help"
check_has "first: in Spanish too" "$page1" "Español"
check_has "first: the handout after it" "$(plain_text first.pdf 2 2)" "Trigger Point Injections"

out=$("$bin" check tp/packet.yaml 2>&1)
check_eq "check: fewer than 15 languages is a warning, not an error" "$?" 0
check_has "check: ... which says so" "$out" \
  "warning: notice_languages lists 1 language; Section 1557 (45 CFR 92.11) asks for the 15"

sed -i 's#^notice_languages: .*#notice_languages: [es, vi]#' clinic.yaml
out=$("$bin" check tp/packet.yaml 2>&1)
check_eq "check: a language without its file: exit 66" "$?" 66
check_has "check: ... named where the settings list it" "$out" "error: no vi notice: cannot open"
"$bin" render tp/packet.yaml --data "$root/examples/patient.yaml" -o vi.pdf 2>/dev/null
check_eq "render refuses it too" "$?" 66
[ -e vi.pdf ] && fail "render wrote a PDF without the vi notice" || ok "nothing written"

grep -v '^language_notice:\|^notice_languages:' clinic.yaml >bare.yaml
out=$("$bin" render tp/packet.yaml --clinic bare.yaml --data "$root/examples/patient.yaml" -o bare.pdf 2>&1)
check_eq "settings with no notice folder: exit 78" "$?" 78
check_has "... says the packet asks for it" "$out" \
  "the packet prints the language notice, but the clinic settings (bare.yaml) name no language_notice folder"
finish
