#!/usr/bin/env bash
# Accepts every received snapshot: moves tests/**/Snapshots/*.received.cs over the matching .verified.cs.
# Review the diff first (git diff after running this shows exactly what changed).
set -euo pipefail
cd "$(dirname "$0")"
find . -path '*/Snapshots/*.received.cs' | while read -r received; do
  mv "$received" "${received%.received.cs}.verified.cs"
  echo "accepted ${received%.received.cs}.verified.cs"
done
