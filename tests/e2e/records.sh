#!/usr/bin/env bash
# Every render records what it printed (issue 16, "the approved wording is
# the wording that prints"): batch's manifest and --json rows, and render
# --json, name each form printed with its id, version and whole wording
# fingerprint, in packet order, for the language variant the patient got;
# the fingerprints are the ones `medpacket check --json` reports; no
# patient's data. (The server's log line: tests/e2e/serve.sh.)
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
cd "$work" || exit 1
packet=$root/forms/trigger-point/packet.yaml
data=$root/examples/today.csv

# A variant's forms as check --json reports them, written as the records
# write them: {"id":..,"version":..,"wording":..}, comma-separated.
forms_of() { # PACKET
  check_forms "$1" |
    awk '{ printf "%s{\"id\":\"%s\",\"version\":\"%s\",\"wording\":\"%s\"}", (NR > 1 ? "," : ""), $1, $2, $3 }'
}
en=$(forms_of "$packet")
es=$(forms_of "$root/forms/trigger-point/es/packet.yaml")
# The two forms, then the clinic's language notice in its 16 languages.
notice="language-notice language-notice-es language-notice-zh-Hant language-notice-vi language-notice-tl language-notice-ko language-notice-hy language-notice-fa language-notice-ru language-notice-ja language-notice-ar language-notice-pa language-notice-km language-notice-hmn language-notice-hi language-notice-th "
check_eq "check --json: the English packet's two forms and the notice, each with a fingerprint" \
  "$(printf '%s' "$en" | grep -oE '"id":"[^"]*","version":"1.0","wording":"[0-9a-f]{64}"' | cut -d'"' -f4 | tr '\n' ' ')" \
  "tpi-handout tpi-consent $notice"
check_eq "check --json: the Spanish packet's" \
  "$(printf '%s' "$es" | grep -oE '"id":"[^"]*","version":"1.0","wording":"[0-9a-f]{64}"' | cut -d'"' -f4 | tr '\n' ' ')" \
  "tpi-handout-es tpi-consent-es $notice"

# Each ok row of a JSON-lines report: "ROW LANGUAGE", and whether its forms
# are exactly its language's (en, es as check reports them).
rows_forms() { # JSONL
  python3 - "$1" "[$en]" "[$es]" <<'PY'
import json, sys
want = {"en": json.loads(sys.argv[2]), "es": json.loads(sys.argv[3])}
for line in open(sys.argv[1], encoding="utf-8"):
    m = json.loads(line)
    if m.get("status") == "ok":
        same = m["forms"] == want[m["language"]]
        print(m["row"], m["language"], "right" if same else "WRONG %s" % m["forms"])
PY
}
all_rows="2 es right
3 en right
4 en right
5 es right
6 en right
7 en right
8 es right"

# batch: the manifest and --json alike. (Files named by row alone: the
# default name holds the record number.)
"$bin" batch "$packet" --data "$data" --out-dir out --name '{row}.pdf' --manifest m.jsonl --json --jobs 2 -q >j.jsonl 2>err
check_eq "batch: exit 0" "$?:$(cat err)" "0:"
check_eq "batch: the manifest's rows carry their language's forms and fingerprints" \
  "$(rows_forms m.jsonl)" "$all_rows"
check_eq "batch: --json prints the manifest's lines" "$(cmp -s m.jsonl j.jsonl && echo same)" same
check_has "batch: a Spanish row, to the byte" "$(sed -n 1p m.jsonl)" "\"language\":\"es\","
check_has "batch: ... its forms, to the byte" "$(sed -n 1p m.jsonl)" ",\"forms\":[$es]}"
check_has "batch: an English row, to the byte" "$(sed -n 2p m.jsonl)" ",\"forms\":[$en]}"
check_eq "batch: no patient's name or record number in the manifest" \
  "$(grep -c -e Núñez -e José -e Chen -e Margaret -e Lucía -e A10 m.jsonl)" 0
# A resumed run keeps a file it did not print: its row names no forms.
"$bin" batch "$packet" --data "$data" --out-dir out --name '{row}.pdf' --skip-existing --json -q >skip.jsonl 2>/dev/null
check_eq "batch: a kept row names no forms (this run did not print it)" \
  "$(sed -n 1p skip.jsonl)" '{"row":2,"status":"skipped","path":"out/2.pdf"}'
# render --json: one line, as a batch row reports the PDF (the same fields,
# the same forms), on standard output; with -o -, on standard error.
facts() { # JSON PDF: whether path, bytes, sha256 and pages are the PDF's
  python3 - "$1" "$2" <<'PY'
import hashlib, json, subprocess, sys
m = json.loads(open(sys.argv[1], encoding="utf-8").read())
data = open(sys.argv[2], "rb").read()
pages = subprocess.run(["pdfinfo", sys.argv[2]], capture_output=True, text=True).stdout
print(m["path"], m["language"], len(data) == m["bytes"], hashlib.sha256(data).hexdigest() == m["sha256"],
      "Pages:           %d" % m["pages"] in pages, sorted(m))
PY
}
keys="['bytes', 'fonts', 'forms', 'language', 'pages', 'path', 'sha256']"
"$bin" render "$packet" --data "$data" --select mrn=A1020 -o es.pdf --json >es.json 2>err
check_eq "render --json: one line on standard output; stderr as before" \
  "$?:$(wc -l <es.json):$(cat err)" "0:1:wrote es.pdf"
check_eq "render --json: a Spanish patient: path, bytes, sha256, pages are the PDF's" \
  "$(facts es.json es.pdf)" "es.pdf es True True True $keys"
check_has "render --json: the Spanish forms, to the byte" "$(cat es.json)" ",\"forms\":[$es]}"
check_eq "render --json: no patient's name or record number" "$(grep -c -e Lucía -e Fernández -e A1020 es.json)" 0
"$bin" render "$packet" --data "$data" --select mrn=A1011 -o - --json >en.pdf 2>en.json
check_eq "render -o - --json: the PDF on standard output, the line on standard error" \
  "$?:$(wc -l <en.json):$(head -c 5 en.pdf)" "0:1:%PDF-"
check_eq "render -o - --json: an English patient: path \"-\", the bytes written" \
  "$(facts en.json en.pdf)" "- en True True True $keys"
check_has "render -o - --json: the English forms, to the byte" "$(cat en.json)" ",\"forms\":[$en]}"
"$bin" render "$packet" --data "$data" --select mrn=A1011 --language es -o forced.pdf --json >forced.json 2>/dev/null
check_has "render --language es --json: the Spanish forms, and no language_asked" \
  "$(cat forced.json)" ",\"forms\":[$es]}"
"$bin" render "$packet" --set patient.first_name=Ana --set patient.last_name=Lee \
  --set patient.dob=1970-03-04 --set patient.mrn=L1 --set patient.clinician=X \
  --set patient.language=fr -o fr.pdf --json >fr.json 2>/dev/null
check_has "render --json: a language the packet lacks, printed in English, said" \
  "$(cat fr.json)" ",\"forms\":[$en],\"language_asked\":\"fr\",\"language_asked_tag\":\"fr\",\"language_fallback\":\"missing\"}"
"$bin" render "$packet" --data "$data" --select mrn=A1011 -o plain.pdf >plain.out 2>/dev/null
check_eq "render without --json: nothing on standard output" "$(wc -c <plain.out)" 0

check_has "batch --help: what a row's forms are" "$("$bin" batch --help)" \
  "and \"forms\", each form printed (its language's, in"
check_has "render --help: --json" "$("$bin" render --help)" \
  "language, pages, bytes, sha256, fonts, and \"forms\","

finish
