"""Exceptions of the praxis package: each names what happened."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from ._types import ResourceUsage

__all__ = [
    "PraxisError",
    "SandboxError",
    "LimitExceeded",
    "PluginError",
    "ProtocolError",
    "PluginCrashed",
]


class PraxisError(Exception):
    """Base of every exception this package raises about a sandbox."""


class SandboxError(PraxisError):
    """The sandbox could not be set up or used; the message says what is missing.

    ``errno`` is the library's error number when there is one.
    """

    def __init__(self, message: str, errno: Optional[int] = None) -> None:
        super().__init__(message)
        self.errno = errno


class LimitExceeded(PraxisError):
    """A resource limit ended the plugin.

    ``limit`` is ``"memory"``, ``"cpu"``, ``"wall"``, ``"processes"``,
    ``"output"`` or ``"file_size"``; ``usage`` what it had used.
    """

    def __init__(self, limit: str, usage: "ResourceUsage", message: str = "") -> None:
        super().__init__(message or f"the plugin exceeded its {limit} limit ({usage})")
        self.limit = limit
        self.usage = usage


class PluginError(PraxisError):
    """The plugin raised an exception.

    ``type_name`` is its qualified type name as the plugin saw it
    (``"PermissionError"``, ``"mymod.BadInput"``), ``message`` its text and
    ``traceback`` the plugin's traceback, as text. When the plugin raised a
    built-in exception the raised object is also an instance of that built-in
    (``except PermissionError`` works); it is never the plugin's own object.
    """

    type_name: str
    message: str
    traceback: str

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.type_name = ""
        self.message = str(args[0]) if len(args) == 1 else ""
        self.traceback = ""

    def __str__(self) -> str:
        if self.type_name:
            return f"{self.type_name}: {self.message}"
        return self.message


class ProtocolError(PluginError):
    """The worker sent something that is not a result (garbage, too large).

    The context is unusable afterwards.
    """


class PluginCrashed(PraxisError):
    """The plugin's process ended during a call: a signal, or an exit.

    ``signal`` is the signal number (``None`` if it exited), ``exit_code``
    its exit status when it exited.
    """

    def __init__(self, message: str, signal: Optional[int] = None,
                 exit_code: Optional[int] = None) -> None:
        super().__init__(message)
        self.signal = signal
        self.exit_code = exit_code


_combined: dict[str, type] = {}


def plugin_error_type(type_name: str, module: str) -> type:
    """PluginError, or a subclass that is also the built-in exception it names."""
    if module != "builtins":
        return PluginError
    base = getattr(builtins, type_name, None)
    if not (isinstance(base, type) and issubclass(base, Exception)) or issubclass(
        base, (StopIteration, StopAsyncIteration)
    ):
        return PluginError
    t = _combined.get(type_name)
    if t is None:
        # __str__ and __init__ come from PluginError, the rest from the built-in.
        t = type("Plugin" + type_name, (PluginError, base), {"__module__": __name__})
        _combined[type_name] = t
    return t


def make_plugin_error(info: dict[str, Any], where: str) -> PluginError:
    """The exception to raise for the worker's error report INFO (JSON data)."""
    type_name = info.get("type")
    module = info.get("module")
    message = info.get("message")
    tb = info.get("traceback", "")
    if not (isinstance(type_name, str) and isinstance(module, str) and isinstance(message, str)
            and isinstance(tb, str)):
        return ProtocolError(f"{where}: the worker's error report is malformed")
    cls = plugin_error_type(type_name, module)
    args: tuple[Any, ...] = (message,)
    if cls is not PluginError and issubclass(cls, OSError):
        errno, strerror, filename = info.get("errno"), info.get("strerror"), info.get("filename")
        if isinstance(errno, int) and isinstance(strerror, str):
            args = (errno, strerror) + ((filename,) if isinstance(filename, str) else ())
    try:
        exc = cls(*args)
    except Exception:
        exc = PluginError(message)
    exc.type_name = type_name if module == "builtins" else f"{module}.{type_name}"
    exc.message = message
    exc.traceback = tb
    return exc
