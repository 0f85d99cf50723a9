#!/usr/bin/env bash
# medpacket serve stops cleanly on SIGTERM (systemctl stop): it stops
# listening at once (a new connection is refused), finishes the print it is
# sending and answers it, then exits 0. (A request whose connection was
# accepted before the stop but whose header arrives after it gets 503 "the
# server is stopping"; libmicrohttpd closes each connection after its
# answer here, so no browser connection is kept open to show it.)
# The print is made slow by a stand-in for CUPS that takes 0.5 s to answer
# each of libcups's requests (with 503: no printer is set up here), so that
# SIGTERM arrives while it is being sent. Takes about 5 s.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
serve_workdir

# The stand-in for CUPS: says its port, then writes a line to asked each
# time libcups asks it something.
python3 - "$work/asked" >"$work/cups.port" 2>"$work/cups.err" <<'EOF' &
import socket, sys, threading, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
def one(c):
    c.settimeout(10)
    try:
        c.recv(65536)
        with open(sys.argv[1], "a") as f:
            f.write("asked\n")
        time.sleep(0.5)
        c.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                  b"Connection: close\r\n\r\n")
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=one, args=(c,), daemon=True).start()
EOF
pids+=($!)
for _ in $(seq 50); do [ -s "$work/cups.port" ] && break; sleep 0.1; done
export CUPS_SERVER=127.0.0.1:$(cat "$work/cups.port")

serve_start stop --listen 127.0.0.1:0 --printer Front_Desk --jobs 1 || { finish; exit 1; }
server=${pids[-1]}
port=${url##*:}
port=${port%/}

# A print; SIGTERM once CUPS has been asked; then a new connection, and the
# print's answer.
python3 - "$port" "$server" "$work/asked" >"$work/result" 2>&1 <<'EOF'
import http.client, json, os, signal, socket, sys, threading, time
port, server, asked = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
host = "127.0.0.1:%d" % port
answer = {}
def do_print():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/api/print", body=json.dumps({"packet": "tpi-packet", "row": 4}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    answer["status"], answer["body"] = r.status, r.read().decode()
    answer["at"] = time.monotonic()
t = threading.Thread(target=do_print)
t.start()
for _ in range(100):
    if os.path.exists(asked):
        break
    time.sleep(0.05)
print("CUPS asked before SIGTERM:", os.path.exists(asked))
os.kill(server, signal.SIGTERM)
term = time.monotonic()
time.sleep(0.3)
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    print("new connection: accepted")
except ConnectionRefusedError:
    print("new connection: refused")
except OSError as e:
    print("new connection:", e)
t.join(60)
print("print answered after SIGTERM:", answer.get("at", 0) > term)
print("print:", answer.get("status"), answer.get("body", "").strip())
EOF
wait "$server"
rc=$?
result=$(cat "$work/result")
check_eq "SIGTERM while the print is being sent" \
  "$(sed -n 's/^CUPS asked before SIGTERM: //p' <<<"$result")" True
check_eq "stopping: a new connection" "$(sed -n 's/^new connection: //p' <<<"$result")" refused
check_eq "the print was finished and answered after SIGTERM" \
  "$(sed -n 's/^print answered after SIGTERM: //p' <<<"$result")" True
check_eq "the print's answer: CUPS's reason" "$(sed -n 's/^print: //p' <<<"$result")" \
  '502 {"error": "no printer named \"Front_Desk\" (CUPS knows no printers)"}'
check_eq "serve exits 0 after SIGTERM" "$rc" 0
# The log, times and fingerprints aside: stopping, the print answered, stopped.
check_eq "the log says it stopped after the print" \
  "$(sed -e 's/ [0-9.]* ms/ T ms/' -e 's/ forms=[^ ]*//' "$work/stop.log")" \
  "medpacket: serving on ${url}
serve: stopping (terminated): finishing the requests being answered
serve: POST /api/print 502 row=4 T ms: no printer named \"Front_Desk\" (CUPS knows no printers)
serve: stopped"
check_eq "nothing on standard output" "$(cat "$work/stop.out")" ""
[ "$failures" -eq 0 ] || cat "$work/result" >&2
finish
