#!/usr/bin/env bash
# Refreshes tests/golden/ after an intended change to the output. Look at the
# new PDF (pdftoppm -png) before you commit the new checksum.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export SOURCE_DATE_EPOCH=1764547200
out=$(mktemp -d)
bash "$root/tests/golden/clinic.sh" "$root" "$out/clinic.yaml"
"$root/build/medpacket" render "$root/forms/trigger-point/packet.yaml" --clinic "$out/clinic.yaml" \
  --data "$root/examples/patient.yaml" -o "$out/packet.pdf"
mkdir -p "$root/tests/golden"
sha256sum <"$out/packet.pdf" | cut -d' ' -f1 >"$root/tests/golden/packet.sha256"
echo "updated tests/golden/packet.sha256 from $out/packet.pdf"
