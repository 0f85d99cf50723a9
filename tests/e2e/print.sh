#!/usr/bin/env bash
# --print against a real CUPS: a private cupsd (tests/cups/cupsd.sh) with a
# cups-pdf queue, whose output is read back with poppler. render prints the
# PDF it wrote, batch the merged PDF as one job; copies and sides reach CUPS;
# the job's name holds no patient data; a missing printer, no default
# printer and a CUPS that does not answer are exit 69 with the PDF still
# written; the options' usage errors are exit 64. Needs root (CI runs as
# root); without it, or without CUPS, the test fails and says why.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
. "$root/tests/cups/cupsd.sh"
work=$(mktemp -d)
# cupsd's own folder apart, in /tmp: the user lp must reach it ($work, or
# $TMPDIR, may be private) and its socket's path must be short.
cupsdir=$(mktemp -d /tmp/medpacket-cupsd.XXXXXX)
trap 'cupsd_stop; rm -rf "$work" "$cupsdir"' EXIT
export SOURCE_DATE_EPOCH=1764547200
# CUPS words its messages in the locale's language; the checks expect English.
export LC_ALL=C.UTF-8
packet=$root/forms/trigger-point/packet.yaml
data=$root/tests/e2e/data/awkward.csv
cd "$work" || exit 1
if ! cupsd_start "$cupsdir"; then
  fail "a private cupsd with a cups-pdf queue could not be started (see above)"
  finish
fi
q=$CUPSD_QUEUE
# After every command that sends (or may send) a job: the clinic's print
# server must survive whatever medpacket sends it.
alive() { cupsd_alive || fail "$1: the CUPS scheduler did not survive the job"; }
job_of() { sed -n 's/^printed .* as job \([0-9][0-9]*\)$/\1/p' "$1"; }
patient() { pdftotext -f 4 -l 4 "$1" - 2>/dev/null | grep -m1 '^Patient: '; }
pages() { pdfinfo "$1" 2>/dev/null | sed -n 's/^Pages: *//p'; }
attr() { cupsd_job_attrs "$1" | sed -n "s/^$2=//p"; }
# What CUPS keeps about a job, shown to anyone near the printer, must name
# no patient (row 4 is Siobhán O'Brien, A1003, born 1990-07-04).
no_patient_in_job() {
  check_eq "$1: no patient data in CUPS's record of job $2" \
    "$(cupsd_job_attrs "$2" | grep -c -i -e "o'brien" -e siob -e a1003 -e 1990)" 0
}

# One patient, printed after the PDF is written.
"$bin" render "$packet" --data "$data" --select mrn=A1003 -o one.pdf --print --printer "$q" 2>err
check_eq "render --print: exit 0" "$?" 0
alive "render --print"
job=$(job_of err)
check_eq "render --print: says where and as which job" "$(cat err)" \
  "wrote one.pdf
printed one.pdf on $q as job ${job:-?}"
if out=$(cupsd_wait_output "$CUPSD_OUT" 30 "$job"); then
  check_eq "the printed PDF is the patient's" "$(patient "$out")" "Patient: Siobhán O'Brien"
  check_eq "the printed PDF has every page" "$(pages "$out")" 7
else
  fail "render --print: job $job produced no PDF"; cupsd_log
fi
check_eq "render --print: the job's name" "$(attr "$job" job-name)" "medpacket tpi-packet row 4"
# The document's name: the job's, with no space (cupsd 2.4.2-3+deb12u10
# crashes on one) and no patient data.
check_eq "render --print: the document's name" "$(attr "$job" document-name-supplied)" \
  "medpacket-tpi-packet-row-4.pdf"
check_eq "render --print: one copy, one-sided" "$(attr "$job" copies):$(attr "$job" sides)" "1:"
no_patient_in_job "render --print" "$job"
check_eq "render --print: the PDF stays written" "$(patient one.pdf)" "Patient: Siobhán O'Brien"

# --copies and --duplex reach CUPS; --duplex pads each form (in large print,
# handout 3 -> 4, consent 5 -> 6, the language notice 3 -> 4).
"$bin" render "$packet" --data "$data" --select mrn=A1003 -o two.pdf --print --printer "$q" \
  --copies 2 --duplex --large-print 2>err
check_eq "--copies 2 --duplex: exit 0" "$?" 0
alive "render --print --copies 2 --duplex"
job=$(job_of err)
if out=$(cupsd_wait_output "$CUPSD_OUT" 30 "$job"); then
  check_eq "--duplex: the printed PDF is padded" "$(pages "$out")" 14
