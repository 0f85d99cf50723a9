#!/usr/bin/env bash
# Fuzzes every harness in tests/fuzz for SECONDS each (default 60), as many at
# once as there are cores, and fails if any of them finds a crash, a leak, a
# timeout (10 s for one input) or an input that needs more than 2 GB.
#
#   tests/fuzz/run.sh [SECONDS]
#
# Builds the harnesses first (clang, libFuzzer, ASan and UBSan) in
# $MP_FUZZ_BUILD (default build-fuzz/). Each fuzzer starts from a copy of its
# corpus in tests/fuzz/corpus/NAME/: what it learns is thrown away, so a run
# never writes into the source tree. A crash is kept in
# $MP_FUZZ_BUILD/fuzz-crashes/NAME/; minimise it
#   $MP_FUZZ_BUILD/tests/fuzz/fuzz_NAME -minimize_crash=1 -max_total_time=60 \
#       -exact_artifact_path=tests/fuzz/corpus/NAME/crash-WHAT CRASH_FILE
# and commit it with the fix: every build replays it (ctest -L fuzz).
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${MP_FUZZ_BUILD:-$root/build-fuzz}
case $build in /*) ;; *) build=$root/$build ;; esac

if ! command -v clang >/dev/null; then
  echo "fuzz: clang is not installed (CI=true scripts/setup installs it and libclang-rt-14-dev)" >&2
  exit 1
fi
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DMP_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzzers >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$build/fuzz-crashes"

run_one() { # name
  local name=$1 dir=$work/$1
  mkdir -p "$dir/corpus" "$dir/crashes" "$dir/tmp"
  cp "$root/tests/fuzz/corpus/$name/"* "$dir/corpus/"
  local rc=0
  TMPDIR=$dir/tmp "$build/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$dir/crashes/" "$dir/corpus" \
    >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
}

names=()
for src in "$root"/tests/fuzz/fuzz_*.c; do
  name=${src##*/fuzz_}
  names+=("${name%.c}")
done
echo "fuzzing ${names[*]} for ${seconds} s each, $(nproc) at a time" >&2
running=0
for name in "${names[@]}"; do
  if ((running >= $(nproc))); then
    wait -n
    running=$((running - 1))
  fi
  run_one "$name" &
  running=$((running + 1))
done
wait

failed=0
for name in "${names[@]}"; do
  dir=$work/$name
  rc=$(cat "$dir/rc")
  # "#123456 DONE cov: 1234 ft: 5678 corp: ..." and stat::average_exec_per_sec
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$dir/log" | tail -1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
  per_s=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
  cov=$(sed -En 's/.*cov: ([0-9]+).*/\1/p' <<<"$done_line")
  ft=$(sed -En 's/.*ft: ([0-9]+).*/\1/p' <<<"$done_line")
  if [ "$rc" = 0 ]; then
    echo "fuzz_$name: ok: ${runs:-?} runs (${per_s:-?}/s), cov: ${cov:-?} ft: ${ft:-?}"
  else
    failed=1
    mkdir -p "$build/fuzz-crashes/$name"
    cp "$dir/crashes/"* "$build/fuzz-crashes/$name/" 2>/dev/null || true
    echo "fuzz_$name: FAILED (exit $rc); its input is in $build/fuzz-crashes/$name/:" >&2
    grep -vE '^#[0-9]+|^INFO:|^stat::|^MS:|^base unit:|^0x|^\\x' "$dir/log" | head -60 >&2
  fi
done
exit "$failed"
