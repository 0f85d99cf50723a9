#!/usr/bin/env bash
# The man pages (man/*.scd) against the program (issue 19): every page
# renders with man --warnings and no warning; every command has its page and
# every command page its command; each command's page defines exactly the
# options its --help lists, short forms too, so that neither can change
# without the other; medpacket(1) lists every command and exit code; and
# medpacket-forms(5) names every key and word the YAML loaders accept.
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_workdir
man=$root/man

# Written in the pages before the code that does it landed (the lead's work of
# issue 19): a missing counterpart is a skip, not a failure, until the binary
# has it; then the page is held to it like any other.
ahead_commands="merge"
ahead_options="batch:--shard"

commands=$("$bin" help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')
check_eq "medpacket help lists commands" "$([ -n "$commands" ] && echo yes)" yes

# The options a command's --help lists: those of its usage lines and of its
# option list (an indented line that starts with one), not those a
# description mentions; and --help, which every command takes. One a line,
# "--long", and "-X --long" for each short form.
help_options() { # CMD
  "$bin" "$1" --help 2>&1 | awk '
    function opts(s) { while (match(s, /--[a-z][a-z0-9-]*/)) { print substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH) } }
    /^ +-[A-Za-z0-9], --[a-z]/ { print substr($1, 1, 2) " " substr($2, 1); opts($2); next }
    /^ +--[a-z]/ { opts($1); next }
    /^(usage:)? +medpacket / { opts($0) }
    END { print "--help"; print "-h --help" }' | sort -u
}
# The options a page defines: its definition lines (a line that starts with an
# option and is followed by the tab-indented text of its definition), in the
# same form.
page_options() { # PAGE.scd
  awk '
    function opts(s) { while (match(s, /--[a-z][a-z0-9-]*/)) { print substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH) } }
    prev ~ /^\*-/ && /^\t/ {
      opts(prev)
      s = prev
      while (match(s, /\*-[A-Za-z0-9]\*, \*--[a-z][a-z0-9-]*\*/)) {
        m = substr(s, RSTART, RLENGTH); gsub(/[*,]/, "", m); print m
        s = substr(s, RSTART + RLENGTH)
      }
    }
    { prev = $0 }' "$1" | sort -u
}

# ---- every command has its page, every command page its command ----------
for c in $commands; do
  if [ -f "$man/medpacket-$c.1.scd" ]; then ok "$c has its page"; else fail "$c: no man/medpacket-$c.1.scd"; fi
