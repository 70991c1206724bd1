#!/usr/bin/env bash
# Install, build, and run the demo plugin under the sandbox, showing its audit log.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
exec examples/demo/run-demo.sh build/praxis
