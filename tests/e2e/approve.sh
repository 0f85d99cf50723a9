#!/usr/bin/env bash
# Issue 16: the approved wording is the wording that prints. One word of an
# approved form changed: render, batch and serve refuse it with the exact
# message; check reports it; `approve` makes it printable again, keeping
# every other byte of the file, and the snapshot and `diff --since-approval`
# show the word. A stale translation: check names the changed section,
# render refuses it, --allow-stale-translation prints it stamped.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
for tool in pdftotext pdfinfo; do
  command -v "$tool" >/dev/null || { echo "skip: $tool is missing (poppler-utils; scripts/setup installs it)"; exit 77; }
done
new_dated_workdir
cd "$work" || exit 1
mkdir -p forms && cp -r "$root/forms/." forms/
rm -f forms/trigger-point/.*.part
bash "$root/tests/golden/clinic.sh" "$root" forms/clinic.yaml || exit 1
tp=forms/trigger-point
pat=$root/examples/patient.yaml

# The shipped forms print as they are.
"$bin" render $tp/packet.yaml --data "$pat" -o ok.pdf 2>err.txt
check_eq "shipped packet renders" "$?" 0
"$bin" check $tp/packet.yaml $tp/es/packet.yaml 2>err.txt
check_eq "shipped packets check clean" "$?:$(cat err.txt)" "0:"

# One word changed, status left approved.
cp $tp/consent.yaml consent.orig
sed -i 's/The spot may be sore/The spot may be very sore/' $tp/consent.yaml
cmp -s $tp/consent.yaml consent.orig && fail "the word was not changed"
old=$(grep '^approved_wording:' consent.orig | cut -d' ' -f2)
new=$("$bin" check --json $tp/consent.yaml 2>/dev/null | grep -o '"fingerprint":"[0-9a-f]*"' | cut -d'"' -f4)
line=$(grep -n '^approved_wording:' $tp/consent.yaml | cut -d: -f1)
want="$tp/consent.yaml:$line:19: error: form tpi-consent was approved by Dr. Ana Ruiz, Medical Director on 2026-11-02 for wording ${old:0:12}, but its wording is now ${new:0:12}: see what changed with \`medpacket diff --since-approval $tp/consent.yaml\`, then approve it again with \`medpacket approve $tp/consent.yaml --by NAME\`"
"$bin" render $tp/packet.yaml --data "$pat" -o moved.pdf 2>err.txt
check_eq "render refuses the changed form" "$?:$(cat err.txt)" "65:$want"
[ -e moved.pdf ] && fail "render left a PDF"
"$bin" batch $tp/packet.yaml --data "$root/examples/today.csv" --out-dir batch-out 2>err.txt
check_eq "batch refuses it" "$?:$(tail -1 err.txt)" "65:$want"
timeout 10 "$bin" serve --data "$root/examples/today.csv" --forms forms --listen 127.0.0.1:0 \
  </dev/null >/dev/null 2>err.txt
check_eq "serve refuses it" "$?:$(tail -1 err.txt)" "65:$want"
"$bin" check $tp/consent.yaml 2>err.txt
check_eq "check reports it" "$?:$(cat err.txt)" "65:$want"
# --allow-draft does not print a changed approved form.
"$bin" render $tp/packet.yaml --data "$pat" --allow-draft -o moved.pdf 2>/dev/null
check_eq "--allow-draft is no way round" "$?" 65

# diff --since-approval shows the word.
out=$("$bin" diff --since-approval $tp/consent.yaml)
check_eq "diff --since-approval exit" "$?" 1
echo "$out" | grep -qF '{+very+}' || fail "diff --since-approval does not show the word: $out"
echo "$out" | grep -qF "wording changed since approval: fingerprint ${old:0:12} -> ${new:0:12}" ||
  fail "diff --since-approval does not give both fingerprints"
# diff of two versions warns when the version did not move.
"$bin" diff consent.orig $tp/consent.yaml >/dev/null 2>err.txt
check_eq "diff warns of an unchanged version" "$?:$(grep -c 'the wording changed but version is still "1.0"' err.txt)" "1:1"

# approve: only the record's lines change; the snapshot holds the word.
cp $tp/consent.yaml before.yaml
"$bin" approve $tp/consent.yaml --by "Dr. Ana Ruiz, Medical Director" --on 2025-11-30 >approve.diff 2>err.txt
check_eq "approve exit" "$?" 0
diff before.yaml $tp/consent.yaml >bytes.diff
check_eq "approve changed only the record" "$(grep '^[<>]' bytes.diff)" "< approved_on: 2026-11-02
< approved_wording: $old
> approved_on: 2025-11-30
> approved_wording: $new"
grep -q '^+approved_wording: '"$new" approve.diff || fail "approve did not show its diff"
grep -qF 'The spot may be very sore' $tp/consent.approved.txt || fail "the snapshot lacks the new word"
check_eq "the snapshot's fingerprint is the approval's" "$(sha256sum <$tp/consent.approved.txt | cut -d' ' -f1)" "$new"
"$bin" diff --since-approval $tp/consent.yaml >/dev/null
check_eq "no change since the new approval" "$?" 0

# The Spanish translation is now stale.
"$bin" check $tp/es/consent.yaml 2>err.txt
check_eq "check: stale translation" "$?" 65
grep -qF 'form tpi-consent-es is a stale translation' err.txt || fail "check does not say stale: $(cat err.txt)"
grep -qF '(changed: "Risks' err.txt || grep -qF '(changed: "' err.txt || fail "check names no changed section: $(cat err.txt)"
"$bin" render $tp/es/packet.yaml --data "$pat" -o es.pdf 2>err.txt
check_eq "render refuses the stale translation" "$?:$(grep -c 'stale translation' err.txt)" "65:1"
"$bin" render $tp/es/packet.yaml --data "$pat" --allow-stale-translation -o es.pdf 2>err.txt
check_eq "--allow-stale-translation prints it" "$?" 0
stamped=0
for p in $(seq "$(pdfinfo es.pdf | awk '/^Pages:/ {print $2}')"); do
  pdftotext -raw -f "$p" -l "$p" es.pdf - | tr -d '\n' | grep -q 'TRADUCCIÓNDESACTUALIZADA' &&
    stamped=$((stamped + 1))
done
# The handout's source did not change: only the consent's 4 pages say so.
check_eq "the stale translation is stamped on its pages" "$stamped" 4
pdftotext -raw ok.pdf - | tr -d '\n' | grep -q 'DESACTUALIZADA\|OUTDATED' && fail "a current packet is stamped"

# A translation is approved against its source; then it is current again.
"$bin" approve $tp/es/consent.yaml --by "Dr. Ana Ruiz, Medical Director" >/dev/null 2>err.txt
check_eq "approve the translation" "$?" 0
"$bin" check $tp/es/consent.yaml 2>err.txt
check_eq "current again" "$?:$(cat err.txt)" "0:"
"$bin" render $tp/packet.yaml --data "$pat" -o approved.pdf 2>err.txt
check_eq "approved again, the packet renders" "$?:$(cat err.txt)" "0:wrote approved.pdf"
finish
