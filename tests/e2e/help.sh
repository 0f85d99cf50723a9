#!/usr/bin/env bash
# The command line as a new user meets it (issue 13, item 11): `help COMMAND`
# is the command's --help; a mistyped command or option gets "did you mean";
# page sizes are read in any case; --help lists every exit code.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_workdir
cd "$work" || exit 1
export SOURCE_DATE_EPOCH=1764547200

for c in render batch check review diff approve serve new-key; do
  a=$("$bin" help "$c" 2>&1)
  s=$?
  b=$("$bin" "$c" --help 2>&1)
  check_eq "help $c: the command's own help, exit 0" "$s:$([ "$a" = "$b" ] && echo same)" "0:same"
  check_has "help $c: it is $c's" "$a" "usage: medpacket $c"
done
err=$("$bin" help nope 2>&1)
check_eq "help of an unknown command" "$?:$(printf '%s\n' "$err" | head -1)" \
  "64:medpacket: error: unknown command \"nope\""

err=$("$bin" rendr 2>&1)
check_eq "a mistyped command" "$?:$err" "64:medpacket: error: unknown command \"rendr\"; did you mean \"render\"?"
err=$("$bin" reveiw 2>&1)
check_eq "another" "$?:$err" "64:medpacket: error: unknown command \"reveiw\"; did you mean \"review\"?"
form=$root/forms/trigger-point/consent.yaml
err=$("$bin" review "$form" --pagesize a4 -o r.pdf 2>&1)
check_eq "a mistyped option" "$?:$err" \
  "64:medpacket: error: review: unknown option --pagesize; did you mean --page-size? (see medpacket review --help)"
err=$("$bin" check "$form" --jsn 2>&1)
check_eq "a mistyped option of check" "$?:$err" \
  "64:medpacket: error: check: unknown option --jsn; did you mean --json? (see medpacket check --help)"
err=$("$bin" serve --data x.csv --listn 127.0.0.1:0 2>&1)
check_eq "a mistyped option of serve" "$?:$err" \
  "64:medpacket: error: serve: unknown option --listn; did you mean --listen? (see medpacket serve --help)"
err=$("$bin" check "$form" --zzzzzz 2>&1)
check_eq "an option like none" "$?:$err" \
  "64:medpacket: error: check: unknown option --zzzzzz (see medpacket check --help)"

"$bin" review "$form" --page-size A4 -o a4.pdf 2>/dev/null
check_eq "--page-size A4 (any case)" "$?:$(pdfinfo a4.pdf 2>/dev/null | grep -c 'A4')" "0:1"

usage=$("$bin" --help)
check_has "--help: diff's 1" "$usage" "  1   diff: the wording differs"
check_has "--help: 130" "$usage" "  130 interrupted"
check_has "--help: help COMMAND" "$usage" "medpacket help COMMAND"
check_has "--help: the manual pages" "$usage" "'man medpacket-COMMAND' for its manual page"
check_eq "help alone is --help" "$("$bin" help)" "$usage"
check_eq "help help is --help" "$("$bin" help help)" "$usage"
finish
