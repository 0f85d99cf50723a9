#!/usr/bin/env bash
# The browser test of `medpacket serve`: starts the server on the awkward day's
# list, drives its page in Debian's chromium (serve.test.mjs), then checks what
# only the outside can see: the previewed PDF names the patient, a PDF reached
# the (private) CUPS, the server's log names no patient, and nothing went to
# its standard output (status lines, the address among them, go to standard
# error).
#
#   tests/browser/run.sh BIN ROOT
#
# BIN: the medpacket binary. ROOT: the source tree. Needs node, /usr/bin/chromium
# (or $CHROMIUM), pdftotext and python3, and root for the private CUPS
# (tests/cups/cupsd.sh) whose cups-pdf queue the page prints to.
# SCREENSHOT=FILE (and SCREENSHOT_NARROW=FILE, SCREENSHOT_STALE=FILE) keep
# screenshots of the page.
set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 BIN ROOT" >&2
  exit 64
fi
BIN=$(realpath "$1")
ROOT=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
AWKWARD=$ROOT/tests/e2e/data/awkward.csv
PATIENT="Siobhán O'Brien"       # serve.test.mjs searches "obri" and previews her

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mp-browser.XXXXXX")
# The server reads a copy, which serve.test.mjs replaces with NEXT (then
# breaks and mends) to see the page follow the list.
CSV=$WORK/today.csv
NEXT=$WORK/next.csv
cp "$AWKWARD" "$CSV"
printf '%s\n' 'first_name,last_name,dob,mrn,appointment_date,clinician,packets' \
  'Nell,Noclinician,1971-01-01,N1,2026-12-01,,' \
  'Otto,Otherpacket,1972-02-02,N2,2026-12-01,Dr. Ana Ruiz,nope-packet' \
  'Pia,Complete,1973-03-03,N3,2026-12-01,Dr. Ana Ruiz,tpi-packet' >"$NEXT"
server_pid=
cups_started=0
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  [ "$cups_started" = 1 ] && cupsd_stop >/dev/null 2>&1
  # The preview holds (test) patient data: do not leave it behind.
  rm -rf "$WORK" "${CUPSDIR:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- node_modules (playwright-core only; chromium is Debian's) ----
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund) || { echo "FAIL: npm ci in $HERE"; exit 1; }
fi

# ---- a private CUPS with a cups-pdf queue (tests/cups/cupsd.sh) ----
# Its folder is apart, in /tmp: cupsd's filters run as the user lp, who must
# reach it.
. "$ROOT/tests/cups/cupsd.sh"
CUPSDIR=$(mktemp -d /tmp/medpacket-cupsd.XXXXXX)
if ! cupsd_start "$CUPSDIR"; then
  echo "FAIL: a private cupsd could not be started (see above)"
  exit 1
fi
cups_started=1
print_args=(--printer "$CUPSD_QUEUE")
ok "private CUPS at $CUPS_SERVER, printer $CUPSD_QUEUE"

# ---- the server ----
# Port 0: the kernel picks a free one (no race with a port chosen here), and
# the server says which on standard error: "medpacket: serving on http://...".
# MP_TEST_PORT=N fixes it instead.
"$BIN" serve --data "$CSV" --forms "$ROOT/forms" --listen "127.0.0.1:${MP_TEST_PORT:-0}" "${print_args[@]}" \
  >"$WORK/stdout" 2>"$WORK/stderr" &
server_pid=$!