done
for page in "$man"/medpacket-*.1.scd; do
  c=$(basename "$page" .1.scd)
  c=${c#medpacket-}
  if printf '%s\n' "$commands" | grep -qxF -- "$c"; then
    ok "medpacket-$c(1): medpacket has the command"
  elif [[ " $ahead_commands " == *" $c "* ]]; then
    skip "medpacket-$c(1): this medpacket has no $c yet (documented ahead of the code)"
  else
    fail "medpacket-$c(1): medpacket has no command $c"
  fi
done

# ---- each command's page defines exactly the options its --help lists -----
for c in $commands; do
  page=$man/medpacket-$c.1.scd
  [ -f "$page" ] || continue
  want=$(help_options "$c")
  got=$(page_options "$page")
  missing=$(comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$got"))
  extra=$(comm -13 <(printf '%s\n' "$want") <(printf '%s\n' "$got"))
  for o in $extra; do
    if [[ " $ahead_options " == *" $c:$o "* ]]; then
      skip "medpacket-$c(1) defines $o, which $c --help does not list yet (documented ahead of the code)"
      extra=$(printf '%s\n' "$extra" | grep -vxF -- "$o")
    fi
  done
  # A short form's pair line ("-d --data") reads as two words: compare lines.
  check_eq "medpacket-$c(1): options --help lists but the page does not define" "$missing" ""
  check_eq "medpacket-$c(1): options the page defines but --help does not list" "$extra" ""
done

# ---- medpacket(1): every command, every exit code ---------------------------
overview=$man/medpacket.1.scd
for c in $commands; do
  if grep -qxF "*$c*" "$overview" && grep -qF "*medpacket-$c*(1)" "$overview"; then
    ok "medpacket(1) lists $c and its page"
  else
    fail "medpacket(1): no *$c* under COMMANDS, or no *medpacket-$c*(1)"
  fi
done
codes=$("$bin" --help | awk '/^Exit status/ { on = 1; next } on && /^  [0-9]/ { print $1 }')
check_eq "medpacket --help lists exit codes" "$([ -n "$codes" ] && echo yes)" yes
for code in $codes; do
  if grep -qxF "*$code*" "$overview"; then ok "medpacket(1) explains exit code $code"; else fail "medpacket(1): exit code $code is not under EXIT STATUS"; fi
done

# ---- medpacket-forms(5): every word the loaders accept ----------------------
# Each table of allowed words in src/model (static const char *const NAME[] =
# {"...", ..., NULL}: keys, block types, fields, signers, kinds, page sizes,
# date orders ...) against the words the page sets in bold.
if command -v python3 >/dev/null; then
  missing=$(python3 - "$root/src/model" "$man/medpacket-forms.5.scd" <<'EOF'
import re, sys
model, page = sys.argv[1], sys.argv[2]
words = {}
for name in ("form.c", "packet.c", "clinic.c"):
    src = open(f"{model}/{name}", encoding="utf-8").read()
    for table in re.findall(r"static const char \*const \w+\[\] = \{(.*?)\};", src, re.S):
        for w in re.findall(r'"([^"]+)"', table):
            words.setdefault(w, name)
bold = set()
for span in re.findall(r"\*([^*\n]+)\*", open(page, encoding="utf-8").read()):
    bold.update(re.findall(r"[A-Za-z0-9_-]+", span))
print(" ".join(f"{w} ({f})" for w, f in sorted(words.items()) if w not in bold))
EOF
  )
  check_eq "medpacket-forms(5) names every word the loaders accept" "$missing" ""
else
  skip "python3 is not installed: medpacket-forms(5) not checked against the loaders"
fi

# ---- every page renders, with no warning ------------------------------------
if ! command -v scdoc >/dev/null; then
  skip "scdoc is not installed (apt-get install scdoc): the pages are not rendered"
elif ! command -v man >/dev/null; then
  skip "man is not installed (apt-get install man-db): the pages are not rendered"
else
  for src in "$man"/*.scd; do
    name=$(basename "$src" .scd)
    if ! sh "$man/build-page.sh" scdoc "$src" "$work/$name" 2>"$work/$name.err"; then
      fail "$name: scdoc: $(cat "$work/$name.err")"
      continue
    fi
    # In a UTF-8 locale, and in the C locale, where groff writes ASCII: a
    # page holds no character that has no ASCII stand-in.
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$work/$name" 2>&1 >"$work/$name.txt")
    rc=$?
    check_eq "$name renders with no warning" "$rc:$warnings" "0:"
    warnings=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$work/$name" 2>&1 >/dev/null)
    rc=$?
    check_eq "$name renders with no warning in the C locale" "$rc:$warnings" "0:"
    check_has "$name: its NAME line" "$(sed -n 3,4p "$work/$name.txt")" "${name%.[0-9]} - "
  done
  # The build's pages (man/CMakeLists.txt), when it made them: one per source.
  built=$(dirname "$bin")/man
  if [ -d "$built" ]; then
    for src in "$man"/*.scd; do
      name=$(basename "$src" .scd)
      if [ -f "$built/$name.gz" ] && cmp -s <(zcat "$built/$name.gz") "$built/$name"; then
        ok "the build made $name.gz"
      else
        fail "the build has no $name.gz (or it is not $name gzipped): $built"
      fi
    done
  fi
fi
finish
