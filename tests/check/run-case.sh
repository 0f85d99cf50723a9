#!/bin/sh
# One `medpacket check` case: tests/check/NAME/ holds form.yaml (each a
# variant of the complete/ case) and expected: line 1 the exit code, then the
# exact stderr.
# The clinic settings are tests/check/clinic.yaml.
set -u
bin=$1 case=$2
want_code=$(sed -n 1p "$case/expected")
want=$(sed -n '2,$p' "$case/expected")
got=$(cd "$case" && "$bin" check --clinic ../clinic.yaml form.yaml 2>&1 >/dev/null)
code=$?
fail=0
[ "$code" = "$want_code" ] || { echo "exit code $code, want $want_code"; fail=1; }
if [ "$got" != "$want" ]; then
  printf 'stderr:\n%s\nexpected:\n%s\n' "$got" "$want"; fail=1
fi
exit $fail
