#!/usr/bin/env bash
# Install, build, and run the whole test suite: a normal build, then the same
# tests under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
status=0
for variant in "" --sanitize; do
	dir=$(scripts/build.sh $variant)
	echo "=== tests in $dir ==="
	meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1
done
exit $status
