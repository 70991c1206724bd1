"""Bad input: each a clear exception naming the problem; the host never crashes."""

import threading
import types

import pytest

import plugins
from praxis import (PluginCapability, PluginError, PluginSandbox, ResourceMonitor,
                    SandboxError, SandboxFactory)


def test_unknown_capability():
    with pytest.raises(ValueError, match="filesystem.bogus"):
        PluginSandbox("x", {"filesystem.bogus"})
    with pytest.raises(ValueError, match="network.ftp"):
        PluginCapability("network.ftp")


def test_unknown_option():
    with pytest.raises(ValueError, match="'paths'"):
        PluginCapability("filesystem.read", {"paths": "/tmp"})
    with pytest.raises(ValueError, match="takes no options"):
        PluginCapability("network.socket", {"hosts": "x"})


def test_bad_option_type():
    with pytest.raises(TypeError, match="'path'.*int"):
        PluginCapability("filesystem.read", {"path": 5})
    with pytest.raises(TypeError, match="mapping"):
        PluginCapability("filesystem.read", ["/tmp"])
    with pytest.raises(ValueError, match="bad port in 'example.org:99999'"):
        PluginCapability("network.http", {"hosts": ["example.org:99999"]})
    with pytest.raises(TypeError, match="'hosts'"):
        PluginCapability("network.http", {"hosts": 443})


def test_bad_limits():
    with pytest.raises(ValueError, match="max_memory_mb"):
        ResourceMonitor(max_memory_mb=-1)
    with pytest.raises(TypeError, match="max_cpu_seconds"):
        ResourceMonitor(max_cpu_seconds="ten")
    with pytest.raises(ValueError, match="smallest"):
        ResourceMonitor(max_memory_mb=1)
    with pytest.raises(ValueError, match="max_ram"):
        SandboxFactory(default_resource_limits={"max_ram": 5})


def test_missing_path_is_a_setup_error(tmp_path):
    with pytest.raises((SandboxError, ValueError), match=str(tmp_path / "missing")):
        PluginSandbox("x", [PluginCapability("filesystem.read",
                                             {"path": str(tmp_path / "missing")})])


def test_lambda_and_closure_are_type_errors():
    with PluginSandbox("fn").enforce() as box:
        with pytest.raises(TypeError, match="lambda"):
            box.call(lambda: 1)

        def inner():
            return 1

        with pytest.raises(TypeError, match="closure"):
            box.call(inner)
        with pytest.raises(TypeError, match="callable"):
            box.call(42)
        assert box.call(plugins.identity, "still fine") == "still fine"


def test_function_the_worker_cannot_import():
    mod = types.ModuleType("not_on_disk")
    exec("def f():\n    return 1\n", mod.__dict__)
    import sys
    sys.modules["not_on_disk"] = mod
    try:
        with PluginSandbox("fn").enforce() as box:
            with pytest.raises(PluginError) as e:
                box.call(mod.f)
            assert e.value.type_name in ("ModuleNotFoundError", "ImportError")
            assert "not_on_disk" in e.value.message
    finally:
        del sys.modules["not_on_disk"]


def test_unpicklable_argument():
    with PluginSandbox("args").enforce() as box:
        with pytest.raises(TypeError, match="argument 1 .*lock"):
            box.call(plugins.echo, 1, threading.Lock())
        with pytest.raises(TypeError, match="argument k="):
            box.call(plugins.echo, k=threading.Lock())
        assert box.call(plugins.identity, 2) == 2  # nothing was sent: still usable


def test_result_not_json_serialisable():
    with PluginSandbox("res").enforce() as box:
        with pytest.raises(TypeError, match="builtins.set is not JSON-serialisable"):
            box.call(plugins.return_set)
        with pytest.raises(TypeError, match="nan"):
            box.call(plugins.return_nan)
        assert box.call(plugins.identity, 3) == 3


def test_call_outside_the_block():
    ctx = PluginSandbox("outside").enforce()
    with pytest.raises(RuntimeError, match="enter the context"):
        ctx.call(plugins.identity, 1)
    with ctx as box:
        pass
    with pytest.raises(SandboxError, match="no longer usable"):
        box.call(plugins.identity, 1)


def test_run_bad_arguments():
    with PluginSandbox("run").enforce() as box:
        with pytest.raises(TypeError, match="list of arguments"):
            box.run("wc -l")
        with pytest.raises(ValueError, match="empty"):
            box.run([])
        with pytest.raises(SandboxError, match="no-such-program"):
            box.run(["no-such-program-xyz"])


def test_over_the_ceiling_is_refused_or_cut(tmp_path):
    seen = []
    factory = SandboxFactory(ceiling_allow=[f"filesystem.read={tmp_path}"],
                             audit_callback=seen.append)
    with pytest.raises(SandboxError, match="network.socket"):
        factory.create_sandbox("greedy", ["network.socket"])
    cutting = SandboxFactory(ceiling_allow=[f"filesystem.read={tmp_path}"],
                             over_ceiling="cut", audit_callback=seen.append)
    sb = cutting.create_sandbox("greedy", ["network.socket", f"filesystem.read={tmp_path}"])
    cuts = [r for r in seen if r.action == "sandbox.capability_cut"]
    assert cuts and cuts[0].target == "network.socket" and not cuts[0].allowed
    assert sb is not None
