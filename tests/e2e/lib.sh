# Shared helpers for the end-to-end tests: each check prints what failed and
# counts it, so one run shows every problem; finish() sets the exit code.
failures=0
skips=0
# A private folder for the test's files, $work, removed when it ends, after
# CLEANUP (a command: stop servers, unmount) when one is given.
new_workdir() { # [CLEANUP]
  work=$(mktemp -d) || exit 1
  trap "${1:+$1; }"'rm -rf "$work"' EXIT
}
# new_workdir, and the tests' fixed clock: SOURCE_DATE_EPOCH, 2025-12-01
# 00:00:00 UTC, fixes {{today}} and the PDF's dates, so that runs compare.
new_dated_workdir() { # [CLEANUP]
  new_workdir "$@"
  export SOURCE_DATE_EPOCH=1764547200
}
# For the serve tests: a dated $work with the day's list (today.csv), the
# servers serve_start starts ($pids) stopped when the test ends, and no
# CUPS, so that printing fails cleanly (the print test has a real one).
serve_workdir() {
  pids=()
  new_dated_workdir stop_servers
  export CUPS_SERVER=127.0.0.1:9
  cp "$root/tests/e2e/data/awkward.csv" "$work/today.csv"
}
# Every server serve_start started, stopped; one that ignores SIGTERM (the
# failure the list checks look for) is killed, so that it cannot hang the
# test run.
stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
}
# serve_start NAME ARGS...: runs serve on today.csv and the shipped forms in
# the background; sets url to its address, which serve writes to standard
# error with its other status lines (its standard output may be a pipe
# nobody reads): NAME.log; NAME.out must stay empty.
serve_start() {
  local name=$1
  shift
  "$bin" serve --data "$work/today.csv" --forms "$root/forms" "$@" \
    >"$work/$name.out" 2>"$work/$name.log" &
  pids+=($!)
  serve_wait "$name"
}
# serve_wait NAME [SECONDS]: sets url to the address the server started with
# standard error NAME.log says, once it says it (a failure after SECONDS,
# default 5).
serve_wait() {
  for _ in $(seq $((${2:-5} * 20))); do
    url=$(sed -n 's/^medpacket: serving on //p' "$work/$1.log" 2>/dev/null)
    [ -n "$url" ] && return 0
    sleep 0.05
  done
  fail "$1: the server did not start: $(cat "$work/$1.log")"
  return 1
}
# The forms of a form or packet as `medpacket check --json` reports them (the
# wording fingerprints printed records name), one a line in packet order:
# ID VERSION FINGERPRINT.
check_forms() { # FORM_OR_PACKET
  "$bin" check --json "$1" 2>/dev/null | python3 -c '
import json, sys
for d in map(json.loads, sys.stdin):
    print(d["id"], d["version"], d["fingerprint"])'
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
# pdftotext's text of pages FIRST..LAST (default all), without the bidi
# embedding and isolate marks it wraps right-to-left runs in (U+202A-U+202E,
# U+2066-U+2069), runs of spaces made one, no space at either end of a line.
plain_text() { # PDF [FIRST LAST]
  pdftotext -layout ${2:+-f "$2" -l "$3"} "$1" - 2>/dev/null |
    LC_ALL=C sed -e 's/\xe2\x80[\xaa-\xae]//g' -e 's/\xe2\x81[\xa6-\xa9]//g' \
        -e 's/  */ /g' -e 's/^ //' -e 's/ $//'
}
# qpdf --check passes, and every font is embedded, subset, with ToUnicode.
check_pdf_ok() { # WHAT PDF
  local qerr qrc fonts badf
  qerr=$(qpdf --check "$2" 2>&1)
  qrc=$?
  check_eq "$1: qpdf --check exit" "$qrc" 0
  [ "$qrc" -eq 0 ] || printf '%s\n' "$qerr" | tail -n 3 >&2
  fonts=$(pdffonts "$2" 2>/dev/null | tail -n +3)
  badf=$(printf '%s\n' "$fonts" | awk 'NF && !($(NF-4) == "yes" && $(NF-3) == "yes" && $(NF-2) == "yes")')
  if [ -n "$fonts" ] && [ -z "$badf" ]; then
    ok "$1: $(printf '%s\n' "$fonts" | wc -l) fonts, each embedded, subset, with ToUnicode"
  else
    fail "$1: fonts not embedded/subset/unicode: [$badf]"
  fi
}
# Exit 1 on any failure; else 77 (CTest: skipped) when a check could not
# run, so that a green run never hides one; else 0.
finish() {
  if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed" >&2; exit 1; fi
  if [ "$skips" -ne 0 ]; then echo "$skips check(s) skipped: the test counts as skipped"; exit 77; fi
  echo "all checks passed"
}
