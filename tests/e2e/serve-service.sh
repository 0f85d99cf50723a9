#!/usr/bin/env bash
# medpacket-serve.service (packaging/systemd): the unit passes
# `systemd-analyze verify` and scores "OK" or better in `systemd-analyze
# security --offline=true` (the number is parsed and printed); the settings
# file ships with every setting commented; the launcher passes
# desktop-file-validate and opens serve's default address; and serve started
# the way the unit starts it (its ExecStart= and WorkingDirectory=, settings
# from a serve.conf, the user nobody with no groups and no new privileges, a
# clean environment, umask 077, every mount read-only and /home and /root
# hidden, in a mount namespace of its own) answers the page and a preview,
# and exits 0 on SIGTERM. DynamicUser=, the system call filter and the rest
# of the sandbox are systemd's own and not emulated here.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") root=$2
. "$root/tests/e2e/lib.sh"
serve_workdir
units=$root/packaging/systemd
chmod 755 "$work"

# The unit as CMake configures it, with the build's binary and this test's
# settings file in place of the installed ones (verify wants the binary).
etc=$work/etc/medpacket
mkdir -p "$etc"
sed -e "s|@MP_BINDIR@|$(dirname "$bin")|g" -e "s|@MP_SERVE_CONF@|$etc/serve.conf|g" \
  -e "s|@MP_CONFDIR@|$etc|g" "$units/medpacket-serve.service.in" >"$work/medpacket-serve.service"
check_eq "the unit: every @VARIABLE@ configured" "$(grep -c '@[A-Z_]*@' "$work/medpacket-serve.service")" 0
check_eq "the unit: ExecStart reads serve.conf" \
  "$(grep '^ExecStart=' "$units/medpacket-serve.service.in")" \
  "ExecStart=@MP_BINDIR@/medpacket serve --config @MP_SERVE_CONF@"
check_eq "CMake installs the settings to /etc/medpacket" \
  "$(grep -c 'install(FILES serve.conf DESTINATION ${MP_CONFDIR})' "$units/CMakeLists.txt")" 1

if command -v systemd-analyze >/dev/null; then
  # --man=no: the man page it names is installed with the package, not here.
  if out=$(systemd-analyze verify --man=no "$work/medpacket-serve.service" 2>&1); then
    check_eq "systemd-analyze verify: nothing to say" "$out" ""
  else
    fail "systemd-analyze verify: $out"
  fi
  sec=$(systemd-analyze security --offline=true "$work/medpacket-serve.service" 2>&1)
  line=$(printf '%s\n' "$sec" | grep 'Overall exposure level')
  exposure=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9][0-9]*\.[0-9]\) \([A-Z]*\).*/\1/p')
  level=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9][0-9]*\.[0-9]\) \([A-Z]*\).*/\2/p')
  echo "systemd-analyze security --offline=true: exposure $exposure $level"
  if [ -z "$exposure" ]; then
    fail "systemd-analyze security: no exposure level in [$sec]"
  else
    # systemd's levels: below 1.0 SAFE (0.0 PERFECT), below 5.0 OK, then
    # MEDIUM, EXPOSED, UNSAFE, DANGEROUS.
    check_eq "systemd-analyze security: OK or better (exposure $exposure < 5.0)" \
      "$(awk -v e="$exposure" 'BEGIN { print (e < 5.0) ? "yes" : "no" }')" yes
    # Today's 0.9: a change that loosens the sandbox says so here.
    check_eq "systemd-analyze security: no worse than 0.9 (exposure $exposure)" \
      "$(awk -v e="$exposure" 'BEGIN { print (e <= 0.9) ? "yes" : "no" }')" yes
  fi
else
  skip "no systemd-analyze (Debian's systemd): the unit is not verified or scored"
fi

# The settings file: every setting there is, commented (the service needs
# the clinic's own list before it can start); serve --help names each.
check_eq "serve.conf: no setting is on" "$(grep -cv -e '^#' -e '^$' "$units/serve.conf")" 0
for name in $(sed -n 's/^#\([a-z-]*\) = .*/\1/p' "$units/serve.conf"); do
  "$bin" serve --help | grep -q -- "--$name " || fail "serve.conf: $name is no option of serve"
done
want=$("$bin" serve --help | sed -n 's/^ *\(-., \)\{0,1\}--\([a-z-]*\).*/\2/p' |
  grep -vx -e config -e new-token -e force -e help | sort)
