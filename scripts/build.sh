#!/usr/bin/env bash
# Build Praxis into build/ (release-ish) or, with --sanitize, build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
opts=()
if [ "${1:-}" = "--sanitize" ]; then
	dir=build-asan
	opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug)
fi
[ -d "$dir" ] || meson setup "$dir" "${opts[@]}" >/dev/null
ninja -C "$dir" >/dev/null
echo "$dir"
