#!/usr/bin/env bash
# End to end: what `medpacket batch` (and `render -o`) may do to files that
# are already there (issue 12, section 2). No output replaces an input or a
# file nobody asked to replace; the merged PDF and the manifest follow the
# per-row PDFs' rules (--force, temporary file and rename, 0600); a resumed
# merge holds every row; temporary files of a killed or hung-up run are
# removed by the next one; nothing is written through a symlink planted in
# the output folder, nothing waits for ever, and a full or read-only disk
# ends the run with 74 or 73 at the first row it cannot write.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
mounts=()
unmount_all() { for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done; }
new_dated_workdir unmount_all
cd "$work" || exit 1
# Inputs: a copy of the forms (so that a run that wrongly writes over an
# input harms a copy, never the repository) with the tests' booking key (as
# tests/golden/clinic.sh gives every test), and a list of 12 good rows. Made
# again for each part, so that a part failing cannot make the next fail.
fresh_inputs() {
  rm -rf forms list.csv
  cp -r "$root/forms" forms
  bash "$root/tests/golden/clinic.sh" "$root" forms/clinic.yaml
  {
    echo "first_name,last_name,dob,mrn,appointment_date,clinician"
    for i in $(seq 1 12); do echo "Ana$i,García,1980-01-0$((i % 9 + 1)),M$i,2026-12-01,Dr. Ana Ruiz"; done
  } >list.csv
}
fresh_inputs
form=$work/forms/trigger-point/consent.yaml
packet=$work/forms/trigger-point/packet.yaml
clinic=$work/forms/clinic.yaml
list=$work/list.csv
sum_of() { sha256sum "$@" | cut -c1-64; }
# Page count of a regular file (never read through a link: it may be a FIFO).
pages_of() { [ -f "$1" ] && [ ! -L "$1" ] && pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}'; }
parts_in() { ls -A "$1" 2>/dev/null | grep -c '\.part$'; }
# Waits for process $1 at most $2 seconds, then kills it: its status, or
# 137 when it had to be killed (it hung).
wait_bounded() {
  local pid=$1 secs=$2
  ( for _ in $(seq $((secs * 10))); do sleep 0.1; kill -0 "$pid" 2>/dev/null || exit 0; done
    kill -KILL "$pid" 2>/dev/null ) &
  local dog=$!
  wait "$pid"
  local rc=$?
  wait "$dog"
  return $rc
}
# Runs a command with at most $1 seconds to finish (137 if it hung).
bounded() {
  local secs=$1
  shift
  "$@" &
  wait_bounded $! "$secs"
}

# ---- 1. Outputs: no input replaced, nothing replaced without --force -------

list_sum=$(sum_of "$list")
inputs_sum=$(sum_of "$list" "$form" "$clinic")
err=$("$bin" batch "$form" --data "$list" --merge "$list" -q 2>&1)
check_eq "--merge the list itself: exit 64" "$?" 64
check_eq "--merge the list itself: the message" "$err" \
  "$list: error: --merge would replace an input of this run (the patient data)"
"$bin" batch "$form" --data "$list" --merge "$list" --force -q 2>/dev/null
check_eq "--merge the list with --force: exit 64" "$?" 64
check_eq "--merge the list: the list is untouched" "$(sum_of "$list")" "$list_sum"
fresh_inputs
err=$("$bin" batch "$form" --data "$list" --out-dir o1 --manifest "$form" --force -q 2>&1)
check_eq "--manifest a form with --force: exit 64 and the message" "$?:$err" \
  "64:$form: error: --manifest would replace an input of this run (a form or packet file)"
err=$("$bin" batch "$form" --data "$list" --merge "$clinic" --force -q 2>&1)
check_eq "--merge the clinic settings with --force: exit 64 and the message" "$?:$err" \
  "64:$clinic: error: --merge would replace an input of this run (the clinic settings)"
err=$("$bin" batch "$form" --data - --merge "$list" --force -q <"$list" 2>&1)
check_eq "--merge the list read from standard input: exit 64" "$?:$err" \
  "64:$list: error: --merge would replace an input of this run (the patient data)"
err=$("$bin" batch "$form" --data "$list" --merge - --json -q 2>&1 >/dev/null)
check_eq "--merge - with --json: exit 64" "$?:$err" \
  "64:medpacket: error: batch: --merge - and --json both write to standard output"
ln -s "$list" list-link.csv
err=$("$bin" batch "$form" --data list-link.csv --out-dir o1 --manifest "$list" --force -q 2>&1)
check_eq "--manifest the list read through a symlink: exit 64" "$?:$err" \
  "64:$list: error: --manifest would replace an input of this run (the patient data)"
