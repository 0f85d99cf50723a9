#!/usr/bin/env bash
# Writes to $2 the shipped clinic settings ($1/forms/clinic.yaml) with the
# tests' booking key instead of the machine's own (keys/booking.key, made by
# scripts/setup, differs from machine to machine: the golden checksum and the
# expected QR URL must not); the logo and the language notice's folder are
# named where they are shipped. Used by tests/e2e/render-packet.sh and
# tests/update-golden.sh.
set -eu
root=$1 out=$2
sed -e "s#^booking_key_file: .*#booking_key_file: $root/tests/fixtures/booking.key#" \
  -e "s#^logo: *\([^ ]*\)#logo: $root/forms/\1#" \
  -e "s#^language_notice: *\([^ ]*\)#language_notice: $root/forms/\1#" \
  "$root/forms/clinic.yaml" >"$out"
