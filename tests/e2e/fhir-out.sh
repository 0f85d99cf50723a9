#!/usr/bin/env bash
# End to end (issue 20): what was printed, filed back as FHIR R4
# DocumentReferences, checked with software no one here wrote. render and
# batch with --fhir-out and --fhir-bundle: every record and the Bundle valid
# FHIR R4 by Medplum's validator (tests/fhir/validate.mjs), each
# attachment's size and SHA-1 hash those of its PDF file, its inline data or
# its Binary the PDF itself, the masterIdentifier the UUID of the PDF's
# SHA-256, the subject by record number (a CSV) or by Patient id (a FHIR
# day), the LOINC codes of a consent and of a handout. Then --fhir-post to a
# FHIR server (Medplum's router, tests/fhir/server.mjs) with a bearer token:
# the ids reported are the server's and a search finds them by identifier
# and by subject; a rerun with --skip-existing sends nothing; a PDF deleted
# is sent again and found there (ifNoneExist), not duplicated; a bad token
# and a wrong base are refused with the server's OperationOutcome text, and
# a server that is down stops the run with 69 and no PDF kept.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
fhir=$root/tests/fhir
if ! command -v node >/dev/null; then
  echo "skip: node is not installed"
  exit 77
fi
for module in core definitions fhir-router; do
  if [ ! -d "$fhir/node_modules/@medplum/$module" ]; then
    echo "skip: tests/fhir/node_modules/@medplum/$module is missing (tests/fhir/modules.sh installs it)"
    exit 77
  fi
done
pids=()
new_dated_workdir stop_servers
cd "$work" || exit 1
packet=$root/forms/trigger-point/packet.yaml
consent=$root/forms/trigger-point/consent.yaml
handout=$root/forms/trigger-point/handout.yaml
csv=$root/tests/e2e/data/awkward.csv
day=$fhir/data/day-searchset.json

# The server loads FHIR's definitions for two seconds: started first.
"$bin" new-key token >/dev/null 2>&1
node "$fhir/server.mjs" --port 0 --token "$(cat token)" >server.out 2>server.log &
pids+=($!)

# check_records JSONS...: each record (a DocumentReference with its PDF
# inline, or a Bundle of Binaries and DocumentReferences) against the PDF
# files in the folders given in PDFDIRS (":"-separated): the attachment's
# size and base64 SHA-1 hash, the data or the Binary's data decoded, the
# masterIdentifier the UUID of the PDF's SHA-256; prints one line a problem,
# and "N documents checked".
check_records() {
  python3 - "$@" <<'PY'
import base64, glob, hashlib, json, os, sys, uuid
NS = uuid.UUID("ed1c8d6e-a0f5-4153-a4fb-42f793d09cc7")
pdfs = {}
for d in os.environ["PDFDIRS"].split(":"):
    for p in glob.glob(os.path.join(d, "*.pdf")):
        data = open(p, "rb").read()
        pdfs[hashlib.sha1(data).digest()] = (p, data)
bad = n = 0
def problem(where, what):
    global bad
    bad += 1
    print(f"{where}: {what}")
def check(where, doc, binaries):
    global n
    att = doc["content"][0]["attachment"]
    if "data" in att:
        data = base64.b64decode(att["data"], validate=True)
    else:
        data = binaries.get(att.get("url"))
        if data is None:
            return problem(where, f"attachment.url {att.get('url')} names no Binary")
    digest = hashlib.sha1(data).digest()
    if digest not in pdfs:
        return problem(where, "its PDF is none of the files written")
    path, pdf = pdfs[digest]
    if data != pdf:
        problem(where, f"the PDF in it is not {path}")
    if att["size"] != len(pdf):
        problem(where, f"size {att['size']}, but {path} has {len(pdf)} bytes")
    if att["hash"] != base64.b64encode(hashlib.sha1(pdf).digest()).decode():
        problem(where, f"hash {att['hash']} is not the SHA-1 of {path}")
    want = "urn:uuid:" + str(uuid.uuid5(NS, hashlib.sha256(pdf).hexdigest()))
    if doc["masterIdentifier"] != {"system": "urn:ietf:rfc:3986", "value": want}:
        problem(where, f"masterIdentifier {doc['masterIdentifier']}, want {want}")
    if att["contentType"] != "application/pdf" or not pdf.startswith(b"%PDF-"):
        problem(where, "not a PDF")
    n += 1
for f in sys.argv[1:]:
    j = json.load(open(f))
    if j["resourceType"] == "DocumentReference":
        check(f, j, {})
        continue
    binaries = {e["fullUrl"]: base64.b64decode(e["resource"]["data"])
                for e in j["entry"] if e["resource"]["resourceType"] == "Binary"}
    for i, e in enumerate(j["entry"]):
        if e["resource"]["resourceType"] != "DocumentReference":
            continue
        req, master = e["request"], e["resource"]["masterIdentifier"]["value"]
        if req != {"method": "POST", "url": "DocumentReference",
                   "ifNoneExist": "identifier=urn:ietf:rfc:3986|" + master}:
            problem(f"{f}: entry {i + 1}", f"request {req}")
        if e["fullUrl"] == master:
            problem(f"{f}: entry {i + 1}", "the fullUrl is the masterIdentifier")
        check(f"{f}: entry {i + 1}", e["resource"], binaries)
print(f"{n} documents checked")
sys.exit(1 if bad else 0)
PY
}
# jq-less: a path of a JSON file ("content.0.attachment.language").
json_at() { # FILE PATH
  python3 - "$1" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
PY
}

