#!/bin/sh
# usage: attacks/run_stop_loss.sh SIGNAL [--max-output 1G] [setpriv ...]
# praxis runs stop_loss with --audit; SIGNAL is sent to praxis after 1.5 s;
# then: rounds the plugin completed (its count file) vs lines of output
# received vs audit records of its opens.
sig=$1; shift; mo=""; [ "$1" = "--max-output" ] && { mo="--max-output $2"; shift 2; }
W=/tmp/rv3/sl.$$; mkdir -p $W; chmod 777 $W; touch $W/x; chmod 666 $W/x
"$@" build/praxis run --allow filesystem.read=$W --allow filesystem.write=$W $mo \
	--audit $W/audit.jsonl -- attacks/stop_loss $W > $W/out.txt 2>$W/err.txt & pid=$!
sleep 1.5; kill -$sig $pid; wait $pid; rc=$?
done_n=$(tr -d '\0 ' < $W/count | head -1)
last=$(tail -n 1 $W/out.txt)
recs=$(grep -c '"target":"'$W'/x"' $W/audit.jsonl)
echo "signal $sig $mo: praxis exit $rc; plugin completed $done_n rounds; output: $(wc -l < $W/out.txt) lines, last '$last'; audit records of x: $recs; last record: $(tail -n1 $W/audit.jsonl | cut -c1-200)"
cat $W/err.txt | head -3
rm -rf $W
