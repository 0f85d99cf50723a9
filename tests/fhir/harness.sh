#!/usr/bin/env bash
# The FHIR test harness checking itself (issue 20): that every fixture in
# tests/fhir/data is valid FHIR R4 by Medplum's validator and that the
# validator rejects an invalid DocumentReference; then, against a running
# server.mjs with a token, the checks of server-checks.mjs. Each check
# prints "ok: ..."; a check the machine cannot run prints "skip: ..." and
# exits 77, which CTest counts as skipped.
#
#   tests/fhir/harness.sh [core|include-paging]
#
# core (the default) is CTest's fhir/harness; include-paging, its
# fhir/include-paging, is the day's search with _include and next links,
# which Medplum's in-memory router does not do (it skips, saying so).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
group=${1:-core}
case $group in
core | include-paging) ;;
*)
  echo "usage: $0 [core|include-paging]" >&2
  exit 2
  ;;
esac

if ! command -v node >/dev/null; then
  echo "skip: node is not installed"
  exit 77
fi
for module in core definitions fhir-router; do
  if [ ! -d "$here/node_modules/@medplum/$module" ]; then
    echo "skip: tests/fhir/node_modules/@medplum/$module is missing (tests/fhir/modules.sh installs it with npm ci)"
    exit 77
  fi
done

work=$(mktemp -d)
server_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The server loads the definitions (2 s) while the validator does the same
# beside it: the two cores overlap them.
token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
node "$here/server.mjs" --port 0 --token "$token" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!

if [ "$group" = core ]; then
  shopt -s nullglob
  fixtures=("$here"/data/*.json "$here"/data/*.ndjson "$here"/data/bulk/*.ndjson)
  shopt -u nullglob
  if ! node "$here/validate.mjs" "${fixtures[@]}" >"$work/validate.out"; then
    cat "$work/validate.out"
    echo "FAIL: a fixture in tests/fhir/data is not valid FHIR R4"
    exit 1
  fi
  if [ "$(grep -c '^ok: ' "$work/validate.out")" -ne "${#fixtures[@]}" ]; then
    cat "$work/validate.out"
    echo "FAIL: validate.mjs did not say ok for each of the ${#fixtures[@]} fixtures"
    exit 1
  fi
  echo "ok: the ${#fixtures[@]} files of tests/fhir/data are valid FHIR R4 ($(sed -E 's/.*: ([0-9]+) resources valid$/\1/' "$work/validate.out" | paste -sd+ | bc) resources)"

  # A validator that passes everything proves nothing: this one must fail,
  # on a type error Medplum finds (size is an unsignedInt) and on a code
  # outside its required ValueSet, which validate.mjs checks itself.
  cat >"$work/bad-docref.json" <<'EOF'
{
  "resourceType": "DocumentReference",
  "status": "bogus",
  "subject": {"reference": "Patient/pt-1001"},
  "content": [{"attachment": {"contentType": "application/pdf", "size": "abc"}}]
}
EOF
  # The same file is given again as standard input ("-"), in the same run:
  # each run of the validator spends two seconds loading the definitions.
  status=0
  # shellcheck disable=SC2094 # the file is read twice, written never
  node "$here/validate.mjs" "$work/bad-docref.json" - <"$work/bad-docref.json" >"$work/bad.out" || status=$?
  expected=""
  for name in "$work/bad-docref.json" stdin; do
    expected+="$name: entry 1: DocumentReference.content[0].attachment.size: Invalid JSON type: expected number, but got string
$name: entry 1: DocumentReference.status: code \"bogus\" is not in the required ValueSet http://hl7.org/fhir/ValueSet/document-reference-status
"
  done
  if [ "$status" -ne 1 ] || [ "$(cat "$work/bad.out")" != "${expected%$'\n'}" ]; then
    echo "FAIL: validate.mjs on an invalid DocumentReference: exit $status, expected 1, and said:"
    cat "$work/bad.out"
    echo "expected:"
    printf '%s' "$expected"
    exit 1
  fi
  echo "ok: validate.mjs rejects a DocumentReference with status \"bogus\" and attachment.size \"abc\", named in both, from a file and from standard input (exit 1)"
fi

# Wait for the one line that says where it listens.
for _ in $(seq 1 200); do
  if grep -q '^listening ' "$work/server.out" || ! kill -0 "$server_pid" 2>/dev/null; then
    break
  fi
  sleep 0.05
done
base=$(sed -n 's/^listening //p' "$work/server.out")
if [ -z "$base" ]; then
  cat "$work/server.log"
  echo "FAIL: server.mjs did not say where it listens within 10 s"
  exit 1
fi
if [ "$(wc -l <"$work/server.out")" -ne 1 ]; then
  echo "FAIL: server.mjs printed more than its one listening line on stdout"
  exit 1
fi
echo "ok: server.mjs listens at $base"

status=0
node "$here/server-checks.mjs" "$group" "$base" "$token" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 77 ]; then
  # The server's request log (method, path, parameter names, status) says
  # what the failed check asked and got.
  echo "server.mjs's log:"
  cat "$work/server.log"
fi
exit "$status"