# ---- render: one PDF, its record and a Bundle -------------------------------
"$bin" render "$root/tests/fixtures/consent.yaml" --data "$root/tests/fixtures/patient.yaml" \
  -o one.pdf --fhir-out rec1 --fhir-bundle one-bundle.json --json >one.jsonl 2>one.err
check_eq "render --fhir-out --fhir-bundle: exit 0" "$?" 0
check_eq "render: the record is named after the PDF" "$(ls rec1)" "one.json"
check_has "render says where its record went" "$(cat one.err)" "wrote its DocumentReference into rec1"
out=$(PDFDIRS=. check_records rec1/one.json one-bundle.json)
check_eq "render: the record's and the Bundle's size, hash, data and identifier are the PDF's" "$?" 0
printf '%s\n' "$out"
check_eq "render: a consent is typed 64293-4 Procedure consent" \
  "$(json_at rec1/one.json type.coding.0.code) $(json_at rec1/one.json type.coding.0.display)" \
  "64293-4 Procedure consent"
check_eq "render: classed 59284-0" "$(json_at rec1/one.json category.0.coding.0.code)" "59284-0"
check_eq "render: the subject by record number, typed MR" \
  "$(json_at rec1/one.json subject.identifier.value) $(json_at rec1/one.json subject.identifier.type.coding.0.code)" \
  "A1003 MR"
check_eq "render: the clinic, contained, is the author" \
  "$(json_at rec1/one.json author.0.reference) $(json_at rec1/one.json contained.0.resourceType)" \
  "#clinic Organization"
check_eq "render: date and creation are the run's clock (SOURCE_DATE_EPOCH)" \
  "$(json_at rec1/one.json date) $(json_at rec1/one.json content.0.attachment.creation)" \
  "2025-12-01T00:00:00Z 2025-12-01T00:00:00Z"
read -r id version wording < <(check_forms "$root/tests/fixtures/consent.yaml")
check_eq "render: the description names the form, its version and whole wording fingerprint" \
  "$(json_at rec1/one.json description)" \
  "medpacket form $id (en): $id v$version wording sha256:$wording"
"$bin" render "$handout" --data "$root/tests/fixtures/patient.yaml" -o handout.pdf \
  --fhir-out rec1 2>/dev/null
check_eq "render: a handout is typed and classed 34895-3 Education note" \
  "$(json_at rec1/handout.json type.coding.0.code) $(json_at rec1/handout.json category.0.coding.0.code) $(json_at rec1/handout.json type.coding.0.display)" \
  "34895-3 34895-3 Education note"
