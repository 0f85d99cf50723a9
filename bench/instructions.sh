#!/usr/bin/env bash
# Instructions per PDF on the per-patient path: callgrind counts a batch of
# 20 rows and one of 220 (--jobs 1), and the difference over 200 rows is the
# marginal cost of one more patient, free of start-up (fonts, fontconfig,
# ICU). Unlike wall-clock time it does not move with the machine's load, so
# it is the figure to compare before and after a change.
# Usage: bench/instructions.sh [BINARY] [NAMES]
#   MP_BENCH_FORM=packet measures the packet instead of the consent (a path
#   with a "/" names any form or packet file).
#   MP_BENCH_KEEP=1 keeps the callgrind files (for callgrind_annotate) and
#   says where.
#   MP_BENCH_FHIR_OUT=1 adds --fhir-out (a DocumentReference beside each
#   PDF): the cost of filing what was printed.
#   NAMES: latin (default; accented Latin names), cjk, arabic, mixed (names in
#   fourteen scripts).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/medpacket}
names=${2:-latin}
work=$(mktemp -d)
if [ -n "${MP_BENCH_KEEP:-}" ]; then
  trap 'echo "kept $work" >&2' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
export SOURCE_DATE_EPOCH=1764547200
command -v valgrind >/dev/null || { echo "skip: valgrind is not installed"; exit 77; }

gen() { # N -> CSV
  python3 - "$1" "$names" <<'PY'
import sys, random
random.seed(7)
sets = {
  "latin": (["José", "María", "Nguyễn", "Anh", "Chloé", "Zoë", "Björn", "Ana", "John", "Kwame"],
            ["Núñez", "García", "Trần", "O'Brien", "Müller", "Smith", "Okafor", "Lee", "Dubois"]),
  "cjk": (["芳", "伟", "秀英", "민준", "서연", "花子", "翔太", "丽", "强", "娜"],
          ["王", "李", "张", "김", "이", "佐藤", "鈴木", "刘", "陈", "杨"]),
  "arabic": (["محمد", "فاطمة", "أحمد", "علي", "مريم", "يوسف", "زينب", "عمر", "ليلى", "حسن"],
             ["عبد الله", "الحسيني", "خان", "رضائي", "حداد", "منصور", "سليمان", "نصر", "كريم"]),
  "mixed": (["محمد", "芳", "민준", "សុខ", "สมชาย", "किरण", "ਗੁਰਪ੍ਰੀਤ", "יוסף", "Нина", "Ἀλέξανδρος", "Արամ", "ნინო", "አበበ", "Nguyễn"],
            ["عبد الله", "王", "김", "ចាន់ធី", "ใจดี", "शर्मा", "ਕੌਰ", "כהן", "Иванова", "Παπαδόπουλος", "Պետրոսյան", "ბერიძე", "ከበደ", "Trần"]),
}
first, last = sets[sys.argv[2]]
print("first_name,last_name,dob,mrn,appointment_date,clinician")
for i in range(int(sys.argv[1])):
    print(f'{random.choice(first)},"{random.choice(last)}",19{random.randint(30,99)}-0{random.randint(1,9)}-1{random.randint(0,9)},B{i:06d},2026-12-01,Dr. Ana Ruiz')
PY
}

count() { # N -> total instructions of a batch of N rows
  gen "$1" >"$work/p$1.csv"
  rm -rf "$work/out$1" "$work/rec$1"
  local fhir=()
  [ -n "${MP_BENCH_FHIR_OUT:-}" ] && fhir=(--fhir-out "$work/rec$1")
  # batch runs its rows in a worker process: every process is counted.
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$work/cg$1.%p" "$bin" batch \
    "$form" --data "$work/p$1.csv" --out-dir "$work/out$1" "${fhir[@]}" \
    --jobs 1 --quiet >/dev/null 2>"$work/log$1"
  cat "$work/cg$1".* | sed -n 's/^summary: *//p' | awk '{s += $1} END {printf "%.0f\n", s}'
}

form=${MP_BENCH_FORM:-consent}
[[ $form == */* ]] || form=$root/forms/trigger-point/$form.yaml
a=$(count 20)
b=$(count 220)
echo "${MP_BENCH_FORM:-consent}${MP_BENCH_FHIR_OUT:+ with --fhir-out}, $names names: $(( (b - a) / 200 )) instructions per PDF (20 rows: $a, 220 rows: $b)"
