#!/usr/bin/env bash
# The Debian package, as a clinic's IT person meets it: builds the .deb from
# this build (cpack), runs lintian on it (any error fails), installs it with
# apt-get on a clean Debian 12 root that never built medpacket, renders the
# example packet with /usr/bin/medpacket and the installed forms and clinic
# settings, reads every installed man page with man's warnings on, and
# purges it, which must leave nothing behind.
#
#   tests/packaging/deb.sh BUILD_DIR SOURCE_DIR
#
# The clean root is a debootstrap chroot (minbase), made once and kept as a
# tarball in ~/.cache/medpacket/ (the packages apt fetches for it too), and
# unpacked afresh for every run. Where that cannot be had, the machine itself
# stands in, but only as root and when MP_PACKAGING_ON_HOST=1 or CI=true say
# so (apt-get install, then purge); otherwise the test says skip: and why.
# MP_PACKAGING_ROOT=host skips the chroot (with the same leave needed).
set -uo pipefail
# The installed program is tested as installed: no folder named for it.
unset MEDPACKET_CONFDIR MEDPACKET_DATADIR MEDPACKET_FONT_DIR
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
failures=0
ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
skip() {
  echo "skip: $*"
  exit 77
}
die() {
  echo "FAIL: $*"
  exit 1
}

grep -q '^MP_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && skip "a sanitizer build is not packaged"
grep -q '^MP_FUZZ:BOOL=ON' "$build/CMakeCache.txt" && skip "a fuzzing build is not packaged"
for tool in cpack dpkg-deb dpkg-shlibdeps lintian pdfinfo pdftotext; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/setup installs it)"
done
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[ "$prefix" = /usr ] ||
  skip "this build installs to $prefix; the package is built from one configured with -DCMAKE_INSTALL_PREFIX=/usr (the default)"
[ "$(id -u)" -eq 0 ] || skip "installing a package (chroot, apt-get) needs root"

