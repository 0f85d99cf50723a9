# Shared helpers for the end-to-end tests: each check prints what failed and
# counts it, so one run shows every problem; finish() sets the exit code.
failures=0
skips=0
# A private folder for the test's files, $work, removed when it ends.
new_workdir() {
  work=$(mktemp -d) || exit 1
  trap 'rm -rf "$work"' EXIT
}
# A check this machine cannot run: said, counted, and never an "ok:".
skip() { echo "skip: $*"; skips=$((skips + 1)); }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
check_eq() { # what got want
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got [$2], want [$3]"; fi
}
check_has() { # what text needle
  if printf '%s' "$2" | grep -qF -- "$3"; then ok "$1"; else fail "$1: [$3] not found"; fi
}
# Exit 1 on any failure; else 77 (CTest: skipped) when a check could not
# run, so that a green run never hides one; else 0.
finish() {
  if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed" >&2; exit 1; fi
  if [ "$skips" -ne 0 ]; then echo "$skips check(s) skipped: the test counts as skipped"; exit 77; fi
  echo "all checks passed"
}
