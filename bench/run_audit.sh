#!/usr/bin/env bash
# The audit log's cost: per audited syscall (a plugin doing 100k opens of one
# granted file) and for python3 -c pass, at audit level off / denied / all vs
# no sandbox, interleaved in one process by bench_audit (library); then the
# same through the CLI (praxis run --audit FILE) with spawn_cmd. See
# bench/README.md.
#
#   bench/run_audit.sh [-n N] [-c OPENS] [--no-cli] [-- BENCH_AUDIT_ARGS...]
#     -n N        runs per case (default 7; python: 31)
#     -c OPENS    opens per run of the library table (default 100000; the CLI
#                 table uses a fifth of it)
#     --no-cli    skip the CLI table
#     -- ARGS     passed on to bench_audit (e.g. -L: no limits, -K: no
#                 kernel-only rows)
set -euo pipefail
cd "$(dirname "$0")/.."

n=7
opens=100000
cli=1
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	-n) n="$2"; shift 2 ;;
	-c) opens="$2"; shift 2 ;;
	--no-cli) cli=0; shift ;;
	--) shift; extra=("$@"); break ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run_audit.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

builddir=$(scripts/build.sh)
praxis=$PWD/$builddir/praxis
bench_audit=$PWD/$builddir/bench/bench_audit
open_loop=$PWD/$builddir/bench/open_loop
spawn_cmd=$PWD/$builddir/bench/spawn_cmd
py=/usr/bin/python3

echo "== Praxis audit benchmark"
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) cpus, $(uname -srm), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (+local changes)')"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg)"
echo

echo "== Library (praxis_sandbox_run, sandboxes built once; one process, round-robin)"
# -w 0: one run of the loop is 100k syscalls, long enough to need no
# warm-up; python still gets two warm-up rounds.
"$bench_audit" -n "$n" -w 0 -c "$opens" -P $((n * 4 + 3)) -o "$open_loop" ${extra[@]+"${extra[@]}"}

if [ "$cli" = 1 ]; then
	tmp=$(mktemp -d /tmp/praxis-bench-audit-cli.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	echo praxis >"$tmp/data"
	cli_opens=$((opens / 5))
	[ "$cli_opens" -ge 1 ] || cli_opens=1
	loop="$open_loop $tmp/data $cli_opens"
	run="$praxis run --allow filesystem.read=$tmp"
	{
		echo "@loop-plain $loop"
		echo "@loop-off vs=loop-plain $run --audit-level off -- $loop"
		echo "@loop-denied vs=loop-off $run --audit /dev/null --audit-level denied -- $loop"
		echo "@loop-all vs=loop-off $run --audit /dev/null -- $loop"
		if [ -x "$py" ]; then
			echo "@python-plain $py -c pass"
			echo "@python-off vs=python-plain $run --audit-level off -- $py -c pass"
			echo "@python-denied vs=python-off $run --audit /dev/null --audit-level denied -- $py -c pass"
			echo "@python-all vs=python-off $run --audit /dev/null -- $py -c pass"
		fi
	} >"$tmp/commands"
	echo
	echo "== CLI (praxis run, JSON Lines sink on /dev/null; open_loop x $cli_opens; one process, round-robin)"
	"$spawn_cmd" -n "$n" -w 1 -p loop-plain -f "$tmp/commands" | tee "$tmp/out"
	awk -v n="$cli_opens" '
		$1 ~ /^loop-/ { m[$1] = $2 }
		END {
			if (m["loop-off"] && m["loop-all"])
				printf "CLI us per audited syscall (median - off) / %d: denied %.2f, all %.2f; off / plain %.3fx\n",
				       n, (m["loop-denied"] - m["loop-off"]) / n, (m["loop-all"] - m["loop-off"]) / n,
				       m["loop-off"] / m["loop-plain"]
		}' "$tmp/out"
fi
echo
echo "Goals (audit issue): all < 10 us per audited syscall (median); off within 5% of no sandbox."
