#!/usr/bin/env bash
# Marginal cost per PDF of the shipped English consent: medpacket batch against the
# same consent redone in Typst (consent.typ, compiled in one Node process by
# @myriaddreamin/typst-ts-node-compiler). Each tool runs over a 1-row and a 200-row
# patient CSV (the same CSV for both), interleaved, REPS times; marginal ms/PDF =
# (t(200) - t(1)) / 199, wall clock of the whole process. medpacket also over 1,000 rows.
# Usage: bench/typst/run.sh [REPS]   (default 3)
# Env: TYPST_TS_DIR (npm install goes here if missing; default $TMPDIR/typst-bench),
#      TYPST_TS_VERSION (0.7.0), TYPST_QR (1: draw the QR code, 0: not), TYPST_PDF_TAGS
#      (1: tagged PDF, Typst's default; 0: untagged), TYPST_EVICT (see bench.mjs),
#      MP_BENCH_BIN (another medpacket build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${MP_BENCH_BIN:-$root/build/medpacket}
reps=${1:-3}
export TYPST_TS_DIR=${TYPST_TS_DIR:-${TMPDIR:-/tmp}/typst-bench}
ver=${TYPST_TS_VERSION:-0.7.0}
export SOURCE_DATE_EPOCH=1764547200
pkg=@myriaddreamin/typst-ts-node-compiler
if [ ! -d "$TYPST_TS_DIR/node_modules/$pkg" ]; then
  mkdir -p "$TYPST_TS_DIR"
  (cd "$TYPST_TS_DIR" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund "$pkg@$ver" >&2)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import sys
first = ["José", "María", "Nguyễn", "Anh", "Chloé", "Zoë", "Björn", "Siobhán", "Ana", "John"]
last = ["Núñez", "García", "Trần", "O'Brien", "Müller", "Smith", "Okafor", "Łukasiewicz", "Lee", "Dubois"]
for n in (1, 200, 1000):
    with open(f"{sys.argv[1]}/p{n}.csv", "w") as f:
        f.write("first_name,last_name,dob,mrn,appointment_date,clinician\n")
        for i in range(n):
            f.write(f'{first[i % 10]},"{last[i * 7 % 10]}",1968-04-12,A{i:06d},2026-12-01,Dr. Ana Ruiz\n')
PY

run=0
# one TOOL ROWS: runs it into a fresh folder; prints "tool rows wall_s cpu_s peak_MB bytes/PDF pages"
one() {
  run=$((run + 1))
  local out=$work/out$run
  sync
  sleep 1
  local t0 t1
  t0=$(date +%s%N)
  if [ "$1" = typst ]; then
    /usr/bin/time -f '%U %S %M' -o "$work/time" node "$here/bench.mjs" "$work/p$2.csv" "$out" "${TYPST_QR:-1}" >/dev/null
  else
    /usr/bin/time -f '%U %S %M' -o "$work/time" "$bin" batch "$root/forms/trigger-point/consent.yaml" \
      --data "$work/p$2.csv" --out-dir "$out" --jobs 1 --quiet
  fi
  t1=$(date +%s%N)
  read -r user sys kb <"$work/time"
  local bytes pages
  bytes=$(du -cb "$out"/*.pdf | tail -1 | cut -f1)
  pages=$(pdfinfo "$(ls "$out"/*.pdf | head -1)" 2>/dev/null | sed -n 's/^Pages: *//p')
  awk -v t="$1" -v n="$2" -v w="$(( (t1 - t0) / 1000 ))" -v u="$user" -v s="$sys" -v kb="$kb" -v b="$bytes" -v p="$pages" \
    'BEGIN { printf "%-9s %5d %9.4f %7.2f %8.1f %9.0f %5d\n", t, n, w / 1e6, u + s, kb / 1024, b / n, p }' | tee -a "$work/log"
  rm -rf "$out"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (wall-clock figures are only as good as an idle machine)"
echo "node $(node --version), $pkg $(node -p "require('$TYPST_TS_DIR/node_modules/$pkg/package.json').version"), $("$bin" --version 2>/dev/null | head -1)"
printf '%-9s %5s %9s %7s %8s %9s %5s\n' tool rows wall_s cpu_s peakMB bytes/PDF pages
for _ in $(seq "$reps"); do
  one typst 1; one medpacket 1; one typst 200; one medpacket 200; one medpacket 1000
done

# marginal ms/PDF per repetition (the k-th run of each size pairs with the k-th of 1 row),
# from wall clock and from CPU time (user + sys, 10 ms resolution; steadier on a busy machine)
awk -v reps="$reps" '
  { k = $1 " " $2; c[k]++; t[k, c[k]] = $3; u[k, c[k]] = $4 }
  function m(a, tool, n, r) { return (a[tool " " n, r] - a[tool " 1", r]) * 1000 / (n - 1) }
  END {
    for (r = 1; r <= reps; r++) {
      ty = m(t, "typst", 200, r); m2 = m(t, "medpacket", 200, r); m3 = m(t, "medpacket", 1000, r)
      printf "rep %d wall: typst %.2f ms/PDF; medpacket %.2f (200 rows), %.2f (1,000); ratio %.1f, %.1f\n", r, ty, m2, m3, ty / m2, ty / m3
      ty = m(u, "typst", 200, r); m2 = m(u, "medpacket", 200, r); m3 = m(u, "medpacket", 1000, r)
      printf "rep %d CPU:  typst %.2f ms/PDF; medpacket %.2f (200 rows), %.2f (1,000); ratio %.1f, %.1f\n", r, ty, m2, m3, ty / m2, ty / m3
    }
  }' "$work/log"
