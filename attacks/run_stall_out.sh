#!/bin/sh
# usage: run_stall_out.sh control|sandbox|reference [setpriv args...]
# sandbox: praxis --max-output 10M --wall 2 --memory 64M, stdout a pipe whose
# reader sleeps 12 s; prints how long praxis lived and the plugin's RSS at 4 s.
mode=$1; shift
cd "$(dirname "$0")"
start=$(date +%s.%N)
case $mode in
control) ( timeout 6 "$@" ./stall_out | (sleep 12; cat >/dev/null) ) & ;;
reference) ( "$@" ../build/praxis run --max-output 10M --wall 2 --memory 64M -- ./stall_out >/dev/null; echo "praxis exit $?" >&2 ) & ;;
sandbox) ( "$@" ../build/praxis run --max-output 10M --wall 2 --memory 64M -- ./stall_out | (sleep 12; cat >/dev/null; echo "reader done" >&2) ) & ;;
esac
sleep 4
for p in $(pgrep -x stall_out); do echo "at 4 s: stall_out pid $p $(grep VmRSS /proc/$p/status)"; done
[ -z "$(pgrep -x stall_out)" ] && echo "at 4 s: no stall_out alive"
wait
echo "$mode lived $(echo "$(date +%s.%N) - $start" | bc) s"
