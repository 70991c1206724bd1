#!/bin/sh
# usage: attacks/run_epoll_keys.sh control|sandbox EPOLLS FILES NUMBERS [setpriv ...]
# SUnreclaim and MemAvailable from outside once the watches are made; the run's report.
mode=$1; e=$2; f=$3; n=$4; shift 4
P=build/praxis; R=/tmp/ek_report.$$.json; O=/tmp/ek_out.$$.txt
av() { awk '/MemAvailable/{print int($2/1024)}' /proc/meminfo; }
sl() { awk '/SUnreclaim/{print int($2/1024)}' /proc/meminfo; }
before=$(av); sbefore=$(sl)
if [ "$mode" = control ]; then
	( ulimit -n 1024; "$@" attacks/epoll_keys $e $f $n 8 ) > $O 2>&1 &
else
	"$@" $P run --memory 64M --wall 30 --report $R -- attacks/epoll_keys $e $f $n 8 > $O 2>&1 &
fi
pid=$!
i=0; while [ $i -lt 40 ] && ! grep -q watches $O 2>/dev/null && kill -0 $pid 2>/dev/null; do sleep 0.5; i=$((i+1)); done
sleep 2
mid=$(av); smid=$(sl)
wait $pid; rc=$?; after=$(av)
echo "exit $rc; MemAvailable drop once made (outside view): $((before - mid)) MiB (SUnreclaim +$((smid - sbefore)) MiB); after exit: $((before - after)) MiB"
cat $O
[ "$mode" = control ] || { grep -o '"limit[^,]*,[^,]*' $R; grep -o '"memory[^}]*' $R | head -3; cat $R | head -c 1500; }; echo
rm -f $R $O