check_eq "serve.conf: every option of serve's, commented" \
  "$(sed -n 's/^#\([a-z-]*\) = .*/\1/p' "$units/serve.conf" | sort -u)" "$want"

# The launcher.
desktop=$units/medpacket.desktop
if command -v desktop-file-validate >/dev/null; then
  check_eq "desktop-file-validate: nothing to say" "$(desktop-file-validate "$desktop" 2>&1)" ""
else
  skip "no desktop-file-validate (Debian's desktop-file-utils): the launcher is not checked"
fi
check_eq "the launcher's name" "$(sed -n 's/^Name=//p' "$desktop")" "Patient packets"
default=$(sed -n 's/^#define DEFAULT_LISTEN "\(.*\)"$/\1/p' "$root/src/cli/cmd_serve.c")
check_eq "the launcher opens serve's default address ($default)" \
  "$(sed -n 's/^Exec=//p' "$desktop")" "xdg-open http://$default/"

# serve as the unit starts it. The clinic's files as an installed clinic has
# them: forms and clinic settings readable by all, the booking key the
# service user's own (0600), the day's list elsewhere.
cp -r "$root/forms" "$etc/forms"
mkdir -p "$etc/keys" "$work/srv"
cp "$root/keys/booking.key" "$etc/keys/booking.key"
cp "$work/today.csv" "$work/srv/today.csv"
chmod -R a+rX "$etc" "$work/srv"
cat >"$etc/serve.conf" <<CONF
# as a clinic writes it
data = $work/srv/today.csv
forms = forms
listen = 127.0.0.1:0
jobs = 1
CONF
exec_start=$(sed -n 's/^ExecStart=//p' "$work/medpacket-serve.service")
workdir=$(sed -n 's/^WorkingDirectory=//p' "$work/medpacket-serve.service")
check_eq "the unit's working directory: serve.conf's folder" "$workdir" "$etc"
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null || ! command -v unshare >/dev/null ||
  ! unshare -m true 2>/dev/null; then
  skip "not root, or no setpriv/unshare with mount namespaces: serve is not started as the unit would"
  finish
  exit
fi
chown nobody:nogroup "$etc/keys/booking.key"
chmod 600 "$etc/keys/booking.key"
hide=
for d in /home /root; do
  case "$bin/" in "$d"/*) ;; *) [ -d "$d" ] && hide="$hide $d" ;; esac
done
# The view: every mount read-only (ProtectSystem=strict), /home and /root
# empty (ProtectHome=yes); then nobody, without groups or new privileges.
(
  cd "$workdir" && umask 077 &&
    exec env -i PATH=/usr/bin:/bin LANG=C.UTF-8 unshare -m --propagation private -- sh -c '
      findmnt -rno TARGET | while read -r m; do mount -o remount,bind,ro "$m" 2>/dev/null; done
      for d in $1; do mount -t tmpfs -o ro,mode=0755 tmpfs "$d"; done
      shift
      exec setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs -- "$@"' \
      sh "$hide" $exec_start
) >"$work/unit.out" 2>"$work/unit.log" &
pids+=($!)
server=$!
serve_wait unit || { cat "$work/unit.log" >&2; finish; exit 1; }
check_eq "as the unit: runs as nobody" "$(ps -o user= -p "$server" | tr -d ' ')" nobody
check_eq "as the unit: the page" "$(curl -s -o "$work/page" -w '%{http_code}' "$url")" 200
check_eq "as the unit: the list" \
  "$(curl -s -o "$work/list.json" -w '%{http_code}' "${url}api/patients")" 200
check_eq "as the unit: a preview" \
  "$(curl -s -o "$work/preview.pdf" -w '%{http_code}' "${url}api/preview?packet=tpi-packet&row=4")" 200
check_has "as the unit: the preview is the patient's PDF" "$(plain_text "$work/preview.pdf")" \
  "Siobhán O'Brien"
check_eq "as the unit: the file system is read-only to it" \
  "$(nsenter -t "$server" -m touch "$etc/x" 2>&1 | grep -c 'Read-only file system')" 1
kill -TERM "$server"
wait "$server"
check_eq "as the unit: exit 0 on SIGTERM" "$?" 0
check_eq "as the unit: nothing on standard output" "$(cat "$work/unit.out")" ""
finish
