#!/bin/sh
# Runs inside a private network namespace (unshare -n, as root): fd00::99 on
# lo plays the attacker's host (not on the allowlist; [::1]:8080 is).
# usage: run_srh.sh control|sandbox [setpriv args...]
mode=$1; shift
ip link set lo up
ip -6 addr add fd00::99/128 dev lo nodad
cd "$(dirname "$0")"
./sniff6 lo 2 | grep -v 'to ::1 ' & sleep 0.3
if [ "$mode" = control ]; then "$@" ./srh tcp ::1 8080 fd00::99
else rm -f /tmp/rv_srh.jsonl; touch /tmp/rv_srh.jsonl; chmod 666 /tmp/rv_srh.jsonl
  "$@" ../build/praxis run --allow 'network.http=[::1]:8080' --audit /tmp/rv_srh.jsonl -- ./srh tcp ::1 8080 fd00::99
  grep -h '"connect' /tmp/rv_srh.jsonl | sed 's/.*"target"/  audit: "target"/'; fi
wait
