#!/usr/bin/env bash
# Install, build, and run the whole test suite: a normal build, then the same
# tests under AddressSanitizer + UndefinedBehaviorSanitizer, then each fuzzer
# for a bounded time (PRAXIS_FUZZ_SECONDS, default 60; 0 skips them).
#
# No test may depend on the host's environment, so the two builds run in two
# opposite ones: the plain build in a crowded environment (hundreds of
# variables, several sensitive ones), the sanitized build in the caller's (a
# bare environment timed the manifest and executor suites out under ASan:
# not yet explained, see the issue note).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

crowded_env() {
	local vars=(SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
		NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
		AWS_SECRET_ACCESS_KEY=not-a-real-secret GITHUB_TOKEN=not-a-real-token
		SSH_AUTH_SOCK=/nonexistent/agent.sock)
	local i
	for i in $(seq 1 200); do
		vars+=("PRAXIS_CROWD_$i=$(printf 'x%.0s' $(seq 1 $((i % 50 + 1))))")
	done
	env "${vars[@]}" "$@"
}

bare_env() {
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="${HOME:-/root}" "$@"
}

status=0
dir=$(scripts/build.sh)
echo "=== tests in $dir (crowded environment: $(crowded_env env | wc -l) variables) ==="
crowded_env meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1

dir=$(scripts/build.sh --sanitize)
echo "=== tests in $dir ==="
meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1

# The Python package as a user gets it: pip install . into a venv made from
# Debian's packages alone (no index), then its suite from that venv, as root
# and as uid 65534.
echo "=== Python package: pip install into a venv, suite as $(id -un) and as uid 65534 ==="
venv=$(mktemp -d /tmp/praxis-venv.XXXXXX)
chmod 755 "$venv"
if /usr/bin/python3 -m venv --system-site-packages "$venv" &&
	"$venv/bin/pip" install -q --no-build-isolation --no-index . >"$venv/pip.log" 2>&1; then
	chmod -R a+rX "$venv"
	(cd /tmp && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$OLDPWD/python/tests") || status=1
	(cd /tmp && "$OLDPWD/python/tests/as-nobody.sh" "$venv/bin/python" -m pytest -q \
		-p no:cacheprovider "$OLDPWD/python/tests") || [ $? = 77 ] || status=1
else
	cat "$venv/pip.log" >&2
	status=1
fi
rm -rf "$venv"

if [ -x scripts/fuzz.sh ] && [ "${PRAXIS_FUZZ_SECONDS:-60}" != 0 ]; then
	echo "=== fuzzers, ${PRAXIS_FUZZ_SECONDS:-60} s each ==="
	scripts/fuzz.sh "${PRAXIS_FUZZ_SECONDS:-60}" || status=1
fi
exit $status
