"""Plugin functions the tests run inside sandboxed workers.

Everything here is module-level so that call() can send it by reference;
the worker gets this module's code from the host, nothing else of tests/."""

import os
import subprocess
import sys
import time


def count_lines(path):
    with open(path) as f:
        return sum(1 for _ in f)


def read_text(path):
    with open(path) as f:
        return f.read()


def write_text(path, text):
    with open(path, "w") as f:
        f.write(text)
    return len(text)


def echo(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs}


def identity(x):
    return x


def pid():
    return os.getpid()


_state = {"n": 0}


def bump():
    _state["n"] += 1
    return _state["n"]


def raise_value_error(msg):
    raise ValueError(msg)


class BadInput(Exception):
    pass


def raise_custom():
    raise BadInput("this plugin's own exception")


def hog_memory(mb):
    block = bytearray(mb << 20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(30)
    return len(block)


def spin(seconds):
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
    return n


def sleep(seconds):
    time.sleep(seconds)
    return seconds


def start_daemon():
    """Start a daemon (new session, double fork) and return at once."""
    p = subprocess.Popen(["sleep", "300"], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(300)
        os._exit(0)
    os.waitpid(child, 0)
    return p.pid


def return_set():
    return {1, 2, 3}


def return_nan():
    return float("nan")


def environ(name):
    return os.environ.get(name)


def pickle_payload(marker):
    """A pickle that, if the host unpickled it, would create MARKER."""
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    return pickle.dumps(Evil(), protocol=0).decode("latin-1")


def write_raw(data_hex, then_sleep=0.0):
    """Write raw bytes onto the result channel, as a hostile plugin would."""
    out = sys.modules["__main__"]._OUT
    os.write(out, bytes.fromhex(data_hex))
    time.sleep(then_sleep)
    return None


def write_pickle_frame(marker):
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    p = pickle.dumps(Evil())
    out = sys.modules["__main__"]._OUT
    os.write(out, len(p).to_bytes(4, "little") + p)
    return None


def fds():
    return sorted(int(x) for x in os.listdir("/proc/self/fd"))


def kill_self(sig):
    os.kill(os.getpid(), sig)
    time.sleep(5)


def exit_now(code):
    os._exit(code)


def print_stdout(text):
    print(text)
    sys.stdout.flush()
    return "printed"


class Counter:
    """A picklable object whose bound method is sent by reference."""

    def __init__(self, start):
        self.start = start

    def add(self, n):
        return self.start + n


def make_token(tag, i):
    return f"{tag}:{i}:{os.getpid()}"
