#!/usr/bin/env bash
# medpacket serve over real HTTP (curl): the day's list, previews whose PDF
# holds the right patient, walk-in validation, the list read again when the
# file changes, and every guard: a foreign Host (DNS rebinding), a foreign
# Origin on POST, GET to Print, a form post, an oversized body (with and
# without Content-Length), ".." in a static path, the token on a
# non-loopback listener, and a server log without a patient's data whose
# previews name the forms printed with their wording fingerprints.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
serve_workdir

# Every server's log so far.
logs() { cat "$work"/*.log 2>/dev/null; }
code() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
save() { local out=$1; shift; curl -s -o "$out" -w '%{http_code}' "$@"; }

serve_start main --listen 127.0.0.1:0 || { finish; exit 1; }
host=${url#http://}
host=${host%/}

check_eq "the page" "$(code "$url")" 200
check_has "the page is the embedded index.html" "$(cat "$work/body")" "<html"
check_eq "app.js" "$(code "${url}app.js")" 200
headers=$(curl -s -D - -o /dev/null "${url}api/patients")
check_has "patient data is not cached" "$headers" "Cache-Control: no-store"
check_has "a content security policy" "$headers" "Content-Security-Policy: default-src 'self'"

check_eq "/api/config" "$(code "${url}api/config")" 200
check_has "config: the packet" "$(cat "$work/body")" '"id": "tpi-packet"'
check_has "config: what the walk-in needs (the consent prints the clinician)" "$(cat "$work/body")" \
  '{"name": "clinician", "required": true, "type": "text"}'
check_has "config: a walk-in is seen today" "$(cat "$work/body")" \
  '{"name": "appointment_date", "required": false, "type": "date"}'
check_has "config: Spanish labels" "$(cat "$work/body")" '"search": "Buscar por nombre o número de expediente"'
check_has "config: each language by its own name (ICU's)" "$(cat "$work/body")" \
  '"language_names": {"en": "English", "es": "Español"}'
check_has "config: the Arabic and Chinese drafts are not offered" "$(cat "$work/body")" \
  '"languages": ["en", "es"]'
# With --allow-draft they are: the page's labels in Arabic too, turned
# right to left (rtl), and each language by its own name.
main_url=$url
serve_start drafts --listen 127.0.0.1:0 --allow-draft --no-print || { finish; exit 1; }
check_eq "--allow-draft: /api/config" "$(code "${url}api/config")" 200
drafts=$(cat "$work/body")
check_has "--allow-draft: Arabic and Chinese offered" "$drafts" '"languages": ["en", "es", "ar", "zh-Hant"]'
check_has "--allow-draft: Arabic labels read right to left" "$drafts" '"rtl": ["ar"]'
check_has "--allow-draft: by their own names" "$drafts" '"ar": "العربية"'
check_has "--allow-draft: Arabic labels" "$drafts" '"patient": "المريض"'
url=$main_url

check_eq "/api/patients" "$(code "${url}api/patients")" 200
list=$(cat "$work/body")
check_has "the list: a patient" "$list" '"first_name": "Siobhán", "last_name": "O'"'"'Brien"'
check_has "the list: the patient's language" "$list" '"mrn": "A1005"'
check_has "the list: a bad row, by number and column only" "$list" \
  '{"row": 13, "problem": "column dob is not a date that exists (check the month and the day)"}'
check_has "the list: a row without the record number the packet needs, marked" "$list" \
  '"mrn": null, "appointment_date": "2026-12-01", "appointment_time": null, "clinician": "Dr. Ana Ruiz", "language": "en", "packets": ["tpi-packet"], "missing": {"tpi-packet": ["mrn"]}, "problems": []}'
check_has "the list: a row with all the packet needs, unmarked" "$list" \
  '"mrn": "A1003", "appointment_date": "2026-12-01", "appointment_time": null, "clinician": "Dr. Ana Ruiz", "language": "en", "packets": ["tpi-packet"], "missing": {}, "problems": []}'
# The marks are true: every row marked is refused a preview, every row not
# marked gets one.
cp "$work/body" "$work/list.json"
wrong="" checked=0
while read -r row marked; do
  got=$(curl -s -o /dev/null -w '%{http_code}' "${url}api/preview?packet=tpi-packet&row=$row")
  case $marked:$got in 1:422 | 0:200) ;; *) wrong="$wrong row $row ($marked: $got)" ;; esac
  checked=$((checked + 1))
done < <(python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["patients"]:
    print(p["row"], 1 if p.get("missing", {}).get("tpi-packet") else 0)' "$work/list.json")
check_eq "a row is marked as missing a field exactly when its preview is refused" "$checked:$wrong" \
  "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["patients"]))' "$work/list.json"):"

check_eq "preview" "$(save "$work/p.pdf" "${url}api/preview?packet=tpi-packet&row=4")" 200
check_has "preview: the patient's packet" "$(pdftotext "$work/p.pdf" - 2>/dev/null)" \
  "Patient: Siobhán O'Brien"
check_eq "preview: qpdf --check" "$(qpdf --check "$work/p.pdf" >/dev/null 2>&1; echo $?)" 0
# Renders in parallel (more requests than render slots): each answer is its
# own row's patient, none mixed up, none lost.
par=()
for i in $(seq 16); do
  row=$((2 + i % 8))
  curl -s -o "$work/par-$row-$i.pdf" "${url}api/preview?packet=tpi-packet&row=$row" &
  par+=($!)
done
wait "${par[@]}" # not the server's
mixed=0
for f in "$work"/par-*.pdf; do
  row=${f#"$work"/par-}
  row=${row%%-*}
  want=$(python3 -c 'import csv,sys
rows=list(csv.reader(open(sys.argv[1],encoding="utf-8-sig",errors="replace")))
r=rows[int(sys.argv[2])-1]; print(r[3])' "$work/today.csv" "$row")
  # Every page names its patient by record number (a name hundreds of
  # letters long is cut in the header): each page of the answer, this row's.
  n=$(pdfinfo "$f" 2>/dev/null | sed -n 's/^Pages: *//p')
  for p in $(seq "${n:-0}"); do
    pdftotext -f "$p" -l "$p" "$f" - 2>/dev/null | grep -qF "Record number: $want" || mixed=$((mixed + 1))
  done
  [ "${n:-0}" -gt 0 ] || mixed=$((mixed + 1))
done
check_eq "16 previews at once, each its own patient's" "$mixed" 0
check_eq "preview: the row is still that patient" \
  "$(code "${url}api/preview?packet=tpi-packet&row=4&mrn=A1003")" 200
check_eq "preview: row 4 is someone else now (the list changed)" \
  "$(code "${url}api/preview?packet=tpi-packet&row=4&mrn=A1002")" 409
check_eq "print: row 4 is someone else now" \
  "$(code -X POST -H 'Content-Type: application/json' \
      --data-binary '{"packet":"tpi-packet","row":4,"mrn":"A1002"}' "${url}api/print")" 409
check_eq "preview: a bad row is 422" "$(code "${url}api/preview?packet=tpi-packet&row=13")" 422
check_eq "preview: no such row" "$(code "${url}api/preview?packet=tpi-packet&row=999")" 404
check_eq "preview: no such packet" "$(code "${url}api/preview?packet=nope&row=4")" 404
check_eq "preview: a row that is not a number" "$(code "${url}api/preview?packet=tpi-packet&row=4x")" 400

post() { # URL BODY [curl args]
  local u=$1 b=$2
  shift 2
  code -X POST -H 'Content-Type: application/json' --data-binary "$b" "$@" "$u"
}
post_save() { # OUT URL BODY
  save "$1" -X POST -H 'Content-Type: application/json' --data-binary "$3" "$2"
}
check_eq "walk-in: bad fields are 422" \
  "$(post "${url}api/walkin" '{"packet":"tpi-packet","action":"print","fields":{"first_name":"Wanda","last_name":"Walker","dob":"1990-02-30","mrn":""}}')" 422
check_has "walk-in: the date's problem, under dob" "$(cat "$work/body")" \
  '"dob": "is not a date that exists (check the month and the day)"'
check_has "walk-in: a required field" "$(cat "$work/body")" '"mrn": "is required"'
check_eq "walk-in: in Spanish" \
  "$(post "${url}api/walkin" '{"packet":"tpi-packet","action":"print","lang":"es","fields":{"first_name":"W","last_name":"","dob":"1990-02-30","mrn":"W1","clinician":"X"}}')" 422
check_has "walk-in: the messages in Spanish" "$(cat "$work/body")" \
  '"last_name": "es obligatorio", "dob": "no es una fecha válida (AAAA-MM-DD)"'
check_eq "walk-in: preview" \
  "$(post_save "$work/w.pdf" "${url}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{"first_name":"Wanda","last_name":"Walker","dob":"1990-02-03","mrn":"W1","clinician":"Dr. Ana Ruiz","language":"es"}}')" 200
