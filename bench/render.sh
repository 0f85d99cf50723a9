#!/usr/bin/env bash
# Times N renders of the shipped consent and packet, one process each, and
# prints milliseconds per PDF and bytes per PDF. Usage: bench/render.sh [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-50}
bin=$root/build/medpacket
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export SOURCE_DATE_EPOCH=1764547200
for what in consent packet; do
  start=$(date +%s%N)
  for i in $(seq "$n"); do
    "$bin" render "$root/forms/trigger-point/$what.yaml" --data "$root/examples/patient.yaml" \
      -o "$out/$what.pdf" --force 2>/dev/null
  done
  end=$(date +%s%N)
  ms=$(( (end - start) / n / 1000000 ))
  printf '%-8s %4d renders  %4d ms/PDF  %6d bytes/PDF  %s pages\n' "$what" "$n" "$ms" \
    "$(stat -c %s "$out/$what.pdf")" "$(pdfinfo "$out/$what.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')"
done