check_eq "no input was touched" "$(sum_of "$list" "$form" "$clinic")" "$inputs_sum"
fresh_inputs
check_eq "nothing was rendered for a refused run" "$(ls -d o1 2>/dev/null | wc -l)" 0
err=$("$bin" batch "$form" --data "$list" --merge same.out --manifest ./same.out -q 2>&1)
check_eq "--merge and --manifest the same file: exit 64 and the message" "$?:$err" \
  "64:medpacket: error: batch: --merge and --manifest name the same file"

# An existing merge target or manifest is not replaced without --force,
# and nothing is rendered before that is known.
printf 'yesterday\n' >day.pdf
err=$("$bin" batch "$form" --data "$list" --out-dir o2 --merge day.pdf -q 2>&1)
check_eq "an existing --merge file: exit 73 and the message" "$?:$err" \
  "73:day.pdf: error: the file exists (--force replaces it)"
check_eq "an existing --merge file: untouched" "$(printf 'yesterday\n' | cmp -s - day.pdf && echo same)" same
check_eq "an existing --merge file: no row rendered" "$(ls -d o2 2>/dev/null | wc -l)" 0
printf 'keep\n' >m.jsonl
chmod 0644 m.jsonl
err=$("$bin" batch "$form" --data "$list" --out-dir o2 --manifest m.jsonl -q 2>&1)
check_eq "an existing --manifest file: exit 73 and the message" "$?:$err" \
  "73:m.jsonl: error: the file exists (--force replaces it)"
check_eq "an existing --manifest file: untouched" "$(printf 'keep\n' | cmp -s - m.jsonl && echo same)" same
"$bin" batch "$form" --data "$list" --out-dir o2 --merge day.pdf --manifest m.jsonl --force -q 2>/dev/null
check_eq "--force replaces both: exit 0" "$?" 0
check_eq "the replaced merge: every page" "$(pages_of day.pdf)" 48
check_eq "the replaced manifest: 12 rows and a summary" "$(wc -l <m.jsonl)" 13
check_eq "the replaced files are private (0600), not the old 0644" "$(stat -c %a day.pdf m.jsonl | tr '\n' ' ')" "600 600 "
check_eq "no temporary file beside them" "$(parts_in .)" 0
# A symlink at the manifest's name: refused without --force; with --force
# the link itself is replaced, never its target truncated.
printf 'victim\n' >victim.txt
ln -s victim.txt link.jsonl
err=$("$bin" batch "$form" --data "$list" --out-dir o3 --manifest link.jsonl -q 2>&1)
check_eq "a symlinked --manifest: exit 73 and the message" "$?:$err" \
  "73:link.jsonl: error: the file exists (--force replaces it)"
"$bin" batch "$form" --data "$list" --out-dir o3 --manifest link.jsonl --force -q 2>/dev/null
check_eq "a symlinked --manifest with --force: exit 0" "$?" 0
check_eq "its target is untouched" "$(printf 'victim\n' | cmp -s - victim.txt && echo same)" same
check_eq "the link became the manifest (a private regular file)" \
  "$(stat -c '%F %a' link.jsonl)" "regular file 600"
err=$("$bin" batch "$form" --data "$list" --out-dir o2 --merge day.pdf --skip-existing -q 2>&1)
check_eq "an existing --merge file on a resume: exit 73 and the message" "$?:$err" \
  "73:day.pdf: error: the file exists (a resumed run writes a new one: move it away first)"
# A row never takes the merged file's or the manifest's name in --out-dir.
"$bin" batch "$form" --data "$list" --out-dir o4 --merge o4/2-M1.pdf --manifest o4/3-M2.pdf -q 2>/dev/null
check_eq "outputs in --out-dir: exit 0" "$?" 0
check_eq "outputs in --out-dir: the rows took other names" \
  "$(LC_ALL=C ls o4 | grep -e '^[23]-' | tr '\n' ' ')" "2-M1-2.pdf 2-M1.pdf 3-M2-2.pdf 3-M2.pdf "
check_eq "outputs in --out-dir: the merge is the merge" "$(pages_of o4/2-M1.pdf)" 48
check_has "outputs in --out-dir: the manifest is the manifest" "$(tail -1 o4/3-M2.pdf)" '{"summary":'
# The user may still name a FIFO for the merge: it is written in place.
mkfifo merge.fifo
cat merge.fifo >from-fifo.pdf &
reader=$!
bounded 30 "$bin" batch "$form" --data "$list" --merge merge.fifo -q 2>/dev/null
check_eq "--merge a FIFO with a reader: exit 0" "$?" 0
wait_bounded "$reader" 10
check_eq "--merge a FIFO: the reader got every page" "$(pages_of from-fifo.pdf)" 48

