import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))


def pytest_report_header(config):
    import praxis

    return (f"praxis {praxis.__version__} from {os.path.dirname(praxis.__file__)}, "
            f"uid {os.getuid()}, python {sys.executable}")


@pytest.fixture
def data_dir(tmp_path):
    """A directory with a granted file and a secret one (denied by default)."""
    d = tmp_path / "data"
    d.mkdir()
    (d / "in.txt").write_text("one\ntwo\nthree\n")
    (d / "secret.txt").write_text("the secret\n")
    return d


def live_pids(pids):
    """The pids of PIDS that still exist (and are not zombies of someone else)."""
    alive = []
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            continue
        if state != "Z":
            alive.append(p)
    return alive


def open_fds():
    return sorted(int(x) for x in os.listdir("/proc/self/fd"))


def children():
    """Direct children of every thread of this process."""
    out = []
    for t in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{t}/children") as f:
                out += [int(x) for x in f.read().split()]
        except FileNotFoundError:
            pass
    return out


def pid_namespace_members(pid):
    """Every process in the pid namespace of PID (found through /proc)."""
    try:
        ns = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return []
    return processes_in_namespace(ns)


def processes_in_namespace(ns):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/pid") == ns:
                    out.append(int(entry))
            except OSError:
                pass
    return out
