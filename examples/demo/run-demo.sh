#!/usr/bin/env bash
# The README's demo: a plugin reads a granted file, is denied a secret one,
# and the audit log shows both. Usage: run-demo.sh PATH/TO/praxis
set -euo pipefail
praxis=$(realpath "${1:-build/praxis}")
reader=$(dirname "$praxis")/examples/demo/demo-reader
dir=$(mktemp -d /tmp/praxis-demo.XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo "quarterly numbers: 42" >"$dir/data.txt"
echo "root password: hunter2" >"$dir/secret.txt"
cd "$dir"

echo "\$ praxis run --allow filesystem.read=$dir/data.txt --audit audit.jsonl -- demo-reader data.txt secret.txt"
set +e
LANG=C LC_ALL=C "$praxis" run --allow "filesystem.read=$dir/data.txt" --audit audit.jsonl \
	--report report.json -- "$reader" data.txt secret.txt
status=$?
set -e
echo "(plugin exit status $status)"
echo
echo "Audit log ($dir/audit.jsonl, $(wc -l <audit.jsonl) records):"
python3 - audit.jsonl <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    mark = "allow" if r["allowed"] else "DENY "
    print(f'  {r["timestamp"][11:26]} {mark} {r["action"]:<18} {r["target"][:60]:<60} {r["reason"][:70]}')
PY
echo
echo "Report: $(cat report.json)"
