# A private CUPS scheduler for tests, with one cups-pdf queue whose printed
# PDFs land in a folder the test reads. Sourced, not run; not a test itself
# (it lives outside tests/e2e/, where every *.sh is one). Needs bash.
#
#   . "$root/tests/cups/cupsd.sh"
#   trap 'cupsd_stop; rm -rf "$work"' EXIT
#   cupsd_start "$work/cups" || exit 1   # starts cupsd, adds the queue
#   lp -d "$CUPSD_QUEUE" some.pdf        # or anything that honours CUPS_SERVER
#   pdf=$(cupsd_wait_output "$CUPSD_OUT" 30 "$job") || cupsd_log
#   cupsd_job_attrs "$job"               # copies=2, sides=..., job-name=...
#
# cupsd_start DIR      Starts cupsd (as root) with everything it keeps in DIR,
#                      which must be new or empty: configuration, spool,
#                      cache, state, logs, and its socket DIR/cups.sock. It
#                      listens on that socket only (no TCP port: nothing to
#                      collide with, and a system cupsd on :631 is never
#                      reached), shares and browses nothing, and has no
#                      default printer. Exports:
#                        CUPS_SERVER   DIR/cups.sock (libcups and lp* use it)
#                        CUPSD_QUEUE   the cups-pdf queue's name
#                        CUPSD_OUT     where that queue's PDFs appear, named
#                                      TITLE-job_N.pdf (N: the CUPS job id)
#                        CUPSD_DIR     DIR; CUPSD_PID, the scheduler's pid
#                      Fails (status 1, the reason on stderr) when not root,
#                      when cupsd, the CUPS client tools, cups-pdf,
#                      cups-filters, poppler or Ghostscript are missing, or
#                      when cupsd does not answer within 10 s (then with its
#                      log).
# cupsd_stop           Stops cupsd and removes the queue's cups-pdf settings
#                      from /etc/cups. Safe to call twice, or after a failed
#                      start. DIR is left to the caller.
# cupsd_wait_output D T [JOB]
#                      Waits up to T seconds until CUPS has no job left to
#                      process (or job JOB is done) and D holds a PDF (JOB's),
#                      then prints the PDFs' paths, one per line, oldest
#                      first. Status 1, and what it saw, on a timeout or when
#                      the jobs ended without a PDF (a filter failed).
# cupsd_job_attrs JOB  Prints the job's IPP attributes as name=value lines
#                      (copies=2, sides=two-sided-long-edge, job-name=...,
#                      job-state=completed ...), asked of cupsd with ipptool.
# cupsd_log            Prints the ends of cupsd's and cups-pdf's logs to
#                      stderr: why a job did not print.
# cupsd_alive          Status 0 when the scheduler still runs and answers;
#                      else 1, saying on stderr how it ended (a signal such as
#                      SIGSEGV: cupsd 2.4.2-3+deb12u10 crashed on a job whose
#                      document-name held a space) and showing its log.
#
# Why a file in /etc/cups: cups-pdf reads its settings (where to write) only
# from /etc/cups/cups-pdf-SUFFIX.conf, SUFFIX taken from the queue's device
# URI cups-pdf:/SUFFIX (without one, /etc/cups/cups-pdf.conf, which sends
# PDFs to the job user's ~/PDF). The suffix holds this shell's pid, so that
# tests running at once do not share it; a file left by a killed test is
# removed by the next start, once its pid is gone.
#
# Permissions: cupsd runs its filters (pdftopdf, pdftops) as the user lp, who
# must reach the spool in DIR: DIR and every folder above it must be
# searchable by lp. cupsd_start makes DIR 0755 and checks the rest. The
# cups-pdf backend runs as root and writes CUPSD_OUT's files as the job's
# user (root), mode 0600.

CUPSD_PID=
CUPSD_DIR=
CUPSD_PDFCONF=
CUPSD_WATCH=

_cupsd_fail() {
  echo "cupsd.sh: $*" >&2
  return 1
}

# lpstat -r exits 0 whether the scheduler runs or not: its words tell.
_cupsd_answers() {
  LC_ALL=C lpstat -r 2>/dev/null | grep -qx 'scheduler is running'
}

