#!/usr/bin/env bash
# End to end: serve's day's list from a real FHIR server (docs/fhir.md).
# The server is Medplum's FHIR router with its in-memory repository
# (tests/fhir/server.mjs, glue only), loaded with the fixtures' transaction,
# its visits moved to today in New York. Checked: "today" in the URL is the
# clinic's date; the list, with the Patients and Practitioners this server
# does not _include asked for by id; a preview of an entry; the bearer
# token; a server that goes away (the last list kept, the page told why and
# since when). Medplum's router writes no next links, so paging is checked
# against static pages (python3 -m http.server): the next page followed,
# and a next page on another server refused.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
here=$root/tests/fhir
if ! command -v node >/dev/null; then
  skip "node is not installed"
  finish
fi
if [ ! -d "$here/node_modules/@medplum/fhir-router" ]; then
  skip "tests/fhir/node_modules is missing (tests/fhir/modules.sh installs it)"
  finish
fi
pids=()
new_workdir stop_servers
cd "$work" || exit 1
sed -e "s|^booking_key_file: ../|booking_key_file: $root/|" -e "s|^logo: |logo: $root/forms/|" \
  -e "s|^language_notice: |language_notice: $root/forms/|" \
  -e 's|^timezone: .*|timezone: America/New_York|' "$root/forms/clinic.yaml" >clinic.yaml
token=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
printf '%s\n' "$token" >fhir.token
chmod 600 fhir.token

node "$here/server.mjs" --port 0 --token "$token" >fhir.out 2>fhir.log &
fhir_pid=$!
pids+=("$fhir_pid")
base=
# Loading Medplum's definitions takes seconds, more on a busy machine.
for _ in $(seq 600); do
  base=$(sed -n 's/^listening //p' fhir.out)
  [ -n "$base" ] && break
  sleep 0.05
done
[ -n "$base" ] || { fail "the FHIR server did not start: $(cat fhir.log)"; finish; }

