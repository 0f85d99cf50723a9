#!/usr/bin/env bash
# render picks one patient from a day's list (--select FIELD=VALUE, --row N)
# or takes a walk-in's fields (--set), as the front desk does: one match, no
# match, several (listed by row and record number only), an unknown field,
# a bad date.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
packet=$root/forms/trigger-point/packet.yaml
data=$root/tests/e2e/data/awkward.csv
cd "$work" || exit 1
name() { pdftotext -f 4 -l 4 "$1" - 2>/dev/null | grep -m1 '^Patient: '; }

"$bin" render "$packet" --data "$data" --select mrn=A1003 -o one.pdf 2>/dev/null
check_eq "--select: the one row" "$?:$(name one.pdf)" "0:Patient: Siobhán O'Brien"
err=$("$bin" render "$packet" --data "$data" --select mrn=NOPE -o none.pdf 2>&1)
check_eq "--select: no match" "$?:$err" "65:$data: error: no row has mrn = NOPE"
err=$("$bin" render "$packet" --data "$data" --select mrn=A1009 -o two.pdf 2>&1)
check_eq "--select: several, by row and record number only" "$?:$err" \
  "65:$data: error: 2 rows have mrn = A1009: row 10 (record A1009), row 11 (record A1009); pick one with --row N"
"$bin" render "$packet" --data "$data" --select MRN=A1003 -o upper.pdf 2>/dev/null
check_eq "--select: the field named as the header names it" "$?:$(name upper.pdf)" "0:Patient: Siobhán O'Brien"
"$bin" render "$packet" --data "$data" --select "Medical Record Number=A1003" -o alias.pdf 2>/dev/null
check_eq "--select: an export's header for the field" "$?:$(name alias.pdf)" "0:Patient: Siobhán O'Brien"
err=$("$bin" render "$packet" --data "$data" --row 1 -o hdr.pdf 2>&1)
check_eq "--row 1: the header, said so" "$?:$err" \
  "65:$data: error: row 1 is the list's header; the first patient is row 2"
# An export's usual headers are read as the fields they mean.
printf 'Patient First Name,Patient Last Name,Date of Birth,Medical Record Number,Appt Date,Provider\n' >export.csv
printf 'Ana,Lee,1970-03-04,Z9001,2026-12-01,Dr. Ana Ruiz\n' >>export.csv
"$bin" render "$packet" --data export.csv --row 2 -o export.pdf 2>err
check_eq "export headers: rendered" "$?:$(cat err)" "0:wrote export.pdf"
check_has "export headers: the name, date of birth and record number" \
  "$(pdftotext -f 4 -l 4 export.pdf - 2>/dev/null | tr '\n' ' ')" "Patient: Ana Lee"
check_has "... date of birth" "$(pdftotext -f 4 -l 4 export.pdf - 2>/dev/null)" "March 4, 1970"
printf 'DOB,Date of Birth,first_name\n1970-03-04,1970-03-04,Ana\n' >twice.csv
err=$("$bin" render "$packet" --data twice.csv --row 2 -o twice.pdf 2>&1)
check_eq "two headers for one field" "$?:$err" \
  "65:twice.csv:1: error: columns 1 (dob) and 2 (date_of_birth) are both read as dob: keep one"
"$bin" render "$packet" --data "$data" --row 11 -o row.pdf 2>/dev/null
check_eq "--row" "$?:$(name row.pdf)" "0:Patient: Chloé Dubois"
err=$("$bin" render "$packet" --data "$data" --row 13 -o bad.pdf 2>&1)
check_eq "--row: a bad row is reported" "$?:$err" \
  "65:$data: row 13: error: column dob is not a date that exists (check the month and the day)"
err=$("$bin" render "$packet" --data "$data" -o list.pdf 2>&1)
check_eq "a list without a pick" "$?:$err" \
  "64:$data: error: a list of patients: pick one with --select FIELD=VALUE or --row N"
"$bin" render "$packet" -o walkin.pdf --set patient.first_name=José --set patient.last_name=Walk \
  --set patient.dob=1980-01-02 --set patient.mrn=W1 --set patient.appointment_date=2026-12-01 \
  --set "patient.clinician=Dr. Ana Ruiz" 2>/dev/null
check_eq "--set: a walk-in needs no file" "$?:$(name walkin.pdf)" "0:Patient: José Walk"
"$bin" render "$packet" --data "$data" --select mrn=A1003 --set patient.first_name=Sinéad -o over.pdf 2>/dev/null
check_eq "--set overrides a field of the row" "$?:$(name over.pdf)" "0:Patient: Sinéad O'Brien"
err=$("$bin" render "$packet" --data "$root/examples/patient.yaml" --set patient.shoe_size=9 -o x.pdf 2>&1)
check_eq "--set: an unknown field" "$?:$err" \
  "64:medpacket: error: --set: unknown field patient.shoe_size (known: first_name, last_name, dob, mrn, appointment_date, clinician, language, ...)"
err=$("$bin" render "$packet" --data "$root/examples/patient.yaml" --set patient.dob=1980-02-30 -o x.pdf 2>&1)
check_eq "--set: a bad date" "$?:$err" \
  "65:medpacket: error: --set: patient.dob is not a date that exists (check the month and the day)"
