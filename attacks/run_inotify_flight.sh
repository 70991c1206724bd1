#!/bin/sh
# usage: attacks/run_inotify_flight.sh control|sandbox INSTANCES ROUNDS [setpriv ...]
mode=$1; n=$2; rounds=$3; shift 3; D=/usr/share/man/man1
P=build/praxis; R=/tmp/if_report.$$.json; O=/tmp/if_out.$$.txt
sl() { awk '/SUnreclaim/{print int($2/1024)}' /proc/meminfo; }
sbefore=$(sl)
if [ "$mode" = control ]; then
	( ulimit -n 1024; "$@" attacks/inotify_flight $D $n $rounds 8 ) > $O 2>&1 &
else
	"$@" $P run --memory 64M --wall 40 --allow filesystem.read=$D --report $R -- attacks/inotify_flight $D $n $rounds 8 > $O 2>&1 &
fi
pid=$!
i=0; while [ $i -lt 60 ] && ! grep -q opens $O 2>/dev/null && kill -0 $pid 2>/dev/null; do sleep 0.5; i=$((i+1)); done
sleep 2; smid=$(sl)
wait $pid; rc=$?; safter=$(sl)
echo "exit $rc; SUnreclaim +$((smid - sbefore)) MiB once made (outside view), +$((safter - sbefore)) MiB after exit"
cat $O; [ "$mode" = control ] || cat $R; echo
rm -f $R $O
