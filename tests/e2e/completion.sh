#!/usr/bin/env bash
# The bash completion (completions/medpacket), called as bash calls it
# (COMP_WORDS, COMP_CWORD): the commands after "medpacket ", a command's
# options after "--" exactly as its --help lists them, and each option's
# values: page sizes, list and form files, folders, printers (lpstat -e), the
# languages a packet offers.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_workdir
cd "$work" || exit 1

# The tests' own printers: an lpstat that lists two queues.
mkdir fakebin
printf '#!/bin/sh\n[ "$1" = -e ] && printf "Front_Desk\\nBack_Office\\n"\n' >fakebin/lpstat
chmod +x fakebin/lpstat
PATH=$work/fakebin:$PATH

. "$root/completions/medpacket"
check_eq "it registers itself for medpacket" "$(complete -p medpacket 2>/dev/null)" \
  "complete -F _medpacket medpacket"

# The candidates for a command line whose last word is being completed, one
# a line, sorted.
complete_words() { # WORD... (the last: the word being completed)
  COMP_WORDS=("$bin" "$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _medpacket 2>/dev/null
  printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}
sorted() { tr ' ' '\n' | grep -v '^$' | LC_ALL=C sort; }

commands=$("$bin" help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')
check_eq "medpacket <TAB>: the commands and help" "$(complete_words "")" "$(printf '%s help' "$commands" | sorted)"
check_eq "medpacket re<TAB>" "$(complete_words re)" "$(printf 'render\nreview')"
check_eq "medpacket help ba<TAB>" "$(complete_words help ba)" "batch"
check_eq "medpacket --<TAB>" "$(complete_words --)" "$(printf -- '--help\n--version')"

# render's options: every one its --help lists (the option list and the usage
# lines), and none it only mentions.
want=$("$bin" render --help | awk '
  function opts(s) { while (match(s, /--[a-z][a-z0-9-]*/)) { print substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH) } }
  /^ +-[A-Za-z0-9], --[a-z]/ { opts($2); next }
  /^ +--[a-z]/ { opts($1); next }
  /^(usage:)? +medpacket / { opts($0) }
  END { print "--help" }' | LC_ALL=C sort -u)
got=$(complete_words render --)
check_eq "medpacket render --<TAB>: render's options" "$got" "$want"
check_has "render's options hold --page-size" "$got" "--page-size"
check_has "render's options hold --allow-stale-translation" "$got" "--allow-stale-translation"
check_eq "medpacket render --pa<TAB>" "$(complete_words render --pa)" "--page-size"
check_eq "medpacket batch --sk<TAB>" "$(complete_words batch forms.yaml --sk)" "--skip-existing"
check_eq "medpacket serve --no<TAB>: serve's" "$(complete_words serve --no)" "--no-print"
check_eq "check's options" "$(complete_words check --)" "$(printf -- '--clinic\n--help\n--json')"

# Values.
check_eq "--page-size <TAB>" "$(complete_words render --page-size "")" "$(printf 'a4\nletter')"
check_eq "--page-size=<TAB>" "$(complete_words render --page-size = "")" "$(printf 'a4\nletter')"
check_eq "--date-order <TAB>" "$(complete_words batch f.yaml --date-order "")" "$(printf 'dmy\niso\nmdy')"
check_eq "review --format <TAB>" "$(complete_words review f.yaml --format "")" "$(printf 'markdown\npdf\ntext')"
check_eq "--printer <TAB>: lpstat -e" "$(complete_words render f.yaml --print --printer "")" \
  "$(printf 'Back_Office\nFront_Desk')"
check_eq "serve --printer F<TAB>" "$(complete_words serve --printer F)" "Front_Desk"

mkdir -p day/out forms
touch day/today.csv day/list.yaml day/notes.txt day/old.pdf forms/consent.yaml forms/logo.png
check_eq "--data <TAB>: lists and folders" "$(complete_words render forms/consent.yaml --data day/)" \
  "$(printf 'day/list.yaml\nday/out\nday/today.csv')"
check_eq "-d <TAB>: the short form too" "$(complete_words batch forms/consent.yaml -d day/)" \
  "$(printf 'day/list.yaml\nday/out\nday/today.csv')"
check_eq "--data=<TAB>" "$(complete_words render --data = day/t)" "day/today.csv"
check_eq "--out-dir <TAB>: folders only" "$(complete_words batch forms/consent.yaml --out-dir day/)" "day/out"
check_eq "--fhir-out <TAB>: folders only" "$(complete_words batch forms/consent.yaml --fhir-out day/)" "day/out"
check_eq "--fhir-token-file <TAB>: any file" "$(complete_words batch f.yaml --fhir-token-file day/n)" "day/notes.txt"
check_eq "--fhir-post <TAB>: a URL, the user's to type" "$(complete_words render f.yaml --fhir-post "")" ""
check_eq "render <TAB>: forms (YAML) and folders" "$(complete_words render forms/)" "forms/consent.yaml"
check_eq "render's form after options" "$(complete_words render --force forms/)" "forms/consent.yaml"
check_eq "merge <TAB>: PDFs" "$(complete_words merge day/)" "$(printf 'day/old.pdf\nday/out')"
check_eq "a value of its own (--select): nothing offered" "$(complete_words render f.yaml --select "")" ""

# The languages the shipped packet offers: its forms' English and its
# translations.
packet=$root/forms/trigger-point/packet.yaml
check_eq "--language <TAB>: the packet's languages" \
  "$(complete_words render "$packet" --data p.yaml --language "")" "$(printf 'ar\nen\nes\nzh-Hant')"
check_eq "--language e<TAB>" "$(complete_words render "$packet" --language e)" "$(printf 'en\nes')"
check_eq "batch has no --language: nothing offered" "$(complete_words batch "$packet" --language e)" ""
finish
