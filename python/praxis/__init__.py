"""Praxis: kernel-enforced plugin sandboxes for Python.

The seed's API over libpraxis (Landlock, seccomp, rlimits, namespaces)::

    from praxis import PluginSandbox, ResourceMonitor

    sandbox = PluginSandbox("my-plugin", {"filesystem.read=/data"},
                            ResourceMonitor(max_memory_mb=256, max_cpu_seconds=10))
    with sandbox.enforce() as box:
        n = box.call(mymodule.count_lines, "/data/in.txt")  # runs in a sandboxed worker
    for log in sandbox.get_audit_logs():
        print(log.timestamp, log.action, log.target, log.allowed, log.reason)

Nothing in the host is patched or restricted: a context owns a separate,
sandboxed interpreter and the kernel enforces the policy on it. See
docs/python.md for what a context guarantees and what it does not.
"""

from . import _core
from ._context import AsyncPluginSandboxContext, PluginSandboxContext
from ._errors import (LimitExceeded, PluginCrashed, PluginError, PraxisError, ProtocolError,
                      SandboxError)
from ._executor import SandboxedPluginExecutor, create_sandboxed_executor
from ._factory import SandboxFactory
from ._sandbox import PluginSandbox
from ._types import AuditLog, PluginCapability, ResourceMonitor, ResourceUsage

__version__ = _core.library_version

__all__ = [
    "AuditLog",
    "AsyncPluginSandboxContext",
    "LimitExceeded",
    "PluginCapability",
    "PluginCrashed",
    "PluginError",
    "PluginSandbox",
    "PluginSandboxContext",
    "PraxisError",
    "ProtocolError",
    "ResourceMonitor",
    "ResourceUsage",
    "SandboxError",
    "SandboxFactory",
    "SandboxedPluginExecutor",
    "capability_names",
    "create_sandboxed_executor",
    "kernel_support",
]


def capability_names() -> tuple[str, ...]:
    """The seven capability names the sandbox knows."""
    return tuple(_core.capability_names())


def kernel_support() -> dict[str, object]:
    """What this kernel can enforce (``praxis doctor``'s facts)."""
    return dict(_core.kernel_support())