"$bin" render "$handout" --data "$root/tests/fixtures/patient.yaml" -o handout.pdf --force \
  --fhir-out rec1 --fhir-post http://example.org/fhir 2>err
check_eq "--fhir-post to another machine over plain http: a usage error" "$?" 64
check_eq "  and why" "$(cat err)" \
  "medpacket: error: render: --fhir-post sends patient data: give an https:// URL (http:// only to this machine: 127.0.0.1, [::1] or localhost)"
"$bin" render "$handout" --set patient.first_name=Ana -o walkin.pdf --fhir-out rec1 2>err
check_eq "a patient with neither a Patient id nor a record number: exit 65" "$?" 65
check_eq "  said without the patient's data, and no PDF" "$(cat err) $(ls walkin.pdf 2>&1 | grep -c 'No such')" \
  "--set: error: a DocumentReference names its patient by a FHIR Patient id or a record number (mrn), and this patient has neither 1"

# ---- batch: a CSV and a FHIR day -------------------------------------------
"$bin" batch "$packet" --data "$csv" --out-dir out --fhir-out rec --fhir-bundle day-bundle.json \
  --jobs 2 2>batch.err
check_eq "batch --fhir-out --fhir-bundle: the bad rows fail as ever (exit 65)" "$?" 65
check_eq "a record per PDF, named after it" "$(ls rec | sed 's/\.json$//')" "$(ls out | sed 's/\.pdf$//')"
check_eq "16 records" "$(ls rec | wc -l)" 16
check_has "the summary says the records" "$(cat batch.err)" "wrote 16 DocumentReferences into rec"
# The twins (rows 10 and 11) print the same bytes: a transaction must not
# hold one fullUrl twice, so the Bundle has them once.
check_has "the summary says the Bundle: the twins once" "$(cat batch.err)" \
  "wrote day-bundle.json: a transaction Bundle of 15 DocumentReferences"
