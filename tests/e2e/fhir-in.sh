#!/usr/bin/env bash
# End to end: FHIR R4 as the day's list (docs/fhir.md). The fixtures in
# tests/fhir/data follow the specification's own example resources, with
# names in six scripts: a searchset Bundle with _include, a Bulk Data export
# folder, a collection, one Patient, NDJSON of Patients. Checked: which rows
# print and which are skipped by status, who is printed and when (the
# clinic's time zone, or the instant's own offset), the exact messages and
# exit codes for hostile files (tests/fhir/bad), and that no message carries
# a patient's data.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
cd "$work" || exit 1
data=$root/tests/fhir/data
bad=$root/tests/fhir/bad
form=$root/forms/trigger-point/consent.yaml
# The shipped clinic, in New York (the fixtures' day is 2026-12-01 at -05:00).
sed -e "s|^booking_key_file: ../|booking_key_file: $root/|" -e "s|^logo: |logo: $root/forms/|" \
  -e "s|^language_notice: |language_notice: $root/forms/|" \
  -e 's|^timezone: .*|timezone: America/New_York|' "$root/forms/clinic.yaml" >clinic.yaml
grep -v '^timezone:' clinic.yaml >clinic-nozone.yaml

rows() { # JSONL -> "row:status" of each row line
  python3 -c '
import json, sys
print(" ".join("%d:%s" % (d["row"], d["status"]) for d in map(json.loads, open(sys.argv[1])) if "row" in d))' "$1"
}
summary() { # JSONL KEY
  python3 -c '
import json, sys
for d in map(json.loads, open(sys.argv[1])):
    if "summary" in d: print(json.dumps(d["summary"].get(sys.argv[2])))' "$1" "$2"
}
# Names, record numbers and birth dates of the fixtures: never in a message.
no_patient_data() { # WHAT FILE
  local hit
  hit=$(grep -E 'Núñez|José|Pepe|فاطمة|الزهراء|陳|大文|សុខ|Nguyễn|Иван|Петров|A10[0-9][0-9]|1968-04-12' "$2")
  check_eq "$1: no patient data in the messages" "$hit" ""
}

# ---- a searchset Bundle -------------------------------------------------
"$bin" batch "$form" --clinic clinic.yaml --data "$data/day-searchset.json" --out-dir day \
  --json >day.jsonl 2>day.err
check_eq "searchset: exit 0" "$?" 0
check_eq "searchset: the five visits to print, by entry" "$(rows day.jsonl)" "1:ok 2:ok 3:ok 7:ok 8:ok"
check_eq "searchset: cancelled, noshow, entered-in-error counted" \
  "$(summary day.jsonl appointments_not_printed)" \
  '{"cancelled": 1, "noshow": 1, "entered_in_error": 1}'
check_has "searchset: the summary line says what was not printed" "$(tail -1 day.err)" \
  "5 rows: 5 written, 0 skipped, 0 failed; 20 pages in"
check_has "searchset: ... and why" "$(tail -1 day.err)" \
  "; 3 appointments not printed (1 cancelled, 1 no-show, 1 entered in error)"
check_eq "searchset: a language the packet lacks is said by entry" "$(grep -v ' rows: ' day.err)" \
  "$data/day-searchset.json: entry 2 (Appointment/ap-5002): language \"ar\": this packet has no Arabic version; printed English (en)
