"""create_sandboxed_executor(): manifest plugins through the C executor."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Iterable
from typing import Any, Optional, Union

from . import _core
from ._errors import (LimitExceeded, PluginCrashed, PluginError, ProtocolError, SandboxError)
from ._factory import SandboxFactory
from ._types import AuditLog, CapabilityLike, ResourceUsage, to_capabilities

__all__ = ["SandboxedPluginExecutor", "create_sandboxed_executor"]

StrPath = Union[str, "os.PathLike[str]"]


class SandboxedPluginExecutor:
    """Runs plugins found by name in plugin directories (``NAME/manifest.json``
    or ``NAME.json``), each call in its own sandboxed process, with the
    capabilities and limits of its manifest bounded by the factory.

    Executables get the params as JSON on stdin and print one JSON value;
    ``.so`` plugins are loaded inside the sandbox (praxis/plugin.h). Results
    come back as Python objects decoded from that JSON.
    """

    def __init__(self, plugin_dirs: Iterable[StrPath], factory: Optional[SandboxFactory] = None,
                 *, max_result_bytes: int = 0, max_stderr_bytes: int = 0,
                 use_zygote: bool = True) -> None:
        if isinstance(plugin_dirs, (str, os.PathLike)):
            plugin_dirs = [plugin_dirs]
        self.plugin_dirs = [os.fspath(d) for d in plugin_dirs]
        if not self.plugin_dirs:
            raise ValueError("create_sandboxed_executor needs at least one plugin directory")
        for d in self.plugin_dirs:
            if not os.path.isdir(d):
                raise ValueError(f"plugin directory {d!r} does not exist or is not a directory")
        self.factory = factory if factory is not None else SandboxFactory()
        self._opts = dict(max_result_bytes=max_result_bytes, max_stderr_bytes=max_stderr_bytes,
                          use_zygote=use_zygote)
        self._executors: dict[frozenset[tuple[str, Optional[str]]], _core.Executor] = {}
        self._lock = threading.Lock()
        self._logs: list[AuditLog] = []
        try:
            self._core = _core.Executor(self.factory._core, self.plugin_dirs, **self._opts)
        except OSError as e:
            raise SandboxError(f"cannot create the executor: {e.strerror or e}", e.errno) from None

    def _executor_for(self, capabilities: Optional[Iterable[CapabilityLike]]) -> "_core.Executor":
        """The factory's executor, or one whose ceiling is also CAPABILITIES: the plugin
        then runs only if its manifest asks for no more than those."""
        if capabilities is None:
            return self._core
        grants = frozenset(g for c in to_capabilities(capabilities) for g in c.grants())
        with self._lock:
            ex = self._executors.get(grants)
            if ex is not None:
                return ex
        # The caller's set must itself be within the administrator's ceiling.
        import sys

        probe = _core.Sandbox("capabilities", sorted(grants, key=repr), None,
                              factory=self.factory._core, entry=sys.executable)
        if probe.cuts:
            raise SandboxError("the capabilities asked for exceed the factory's ceiling: " +
                               "; ".join(f"{w} ({y})" for w, y in probe.cuts))
        args = dict(self.factory._core_args, allow=sorted(grants, key=repr), cut=False)
        narrowed = _core.Factory(**args)
        ex = _core.Executor(narrowed, self.plugin_dirs, **self._opts)
        with self._lock:
            return self._executors.setdefault(grants, ex)

    def _outcome(self, name: str, res: dict[str, Any]) -> Any:
        logs = [AuditLog.from_core(t) for t in res["audit"]]
        with self._lock:
            self._logs.extend(logs)
        cb = self.factory.audit_callback
        if cb is not None:
            for r in logs:
                cb(r)
        status = res["status"]
        usage = ResourceUsage.from_core(res["usage"])
        stderr = res["stderr"].decode("utf-8", "replace")
        if status == "ok":
            return json.loads(res["result_json"])
        if status == "limit":
            raise LimitExceeded(res["limit"], usage,
                                f"plugin {name!r} exceeded its {res['limit']} limit ({usage})")
        if status == "crashed":
            raise PluginCrashed(f"plugin {name!r} crashed: {res['message']}",
                                signal=res["signal"])
        if status in ("bad_output", "output_too_large"):
            raise ProtocolError(f"plugin {name!r}: {res['message']}")
        if status == "load_error":
            raise SandboxError(f"plugin {name!r} could not be loaded: {res['message']}")
        if status == "cancelled":
            raise asyncio.CancelledError(f"plugin {name!r} was cancelled")
        err = PluginError(res["message"])
        err.type_name = "PluginExit"
        err.message = res["message"]
        err.traceback = stderr
        setattr(err, "exit_code", res["exit_code"])
        setattr(err, "result", json.loads(res["result_json"]) if res["result_json"] else None)
        raise err

    @staticmethod
    def _params(params: Any) -> Optional[str]:
        if params is None:
            return None
        try:
            return json.dumps(params, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise TypeError(f"params must be JSON-serialisable: {e}") from None

    def execute_plugin(self, plugin_name: str, params: Any = None,
                       capabilities: Optional[Iterable[CapabilityLike]] = None) -> Any:
        """Run plugin PLUGIN_NAME with PARAMS (JSON-serialisable) and return its result."""
        ex = self._executor_for(capabilities)
        try:
            res = ex.execute(plugin_name, self._params(params))
        except OSError as e:
            raise SandboxError(f"plugin {plugin_name!r} could not be run: {e.strerror or e}",
                               e.errno) from None
        return self._outcome(plugin_name, res)

    async def execute_plugin_sandboxed(self, plugin_name: str, params: Any = None,
                                       capabilities: Optional[Iterable[CapabilityLike]] = None
                                       ) -> Any:
        """The seed's coroutine: as :meth:`execute_plugin`, awaiting the run's pollable fd."""
        ex = self._executor_for(capabilities)
        try:
            run = ex.start(plugin_name, self._params(params))
        except OSError as e:
            raise SandboxError(f"plugin {plugin_name!r} could not be run: {e.strerror or e}",
                               e.errno) from None
        loop = asyncio.get_running_loop()
        try:
            if not run.done():
                fut = loop.create_future()
                loop.add_reader(run.fd, lambda: fut.done() or fut.set_result(None))
                try:
                    await fut
                finally:
                    loop.remove_reader(run.fd)
            try:
                res = run.collect()
            except OSError as e:
                raise SandboxError(f"plugin {plugin_name!r} could not be run: "
                                   f"{e.strerror or e}", e.errno) from None
        finally:
            run.close()  # on cancellation: kills and reaps the call
        return self._outcome(plugin_name, res)

    def get_audit_logs(self) -> list[AuditLog]:
        """The records of every call so far, in order."""
        with self._lock:
            return list(self._logs)


def create_sandboxed_executor(plugin_dirs: Optional[Iterable[StrPath]] = None,
                              factory: Optional[SandboxFactory] = None,
                              **options: Any) -> SandboxedPluginExecutor:
    """The seed's ``create_sandboxed_executor()``: plugin directories default to
    ``$PRAXIS_PLUGIN_PATH`` (colon-separated)."""
    if plugin_dirs is None:
        env = os.environ.get("PRAXIS_PLUGIN_PATH", "")
        plugin_dirs = [d for d in env.split(":") if d]
        if not plugin_dirs:
            raise ValueError("no plugin directories: pass plugin_dirs=... or set "
                             "PRAXIS_PLUGIN_PATH")
    return SandboxedPluginExecutor(plugin_dirs, factory, **options)
