#!/usr/bin/env bash
# Drives `medpacket serve` on loopback with wrk and prints packet previews
# per second and the 50th/99th percentile latency with 1 and 8 concurrent
# clients, and the server's resident memory after each run (it must stay
# flat over tens of thousands of previews). Usage: bench/serve.sh [SECONDS]
# Needs wrk (Debian's package). The packet is the shipped two-form
# trigger-point packet (handout + consent, 7 pages), for a different row of
# the list on every request.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
bin=$root/build/medpacket
command -v wrk >/dev/null || { echo "bench/serve.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200

# 200 patients, as a day's export could hold.
python3 - "$work/today.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("first_name,last_name,dob,mrn,appointment_date,clinician\n")
    for i in range(200):
        f.write(f"Pat{i},Bench{i},1970-01-{1 + i % 28:02d},B{i:05d},2026-12-01,Dr. Ana Ruiz\n")
PY
"$bin" serve --data "$work/today.csv" --forms "$root/forms" --listen 127.0.0.1:0 \
  >"$work/out" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do
  url=$(sed -n 's/^medpacket: serving on //p' "$work/log")
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { cat "$work/log" >&2; exit 1; }

# Each request asks for the next row (2..201).
cat >"$work/rows.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/preview?packet=tpi-packet&row=" .. (2 + n % 200))
end
LUA
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
curl -s -o "$work/one.pdf" "${url}api/preview?packet=tpi-packet&row=2"
printf 'one preview: %s bytes, %s pages\n' "$(stat -c %s "$work/one.pdf")" \
  "$(pdfinfo "$work/one.pdf" | sed -n 's/^Pages: *//p')"

total=0
for clients in 1 8 8; do
  threads=$((clients < 2 ? 1 : 2))
  wrk -t"$threads" -c"$clients" -d"${secs}s" --latency -s "$work/rows.lua" "$url" >"$work/wrk"
  rate=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk")
  n=$(awk '/requests in/ {print $1}' "$work/wrk")
  total=$((total + n))
  errs=$(grep -E 'Non-2xx|Socket errors' "$work/wrk" || true)
  # Resident memory after each run: flat when nothing piles up per request.
  printf '%d client(s): %8s previews/s   p50 %8s   p99 %8s   RSS %6s KB after %6d previews %s\n' \
    "$clients" "$rate" "$p50" "$p99" "$(rss)" "$total" "${errs:-}"
done
