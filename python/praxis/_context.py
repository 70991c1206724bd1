"""Enforcement contexts: one sandboxed worker interpreter per ``with`` block."""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, Union

from . import _channel
from ._errors import (LimitExceeded, PluginCrashed, ProtocolError, SandboxError,
                      make_plugin_error)
from ._types import AuditLog, ResourceUsage

if TYPE_CHECKING:
    from . import _core
    from ._sandbox import PluginSandbox

__all__ = ["PluginSandboxContext", "AsyncPluginSandboxContext"]

T = TypeVar("T")

#: Seconds an idle worker gets to exit once its channel is closed.
EXIT_GRACE = 2.0
StrPath = Union[str, "os.PathLike[str]"]


def _stderr_fd() -> int:
    try:
        os.fstat(2)
        return 2
    except OSError:
        return -1


class _ContextBase:
    """What the sync and async contexts share: the worker, its run, its records."""

    def __init__(self, sandbox: "PluginSandbox", max_result_bytes: int) -> None:
        self._sandbox = sandbox
        self._max_result = max_result_bytes
        self._core: Optional["_core.Sandbox"] = None
        self._run: Optional["_core.Run"] = None
        self._req = -1  # host -> worker (write end)
        self._resp = -1  # worker -> host (read end)
        self._child_fds: list[int] = []
        self._state = "new"  # new, running, broken, ended, closed
        self._why_unusable = ""
        self._sent: set[str] = set()
        self._logs: list[AuditLog] = []
        self._dropped = 0
        self._result: Optional[dict[str, Any]] = None
        self._error: Optional[BaseException] = None
        self._records_lock = threading.Lock()

    # ---- records -------------------------------------------------------------

    def _drain(self) -> list[AuditLog]:
        if self._core is None:
            return []
        with self._records_lock:
            raw, dropped = self._core.take_records()
            new = [AuditLog.from_core(t) for t in raw]
            self._logs.extend(new)
            self._dropped += dropped
        if new:
            self._sandbox._deliver(new)
        return new

    @property
    def audit_logs(self) -> list[AuditLog]:
        """This context's audit records so far (the worker's and each ``run()``'s), in order."""
        self._drain()
        return list(self._logs)

    def get_audit_logs(self) -> list[AuditLog]:
        """Same as :attr:`audit_logs` (the seed's name)."""
        return self.audit_logs

    @property
    def pids(self) -> frozenset[int]:
        """Host pids of the processes of this context seen so far (from its audit records)."""
        return frozenset(r.pid for r in self.audit_logs if r.pid > 0)

    @property
    def usage(self) -> Optional[ResourceUsage]:
        """The worker's resource usage, once the context has ended."""
        return ResourceUsage.from_core(self._result["usage"]) if self._result else None

    # ---- the worker ------------------------------------------------------------

    def _argv(self) -> list[str]:
        return [sys.executable, "-I", "-S", "-c", _channel.BOOTSTRAP]

    def _spawn(self) -> None:
        """Compile, start the worker's run, send it its code (not waiting for it)."""
        if self._state != "new":
            raise RuntimeError("an enforcement context can be entered only once")
        self._state = "closed"  # until it works
        self._core = self._sandbox._acquire()
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        self._child_fds = [req_r, resp_w]
        self._req, self._resp = req_w, resp_r
        try:
            self._run = self._core.start(self._argv(), (req_r, resp_w, _stderr_fd()),
                                         self._sandbox._cwd)
        except (OSError, ValueError) as e:
            self._close_fds()
            raise SandboxError(f"cannot start the sandboxed worker for plugin "
                               f"{self._sandbox.plugin_name!r}: {e}",
                               getattr(e, "errno", None)) from None
        try:
            _channel.write_all(self._req, _channel.worker_frame())
        except BrokenPipeError:
            pass  # it ended already: _ready() says why
        self._state = "starting"

    def _ready(self, data: bytes) -> None:
        if data != b'{"ready":true}':
            self._state = "broken"
            raise ProtocolError(f"the worker of plugin {self._sandbox.plugin_name!r} did not "
                                "start properly (unexpected first message)")
        # The worker has been exec'd: its copies of the pipes are its own.
        # Closing ours means EOF the moment its last process is gone.
        for fd in self._child_fds:
            os.close(fd)
        self._child_fds = []
        self._state = "running"

    def _start_failed(self) -> SandboxError:
        res = self._finish()
        if self._error is not None:
            return SandboxError(str(self._error), getattr(self._error, "errno", None))
        how = _how_it_ended(res)
        return SandboxError(f"the sandboxed worker of plugin {self._sandbox.plugin_name!r} "
                            f"ended before it was ready ({how}): see its stderr")

    def _check_usable(self) -> None:
        if self._state == "running":
            return
        if self._state in ("new", "starting"):
            raise RuntimeError("enter the context first (with sandbox.enforce() as box)")
        raise SandboxError(f"this enforcement context is no longer usable: "
                           f"{self._why_unusable or self._state}")

    def _close_fds(self) -> None:
        for fd in self._child_fds + [self._req, self._resp]:
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._child_fds = []
        self._req = self._resp = -1

    def _finish(self, graceful: bool = False, dead: bool = False) -> Optional[dict[str, Any]]:
        """End the worker and reap every process of it; keep its result. Idempotent.

        GRACEFUL (an idle worker, the block left normally): close the channel,
        so the worker exits by itself (its whole pid namespace goes with it)
        and the log ends with a clean exit; a worker not gone within
        EXIT_GRACE seconds is killed. Otherwise: killed at once."""
        run, self._run = self._run, None
        if run is not None:
            try:
                if dead:  # EOF from the worker: let the run end, keep its real status
                    if not run.wait(EXIT_GRACE):
                        run.cancel()
                elif graceful and self._state == "running" and self._req >= 0:
                    os.close(self._req)
                    self._req = -1
                    if not run.wait(EXIT_GRACE):
                        run.cancel()
                else:
                    run.cancel()  # kills the whole tree and waits until it is reaped
                try:
                    self._result = run.collect()
                except (OSError, ValueError) as e:
                    self._error = e
            finally:
                run.close()
            if self._result is not None:
                usage = ResourceUsage.from_core(self._result["usage"])
                self._sandbox.resource_monitor._record(usage, self._result["limit"])
        self._close_fds()
        if self._state not in ("broken",):
            self._state = "closed"
        self._drain()
        if self._core is not None:
            # No run of it is left and its records are drained: the next
            # context of this sandbox may use it (or it is freed now, with
            # its Landlock rule handles, not at garbage collection).
            core, self._core = self._core, None
            self._sandbox._release(core)
        return self._result

    def _died(self, during: str) -> BaseException:
        """The exception for a worker that ended during a call (after reaping it)."""
        self._state = "ended"
        res = self._finish(dead=True)
        self._state = "ended"
        name = self._sandbox.plugin_name
        if res is None:
            exc: BaseException = SandboxError(f"the worker of plugin {name!r} could not run: "
                                              f"{self._error}")
        elif res["limit"]:
            usage = ResourceUsage.from_core(res["usage"])
            exc = LimitExceeded(res["limit"], usage,
                                f"plugin {name!r} exceeded its {res['limit']} limit during "
                                f"{during} ({usage})")
        elif res["status"] == "signaled":
            exc = PluginCrashed(f"plugin {name!r} was killed by signal {res['signal']} during "
                                f"{during}", signal=res["signal"])
        else:
            exc = PluginCrashed(f"the worker of plugin {name!r} exited with status "
                                f"{res['exit_code']} during {during}",
                                exit_code=res["exit_code"])
        self._why_unusable = str(exc)
        return exc

    def _reply(self, data: bytes, during: str) -> Any:
        try:
            ok, value = _channel.decode_reply(data, during)
        except ProtocolError as e:
            self._broken(str(e))
            raise
        if ok:
            return value
        raise make_plugin_error(value, during)

    def _broken(self, why: str) -> None:
        self._state = "broken"
        self._why_unusable = why
        self._finish()

    def _check_header(self, header: bytes, during: str) -> int:
        n = int.from_bytes(header, "little")
        if n > self._max_result:
            why = (f"{during}: the worker announced a {n}-byte result, over the "
                   f"{self._max_result}-byte bound")
            self._broken(why)
            raise ProtocolError(why)
        return n

    # ---- programs ------------------------------------------------------------------

    def _run_program(self, argv: Sequence[StrPath], input: Optional[bytes],
                     cwd: Optional[StrPath]) -> "subprocess.CompletedProcess[bytes]":
        self._check_usable()
        assert self._core is not None
        if isinstance(argv, (str, bytes)) or not isinstance(argv, Sequence):
            raise TypeError("run() takes a list of arguments, e.g. ['wc', '-l', path]")
        args = [os.fspath(a) for a in argv]
        if not all(isinstance(a, str) for a in args):
            raise TypeError("run() arguments must be str or path-like")
        if not args:
            raise ValueError("run() needs a program: the argument list is empty")
        stdin = -1
        if input is not None:
            if not isinstance(input, (bytes, bytearray, memoryview)):
                raise TypeError("input must be bytes")
            stdin = os.memfd_create("praxis-input", os.MFD_CLOEXEC)
            _channel.write_all(stdin, bytes(input))
            os.lseek(stdin, 0, os.SEEK_SET)
        try:
            res = self._core.run(args, stdin=stdin,
                                 cwd=os.fspath(cwd) if cwd is not None else self._sandbox._cwd)
        except (OSError, ValueError) as e:
            raise SandboxError(f"cannot run {args[0]!r} in plugin "
                               f"{self._sandbox.plugin_name!r}'s sandbox: {e}",
                               getattr(e, "errno", None)) from None
        finally:
            if stdin >= 0:
                os.close(stdin)
            self._drain()
        if res["limit"]:
            usage = ResourceUsage.from_core(res["usage"])
            raise LimitExceeded(res["limit"], usage, f"{args[0]} exceeded its {res['limit']} "
                                f"limit ({usage})")
        code = res["exit_code"] if res["status"] == "exited" else -res["signal"]
        return subprocess.CompletedProcess(args, code, res["stdout"], res["stderr"])


