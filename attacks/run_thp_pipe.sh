#!/bin/sh
# usage: attacks/run_thp_pipe.sh control|sandbox PIPES [setpriv ...]
# Measures MemAvailable from outside (the sandbox may not read /proc/meminfo)
# at 3 s and prints the run's report.
mode=$1; pipes=$2; shift 2
P=build/praxis; R=/tmp/thp_report.$$.json; O=/tmp/thp_out.$$.txt
av() { awk '/MemAvailable/{print int($2/1024)}' /proc/meminfo; }
before=$(av)
if [ "$mode" = control ]; then
	"$@" attacks/thp_pipe "$pipes" 6 > $O 2>&1 &
else
	"$@" $P run --memory 64M --wall 20 --report $R -- \
		attacks/thp_pipe "$pipes" 6 > $O 2>&1 &
fi
pid=$!
sleep 4
mid=$(av)
wait $pid; rc=$?; after=$(av)
echo "exit $rc; MemAvailable drop while running (outside view): $((before - mid)) MiB; after exit: $((before - after)) MiB"
cat $O
[ "$mode" = control ] || cat $R; echo
rm -f $R $O
