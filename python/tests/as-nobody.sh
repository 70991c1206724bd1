#!/bin/sh
# Run a command as uid/gid 65534 with no groups (the suite's unprivileged
# pass); exit 77 (meson: skipped) when not started as root.
[ "$(id -u)" = 0 ] || { echo "not root: the uid 65534 pass is skipped"; exit 77; }
exec setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent "$@"
