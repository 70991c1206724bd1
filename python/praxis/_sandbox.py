"""PluginSandbox: a plugin's capabilities and limits, and its enforcement contexts."""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Callable, Optional

from . import _channel, _core
from ._context import AsyncPluginSandboxContext, PluginSandboxContext
from ._errors import SandboxError
from ._types import (AuditLog, CapabilityLike, PluginCapability, ResourceMonitor,
                     to_capabilities)

if TYPE_CHECKING:
    from ._factory import SandboxFactory

__all__ = ["PluginSandbox"]

_AUDIT_LEVELS = {"all": _core.AUDIT_ALL, "denied": _core.AUDIT_DENIED, "off": _core.AUDIT_OFF}
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def _interpreter_grants() -> list[tuple[str, Optional[str]]]:
    """Read grants for the standard library when it lives outside the system
    directories the base policy already lets every plugin read."""
    out: list[tuple[str, Optional[str]]] = []
    for d in _channel.STDLIB_DIRS:
        if os.path.isdir(d) and not any(d == s or d.startswith(s + "/") for s in _SYSTEM_DIRS):
            out.append(("filesystem.read", d))
    return out


class PluginSandbox:
    """A plugin's sandbox: its name, capabilities and resource limits.

    ``capabilities`` are names (``"filesystem.read"``, ``"filesystem.read=/data"``)
    or :class:`PluginCapability` objects. Without any capability a plugin
    can use the interpreter and its standard library and nothing else of
    the host (no files, no network, no processes, no sensitive variables).

    ``with sandbox.enforce() as box`` (or ``async with
    sandbox.enforce_async()``) starts one sandboxed worker for the block;
    ``box.call(func, ...)`` runs ``func`` there. ``get_audit_logs()`` returns
    the records of every context of this sandbox so far.

    Keyword options: ``audit`` (``"all"``, ``"denied"``: denials and
    lifecycle only, or ``"off"``), ``audit_callback`` (called on the host's
    thread with each :class:`AuditLog`), ``environment`` (the variables the
    plugin's environment is built from; default: the host's, with sensitive
    names withheld unless granted by ``environment.read``), ``cwd`` (of the
    worker; default: the host's), ``allow_degraded`` (run even if the kernel
    cannot enforce part of the policy; see :meth:`degradations`),
    ``network_namespace`` (an empty network namespace as a second wall).
    """

    def __init__(self, plugin_name: str,
                 capabilities: Optional[Iterable[CapabilityLike]] = None,
                 resource_monitor: Optional[ResourceMonitor] = None, *,
                 audit: str = "all",
                 audit_callback: Optional[Callable[[AuditLog], object]] = None,
                 environment: Optional[Mapping[str, str]] = None,
                 cwd: Optional["os.PathLike[str] | str"] = None,
                 allow_degraded: bool = False,
                 network_namespace: bool = False,
                 _factory: Optional["SandboxFactory"] = None) -> None:
        if not isinstance(plugin_name, str) or not plugin_name:
            raise ValueError("plugin_name must be a non-empty str")
        if audit not in _AUDIT_LEVELS:
            raise ValueError(f"audit must be one of {', '.join(_AUDIT_LEVELS)}, not {audit!r}")
        if resource_monitor is not None and not isinstance(resource_monitor, ResourceMonitor):
            raise TypeError("resource_monitor must be a ResourceMonitor")
        self.plugin_name = plugin_name
        self.capabilities: tuple[PluginCapability, ...] = to_capabilities(capabilities)
        self.resource_monitor = resource_monitor if resource_monitor is not None \
            else ResourceMonitor()
        self._audit_level = _AUDIT_LEVELS[audit]
        self._callback = audit_callback
        self._environment = dict(environment) if environment is not None else None
        self._cwd = os.fspath(cwd) if cwd is not None else None
        self._flags = (_core.ALLOW_DEGRADED if allow_degraded else 0) | \
            (_core.NET_NAMESPACE if network_namespace else 0)
        self._factory = _factory
        self._logs: list[AuditLog] = []
        self._lock = threading.Lock()
        self._idle: list["_core.Sandbox"] = []  # compiled, no run, records drained
        self._grants = [g for c in self.capabilities for g in c.grants()]
        # Compile once now: every problem (a path that does not exist, a
        # kernel that cannot enforce the policy, a ceiling refusing it) is
        # an error of the constructor, not of the first context.
        probe = self._compile()
        self._limits = probe.limits
        self._describe = probe.describe()
        self._degradations = probe.degradations()
        if _factory is not None:
            for what, why in probe.cuts:
                self._factory._cut(self, what, why)

    def _environ(self) -> list[str]:
        env = self._environment if self._environment is not None else os.environ
        if self._factory is not None and self._environment is None:
            env = self._factory._environment
        return [f"{k}={v}" for k, v in env.items() if "=" not in k and "\0" not in k + v]

    def _compile(self) -> "_core.Sandbox":
        """A fresh compiled sandbox (each context has its own: its own record buffer)."""
        limits = self.resource_monitor.core_limits()
        try:
            return _core.Sandbox(
                self.plugin_name, self._grants, limits, flags=self._flags,
                environment=self._environ(), audit_level=self._audit_level,
                factory=self._factory._core if self._factory is not None else None,
                entry=_sys_executable(), extra_grants=_interpreter_grants())
        except ValueError:
            raise
        except OSError as e:
            raise SandboxError(f"cannot build the sandbox of plugin {self.plugin_name!r}: "
                               f"{e.strerror or e}", e.errno) from None

    #: Compiled sandboxes kept for the next contexts (each holds ~20 fds).
    IDLE_COMPILED = 2

    def _acquire(self) -> "_core.Sandbox":
        """A compiled sandbox no other context is using: an idle one, or a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._compile()

    def _release(self, core: "_core.Sandbox") -> None:
        """Back from a context whose runs have all ended and whose records are drained."""
        with self._lock:
            if len(self._idle) < self.IDLE_COMPILED:
                self._idle.append(core)

    def _deliver(self, records: list[AuditLog]) -> None:
        with self._lock:
            self._logs.extend(records)
        callbacks = [c for c in (self._callback,
                                 self._factory.audit_callback if self._factory else None) if c]
        for cb in callbacks:
            for r in records:
                try:
                    cb(r)
                except Exception as e:  # never let a sink break cleanup
                    warnings.warn(f"audit callback {cb!r} raised {e!r}", RuntimeWarning,
                                  stacklevel=2)

    # ---- the seed's API --------------------------------------------------------

    def enforce(self, *, max_result_bytes: int = _channel.DEFAULT_MAX_RESULT_BYTES
                ) -> PluginSandboxContext:
        """A context for ``with``: one sandboxed worker for the block."""
        return PluginSandboxContext(self, max_result_bytes)

    def enforce_async(self, *, max_result_bytes: int = _channel.DEFAULT_MAX_RESULT_BYTES
                      ) -> AsyncPluginSandboxContext:
        """A context for ``async with``: the same, driven by the running event loop."""
        return AsyncPluginSandboxContext(self, max_result_bytes)

    def get_audit_logs(self) -> list[AuditLog]:
        """Every audit record of this sandbox's contexts so far, in order."""
        with self._lock:
            return list(self._logs)

    def clear_audit_logs(self) -> None:
        """Forget the records kept so far (a long-lived sandbox's log grows)."""
        with self._lock:
            self._logs.clear()

    # ---- what it enforces ---------------------------------------------------------

    @property
    def limits(self) -> dict[str, float]:
        """The limits in force (after defaults and a factory's bounds), C library names."""
        return dict(self._limits)

    def describe(self) -> str:
        """The compiled policy as text (Landlock rules, seccomp program)."""
        return self._describe

    def degradations(self) -> tuple[str, ...]:
        """What this kernel cannot enforce (only with ``allow_degraded=True``)."""
        return tuple(self._degradations)

    def __repr__(self) -> str:
        caps = ", ".join(sorted({c.name for c in self.capabilities}))
        return f"PluginSandbox({self.plugin_name!r}, {{{caps}}})"


def _sys_executable() -> str:
    import sys

    if not sys.executable:
        raise SandboxError("sys.executable is empty: no interpreter to run the worker with")
    return sys.executable