check_has "walk-in: in Spanish, with her name" "$(pdftotext "$work/w.pdf" - 2>/dev/null)" \
  "Paciente: Wanda Walker"
check_eq "walk-in: a language the packet lacks" \
  "$(post "${url}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{"first_name":"W","last_name":"W","dob":"1990-02-03","mrn":"W1","clinician":"X","language":"fr"}}')" 422
check_has "walk-in: the languages offered" "$(cat "$work/body")" \
  '"language": "is not a language of this packet (English, Español)"'
check_eq "walk-in: a language by name, or by tag in any spelling" \
  "$(post_save "$work/w2.pdf" "${url}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{"first_name":"Wanda","last_name":"Walker","dob":"1990-02-03","mrn":"W1","clinician":"Dr. Ana Ruiz","language":"ES_mx"}}')" 200
check_has "walk-in: ES_mx is Spanish" "$(pdftotext "$work/w2.pdf" - 2>/dev/null)" "Paciente: Wanda Walker"
check_eq "print: CUPS does not answer" "$(post "${url}api/print" '{"packet":"tpi-packet","row":4}')" 502
check_has "print: the error says so" "$(cat "$work/body")" "CUPS"
reason=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"])' "$work/body")
check_has "print: the log line says why, in CUPS's words" \
  "$(logs | grep -F 'serve: POST /api/print 502 row=4 ')" " ms: $reason"

# The guards.
check_eq "a foreign Host (DNS rebinding)" "$(code -H 'Host: evil.example:80' "${url}api/patients")" 403
check_eq "a foreign Origin on POST" \
  "$(post "${url}api/print" '{"packet":"tpi-packet","row":4}' -H 'Origin: http://evil.example')" 403
check_eq "the page's own Origin passes" \
  "$(post "${url}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{}}' -H "Origin: http://$host")" 422