else
  fail "--copies 2 --duplex: job $job produced no PDF"; cupsd_log
fi
check_eq "--copies 2 --duplex: the job CUPS took" \
  "$(attr "$job" copies):$(attr "$job" sides):$(attr "$job" job-state)" "2:two-sided-long-edge:completed"
check_eq "--duplex: the written PDF is padded too" "$(pages two.pdf)" 14

# Standard output: the same bytes go to stdout and to the printer.
"$bin" render "$packet" --data "$root/examples/patient.yaml" -o - --print --printer "$q" >stdout.pdf 2>err
check_eq "-o - --print: exit 0" "$?" 0
alive "render -o - --print"
job=$(job_of err)
check_eq "-o - --print: says so" "$(cat err)" "printed the PDF on $q as job ${job:-?}"
if out=$(cupsd_wait_output "$CUPSD_OUT" 30 "$job"); then
  check_eq "-o - --print: the printed PDF" "$(patient "$out")" "$(patient stdout.pdf)"
else
  fail "-o - --print: job $job produced no PDF"; cupsd_log
fi
check_eq "-o - --print: the job's name" "$(attr "$job" job-name)" "medpacket tpi-packet"

# Failures: exit 69, the PDF written all the same.
err=$("$bin" render "$packet" --data "$data" --select mrn=A1003 -o nope.pdf --print --printer Nope 2>&1)
check_eq "a printer that does not exist: exit 69, named, the known ones listed" "$?:$err" \
  "69:wrote nope.pdf
medpacket: error: no printer named \"Nope\" (CUPS knows: $q)"
check_eq "... the PDF stays" "$(patient nope.pdf)" "Patient: Siobhán O'Brien"
# No default printer (HOME: no ~/.cups/lpoptions of root's to name one).
err=$(HOME=$work "$bin" render "$packet" --data "$data" --select mrn=A1003 -o nodefault.pdf --print 2>&1)
check_eq "no default printer: exit 69, use --printer" "$?:$err" \
  "69:wrote nodefault.pdf
medpacket: error: CUPS has no default printer; name one with --printer (CUPS knows: $q)"
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
err=$(CUPS_SERVER=127.0.0.1:$closed "$bin" render "$packet" --data "$data" --select mrn=A1003 \
  -o nocups.pdf --print --printer "$q" 2>&1)
check_eq "CUPS does not answer: exit 69" "$?:$err" \
  "69:wrote nocups.pdf
medpacket: error: CUPS does not answer at 127.0.0.1:$closed (is cupsd running?)"
check_eq "... the PDF stays" "$(patient nocups.pdf)" "Patient: Siobhán O'Brien"
err=$(CUPS_SERVER=$cupsdir/no.sock "$bin" render "$packet" --data "$data" --select mrn=A1003 \
  -o nosock.pdf --print 2>&1)
check_eq "CUPS does not answer on a socket: exit 69" "$?:$err" \
  "69:wrote nosock.pdf
medpacket: error: CUPS does not answer at $cupsdir/no.sock (is cupsd running?)"

# A queue that rejects jobs: CUPS's own words.
cupsreject "$q"
err=$("$bin" render "$packet" --data "$data" --select mrn=A1003 -o rejected.pdf --print --printer "$q" 2>&1)
check_eq "a printer that refuses jobs: exit 69, CUPS's reason" "$?:$err" \
  "69:wrote rejected.pdf
medpacket: error: printer \"$q\" did not take the job: Destination \"$q\" is not accepting jobs."
alive "a job to a queue that rejects jobs"
cupsaccept "$q"

# The default printer, once there is one.
lpadmin -d "$q"
HOME=$work "$bin" render "$packet" --data "$data" --row 2 -o default.pdf --print 2>err
check_eq "no --printer: CUPS's default" "$?:$(tail -1 err | sed 's/ as job .*//')" "0:printed default.pdf on $q"
alive "render --print to the default printer"
job=$(job_of err)
check_eq "--row: the job's name has the row" "$(attr "$job" job-name)" "medpacket tpi-packet row 2"

