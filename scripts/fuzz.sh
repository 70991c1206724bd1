#!/bin/sh
# Build the libFuzzer harnesses (tests/fuzz) with clang into build-fuzz and
# (-Wno-error: clang warns where gcc does not, e.g. on libseccomp's macros)
# run each for SECONDS (default 60). Fails on the first crash or finding;
# the reproducer is left as build-fuzz/crash-* (see tests/fuzz/README).
set -eu
SECONDS_EACH=${1:-60}
cd "$(dirname "$0")/.."
command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
if [ ! -d build-fuzz ]; then
	CC=clang CFLAGS="-fsanitize=fuzzer-no-link -Wno-error" meson setup build-fuzz -Dfuzz=true \
		-Dtests=false -Dbench=false -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz
status=0
for name in manifest values exec_result audit hand_back; do
	work=build-fuzz/fuzz-$name
	mkdir -p "$work/corpus"
	echo "== fuzz_$name for ${SECONDS_EACH}s"
	if ! ASAN_OPTIONS=detect_leaks=1 build-fuzz/tests/fuzz/fuzz_$name \
		-max_total_time="$SECONDS_EACH" -dict=tests/fuzz/praxis.dict \
		-artifact_prefix="build-fuzz/crash-$name-" -print_final_stats=1 \
		"$work/corpus" "tests/fuzz/corpus/$name" >"$work/log" 2>&1; then
		echo "fuzz_$name: FOUND A CRASH (log: $work/log)" >&2
		tail -40 "$work/log" >&2
		status=1
	else
		grep -E "stat::number_of_executed_units|cov:" "$work/log" | tail -2
	fi
done
exit $status
