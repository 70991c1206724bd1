#!/bin/sh
# usage: attacks/run_thread_files.sh control|sandbox MODE THREADS [setpriv ...]
# MemAvailable and Slab from outside at 5 s; the run's report.
mode=$1; what=$2; n=$3; shift 3
P=build/praxis; R=/tmp/tf_report.$$.json; O=/tmp/tf_out.$$.txt
av() { awk '/MemAvailable/{print int($2/1024)}' /proc/meminfo; }
sl() { awk '/SUnreclaim/{print int($2/1024)}' /proc/meminfo; }
before=$(av); sbefore=$(sl)
if [ "$mode" = control ]; then
	( ulimit -n 1024; "$@" attacks/thread_files "$what" "$n" 8 ) > $O 2>&1 &
else
	"$@" $P run --memory 64M --wall 30 --report $R -- \
		attacks/thread_files "$what" "$n" 8 > $O 2>&1 &
fi
pid=$!
sleep 6
mid=$(av); smid=$(sl)
wait $pid; rc=$?; after=$(av)
echo "exit $rc; MemAvailable drop at 6 s (outside view): $((before - mid)) MiB (SUnreclaim +$((smid - sbefore)) MiB); after exit: $((before - after)) MiB"
cat $O
[ "$mode" = control ] || cat $R; echo
rm -f $R $O
