"""The seed's value types: PluginCapability, ResourceMonitor, AuditLog."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union

from . import _core

__all__ = ["PluginCapability", "ResourceMonitor", "ResourceUsage", "AuditLog", "CapabilityLike"]

#: The option each capability takes, and what the C library calls its value.
_OPTIONS: dict[str, Optional[str]] = {
    "filesystem.read": "path",
    "filesystem.write": "path",
    "network.socket": None,
    "network.http": "hosts",
    "system.subprocess": "executables",
    "environment.read": "names",
    "environment.write": "names",
}


def _names() -> tuple[str, ...]:
    return tuple(_core.capability_names())


@dataclasses.dataclass(frozen=True)
class PluginCapability:
    """One capability, with options: ``PluginCapability("filesystem.write", {"path": "/tmp/out"})``.

    Options: ``path`` (a path or a list of paths) for ``filesystem.*``;
    ``hosts`` (``"HOST[:PORT]"`` or a list) for ``network.http``; ``names``
    (variable names) for ``environment.*``; ``executables`` for
    ``system.subprocess``. No option: the whole capability. An unknown name
    or option is a ``ValueError`` naming it, a wrongly typed option a
    ``TypeError``, at construction.
    """

    name: str
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"a capability name must be a str, not {type(self.name).__name__}")
        if self.name not in _OPTIONS:
            raise ValueError(
                f"unknown capability {self.name!r} (valid: {', '.join(_names())})")
        if not isinstance(self.options, Mapping):
            raise TypeError(f"options of {self.name} must be a mapping, not "
                            f"{type(self.options).__name__}")
        object.__setattr__(self, "options", dict(self.options))
        allowed = _OPTIONS[self.name]
        for key in self.options:
            if key != allowed:
                valid = f"its option is {allowed!r}" if allowed else "it takes no options"
                raise ValueError(f"unknown option {key!r} for capability {self.name} ({valid})")
        for name, value in self.grants():
            _core.check_grant(name, value)

    def _values(self) -> list[str]:
        key = _OPTIONS[self.name]
        if key is None or key not in self.options:
            return []
        v = self.options[key]
        items = [v] if isinstance(v, (str, os.PathLike)) else v
        if not isinstance(items, Iterable) or isinstance(items, (bytes, Mapping)):
            raise TypeError(f"option {key!r} of {self.name} must be a str or a list of str, "
                            f"not {type(v).__name__}")
        out = []
        for item in items:
            if isinstance(item, os.PathLike) and key == "path":
                item = os.fspath(item)
            if not isinstance(item, str):
                raise TypeError(f"option {key!r} of {self.name} must be a str or a list of str, "
                                f"not {type(item).__name__} ({item!r})")
            if not item:
                raise ValueError(f"option {key!r} of {self.name} is empty")
            if "," in item and key == "path":
                raise ValueError(f"option 'path' of {self.name}: give several paths as a list")
            out.append(item)
        if not out:
            raise ValueError(f"option {key!r} of {self.name} is an empty list")
        return out

    def grants(self) -> list[tuple[str, Optional[str]]]:
        """This capability as the C library's grants: ``[(name, value or None), ...]``."""
        values = self._values()
        if not values:
            return [(self.name, None)]
        if _OPTIONS[self.name] == "path":
            return [(self.name, v) for v in values]
        return [(self.name, ",".join(values))]

    def __hash__(self) -> int:
        return hash((self.name, repr(sorted(self.options.items()))))


CapabilityLike = Union[str, PluginCapability]


def to_capabilities(caps: Optional[Iterable[CapabilityLike]]) -> tuple[PluginCapability, ...]:
    """Names (``"filesystem.read"``, ``"filesystem.read=/data"``) or PluginCapability objects."""
    if caps is None:
        return ()
    if isinstance(caps, (str, PluginCapability)):
        caps = [caps]
    out = []
    for c in caps:
        if isinstance(c, PluginCapability):
            out.append(c)
        elif isinstance(c, str):
            name, eq, value = c.partition("=")
            key = _OPTIONS.get(name)
            if name not in _OPTIONS:
                raise ValueError(f"unknown capability {name!r} (valid: {', '.join(_names())})")
            if eq and key is None:
                raise ValueError(f"capability {name} takes no value (got {c!r})")
            out.append(PluginCapability(name, {key: value} if eq and key else {}))
        else:
            raise TypeError(f"a capability is a name or a PluginCapability, not "
                            f"{type(c).__name__} ({c!r})")
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class ResourceUsage:
    """What a run used: wall and CPU seconds, peak resident memory, peak task count."""

    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    user_cpu_seconds: float = 0.0
    system_cpu_seconds: float = 0.0
    peak_memory_bytes: int = 0
    peak_tasks: int = 0

    @property
    def peak_memory_mb(self) -> float:
        return self.peak_memory_bytes / (1 << 20)

    @classmethod
    def from_core(cls, u: Mapping[str, Any]) -> "ResourceUsage":
        return cls(wall_seconds=u["wall_seconds"],
                   cpu_seconds=u["user_cpu_seconds"] + u["system_cpu_seconds"],
                   user_cpu_seconds=u["user_cpu_seconds"],
                   system_cpu_seconds=u["system_cpu_seconds"],
                   peak_memory_bytes=u["peak_memory_bytes"], peak_tasks=u["peak_tasks"])

    def __str__(self) -> str:
        return (f"wall {self.wall_seconds:.3f}s, cpu {self.cpu_seconds:.3f}s, "
                f"peak memory {self.peak_memory_mb:.1f} MB")


