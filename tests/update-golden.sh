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
"$root/build/tests/layout_dump" "$root/forms/trigger-point/packet.yaml" "$out/clinic.yaml" \
  "$root/examples/patient.yaml" >"$root/tests/golden/packet.layout.txt"
echo "updated tests/golden/packet.sha256 and packet.layout.txt from $out/packet.pdf"
