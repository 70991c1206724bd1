#!/bin/sh
# usage: attacks/run_deep_link.sh [setpriv ...]
# Host tree (made here): /tmp/rv3/n (NOT granted) holds a file 2100 levels
# deep: n/a/.../a/s (2000 levels) is a symlink to a/.../a/F (100 more).
# The plugin, cwd /tmp/rv3/w (filesystem.read and .write granted), links L to
# /tmp/rv3/n/a/.../a/s and opens L. Control: the same, unsandboxed.
R=$(pwd); N=/tmp/rv3/n; W=/tmp/rv3/w; A=/tmp/rv3/link.$$.jsonl
rm -rf $N $W; mkdir -p $W; chmod 777 $W
A2000=$(python3 -c 'print("/".join(["a"]*2000))'); A100=$(python3 -c 'print("/".join(["a"]*100))')
(mkdir -p $N && cd $N && python3 - <<PY
import os
os.chdir("$N")
for part in ["$A2000"]:
    for c in part.split("/"):
        os.mkdir(c); os.chdir(c)
os.symlink("$A100/F", "s")
for c in "$A100".split("/"):
    os.mkdir(c); os.chdir(c)
open("F","w").write("host secret beyond PATH_MAX\n")
PY
)
T=$N/$A2000/s
echo "target string: ${#T} bytes"
echo "control:"; (cd $W && "$@" $R/attacks/deep_link $T)
echo "sandbox:"; "$@" build/praxis run --allow filesystem.read=$W --allow filesystem.write=$W --cwd $W --audit $A -- attacks/deep_link $T
grep '"target":"[^"]*L"' $A | cut -c1-400
grep filesystem.read $A | grep -v -e /usr -e /etc -e /lib | cut -c1-400
rm -f $A
