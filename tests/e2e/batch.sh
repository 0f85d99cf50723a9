#!/usr/bin/env bash
# End to end: `medpacket batch` over a CSV of awkward rows (accents, quotes,
# commas, a line break inside a field, a very long name, names that try path
# traversal, twins with the same name, bad rows), checked with real tools:
# exit code and report, one whole PDF per good row with the right patient
# inside, nothing outside the output folder, the manifest's hashes, the merged
# PDF's page count; then a killed run and its resumption, --fail-fast,
# standard input, a YAML list and the refusal to overwrite.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
data=$root/tests/e2e/data/awkward.csv
form=$root/forms/trigger-point/consent.yaml
cd "$work" || exit 1
# Names in file names are asked for; the default pattern has none.
names='{last_name}-{first_name}-{mrn}.pdf'

"$bin" batch "$form" --data "$data" --out-dir out --name "$names" --merge day.pdf --manifest m.jsonl --jobs 2 2>stderr
check_eq "some rows failed: exit 65" "$?" 65
check_eq "the report names file and row, not the data" "$(grep -v ' rows: ' stderr)" \
"$data: row 13: column dob is not a date that exists (check the month and the day)
$data: row 14: the file name pattern uses {mrn}, and this row has no mrn
$data: row 15: 8 fields, but the header has 7 columns
$data: row 21: column \"first_name\" is not valid UTF-8 (save the list as \"CSV UTF-8\")"
check_has "summary line: how the run ended, and the merge" "$(cat stderr)" "$data: complete: 20 rows: 16 written, 0 skipped, 4 failed; 64 pages"
check_has "summary line: the merged file" "$(tail -1 stderr)" "; merged into day.pdf"
check_eq "no progress bar when stderr is not a terminal" "$(grep -c $'\r' stderr)" 0
check_eq "16 PDFs" "$(ls out | wc -l)" 16
check_eq "nothing but files directly in out/" "$(find out -mindepth 1 ! -type f -o -mindepth 2 | wc -l)" 0
check_eq "nothing escaped the output folder" "$(ls -A | sort | tr '\n' ' ')" "day.pdf m.jsonl out stderr "
check_eq "PDFs are private (0600)" "$(stat -c %a out/*.pdf | sort -u)" 600
check_eq "twins get distinct names" "$(ls out | grep -c '^Dubois-Chloé-A1009\(-2\)\?\.pdf$')" 2
check_eq "traversal made harmless" "$(ls out | grep -c -e '^passwd-.._.._etc-A1006.pdf$' -e '^_tmp_evil-..-A1007.pdf$')" 2
check_eq "long name cut to 120 bytes" "$(ls out | awk 'length($0) > 120' | wc -l)" 0

# Every good row: its file holds that patient, and the manifest tells the truth.
python3 - "$data" m.jsonl >check.out 2>&1 <<'PY'
import csv, json, subprocess, sys, hashlib, os, re
rows = {}
with open(sys.argv[1], encoding="utf-8-sig", errors="replace", newline="") as f:
    for i, r in enumerate(csv.reader(f), start=1):
        rows[i] = r
bad = 0
ok = 0
for line in open(sys.argv[2], encoding="utf-8"):
    m = json.loads(line)
    if "summary" in m:
        s = m["summary"]
        if (s["rows"], s["ok"], s["failed"], s["pages"]) != (20, 16, 4, 64):
            print("summary", s); bad += 1
        continue
    if m["status"] != "ok":
        continue
    ok += 1
    first, last = rows[m["row"]][0], rows[m["row"]][1]
    data = open(m["path"], "rb").read()
    if hashlib.sha256(data).hexdigest() != m["sha256"] or len(data) != m["bytes"]:
        print("hash/bytes", m["row"]); bad += 1
    text = subprocess.run(["pdftotext", m["path"], "-"], capture_output=True, text=True).stdout
    squash = lambda s: re.sub(r"\s+", "", s)
    if squash(first + last)[:40] not in squash(text):
        print("name not in PDF", m["row"]); bad += 1
    pages = subprocess.run(["pdfinfo", m["path"]], capture_output=True, text=True).stdout
    if f"Pages:           {m['pages']}" not in pages:
        print("pages", m["row"]); bad += 1