def _limit(name: str, value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number or None, not {type(value).__name__}")
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0 (0 = unlimited), not {value!r}")
    return value


class ResourceMonitor:
    """Limits of a sandbox and, after each context, what it used.

    ``None`` leaves a limit at its default (the factory's, else the
    library's: 1 GiB, 60 s CPU, 300 s wall); ``0`` means unlimited. The
    limits apply to the whole process tree of a context's worker (and to
    each ``box.run()`` program), for the whole ``with`` block.

    After a context: ``usage`` (:class:`ResourceUsage`) and
    ``limit_exceeded`` (the limit that ended it, or ``None``).
    """

    def __init__(self, max_memory_mb: Optional[float] = None,
                 max_cpu_seconds: Optional[float] = None,
                 max_wall_time_seconds: Optional[float] = None, *,
                 max_processes: Optional[int] = None,
                 max_open_files: Optional[int] = None,
                 max_file_size_mb: Optional[float] = None) -> None:
        self.max_memory_mb = _limit("max_memory_mb", max_memory_mb)
        self.max_cpu_seconds = _limit("max_cpu_seconds", max_cpu_seconds)
        self.max_wall_time_seconds = _limit("max_wall_time_seconds", max_wall_time_seconds)
        self.max_processes = _limit("max_processes", max_processes)
        self.max_open_files = _limit("max_open_files", max_open_files)
        self.max_file_size_mb = _limit("max_file_size_mb", max_file_size_mb)
        mem = self.max_memory_mb
        if mem and mem * (1 << 20) < _core.MIN_MEMORY_BYTES:
            raise ValueError(f"max_memory_mb={mem} is below the smallest limit the sandbox "
                             f"can enforce ({_core.MIN_MEMORY_BYTES >> 20} MB; 0 = unlimited)")
        self.usage: Optional[ResourceUsage] = None
        self.limit_exceeded: Optional[str] = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ResourceMonitor":
        """From the seed's ``default_resource_limits`` dict (its keys are the arguments)."""
        if not isinstance(d, Mapping):
            raise TypeError(f"resource limits must be a dict, not {type(d).__name__}")
        try:
            return cls(**d)
        except TypeError as e:
            raise ValueError(f"bad resource limits {dict(d)!r}: {e}") from None

    def core_limits(self) -> dict[str, float]:
        """The C library's limit names, for the limits that are set."""
        out: dict[str, float] = {}
        pairs = [("memory_bytes", self.max_memory_mb, 1 << 20),
                 ("cpu_seconds", self.max_cpu_seconds, 1),
                 ("wall_seconds", self.max_wall_time_seconds, 1),
                 ("max_procs", self.max_processes, 1),
                 ("max_open_files", self.max_open_files, 1),
                 ("max_file_bytes", self.max_file_size_mb, 1 << 20)]
        for key, value, scale in pairs:
            if value is not None:
                out[key] = value * scale if scale != 1 else value
        return out

    def _record(self, usage: ResourceUsage, limit: Optional[str]) -> None:
        self.usage = usage
        self.limit_exceeded = limit

    def __repr__(self) -> str:
        return (f"ResourceMonitor(max_memory_mb={self.max_memory_mb}, "
                f"max_cpu_seconds={self.max_cpu_seconds}, "
                f"max_wall_time_seconds={self.max_wall_time_seconds})")


@dataclasses.dataclass(frozen=True)
class AuditLog:
    """One security-relevant operation, allowed or denied.

    ``timestamp`` is an aware UTC datetime; ``run`` the run's id (16 hex
    digits, as in the JSON audit files); ``pid`` in the host's pid namespace
    (0 for the host's own records); ``action`` the capability that governs
    it (``"filesystem.read"``...) or a lifecycle name (``"run.start"``);
    ``target`` the path, address, program or variable; ``reason`` the rule
    that allowed it or what is missing.
    """

    timestamp: _dt.datetime
    plugin: str
    run: str
    pid: int
    action: str
    target: str
    allowed: bool
    reason: str

    @classmethod
    def from_core(cls, t: tuple[float, str, int, int, str, str, bool, str]) -> "AuditLog":
        ts, plugin, run_id, pid, action, target, allowed, reason = t
        return cls(_dt.datetime.fromtimestamp(ts, _dt.timezone.utc), plugin, f"{run_id:016x}",
                   pid, action, target, allowed, reason)
