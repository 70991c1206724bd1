#!/usr/bin/env python3
"""Output relay to a terminal: host CPU the plugin makes the supervisor burn.
A terminal refuses RWF_NOWAIT, so the relay writes 256 bytes per POLLOUT;
each of those lets the loop read 256 more bytes, and relay_push() then
memmoves the whole ~256 KiB queue to append them. The plugin (cat /dev/zero)
spends almost nothing; the supervisor, uncounted by --cpu, a core.
Prints bytes relayed and CPU: the run's report (the plugin) vs praxis itself.
usage: run_relay_spin.py [relay|direct] [-- prefix...]"""
import json, os, pty, resource, subprocess, sys, time, tty
mode = sys.argv[1] if len(sys.argv) > 1 else 'relay'
prefix = sys.argv[sys.argv.index('--') + 1:] if '--' in sys.argv else []
here = os.path.dirname(os.path.abspath(__file__))
d = f'/tmp/rv2-spin-{os.getpid()}'; os.makedirs(d); os.chmod(d, 0o777)
rep = d + '/r.json'
cmd = prefix + [os.path.join(here, '..', 'build', 'praxis'), 'run', '--wall', '5', '--report', rep]
cmd += (['--max-output', '10G'] if mode == 'relay' else []) + ['--', '/usr/bin/cat', '/dev/zero']
m, s = pty.openpty(); tty.setraw(s)
t = time.monotonic()
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=s, stderr=subprocess.DEVNULL)
os.close(s); got = 0; own = 0.0; tick = os.sysconf('SC_CLK_TCK')
while True:
    try:
        f = open(f'/proc/{p.pid}/stat').read().rsplit(')', 1)[1].split()
        own = (int(f[11]) + int(f[12])) / tick  # praxis's own utime+stime (all its threads)
    except (OSError, IndexError): pass
    try: b = os.read(m, 1 << 20)
    except OSError: break
    if not b: break
    got += len(b)
p.wait()
u = json.load(open(rep))['usage']
plugin = u['user_cpu_seconds'] + u['system_cpu_seconds']
print(f'{mode}: {got/1e6:.0f} MB to the terminal in {time.monotonic()-t:.2f} s; plugin CPU (report) {plugin:.2f} s; '
      f'praxis process itself {own:.2f} s ({own/max(plugin,0.01):.0f}x the plugin)')
os.unlink(rep); os.rmdir(d)
