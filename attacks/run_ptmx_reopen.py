#!/usr/bin/env python3
"""stdout = a pty *master* (written to by the host: what it writes is the
slave's input, read here on the slave). The relay reopens a character device
through /proc/self/fd/N: for a master that names /dev/ptmx, and opening
/dev/ptmx makes a new pty pair. usage: run_ptmx_reopen.py direct|relay LINES [-- PREFIX...]"""
import os, sys, subprocess, select, time, termios, tty
mode, lines = sys.argv[1], int(sys.argv[2])
prefix = sys.argv[sys.argv.index('--') + 1:] if '--' in sys.argv else []
m, s = os.openpty()
tty.setraw(s)
print("stdout link:", os.readlink(f"/proc/self/fd/{m}"))
args = ["build/praxis", "run", "--wall", "10", "--report", "/tmp/ptmx_r_%d.json" % os.getpid() + "", "--audit", "/tmp/ptmx_a_%d.jsonl" % os.getpid() + ""]
if mode == "relay":
    args += ["--max-output", "10M"]
prog = ["/usr/bin/python3", "-c", f"import time\nfor i in range({lines}): print('line%d' % i, flush=True)\ntime.sleep(1)"]
before = len(os.listdir("/dev/pts"))
t0 = time.time()
p = subprocess.Popen(prefix + args + ["--"] + prog, stdout=m, stderr=subprocess.PIPE)
got = b""; peak = before
while True:
    r, _, _ = select.select([s], [], [], 0.05)
    if r:
        got += os.read(s, 65536)
    peak = max(peak, len(os.listdir("/dev/pts")))
    if p.poll() is not None and not r:
        break
    if time.time() - t0 > 30 and p.poll() is None:
        print(f"praxis still alive after 30 s (--wall 10): state", open(f"/proc/{p.pid}/wchan").read(),
              "fds:", sorted(os.readlink(f"/proc/{p.pid}/fd/{f}") for f in os.listdir(f"/proc/{p.pid}/fd") if "ptmx" in os.readlink(f"/proc/{p.pid}/fd/{f}")),
              "/dev/pts:", os.listdir("/dev/pts"), "- sending SIGKILL")
        p.kill()
err = p.stderr.read().decode()
print(f"praxis exit {p.returncode} after {time.time()-t0:.2f} s; read on the slave: {len(got)} bytes, "
      f"{got.count(b'line')} of {lines} lines; /dev/pts entries {before} -> peak {peak}")
print("stderr:", err.strip()[:300])
def rd(p):
    try: return open(p).read()
    except OSError as e: return f"({e.strerror})"
print("audit run.* records:", [l.strip()[:160] for l in rd("/tmp/ptmx_a_%d.jsonl" % os.getpid()).splitlines() if '"run.' in l and 'run.start' not in l])
print("report:", rd("/tmp/ptmx_r_%d.json" % os.getpid()))
