#!/usr/bin/env bash
# tests/browser's node modules (pdfjs-dist, playwright-core), installed with
# `npm ci` when one is missing. CTest runs this before every test that reads
# them (the fixture browser-modules, tests/CMakeLists.txt): `npm ci` first
# deletes node_modules, so when browser/run.sh installed them itself,
# e2e/pdfjs-structtree running beside it found no pdfjs-dist and skipped
# (and on a fresh checkout it ran, and skipped, before the install). Exits 0
# even when it cannot install them: each test then skips, saying which
# module it lacks.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -d "$here/node_modules/pdfjs-dist" ] && [ -d "$here/node_modules/playwright-core" ]; then
  echo "ok: tests/browser's node modules are installed"
elif ! command -v npm >/dev/null; then
  echo "note: npm is not installed: the tests that need tests/browser's node modules skip"
elif (cd "$here" && npm ci --no-audit --no-fund); then
  echo "ok: npm ci in tests/browser"
else
  echo "note: npm ci in tests/browser failed: the tests that need its node modules skip"
fi
exit 0
