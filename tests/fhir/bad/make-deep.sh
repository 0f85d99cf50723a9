#!/usr/bin/env bash
# Writes bad input for the FHIR reader: a Patient whose JSON nests 100000
# levels deep (LEVELS): 50000 extensions, each an object in an array holding
# the next, as a parser that recurses per level would overflow its stack on.
# Valid JSON, and FHIR in shape; only its depth is hostile. Generated, not
# committed (2.4 MB).
#
#   bad/make-deep.sh OUT [LEVELS]
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 OUT [LEVELS]" >&2
  exit 2
fi
out=$1
levels=${2:-100000}
# The Patient is a level, and each extension two (its array and its object).
extensions=$(((levels - 1) / 2))
if [ "$extensions" -lt 1 ]; then
  echo "$0: LEVELS must be 3 or more" >&2
  exit 2
fi
{
  printf '%s' '{"resourceType":"Patient","id":"pt-deep","extension":['
  # Each level opens an extension whose own extension holds the next one;
  # the innermost has a value instead. yes|head is fast where a shell loop
  # of 100000 printfs is not; yes dies of SIGPIPE when head has enough, so
  # pipefail is off for these two (the status is tr's, the writer's).
  (
    set +o pipefail
    yes '{"url":"http://example.org/deep","extension":[' | head -n $((extensions - 1)) | tr -d '\n'
    printf '%s' '{"url":"http://example.org/deep","valueString":"bottom"}'
    yes ']}' | head -n $((extensions - 1)) | tr -d '\n'
  )
  printf '%s\n' '],"name":[{"family":"Hondo","given":["Pozo"]}],"birthDate":"1980-03-03"}'
} >"$out"