$data/day-searchset.json: entry 3 (Appointment/ap-5003): language \"zh-Hant\": this packet has no Traditional Chinese version; printed English (en)
$data/day-searchset.json: entry 7 (Appointment/ap-5008): language \"vi\": this packet has no Vietnamese version; printed English (en)
$data/day-searchset.json: entry 8 (Appointment/ap-5007): language \"km\": this packet has no Khmer version; printed English (en)"
no_patient_data searchset day.err
t1=$(plain_text day/1-A1003.pdf 1 1)
check_has "entry 1: the official name, not the usual one" "$t1" "Paciente: José Antonio Núñez"
check_has "entry 1: the MR identifier, not the licence before it" "$t1" "Número de expediente: A1003"
check_has "entry 1: birthDate" "$t1" "12 de abril de 1968"
check_has "entry 1: in Spanish (communication.preferred)" "$t1" "Fecha de la cita"
check_has "entry 1: the appointment's local date" "$t1" "1 de diciembre de 2026"
check_has "entry 1: the participant's display" "$t1" "Dr. Ana Ruiz"
t2=$(plain_text day/2-A1021.pdf 1 1)
check_has "entry 2: no display: the included Practitioner's name" "$t2" "Dr. Ben Ortiz"
t7=$(plain_text day/7-A1057.pdf 1 1)
check_has "entry 7: the clinic's record number system, not the hospital's" "$t7" "A1057"
check_has "entry 7: 03:15Z on the 2nd is the 1st in New York" "$t7" "December 1, 2026"
t8=$(plain_text day/8-A1042.pdf 1 1)
check_has "entry 8: 23:30-05:00 stays on the 1st" "$t8" "December 1, 2026"
check_pdf_ok "searchset entry 3 (Chinese)" day/3-A1034.pdf

# Without a time zone, an instant's own offset: 03:15Z is the 2nd.
"$bin" batch "$form" --clinic clinic-nozone.yaml --data "$data/day-searchset.json" --out-dir nozone \
  2>/dev/null
check_has "no timezone: the instant's own date" "$(plain_text nozone/7-A1057.pdf 1 1)" \
  "December 2, 2026"

# The same file on standard input, and by any name, is FHIR.
"$bin" batch "$form" --clinic clinic.yaml --data - --data-format fhir --out-dir stdin \
  --json <"$data/day-searchset.json" >stdin.jsonl 2>/dev/null
check_eq "standard input with --data-format fhir" "$(rows stdin.jsonl)" "1:ok 2:ok 3:ok 7:ok 8:ok"
cp "$data/day-searchset.json" today-export.txt
"$bin" batch "$form" --clinic clinic.yaml --data today-export.txt --out-dir sniffed --json \
  >sniffed.jsonl 2>/dev/null
check_eq "a file that starts with { is FHIR, whatever its name" "$(rows sniffed.jsonl)" \
  "1:ok 2:ok 3:ok 7:ok 8:ok"
check_eq "... and prints the same PDF" "$(cmp day/1-A1003.pdf sniffed/1-A1003.pdf && echo same)" same
# A minified Bundle (a server's answer saved with curl) is one line.
python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1])), open("min.json", "w"), ensure_ascii=False)' \
  "$data/day-searchset.json"
"$bin" batch "$form" --clinic clinic.yaml --data min.json --out-dir min --json >min.jsonl 2>/dev/null
check_eq "a minified Bundle" "$(rows min.jsonl)" "1:ok 2:ok 3:ok 7:ok 8:ok"

# ---- a Bulk Data export folder -------------------------------------------
"$bin" batch "$form" --clinic clinic.yaml --data "$data/bulk/Appointment.ndjson" --out-dir bulk \
  --json >bulk.jsonl 2>bulk.err
check_eq "bulk: exit 0" "$?" 0
check_eq "bulk: Appointments by line, Patients from Patient.ndjson beside them" "$(rows bulk.jsonl)" \
  "1:ok 2:ok 3:ok 7:ok 8:ok 9:ok 10:ok"
check_has "bulk: 04:30Z on the 1st is November 30 in New York" "$(plain_text bulk/9-A1066.pdf 1 1)" \
  "November 30, 2026"
check_eq "bulk: same pages as the Bundle's" "$(plain_text bulk/1-A1003.pdf)" "$(plain_text day/1-A1003.pdf)"
no_patient_data bulk bulk.err

# ---- Patients only ----------------------------------------------------------
"$bin" batch "$form" --clinic clinic.yaml --data "$data/patients.ndjson" --out-dir pts \
  --json >pts.jsonl 2>pts.err
check_eq "NDJSON of Patients: every row needs the visit this form prints" "$?" 65
check_eq "NDJSON of Patients: a row a line" "$(rows pts.jsonl)" \
  "1:error 2:error 3:error 4:error 5:error 6:error"
check_has "NDJSON of Patients: the row names what is missing" "$(head -1 pts.err)" \
  "$data/patients.ndjson: entry 1 (Patient/pt-1001): the patient data has no appointment_date, clinician"