# render -o: an output is never an input either, --force or not.
cp "$root/examples/patient.yaml" patient.yaml
form_sum=$(sum_of "$form")
err=$("$bin" render "$form" --data patient.yaml -o "$form" --force 2>&1)
check_eq "render -o the form with --force: exit 64 and the message" "$?:$err" \
  "64:$form: error: -o would replace an input of this run (a form or packet file)"
check_eq "render -o the form: the form is untouched" "$(sum_of "$form")" "$form_sum"
fresh_inputs
err=$("$bin" render "$form" --data patient.yaml -o patient.yaml --force 2>&1)
check_eq "render -o the patient file: exit 64 and the message" "$?:$err" \
  "64:patient.yaml: error: -o would replace an input of this run (the patient data)"
cp "$root/examples/patient.yaml" patient.yaml
err=$("$bin" render "$packet" --data patient.yaml \
      -o "$work/forms/trigger-point/handout.yaml" --force 2>&1)
check_eq "render -o a form of the packet: exit 64" "$?:$err" \
  "64:$work/forms/trigger-point/handout.yaml: error: -o would replace an input of this run (a form or packet file)"

# ---- 2. A resumed merge holds every row, in row order ----------------------

fresh_inputs

"$bin" batch "$form" --data "$list" --out-dir clean --merge clean.pdf -q 2>/dev/null
check_eq "a clean run with a merge: exit 0, 48 pages" "$?:$(pages_of clean.pdf)" "0:48"
MEDPACKET_TEST_KILL_AFTER=5 "$bin" batch "$form" --data "$list" --out-dir res --merge killed.pdf --jobs 2 -q 2>/dev/null
check_eq "a killed run: SIGKILL" "$?" 137
"$bin" batch "$form" --data "$list" --out-dir res --merge resumed.pdf --skip-existing --json --jobs 2 -q >res.jsonl 2>/dev/null
check_eq "resume with --merge: exit 0" "$?" 0
check_has "resume: the rows of the killed run were skipped" "$(tail -1 res.jsonl)" '"ok":7,"skipped":5,'
check_eq "resume: the merge holds every row (48 pages)" "$(pages_of resumed.pdf)" 48
check_eq "resume: the same bytes as a clean run's merge (row order)" "$(sum_of resumed.pdf)" "$(sum_of clean.pdf)"
# A skipped file that reads as whole but is not a PDF the merge can take is
# rendered again, not dropped from the merge.
{ head -c 3000 res/4-M3.pdf; printf '\n%%%%EOF\n'; } >cut.pdf && mv cut.pdf res/4-M3.pdf
rm -f resumed.pdf
"$bin" batch "$form" --data "$list" --out-dir res --merge resumed.pdf --skip-existing --json -q >res2.jsonl 2>/dev/null
check_eq "resume over a broken file: exit 0" "$?" 0
check_has "resume over a broken file: that row rendered again" "$(grep '"row":4,' res2.jsonl)" '"status":"ok"'
check_eq "resume over a broken file: the merge is whole" "$(sum_of resumed.pdf)" "$(sum_of clean.pdf)"
check_eq "resume over a broken file: the file is whole again" "$(sum_of res/4-M3.pdf)" "$(sum_of clean/4-M3.pdf)"
# --duplex: a file not made for duplex would put a form's page on the back
# of another's (or a patient's on another's): rendered again, even when its
# page count is even. (The Spanish packet: its handout of 3 pages, consent of
# 4 and language notice of 1 make 8; padded for duplex, 4 + 4 + 2.)
es_packet=$work/forms/trigger-point/es/packet.yaml
"$bin" batch "$es_packet" --data "$list" --out-dir dup --merge dup.pdf --duplex -q 2>/dev/null
check_eq "a duplex run: exit 0" "$?" 0
"$bin" batch "$es_packet" --data "$list" --out-dir dup --force -q 2>/dev/null
check_eq "the same rows without --duplex: 8 pages each" "$(pages_of dup/2-M1.pdf)" 8
"$bin" batch "$es_packet" --data "$list" --out-dir dup --merge dup2.pdf --duplex --skip-existing -q 2>/dev/null
check_eq "a duplex resume over files not made for duplex: the same merge" "$(sum_of dup2.pdf)" "$(sum_of dup.pdf)"

