#!/usr/bin/env bash
# The command line's contract: --help, --version, usage errors and their exit
# codes, and a clean run under valgrind's memcheck (no leak, no error).
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_workdir

out=$("$bin" --version); check_eq "--version exits 0" "$?" 0
check_eq "--version text" "$out" "medpacket 0.1.0"
out=$("$bin" --help); check_eq "--help exits 0" "$?" 0
check_has "--help lists render" "$out" "render     render one form or packet for one patient into a PDF"
check_has "--help lists exit codes" "$out" "65  bad input data"
out=$("$bin" render --help); check_eq "render --help exits 0" "$?" 0
check_has "render --help usage" "$out" "usage: medpacket render FORM_OR_PACKET.yaml --data PATIENT.yaml -o OUT.pdf"
check_has "render --help SOURCE_DATE_EPOCH" "$out" "SOURCE_DATE_EPOCH"
"$bin" >/dev/null 2>&1; check_eq "no command exits 64" "$?" 64
err=$("$bin" frobnicate 2>&1 >/dev/null); check_eq "unknown command exits 64" "$?" 64
check_has "unknown command message" "$err" 'medpacket: error: unknown command "frobnicate"'
err=$(SOURCE_DATE_EPOCH=yesterday "$bin" render "$root/forms/trigger-point/consent.yaml" \
      --data "$root/examples/patient.yaml" -o "$work/x.pdf" 2>&1)
check_eq "bad SOURCE_DATE_EPOCH exits 64" "$?" 64
check_eq "bad SOURCE_DATE_EPOCH message" "$err" "medpacket: error: SOURCE_DATE_EPOCH must be a whole number of seconds since 1970"
check_eq "nothing written" "$(ls -A "$work")" ""

# Huge inputs are refused before they are read whole: a 9 MiB form, and a
# 100,000-row CSV streamed in flat memory (every row bad, so that the test
# measures the reading, not the rendering).
{ cat "$root/tests/fixtures/consent.yaml"; printf '# '; head -c 9437184 /dev/zero | tr '\0' x; echo; } >"$work/huge.yaml"
err=$("$bin" render "$work/huge.yaml" --data "$root/examples/patient.yaml" --clinic "$root/tests/fixtures/clinic.yaml" -o "$work/h.pdf" 2>&1)
check_eq "a 9 MiB form is refused" "$?:$err" "65:$work/huge.yaml: error: file is larger than 8 MiB"
python3 -c '
import sys
print("first_name,last_name,dob,mrn")
for i in range(100000):
    print(f"A,B,1970-02-30,M{i}")' >"$work/big.csv"
/usr/bin/time -f '%M' -o "$work/rss" "$bin" batch "$root/forms/trigger-point/consent.yaml" --data "$work/big.csv" \
  --out-dir "$work/bigout" -q 2>"$work/big.err"
check_eq "100,000 bad rows: exit 65, every row reported" "$?:$(wc -l <"$work/big.err")" "65:100000"
rss=$(tail -n 1 "$work/rss")
if [ -n "${MP_SANITIZED:-}" ]; then ok "100,000 rows: memory not measured (ASan holds freed memory in quarantine)"
elif [ "$rss" -lt 30000 ]; then ok "100,000 rows streamed in $rss KB"; else fail "100,000 rows took $rss KB"; fi
rm -rf "$work/big.csv" "$work/big.err" "$work/bigout" "$work/rss" "$work/huge.yaml"

# Write errors: reported, exit 74, and no partial file left behind.
err=$("$bin" render "$root/forms/trigger-point/packet.yaml" --data "$root/examples/patient.yaml" -o /dev/full 2>&1)
check_eq "a full device: exit 74" "$?" 74
check_eq "a full device: the message" "$err" "/dev/full: error: write failed: No space left on device"
mkdir "$work/tiny"
if mount -t tmpfs -o size=12k tmpfs "$work/tiny" 2>/dev/null; then
  err=$("$bin" render "$root/forms/trigger-point/packet.yaml" --data "$root/examples/patient.yaml" -o "$work/tiny/p.pdf" 2>&1)
  check_eq "a full disk: exit 74" "$?" 74
  check_eq "a full disk: the message" "$err" "$work/tiny/p.pdf: error: write failed: No space left on device"
  check_eq "a full disk: no partial or temporary file" "$(ls -A "$work/tiny")" ""
  umount "$work/tiny"
else
  ok "a full disk: skipped (no permission to mount a tmpfs here)"
fi
# An existing file is not replaced unless --force says so.
printf 'old\n' >"$work/exists.pdf"
err=$("$bin" render "$root/forms/trigger-point/consent.yaml" --data "$root/examples/patient.yaml" -o "$work/exists.pdf" 2>&1)
check_eq "an existing file: exit 73" "$?" 73
check_eq "an existing file: the message" "$err" "$work/exists.pdf: error: the file exists (--force replaces it)"
check_eq "an existing file: untouched" "$(cat "$work/exists.pdf")" "old"
"$bin" render "$root/forms/trigger-point/consent.yaml" --data "$root/examples/patient.yaml" -o "$work/exists.pdf" --force 2>/dev/null
check_has "--force replaces it" "$(head -c 8 "$work/exists.pdf")" "%PDF-"
rm -f "$work/exists.pdf"

if [ -n "${MP_SANITIZED:-}" ]; then
  # valgrind cannot run an AddressSanitizer binary; ASan checks this run instead.
  echo "skip: valgrind memcheck (an ASan binary; ASan checks this run instead)"
elif command -v valgrind >/dev/null; then
  valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 -q \
    "$bin" render "$root/forms/trigger-point/packet.yaml" --data "$root/examples/patient.yaml" \
    -o "$work/v.pdf" 2>"$work/vg"
  check_eq "valgrind memcheck: no leak, no error" "$?" 0
  grep -v '^wrote ' "$work/vg" >&2
else
  fail "valgrind is not installed (scripts/setup installs it)"
fi
finish
