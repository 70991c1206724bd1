#!/bin/sh
# A shell plugin: params JSON on stdin (unused here), result JSON on stdout.
# It may read /proc/loadavg and run uname, as its manifest declares; nothing else.
set -eu
read -r one five fifteen rest </proc/loadavg
kernel=$(uname -r)
printf '{"kernel": "%s", "load": [%s, %s, %s]}\n' "$kernel" "$one" "$five" "$fifteen"
