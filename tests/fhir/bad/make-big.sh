#!/usr/bin/env bash
# Writes bad input for the FHIR reader that is too large to commit: an NDJSON
# file whose first line is a Patient with a 10 MB narrative (text.div), and
# whose second line is an ordinary Patient. A reader must refuse the first
# (a resource that large is not a chart a clinic prints from) and go on to
# the second without holding more than a line at a time.
#
#   bad/make-big.sh OUT
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 OUT" >&2
  exit 2
fi
out=$1
{
  printf '%s' '{"resourceType":"Patient","id":"pt-big","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">'
  # 10 MiB of narrative: a short paragraph, repeated.
  # yes dies of SIGPIPE when head has enough, so pipefail is off here: the
  # status is head's, which still fails if the file cannot be written.
  (
    set +o pipefail
    yes '<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>' | tr -d '\n' | head -c $((10 * 1024 * 1024))
  )
  printf '%s\n' '</div>"},"identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:oid:1.2.36.146.595.217.0.1","value":"A9001"}],"name":[{"family":"Grande","given":["Beto"]}],"birthDate":"1970-01-01"}'
  printf '%s\n' '{"resourceType":"Patient","id":"pt-small","identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:oid:1.2.36.146.595.217.0.1","value":"A9002"}],"name":[{"family":"Chico","given":["Ana"]}],"birthDate":"1971-02-02","communication":[{"language":{"coding":[{"system":"urn:ietf:bcp:47","code":"es"}]},"preferred":true}]}'
} >"$out"
