#!/usr/bin/env bash
# The FHIR reader's benchmark (issue 20): N Patients as NDJSON (a Bulk Data
# Patient.ndjson, tests/fhir/make-ndjson.mjs) through `medpacket batch`, one
# PDF a patient written to a tmpfs (/dev/shm), --jobs 2. Prints the time,
# PDFs per second and peak RSS, beside the same patients as CSV; then the
# reading alone (--shard 0/N: every line read and named, one rendered).
# Memory must stay flat: the same at 100,000 lines as at a few thousand.
# Peak RSS (getrusage's maxrss) counts the pages of the shared libraries
# and fonts the process has touched (ICU, OpenSSL, the CJK font...: ~26 MB,
# shared with every other process that maps them); "anon" is the process's
# own memory (heap, stacks), the peak of /proc/PID/smaps_rollup's Anonymous
# sampled every 50 ms.
#   bench/fhir.sh [N]   (default 100000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${MP_BENCH_BIN:-$root/build/medpacket}
n=${1:-100000}
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
work=$(mktemp -d "$shm/medpacket-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200
node "$root/tests/fhir/make-ndjson.mjs" "$n" "$work/Patient.ndjson"
# The same patients as CSV: the reader's cost against csv.c's.
python3 - "$work/Patient.ndjson" >"$work/patients.csv" <<'PY'
import csv, json, sys
w = csv.writer(sys.stdout)
w.writerow(["first_name", "last_name", "dob", "mrn", "language"])
for line in open(sys.argv[1], encoding="utf-8"):
    p = json.loads(line)
    name = next((n for n in p["name"] if n.get("use") == "official"), p["name"][0])
    mrn = next(i["value"] for i in p["identifier"] if i.get("type", {}).get("coding", [{}])[0].get("code") == "MR")
    lang = next((c for c in p.get("communication", []) if c.get("preferred")), p.get("communication", [{}])[0])
    w.writerow([" ".join(name.get("given", [])), name.get("family", ""), p["birthDate"], mrn,
                lang["language"]["coding"][0]["code"]])
PY
form=$root/tests/fixtures/consent.yaml
printf '%-28s %8s %9s %8s %10s %10s\n' input rows seconds PDFs/s peakRSS anon
run() { # LABEL DATA ARGS...
  local label=$1 data=$2
  shift 2
  rm -rf "$work/out"
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" batch "$form" --data "$data" --out-dir "$work/out" \
    --jobs 2 --quiet "$@" 2>"$work/err" &
  local tpid=$! anon=0 a pid
  sleep 0.02
  pid=$(pgrep -P "$tpid" | head -1)
  while kill -0 "$tpid" 2>/dev/null; do
    a=$(awk '/^Anonymous:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
    [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
    sleep 0.05
  done
  wait "$tpid" || { cat "$work/err" >&2; exit 1; }
  read -r secs kb <"$work/time"
  local pdfs
  pdfs=$(find "$work/out" -name '*.pdf' | wc -l)
  printf '%-28s %8d %9.1f %8.0f %7.1f MB %7.1f MB\n' "$label" "$pdfs" "$secs" \
    "$(echo "$pdfs / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)" "$(echo "$anon / 1024" | bc -l)"
}
run "NDJSON, one PDF a patient" "$work/Patient.ndjson"
run "CSV, one PDF a patient" "$work/patients.csv"
run "NDJSON read, 1 rendered" "$work/Patient.ndjson" --shard "0/$n"
run "CSV read, 1 rendered" "$work/patients.csv" --shard "0/$n"
