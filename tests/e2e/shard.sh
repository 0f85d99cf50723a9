#!/usr/bin/env bash
# A night's batch in shards: 1,000 patients as 3 shards run by GNU parallel
# (batch --shard K/3) give the files an unsharded run gives, byte for byte,
# the same manifest lines, and, joined with `medpacket merge`, a print file
# whose pages read as the unsharded merge's, in the same order. Then what
# merge refuses: a file without row labels, a row in two files.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
cd "$work" || exit 1
export SOURCE_DATE_EPOCH=1764547200
form=$root/forms/trigger-point/consent.yaml
if ! command -v parallel >/dev/null; then
  skip "GNU parallel is not installed (scripts/setup installs it)"
  finish
fi

python3 - >list.csv <<'PY'
import random
random.seed(11)
first = ["José", "María", "Anh", "Zoë", "Ana", "John", "Kwame", "محمد", "芳"]
last = ["Núñez", "García", "Trần", "Smith", "Okafor", "Lee", "حداد", "王"]
print("first_name,last_name,dob,mrn,appointment_date,clinician")
for i in range(1000):
    # Every 97th row repeats an earlier record number: its file is "-2",
    # which a shard only gets right if it names the other shards' rows too.
    mrn = f"S{(i - 1 if i % 97 == 0 and i else i):05d}"
    dob = "1969-02-30" if i % 211 == 5 else f"19{random.randint(30, 99)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}"
    print(f'{random.choice(first)},"{random.choice(last)}",{dob},{mrn},2026-12-01,Dr. Ana Ruiz')
PY

"$bin" batch "$form" --data list.csv --out-dir whole --name '{mrn}.pdf' --merge whole.pdf \
  --manifest whole.jsonl --jobs 2 --quiet 2>whole.err
check_eq "the whole run: bad rows fail (exit 65)" "$?" 65

parallel --will-cite --jobs 3 --joblog jobs.log "$bin" batch "$form" --data list.csv \
  --out-dir sharded --name '{mrn}.pdf' --merge 'shard{}.pdf' --manifest 'shard{}.jsonl' --jobs 1 \
  --quiet --shard '{}/3' ::: 0 1 2 2>shards.err
check_eq "each shard has a bad row: parallel counts 3 failed jobs" "$?" 3
check_eq "and each exited 65" "$(awk 'NR > 1 {print $7}' jobs.log | sort -u)" 65
check_eq "the same bad rows reported" "$(grep -v ' rows: ' shards.err | sort)" \
  "$(grep -v ' rows: ' whole.err | sort)"

check_eq "the same file names" "$(ls sharded)" "$(ls whole)"
check_has "a repeated record number got -2 in a shard" "$(ls sharded)" "S00096-2.pdf"
check_eq "the same bytes" "$(cd sharded && sha256sum -- * | sha256sum)" \
  "$(cd whole && sha256sum -- * | sha256sum)"
rows() { grep -h '"row"' "$@" | sed 's#"path":"[a-z]*/#"path":"#' | sort; }
check_eq "the same manifest lines" "$(rows shard0.jsonl shard1.jsonl shard2.jsonl)" "$(rows whole.jsonl)"

"$bin" merge shard0.pdf shard1.pdf shard2.pdf -o joined.pdf 2>merge.err
check_eq "merge exits 0" "$?" 0
check_has "merge says what it joined" "$(cat merge.err)" "merged 995 rows of 3 files into joined.pdf"
check_eq "qpdf --check passes on the joined file" "$(qpdf --check joined.pdf >/dev/null 2>&1; echo $?)" 0
check_eq "as many pages as the whole run's merge" "$(pdfinfo joined.pdf | sed -n 's/^Pages: *//p')" \
  "$(pdfinfo whole.pdf | sed -n 's/^Pages: *//p')"
# pdftotext separates pages with a form feed: equal texts are equal pages.
check_eq "every page reads as the whole run's, in the same order" \
  "$(pdftotext joined.pdf - | sha256sum)" "$(pdftotext whole.pdf - | sha256sum)"
"$bin" merge shard0.pdf shard1.pdf shard2.pdf -o - 2>/dev/null >stdout.pdf
check_eq "-o - writes the same file to standard output" "$(cmp -s stdout.pdf joined.pdf; echo $?)" 0
"$bin" merge shard2.pdf shard0.pdf shard1.pdf -o reordered.pdf 2>/dev/null
check_eq "the order of the shards on the command line does not matter" \
  "$(pdftotext reordered.pdf - | sha256sum)" "$(pdftotext whole.pdf - | sha256sum)"

"$bin" merge shard0.pdf shard0.pdf -o twice.pdf 2>twice.err
check_eq "a row in two files: exit 65" "$?" 65
check_has "and says which" "$(cat twice.err)" "row 2 is also in shard0.pdf"
check_eq "and writes nothing" "$(ls twice.pdf 2>/dev/null)" ""
"$bin" merge whole/S00001.pdf -o one.pdf 2>labels.err
check_eq "a per-patient file has no row labels: exit 65" "$?" 65
check_has "and the message says what merge joins" "$(cat labels.err)" "not the --merge file of a batch run"
"$bin" merge shard0.pdf -o joined.pdf 2>/dev/null
check_eq "an existing output is not replaced without --force" "$?" 73
"$bin" batch "$form" --data list.csv --merge x.pdf --shard 3/3 2>shard.err
check_eq "--shard 3/3: exit 64" "$?" 64
check_has "and the message shows the form" "$(cat shard.err)" "--shard 0/3"
finish