url=
for _ in $(seq 1 100); do
  line=$(grep -m 1 '^medpacket: serving on http' "$WORK/stderr" 2>/dev/null)
  case $line in
    "medpacket: serving on "http*) url=${line#medpacket: serving on }; break ;;
  esac
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  fail "the server did not start (standard output: [$(head -c 200 "$WORK/stdout")])"
  sed 's/^/  server: /' "$WORK/stderr" | head -n 20
  exit 1
fi
ok "server at $url"

# ---- the page, in chromium ----
PREVIEW_PDF=$WORK/preview.pdf PATIENT=$PATIENT LIST=$CSV NEXT_LIST=$NEXT \
  node "$HERE/serve.test.mjs" "$url" "$AWKWARD"
[ $? -eq 0 ] || fail "serve.test.mjs"

# ---- the previewed PDF names the patient ----
if [ -s "$WORK/preview.pdf" ]; then
  text=$(pdftotext -enc UTF-8 "$WORK/preview.pdf" - 2>&1)
  if printf '%s' "$text" | grep -qF -- "$PATIENT"; then
    ok "pdftotext of the preview names $PATIENT"
  else
    fail "pdftotext of the preview does not name $PATIENT"
  fi
else
  fail "no preview was saved"
fi

# ---- the print server survived the page's Print, and the job reached it ----
cupsd_alive && ok "the CUPS scheduler survived the page's print job" ||
  fail "the CUPS scheduler did not survive the page's print job"
if out=$(cupsd_wait_output "$CUPSD_OUT" 30); then
  printed=$(printf '%s\n' "$out" | head -n 1)
  if pdftotext -enc UTF-8 "$printed" - 2>/dev/null | grep -qF -- "$PATIENT"; then
    ok "the printed PDF names $PATIENT"
  else
    fail "the printed PDF ($printed) does not name $PATIENT"
  fi
  n=$(printf '%s\n' "$out" | grep -c .)
  [ "$n" -eq 1 ] && ok "one job printed (the walk-in with a bad date printed nothing)" \
    || fail "$n PDFs printed, want 1"
else
  fail "nothing reached the CUPS output in 30 s"
  cupsd_log | tail -n 20
fi

# ---- the server's log names no patient ----
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=
if [ -s "$WORK/stdout" ]; then
  fail "the server wrote to standard output (status lines go to standard error): $(head -c 200 "$WORK/stdout")"
else
  ok "the server wrote nothing to standard output"
fi
# The page's Print is logged with the forms printed (the day's list is in
# English) and their wording fingerprints, as `medpacket check --json` gives them.
want=$("$BIN" check --json "$ROOT/forms/trigger-point/packet.yaml" 2>/dev/null | python3 -c '
import json, sys
print(",".join("%s@%s:%s" % (d["id"], d["version"], d["fingerprint"]) for d in map(json.loads, sys.stdin)))')
got=$(grep -m 1 '^serve: POST /api/print 200 ' "$WORK/stderr" | sed -n 's/.* ms forms=//p')
if [ -n "$want" ] && [ "$got" = "$want" ]; then
  ok "the log's print line names the forms printed: $got"
else
  fail "the log's print line names [$got], want [$want]"
fi
python3 - "$AWKWARD" "$NEXT" -- "$WORK/stderr" <<'EOF'
# Every first and last name of the lists, as a whole word, case as written.
import csv, re, sys
lists, logs = sys.argv[1:sys.argv.index("--")], sys.argv[sys.argv.index("--") + 1:]
names = set()
for path in lists:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        rows = csv.reader(f)
        head = [h.strip().lower().replace(" ", "_") for h in next(rows)]
        cols = [head.index(c) for c in ("first_name", "last_name") if c in head]
        for r in rows:
            for c in cols:
                if c < len(r) and len(r[c].strip()) >= 3:
                    names.add(r[c].strip())
names |= {"Walter", "Kinney"}   # the walk-in serve.test.mjs types
leaks = 0
for path in logs:
    log = open(path, encoding="utf-8", errors="replace").read()
    for n in sorted(names):
        if re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", log):
            print(f"FAIL: the server's {path.rsplit('/', 1)[1]} names a patient: {n}")
            leaks += 1
if not leaks:
    print(f"ok: the server's log names none of the {len(names)} patient names")
sys.exit(1 if leaks else 0)
EOF
[ $? -eq 0 ] || failures=$((failures + 1))

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
