#!/bin/sh
# usage: run_audit_dirfd.sh control|sandbox [setpriv args...]
# /tmp/rv_audit/a/f holds "A" (granted), /tmp/rv_audit/b/f holds "B" (not).
mode=$1; shift
cd "$(dirname "$0")"
D=/tmp/rv_audit; { mkdir -p $D/a $D/b; echo A >$D/a/f; echo B >$D/b/f; chmod -R a+rX $D; } 2>/dev/null
L=/tmp/rv_audit.jsonl; { rm -f $L; touch $L; chmod 666 $L; } 2>/dev/null
if [ "$mode" = control ]; then
  "$@" ./audit_dirfd $D/a $D/b 2000 | sort | uniq -c; exit
fi
"$@" ../build/praxis run --allow filesystem.read=$D/a --audit $L -- ./audit_dirfd $D/a $D/b 2000 >/tmp/rv_audit.out
grep -o '"target":"/tmp/rv_audit/[ab]/f","allowed":[a-z]*' $L | sed 's/"target":"\/tmp\/rv_audit\///; s/","allowed":/ /' >/tmp/rv_audit.rec
echo "attempts: $(wc -l </tmp/rv_audit.out), records naming a/f or b/f: $(wc -l </tmp/rv_audit.rec)"
echo "kernel result | audit record (target allowed):"
paste -d'|' /tmp/rv_audit.out /tmp/rv_audit.rec | sort | uniq -c