cupsd_start() {
  local dir=$1 tool ppd i
  [ -n "$dir" ] || { _cupsd_fail "usage: cupsd_start DIR"; return 1; }
  [ "$(id -u)" -eq 0 ] ||
    { _cupsd_fail "the printing tests need root (a private cupsd and its cups-pdf backend run as root)"; return 1; }
  PATH=$PATH:/usr/sbin:/sbin
  for tool in cupsd lpadmin lpstat lpinfo ipptool gs pdftocairo setpriv; do
    command -v "$tool" >/dev/null 2>&1 ||
      { _cupsd_fail "$tool is missing (scripts/setup installs what printing needs)"; return 1; }
  done
  [ -x /usr/lib/cups/backend/cups-pdf ] ||
    { _cupsd_fail "the cups-pdf backend is missing (package printer-driver-cups-pdf)"; return 1; }
  [ -x /usr/lib/cups/filter/pdftops ] ||
    { _cupsd_fail "the pdftops filter is missing (package cups-filters)"; return 1; }
  # An AppArmor profile in force for cupsd or cups-pdf would forbid the
  # private folders: say so, rather than fail later with no reason given.
  if grep -qsE '(cupsd|cups-pdf) \(enforce\)' /sys/kernel/security/apparmor/profiles; then
    _cupsd_fail "AppArmor confines cupsd or cups-pdf here; aa-complain /usr/sbin/cupsd /usr/lib/cups/backend/cups-pdf"
    return 1
  fi

  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd) || return 1
  [ -z "$(ls -A "$dir")" ] || { _cupsd_fail "$dir is not empty"; return 1; }
  # A Unix socket's path holds at most 107 bytes.
  [ ${#dir} -le 90 ] || { _cupsd_fail "$dir: too long a path for cupsd's socket"; return 1; }
  mkdir -p "$dir"/etc/ppd "$dir"/spool/tmp "$dir"/cache "$dir"/state "$dir"/log "$dir"/out \
    "$dir"/cups-pdf || return 1
  # The printed PDFs (patient data) are for root only; cups-pdf runs as root.
  chmod 0755 "$dir" && chmod 0700 "$dir"/out || return 1
  if ! setpriv --reuid=lp --regid=lp --clear-groups -- test -x "$dir"; then
    _cupsd_fail "the user lp, who runs cupsd's filters, cannot reach $dir: a folder above it is not searchable (chmod o+x)"
    return 1
  fi

  local stale pid
  for stale in /etc/cups/cups-pdf-medpacket-test-*.conf; do
    [ -e "$stale" ] || continue
    pid=${stale#/etc/cups/cups-pdf-medpacket-test-}
    pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null || rm -f "$stale"
  done

  cat >"$dir"/etc/cups-files.conf <<EOF
ServerRoot $dir/etc
RequestRoot $dir/spool
TempDir $dir/spool/tmp
CacheDir $dir/cache
StateDir $dir/state
ServerKeychain $dir/etc/ssl
CreateSelfSignedCerts no
ErrorLog $dir/log/error_log
AccessLog $dir/log/access_log
PageLog $dir/log/page_log
Printcap $dir/state/printcap
ServerBin /usr/lib/cups
DataDir /usr/share/cups
SystemGroup root
User lp
Group lp
FileDevice No
EOF
  # No authentication: a test's own scheduler on a socket in the test's
  # folder, where lpadmin then needs no certificate or password. Jobs are
  # kept in the history (not their files) for cupsd_job_attrs.
  cat >"$dir"/etc/cupsd.conf <<EOF
Listen $dir/cups.sock
LogLevel debug
MaxLogSize 0
Browsing No
BrowseLocalProtocols none
WebInterface No
DefaultAuthType None
DefaultShared No
PreserveJobHistory Yes
PreserveJobFiles No
MaxJobs 0
JobRetryLimit 0
ErrorPolicy abort-job
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF

  CUPSD_DIR=$dir
  cupsd -f -c "$dir"/etc/cupsd.conf -s "$dir"/etc/cups-files.conf >"$dir"/log/cupsd.out 2>&1 &
  CUPSD_PID=$!
  # Should the test die without its trap (kill -9, a CTest timeout), cupsd
  # goes with it rather than linger.
  (
    while kill -0 "$$" 2>/dev/null && kill -0 "$CUPSD_PID" 2>/dev/null; do sleep 1; done
    kill "$CUPSD_PID" 2>/dev/null
  ) </dev/null >/dev/null 2>&1 &
  CUPSD_WATCH=$!
  export CUPS_SERVER=$dir/cups.sock
  for i in $(seq 100); do
    _cupsd_answers && break
    kill -0 "$CUPSD_PID" 2>/dev/null || break
    sleep 0.1
  done
  if ! _cupsd_answers; then
    _cupsd_fail "cupsd does not answer at $CUPS_SERVER"
    cupsd_log
    cupsd_stop
    return 1
  fi

  # The PPD as this cupsd lists it (lsb/usr/cups-pdf/CUPS-PDF_opt.ppd on
  # Debian), else the file itself.
  ppd=$(lpinfo -m 2>/dev/null | awk '/CUPS-PDF_opt\.ppd/ { print $1; exit }')
  local model=(-m "$ppd")
  [ -n "$ppd" ] || model=(-P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd)

  local suffix=medpacket-test-$$-$RANDOM
  CUPSD_PDFCONF=/etc/cups/cups-pdf-$suffix.conf
  cat >"$CUPSD_PDFCONF" <<EOF
Out $dir/out
AnonDirName $dir/out
Spool $dir/cups-pdf
GSTmp $dir/cups-pdf
Log $dir/log
LogType 7
Grp lp
UserUMask 0077
AnonUMask 0077
EOF
  export CUPSD_QUEUE=medpacket_test CUPSD_OUT=$dir/out CUPSD_DIR CUPSD_PID
  # The PDF reaches cups-pdf as PostScript (the PPD is a PostScript
  # printer's), which Ghostscript turns back into PDF. The default renderer of
  # that first step (Ghostscript's ps2write) draws text in Type 3 fonts that
  # pdftotext cannot read back; pdftocairo keeps it text, as Debian's cups-pdf
  # README advises. Label=2: file names end in -job_N.
  if ! lpadmin -p "$CUPSD_QUEUE" -E -v "cups-pdf:/$suffix" "${model[@]}" \
    -o pdftops-renderer-default=pdftocairo -o Label=2 >"$dir"/log/lpadmin.out 2>&1; then
    _cupsd_fail "lpadmin could not add the cups-pdf queue: $(cat "$dir"/log/lpadmin.out)"
    cupsd_log
    cupsd_stop
    return 1
  fi
  return 0
}

cupsd_stop() {
  local i
  if [ -n "$CUPSD_PID" ]; then
    kill "$CUPSD_PID" 2>/dev/null
    for i in $(seq 50); do
      kill -0 "$CUPSD_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$CUPSD_PID" 2>/dev/null
    wait "$CUPSD_PID" 2>/dev/null
    CUPSD_PID=
  fi
  if [ -n "$CUPSD_WATCH" ]; then
    kill "$CUPSD_WATCH" 2>/dev/null
    wait "$CUPSD_WATCH" 2>/dev/null
    CUPSD_WATCH=
  fi
  if [ -n "$CUPSD_PDFCONF" ]; then
    rm -f "$CUPSD_PDFCONF"
    CUPSD_PDFCONF=
  fi
  return 0
}

cupsd_alive() {
  local status
  [ -n "$CUPSD_PID" ] || { _cupsd_fail "no cupsd was started"; return 1; }
  if kill -0 "$CUPSD_PID" 2>/dev/null && _cupsd_answers; then
    return 0
  fi
  if ! kill -0 "$CUPSD_PID" 2>/dev/null; then
    wait "$CUPSD_PID" 2>/dev/null
    status=$?
    if [ "$status" -eq 127 ]; then # asked from a subshell: not its child
      _cupsd_fail "the CUPS scheduler (pid $CUPSD_PID) is gone"
    elif [ "$status" -gt 128 ]; then
      _cupsd_fail "the CUPS scheduler died of signal $((status - 128)) ($(kill -l "$((status - 128))" 2>/dev/null))"
    else
      _cupsd_fail "the CUPS scheduler exited with status $status"
    fi
    CUPSD_PID=
  else
    _cupsd_fail "the CUPS scheduler runs but does not answer"
  fi
  cupsd_log
  return 1
}

cupsd_wait_output() {
  local out=$1 timeout=${2:-30} job=${3:-} deadline pending pattern='*.pdf'
  [ -z "$job" ] || pattern="*-job_$job.pdf"
  deadline=$((SECONDS + timeout))
  while :; do
    # A dead scheduler has no jobs left either: that is no success.
    cupsd_alive || return 1
    pending=$(lpstat -o 2>/dev/null)
    [ -z "$job" ] || pending=$(printf '%s\n' "$pending" | grep -- "-$job ")
    if [ -z "$pending" ]; then
      # cups-pdf writes the file before its job ends: a job that is done
      # and left no file never will.
      if compgen -G "$out/$pattern" >/dev/null; then
        ls -tr "$out"/$pattern
        return 0
      fi
      echo "cupsd.sh: the jobs ended, and $out has no $pattern" >&2
    elif [ "$SECONDS" -ge "$deadline" ]; then
      echo "cupsd.sh: no finished PDF in $out after $timeout s; jobs not done: $pending" >&2
    else
      sleep 0.1
      continue
    fi
    echo "cupsd.sh: jobs: $(lpstat -W all -o 2>&1 | tr '\n' ';')" >&2
    return 1
  done
}

cupsd_job_attrs() {
  local job=$1 uri
  [ -n "$CUPSD_DIR" ] || return 1
  # ipptool reaches a socket through a URI whose host is its path, encoded.
  uri="ipp://$(printf '%s' "$CUPSD_DIR/cups.sock" | sed 's,/,%2F,g')/jobs/$job"
  printf '%s\n' '{' '  OPERATION Get-Job-Attributes' '  GROUP operation-attributes-tag' \
    '  ATTR charset attributes-charset utf-8' '  ATTR naturalLanguage attributes-natural-language en' \
    '  ATTR uri job-uri $uri' '  ATTR name requesting-user-name root' \
    '  ATTR keyword requested-attributes all' '  STATUS successful-ok' '}' \
    >"$CUPSD_DIR"/get-job-attributes.test
  ipptool -tv "$uri" "$CUPSD_DIR"/get-job-attributes.test |
    awk '/status-code = / { on = 1; next }
         on && / = / { sub(/^ +/, ""); name = $1; sub(/^[^=]*= /, ""); print name "=" $0 }'
}

cupsd_log() {
  local f
  [ -n "$CUPSD_DIR" ] || return 0
  for f in "$CUPSD_DIR"/log/cupsd.out "$CUPSD_DIR"/log/error_log "$CUPSD_DIR"/log/cups-pdf-*_log; do
    [ -s "$f" ] || continue
    echo "---- $f (last 60 lines)" >&2
    tail -n 60 "$f" >&2
  done
}