work=$(mktemp -d /tmp/mp-packaging-XXXXXX) || exit 1
root=""
cleanup() {
  if [ -n "$root" ]; then
    mountpoint -q "$root/proc" && umount "$root/proc"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# ---- the package --------------------------------------------------------
(cd "$build" && cpack -G DEB -B "$work/pkg") >"$work/cpack.log" 2>&1 ||
  die "cpack -G DEB: $(cat "$work/cpack.log")"
deb=$(ls "$work"/pkg/medpacket_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || die "cpack made no medpacket_*.deb: $(cat "$work/cpack.log")"
ok "cpack made $(basename "$deb")"

depends=$(dpkg-deb -f "$deb" Depends)
for want in fonts-dejavu-core adduser libcups2 libhpdf-2.3.0 libyaml-0-2; do
  [[ ", $depends," == *", $want"[\ ,]* ]] || fail "Depends lacks $want: $depends"
done
ok "Depends (dpkg-shlibdeps and DejaVu): $depends"
recommends=$(dpkg-deb -f "$deb" Recommends)
[ "$recommends" = "fonts-noto-core, fonts-noto-cjk, cups-client, xdg-utils" ] ||
  fail "Recommends is [$recommends]"
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/medpacket/clinic.yaml "$work/control/conffiles" ||
  fail "conffiles lacks /etc/medpacket/clinic.yaml: $(cat "$work/control/conffiles")"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$work/contents"
grep -q 'booking\.key' "$work/contents" && fail "the package holds a booking key: $(grep key "$work/contents")"
# Every file under /etc is a conffile, and every conffile is in the package.
grep '^/etc/.*[^/]$' "$work/contents" | while read -r f; do
  [ "$(dpkg-deb --fsys-tarfile "$deb" | tar -t --verbose ".$f" | cut -c1)" = l ] ||
    grep -qx "$f" "$work/control/conffiles" || echo "$f"
done >"$work/not-conffiles"
[ -s "$work/not-conffiles" ] && fail "not conffiles: $(cat "$work/not-conffiles")"
for f in /usr/bin/medpacket /usr/share/medpacket/forms/trigger-point/packet.yaml \
  /usr/share/medpacket/forms/notice/en.yaml /usr/share/medpacket/examples/patient.yaml \
  /usr/share/medpacket/web/index.html /usr/share/doc/medpacket/copyright \
  /usr/share/doc/medpacket/changelog.Debian.gz /usr/share/doc/medpacket/examples/today.csv; do
  grep -qx "$f" "$work/contents" || fail "the package lacks $f"
done
ok "conffiles, no key, and the layout"

# ---- the Dockerfile ---------------------------------------------------------
# No docker here: its instructions are read as docker reads them (comments
# dropped, continued lines joined): the base, the package copied in and
# installed, the entry point; the package's name matches the COPY.
instr=$(sed '/^[[:space:]]*#/d; /^[[:space:]]*$/d' "$src/Dockerfile" |
  sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' | awk '{print $1}' | tr '\n' ' ')
[ "$instr" = "FROM COPY RUN ENTRYPOINT " ] || fail "Dockerfile instructions: $instr"
grep -qx 'FROM debian:12-slim' "$src/Dockerfile" || fail "Dockerfile: not FROM debian:12-slim"
copy=$(sed -n 's/^COPY \([^ ]*\) .*/\1/p' "$src/Dockerfile")
# shellcheck disable=SC2053 # the COPY's glob, matched as a glob
[[ "$(basename "$deb")" == $copy ]] || fail "Dockerfile: COPY $copy does not take $(basename "$deb")"
entry=$(sed -n 's/^ENTRYPOINT //p' "$src/Dockerfile")
python3 -c 'import json,sys; assert json.loads(sys.argv[1]) == ["medpacket"]' "$entry" 2>/dev/null ||
  fail "Dockerfile: ENTRYPOINT $entry is not [\"medpacket\"]"
grep -q 'apt-get install -y /tmp/medpacket_\*\.deb' "$src/Dockerfile" &&
  grep -q 'rm -rf /var/lib/apt/lists/\*' "$src/Dockerfile" ||
  fail "Dockerfile: the RUN does not install the package and clean apt's lists"
ok "Dockerfile: FROM debian:12-slim, COPY $copy, RUN apt-get install, ENTRYPOINT $entry"

# ---- lintian ------------------------------------------------------------
lintian --fail-on error "$deb" >"$work/lintian.log" 2>&1
rc=$?
grep -v '^running with root privileges' "$work/lintian.log" | sed 's/^/  lintian: /'
if [ "$rc" -ne 0 ] || grep -q '^E:' "$work/lintian.log"; then
  fail "lintian reports errors (exit $rc)"
else
  ok "lintian: no errors ($(grep -c '^W:' "$work/lintian.log") warnings)"
fi

# ---- a clean Debian 12 root ----------------------------------------------
cache=${XDG_CACHE_HOME:-$HOME/.cache}/medpacket
base=$cache/bookworm-minbase.tar
mode=""
# The root is made once (debootstrap --variant=minbase, 30 s to a few
# minutes, from deb.debian.org) and kept; a week-old one is made again so
# that apt's lists stay current.
if [ "${MP_PACKAGING_ROOT:-}" = host ]; then
  :
elif [ -f "$base" ] && [ -z "$(find "$base" -mtime +7)" ]; then
  mode=chroot
elif command -v debootstrap >/dev/null; then
  mkdir -p "$cache"
  echo "making a clean Debian 12 root with debootstrap (kept in $cache)"
  rm -rf "$work/base"
  if timeout 600 debootstrap --variant=minbase bookworm "$work/base" http://deb.debian.org/debian \
    >"$work/debootstrap.log" 2>&1; then
    tar -C "$work/base" -cf "$base.part" . && mv "$base.part" "$base" && mode=chroot
    rm -rf "$work/base"
  else
    echo "debootstrap failed: $(tail -3 "$work/debootstrap.log")"
  fi
fi
if [ "$mode" = chroot ]; then
  root=$work/root
  mkdir "$root" && tar -C "$root" -xf "$base" || die "cannot unpack $base"
  # /proc: the installed program knows it is the installed one by
  # /proc/self/exe (src/base/sysdirs.c).
  if ! mount -t proc proc "$root/proc" 2>"$work/mount.log"; then
    echo "cannot mount /proc in the chroot: $(cat "$work/mount.log")"
    rm -rf "$root"
    root=""
    mode=""
  fi
fi
if [ -z "$mode" ]; then
  if [ "${MP_PACKAGING_ON_HOST:-}" = 1 ] || [ "${CI:-}" = true ]; then
    dpkg-query -W -f='${Status}' medpacket 2>/dev/null | grep -q 'install ok installed' &&
      skip "no clean root, and medpacket is installed on this machine: the test does not replace it"
    mode=host
    echo "no clean root: installing on this machine, then purging (MP_PACKAGING_ON_HOST or CI)"
  else
    skip "no clean Debian 12 root (debootstrap), and installing on this machine needs MP_PACKAGING_ON_HOST=1"
  fi
fi
inroot() {
  if [ -n "$root" ]; then chroot "$root" "$@"; else "$@"; fi
}

# apt-get in the root, with the packages fetched before kept in the cache.
if [ -n "$root" ]; then
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mkdir -p "$cache/archives"
  cp "$cache"/archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null
  inroot apt-get update -qq >"$work/update.log" 2>&1 || die "apt-get update in the root: $(cat "$work/update.log")"
fi
# The folder the checks work in, as the root sees it.
if [ -n "$root" ]; then inside=/tmp/medpacket-test; else inside=$work/inside; fi
mkdir -p "$root$inside"
cp "$deb" "$root$inside/"
t0=$(date +%s)
DEBIAN_FRONTEND=noninteractive inroot apt-get install -y -q "$inside/$(basename "$deb")" \
  >"$work/install.log" 2>&1 || die "apt-get install ./$(basename "$deb") ($mode): $(tail -20 "$work/install.log")"
ok "apt-get install ./$(basename "$deb") on $([ "$mode" = chroot ] && echo 'a clean Debian 12 root' || echo 'this machine') ($(($(date +%s) - t0)) s)"
if [ -n "$root" ]; then
  cp -n "$root"/var/cache/apt/archives/*.deb "$cache/archives/" 2>/dev/null
  # Only today's versions are kept: an updated package replaces its old file.
  ls -t "$cache"/archives/*.deb 2>/dev/null | awk -F/ '{split($NF,p,"_"); if (seen[p[1]]++) print}' | xargs -r rm -f
fi

# ---- the installed program ------------------------------------------------
[ -x "$root/usr/bin/medpacket" ] || fail "no /usr/bin/medpacket"
# The service's user, which the postinst makes: a system user without a shell.
u=$(inroot getent passwd medpacket)
[[ "$u" == medpacket:*:/nonexistent:/usr/sbin/nologin ]] && ok "the service's system user: $u" ||
  fail "no system user medpacket after install: [$u]"
v=$(inroot medpacket --version 2>&1)
[[ "$v" == *"$(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')"* ]] && ok "medpacket --version: $v" ||
  fail "medpacket --version: $v"

# A form named as the README says, found in /usr/share/medpacket/forms, with
# /etc/medpacket/clinic.yaml; first without the clinic's key, which the
# package does not ship: the message says how to make it.
export SOURCE_DATE_EPOCH=1764547200
render() {
  inroot sh -c "cd '$inside' && medpacket render trigger-point/packet.yaml \
    --data /usr/share/medpacket/examples/patient.yaml -o packet.pdf --force" 2>&1
}
out=$(render)
rc=$?
want="medpacket new-key /etc/medpacket/booking.key"
if [ "$rc" -eq 66 ] && [[ "$out" == *"$want"* ]]; then
  ok "no key yet: exit 66, says: $want"
else
  fail "no key yet: exit $rc: $out"
fi
out=$(inroot medpacket new-key /etc/medpacket/booking.key 2>&1) || fail "new-key: $out"
out=$(render) || fail "render the example packet: $out"
pdf=$root$inside/packet.pdf
pages=$(pdfinfo "$pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
[ "$pages" = 7 ] && ok "the example packet: 7 pages" || fail "the example packet: $pages pages, want 7"

# The clinic's copy of a shipped folder, in /etc/medpacket/forms, is the one
# printed: a copy broken on purpose shows which was read.
cp -r "$root/usr/share/medpacket/forms/trigger-point" "$root/etc/medpacket/forms/"
echo "bogus: 1" >>"$root/etc/medpacket/forms/trigger-point/packet.yaml"
out=$(render)
[[ "$out" == "/etc/medpacket/forms/trigger-point/packet.yaml:"*'unknown key "bogus"'* ]] &&
  ok "the clinic's copy in /etc/medpacket/forms comes first" ||
  fail "the clinic's broken copy was not the one read: $out"
rm -r "$root/etc/medpacket/forms/trigger-point"

# A shipped form is the package's: approve leaves it alone and says to copy it.
out=$(inroot sh -c "cd '$inside' && medpacket approve trigger-point/consent.yaml --by 'Dr. Test'" 2>&1)
rc=$?
want="/usr/share/medpacket/forms/trigger-point/consent.yaml: error: is a form the package ships: copy its folder into /etc/medpacket/forms and approve the copy, which is printed in its place"
[ "$rc" -eq 64 ] && [ "$out" = "$want" ] && ok "approve refuses a shipped form: $out" ||
  fail "approve on a shipped form: exit $rc: $out"

# The same packet from the build folder, with the same key and the
# checkout's clinic: the same words on every page (the installed clinic
# settings are the checkout's with absolute paths).
cp "$root/etc/medpacket/booking.key" "$work/booking.key"
sed "s#^booking_key_file: .*#booking_key_file: $work/booking.key#; s#^logo: .*#logo: $src/forms/logo.png#; s#^language_notice: .*#language_notice: $src/forms/notice#" \
  "$src/forms/clinic.yaml" >"$work/clinic.yaml"
"$build/medpacket" render "$src/forms/trigger-point/packet.yaml" --clinic "$work/clinic.yaml" \
  --data "$src/examples/patient.yaml" -o "$work/checkout.pdf" 2>"$work/checkout.log" ||
  fail "the build folder's render: $(cat "$work/checkout.log")"
if cmp -s <(pdftotext -layout "$pdf" -) <(pdftotext -layout "$work/checkout.pdf" -); then
  ok "the installed packet reads as the checkout's, word for word"
else
  fail "the installed packet's text differs from the checkout's:"
  diff <(pdftotext -layout "$work/checkout.pdf" -) <(pdftotext -layout "$pdf" -) | head -20
fi

# ---- man pages --------------------------------------------------------------
manpages=$(grep -E '^/usr/share/man/man[0-9]/[^/]+$' "$work/contents")
if [ -z "$manpages" ]; then
  echo "skip: no man pages in the package (man/ is not in this tree): the man check did not run"
elif ! command -v man >/dev/null; then
  fail "man pages installed, but no man to read them (scripts/setup installs man-db)"
else
  n=0
  for p in $manpages; do
    [ -e "$root$p" ] || [ -L "$root$p" ] || {
      fail "$p: not installed"
      continue
    }
    [ -L "$root$p" ] && continue # a link to another page, read as that one
    warn=$(MANWIDTH=80 man --warnings -l "$root$p" 2>&1 >/dev/null)
    [ -z "$warn" ] || fail "man --warnings -l $p: $warn"
    n=$((n + 1))
  done
  ok "MANWIDTH=80 man --warnings -l: $n pages read"
fi

# ---- purge ----------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive inroot apt-get purge -y -q medpacket >"$work/purge.log" 2>&1 ||
  fail "apt-get purge medpacket: $(tail -5 "$work/purge.log")"
inroot dpkg -L medpacket >/dev/null 2>&1 && fail "dpkg -L medpacket still lists it"
left=$(grep -E '^/(etc|usr/share)/medpacket|^/usr/bin/medpacket|^/usr/share/doc/medpacket|^/usr/share/man/.*medpacket|^/usr/share/lintian/overrides/medpacket' "$work/contents" |
  while read -r f; do [ -e "$root$f" ] || [ -L "$root$f" ] && echo "$f"; done)
[ -e "$root/etc/medpacket" ] && left+=" /etc/medpacket ($(ls -A "$root/etc/medpacket" | tr '\n' ' '))"
[ -z "$left" ] && ok "apt-get purge medpacket: nothing left (dpkg -L, /etc/medpacket, /usr/share/medpacket)" ||
  fail "left after purge: $left"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
