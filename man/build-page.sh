#!/bin/sh
# build-page.sh SCDOC PAGE.scd OUT: the man page OUT (roff) from its scdoc
# source, and OUT.gz beside it, as Debian installs man pages (gzip -9n: no
# name or time in it, so that the same page gives the same bytes).
#
# Two touches to scdoc's roff, both for options a reader copies from the
# page: a word holding "-" or "_" (--allow-stale-translation, medpacket-forms,
# MEDPACKET_FONT_DIR) is marked \% so that groff neither hyphenates it nor
# breaks it at its hyphens; and .nh is said again after .TH, which resets
# hyphenation, so that scdoc's own .nh holds.
set -eu
scdoc=$1 src=$2 out=$3
"$scdoc" <"$src" >"$out.tmp"
sed -E -e '/^\.TH /a\
.nh' -e '/^[.'"'"']/!s/(^|[[:space:]])((\\f[BIR])*)([^[:space:]]*[-_])/\1\2\\%\4/g' \
  "$out.tmp" >"$out"
rm -f "$out.tmp"
gzip -9n -c "$out" >"$out.gz"
