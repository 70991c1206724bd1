"""The host's side of the worker protocol (see _worker.py for the other side).

Frames are a 4-byte little-endian length and that many bytes. Host -> worker:
the worker's code, then calls (marshal envelopes: a function by name with
marshal arguments, or a pickle of the function and its arguments). Worker -> host: JSON only;
nothing the worker sends is ever unpickled or executed here.
"""

from __future__ import annotations

import json
import marshal
import os
import pickle
import sys
import sysconfig
import threading
import types
from typing import Any, Callable, Optional

from ._errors import ProtocolError

#: Run by ``python -I -S -c``: read one frame (the worker's code) and run it.
BOOTSTRAP = """import posix as o,marshal as m
def _r(n):
 b=b''
 while len(b)<n:
  c=o.read(0,n-len(b))
  if not c:o._exit(0)
  b+=c
 return b
exec(m.loads(_r(int.from_bytes(_r(4),'little'))))"""

#: Largest result frame accepted from a worker (a bound, not a promise).
DEFAULT_MAX_RESULT_BYTES = 64 << 20

_lock = threading.Lock()
_worker_frame: Optional[bytes] = None
_module_cache: dict[tuple[str, int, int], tuple[str, bytes]] = {}


def frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "little") + payload


def worker_frame() -> bytes:
    """The worker's code object, compiled once per host process."""
    global _worker_frame
    with _lock:
        if _worker_frame is None:
            path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_worker.py")
            with open(path, "rb") as f:
                code = compile(f.read(), "<praxis-worker>", "exec", dont_inherit=True)
            _worker_frame = frame(marshal.dumps(code))
        return _worker_frame


def _stdlib_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib") if k in paths}
    dynload = sysconfig.get_config_var("DESTSHARED")
    if dynload:
        dirs.add(os.path.realpath(dynload))
    return tuple(sorted(dirs))


STDLIB_DIRS = _stdlib_dirs()


def _under(path: str, dirs: tuple[str, ...]) -> bool:
    return any(path == d or path.startswith(d + os.sep) for d in dirs)


def _module_payload(name: str, mod: types.ModuleType) -> Optional[tuple[str, str, str, bytes, bool]]:
    """(name, filename, source, code, is_package) for a module the worker cannot import
    itself: one with Python source outside the standard library."""
    file = getattr(mod, "__file__", None)
    if not isinstance(file, str) or not file.endswith(".py"):
        return None
    real = os.path.realpath(file)
    if _under(real, STDLIB_DIRS):
        return None
    try:
        st = os.stat(real)
        key = (real, st.st_mtime_ns, st.st_size)
        with _lock:
            cached = _module_cache.get(key)
        if cached is None:
            with open(real, "rb") as f:
                raw = f.read()
            code = marshal.dumps(compile(raw, file, "exec", dont_inherit=True))
            cached = (raw.decode("utf-8", "replace"), code)
            with _lock:
                _module_cache[key] = cached
    except (OSError, SyntaxError, ValueError) as e:
        raise TypeError(f"module {name} ({file}) cannot be sent to the sandbox: {e}") from None
    wname = "__mp_main__" if name == "__main__" else name
    is_package = os.path.basename(file) == "__init__.py"
    return (wname, file, cached[0], cached[1], is_package)


class _Collector(pickle.Pickler):
    """A pickler that notes the module of everything pickled by reference."""

    def __init__(self, f: Any) -> None:
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self.modules: dict[str, None] = {}

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, (types.FunctionType, type, types.BuiltinFunctionType)):
            m = getattr(obj, "__module__", None)
        else:
            m = type(obj).__module__
        if isinstance(m, str):
            self.modules[m] = None
        return NotImplemented


def _describe_callable(func: Any) -> str:
    name = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{getattr(func, '__module__', None) or '?'}.{name}"


def check_callable(func: Any) -> None:
    if not callable(func):
        raise TypeError(f"call() needs a callable, not {type(func).__name__}")
    target = func.__func__ if isinstance(func, types.MethodType) else func
    qual = getattr(target, "__qualname__", "")
    if isinstance(target, types.FunctionType) and ("<lambda>" in qual or "<locals>" in qual):
        kind = "a lambda" if "<lambda>" in qual else "a nested function (closure)"
        raise TypeError(
            f"{_describe_callable(target)} is {kind}: call() sends the function by reference, "
            "so it must be a module-level function or a method of an importable class")
    if getattr(target, "__module__", None) == "__main__":
        main = sys.modules.get("__main__")
        if not isinstance(getattr(main, "__file__", None), str):
            raise TypeError(f"{_describe_callable(target)} is defined in an interactive "
                            "__main__ with no file: the sandboxed worker cannot import it")


def encode_call(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                sent: set[str]) -> tuple[bytes, list[str]]:
    """The frame of one call, and the modules it sends for the first time."""
    import io

    check_callable(func)
    # Fast path: a plain function with arguments of exact built-in types
    # goes as marshal data, and the worker never imports pickle.
    by_name = None
    if isinstance(func, (types.FunctionType, types.BuiltinFunctionType)):
        try:
            by_name = marshal.dumps((args, kwargs))
        except ValueError:
            pass
    if by_name is not None:
        referenced = {func.__module__: None}
    else:
        buf = io.BytesIO()
        pk = _Collector(buf)
        try:
            pk.dump((func, args, kwargs))
        except Exception as e:
            raise _explain_pickling(func, args, kwargs, e) from None
        referenced = pk.modules
    modules = []
    new = []
    for name in referenced:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            mname = ".".join(parts[:i])
            if mname in sent or mname in new:
                continue
            mod = sys.modules.get(mname)
            payload = _module_payload(mname, mod) if mod is not None else None
            if payload is not None:
                modules.append(payload)
                new.append(mname)
    if by_name is not None:
        request = marshal.dumps(("name", modules, func.__module__, func.__qualname__, by_name))
    else:
        request = marshal.dumps(("pickle", modules, buf.getvalue()))
    return frame(request), new


def _explain_pickling(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                      e: Exception) -> TypeError:
    try:
        pickle.dumps(func)
    except Exception as fe:
        return TypeError(f"the function {_describe_callable(func)} cannot be sent to the "
                         f"sandbox by reference: {fe}")
    for i, a in enumerate(args):
        try:
            pickle.dumps(a)
        except Exception as ae:
            return TypeError(f"argument {i} of {_describe_callable(func)} "
                             f"({type(a).__name__}) cannot be pickled: {ae}")
    for k, a in kwargs.items():
        try:
            pickle.dumps(a)
        except Exception as ae:
            return TypeError(f"argument {k}= of {_describe_callable(func)} "
                             f"({type(a).__name__}) cannot be pickled: {ae}")
    return TypeError(f"the call of {_describe_callable(func)} cannot be pickled: {e}")


def decode_reply(data: bytes, where: str) -> tuple[bool, Any]:
    """(True, value) or (False, error info) from a worker's JSON frame."""
    try:
        msg = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ProtocolError(f"{where}: the worker sent something that is not a JSON result "
                            f"({len(data)} bytes, {type(e).__name__}: {e})") from None
    if isinstance(msg, dict) and len(msg) == 1:
        if "ok" in msg:
            return True, msg["ok"]
        if "error" in msg and isinstance(msg["error"], dict):
            return False, msg["error"]
    raise ProtocolError(f"{where}: the worker's message is neither a result nor an error")


def read_exact(fd: int, n: int) -> bytes:
    """N bytes from blocking FD, or fewer at EOF."""
    chunks = []
    while n > 0:
        b = os.read(fd, min(n, 1 << 20))
        if not b:
            break
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
