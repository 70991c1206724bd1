"""Leaving a block, however it is left, ends every process of it."""

import asyncio
import os
import signal
import threading
import time

import pytest

import plugins
from conftest import children, live_pids, processes_in_namespace
from praxis import PluginSandbox


def worker_pids(box):
    pids = box.pids
    assert pids, "the context's audit records name its processes"
    return pids


def test_normal_exit_reaps():
    with PluginSandbox("normal").enforce() as box:
        box.call(plugins.pid)
        pids = worker_pids(box)
        assert live_pids(pids)
    assert not live_pids(pids)
    assert not children()


def test_exception_in_block_reaps():
    with pytest.raises(RuntimeError):
        with PluginSandbox("exc").enforce() as box:
            box.call(plugins.pid)
            pids = worker_pids(box)
            raise RuntimeError("the host's own error")
    assert not live_pids(pids)


def test_keyboard_interrupt_in_block_reaps():
    with pytest.raises(KeyboardInterrupt):
        with PluginSandbox("kbd").enforce() as box:
            box.call(plugins.pid)
            pids = worker_pids(box)
            raise KeyboardInterrupt
    assert not live_pids(pids)


def test_keyboard_interrupt_during_a_call_reaps():
    main = threading.main_thread().ident
    assert threading.get_ident() == main
    timer = threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT))
    box = None
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with PluginSandbox("kbd-call").enforce() as box:
            timer.start()
            box.call(plugins.sleep, 30)
    assert time.monotonic() - t0 < 10
    assert not live_pids(box.pids)
    assert not children()


def test_forked_daemon_is_gone():
    sb = PluginSandbox("daemon", {"system.subprocess"})
    with sb.enforce() as box:
        box.call(plugins.start_daemon)
        pids = worker_pids(box)
        ns = os.readlink(f"/proc/{min(live_pids(pids))}/ns/pid")
        assert ns != os.readlink("/proc/self/ns/pid")
        # the reaper, the worker, sleep (new session) and the double-forked one
        assert len(processes_in_namespace(ns)) >= 4
    assert not live_pids(pids)
    assert processes_in_namespace(ns) == []


def test_cancellation_reaps():
    sb = PluginSandbox("cancel", {"system.subprocess"})
    seen = {}

    async def task():
        async with sb.enforce_async() as box:
            seen["box"] = box
            await box.call(plugins.start_daemon)
            seen["pids"] = box.pids
            await box.call(plugins.sleep, 30)

    async def main():
        t = asyncio.create_task(task())
        while "pids" not in seen:
            await asyncio.sleep(0.02)
        assert live_pids(seen["pids"])
        await asyncio.sleep(0.2)
        t.cancel()
        with pytest.raises(asyncio.CancelledError):
            await t

    t0 = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - t0 < 10
    assert not live_pids(seen["box"].pids)
    assert not children()


def test_exception_in_async_block_reaps():
    async def main():
        async with PluginSandbox("aexc").enforce_async() as box:
            await box.call(plugins.pid)
            main.pids = box.pids
            raise LookupError("host error")

    with pytest.raises(LookupError):
        asyncio.run(main())
    assert not live_pids(main.pids)


def test_close_is_idempotent_and_context_not_reusable():
    ctx = PluginSandbox("once").enforce()
    with ctx as box:
        box.call(plugins.pid)
    ctx.close()
    with pytest.raises(RuntimeError, match="only once"):
        with ctx:
            pass


def test_host_is_not_restricted(tmp_path):
    # after a context the host can still do everything it could before
    with PluginSandbox("host").enforce() as box:
        box.call(plugins.pid)
        (tmp_path / "host-write").write_text("ok")
    assert (tmp_path / "host-write").read_text() == "ok"
    assert signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL
    assert os.listdir("/proc/self/fd")