# The fixtures' day, 2026-12-01, made today (and the 2nd tomorrow) in New
# York, the clinic's zone, so that date=today means the fixtures' day.
read -r today tomorrow < <(python3 -c '
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
d = datetime.now(ZoneInfo("America/New_York")).date()
print(d, d + timedelta(days=1))')
sed -e "s/2026-12-01/$today/g" -e "s/2026-12-02/$tomorrow/g" "$here/data/transaction-load.json" >load.json
check_eq "the FHIR server takes the day's transaction" \
  "$(curl -s -o load.out -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/fhir+json' --data-binary @load.json "$base")" 200

# Medplum reads date=YYYY-MM-DD as that UTC day: the clinic's visits before
# 19:00 in New York, and 04:30Z (the evening before, in New York). Rows are
# the answer's entries (the skipped ones are entries 4 to 6); the language
# is the one the packet prints in (no draft is offered: Arabic and Chinese
# fall back to English).
search="$base/Appointment?date=today&_include=Appointment:patient&_include=Appointment:actor&_count=100"
"$bin" serve --data "$search" --fhir-token-file fhir.token --poll 5 --clinic clinic.yaml \
  --forms "$root/forms" --no-print --listen 127.0.0.1:0 >serve.out 2>serve.log &
pids+=($!)
# serve reads the whole list before it says where it listens: on a busy
# machine (the suite runs two tests at once) that can take more than 5 s.
serve_wait serve 30 || finish
list=$(curl -s "${url}api/patients")
summary=$(printf '%s' "$list" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["source"], "stale" if d["stale"] else "current")
for p in d["patients"]:
    print(p["row"], p["mrn"], p["appointment_date"], p["appointment_time"], p["clinician"], p["language"])')
origin=${base%/fhir/R4}
check_eq "the list: today's visits, cancelled/noshow/entered-in-error left out" "$summary" \
  "$origin current
1 A1003 $today 08:30 Dr. Ana Ruiz es
2 A1021 $today 09:00 Dr. Ben Ortiz en
3 A1034 $today 10:15 Dr. Ana Ruiz en
7 A1066 $(date -d "$today -1 day" +%F) 23:30 Dr. Ben Ortiz en"
check_has "the server was asked for the Patients it did not include" "$(cat fhir.log)" \
  "GET /fhir/R4/Patient?_id,_count 200"
check_eq "the page names the server, never the search" "$(printf '%s' "$list" | grep -c 'Appointment?')" 0
check_eq "a preview of entry 1" \
  "$(curl -s -o preview.pdf -w '%{http_code}' "${url}api/preview?packet=tpi-packet&row=1")" 200
check_has "the preview is that patient's" "$(plain_text preview.pdf 1 1)" "Número de expediente: A1003"

# A wrong token: refused at start-up, exit 77 (EX_NOPERM), the token unsaid.
printf '%s\n' "$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" >wrong.token
chmod 600 wrong.token
"$bin" serve --data "$search" --fhir-token-file wrong.token --clinic clinic.yaml \
  --forms "$root/forms" --no-print --listen 127.0.0.1:0 2>wrong.log
check_eq "a wrong token: exit 77" "$?" 77
check_eq "a wrong token: said, with the server's origin only" "$(cat wrong.log)" \
  "medpacket: error: $origin refused the request (HTTP 401): check the token (--fhir-token-file)"

# The options that go with a server's list only, and --poll's range.
"$bin" serve --data "$search" --poll 2 --clinic clinic.yaml --forms "$root/forms" 2>poll.log
check_eq "--poll 2: exit 64" "$?" 64
check_eq "--poll 2: its range said" "$(cat poll.log)" \
  "medpacket: error: --poll takes a number of seconds from 5 to 86400"
"$bin" serve --data today.csv --fhir-token-file fhir.token --forms "$root/forms" 2>tok.log
check_eq "--fhir-token-file with a file's list: exit 64" "$?" 64
check_eq "--fhir-token-file with a file's list: said" "$(cat tok.log)" \
  "medpacket: error: --fhir-token-file goes with a FHIR server's URL as --data (https://...)"

# The server goes away: the list is kept, and the page says since when.
kill "$fhir_pid"
wait "$fhir_pid" 2>/dev/null
# The first request after the poll is due reads the server; asked until the
# answer says stale (20 s at most).
stale=
for _ in $(seq 40); do
  sleep 0.5
  stale=$(curl -s "${url}api/patients" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(len(d["patients"]), d["stale"]["reason"] if d["stale"] else "current")')
  [ "${stale#* }" != current ] && break
done
check_eq "server down: the last list kept, and why it is stale" "$stale" \
  "4 cannot reach $origin: Couldn't connect to server"
check_has "server down: the log says so once" "$(cat serve.log)" \
  "the list changed but cannot be read; keeping the last one: cannot reach $origin"

# Paging, on static pages: page 1's next link is followed on the same
# server; a next page on another host is refused (the token stays here).
mkdir -p pages/fhir
python3 - "$root/tests/fhir/data/day-searchset.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
appts = [e for e in d["entry"] if e["resource"]["resourceType"] == "Appointment"]
rest = [e for e in d["entry"] if e["resource"]["resourceType"] != "Appointment"]
def page(entries, nxt):
    b = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
    if nxt:
        b["link"] = [{"relation": "next", "url": nxt}]
    return b
port = "PORT"
json.dump(page(appts[:4], "http://127.0.0.1:%s/fhir/page2" % port), open("pages/fhir/Appointment", "w"))
json.dump(page(appts[4:] + rest, None), open("pages/fhir/page2", "w"))
json.dump(page(appts[:4], "http://localhost:%s/fhir/page2" % port), open("pages/fhir/elsewhere", "w"))
EOF
python3 -u -m http.server 0 --bind 127.0.0.1 --directory pages >pages.out 2>pages.log &
pids+=($!)
pport=
for _ in $(seq 600); do
  pport=$(sed -n 's/.*port \([0-9]*\).*/\1/p' pages.out pages.log 2>/dev/null | head -1)
  [ -n "$pport" ] && break
  sleep 0.05
done
sed -i "s/PORT/$pport/" pages/fhir/Appointment pages/fhir/elsewhere
"$bin" serve --data "http://127.0.0.1:$pport/fhir/Appointment?date=today" --clinic clinic.yaml \
  --forms "$root/forms" --no-print --listen 127.0.0.1:0 >paged.out 2>paged.log &
pids+=($!)
serve_wait paged 30 || finish
check_eq "paging: both pages' visits" \
  "$(curl -s "${url}api/patients" | python3 -c 'import json,sys; print(" ".join(p["mrn"] for p in json.load(sys.stdin)["patients"]))')" \
  "A1003 A1021 A1034 A1057 A1042"
"$bin" serve --data "http://127.0.0.1:$pport/fhir/elsewhere" --clinic clinic.yaml \
  --forms "$root/forms" --no-print --listen 127.0.0.1:0 2>elsewhere.log
check_eq "a next page on another server: exit 76" "$?" 76
check_eq "a next page on another server: refused" "$(cat elsewhere.log)" \
  "medpacket: error: http://127.0.0.1:$pport gave a next page on another server; not followed (the token is for this one only)"

finish