check_eq "GET to Print" "$(code "${url}api/print?packet=tpi-packet&row=4")" 405
check_eq "an HTML form's post" \
  "$(code -X POST -d 'packet=tpi-packet&row=4' "${url}api/print")" 415
head -c 20000 /dev/zero | tr '\0' ' ' >"$work/big"
check_eq "an oversized body" \
  "$(code -X POST -H 'Content-Type: application/json' --data-binary @"$work/big" "${url}api/walkin")" 413
check_eq "an oversized body without Content-Length" \
  "$(code -X POST -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
      --data-binary @"$work/big" "${url}api/walkin")" 413
check_eq "not JSON" "$(post "${url}api/walkin" 'packet=1')" 400
# Bodies are read by a JSON parser (jansson), not as YAML: escapes are
# JSON's, a lone surrogate or a duplicate key is not JSON.
check_eq "JSON: a surrogate pair is one character" \
  "$(post "${url}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{"first_name":"Wanda \udb80\udc00","last_name":"Walker","dob":"1990-02-03","mrn":"W1","clinician":"Dr. Ana Ruiz"}}')" 422
check_has "JSON: decoded as U+F0000" "$(cat "$work/body")" \
  "the value has character U+F0000, which none of the installed fonts has"
check_eq "JSON: a \\u escape" \
  "$(post_save "$work/w2.pdf" "${url}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{"first_name":"W\u00e1nda","last_name":"Walker","dob":"1990-02-03","mrn":12345,"clinician":"Dr. Ana Ruiz"}}')" 200
w2=$(pdftotext "$work/w2.pdf" - 2>/dev/null)
check_has "JSON: the escape decoded" "$w2" "Patient: Wánda Walker"
check_has "JSON: a number taken as its digits" "$w2" "Record number: 12345"
# A walk-in named in Arabic or Chinese: the preview holds the name in logical
# order and is the very PDF `render` gives for the same fields (both on the
# tests' fixed clock, SOURCE_DATE_EPOCH: a walk-in is seen that day).
today=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
for wi in "arabic	محمد	عبد الله" "chinese	芳	王"; do
  IFS=$'\t' read -r key wfirst wlast <<<"$wi"
  check_eq "walk-in ($key): preview" \
    "$(post_save "$work/wi-$key.pdf" "${url}api/walkin" "{\"packet\":\"tpi-packet\",\"action\":\"preview\",\"fields\":{\"first_name\":\"$wfirst\",\"last_name\":\"$wlast\",\"dob\":\"1990-02-03\",\"mrn\":\"W7\",\"clinician\":\"Dr. Ana Ruiz\"}}")" 200
  printf 'first_name: "%s"\nlast_name: "%s"\ndob: 1990-02-03\nmrn: W7\nclinician: Dr. Ana Ruiz\nappointment_date: %s\n' \
    "$wfirst" "$wlast" "$today" >"$work/wi-$key.yaml"
  "$bin" render "$root/forms/trigger-point/packet.yaml" --data "$work/wi-$key.yaml" \
    -o "$work/wi-$key-render.pdf" 2>"$work/wi-$key.err" ||
    fail "walk-in ($key): render: $(cat "$work/wi-$key.err")"
  check_has "walk-in ($key): the name, in logical order" "$(plain_text "$work/wi-$key.pdf")" \
    "Patient: $wfirst $wlast"
  if cmp -s "$work/wi-$key.pdf" "$work/wi-$key-render.pdf"; then
    ok "walk-in ($key): the preview is the PDF render gives, byte for byte"
  else
    fail "walk-in ($key): the preview and render's PDF differ"
  fi
done
check_eq "JSON: a lone surrogate" \
  "$(post "${url}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{"first_name":"W\ud83d","last_name":"Walker"}}')" 400
check_has "JSON: a lone surrogate: why" "$(cat "$work/body")" '{"error": "the body must be a JSON object"}'
check_eq "JSON: a duplicate key" \
  "$(post "${url}api/print" '{"packet":"tpi-packet","row":4,"row":5}')" 400
check_eq "JSON: \u0000 in a string" \
  "$(post "${url}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{"first_name":"W\u0000x"}}')" 400
check_eq "JSON: nested too deep" \
  "$(post "${url}api/walkin" "$(printf '%.0s[' $(seq 40))")" 400
check_eq "JSON: an array is not an object" "$(post "${url}api/walkin" '[1]')" 400
check_eq "JSON: YAML is not JSON" "$(post "${url}api/walkin" '{packet: tpi-packet, action: preview}')" 400
check_eq "JSON: true for a text field" \
  "$(post "${url}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{"first_name":true,"last_name":"W","dob":"1990-02-03","mrn":"W1","clinician":"X"}}')" 422
check_has "JSON: true for a text field: why" "$(cat "$work/body")" '"first_name": "must be a text"'
check_eq ".. in a static path" "$(code --path-as-is "${url}../../etc/passwd")" 404
check_eq "an encoded .." "$(code --path-as-is "${url}%2e%2e/%2e%2e/etc/passwd")" 404
check_eq "a file that is not embedded" "$(code "${url}CMakeLists.txt")" 404
check_eq "PUT" "$(code -X PUT "${url}api/print")" 405
many=()
for i in $(seq 80); do many+=(-H "X-Filler-$i: x"); done
check_eq "too many header fields" "$(code "${many[@]}" "${url}api/config")" 431
check_eq "too many header fields: the API's error, not cached" \
  "$(curl -s -D - -o /dev/null "${many[@]}" "${url}api/config" | grep -ciE '^(Cache-Control: no-store|Content-Type: application/json)')" 2
