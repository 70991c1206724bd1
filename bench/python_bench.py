#!/usr/bin/env python3
"""Speed of the Python package (issue 13), medians, interleaved in one run.

1. First call: a new context + the first call of a trivial function + leaving
   the block, vs subprocess.run([sys.executable, "-c", "pass"]).  Goal <= 1.10x.
2. Warm call round trip in a context, vs the same round trip (same worker
   code, same framing, pickle out, JSON back) over a plain pipe to the same
   worker started without a sandbox.  Goal <= 1.2x.

Usage: PYTHONPATH=build/python python3 bench/python_bench.py [--rounds N]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

from praxis import PluginSandbox
from praxis import _channel
from python_bench_plugin import noop


def median_ms(xs):
    return statistics.median(xs) * 1e3


def first_call(rounds):
    sandboxes = {level: PluginSandbox("bench", audit=level) for level in ("all", "denied", "off")}
    t = {"plain": [], "isolated": [], **{k: [] for k in sandboxes}}
    for _ in range(rounds):
        s = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        t["plain"].append(time.perf_counter() - s)
        s = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-S", "-c", "pass"], check=True)
        t["isolated"].append(time.perf_counter() - s)
        for level, sb in sandboxes.items():
            s = time.perf_counter()
            with sb.enforce() as box:
                box.call(noop)
            t[level].append(time.perf_counter() - s)
    base = median_ms(t["plain"])
    print(f"first call (n={rounds} each, interleaved)")
    print(f"  subprocess.run([sys.executable, '-c', 'pass'])  {base:7.2f} ms  1.00x")
    iso = median_ms(t["isolated"])
    print(f"  same with -I -S (how the worker starts)        {iso:7.2f} ms  {iso / base:4.2f}x")
    for level in sandboxes:
        m = median_ms(t[level])
        print(f"  enforce() + first call + exit, audit={level:<6}  {m:7.2f} ms  {m / base:4.2f}x")


class PlainWorker:
    """The same worker code and protocol, over pipes, without any sandbox."""

    def __init__(self):
        self.p = subprocess.Popen([sys.executable, "-I", "-S", "-c", _channel.BOOTSTRAP],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.req, self.resp = self.p.stdin.fileno(), self.p.stdout.fileno()
        _channel.write_all(self.req, _channel.worker_frame())
        self._frame()
        self.sent = set()

    def _frame(self):
        n = int.from_bytes(_channel.read_exact(self.resp, 4), "little")
        return _channel.read_exact(self.resp, n)

    def call(self, func, *args):
        data, new = _channel.encode_call(func, args, {}, self.sent)
        self.sent.update(new)
        _channel.write_all(self.req, data)
        return _channel.decode_reply(self._frame(), "bench")[1]

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def warm_calls(rounds, per_round):
    sb = PluginSandbox("bench")
    plain = PlainWorker()
    t_plain, t_box = [], []
    with sb.enforce() as box:
        box.call(noop)
        plain.call(noop)
        for _ in range(rounds):
            s = time.perf_counter()
            for _ in range(per_round):
                plain.call(noop)
            t_plain.append((time.perf_counter() - s) / per_round)
            s = time.perf_counter()
            for _ in range(per_round):
                box.call(noop)
            t_box.append((time.perf_counter() - s) / per_round)
    plain.close()
    a, b = median_ms(t_plain) * 1e3, median_ms(t_box) * 1e3
    print(f"warm call round trip (medians of {rounds} rounds x {per_round} calls, interleaved)")
    print(f"  plain pipe to an unsandboxed worker   {a:7.1f} us  1.00x")
    print(f"  box.call(noop) in a context           {b:7.1f} us  {b / a:4.2f}x")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--calls", type=int, default=500)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]} ({sys.executable}), uid {os.getuid()}, "
          f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}")
    first_call(args.rounds)
    warm_calls(args.rounds // 2 or 1, args.calls)


if __name__ == "__main__":
    main()