# ---- 3. Temporary files of a killed or hung-up run -------------------------

fresh_inputs

mkdir day
MEDPACKET_TEST_KILL_AFTER=5 "$bin" batch "$form" --data "$list" --out-dir day/out --merge day/day.pdf \
  --manifest day/m.jsonl --jobs 2 -q 2>/dev/null
check_eq "killed: SIGKILL" "$?" 137
check_eq "killed: the merge's and the manifest's temporary files are left" \
  "$(ls -A day | grep -c -e '^\.day\.pdf\.[A-Za-z0-9]\{6\}\.part$' -e '^\.m\.jsonl\.[A-Za-z0-9]\{6\}\.part$')" 2
# Not ours: kept.
touch day/.day.pdf.part day/.notes.txt.abcdef.part day/.day.pdf.abcdefg.part day/out/.x.txt.abcdef.part
: >day/out/.3-M2.pdf.Ab12Cd.part
"$bin" batch "$form" --data "$list" --out-dir day/out --merge day/day.pdf --manifest day/m.jsonl \
  --skip-existing -q 2>/dev/null
check_eq "the next run: exit 0" "$?" 0
check_eq "the next run removed the temporary files it recognises, no others" \
  "$(cd day && ls -A . out | grep '\.part$' | LC_ALL=C sort | tr '\n' ' ')" \
  ".day.pdf.abcdefg.part .day.pdf.part .notes.txt.abcdef.part .x.txt.abcdef.part "
check_eq "the next run: the merge holds every row" "$(pages_of day/day.pdf)" 48
# SIGHUP (a closed terminal) is handled like Ctrl-C: no merge, no
# temporary file, the manifest says so, exit 128 + 1.
mkdir hup
MEDPACKET_TEST_INTERRUPT_AFTER=3 MEDPACKET_TEST_INTERRUPT_SIGNAL=HUP "$bin" batch "$form" --data "$list" \
  --out-dir hup/out --merge hup/day.pdf --manifest hup/m.jsonl --jobs 1 -q 2>/dev/null
check_eq "SIGHUP: exit 129" "$?" 129
check_eq "SIGHUP: no merged file and no temporary file" "$(ls -A hup | tr '\n' ' ')" "m.jsonl out "
check_has "SIGHUP: the manifest says interrupted" "$(tail -1 hup/m.jsonl)" '"interrupted":true'
check_eq "SIGHUP: no temporary file in the output folder" "$(parts_in hup/out)" 0

# ---- 4. Symlinks, FIFOs and devices in the output folder -------------------

fresh_inputs

mkfifo planted.fifo
"$bin" batch "$form" --data "$list" --out-dir sl -q 2>/dev/null
ln -sf "$work/planted.fifo" sl/2-M1.pdf
bounded 30 "$bin" batch "$form" --data "$list" --out-dir sl --force -q 2>/dev/null
check_eq "--force over a symlink to a FIFO: exit 0, no wait" "$?" 0
check_eq "the link was replaced by a whole PDF" "$(stat -c %F sl/2-M1.pdf):$(pages_of sl/2-M1.pdf)" "regular file:4"
check_eq "the FIFO is still a FIFO" "$(stat -c %F planted.fifo)" "fifo"
ln -sf /dev/null sl/3-M2.pdf
bounded 30 "$bin" batch "$form" --data "$list" --out-dir sl --force --json -q >sl.jsonl 2>/dev/null
check_eq "--force over a symlink to /dev/null: exit 0" "$?" 0
check_eq "the link was replaced by a private PDF" "$(stat -c '%F %a' sl/3-M2.pdf)" "regular file 600"
check_has "its reported hash is the file's" "$(grep '"row":3,' sl.jsonl)" "\"sha256\":\"$(sum_of sl/3-M2.pdf)\""
check_eq "/dev/null is still a device" "$(stat -c %F /dev/null)" "character special file"
ln -sf "$work/planted.fifo" sl/4-M3.pdf
ln -sf /dev/null sl/5-M4.pdf
bounded 30 "$bin" batch "$form" --data "$list" --out-dir sl --skip-existing --json -q >sl2.jsonl 2>/dev/null
check_eq "--skip-existing over symlinks to a FIFO and /dev/null: exit 0, no wait" "$?" 0
check_eq "both rendered again, the other rows skipped" \
  "$(grep -o '"row":[0-9]*,"status":"ok"' sl2.jsonl | tr '\n' ' ')" '"row":4,"status":"ok" "row":5,"status":"ok" '
