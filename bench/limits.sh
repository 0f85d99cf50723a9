#!/usr/bin/env bash
# Peak memory and time at the input limits (ydoc.h, csv.h): the largest
# inputs medpacket admits must stay under 100 MB of peak RSS. Prints one
# line per case: what was run, its exit code, peak RSS and seconds.
# Usage: bench/limits.sh (needs GNU time: /usr/bin/time, package time).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/medpacket
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
[ -x /usr/bin/time ] || { echo "bench/limits.sh needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
fix=$root/tests/fixtures
cp "$fix/clinic.yaml" "$fix/patient.yaml" .
python3 - "$fix/consent.yaml" <<'PY'
import sys
base = open(sys.argv[1]).read()
at = "  - heading: What is the procedure?\n"
words = lambda n: " ".join(["word"] * n)
# Just under 4 MiB of text (the most a document may hold), as 415 paragraphs.
open("text-4mib.yaml", "w").write(base.replace(at, at + "".join(
    '  - paragraph: "%s"\n' % words(2000) for _ in range(415))))
open("text-4mib-b.yaml", "w").write(base.replace(at, at + "".join(
    '  - paragraph: "%s"\n' % words(2000).replace("word word", "word ward", 1) for _ in range(415))))
# The longest paragraph (64 KiB), aliased up to the 4 MiB of expanded text.
p = words(65000 // 5)
open("alias-4mib.yaml", "w").write(base.replace(at, at + '  - paragraph: &p "%s"\n' % p +
    "".join("  - paragraph: *p\n" for _ in range(62))))
# The longest value (64 KiB) as a patient's name, one word and many words.
for name, v in (("name-64k.yaml", "a" * 65536), ("names-64k.yaml", "ab " * 21845)):
    open(name, "w").write("first_name: %s\nlast_name: Lee\ndob: 1968-02-03\nmrn: B2001\n"
                          "appointment_date: 2026-12-01\nclinician: Dr X\n" % v)
PY
run() { # label command...
  local label=$1 rc
  shift
  /usr/bin/time -f '%M %e' -o time.txt "$@" >/dev/null 2>/dev/null && rc=0 || rc=$?
  # GNU time puts "Command exited with non-zero status N" first.
  read -r kb s < <(tail -n 1 time.txt)
  awk -v l="$label" -v rc="$rc" -v kb="$kb" -v s="$s" \
    'BEGIN { printf "%-46s exit %3d  %6.1f MB  %5.2f s\n", l, rc, kb / 1024, s }'
}
packet=$root/forms/trigger-point/packet.yaml
run "render: 4 MiB of text (page limit)" "$bin" render text-4mib.yaml --data patient.yaml -o a.pdf
run "render: 64 KiB paragraph x 63 (aliases)" "$bin" render alias-4mib.yaml --data patient.yaml -o b.pdf
run "review: 4 MiB of text" "$bin" review text-4mib.yaml -o c.pdf
run "check: 4 MiB of text" "$bin" check text-4mib.yaml
run "diff: two forms of 4 MiB of text" "$bin" diff text-4mib.yaml text-4mib-b.yaml
run "render packet: a 64 KiB one-word name" "$bin" render "$packet" --data name-64k.yaml -o d.pdf
run "render packet: a 64 KiB name of 21,845 words" "$bin" render "$packet" --data names-64k.yaml -o e.pdf
