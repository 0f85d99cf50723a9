#!/usr/bin/env bash
# The batch benchmark: generates N synthetic patients (accented names among
# them) and runs `medpacket batch` over them for the shipped consent and the
# packet, N = 100, 1,000 and 10,000, with --jobs 1 and --jobs 2. Prints PDFs
# per second, ms per PDF, bytes per PDF, peak RSS, and pages per second for
# --merge. Usage: bench/batch.sh [N ...]   (default: 100 1000 10000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${MP_BENCH_BIN:-$root/build/medpacket} # MP_BENCH_BIN: another build, for before/after
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 10000)

gen() { # N -> CSV of synthetic patients
  python3 - "$1" <<'PY'
import sys, random
random.seed(7)
first = ["José", "María", "Nguyễn", "Anh", "Chloé", "Zoë", "Björn", "Siobhán", "Ana", "John", "Fatima", "Kwame"]
last = ["Núñez", "García", "Trần", "O'Brien", "Müller", "Smith", "Okafor", "Łukasiewicz", "Lee", "Dubois"]
print("first_name,last_name,dob,mrn,appointment_date,clinician")
for i in range(int(sys.argv[1])):
    print(f'{random.choice(first)},"{random.choice(last)}",19{random.randint(30,99)}-0{random.randint(1,9)}-1{random.randint(0,9)},B{i:06d},2026-12-01,Dr. Ana Ruiz')
PY
}

run=0
printf '%-8s %6s %4s %9s %8s %10s %9s\n' form rows jobs PDFs/s ms/PDF bytes/PDF peakRSS
for n in "${sizes[@]}"; do
  gen "$n" >"$work/p$n.csv"
  for form in consent packet; do
    for jobs in 1 2; do
      # Each run writes into a folder of its own, and the files are removed
      # only at the end. Removing the last run's 10,000 files just before
      # the next one made ext4 scan past every recently deleted inode for
      # each new file (ext4's recently_deleted(): system time that grew with
      # the run, and halved --jobs 2's gain). sync and a pause keep the last
      # run's writeback out of the next measurement.
      run=$((run + 1))
      out=$work/out$run
      sync
      sleep 2
      /usr/bin/time -f '%e %M' -o "$work/time" "$bin" batch "$root/forms/trigger-point/$form.yaml" \
        --data "$work/p$n.csv" --out-dir "$out" --jobs "$jobs" --quiet
      read -r secs kb <"$work/time"
      bytes=$(du -cb "$out"/*.pdf | tail -1 | cut -f1)
      awk -v f="$form" -v n="$n" -v j="$jobs" -v s="$secs" -v b="$bytes" -v kb="$kb" 'BEGIN {
        printf "%-8s %6d %4d %9.0f %8.2f %10.0f %7.1fMB\n", f, n, j, n / s, s * 1000 / n, b / n, kb / 1024 }'
    done
  done
  sync
  sleep 2
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" batch "$root/forms/trigger-point/packet.yaml" \
    --data "$work/p$n.csv" --merge "$work/day.pdf" --jobs 2 --quiet
  read -r secs kb <"$work/time"
  pages=$(pdfinfo "$work/day.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
  awk -v n="$n" -v s="$secs" -v p="$pages" -v kb="$kb" 'BEGIN {
    printf "merge    %6d %4d  %d pages, %.0f pages/s, %.1f MB peak RSS\n", n, 2, p, p / s, kb / 1024 }'
done
