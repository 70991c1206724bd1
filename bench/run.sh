#!/usr/bin/env bash
# End-to-end launch latency: praxis run vs plain exec, env, bwrap (and
# nsjail/minijail when installed), interleaved in one process by spawn_cmd;
# then the library's own spawn (bench_spawn). See bench/README.md.
#
#   bench/run.sh [-n N] [--no-lib] [--no-install] [--audit]
#     -n N          runs per command (default 300)
#     --no-lib      skip bench_spawn (library-level numbers)
#     --no-install  do not apt-get install bubblewrap when it is missing
#     --audit       then run bench/run_audit.sh (audit cost; about 2 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

n=300
lib=1
install=1
audit=0
while [ $# -gt 0 ]; do
	case "$1" in
	-n) n="$2"; shift 2 ;;
	-n*) n="${1#-n}"; shift ;;
	--no-lib) lib=0; shift ;;
	--no-install) install=0; shift ;;
	--audit) audit=1; shift ;;
	-h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

builddir=$(scripts/build.sh)
praxis=$PWD/$builddir/praxis
spawn_cmd=$PWD/$builddir/bench/spawn_cmd
bench_spawn=$PWD/$builddir/bench/bench_spawn

echo "== Praxis launch benchmark"
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) cpus, $(uname -srm), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (+local changes)')"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg)"
echo

tmp=$(mktemp -d /tmp/praxis-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/write"

py=/usr/bin/python3
full=(--allow filesystem.read=/usr --allow "filesystem.write=$tmp/write"
      --allow environment.read --allow system.subprocess
      --memory 256M --cpu 10 --wall 30 --max-procs 64)

# bubblewrap: install from apt when missing, skip when it cannot run here.
notes=()
if ! command -v bwrap >/dev/null && [ "$install" = 1 ]; then
	echo "installing bubblewrap from apt..." >&2
	if ! { apt-get install -y bubblewrap >/dev/null 2>&1 ||
	       { apt-get update >/dev/null 2>&1 && apt-get install -y bubblewrap >/dev/null 2>&1; }; }; then
		notes+=("bwrap: skipped (apt-get install bubblewrap failed)")
	fi
fi
bwrap_ok=0
if command -v bwrap >/dev/null; then
	if err=$(bwrap --ro-bind / / --unshare-all /bin/true 2>&1); then
		bwrap_ok=1
	else
		notes+=("bwrap: skipped (cannot run here: ${err%%$'\n'*})")
	fi
elif [ ${#notes[@]} -eq 0 ]; then
	notes+=("bwrap: skipped (not installed)")
fi

# The command table for spawn_cmd, one command per line: [@LABEL] [vs=LABEL] ARGV...
{
	echo "@plain /bin/true"
	echo "@env /usr/bin/env /bin/true"
	echo "@praxis-base $praxis run -- /bin/true"
	echo "@praxis-full-nolimits vs=praxis-base $praxis run ${full[*]:0:8} -- /bin/true"
	echo "@praxis-full vs=praxis-full-nolimits $praxis run ${full[*]} -- /bin/true"
	# Breakdown: launcher start-up alone (exec + dynamic linking, no sandbox),
	# then start-up + praxis_sandbox_new (compile the policy, no run).
	echo "@praxis-startup $praxis help"
	echo "@praxis-compile vs=praxis-startup $praxis run ${full[*]} --dump-policy"
	if [ "$bwrap_ok" = 1 ]; then
		echo "@bwrap $(command -v bwrap) --ro-bind / / --unshare-all /bin/true"
	fi
	if command -v nsjail >/dev/null; then
		echo "@nsjail $(command -v nsjail) -Mo -q --chroot / --disable_proc -- /bin/true"
	else
		notes+=("nsjail: skipped (not installed; not packaged in Debian 12)")
	fi
	if command -v minijail0 >/dev/null; then
		echo "@minijail $(command -v minijail0) -p -n -v -- /bin/true"
	else
		notes+=("minijail: skipped (not installed; not packaged in Debian 12)")
	fi
	if [ -x "$py" ]; then
		echo "@python-plain $py -c pass"
		echo "@python-praxis vs=python-plain $praxis run -- $py -c pass"
		echo "@python-praxis-full vs=python-plain $praxis run ${full[*]} -- $py -c pass"
	else
		notes+=("python: skipped ($py not found)")
	fi
} >"$tmp/commands"

echo "== End to end (CLI launchers, /bin/true; one process, round-robin)"
rc=0
"$spawn_cmd" -n "$n" -p plain -e env -f "$tmp/commands" || rc=$?
if [ "$rc" -ne 0 ]; then
	notes+=("some commands FAILED (spawn_cmd exit $rc): rerun the failing line by hand to see why")
	[ "$rc" -eq 3 ] || exit "$rc"
fi
for note in "${notes[@]}"; do
	echo "$note"
done

if [ "$lib" = 1 ]; then
	echo
	echo "== Library spawn (praxis_sandbox_run, sandbox built once; one process, round-robin)"
	"$bench_spawn" -n "$n"
fi
echo
echo "Goals: praxis-full x_env <= 1.15; lib base/full x_plain <= 1.30."
if [ "$audit" = 1 ]; then
	echo
	bench/run_audit.sh
fi