# Usage errors: nothing is rendered, nothing printed.
err=$("$bin" render "$packet" --data "$data" --select mrn=A1003 -o u.pdf --print --copies 0 2>&1)
check_eq "--copies 0" "$?:$err" "64:medpacket: error: render: --copies takes a number from 1 to 99"
err=$("$bin" render "$packet" --data "$data" --select mrn=A1003 -o u.pdf --print --copies 100 2>&1)
check_eq "--copies 100" "$?:$err" "64:medpacket: error: render: --copies takes a number from 1 to 99"
err=$("$bin" render "$packet" --data "$data" --select mrn=A1003 -o u.pdf --printer "$q" 2>&1)
check_eq "--printer without --print" "$?:$err" \
  "64:medpacket: error: render: --printer, --copies and --duplex go with --print"
err=$("$bin" render "$packet" --data "$data" --select mrn=A1003 -o u.pdf --duplex 2>&1)
check_eq "--duplex without --print" "$?:$err" \
  "64:medpacket: error: render: --printer, --copies and --duplex go with --print"
check_eq "usage errors write nothing" "$(ls u.pdf 2>/dev/null | wc -l)" 0

# batch: the merged PDF, whole and in place, as one job.
head -4 "$data" >three.csv # José Núñez, Nguyễn Thị Ánh, Siobhán O'Brien
"$bin" batch "$packet" --data three.csv --out-dir out --merge all.pdf --print --printer "$q" \
  --copies 2 --duplex --json >all.jsonl 2>err
check_eq "batch --print: exit 0" "$?" 0
alive "batch --print"
job=$(job_of err)
check_eq "batch --print: says where and as which job" "$(tail -1 err)" \
  "printed all.pdf on $q as job ${job:-?}"
check_has "batch --print: in the JSON summary" "$(tail -1 all.jsonl)" \
  "\"print\":{\"printer\":\"$q\",\"job\":${job:-?}}}}"
if out=$(cupsd_wait_output "$CUPSD_OUT" 30 "$job"); then
  text=$(pdftotext "$out" - 2>/dev/null)
  check_has "the printed job holds the first patient" "$text" "Patient: José Núñez"
  check_has "... the second" "$text" "Patient: Nguyễn Thị Ánh"
  # The third by record number: cups-pdf's trip through PostScript draws a
  # few of the later packets' glyphs as Type 3 without their Unicode (they
  # look right; pdftotext reads "Siobhá Brien").
  check_has "... and the third" "$text" "Record number: A1003"
  # Each packet 2 + 4 pages, even already, and the notice 1 -> 2.
  check_eq "... every page of every packet" "$(pages "$out")" 24
else
  fail "batch --print: job $job produced no PDF"; cupsd_log
fi
check_eq "batch --print: the job's name" "$(attr "$job" job-name)" "medpacket batch 3 packets"
check_eq "batch --print: copies and sides" "$(attr "$job" copies):$(attr "$job" sides)" \
  "2:two-sided-long-edge"
no_patient_in_job "batch --print" "$job"

"$bin" batch "$packet" --data three.csv --merge quiet.pdf --print --printer "$q" -q 2>err
check_eq "batch --print -q: only the printed line" "$?:$(sed 's/ as job .*//' err)" "0:printed quiet.pdf on $q"
alive "batch --print -q"
cupsd_wait_output "$CUPSD_OUT" 30 "$(job_of err)" >/dev/null || fail "batch --print -q: no PDF"

"$bin" batch "$packet" --data three.csv --out-dir out2 --merge nope-all.pdf --print --printer Nope \
  --json >nope.jsonl 2>err
check_eq "batch: a printer that does not exist: exit 69" "$?:$(tail -1 err)" \
  "69:medpacket: error: no printer named \"Nope\" (CUPS knows: $q)"
check_eq "... every PDF stays" "$(pages nope-all.pdf):$(ls out2 | wc -l)" "21:3"
check_has "... the JSON summary says why" "$(tail -1 nope.jsonl)" \
  "\"print\":{\"error\":\"no printer named \\\"Nope\\\" (CUPS knows: $q)\"}}}"

err=$("$bin" batch "$packet" --data three.csv --out-dir out3 --print --printer "$q" 2>&1)
check_eq "batch --print without --merge" "$?:$err" \
  "64:medpacket: error: batch: --print sends the merged PDF as one job: add --merge FILE"
err=$("$bin" batch "$packet" --data three.csv --merge x.pdf --copies 2 2>&1)
check_eq "batch --copies without --print" "$?:$err" \
  "64:medpacket: error: batch: --printer and --copies go with --print"
check_eq "batch usage errors write nothing" "$(ls -d out3 x.pdf 2>/dev/null | wc -l)" 0

check_eq "no job is left in the queue" "$(lpstat -o 2>&1)" ""
alive "the whole test"
finish