check_eq "both links replaced by PDFs" "$(stat -c %F sl/4-M3.pdf sl/5-M4.pdf | sort -u)" "regular file"
# A FIFO (not a link) at a row's name: that row fails, the others are written.
rm sl/6-M5.pdf && mkfifo sl/6-M5.pdf
err=$(bounded 30 "$bin" batch "$form" --data "$list" --out-dir sl --force -q 2>&1)
check_eq "--force over a FIFO: exit 65 (one row failed), no wait" "$?" 65
check_eq "--force over a FIFO: the message" "$err" \
  "$list: row 6: 6-M5.pdf is not a regular file, so it is not replaced"
check_eq "the FIFO is still there" "$(stat -c %F sl/6-M5.pdf)" "fifo"
check_eq "the other rows were written" "$(find sl -type f | wc -l)" 11
# A wait on a FIFO the user named ends on SIGTERM, gracefully.
mkfifo noreader.fifo
"$bin" batch "$form" --data "$list" --merge noreader.fifo -q 2>term.err &
pid=$!
sleep 1
kill -TERM "$pid"
wait_bounded "$pid" 10
check_eq "SIGTERM while waiting for a FIFO's reader: exit 143" "$?" 143
check_eq "SIGTERM while waiting: the message" "$(cat term.err)" \
  "noreader.fifo: error: interrupted while waiting for a reader"

# ---- 5. A full disk, a read-only folder ------------------------------------

fresh_inputs

mkdir full ro
if mount -t tmpfs -o size=100k tmpfs full 2>/dev/null; then
  mounts+=("$work/full")
  "$bin" batch "$form" --data "$list" --out-dir full/out --manifest full/m.jsonl --jobs 2 -q 2>full.err
  check_eq "a full disk: exit 74" "$?" 74
  n=$(ls full/out | wc -l)
  if [ "$n" -ge 1 ] && [ "$n" -lt 12 ]; then ok "a full disk: $n rows fit"; else fail "a full disk: $n rows written"; fi
  check_eq "a full disk: one message, the first row that did not fit" "$(cat full.err)" \
    "full/out/$((n + 2))-M$((n + 1)).pdf: error: write failed: No space left on device; the batch stopped there (resume with --skip-existing)"
  check_eq "a full disk: no temporary file" "$(parts_in full/out):$(parts_in full)" "0:0"
  if [ -e full/m.jsonl ]; then
    check_eq "a full disk: the manifest lists the rows tried, then the summary" "$(wc -l <full/m.jsonl)" $((n + 2))
    check_has "a full disk: the summary says the run stopped" "$(tail -1 full/m.jsonl)" '"stopped":true'
  else
    ok "a full disk: no manifest (it did not fit either)"
  fi
  rm -rf full/out full/m.jsonl
  # The manifest on the full disk, the rows elsewhere: no 0-byte manifest.
  head -c 200000 /dev/zero >full/filler 2>/dev/null
  "$bin" batch "$form" --data "$list" --out-dir fullm --manifest full/m.jsonl -q 2>fullm.err
  check_eq "a full disk under the manifest: exit 74" "$?" 74
  check_eq "a full disk under the manifest: the message" "$(cat fullm.err)" \
    "full/m.jsonl: error: write failed: No space left on device"
  check_eq "a full disk under the manifest: no manifest, no temporary file" "$(ls -A full)" "filler"
else
  skip "a full disk (no permission to mount a tmpfs here)"
fi
if mount -t tmpfs -o size=1m tmpfs ro 2>/dev/null; then
  mounts+=("$work/ro")
  mkdir ro/out
  mount -o remount,ro ro
  "$bin" batch "$form" --data "$list" --out-dir ro/out --manifest ro-m.jsonl --jobs 2 -q 2>ro.err
  check_eq "a read-only folder: exit 73" "$?" 73
  check_eq "a read-only folder: one message, at the first row" "$(cat ro.err)" \
    "ro/out/2-M1.pdf: error: cannot create output: Read-only file system; the batch stopped there (resume with --skip-existing)"
  check_eq "a read-only folder: the manifest lists one row and the summary" "$(wc -l <ro-m.jsonl)" 2
  err=$("$bin" batch "$form" --data "$list" --out-dir rows --manifest ro/m.jsonl -q 2>&1)
  check_eq "a manifest in a read-only folder: exit 73 before any row" "$?:$(ls -d rows 2>/dev/null | wc -l)" "73:0"
  check_eq "a manifest in a read-only folder: the message" "$err" \
    "ro/m.jsonl: error: cannot create output: Read-only file system"
else
  skip "a read-only folder (no permission to mount a tmpfs here)"
fi
finish
