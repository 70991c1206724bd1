#!/bin/sh
# Per-run cgroups leak when praxis is stopped the usual way (SIGTERM from
# timeout(1)/systemd/kill, SIGHUP from a closed terminal): no handler, so the
# cgroup praxis created stays. Where the host's cgroup bounds its children
# (cgroup.max.descendants, as a delegated subtree often does), the leaks use
# the budget up and every later run is *sampled*: the cpu_children bypass of
# the previous review works again.
# usage (root): run_cgroup_leak.sh [setpriv --reuid=65534 --regid=65534 --clear-groups]
# It makes its own cgroup rv2-leak-PID (max.descendants 3) under the cgroup2
# root, runs from inside it (delegated to 65534 when setpriv is given),
# and removes everything it made at the end.
cd "$(dirname "$0")"
ROOT=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
CG=$ROOT/rv2-leak-$$
ORIG=$ROOT$(sed -n 's/^0:://p' /proc/self/cgroup)
mkdir "$CG" && echo 3 > "$CG/cgroup.max.descendants" || exit 1
[ -n "$1" ] && chown 65534:65534 "$CG" "$CG/cgroup.procs" "$CG/cgroup.threads" "$CG/cgroup.subtree_control"
echo $$ > "$CG/cgroup.procs"
for sig in TERM HUP TERM; do
  "$@" ../build/praxis run --allow system.subprocess --cpu 30 -- /bin/sleep 30 &
  P=$!; sleep 0.5; kill -$sig $P; wait $P
  echo "praxis stopped by SIG$sig (exit $?); cgroups left under $CG: $(cd $CG && ls -d praxis-* 2>/dev/null | wc -l)"
done
D=/tmp/rv2-leak-$$; mkdir -p $D; chmod 777 $D
"$@" ../build/praxis run --allow system.subprocess --cpu 1 --wall 20 --report $D/report.json \
   --audit $D/audit.jsonl --audit-level all -- ./cpu_children 3 >$D/out.txt 2>&1; rc=$?
echo "next run (--cpu 1): exit $rc"; sed "s/^/  /" $D/out.txt
grep -o 'cpu accounting: [^"]*' $D/audit.jsonl | head -1
sed 's/.*"usage":{\([^}]*\)}.*/report usage: \1/' $D/report.json; echo
echo $$ > "$ORIG/cgroup.procs"
for d in "$CG"/praxis-*; do [ -d "$d" ] && rmdir "$d"; done
rmdir "$CG"; rm -rf $D
