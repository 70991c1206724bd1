#!/bin/sh
# Make the installed static library expose only the public API: link every
# object of IN.a into one relocatable object, turn each hidden symbol (all
# but praxis_*, see -fvisibility=hidden and PRAXIS_API) into a local one,
# and archive that as OUT.a.
set -eu
in=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${LD:-ld} -r --whole-archive "$in" -o "$tmp/praxis.o"
${OBJCOPY:-objcopy} --localize-hidden "$tmp/praxis.o"
rm -f "$out"
${AR:-ar} rcs "$out" "$tmp/praxis.o"