# Header fields over 64 KiB: the API's own 431, JSON and no-store, from
# just over the limit up to what the connection's memory (256 KiB) holds,
# about 250 KiB (a Cookie is held twice: libmicrohttpd parses a copy). Past
# that, libmicrohttpd answers 431 itself, as docs/serve-api.md says. Sizes
# are of the header fields as sent: name, ": ", value and CRLF each.
headers() { # BYTES [cookie]: "STATUS TYPE CACHE BODY" of GET /api/config
  python3 - "${url#http://}" "$1" "${2:-}" <<'EOF'
import socket, sys
host, total, cookie = sys.argv[1].rstrip("/"), int(sys.argv[2]), sys.argv[3] == "cookie"
port = int(host.rsplit(":", 1)[1])
fields = [("Host", host), ("Connection", "close")]
used = sum(len(k) + len(v) + 4 for k, v in fields)
i = 0
while used < total:
    # One big Cookie, or fillers of at most 8000 bytes (a few dozen fields).
    name = "Cookie" if cookie and i == 0 else "X-Filler-%d" % i
    room = total - used - len(name) - 4
    if name == "Cookie":
        value = "c=" + "x" * (room - 2)
    else:
        value = "x" * min(8000, room)
    fields.append((name, value))
    used += len(name) + len(value) + 4
    i += 1
assert used == total, (used, total)
req = "GET /api/config HTTP/1.1\r\n" + "".join("%s: %s\r\n" % kv for kv in fields) + "\r\n"
s = socket.create_connection(("127.0.0.1", port), timeout=5)
try:
    s.sendall(req.encode())
except OSError:
    pass
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
except OSError:
    pass
head, _, body = data.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
h = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
status = lines[0].split(" ")[1] if lines[0] else "none"
print(status, h.get("content-type", "-").split(";")[0], h.get("cache-control", "-"),
      body[:80].decode("utf-8", "replace").strip() if status != "200" else "")
EOF
}
too_big='431 application/json no-store {"error": "the request'"'"'s header fields are larger than 64 KiB"}'
check_eq "header fields of exactly 64 KiB pass" "$(headers 65536)" "200 application/json no-store "
check_eq "header fields one byte over 64 KiB" "$(headers 65537)" "$too_big"
check_eq "header fields of 128 KiB" "$(headers 131072)" "$too_big"
check_eq "header fields of 200 KiB" "$(headers 204800)" "$too_big"
check_eq "header fields of 240 KiB" "$(headers 245760)" "$too_big"
check_eq "one Cookie of 100 KiB" "$(headers 102400 cookie)" "$too_big"
check_eq "past the connection's memory (320 KiB): libmicrohttpd's own 431" \
  "$(headers 327680 | cut -d' ' -f1-3)" "431 - -"
check_eq "still serving after all that" "$(code "${url}api/config")" 200

# The scheduling system writes a new list: the page sees it.
sleep 0.6 # past the settle time of the first load's file
check_has "a list read whole is not stale" "$(curl -s "${url}api/patients")" '"stale": null'
# Zed has no appointment date and no clinician, which the consent prints;
# Yve's packets column names only a packet this server does not offer, Uma's
# one it offers and one it does not, Vic's none at all (separators only).
printf '%s\n' 'first_name,last_name,dob,mrn,appointment_date,clinician,packets' \
  'Zed,Newrow,1980-01-01,Z9,,,' 'Yve,Other,1981-02-03,Y8,,,other-packet' \
  'Uma,Third,1982-03-04,U7,2026-12-01,Dr. Ana Ruiz,"tpi-packet, other-packet"' \
  'Vic,Fourth,1983-04-05,V6,2026-12-01,Dr. Ana Ruiz," ; ,"' >"$work/today.new"
mv "$work/today.new" "$work/today.csv"
sleep 0.7
code "${url}api/patients" >/dev/null
list=$(cat "$work/body")
check_has "the new list" "$list" '"first_name": "Zed"'
check_has "an empty packets column: every packet; what the packet needs and the row lacks" "$list" \
  '"mrn": "Z9", "appointment_date": null, "appointment_time": null, "clinician": null, "language": "en", "packets": ["tpi-packet"], "missing": {"tpi-packet": ["appointment_date", "clinician"]}, "problems": []}'
check_has "a packets column: only the packets it names, and a packet not offered is a row problem" "$list" \
  '"mrn": "Y8", "appointment_date": null, "appointment_time": null, "clinician": null, "language": "en", "packets": [], "missing": {}, "problems": ["column packets names a packet this server does not offer (it offers tpi-packet)"]}'
check_has "a packets column naming one packet offered and one not" "$list" \
  '"mrn": "U7", "appointment_date": "2026-12-01", "appointment_time": null, "clinician": "Dr. Ana Ruiz", "language": "en", "packets": ["tpi-packet"], "missing": {}, "problems": ["column packets names a packet this server does not offer (it offers tpi-packet)"]}'
check_has "a packets column with separators only names no packet: every packet" "$list" \
  '"mrn": "V6", "appointment_date": "2026-12-01", "appointment_time": null, "clinician": "Dr. Ana Ruiz", "language": "en", "packets": ["tpi-packet"], "missing": {}, "problems": []}'
check_eq "a row marked as missing a field: its preview is indeed refused" \
  "$(code "${url}api/preview?packet=tpi-packet&row=2")" 422
