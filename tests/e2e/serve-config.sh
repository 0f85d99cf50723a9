#!/usr/bin/env bash
# medpacket serve --config FILE: the service's settings file (NAME = VALUE,
# an option's long name; # comment lines), the command line winning, and
# each mistake said as FILE:LINE:COL with exit 78 (EX_CONFIG).
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
serve_workdir

cat >"$work/serve.conf" <<CONF
# The day's list
data = $work/today.csv
  forms   =   $root/forms${IFS:1:1}
no-print = yes
jobs = 1
listen = 127.0.0.1:1
CONF
# --listen on the command line wins over the file's.
serve_start conf --config "$work/serve.conf" --listen 127.0.0.1:0 || { finish; exit 1; }
check_eq "--config: the list served" "$(curl -s -o /dev/null -w '%{http_code}' "${url}api/patients")" 200
check_eq "--config: the command line's --listen won" "${url%:*}" "http://127.0.0.1"
check_eq "--config: no-print = yes" "$(curl -s "${url}api/config" | python3 -c '
import json, sys; print(json.load(sys.stdin)["can_print"])')" False

bad() { # WHAT TEXT WANT_MESSAGE [WANT_EXIT]
  printf '%s' "$2" >"$work/bad.conf"
  local err rc
  err=$("$bin" serve --config "$work/bad.conf" 2>&1 >/dev/null)
  rc=$?
  check_eq "$1" "$err" "${3//@F/$work/bad.conf}"
  check_eq "$1: exit" "$rc" "${4:-78}"
}
bad "a misspelt name" $'printr = Front_Desk\n' \
  '@F:1:1: error: unknown setting "printr"; did you mean printer?'
bad "not a number" $'# x\n\n  jobs = many\n' '@F:3:10: error: jobs takes a number from 1 to 64'
bad "set twice" $'printer = a\nprinter = b\n' '@F:2:1: error: printer is set twice (also on line 1)'
bad "no =" $'printer Front_Desk\n' \
  '@F:1:9: error: expected NAME = VALUE (an option'"'"'s long name, as printer = Front_Desk)'
bad "a flag takes yes or no" $'no-print = maybe\n' '@F:1:12: error: no-print takes yes or no'
bad "no value" $'printer =\n' '@F:1:10: error: printer needs a value'
bad "new-token is not a setting" $'new-token = t\n' '@F:1:1: error: unknown setting "new-token"'
bad "no data" $'# every setting commented\n' \
  "medpacket: error: serve needs the day's list: data = FILE in @F (or --data FILE)" 64
err=$("$bin" serve --config "$work/none.conf" 2>&1)
check_eq "a file that is not there" "$err:$?" \
  "$work/none.conf: error: cannot open it: No such file or directory:66"
finish