# A walk-in with a name and a date of birth only: every field the packet
# still needs, named at once (not one per run, and not the clinic's file).
err=$("$bin" render "$packet" --set patient.first_name=Ann --set patient.last_name=Lee \
  --set patient.dob=1970-01-01 -o walkin-short.pdf 2>&1)
check_eq "a walk-in lacking fields: all of them named" "$?:$err" \
  "65:--set: error: the patient data has no mrn, clinician (the packet uses them)"
# A field the packet prints may be set, though no list has it; a typo of a
# field it does not print is still caught.
sed 's/^  - heading: What is the procedure?/  - paragraph: "Room {{patient.room}}."\n  - heading: What is the procedure?/' \
  "$root/tests/fixtures/consent.yaml" >room.yaml
# New wording is not approved: the test form prints as a draft.
sed -i 's/^status: approved$/status: draft/' room.yaml
"$bin" render room.yaml --allow-draft --clinic "$root/tests/fixtures/clinic.yaml" \
  --data "$root/tests/fixtures/patient.yaml" --set patient.room=12B -o room.pdf 2>/dev/null
check_eq "--set a field the form prints" "$?:$(pdftotext room.pdf - 2>/dev/null | grep -c 'Room 12B')" "0:1"
err=$("$bin" render room.yaml --allow-draft --clinic "$root/tests/fixtures/clinic.yaml" \
  --data "$root/tests/fixtures/patient.yaml" --set patient.rooom=12B -o rooom.pdf 2>&1)
check_eq "--set a field nothing prints" "$?:${err%% (known*}" "64:medpacket: error: --set: unknown field patient.rooom"
# A patient file lacking several fields: all named, the patient table's too.
printf 'first_name: Ann\nlast_name: Lee\ndob: 1970-01-01\n' >short.yaml
err=$("$bin" render "$packet" --data short.yaml -o short.pdf 2>&1)
check_eq "a patient file lacking fields: all of them named" "$?:$err" \
  "65:short.yaml: error: the patient data has no mrn, appointment_date, clinician (the packet uses them)"
# A walk-in without an appointment date is seen today.
SOURCE_DATE_EPOCH=1764547200 "$bin" render "$packet" --set patient.first_name=Ann --set patient.last_name=Lee \
  --set patient.dob=1970-01-01 --set patient.mrn=W1 --set "patient.clinician=Dr. Ana Ruiz" -o today.pdf 2>/dev/null
check_eq "a walk-in: today is the appointment date" "$?:$(pdftotext today.pdf - 2>/dev/null | grep -q 'December 1, 2025' && echo today)" "0:today"
# One patient's YAML on standard input.
"$bin" render "$packet" --data - -o stdin.pdf <"$root/examples/patient.yaml" 2>/dev/null
check_eq "--data - with one patient's YAML" "$?:$(name stdin.pdf)" "0:Patient: José Núñez"
# A list whose dates are MM/DD/YYYY, read so by --date-order.
printf 'first_name,last_name,dob,mrn,appointment_date,clinician\nAna,Lee,03/04/1970,Z1,12/01/2026,Dr. Ana Ruiz\n' >mdy.csv
err=$("$bin" render "$packet" --data mdy.csv --row 2 -o mdy0.pdf 2>&1)
check_eq "MM/DD/YYYY without --date-order: refused, with how to say it" "$?:$err" \
  "65:mdy.csv: row 2: error: column dob is not a valid date (write it as YYYY-MM-DD); if the list writes dates as MM/DD/YYYY, say so with date_order: mdy in clinic.yaml or --date-order mdy"
"$bin" render "$packet" --data mdy.csv --row 2 --date-order mdy -o mdy.pdf 2>/dev/null
check_eq "--date-order mdy" "$?:$(pdftotext -f 4 -l 4 mdy.pdf - 2>/dev/null | grep -q 'March 4, 1970' && echo read)" "0:read"
# ... or by the clinic's date_order:, which --date-order overrides.
bash "$root/tests/golden/clinic.sh" "$root" mdy-clinic.yaml && echo "date_order: mdy" >>mdy-clinic.yaml
"$bin" render "$packet" --clinic mdy-clinic.yaml --data mdy.csv --row 2 -o mdyc.pdf 2>/dev/null
check_eq "date_order: mdy in the clinic settings" "$?:$(pdftotext -f 4 -l 4 mdyc.pdf - 2>/dev/null | grep -q 'March 4, 1970' && echo read)" "0:read"
err=$("$bin" render "$packet" --clinic mdy-clinic.yaml --data mdy.csv --row 2 --date-order dmy -o dmy.pdf 2>&1)
check_eq "--date-order dmy wins over the clinic's mdy (03/04 is April 3)" \
  "$?:$(pdftotext -f 4 -l 4 dmy.pdf - 2>/dev/null | grep -q 'April 3, 1970' && echo read)" "0:read"
err=$("$bin" render "$packet" --data mdy.csv --row 2 --date-order ymd -o x.pdf 2>&1)
check_eq "--date-order: a bad order" "$?:$err" "64:medpacket: error: render: --date-order takes mdy, dmy or iso"
check_eq "nothing written for the errors" "$(ls *.pdf | sort | tr '\n' ' ')" \
  "alias.pdf dmy.pdf export.pdf mdy.pdf mdyc.pdf one.pdf over.pdf room.pdf row.pdf stdin.pdf today.pdf upper.pdf walkin.pdf "
finish
