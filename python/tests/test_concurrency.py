"""Many contexts at once: threads, one event loop; no leaks, no crossed records."""

import asyncio
import threading
import types

import plugins
import gc

from conftest import children, open_fds
from praxis import PluginSandbox


def check_own_records(box, tag, i):
    logs = box.audit_logs
    assert len({r.run for r in logs}) == 1, "one run per context"
    assert {r.plugin for r in logs} == {f"{tag}"}
    assert logs[0].action == "run.start" and logs[-1].action == "run.end"
    return logs[0].run


def test_threads_8_x_50():
    gc.collect()
    fds_before = open_fds()
    sandboxes = [PluginSandbox(f"thread-{t}") for t in range(8)]
    runs = [[] for _ in range(8)]
    errors = []

    def worker(t):
        try:
            for i in range(50):
                with sandboxes[t].enforce() as box:
                    token = box.call(plugins.make_token, f"t{t}", i)
                    assert token.startswith(f"t{t}:{i}:")
                runs[t].append(check_own_records(box, f"thread-{t}", i))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[:3]
    all_runs = [r for rs in runs for r in rs]
    assert len(all_runs) == 400 and len(set(all_runs)) == 400
    for t, sb in enumerate(sandboxes):
        assert {r.run for r in sb.get_audit_logs()} == set(runs[t])
    assert not children()
    del sandboxes, sb  # each keeps a compiled sandbox or two for its next context
    gc.collect()
    assert open_fds() == fds_before


def test_async_100_contexts_on_one_loop():
    gc.collect()
    fds_before = open_fds()
    sb = PluginSandbox("async-100")
    threads_before = threading.active_count()

    async def one(i):
        async with sb.enforce_async() as box:
            a = await box.call(plugins.make_token, "a", i)
            await asyncio.sleep(0.05)
            b = await box.call(plugins.make_token, "b", i)
        assert a.rsplit(":", 1)[1] == b.rsplit(":", 1)[1]  # the same worker
        return check_own_records(box, "async-100", i)

    async def main():
        return await asyncio.gather(*(one(i) for i in range(100)))

    runs = asyncio.run(main())
    assert len(set(runs)) == 100
    assert {r.run for r in sb.get_audit_logs()} == set(runs)
    assert not children()
    del sb
    gc.collect()
    assert open_fds() == fds_before
    # no Python thread per context (the library supervises each run itself)
    assert threading.active_count() == threads_before


def test_contexts_of_one_sandbox_from_threads_do_not_mix_records():
    sb = PluginSandbox("shared")
    seen = []
    lock = threading.Lock()

    def worker(i):
        with sb.enforce() as box:
            box.call(plugins.identity, i)
        with lock:
            seen.append(check_own_records(box, "shared", i))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(set(seen)) == 6
    assert isinstance(plugins, types.ModuleType)
