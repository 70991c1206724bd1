#!/usr/bin/env python3
"""Output relay stall through a terminal: praxis's stdout is a pty whose
master nobody reads for HOLD seconds (an ssh session whose network stalls,
a terminal emulator that is suspended). The relay writes to non-RWF_NOWAIT
destinations after POLLOUT, "256 bytes at a time"; a tty's POLLOUT only
means write_room > 0, and a blocking tty write waits for *all* its bytes.
usage: run_stall_pty.py control|sandbox|reference [HOLD] [-- prefix...]
(prefix e.g. setpriv --reuid=65534 --regid=65534 --clear-groups)"""
import os, pty, subprocess, sys, time, tty
mode = sys.argv[1]
hold = float(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != '--' else 12.0
prefix = sys.argv[sys.argv.index('--') + 1:] if '--' in sys.argv else []
here = os.path.dirname(os.path.abspath(__file__))
prog = os.path.join(here, 'stall_out')
praxis = os.path.join(here, '..', 'build', 'praxis')
m, s = pty.openpty()
tty.setraw(s)  # no echo, no ONLCR: bytes are bytes
rep = '/tmp/praxis_stall_pty_report.json'
lim = ['--max-output', '10M', '--wall', '2', '--memory', '64M', '--report', rep]
if mode == 'control':
    cmd = prefix + ['timeout', '6', prog]
elif mode == 'sandbox':
    cmd = prefix + [praxis, 'run'] + lim + ['--', prog]
else:  # reference: same run, stdout /dev/null
    cmd = prefix + [praxis, 'run'] + lim + ['--', prog]
if os.path.exists(rep if mode != 'control' else '/nonexistent'): os.unlink(rep)
start = time.monotonic()
out = s if mode != 'reference' else subprocess.DEVNULL
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE)
os.close(s)
time.sleep(4)
rss = []
for pid in os.listdir('/proc'):
    try:
        if pid.isdigit() and open(f'/proc/{pid}/comm').read().strip() == 'stall_out':
            # only the one under our praxis: its ancestors include p.pid
            q, mine = pid, False
            while q not in ('0', '1'):
                st = open(f'/proc/{q}/stat').read().rsplit(')', 1)[1].split()
                q = st[1]
                if q == str(p.pid):
                    mine = True; break
            if mine or int(pid) == p.pid:
                rss += [l.strip() for l in open(f'/proc/{pid}/status') if l.startswith('VmRSS')]
    except OSError:
        pass
print(f'at 4 s: praxis {"alive" if p.poll() is None else "exited"}, stall_out {rss or "gone"}')
# keep the master unread until HOLD, then drain it
while time.monotonic() - start < hold and p.poll() is None:
    time.sleep(0.05)
died_before_drain = p.poll() is not None
t_unblock = time.monotonic() - start
os.set_blocking(m, False)
got = 0
while p.poll() is None:
    try:
        got += len(os.read(m, 65536))
    except BlockingIOError:
        time.sleep(0.01)
    except OSError:
        break
err = p.stderr.read().decode(errors='replace')
lived = time.monotonic() - start
print(f'{mode}: lived {lived:.2f} s (reader held for {hold:.0f} s; exited before the reader woke: {died_before_drain}), exit {p.returncode}, drained {got} bytes')
if mode != 'control':
    import json
    try:
        r = json.load(open(rep)); print('report:', json.dumps({k: r[k] for k in r if k in ('outcome', 'exit', 'killed_by', 'usage', 'reason', 'limit')})[:600])
    except Exception as e:
        print('report unreadable:', e)
if err.strip():
    print('stderr:', err.strip()[-400:])