check_eq "a row with nothing missing: its preview renders" \
  "$(curl -s -o /dev/null -w '%{http_code}' "${url}api/preview?packet=tpi-packet&row=4")" 200
# A broken new list: the last good one stays, the log says why, and the
# list says it is stale: since when and why, without a patient's data.
cp "$work/today.csv" "$work/today.good"
: >"$work/today.csv"
sleep 0.7
code "${url}api/patients" >/dev/null
check_has "a broken list: the last good one stays" "$(cat "$work/body")" '"first_name": "Zed"'
check_has "a broken list: the log says why" "$(logs)" \
  "serve: the list changed but cannot be read; keeping the last one: the file is empty"
stale=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["stale"]))' "$work/body")
check_eq "a broken list: the list says it is stale, since when and why" \
  "$(printf '%s' "$stale" | sed -E 's/"since": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"/"since": "TIME"/')" \
  '{"since": "TIME", "reason": "the file is empty: a CSV needs a header row"}'
check_has "a broken list: still stale on the next request (the log says it once, the list every time)" \
  "$(curl -s "${url}api/patients")" '"stale": {"since": '
mv "$work/today.good" "$work/today.csv"
sleep 0.7
check_has "the list readable again: no longer stale" "$(curl -s "${url}api/patients")" '"stale": null'
# The list removed and not put back: stale once it has been gone for the
# settle time (a list replaced by rename is never missing at all).
cp "$work/today.csv" "$work/today.good"
rm "$work/today.csv"
curl -s -o /dev/null "${url}api/patients"
sleep 0.7
check_has "a list that is gone: stale, and why" "$(curl -s "${url}api/patients")" \
  '"reason": "cannot read the day'"'"'s list: No such file or directory"}'
mv "$work/today.good" "$work/today.csv"
sleep 0.7
check_has "a list that is back: no longer stale" "$(curl -s "${url}api/patients")" '"stale": null'

# The list replaced by a FIFO, then by a link to /dev/zero (issue 12): no
# request blocks or spins, the page keeps the last good list and the log
# says why, and SIGTERM still stops the server at once.
sleep 0.7
code -m 3 "${url}api/patients" >/dev/null
rm -f "$work/today.csv"
mkfifo "$work/today.csv"
sleep 0.7 # past the settle time of the FIFO's own mtime
ms() { date +%s%3N; }
t0=$(ms)
check_eq "a FIFO for a list: the page still answers" "$(code -m 3 "${url}api/patients")" 200
check_has "a FIFO for a list: the last good list stays" "$(cat "$work/body")" '"first_name": "Zed"'
check_eq "a FIFO for a list: and answers again" "$(code -m 3 "${url}api/patients")" 200
check_eq "a FIFO for a list: at once" "$(($(ms) - t0 < 2000))" 1
check_has "a FIFO for a list: the log says why" "$(logs)" \
  "keeping the last one: not a regular file (a FIFO): the day's list must be a file"
check_has "a FIFO for a list: the list says it is stale, and why" "$(cat "$work/body")" \
  '"reason": "not a regular file (a FIFO): the day'"'"'s list must be a file"}'
rm -f "$work/today.csv"
ln -s /dev/zero "$work/today.csv"
t0=$(ms)
check_eq "a link to /dev/zero for a list: the page still answers" \
  "$(code -m 3 "${url}api/patients")" 200
check_has "a link to /dev/zero: the last good list stays" "$(cat "$work/body")" '"first_name": "Zed"'
check_eq "a link to /dev/zero: and a preview (Zed has no clinician)" \
  "$(code -m 3 "${url}api/preview?packet=tpi-packet&row=2")" 422
check_eq "a link to /dev/zero: at once" "$(($(ms) - t0 < 2000))" 1
check_has "a link to /dev/zero: the log says why" "$(logs)" \
  "keeping the last one: not a regular file (a device): the day's list must be a file"
t0=$(ms)
kill -TERM "${pids[0]}"
for _ in $(seq 40); do kill -0 "${pids[0]}" 2>/dev/null || break; sleep 0.05; done
check_eq "SIGTERM stops the server while the list is /dev/zero" \
  "$(kill -0 "${pids[0]}" 2>/dev/null && echo running || echo stopped)" stopped
kill -KILL "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
rm -f "$work/today.csv"
cp "$root/tests/e2e/data/awkward.csv" "$work/today.csv"
mkfifo "$work/fifo.csv"
err=$(timeout 5 "$bin" serve --data "$work/fifo.csv" --forms "$root/forms" --listen 127.0.0.1:0 2>&1)
check_eq "a FIFO for a list at start-up" "$?:$err" \
  "66:$work/fifo.csv: error: not a regular file (a FIFO): the day's list must be a file"
head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$work/huge.csv"
err=$(timeout 5 "$bin" serve --data "$work/huge.csv" --forms "$root/forms" --listen 127.0.0.1:0 2>&1)
check_eq "a list larger than the limit" "$?:$err" \
  "65:$work/huge.csv: error: larger than 8 MiB: not a day's list"
rm -f "$work/huge.csv" "$work/fifo.csv"


