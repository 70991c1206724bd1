#!/usr/bin/env bash
# Install what building and testing Praxis needs on Debian 12 (idempotent).
set -euo pipefail
pkgs=(build-essential meson ninja-build pkg-config libseccomp-dev libjansson-dev
      libcriterion-dev python3 util-linux bubblewrap hyperfine curl valgrind
      clang libclang-rt-14-dev libfuzzer-14-dev
      python3-dev python3-venv python3-mesonpy python3-pytest)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
