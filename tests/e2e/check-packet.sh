#!/usr/bin/env bash
# check on a packet: a finding in a file its forms share (the clinic's
# booking URL) is said once, not once per form (issue 13, item 17).
set -u
bin=$1 root=$2
. "$root/tests/e2e/lib.sh"
new_workdir
cd "$work" || exit 1
mkdir p
sed -e "s#^booking_url: https:#booking_url: http:#" \
  -e "s#^booking_key_file: .*#booking_key_file: $root/tests/fixtures/booking.key#" \
  "$root/tests/fixtures/clinic.yaml" >p/clinic.yaml
cp "$root/tests/fixtures/consent.yaml" p/a.yaml
sed 's/^id: test-consent/id: test-consent-b/' "$root/tests/fixtures/consent.yaml" >p/b.yaml
printf 'kind: packet\nid: two\ntitle: Two\nclinic: clinic.yaml\nforms:\n  - a.yaml\n  - b.yaml\n' >p/packet.yaml
err=$("$bin" check p/packet.yaml 2>&1)
check_eq "the clinic's http: warning, once for the packet" \
  "$(printf '%s\n' "$err" | grep -c "clinic.yaml:.*warning: the booking URL is not https")" 1
finish
