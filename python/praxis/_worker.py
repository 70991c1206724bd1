"""The worker: runs inside the sandbox, in a fresh interpreter.

This file is never imported by the host. The host compiles it once, sends
the code object (marshal) as the first frame on the worker's stdin, and the
bootstrap in ``_channel.BOOTSTRAP`` executes it. It then serves calls:

* host -> worker: a frame holding a marshal of ``("name", modules, module,
  qualname, marshal of (args, kwargs))`` (a plain function and arguments of
  built-in types) or ``("pickle", modules, pickle of (func, args, kwargs))``;
  ``modules`` are the modules the call refers to that the worker cannot
  import itself (their code objects, compiled by the host from the files it
  read). The host is the only writer of this direction.
* worker -> host: a frame holding JSON, ``{"ok": value}`` or
  ``{"error": {...}}``. Never a pickle: the host does not unpickle.

Frames are a 4-byte little-endian length and that many bytes. It imports as
little as it can (``_pickle`` only when a call needs it; its own JSON
writer, not ``json``): the first call of a context pays for every import.
"""

import io
import marshal
import posix as os  # already loaded; "os" would import a dozen modules
import sys

_IN = os.dup(0)
_OUT = os.dup(1)
_null = os.open("/dev/null", os.O_RDONLY)
os.dup2(_null, 0)  # the plugin's stdin: nothing
os.close(_null)
os.dup2(2, 1)  # the plugin's prints go to stderr, never into the channel
del _null

_MAIN = "__mp_main__"  # the host's __main__, loaded under this name
_sources = {}  # filename -> source text, for tracebacks


def _read(n):
    b = b""
    while len(b) < n:
        c = os.read(_IN, n - len(b))
        if not c:
            os._exit(0)  # the host closed the channel: the context is over
        b += c
    return b


def _send(data):
    data = len(data).to_bytes(4, "little") + data
    while data:
        data = data[os.write(_OUT, data) :]


# ---- JSON out (a strict subset: finite numbers, str keys) ---------------------

_ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _jstr(s):
    out = ['"']
    for ch in s:
        e = _ESC.get(ch)
        if e is not None:
            out.append(e)
        elif ch < " " or "\ud800" <= ch <= "\udfff":
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_NotJSON = TypeError  # reported to the host as the built-in TypeError


def _json(v, depth=0, path="result"):
    if depth > 200:
        raise _NotJSON(f"{path}: nested more than 200 levels deep")
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    t = type(v)
    if t is str:
        return _jstr(v)
    if t is int:
        return int.__repr__(v)
    if t is float:
        if v != v or v in (float("inf"), float("-inf")):
            raise _NotJSON(f"{path}: {v!r} is not a JSON number")
        return float.__repr__(v)
    if t is list or t is tuple:
        return "[" + ",".join(_json(x, depth + 1, f"{path}[{i}]") for i, x in enumerate(v)) + "]"
    if t is dict:
        items = []
        for k, x in v.items():
            if type(k) is not str:
                raise _NotJSON(f"{path}: key {k!r} is not a str")
            items.append(_jstr(k) + ":" + _json(x, depth + 1, f"{path}[{k!r}]"))
        return "{" + ",".join(items) + "}"
    raise _NotJSON(
        f"{path}: an object of type {t.__module__}.{t.__qualname__} is not "
        "JSON-serialisable (results are JSON: None, bool, int, float, str, list, tuple, dict)"
    )


# ---- modules sent by the host -------------------------------------------------------


def _load(name, filename, source, code, is_package):
    if name in sys.modules:
        return
    mod = type(sys)(name)
    mod.__file__ = filename
    if is_package:
        mod.__path__ = []
        mod.__package__ = name
    else:
        mod.__package__ = name.rpartition(".")[0]
    _sources[filename] = source
    sys.modules[name] = mod
    parent, _, child = name.rpartition(".")
    try:
        exec(marshal.loads(code), mod.__dict__)
    except BaseException:
        del sys.modules[name]
        raise
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, mod)


def _resolve(module, qualname):
    if module == "__main__":
        module = _MAIN
    mod = sys.modules.get(module)
    if mod is None:
        __import__(module)
        mod = sys.modules[module]
    obj = mod
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


_unpickler = None


def _unpickle(data):
    global _unpickler
    if _unpickler is None:
        import _pickle

        class _Unpickler(_pickle.Unpickler):
            def find_class(self, module, name):
                if module == "__main__" or module in sys.modules:
                    return _resolve(module, name)
                return super().find_class(module, name)

        _unpickler = _Unpickler
    return _unpickler(io.BytesIO(data)).load()


# ---- errors ----------------------------------------------------------------------


def _describe(exc):
    t = type(exc)
    info = {"type": t.__qualname__, "module": t.__module__, "message": str(exc)}
    if isinstance(exc, OSError):
        info["errno"] = exc.errno
        info["strerror"] = exc.strerror
        info["filename"] = exc.filename if isinstance(exc.filename, str) else None
    try:
        import linecache
        import traceback

        for fn, text in _sources.items():
            linecache.cache[fn] = (len(text), None, text.splitlines(True), fn)
        info["traceback"] = "".join(traceback.format_exception(exc))
    except BaseException as e:  # a traceback is a courtesy, not a requirement
        info["traceback"] = f"(no traceback: {type(e).__name__})"
    return info


def _serve():
    _send(b'{"ready":true}')
    while True:
        n = int.from_bytes(_read(4), "little")
        request = marshal.loads(_read(n))
        try:
            kind, modules = request[0], request[1]
            for m in modules:
                _load(*m)
            if kind == "name":
                func = _resolve(request[2], request[3])
                args, kwargs = marshal.loads(request[4])
            else:
                func, args, kwargs = _unpickle(request[2])
            result = func(*args, **kwargs)
            out = '{"ok":' + _json(result) + "}"
        except BaseException as exc:  # the plugin's, reported, never fatal here
            try:
                out = '{"error":' + _json(_describe(exc)) + "}"
            except BaseException as e2:
                out = '{"error":{"type":"RuntimeError","module":"builtins","message":%s}}' % (
                    _jstr(f"the exception could not be described: {type(e2).__name__}")
                )
        _send(out.encode("utf-8"))


_serve()
