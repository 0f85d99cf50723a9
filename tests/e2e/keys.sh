#!/usr/bin/env bash
# The booking key (issue 12): made by `medpacket new-key` into a file only its
# owner can read, named by booking_key_file:; render, batch, serve and check
# refuse a key written in the settings, the published example's key, and a
# key file that is weak, missing or readable by others.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_dated_workdir
cd "$work" || exit 1
fix=$root/tests/fixtures
cp "$fix/consent.yaml" "$fix/patient.yaml" .

# ---- new-key ----
"$bin" new-key k 2>err
check_eq "new-key: exit 0, says where" "$?:$(cat err)" "0:wrote a new key to k (mode 0600)"
check_eq "new-key: mode 0600" "$(stat -c %a k)" 600
check_eq "new-key: 43 base64url characters and a line end" \
  "$(grep -cE '^[A-Za-z0-9_-]{43}$' k):$(stat -c %s k)" "1:44"
first=$(cat k)
err=$("$bin" new-key k 2>&1)
check_eq "new-key: an existing file is kept" "$?:$err:$(cat k)" \
  "73:k: error: the file exists (--force replaces it):$first"
"$bin" new-key --force k 2>/dev/null
check_eq "new-key --force: a new key" "$?:$([ "$(cat k)" != "$first" ] && echo new)" "0:new"
ln -s /dev/null link
err=$("$bin" new-key --force link 2>&1)
check_eq "new-key --force: never through a symlink or device" "$?:$err" \
  "73:link: error: is not a regular file: a secret replaces only a regular file"
err=$("$bin" new-key 2>&1)
check_eq "new-key: a file is needed" "$?:$err" "64:medpacket: error: new-key: name one file to write the key to"

# ---- what the settings may name ----
clinic() { # the fixture clinic with its key line replaced by $1
  sed "s#^booking_key_file: .*#$1#" "$fix/clinic.yaml" >clinic.yaml
}
run() { "$bin" render consent.yaml --data patient.yaml --clinic clinic.yaml -o out.pdf "$@"; }

clinic "booking_key_file: k"
run 2>/dev/null
check_eq "a key file of new-key's: renders" "$?" 0
rm -f out.pdf

clinic "booking_key: a-long-secret-that-is-in-the-settings-0123"
err=$(run 2>&1)
check_eq "a key written in the settings: refused (78)" "$?:$err" \
  "78:clinic.yaml:9:14: error: booking_key is written in the clinic settings, where everyone who reads the forms reads it: put it in a file of its own (medpacket new-key FILE) and name that file with booking_key_file:"
check_eq "... and nothing written" "$(ls out.pdf 2>/dev/null | wc -l)" 0
err=$("$bin" batch consent.yaml --data patient.yaml --clinic clinic.yaml --out-dir o 2>&1)
check_eq "batch refuses it too" "$?:$err" \
  "78:clinic.yaml:9:14: error: booking_key is written in the clinic settings, where everyone who reads the forms reads it: put it in a file of its own (medpacket new-key FILE) and name that file with booking_key_file:"
printf 'first_name,last_name,dob,mrn\nAnn,Lee,1968-02-03,B2001\n' >today.csv
err=$(timeout 10 "$bin" serve --data today.csv --packet consent.yaml --clinic clinic.yaml --listen 127.0.0.1:0 2>&1)
check_eq "serve refuses to start with it" "$?:$(printf '%s\n' "$err" | tail -1)" \
  "78:clinic.yaml:9:14: error: booking_key is written in the clinic settings, where everyone who reads the forms reads it: put it in a file of its own (medpacket new-key FILE) and name that file with booking_key_file:"
err=$("$bin" check consent.yaml --clinic clinic.yaml 2>&1)
check_eq "check reports it as an error" "$?:$(printf '%s\n' "$err" | grep -c 'clinic.yaml:9:14: error: booking_key is written')" "65:1"

printf 'WE2HBmK2ivf5VJtmHTRSfVYTrTZA3bKW\n' >example.key
chmod 600 example.key
clinic "booking_key_file: example.key"
err=$(run 2>&1)
check_eq "the published example's key: refused" "$?:$err" \
  "78:clinic.yaml:9:19: error: the booking key is the published example's: anyone can turn its references back into record numbers (make your own with medpacket new-key FILE)"

cp k open.key && chmod 644 open.key
clinic "booking_key_file: open.key"
err=$(run 2>&1)
check_eq "a key file others may read: refused, with the fix" "$?:$err" \
  "78:clinic.yaml:9:19: error: booking_key_file \"open.key\": others can read this booking key file (mode 0644): chmod 600 open.key"

printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n' >weak.key && chmod 600 weak.key
clinic "booking_key_file: weak.key"
err=$(run 2>&1)
check_eq "a weak key: refused" "$?:$err" \
  "78:clinic.yaml:9:19: error: booking_key_file \"weak.key\": the booking key is too weak: it is too predictable (repeats, runs or few different characters); it needs about 128 random bits, such as 32 random letters and digits (medpacket new-key FILE makes a strong one)"
printf 'short-0123456789\n' >short.key && chmod 600 short.key
clinic "booking_key_file: short.key"
err=$(run 2>&1)
check_eq "a short key: refused" "$?:$err" \
  "78:clinic.yaml:9:19: error: booking_key_file \"short.key\": the booking key is too weak: it has fewer than 32 characters (medpacket new-key FILE makes a strong one)"

clinic "booking_key_file: nowhere.key"
err=$(run 2>&1)
check_eq "a missing key file: named" "$?:$err" \
  "66:clinic.yaml:9:19: error: booking_key_file \"nowhere.key\": cannot open the booking key file: No such file or directory; make the clinic's key with: medpacket new-key nowhere.key"
err=$("$bin" check consent.yaml --clinic clinic.yaml 2>&1)
check_eq "check reports a missing key file" "$?:$err" \
  "66:clinic.yaml:9:19: error: booking_key_file \"nowhere.key\": cannot open the booking key file: No such file or directory; make the clinic's key with: medpacket new-key nowhere.key"

mkfifo fifo.key
clinic "booking_key_file: fifo.key"
err=$(timeout 5 "$bin" render consent.yaml --data patient.yaml --clinic clinic.yaml -o out.pdf 2>&1)
check_eq "a FIFO as the key file: refused at once" "$?:$err" \
  "78:clinic.yaml:9:19: error: booking_key_file \"fifo.key\": the booking key file is not a regular file"
finish
