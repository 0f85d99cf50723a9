#!/usr/bin/env bash
# medpacket serve over real HTTP (curl): the day's list, previews whose PDF
# holds the right patient, walk-in validation, the list read again when the
# file changes, and every guard: a foreign Host (DNS rebinding), a foreign
# Origin on POST, GET to Print, a form post, an oversized body (with and
# without Content-Length), ".." in a static path, the token on a
# non-loopback listener, and a server log without a patient's data.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export SOURCE_DATE_EPOCH=1764547200
# No CUPS here: printing must fail cleanly (the print test has a real one).
export CUPS_SERVER=127.0.0.1:9
cp "$root/tests/e2e/data/awkward.csv" "$work/today.csv"

# start NAME ARGS...: runs serve in the background; sets url to its address.
start() {
  local name=$1
  shift
  "$bin" serve --data "$work/today.csv" --forms "$root/forms" "$@" \
    >"$work/$name.out" 2>>"$work/server.log" &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(sed -n 's/^medpacket: serving on //p' "$work/$name.out" 2>/dev/null)
    [ -n "$url" ] && return 0
    sleep 0.05
  done
  fail "$name: the server did not start: $(cat "$work/server.log")"
  return 1
}
code() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
save() { local out=$1; shift; curl -s -o "$out" -w '%{http_code}' "$@"; }

start main --listen 127.0.0.1:0 || { finish; exit 1; }
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

check_eq "/api/patients" "$(code "${url}api/patients")" 200
list=$(cat "$work/body")
check_has "the list: a patient" "$list" '"first_name": "Siobhán", "last_name": "O'"'"'Brien"'
check_has "the list: the patient's language" "$list" '"mrn": "A1005"'
check_has "the list: a bad row, by number and column only" "$list" \
  '{"row": 13, "problem": "column dob is not a date that exists (check the month and the day)"}'

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
r=rows[int(sys.argv[2])-1]; print(r[0]+" "+r[1])' "$work/today.csv" "$row")
  pdftotext -f 4 -l 4 "$f" - 2>/dev/null | grep -qF "Patient: $want" || mixed=$((mixed + 1))
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
  '"language": "is not a language of this packet (en, es)"'
check_eq "print: CUPS does not answer" "$(post "${url}api/print" '{"packet":"tpi-packet","row":4}')" 502
check_has "print: the error says so" "$(cat "$work/body")" "CUPS"

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
check_eq ".. in a static path" "$(code --path-as-is "${url}../../etc/passwd")" 404
check_eq "an encoded .." "$(code --path-as-is "${url}%2e%2e/%2e%2e/etc/passwd")" 404
check_eq "a file that is not embedded" "$(code "${url}CMakeLists.txt")" 404
check_eq "PUT" "$(code -X PUT "${url}api/print")" 405
many=()
for i in $(seq 80); do many+=(-H "X-Filler-$i: x"); done
check_eq "too many header fields" "$(code "${many[@]}" "${url}api/config")" 431
check_eq "still serving after all that" "$(code "${url}api/config")" 200

# The scheduling system writes a new list: the page sees it.
sleep 0.6 # past the settle time of the first load's file
printf 'first_name,last_name,dob,mrn,packets\nZed,Newrow,1980-01-01,Z9,\nYve,Other,1981-02-03,Y8,other-packet\n' \
  >"$work/today.new"
mv "$work/today.new" "$work/today.csv"
sleep 0.7
code "${url}api/patients" >/dev/null
check_has "the new list" "$(cat "$work/body")" '"first_name": "Zed"'
check_has "an empty packets column: every packet" "$(cat "$work/body")" \
  '"mrn": "Z9", "appointment_date": null, "appointment_time": null, "clinician": null, "language": "en", "packets": ["tpi-packet"]'
check_has "a packets column: only the packets it names" "$(cat "$work/body")" \
  '"mrn": "Y8", "appointment_date": null, "appointment_time": null, "clinician": null, "language": "en", "packets": []'
# A broken new list: the last good one stays, and the log says why.
cp "$work/today.csv" "$work/today.good"
: >"$work/today.csv"
sleep 0.7
code "${url}api/patients" >/dev/null
check_has "a broken list: the last good one stays" "$(cat "$work/body")" '"first_name": "Zed"'
check_has "a broken list: the log says why" "$(cat "$work/server.log")" \
  "serve: the list changed but cannot be read; keeping the last one: the file is empty"
mv "$work/today.good" "$work/today.csv"


# A listener other than loopback: refused without a token; with one, every
# request carries it (header, or the cookie set by /?token=).
err=$("$bin" serve --data "$work/today.csv" --forms "$root/forms" --listen 0.0.0.0:0 2>&1)
check_eq "0.0.0.0 without a token" "$?" 64
check_has "0.0.0.0 without a token: why" "$err" "needs --token-file"
tok=tok-0123456789abcdef
printf '%s\n' "$tok" >"$work/token"
start tok --listen 0.0.0.0:0 --token-file "$work/token" --allow-host desk.local || { finish; exit 1; }
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

# HTTPS (--tls-cert, --tls-key) with a certificate made here: the page's own
# origin is then https:, the token cookie is Secure, and plain HTTP gets no page.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=desk.local -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
start tls --listen 0.0.0.0:0 --token-file "$work/token" --allow-host desk.local \
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
check_has "without TLS off loopback: a warning" "$(cat "$work/server.log")" \
  "serve: warning: without --tls-cert/--tls-key the token"

# --no-print: previews only; --packet names the packets instead of --forms.
"$bin" serve --data "$work/today.csv" --packet "$root/forms/trigger-point/packet.yaml" \
  --no-print --listen 127.0.0.1:0 >"$work/np.out" 2>>"$work/server.log" &
pids+=($!)
for _ in $(seq 100); do
  url=$(sed -n 's/^medpacket: serving on //p' "$work/np.out" 2>/dev/null)
  [ -n "$url" ] && break
  sleep 0.05
done
check_has "--no-print: the page is told" "$(curl -s "${url}api/config")" '"can_print": false'
check_eq "--no-print: Print is refused" "$(post "${url}api/print" '{"packet":"tpi-packet","row":2}')" 403
err=$("$bin" serve --data "$work/today.csv" --forms "$work" 2>&1)
check_eq "a forms folder without packets" "$?:$err" \
  "66:$work: error: no packet here (expected FOLDER/packet.yaml for each packet)"
err=$("$bin" serve --data "$work/nope.csv" --forms "$root/forms" 2>&1)
check_eq "a list that is not there" "$?" 66

# The log names routes, statuses and rows, never the patients' data.
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
pids=()
log=$(cat "$work/server.log")
check_has "the log has the routes" "$log" "serve: GET /api/preview 200 row=4"
leaks=$(python3 - "$root/tests/e2e/data/awkward.csv" "$work/server.log" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", errors="replace")))
log = open(sys.argv[2], encoding="utf-8").read()
words = set()
for r in rows:
    for k in ("First Name", "Last Name", "MRN", "DOB"):
        v = (r.get(k) or "").strip()
        if len(v) >= 3:
            words.add(v)
words |= {"Wanda", "Walker", "Zed", "Newrow", "Yve"}
print(" ".join(sorted(w for w in words if w in log)))
EOF
)
check_eq "the log holds no patient's name, date of birth or record number" "$leaks" ""

finish
