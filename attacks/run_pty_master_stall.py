#!/usr/bin/env python3
"""Row 30: stdout = a pty master whose slave nobody reads for HOLD seconds.
The master refuses RWF_NOWAIT, so the relay does a blocking write() of up to
256 bytes after POLLOUT; POLLOUT on a master means "some room", not 256 bytes.
Measures when praxis ends (--wall 3), whether SIGTERM at T ends it, and what
arrives. usage: run_pty_master_stall.py relay|direct HOLD [term_at] [-- PREFIX...]"""
import os, sys, subprocess, select, time, tty, signal
mode, hold = sys.argv[1], float(sys.argv[2])
term_at = float(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] != '--' else None
prefix = sys.argv[sys.argv.index('--') + 1:] if '--' in sys.argv else []
m, s = os.openpty(); tty.setraw(s)
R = "/tmp/pms_r_%d.json" % os.getpid()
args = ["build/praxis", "run", "--wall", "3", "--memory", "64M", "--report", R]
if mode == "relay": args += ["--max-output", "10M"]
# the plugin: 2 MB of lines, then a busy loop (the wall limit must stop it)
prog = ["/usr/bin/python3", "-c",
        "import sys\nfor i in range(40000): sys.stdout.write('x'*49+'\\n')\nsys.stdout.flush()\nwhile True: pass"]
t0 = time.time()
p = subprocess.Popen(prefix + args + ["--"] + prog, stdout=m, stderr=subprocess.PIPE)
got = 0; termed = None; ended = None; wchan = None
while True:
    now = time.time() - t0
    if term_at is not None and termed is None and now >= term_at and p.poll() is None:
        wchan = open(f"/proc/{p.pid}/wchan").read(); p.send_signal(signal.SIGTERM); termed = now
    if ended is None and p.poll() is not None: ended = now
    if now >= hold:
        r, _, _ = select.select([s], [], [], 0.05)
        if r:
            try: got += len(os.read(s, 65536))
            except OSError: break
        elif ended is not None: break
    else:
        if now > 2.8 and wchan is None and p.poll() is None: wchan = open(f"/proc/{p.pid}/wchan").read()
        time.sleep(0.05)
    if now > hold + 30: p.kill(); break
print(f"praxis ended at {ended if ended is None else round(ended,2)} s (wall limit 3 s, reader idle until {hold} s); "
      f"SIGTERM at {termed}; wchan near 3 s: {wchan}; exit {p.returncode}; bytes on the slave {got} of 2000000")
print("stderr:", p.stderr.read().decode().strip()[:300])
try: print("report:", open(R).read()[:400])
except OSError as e: print("report:", e)
