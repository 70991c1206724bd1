#!/bin/sh
# usage: attacks/run_deep_walk.sh LEVELS OPENS [setpriv ...]
# Builds /tmp/rv3/w/a/a/... LEVELS deep (unsandboxed: the control, as the
# given user), then runs deep_walk in praxis with filesystem.write=/tmp/rv3/w:
# it chdirs down and creates/opens "f" OPENS times. Prints the kernel's
# answers, the records, praxis's own CPU time and its fd count at the end.
R=$(pwd); levels=$1; opens=$2; shift 2
W=/tmp/rv3/w; A=/tmp/rv3/deep.$$.jsonl
rm -rf $W; mkdir -p $W; chmod 777 /tmp/rv3 $W
echo "control:"; (cd $W && "$@" $R/attacks/deep_walk $levels $opens | tail -1)
echo "sandbox:"
"$@" /usr/bin/time -f "praxis: %e s wall, %U s user + %S s system CPU" \
	build/praxis run --allow filesystem.write=$W --cwd $W --wall 280 --audit $A -- \
	attacks/deep_walk $levels $opens prebuilt & pid=$!
# fds of the supervisor while the plugin runs
sleep 1; sup=$(pgrep -P $pid -x praxis | head -1); [ -n "$sup" ] && echo "praxis fds at 1 s: $(ls /proc/$sup/fd | wc -l)"
wait $pid
echo "records for f: $(grep -c '"target":"[^"]*/f"' $A); allowed: $(grep '"target":"[^"]*/f"' $A | grep -c '"allowed":true'); denied: $(grep '"target":"[^"]*/f"' $A | grep -c '"allowed":false')"
grep '"target":"[^"]*/f"' $A | head -1 | cut -c1-330
rm -f $A