"$bin" render "$form" --clinic clinic.yaml --data "$data/patient.json" \
  --set patient.appointment_date=2026-12-01 --set patient.clinician="Dr. Ana Ruiz" -o one.pdf 2>one.err
check_eq "render: one Patient's file, the visit set by hand" "$?" 0
check_eq "render: the same patient as the Bundle's entry 1" \
  "$(plain_text one.pdf 1 1 | grep -E '^(Paciente|Número)')" "$(printf '%s\n' "$t1" | grep -E '^(Paciente|Número)')"
"$bin" render "$form" --clinic clinic.yaml --data "$data/day-searchset.json" --select mrn=A1021 \
  -o pick.pdf 2>pick.err
check_eq "render --select from a Bundle" "$?" 0
check_eq "render --select: the same PDF as batch's" "$(cmp pick.pdf day/2-A1021.pdf && echo same)" same
"$bin" render "$form" --clinic clinic.yaml --data "$data/day-searchset.json" --row 4 -o x.pdf \
  2>row4.err
check_eq "render --row of a skipped entry: exit 65" "$?" 65
check_eq "render --row of a skipped entry" "$(cat row4.err)" \
  "$data/day-searchset.json: error: there is no entry 4"
"$bin" render "$form" --clinic clinic.yaml --data "$data/day-searchset.json" -o x.pdf 2>many.err
check_eq "render of a list without --select: exit 64" "$?" 64

# ---- hostile files (exact messages and exit codes) --------------------------
bad_case() { # NAME FILE WANT_EXIT WANT_STDERR
  "$bin" batch "$form" --clinic clinic.yaml --data "$2" --out-dir "bad-$1" 2>"bad-$1.err"
  check_eq "$1: exit" "$?" "$3"
  check_eq "$1: message" "$(grep -v ' rows: ' "bad-$1.err")" "$4"
  no_patient_data "$1" "bad-$1.err"
}
bad_case wrong-type "$bad/wrong-type.json" 65 \
  "$bad/wrong-type.json:1:1: error: Observation/obs-1: medpacket reads a Bundle, a Patient, an Appointment, or NDJSON of Patients or Appointments"
bad_case missing-patient "$bad/missing-patient.json" 65 \
  "$bad/missing-patient.json: entry 1 (Appointment/ap-5001): the Patient it names (Patient/pt-1001) is not in the file; a search must include it (_include=Appointment:patient)
$bad/missing-patient.json: entry 2 (Appointment/ap-5003): language \"zh-Hant\": this packet has no Traditional Chinese version; printed English (en)"
bad_case no-offset "$bad/no-offset.json" 65 \
  "$bad/no-offset.json: entry 1 (Appointment/ap-5002): Appointment.start has no time zone offset (FHIR instants end in Z or +hh:mm)"
bad_case not-json "$bad/not-json.json" 65 \
  "$bad/not-json.json:577:25: error: the JSON ends before it is complete"
bad_case nothing "$bad/bundle-of-nothing.json" 0 ""
bash "$bad/make-big.sh" big.ndjson
/usr/bin/time -f %M -o big.rss "$bin" batch "$form" --clinic clinic.yaml --data big.ndjson \
  --out-dir bad-big 2>bad-big.err
check_eq "10 MB text.div: exit 65" "$?" 65
check_eq "10 MB text.div: that row refused, the next read" "$(grep -v ' rows: ' bad-big.err)" \
  "big.ndjson: entry 1 (Patient/pt-big): the resource is larger than 1 MiB; medpacket reads no Patient or Appointment that large (a narrative or photo that size is not read)
big.ndjson: entry 2 (Patient/pt-small): the patient data has no appointment_date, clinician (the packet uses them)"
bash "$bad/make-deep.sh" deep.json
"$bin" batch "$form" --clinic clinic.yaml --data deep.json --out-dir bad-deep 2>bad-deep.err
check_eq "100000 levels deep: exit 65" "$?" 65
check_eq "100000 levels deep: refused where it goes too deep" "$(cat bad-deep.err)" \
  "deep.json:1:47113: error: nested more than 2048 levels deep: no FHIR resource is"
check_eq "no output folder for a file refused whole" "$(ls -d bad-wrong-type bad-not-json bad-deep 2>/dev/null)" ""

finish