# A listener other than loopback: refused without a token; with one, every
# request carries it (header, or the cookie set by /?token=).
err=$("$bin" serve --data "$work/today.csv" --forms "$root/forms" --listen 0.0.0.0:0 2>&1)
check_eq "0.0.0.0 without a token" "$?" 64
check_has "0.0.0.0 without a token: why" "$err" "needs --token-file"
# Weak tokens and token files others can read are refused, saying what is
# needed; --new-token writes a strong one, 0600, and never shows it.
refused() { # TOKEN-FILE: "status:last line" of a serve that must not start
  local out
  out=$(timeout 5 "$bin" serve --data "$work/today.csv" --forms "$root/forms" \
    --listen 0.0.0.0:0 --allow-host desk.local --token-file "$1" 2>&1)
  echo "$?:${out##*$'\n'}"
}
(umask 077 && printf 'aaaaaaaaaaaaaaaa\n' >"$work/weak")
check_eq "token: 16 times the same letter" "$(refused "$work/weak")" \
  "78:$work/weak: error: the token is too weak: it has fewer than 32 characters (medpacket serve --new-token FILE makes a strong one)"
(umask 077 && printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n' >"$work/weak")
check_eq "token: 40 times the same letter" "$(refused "$work/weak")" \
  "78:$work/weak: error: the token is too weak: it is too predictable (repeats, runs or few different characters); it needs about 128 random bits, such as 32 random letters and digits (medpacket serve --new-token FILE makes a strong one)"
(umask 077 && printf 'abcdefghijklmnopqrstuvwxyz0123456789\n' >"$work/weak")
check_has "token: a run of the alphabet" "$(refused "$work/weak")" "78:$work/weak: error: the token is too weak: it is too predictable"
(umask 077 && printf 'x7Kq9Lm2pR4tZ8wEx7Kq9Lm2pR4tZ8wE\n' >"$work/weak")
check_has "token: a repeated half" "$(refused "$work/weak")" "78:$work/weak: error: the token is too weak: it is too predictable"
out=$("$bin" serve --new-token "$work/token" 2>"$work/nt.err")
check_eq "--new-token: exit status" "$?" 0
tok=$(cat "$work/token")
check_eq "--new-token: the file's mode" "$(stat -c %a "$work/token")" 600
check_eq "--new-token: 43 characters a URL and a cookie carry as they are" \
  "$(printf '%s' "$tok" | grep -cE '^[A-Za-z0-9_-]{43}$')" 1
check_eq "--new-token: says where, never what" "$out" \
  "medpacket: wrote a new token to $work/token (mode 0600); start with --token-file $work/token"
check_eq "--new-token: nothing on stderr" "$(cat "$work/nt.err")" ""
err=$("$bin" serve --new-token "$work/token" 2>&1)
check_eq "--new-token: an existing file is kept" "$?:$err:$(cat "$work/token")" \
  "73:$work/token: error: the file exists (--force replaces it):$tok"
out=$("$bin" serve --new-token "$work/token" --force 2>&1)
check_eq "--new-token --force: replaced" "$?:$(stat -c %a "$work/token"):$([ "$(cat "$work/token")" != "$tok" ] && echo new)" \
  "0:600:new"
case "$out" in *"$(cat "$work/token")"*) fail "--new-token --force: the token was printed" ;; esac
tok=$(cat "$work/token")
err=$("$bin" serve --new-token "$work/token2" --data "$work/today.csv" 2>&1)
check_eq "--new-token does nothing else" "$?:$err:$([ -e "$work/token2" ] && echo written)" \
  "64:medpacket: error: --new-token FILE only writes a token (then serve with --token-file FILE):"
err=$("$bin" serve --data "$work/today.csv" --force 2>&1)
check_eq "--force alone" "$?:$err" "64:medpacket: error: --force goes with --new-token FILE"
ln -s "$work/planted" "$work/token3"
err=$("$bin" serve --new-token "$work/token3" 2>&1)
check_eq "--new-token: never through a link planted at the name" \
  "$?:$([ -e "$work/planted" ] && echo followed)" "73:"
chmod 640 "$work/token"
check_eq "token: a file others can read" "$(refused "$work/token")" \
  "78:$work/token: error: others can read this token file (mode 0640): chmod 600 $work/token"