print(f"{ok} rows checked, {bad} bad")
sys.exit(1 if bad or ok != 16 else 0)
PY
check_eq "each PDF holds its patient; manifest hashes, sizes, pages right" "$?" 0
cat check.out
check_has "merged PDF has every page" "$(pdfinfo day.pdf 2>/dev/null)" "Pages:           64"
qpdf --check day.pdf >/dev/null 2>&1
check_eq "merged PDF passes qpdf --check" "$?" 0
# A print file, not for a screen reader: the packets' structure trees stay out.
check_has "merged PDF is untagged" "$(pdfinfo day.pdf 2>/dev/null)" "Tagged:          no"
check_eq "merged PDF has no structure tree" "$(pdfinfo -struct day.pdf 2>&1)" ""
check_has "merged PDF in row order" "$(pdftotext -f 1 -l 1 day.pdf - 2>/dev/null)" "José Núñez"
check_has "merged PDF last packet" "$(pdftotext -f 61 -l 61 day.pdf - 2>/dev/null)" "Last Row"

# Without --skip-existing or --force, a second run overwrites nothing.
before=$(sha256sum out/*.pdf)
"$bin" batch "$form" --data "$data" --out-dir out --name "$names" --jobs 2 -q 2>stderr2
check_eq "rerun into a full folder: exit 65" "$?" 65
check_has "rerun refuses to overwrite" "$(cat stderr2)" "row 2: Núñez-José-A1001.pdf exists (--skip-existing resumes a run, --force replaces files)"
check_eq "nothing overwritten" "$(sha256sum out/*.pdf)" "$before"

# A run killed midway leaves only whole PDFs; --skip-existing finishes it.
MEDPACKET_TEST_KILL_AFTER=5 "$bin" batch "$form" --data "$data" --out-dir killed --name "$names" --merge killed.pdf --jobs 2 -q 2>/dev/null
check_eq "killed run dies by SIGKILL" "$?" 137
check_eq "no merged PDF from a killed run" "$(ls killed.pdf 2>/dev/null | wc -l)" 0
n=$(ls killed | wc -l)
if [ "$n" -ge 5 ] && [ "$n" -lt 16 ]; then ok "killed run wrote $n of 16"; else fail "killed run wrote $n files"; fi
whole=0
for f in killed/*.pdf; do qpdf --check "$f" >/dev/null 2>&1 && whole=$((whole + 1)); done
check_eq "every PDF left by the killed run is whole" "$whole" "$n"
"$bin" batch "$form" --data "$data" --out-dir killed --name "$names" --skip-existing --json --jobs 2 -q >resume.jsonl 2>/dev/null
check_eq "resume: exit 65 (the bad rows again)" "$?" 65
check_eq "resume: all 16 PDFs" "$(ls killed | wc -l)" 16
check_eq "resume: no temporary file left" "$(ls -A killed | grep -c '\.part$')" 0
check_has "resume: skipped what was there" "$(tail -1 resume.jsonl)" "\"skipped\":$n,"
check_eq "resumed files equal a clean run's" "$(cd killed && sha256sum *.pdf)" "$(cd out && sha256sum *.pdf)"
# A file cut short (a power cut after a rename without fsync) is not taken
# as done: --skip-existing renders it again.
: >killed/Lee-John-A1017.pdf
"$bin" batch "$form" --data "$data" --out-dir killed --name "$names" --skip-existing --jobs 2 -q 2>/dev/null
check_eq "resume re-renders an empty file" "$(cmp -s killed/Lee-John-A1017.pdf out/Lee-John-A1017.pdf; echo $?)" 0

# Ctrl-C: rows in progress finish, no merged file, exit 130; a rerun resumes.
MEDPACKET_TEST_INTERRUPT_AFTER=3 "$bin" batch "$form" --data "$data" --out-dir int --name "$names" --merge int.pdf --jobs 1 --json >int.jsonl 2>/dev/null
check_eq "interrupted run exits 130" "$?" 130
check_eq "no merged PDF from an interrupted run" "$(ls int.pdf 2>/dev/null | wc -l)" 0
check_has "interrupted run says so" "$(tail -1 int.jsonl)" "\"interrupted\":true"
check_has "interrupted run: how it ended, no merged file" "$(tail -1 int.jsonl)" "\"ended\":\"interrupted\",\"stopped\":true,\"interrupted\":true,\"merged\":null"
MEDPACKET_TEST_INTERRUPT_AFTER=3 "$bin" batch "$form" --data "$data" --out-dir int2 --name "$names" --merge int2.pdf --jobs 1 2>int2.err
check_has "interrupted run: the summary says so, and that no merge was written" "$(tail -1 int2.err)" \
  "$data: interrupted: "
check_has "... the merge" "$(tail -1 int2.err)" "; int2.pdf not written"
check_eq "interrupted run: no temporary file" "$(ls -A int | grep -c '\.part$')" 0
n=$(ls int | wc -l)
if [ "$n" -ge 3 ] && [ "$n" -lt 16 ]; then ok "interrupted run wrote $n of 16"; else fail "interrupted run wrote $n"; fi

# On a terminal, a progress bar on stderr (script(1) gives it a pty).
if command -v script >/dev/null; then
  script -qec "$bin batch $form --data $data --out-dir tty --jobs 2" /dev/null >tty.out 2>&1
  check_has "progress bar on a terminal" "$(cat tty.out)" " rows/s"
else
  fail "script(1) is missing (util-linux)"
fi

# --fail-fast stops reading at the first bad row (row 13).
"$bin" batch "$form" --data "$data" --out-dir ff --name "$names" --fail-fast --json --jobs 1 -q >ff.jsonl 2>/dev/null
check_eq "--fail-fast exit 65" "$?" 65
check_has "--fail-fast stopped" "$(tail -1 ff.jsonl)" "\"failed\":1,"
check_has "--fail-fast says so" "$(tail -1 ff.jsonl)" "\"stopped\":true"
check_eq "--fail-fast did not reach the last row" "$(ls ff | grep -c A1019)" 0
# ... and with --merge, no partial merged file: its rows would print twice
# once the rerun printed the whole day.
"$bin" batch "$form" --data "$data" --out-dir ff2 --name "$names" --fail-fast --merge ff.pdf --jobs 1 2>ff2.err
check_eq "--fail-fast --merge: exit 65, no merged file" "$?:$(ls ff.pdf 2>/dev/null | wc -l)" "65:0"
check_has "--fail-fast --merge: the summary says how it ended" "$(tail -1 ff2.err)" "stopped at the first failure: "
check_has "--fail-fast --merge: ... and that the merge was not written" "$(tail -1 ff2.err)" "; ff.pdf not written"
head -4 "$data" >four.csv
# A language the packet does not offer: printed in the packet's own, and said,
# on standard error and in the JSON lines (the manifest's too). The column may
# name a language by tag in any spelling or by name, in English or in itself.
cat >langs.csv <<'CSV'
first_name,last_name,dob,mrn,appointment_date,clinician,language
Ana,Lee,1970-03-04,L1,2026-12-01,Dr. Ana Ruiz,fr
Eva,Paz,1971-03-04,L2,2026-12-01,Dr. Ana Ruiz,es
Jean,Roy,1972-03-04,L3,2026-12-01,Dr. Ana Ruiz,French
Li,Wei,1973-03-04,L4,2026-12-01,Dr. Ana Ruiz,中文
Kor,Tal,1974-03-04,L5,2026-12-01,Dr. Ana Ruiz,Klingonese
Mar,Gil,1975-03-04,L6,2026-12-01,Dr. Ana Ruiz,Español
Luz,Paz,1976-03-04,L7,2026-12-01,Dr. Ana Ruiz,ES_mx
CSV
"$bin" batch "$form" --data langs.csv --out-dir langs --json --manifest langs-m.jsonl >langs.jsonl 2>langs.err
check_eq "a language not offered: exit 0" "$?" 0
check_has "... said on standard error" "$(cat langs.err)" \
  "langs.csv: row 2: language \"fr\": this packet has no French version; printed English (en)"
check_has "... a name: said with its tag" "$(cat langs.err)" \
  "langs.csv: row 4: language \"French\" (fr): this packet has no French version; printed English (en)"
check_has "... a name in the language itself" "$(cat langs.err)" \
  "langs.csv: row 5: language \"中文\" (zh): this packet has no Chinese version; printed English (en)"
check_has "... words that name no language" "$(cat langs.err)" \
  "langs.csv: row 6: language \"Klingonese\" is not a language medpacket knows (a tag such as es or zh-Hant, or a name such as Spanish); printed English (en)"
check_has "... and in the JSON" "$(sed -n 1p langs.jsonl)" "\"language\":\"en\",\"pages\""
check_has "... as language_asked" "$(sed -n 1p langs.jsonl)" \
  "\"language_asked\":\"fr\",\"language_asked_tag\":\"fr\",\"language_fallback\":\"missing\"}"
check_has "... a name, with its tag" "$(sed -n 3p langs.jsonl)" \
  "\"language_asked\":\"French\",\"language_asked_tag\":\"fr\",\"language_fallback\":\"missing\"}"
check_has "... no language: no tag" "$(sed -n 5p langs.jsonl)" \
  "\"language_asked\":\"Klingonese\",\"language_fallback\":\"unknown\"}"
check_eq "... the manifest has the same lines" "$(head -7 langs-m.jsonl)" "$(head -7 langs.jsonl)"
check_eq "a language offered, by tag, name or regional tag: no note" \
  "$(sed -n '2p;6p;7p' langs.jsonl | grep -c language_asked):$(grep -c -e 'row 3' -e 'row 7' -e 'row 8' langs.err)" "0:0"
check_eq "Español and ES_mx: the Spanish consent" \
  "$(python3 -c 'import json,sys; print(" ".join(json.loads(l).get("language","-") for l in open(sys.argv[1])))' langs.jsonl)" \
  "en es en en en es es -"
# A --name field the list has no column for: refused once, up front.
err=$("$bin" batch "$form" --data four.csv --out-dir nope --name '{nope}.pdf' 2>&1)
check_eq "--name with a field the list lacks: one usage error" "$?:$err:$(ls -d nope 2>/dev/null | wc -l)" \
  "64:medpacket: error: batch: --name uses {nope}, which four.csv has no column for:0"
# --json and --manifest together: both get every line.
head -4 "$data" >four.csv
"$bin" batch "$form" --data four.csv --out-dir both --json --manifest both.jsonl -q >both.out 2>/dev/null
check_eq "--json with --manifest: standard output and the manifest alike" \
  "$(wc -l <both.out):$(cmp -s both.out both.jsonl && echo same)" "4:same"
check_has "--json: the summary names the merged file (none here)" "$(tail -1 both.out)" "\"merged\":null"

# The manifest names the font files each row's PDF draws with: the family's
# for a Latin name, and at least those for an Arabic one (whatever face
# draws its letters, a file that exists).
printf 'first_name,last_name,dob,mrn,appointment_date,clinician\nAna,Ruiz,1970-01-02,F1,2026-12-01,Dr. X\n\xd9\x85\xd8\xad\xd9\x85\xd8\xaf,Ruiz,1970-01-02,F2,2026-12-01,Dr. X\n' >fonts.csv
"$bin" batch "$form" --data fonts.csv --out-dir fonts --manifest fonts.jsonl -q 2>/dev/null
check_eq "manifest fonts: Latin row DejaVu Sans and its bold; Arabic row at least those; files that exist" \
  "$(python3 -c '
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if "row" in json.loads(l)]
latin, arabic = rows[0]["fonts"], rows[1]["fonts"]
print([os.path.basename(f) for f in latin], set(latin) <= set(arabic),
      all(os.path.isfile(f.split("#")[0]) for f in latin + arabic), len(set(arabic)) == len(arabic))
' fonts.jsonl)" "['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'] True True True"

# By default the file names, and so the JSON report, hold no patient names.
"$bin" batch "$form" --data "$data" --out-dir plain --json -q >plain.jsonl 2>/dev/null
check_eq "default names: row and record number" "$(ls plain | grep -c -e "^2-A1001.pdf$" -e "^22-A1019.pdf$")" 2
check_eq "default report holds no patient name" "$(grep -c -e Núñez -e José -e Siobhán plain.jsonl)" 0

# Standard input, and a YAML list.
head -3 "$data" | "$bin" batch "$form" --data - --out-dir stdin --name "$names" -q 2>/dev/null
check_eq "CSV from standard input" "$?:$(ls stdin | tr '\n' ' ')" "0:Núñez-José-A1001.pdf Thị Ánh-Nguyễn-A1002.pdf "
cat >list.yaml <<'YAML'
- {first_name: Ana, last_name: García, dob: 1999-11-11, mrn: Y1, appointment_date: 2026-12-01, clinician: Dr. Ana Ruiz}
- {first_name: Kwame, last_name: Okafor, dob: 1979-09-09, mrn: Y2, appointment_date: 2026-12-01, clinician: Dr. Ana Ruiz}
YAML
"$bin" batch "$form" --data list.yaml --out-dir yaml --name '{row}-{mrn}' -q 2>/dev/null
check_eq "YAML list, {row} in names" "$?:$(ls yaml | tr '\n' ' ')" "0:2-Y1.pdf 3-Y2.pdf "
"$bin" batch "$form" --data - --data-format yaml --out-dir yamlin -q <list.yaml 2>/dev/null
check_eq "a YAML list on standard input (--data-format yaml)" "$?:$(ls yamlin | tr '\n' ' ')" "0:2-Y1.pdf 3-Y2.pdf "

# Duplex: every form padded to an even page count (in large print, the
# handout 3 -> 4 pages, the consent 5 -> 6, the language notice, which does
# not shrink in large print, 3 -> 4).
"$bin" batch "$root/forms/trigger-point/packet.yaml" --data list.yaml --merge duplex.pdf --duplex \
  --large-print -q 2>/dev/null
check_has "duplex pads each form" "$(pdfinfo duplex.pdf 2>/dev/null)" "Pages:           28"
check_has "duplex blank page says so" "$(pdftotext -f 4 -l 4 duplex.pdf - 2>/dev/null)" "This page is intentionally blank."
finish