def _how_it_ended(res: Optional[dict[str, Any]]) -> str:
    if res is None:
        return "not started"
    if res["limit"]:
        return f"{res['limit']} limit"
    if res["status"] == "signaled":
        return f"signal {res['signal']}"
    return f"exit status {res['exit_code']}"


class PluginSandboxContext(_ContextBase):
    """``with sandbox.enforce() as box``: one sandboxed worker for the block.

    ``box.call(func, *args, **kwargs)`` runs ``func`` in the worker and returns
    its (JSON) result; ``box.run([...])`` runs a program under the same
    sandbox. Leaving the block, however it is left, kills and reaps every
    process of the worker before ``__exit__`` returns. Calls from several
    threads on one context are serialised.
    """

    def __init__(self, sandbox: "PluginSandbox", max_result_bytes: int) -> None:
        super().__init__(sandbox, max_result_bytes)
        self._lock = threading.Lock()

    def __enter__(self) -> "PluginSandboxContext":
        self._spawn()
        try:
            p = select.poll()
            assert self._run is not None
            p.register(self._resp, select.POLLIN)
            p.register(self._run.fd, select.POLLIN)
            while True:
                ready = {fd for fd, _ in p.poll()}
                if self._resp in ready:
                    header = _channel.read_exact(self._resp, 4)
                    if len(header) == 4:
                        n = self._check_header(header, "startup")
                        self._ready(_channel.read_exact(self._resp, n))
                        return self
                    ready.add(self._run.fd)
                if self._run.fd in ready:
                    raise self._start_failed()
        except BaseException:
            self._finish()
            raise

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self._finish(graceful=exc_type is None)

    def close(self) -> None:
        """End the context now (what leaving the ``with`` block does)."""
        self._finish(graceful=True)

    def call(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> Any:
        """Run ``func(*args, **kwargs)`` in the sandboxed worker; return its result.

        ``func`` goes by reference (module and name) and its module is
        imported inside the worker; the arguments are pickled. The result
        comes back as JSON (lists for tuples). The plugin's exception is
        raised here as :class:`PluginError` (also an instance of the built-in
        it was, e.g. ``PermissionError``); a limit as :class:`LimitExceeded`.
        """
        with self._lock:
            self._check_usable()
            during = f"the call of {_channel._describe_callable(func)}"
            data, new = _channel.encode_call(func, args, kwargs, self._sent)
            try:
                try:
                    _channel.write_all(self._req, data)
                except BrokenPipeError:
                    raise self._died(during) from None
                self._sent.update(new)
                header = _channel.read_exact(self._resp, 4)
                if len(header) < 4:
                    raise self._died(during)
                n = self._check_header(header, during)
                body = _channel.read_exact(self._resp, n)
                if len(body) < n:
                    raise self._died(during)
            except BaseException:
                if self._state == "running":  # interrupted mid-call: out of step
                    self._broken(f"{during} was interrupted")
                raise
            finally:
                self._drain()
            return self._reply(body, during)

    def run(self, argv: Sequence[StrPath], *, input: Optional[bytes] = None,
            cwd: Optional[StrPath] = None) -> "subprocess.CompletedProcess[bytes]":
        """Run a program under this context's sandbox (a run of its own, same policy and
        limits); its output is captured. Returns a ``subprocess.CompletedProcess``."""
        return self._run_program(argv, input, cwd)


class AsyncPluginSandboxContext(_ContextBase):
    """``async with sandbox.enforce_async() as box``: the asyncio form.

    The worker is watched through file descriptors on the running loop
    (``loop.add_reader`` on the channel and on the run's pollable fd): no
    thread per context in Python. ``await box.call(...)``; cancellation of
    the task, like any exit from the block, kills and reaps the worker.
    """

    def __init__(self, sandbox: "PluginSandbox", max_result_bytes: int) -> None:
        super().__init__(sandbox, max_result_bytes)
        self._alock: Optional[asyncio.Lock] = None
        self._buf = bytearray()

    async def __aenter__(self) -> "AsyncPluginSandboxContext":
        self._alock = asyncio.Lock()
        self._spawn()
        try:
            os.set_blocking(self._resp, False)
            os.set_blocking(self._req, False)
            header = await self._read(4, "startup", startup=True)
            n = self._check_header(header, "startup")
            self._ready(await self._read(n, "startup", startup=True))
            return self
        except BaseException:
            self._finish()
            raise

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None and self._state == "running" and self._run is not None:
            # An idle worker exits by itself once its channel closes; wait
            # for that on the loop, not in a blocking call.
            os.close(self._req)
            self._req = -1
            run = self._run
            if not run.done():
                try:
                    await asyncio.wait_for(self._wait_run(), EXIT_GRACE)
                except asyncio.TimeoutError:
                    pass
                except BaseException:
                    self._finish()
                    raise
        self._finish()

    async def _wait_run(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._run is not None
        fut = loop.create_future()
        fd = self._run.fd
        loop.add_reader(fd, lambda: fut.done() or fut.set_result(None))
        try:
            await fut
        finally:
            loop.remove_reader(fd)

    async def _wait(self, fd: int, write: bool = False) -> None:
        """Until FD is ready, or the run has ended (its fd is readable)."""
        loop = asyncio.get_running_loop()
        fut = loop.create_future()

        def wake() -> None:
            if not fut.done():
                fut.set_result(None)

        assert self._run is not None
        run_fd = self._run.fd
        (loop.add_writer if write else loop.add_reader)(fd, wake)
        loop.add_reader(run_fd, wake)
        try:
            await fut
        finally:
            (loop.remove_writer if write else loop.remove_reader)(fd)
            loop.remove_reader(run_fd)

    async def _read(self, n: int, during: str, startup: bool = False) -> bytes:
        while len(self._buf) < n:
            try:
                chunk = os.read(self._resp, max(n - len(self._buf), 65536))
            except BlockingIOError:
                if self._run is not None and self._run.done():
                    raise (self._start_failed() if startup else self._died(during)) from None
                await self._wait(self._resp)
                continue
            if not chunk:
                raise (self._start_failed() if startup else self._died(during))
            self._buf += chunk
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    async def _write(self, data: bytes, during: str) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self._req, view):]
            except BlockingIOError:
                await self._wait(self._req, write=True)
            except BrokenPipeError:
                raise self._died(during) from None

    async def call(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> Any:
        """``await box.call(func, ...)``: as :meth:`PluginSandboxContext.call`."""
        assert self._alock is not None, "enter the context first"
        async with self._alock:
            self._check_usable()
            during = f"the call of {_channel._describe_callable(func)}"
            data, new = _channel.encode_call(func, args, kwargs, self._sent)
            try:
                await self._write(data, during)
                self._sent.update(new)
                header = await self._read(4, during)
                n = self._check_header(header, during)
                body = await self._read(n, during)
            except BaseException:
                if self._state == "running":
                    self._broken(f"{during} was interrupted")
                raise
            finally:
                self._drain()
            return self._reply(body, during)

    async def run(self, argv: Sequence[StrPath], *, input: Optional[bytes] = None,
                  cwd: Optional[StrPath] = None) -> "subprocess.CompletedProcess[bytes]":
        """Run a program under this context's sandbox (see PluginSandboxContext.run).

        Runs on the loop's default executor: a program's whole run is one
        blocking library call."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._run_program, argv, input, cwd)