chmod 600 "$work/token"
serve_start tok --listen 0.0.0.0:0 --token-file "$work/token" --allow-host desk.local || { finish; exit 1; }
check_has "token: the address shown" "$url" "http://desk.local:"
port=${url##*:}
port=${port%/}
url=http://127.0.0.1:$port/
check_eq "token: missing" "$(code "${url}api/patients")" 401
check_eq "token: wrong" "$(code -H 'Authorization: Bearer nope-nope-nope-nope' "${url}api/patients")" 401
check_eq "token: Bearer" "$(code -H "Authorization: Bearer $tok" "${url}api/patients")" 200
hdr=$(curl -s -D - -o /dev/null "${url}?token=$tok")
check_has "token: /?token= sets the cookie" "$hdr" "mp_token=$tok; HttpOnly; SameSite=Strict"
check_eq "token: the cookie" "$(code -b "mp_token=$tok" "${url}api/patients")" 200
check_eq "token: an allowed host name" \
  "$(code -H "Host: desk.local:$port" -H "Authorization: Bearer $tok" "${url}api/config")" 200
# Guessing the token: a few wrong ones per address, then 429 with a
# Retry-After that doubles with each further wrong one; the right token is
# refused too while the address waits. Each case from an address of its own
# (curl --interface: all of 127/8 is this machine).
guess() { # ADDRESS TOKEN
  curl -s -o "$work/body" -D "$work/hdr" -w '%{http_code}' -m 3 --interface "$1" \
    -H "Authorization: Bearer $2" "${url}api/config"
}
got=""
for i in 1 2 3 4 5 6 7; do got="$got $(guess 127.0.0.2 "wrong-guess-$i-0123456789abcdefghijklmnop")"; done
check_eq "guessing: five wrong tokens, then wait" "$got" " 401 401 401 401 401 429 429"
check_has "guessing: Retry-After" "$(cat "$work/hdr")" "Retry-After: 1"
check_has "guessing: the message" "$(cat "$work/body")" \
  '{"error": "too many wrong tokens from this address: try again in 1 s"}'
check_eq "guessing: the right token waits too" "$(guess 127.0.0.2 "$tok")" 429
sleep 1.1
check_eq "guessing: after the wait, one more try" "$(guess 127.0.0.2 wrong-again-0123456789abcdefghijklmnop)" 401
check_eq "guessing: and a longer wait" "$(guess 127.0.0.2 "$tok")$(grep -o 'Retry-After: [0-9]*' "$work/hdr")" \
  "429Retry-After: 2"
check_eq "guessing: another address is not held up" "$(guess 127.0.0.3 "$tok")" 200
got=""
for i in 1 2 3 4 5 6 7 8; do got="$got $(guess 127.0.0.4 stale-token-0123456789abcdefghijklmnopq)"; done
check_eq "guessing: a browser repeating a stale cookie is not guessing" "$got" \
  " 401 401 401 401 401 401 401 401"
check_eq "guessing: the stale browser opens the page with the new token" \
  "$(curl -s -o /dev/null -w '%{http_code}' -m 3 --interface 127.0.0.4 \
      -b mp_token=stale-token-0123456789abcdefghijklmnopq "${url}?token=$tok")" 303

# HTTPS (--tls-cert, --tls-key) with a certificate made here: the page's own
# origin is then https:, the token cookie is Secure, and plain HTTP gets no page.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=desk.local -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
serve_start tls --listen 0.0.0.0:0 --token-file "$work/token" --allow-host desk.local \
  --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" || { finish; exit 1; }
check_has "TLS: the address shown" "$url" "https://desk.local:"
port=${url##*:}
port=${port%/}
surl=https://127.0.0.1:$port/
check_eq "TLS: a request with the token" \
  "$(code -k -H "Authorization: Bearer $tok" "${surl}api/config")" 200
hdr=$(curl -sk -D - -o /dev/null "${surl}?token=$tok")
check_has "TLS: the cookie is Secure" "$hdr" "mp_token=$tok; HttpOnly; SameSite=Strict; Path=/; Secure"
check_eq "TLS: the https: origin passes" \
  "$(post "${surl}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{}}' -k \
      -H "Authorization: Bearer $tok" -H "Origin: https://127.0.0.1:$port")" 422
check_eq "TLS: an http: origin is foreign" \
  "$(post "${surl}api/walkin" '{"packet":"tpi-packet","action":"preview","fields":{}}' -k \
      -H "Authorization: Bearer $tok" -H "Origin: http://127.0.0.1:$port")" 403
check_eq "TLS: plain HTTP gets no page" "$(code -m 5 "http://127.0.0.1:$port/api/config")" 000
err=$("$bin" serve --data "$work/today.csv" --forms "$root/forms" --tls-cert "$work/cert.pem" 2>&1)
check_eq "TLS: a certificate without its key" "$?:$err" \
  "64:medpacket: error: --tls-cert and --tls-key go together"
err=$("$bin" serve --data "$work/today.csv" --forms "$root/forms" --tls-cert "$work/today.csv" \
  --tls-key "$work/key.pem" 2>&1)
check_eq "TLS: a certificate that is not PEM" "$?:$err" \
  "65:$work/today.csv: error: not a PEM file (-----BEGIN ...)"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=other -days 1 \
  -keyout "$work/key2.pem" -out "$work/cert2.pem" >/dev/null 2>&1
err=$("$bin" serve --data "$work/today.csv" --forms "$root/forms" --listen 127.0.0.1:0 \
  --tls-cert "$work/cert.pem" --tls-key "$work/key2.pem" 2>&1)
check_eq "TLS: a key that is not the certificate's" "$?:${err##*$'\n'}" \
  "78:medpacket: error: cannot start the HTTPS server (is the key the certificate's?)"
check_has "without TLS off loopback: a warning" "$(logs)" \
  "serve: warning: without --tls-cert/--tls-key the token"

# --no-print: previews only; --packet names the packets instead of --forms.
"$bin" serve --data "$work/today.csv" --packet "$root/forms/trigger-point/packet.yaml" \
  --no-print --listen 127.0.0.1:0 >"$work/np.out" 2>"$work/np.log" &
pids+=($!)
serve_wait np
check_has "--no-print: the page is told" "$(curl -s "${url}api/config")" '"can_print": false'
check_eq "--no-print: Print is refused" "$(post "${url}api/print" '{"packet":"tpi-packet","row":2}')" 403
# A version with a space, a comma and a colon in it: the log writes those
# bytes %XX, so that the forms stay one word that splits one way.
mkdir "$work/v" && cp -r "$root/forms" "$root/keys" "$work/v/"
sed -i 's/^version: "1.0"/version: "1.0 rev, b:2"/' "$work/v/forms/trigger-point/consent.yaml"
"$bin" serve --data "$work/today.csv" --packet "$work/v/forms/trigger-point/packet.yaml" \
  --no-print --listen 127.0.0.1:0 >"$work/ver.out" 2>"$work/ver.log" &
pids+=($!)
serve_wait ver
check_eq "an odd version: preview" "$(code "${url}api/preview?packet=tpi-packet&row=4")" 200
vfp=$(check_forms "$work/v/forms/trigger-point/consent.yaml" | awk '{ print $NF }')
for _ in $(seq 50); do grep -q 'GET /api/preview 200' "$work/ver.log" && break; sleep 0.05; done
check_has "an odd version: written %XX in the log" \
  "$(grep -F 'GET /api/preview 200' "$work/ver.log")" ",tpi-consent@1.0%20rev%2C%20b%3A2:$vfp"
err=$("$bin" serve --data "$work/today.csv" --forms "$work" 2>&1)
check_eq "a forms folder without packets" "$?:$err" \
  "66:$work: error: no packet here (expected FOLDER/packet.yaml for each packet)"
err=$("$bin" serve --data "$work/nope.csv" --forms "$root/forms" 2>&1)
check_eq "a list that is not there" "$?" 66

# The log names routes, statuses and rows, never the patients' data.
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
pids=()
log=$(logs)
check_has "the log has the routes" "$log" "serve: GET /api/preview 200 row=4"
# A preview or a print names the forms its PDF holds, with the wording
# fingerprints `check --json` reports, in packet order, in the language
# printed: ID@VERSION:FINGERPRINT, comma-separated, one word.
log_forms() { # PACKET
  check_forms "$1" | awk '{ printf "%s%s@%s:%s", (NR > 1 ? "," : ""), $1, $2, $3 }'
}
en=$(log_forms "$root/forms/trigger-point/packet.yaml")
es=$(log_forms "$root/forms/trigger-point/es/packet.yaml")
# Each packet's two forms, then the clinic's language notice in 16 languages.
notice=$(for t in "" -es -zh-Hant -vi -tl -ko -hy -fa -ru -ja -ar -pa -km -hmn -hi -th; do
  printf ',language-notice%s@1.0:FP' "$t"; done)
check_eq "the forms as check --json reports them" \
  "$(printf '%s %s' "$en" "$es" | sed -E 's/[0-9a-f]{64}/FP/g')" \
  "tpi-handout@1.0:FP,tpi-consent@1.0:FP$notice tpi-handout-es@1.0:FP,tpi-consent-es@1.0:FP$notice"
main=$(cat "$work/main.log") # the server of the shipped forms
row4=$(printf '%s\n' "$main" | grep -F 'serve: GET /api/preview 200 row=4 ' | head -1)
check_eq "the log: row 4's preview names its English forms and their fingerprints" \
  "$(printf '%s' "$row4" | sed -E 's/ [0-9.]+ ms / T ms /')" "serve: GET /api/preview 200 row=4 T ms forms=$en"
check_eq "the log: every preview of the day's (English) list, likewise" \
  "$(printf '%s\n' "$main" | grep -F 'serve: GET /api/preview 200 ' | grep -cvF " ms forms=$en")" 0
# (The first walk-in answered 200 is the one previewed in Spanish.)
check_eq "the log: the walk-in previewed in Spanish names the Spanish forms" \
  "$(printf '%s\n' "$main" | grep -F 'serve: POST /api/walkin 200 ' | head -1 | sed -E 's/ [0-9.]+ ms / T ms /')" \
  "serve: POST /api/walkin 200 T ms forms=$es"
check_eq "the log: nothing printed, no forms (refused, failed, or a print CUPS did not take)" \
  "$(printf '%s\n' "$log" | grep -E '^serve: [A-Z]+ [^ ]+ [0-9]+ ' | grep -v -E '^serve: [A-Z]+ [^ ]+ 200 ' | grep -c ' forms=')" 0
check_has "serve --help: what the log records of the forms" "$("$bin" serve --help)" \
  "check --json' gives them): \" forms=ID@VERSION:FINGERPRINT,...\""
check_eq "the log's forms name no patient: not row 4's name or record number, not the walk-in's, no booking URL" \
  "$(printf '%s\n' "$log" | grep -F ' forms=' | grep -c -i -e 'Siobh' -e "O'Brien" -e A1003 -e Wanda -e Walker -e W1 -e http -e harborview)" 0
# Status lines, the address among them, go to standard error: a service
# manager may leave standard output a pipe that no one reads.
outs=""
for f in "$work"/*.out; do [ -s "$f" ] && outs="$outs ${f##*/}"; done
check_eq "serve writes nothing to standard output" "$outs" ""
check_has "the address is on standard error" "$(cat "$work/main.log")" "medpacket: serving on http://127.0.0.1:"
check_has "so is how to open it with the token" "$(cat "$work/tok.log")" \
  "medpacket: open it once as http://desk.local:"
logs >"$work/all-logs.txt"
leaks=$(python3 - "$root/tests/e2e/data/awkward.csv" "$work/all-logs.txt" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", errors="replace")))
log = open(sys.argv[2], encoding="utf-8").read()
words = set()
for r in rows:
    for k in ("First Name", "Last Name", "MRN", "DOB"):
        v = (r.get(k) or "").strip()
        if len(v) >= 3:
            words.add(v)
words |= {"Wanda", "Walker", "Zed", "Newrow", "Yve", "Uma", "Vic", "Fourth"}
print(" ".join(sorted(w for w in words if w in log)))
EOF
)
check_eq "the log holds no patient's name, date of birth or record number" "$leaks" ""

finish
