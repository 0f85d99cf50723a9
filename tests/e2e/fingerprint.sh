#!/usr/bin/env bash
# The wording fingerprint as forms/README.md defines it, recomputed by an
# implementation that shares no code with medpacket (tests/wording/
# fingerprint.py, PyYAML), for every shipped form: the document alone is
# enough to check an approval (issue 13, item 18).
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
# Debian's python3-yaml serves /usr/bin/python3; a python3 earlier in PATH
# (pyenv) may have its own PyYAML, or none.
py=
for p in python3 /usr/bin/python3; do
  "$p" -c 'import yaml' 2>/dev/null && { py=$p; break; }
done
if [ -z "$py" ]; then
  skip "PyYAML (python3-yaml) is not installed; scripts/setup installs it"
  finish
fi
n=0
while IFS= read -r f; do
  grep -q '^kind: packet' "$f" && continue
  want=$("$bin" check --json "$f" 2>/dev/null | grep -o '"fingerprint":"[0-9a-f]*"' | head -1 | cut -d'"' -f4)
  got=$("$py" "$root/tests/wording/fingerprint.py" "$f" | cut -d' ' -f2)
  check_eq "fingerprint of ${f#$root/}" "$got" "$want"
  [ -n "$want" ] && n=$((n + 1))
# Not the hidden files: review.sh writes a draft copy of the consent there
# (.draft-test.yaml) for a second and removes it, and CTest may run both at
# once (a CI run failed on it: listed, then gone).
done < <(find "$root/forms" -name '*.yaml' ! -name clinic.yaml ! -name '.*' | sort)
[ "$n" -ge 4 ] || fail "only $n forms were checked"
finish
