#!/bin/sh
# One bad-input case: tests/bad/NAME/ holds
#   args      the command line after "medpacket", one argument per line;
#             $CASE is the case folder, $FIX is tests/fixtures, $OUT an empty
#             folder for outputs
#   expected  line 1: the exit code; line 2: the exact first line of stderr
# plus any input files the case needs. Asserts the exit code, the message,
# and that nothing was written to $OUT (no output, no temporary file).
set -u
bin=$1 case=$2 fix=$3
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
set --
while IFS= read -r line || [ -n "$line" ]; do
  line=$(printf '%s' "$line" | sed "s#\$CASE#$case#g; s#\$FIX#$fix#g; s#\$OUT#$out#g")
  set -- "$@" "$line"
done < "$case/args"
want_code=$(sed -n 1p "$case/expected")
want_msg=$(sed -n 2p "$case/expected" | sed "s#\$CASE#$case#g; s#\$FIX#$fix#g; s#\$OUT#$out#g")
err=$(cd "$case" && "$bin" "$@" 2>&1 >/dev/null)
code=$?
got_msg=$(printf '%s\n' "$err" | head -n 1)
fail=0
if [ "$code" != "$want_code" ]; then
  echo "exit code $code, want $want_code"; fail=1
fi
if [ "$got_msg" != "$want_msg" ]; then
  printf 'stderr:   %s\nexpected: %s\n' "$got_msg" "$want_msg"; fail=1
fi
left=$(ls -A "$out")
if [ -n "$left" ]; then
  echo "files left in the output folder: $left"; fail=1
fi
exit $fail
