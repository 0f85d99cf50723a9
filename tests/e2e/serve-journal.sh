#!/usr/bin/env bash
# medpacket serve's standard error as journald reads it: when JOURNAL_STREAM
# names standard error (its DEVICE:INODE, as systemd sets it), every line
# starts with its syslog priority (sd-daemon(3)): <5> start and stop, <6> a
# request answered, <5> a request refused, <3> a print CUPS did not take and
# an error at start-up; no line carries a time of its own. Without it, or
# when it names another file (a service's child writing to a pipe of its
# own), the lines are as a terminal shows them.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
serve_workdir

log=$work/journal.log
: >"$log"
stream=$(stat -c '%d:%i' "$log")
JOURNAL_STREAM=$stream "$bin" serve --data "$work/today.csv" --forms "$root/forms" \
  --listen 127.0.0.1:0 --jobs 1 >"$work/journal.out" 2>>"$log" &
pids+=($!)
server=$!
url=
for _ in $(seq 100); do
  url=$(sed -n 's/^<5>medpacket: serving on //p' "$log")
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { fail "the server did not start: $(cat "$log")"; finish; exit 1; }
curl -s -o /dev/null "${url}api/config"
curl -s -o /dev/null "${url}api/nothing"
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
  --data-binary '{"packet":"tpi-packet","row":4}' "${url}api/print"
kill -TERM "$server"
wait "$server"
check_eq "under the journal: serve exits 0 on SIGTERM" "$?" 0
check_eq "under the journal: each line and its priority" \
  "$(sed -e 's/ [0-9.]* ms.*/ .../' "$log")" \
  "<5>medpacket: serving on ${url}
<6>serve: GET /api/config 200 ...
<5>serve: GET (other) 404 ...
<3>serve: POST /api/print 502 row=4 ...
<5>serve: stopping (terminated): finishing the requests being answered
<5>serve: stopped"
check_eq "under the journal: no line has a date or a time of its own" \
  "$(grep -cE '[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}:[0-9]{2}:[0-9]{2}' "$log")" 0

# An error at start-up, under the journal and not.
: >"$work/err.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$work/err.log") "$bin" serve --forms "$root/forms" 2>>"$work/err.log"
check_eq "under the journal: a usage error is <3>" "$(cat "$work/err.log")" \
  "<3>medpacket: error: serve needs --data TODAY.csv (the day's list)"
: >"$work/err.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$work/err.log") "$bin" serve --data "$work/none.csv" \
  --forms "$root/forms" 2>>"$work/err.log"
check_has "under the journal: an error at start-up is <3>" "$(head -c 3 "$work/err.log")" "<3>"

# JOURNAL_STREAM naming another file: not the journal.
serve_start plain --listen 127.0.0.1:0 --jobs 1 || { finish; exit 1; }
curl -s -o /dev/null "${url}api/config"
check_eq "JOURNAL_STREAM unset: no priorities" "$(grep -c '^<' "$work/plain.log")" 0
JOURNAL_STREAM=$stream "$bin" serve --forms "$root/forms" 2>"$work/other.log"
check_eq "JOURNAL_STREAM naming another file: no priority" "$(cat "$work/other.log")" \
  "medpacket: error: serve needs --data TODAY.csv (the day's list)"
finish