out=$(PDFDIRS=out check_records rec/*.json day-bundle.json)
check_eq "batch: each record's and each Bundle entry's size, hash, data and identifier are its PDF's" "$?" 0
printf '%s\n' "$out"
check_eq "records are private (0600)" "$(stat -c %a rec/*.json day-bundle.json | sort -u)" 600
# A resumed run: kept rows are not rendered again, but the new Bundle holds
# them (read back), and a kept row's missing record is written again.
mv rec/2-A1001.json before.json
touch stamp
"$bin" batch "$packet" --data "$csv" --out-dir out --fhir-out rec --fhir-bundle resumed.json \
  --skip-existing 2>resumed.err
check_has "a resumed run skips every row" "$(cat resumed.err)" "0 written, 16 skipped, 4 failed"
check_has "  its Bundle holds the kept rows" "$(cat resumed.err)" \
  "wrote resumed.json: a transaction Bundle of 15 DocumentReferences"
check_eq "  a kept row's missing record is written again, with the same identifier and hash" \
  "$(json_at rec/2-A1001.json masterIdentifier.value) $(json_at rec/2-A1001.json content.0.attachment.hash)" \
  "$(json_at before.json masterIdentifier.value) $(json_at before.json content.0.attachment.hash)"
check_eq "  the other records are left as they were" "$(find rec -newer stamp -name '*.json')" rec/2-A1001.json
out=$(PDFDIRS=out check_records resumed.json)
check_eq "  the resumed Bundle holds the kept PDFs" "$?" 0
# An interrupted run leaves no Bundle (its rerun writes the whole one), and
# no temporary file of it.
MEDPACKET_TEST_INTERRUPT_AFTER=3 "$bin" batch "$packet" --data "$csv" --out-dir cut \
  --fhir-out cutrec --fhir-bundle cut.json --jobs 1 2>cut.err
check_eq "an interrupted run: exit 130" "$?" 130
check_eq "  no Bundle, nor any part of one" "$(ls -a | grep -c 'cut\.json')" 0
check_eq "  a record for each PDF written" "$(ls cutrec | sed 's/json$//')" "$(ls cut | sed 's/pdf$//')"
"$bin" batch "$packet" --data "$day" --out-dir fout --fhir-out frec 2>fday.err
check_eq "batch over a FHIR day with --fhir-out: exit 0" "$?" 0
check_eq "the FHIR day's records: the subject is the Patient, the visit the Appointment" \
  "$(json_at frec/1-A1003.json subject) $(json_at frec/1-A1003.json context.related.0.reference)" \
  '{"reference": "Patient/pt-1001"} Appointment/ap-5001'
check_eq "  in the language printed (José's Spanish)" \
  "$(json_at frec/1-A1003.json content.0.attachment.language)" es
out=$(PDFDIRS=fout check_records frec/*.json)
check_eq "the FHIR day's records hold their PDFs" "$?" 0
printf '%s\n' "$out"
"$bin" batch "$consent" --data "$csv" --merge m.pdf --fhir-out x 2>err
check_eq "batch --fhir-out without --out-dir: a usage error" "$?:$(cat err)" \
  "64:medpacket: error: batch: --fhir-out and --fhir-post go with --out-dir DIR"

# ---- valid FHIR R4, by Medplum's validator ----------------------------------
node "$fhir/validate.mjs" rec1/*.json one-bundle.json rec/*.json day-bundle.json frec/*.json >valid.out 2>&1
check_eq "every record and Bundle is valid FHIR R4 (validate.mjs)" "$?" 0
grep -v '^ok: ' valid.out
check_has "  the day's Bundle: 15 Binaries, 15 DocumentReferences and itself" "$(cat valid.out)" \
  "ok: day-bundle.json: 31 resources valid"

# ---- --fhir-post to a FHIR server -------------------------------------------
for _ in $(seq 200); do
  url=$(sed -n 's/^listening //p' server.out)
  [ -n "$url" ] && break
  sleep 0.05
done
if [ -z "$url" ]; then
  fail "the FHIR server did not start: $(cat server.log)"
  finish
fi
# GET base/QUERY with the token: the searchset's "total" and each entry's id.
search() { # QUERY
  python3 - "$url" "$1" "$(cat token)" <<'PY'
import json, sys, urllib.parse, urllib.request
base, query, token = sys.argv[1:]
path, _, q = query.partition("?")
q = urllib.parse.urlencode(urllib.parse.parse_qsl(q))
req = urllib.request.Request(f"{base}/{path}?{q}", headers={"Authorization": "Bearer " + token})
b = json.load(urllib.request.urlopen(req))
print(b.get("total"), " ".join(sorted(e["resource"]["resourceType"] + "/" + e["resource"]["id"] for e in b.get("entry", []))))
PY
}
posts() { grep -c '^POST /fhir/R4 ' server.log; }
# The day's Patients, under the ids the list names them by, as the EHR has them.
python3 - "$url" "$(cat token)" "$day" <<'PY'
import json, sys, urllib.request
base, token, day = sys.argv[1:]
for e in json.load(open(day))["entry"]:
    r = e["resource"]
    if r["resourceType"] != "Patient":
        continue
    req = urllib.request.Request(f"{base}/Patient/{r['id']}", data=json.dumps(r).encode(), method="PUT",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/fhir+json"})
    urllib.request.urlopen(req)
PY
check_eq "the day's Patients are on the server" "$(search 'Patient?_count=100' | cut -d' ' -f1)" 6

"$bin" batch "$packet" --data "$day" --out-dir post --fhir-post "$url" --fhir-token-file token \
  --json >post.jsonl 2>post.err
check_eq "batch --fhir-post: exit 0" "$?" 0
check_has "the summary: five filed, none there before" "$(cat post.err)" \
  "filed 5 DocumentReferences (0 already there) at $url"
ids=$(python3 -c '
import json, sys
for l in open("post.jsonl"):
    d = json.loads(l)
    if "row" in d:
        print(d["row"], d["fhir"], d["fhir_created"])' | sort)
check_eq "each row's JSON line names the DocumentReference the server made" \
  "$(printf '%s\n' "$ids" | awk '$2 ~ /^DocumentReference\/[A-Za-z0-9-]+$/ && $3 == "True"' | wc -l)" 5
check_has "the summary's JSON counts them" "$(tail -1 post.jsonl)" \
  "\"fhir\":{\"url\":\"$url\",\"filed\":5,\"created\":5,\"already_there\":0}"
jose=$(printf '%s\n' "$ids" | awk '$1 == 1 { print $2 }')
check_eq "José's document is found by his Patient" "$(search 'DocumentReference?subject=Patient/pt-1001')" "1 $jose"
check_eq "  and by patient=" "$(search 'DocumentReference?patient=Patient/pt-1001')" "1 $jose"
master=$(python3 -c '
import hashlib, uuid
print(uuid.uuid5(uuid.UUID("ed1c8d6e-a0f5-4153-a4fb-42f793d09cc7"), hashlib.sha256(open("post/1-A1003.pdf", "rb").read()).hexdigest()))')
check_eq "  and by its identifier, the UUID of its PDF" \
  "$(search "DocumentReference?identifier=urn:ietf:rfc:3986|urn:uuid:$master")" "1 $jose"
check_eq "5 DocumentReferences on the server" "$(search 'DocumentReference?_count=100' | cut -d' ' -f1)" 5

n=$(posts)
"$bin" batch "$packet" --data "$day" --out-dir post --fhir-post "$url" --fhir-token-file token \
  --skip-existing 2>rerun.err
check_eq "a rerun with --skip-existing: exit 0" "$?" 0
check_eq "  sends nothing" "$(($(posts) - n))" 0
check_has "  and says so" "$(cat rerun.err)" "filed 0 DocumentReferences (0 already there)"
check_eq "  still 5 DocumentReferences" "$(search 'DocumentReference?_count=100' | cut -d' ' -f1)" 5

rm post/1-A1003.pdf
n=$(posts)
"$bin" batch "$packet" --data "$day" --out-dir post --fhir-post "$url" --fhir-token-file token \
  --skip-existing --json >again.jsonl 2>again.err
check_eq "a PDF deleted: the rerun sends that row only" "$(($(posts) - n))" 1
check_has "  the server had it: ifNoneExist found it" "$(cat again.err)" \
  "filed 1 DocumentReference (1 already there)"
check_eq "  the row's line names the same DocumentReference, not a new one" \
  "$(python3 -c '
import json
for l in open("again.jsonl"):
    d = json.loads(l)
    if d.get("row") == 1: print(d["status"], d["fhir"], d["fhir_created"])')" "ok $jose False"
check_eq "  no duplicate on the server" "$(search 'DocumentReference?_count=100' | cut -d' ' -f1)" 5
check_eq "  and the PDF is back" "$(ls post/1-A1003.pdf)" "post/1-A1003.pdf"

# The awkward list's twins (rows 10 and 11, one PDF): the second is found.
"$bin" batch "$consent" --data "$csv" --out-dir csvpost --fhir-post "$url" --fhir-token-file token \
  --json >csvpost.jsonl 2>csvpost.err
check_has "a CSV list: 16 filed, the twin found there" "$(cat csvpost.err)" \
  "filed 16 DocumentReferences (1 already there)"
first=$(python3 -c '
import json
for l in open("csvpost.jsonl"):
    d = json.loads(l)
    if d.get("row") == 2: print(d["fhir"])')
check_eq "  its subject on the server: the record number, typed MR" "$(python3 - "$url/$first" "$(cat token)" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
s = json.load(urllib.request.urlopen(req))["subject"]["identifier"]
print(s["value"], s["type"]["coding"][0]["code"])
PY
)" "A1001 MR"

# The Bundle, posted as an EHR's import would: Medplum's router takes a
# transaction with conditional entries of at most 8 entries, so its first
# two rows (4 entries). The server rewrites attachment.url to the Binary's
# new id, and the Binary holds the PDF.
out=$(python3 - "$url" "$(cat token)" <<'PY'
import base64, hashlib, json, sys, urllib.request
base, token = sys.argv[1:]
def call(path, body=None):
    req = urllib.request.Request(base + path, data=body and json.dumps(body).encode(),
                                 method="POST" if body else "GET",
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/fhir+json"})
    return json.load(urllib.request.urlopen(req))
b = json.load(open("day-bundle.json"))
b["entry"] = b["entry"][:4]
answer = call("", b)
print(" ".join(e["response"]["status"].split()[0] for e in answer["entry"]))
for i in (1, 3):
    doc = call("/" + answer["entry"][i]["response"]["location"].split("/_history")[0])
    binary = answer["entry"][i - 1]["response"]["location"].split("/_history")[0]
    att = doc["content"][0]["attachment"]
    pdf = base64.b64decode(call("/" + binary)["data"])
    ok = att["url"] == binary and base64.b64encode(hashlib.sha1(pdf).digest()).decode() == att["hash"]
    print("url names the Binary, which holds the PDF" if ok else f"url {att['url']}, Binary {binary}")
PY
)
check_eq "the Bundle posted: created, each url rewritten to its Binary, which holds its PDF" "$out" \
  "$(printf '201 201 201 201\nurl names the Binary, which holds the PDF\nurl names the Binary, which holds the PDF')"

# ---- refusals -----------------------------------------------------------------
printf 'not-the-token-but-long-and-random-enough-8Kq2xZ7w\n' >bad-token
chmod 600 bad-token
rm post/2-A1021.pdf
"$bin" batch "$packet" --data "$day" --out-dir post --fhir-post "$url" --fhir-token-file bad-token \
  --skip-existing 2>refused.err
check_eq "a token the server refuses: exit 65" "$?" 65
check_eq "  the row, the HTTP status and the OperationOutcome's words, and the run stops" \
  "$(cat refused.err)" \
  "$day: entry 2 (Appointment/ap-5002): error: the FHIR server refused the DocumentReference (HTTP 401): Unauthorized (every row would be refused alike: check --fhir-token-file); the batch stopped there (resume with --skip-existing)"
check_eq "  its PDF is not written" "$(ls post/2-A1021.pdf 2>/dev/null | wc -l)" 0
"$bin" batch "$packet" --data "$day" --out-dir post --fhir-post "${url%/fhir/R4}/fhir/R5" \
  --fhir-token-file token --skip-existing 2>refused.err
check_eq "a base URL the server does not serve: exit 65" "$?" 65
check_has "  with its OperationOutcome's words, and the run stops" "$(cat refused.err)" \
  "error: the FHIR server refused the DocumentReference (HTTP 404): Not found (every row would be refused alike: check that --fhir-post names the server's base URL); the batch stopped there"
# A URL below the base names a resource type to the router: each row's
# transaction is refused (400) with its words, and the run goes on.
"$bin" batch "$packet" --data "$day" --out-dir post --fhir-post "$url/nowhere" \
  --fhir-token-file token --skip-existing 2>refused.err
check_eq "a transaction the server refuses (400): exit 65" "$?" 65
check_has "  the row, the status and the OperationOutcome's words" "$(cat refused.err)" \
  "$day: entry 2 (Appointment/ap-5002): the FHIR server refused the DocumentReference (HTTP 400): Incorrect resource type: expected nowhere, but found Bundle"
check_has "  the run goes on to the end" "$(cat refused.err)" \
  "complete: 5 rows: 0 written, 4 skipped, 1 failed"

stop_servers
pids=()
"$bin" batch "$packet" --data "$day" --out-dir down --fhir-post "$url" --fhir-token-file token \
  2>down.err
check_eq "a server that is down: exit 69" "$?" 69
check_has "  said once, at the first row" "$(cat down.err)" \
  "$day: entry 1 (Appointment/ap-5001): error: cannot reach ${url%/fhir/R4}: "
check_eq "  no PDF kept" "$(find down -name '*.pdf' | wc -l)" 0
"$bin" batch "$packet" --data "$day" --out-dir post --fhir-post "$url" --fhir-token-file token \
  --skip-existing 2>down.err
check_eq "  the row whose post failed is still to be sent" "$(ls post/2-A1021.pdf 2>/dev/null | wc -l)" 0

finish
