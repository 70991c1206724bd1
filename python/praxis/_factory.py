"""SandboxFactory: defaults, the audit sink and the administrator's ceiling."""

from __future__ import annotations

import datetime as _dt
import os
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional

from . import _core
from ._errors import SandboxError
from ._types import AuditLog, CapabilityLike, ResourceMonitor, to_capabilities

if TYPE_CHECKING:
    from ._sandbox import PluginSandbox

__all__ = ["SandboxFactory"]


class SandboxFactory:
    """Makes sandboxes with shared defaults, one audit sink and a ceiling.

    ``default_resource_limits``: the seed's dict (``max_memory_mb``,
    ``max_cpu_seconds``, ``max_wall_time_seconds``, ...), used where a
    sandbox's ResourceMonitor sets none. ``audit_callback`` receives every
    :class:`AuditLog` of every sandbox of this factory, on the host's
    thread. ``max_resource_limits``: the most a sandbox may ask for.
    ``ceiling_allow`` / ``ceiling_deny``: the administrator's ceiling
    (capabilities, as for a sandbox): beyond it a sandbox is refused
    (:class:`SandboxError` naming what), or with ``over_ceiling="cut"`` gets
    the intersection and a ``sandbox.capability_cut`` record per cut.
    """

    def __init__(self, default_resource_limits: Optional[Mapping[str, Any]] = None,
                 audit_callback: Optional[Callable[[AuditLog], object]] = None, *,
                 max_resource_limits: Optional[Mapping[str, Any]] = None,
                 ceiling_allow: Optional[Iterable[CapabilityLike]] = None,
                 ceiling_deny: Optional[Iterable[CapabilityLike]] = None,
                 over_ceiling: str = "refuse",
                 environment: Optional[Mapping[str, str]] = None,
                 allow_degraded: bool = False,
                 so_runner: Optional[str] = None) -> None:
        if over_ceiling not in ("refuse", "cut"):
            raise ValueError(f"over_ceiling must be 'refuse' or 'cut', not {over_ceiling!r}")
        if audit_callback is not None and not callable(audit_callback):
            raise TypeError("audit_callback must be callable")
        self.default_resource_limits = dict(default_resource_limits or {})
        self.audit_callback = audit_callback
        defaults = ResourceMonitor.from_dict(self.default_resource_limits).core_limits()
        maxima = ResourceMonitor.from_dict(max_resource_limits or {}).core_limits()
        allow = [g for c in to_capabilities(ceiling_allow) for g in c.grants()] \
            if ceiling_allow is not None else None
        deny = [g for c in to_capabilities(ceiling_deny) for g in c.grants()] \
            if ceiling_deny is not None else None
        self._environment = dict(environment if environment is not None else os.environ)
        env = [f"{k}={v}" for k, v in self._environment.items()
               if "=" not in k and "\0" not in k + v]
        runner = so_runner or os.environ.get("PRAXIS_SO_RUNNER") or _bundled_runner()
        self._lock = threading.Lock()
        self.cut_logs: list[AuditLog] = []
        self._core_args: dict[str, Any] = dict(
            default_limits=defaults, max_limits=maxima, allow=allow, deny=deny,
            cut=over_ceiling == "cut", flags=_core.ALLOW_DEGRADED if allow_degraded else 0,
            environment=env, so_runner=runner)
        try:
            self._core = _core.Factory(**self._core_args)
        except OSError as e:
            raise SandboxError(f"cannot create the factory: {e.strerror or e}", e.errno) from None

    def create_sandbox(self, plugin_name: str,
                       capabilities: Optional[Iterable[CapabilityLike]] = None,
                       resource_monitor: Optional[ResourceMonitor] = None,
                       **options: Any) -> "PluginSandbox":
        """A sandbox with this factory's defaults, ceiling and audit sink."""
        from ._sandbox import PluginSandbox

        try:
            return PluginSandbox(plugin_name, capabilities, resource_monitor, _factory=self,
                                 **options)
        except PermissionError as e:
            raise SandboxError(str(e.strerror or e), e.errno) from None

    def _cut(self, sandbox: "PluginSandbox", what: str, why: str) -> None:
        rec = AuditLog(_dt.datetime.now(_dt.timezone.utc), sandbox.plugin_name, "0" * 16, 0,
                       "sandbox.capability_cut", what, False, why)
        with self._lock:
            self.cut_logs.append(rec)
        sandbox._deliver([rec])


def _bundled_runner() -> Optional[str]:
    """praxis-so-runner installed inside the package (pip install), if it is."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "praxis-so-runner")
    return path if os.access(path, os.X_OK) else None
