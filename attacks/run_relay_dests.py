#!/usr/bin/env python3
"""Row 31: the relay (--max-output 10M) to each kind of stdout: /dev/null,
a FIFO, a unix stream socket, a pty slave (host reads the master), a pty
master (host reads the slave). The host's reader idles HOLD s, then reads
everything; the plugin writes BYTES and exits. Compares bytes arrived with
the report's output_bytes; optional SIGTERM to the CLI at T s (during the
stalled final flush); CPU used by the CLI (spinning?).
usage: run_relay_dests.py DEST BYTES HOLD [T] [-- PREFIX...]"""
import os, sys, subprocess, select, time, tty, signal, socket, resource
dest, nbytes, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
term_at = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] != '--' else None
prefix = sys.argv[sys.argv.index('--') + 1:] if '--' in sys.argv else []
R = "/tmp/rd_r_%d.json" % os.getpid(); A = "/tmp/rd_a_%d.jsonl" % os.getpid()
rd = None
if dest == "devnull": out = os.open("/dev/null", os.O_WRONLY)
elif dest == "fifo":
    f = "/tmp/rd_fifo_%d" % os.getpid(); os.mkfifo(f); os.chmod(f, 0o666)
    rd = os.open(f, os.O_RDONLY | os.O_NONBLOCK); out = os.open(f, os.O_WRONLY); os.unlink(f)
elif dest == "sock":
    a, b = socket.socketpair(); out = a.detach(); rd = b.detach()
elif dest == "ptyslave":
    m, s = os.openpty(); tty.setraw(s); out, rd = s, m
elif dest == "ptymaster":
    m, s = os.openpty(); tty.setraw(s); out, rd = m, s
args = ["build/praxis", "run", "--wall", "20", "--max-output", "10M", "--report", R] + (["--audit", A] if os.environ.get("AUDIT", "1") == "1" else [])
prog = ["/usr/bin/python3", "-c", f"import os\nn={nbytes}\nb=b'y'*49+b'\\n'\nwhile n>0:\n  n-=os.write(1,b[:min(50,n)])"]
t0 = time.time()
p = subprocess.Popen(prefix + args + ["--"] + prog, stdout=out, stderr=subprocess.PIPE)
os.close(out)
got = 0; termed = None; ended = None
while True:
    now = time.time() - t0
    if term_at is not None and termed is None and now >= term_at and p.poll() is None:
        p.send_signal(signal.SIGTERM); termed = round(now, 2)
    if ended is None and p.poll() is not None: ended = round(now, 2)
    if rd is not None and now >= hold:
        r, _, _ = select.select([rd], [], [], 0.05)
        if r:
            try:
                d = os.read(rd, 65536)
                if not d and ended is not None: break
                got += len(d)
            except (OSError, BlockingIOError): 
                if ended is not None: break
        elif ended is not None: break
    else:
        time.sleep(0.05)
        if rd is None and ended is not None: break
    if now > 40: p.kill(); print("praxis alive at 40 s: SIGKILL"); break
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{dest}: praxis ended at {ended} s (reader idle until {hold} s); SIGTERM at {termed}; exit {p.returncode}; "
      f"arrived {got if rd is not None else '-'} of {nbytes}; CLI+plugin cpu {ru.ru_utime+ru.ru_stime:.2f} s")
print("stderr:", p.stderr.read().decode().strip()[:300])
def rf(x):
    try: return open(x).read()
    except OSError as e: return str(e)
import re
print("report:", re.sub(r'"usage":\{[^}]*"output_bytes"', '... "output_bytes"', rf(R))[:300])
print("audit run.*:", [l.strip()[:220] for l in rf(A).splitlines() if '"run.' in l and 'run.start' not in l and 'run.end' not in l][:4])
