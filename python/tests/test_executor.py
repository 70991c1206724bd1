"""create_sandboxed_executor(): manifest plugins through the C executor."""

import asyncio
import json
import os

import pytest

from praxis import (LimitExceeded, PluginError, SandboxError, SandboxFactory,
                    create_sandboxed_executor)

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "examples", "plugins")


def write_plugin(d, name, script, capabilities=(), limits=None):
    pdir = d / name
    pdir.mkdir()
    (pdir / "run.py").write_text("#!/usr/bin/python3\n" + script)
    (pdir / "run.py").chmod(0o755)
    manifest = {"name": name, "version": "1", "entry": "run.py",
                "capabilities": list(capabilities)}
    if limits:
        manifest["limits"] = limits
    (pdir / "manifest.json").write_text(json.dumps(manifest))
    return pdir


def test_sync_and_async_execution():
    seen = []
    ex = create_sandboxed_executor([EXAMPLES], SandboxFactory(audit_callback=seen.append))
    assert ex.execute_plugin("stats-py", {"numbers": [2, 4]})["mean"] == 3
    r = asyncio.run(ex.execute_plugin_sandboxed("stats-py", {"numbers": [1]}))
    assert r["count"] == 1
    assert [x.action for x in seen if x.action == "run.start"] == ["run.start"] * 2


def test_plugin_errors_limits_and_unknown_names(tmp_path):
    write_plugin(tmp_path, "fails", "import sys\nprint('bad input', file=sys.stderr)\n"
                 "sys.exit(3)\n")
    write_plugin(tmp_path, "spins", "while True: pass\n", limits={"cpu_seconds": 0.3})
    write_plugin(tmp_path, "reads", "import json\nprint(json.dumps(open('/etc/passwd').read()))\n")
    ex = create_sandboxed_executor([tmp_path])
    with pytest.raises(PluginError) as e:
        ex.execute_plugin("fails")
    assert e.value.exit_code == 3 and "bad input" in e.value.traceback
    with pytest.raises(LimitExceeded) as e:
        ex.execute_plugin("spins")
    assert e.value.limit == "cpu"
    with pytest.raises(PluginError):  # PermissionError in the plugin: it exits 1
        ex.execute_plugin("reads")
    with pytest.raises(SandboxError, match="nope"):
        ex.execute_plugin("nope")
    with pytest.raises(TypeError, match="JSON"):
        ex.execute_plugin("fails", {"x": {1, 2}})


def test_capabilities_bound_the_manifest(tmp_path):
    write_plugin(tmp_path, "wants", "print('{}')\n", capabilities=["network.socket"])
    ex = create_sandboxed_executor([tmp_path])
    assert ex.execute_plugin("wants") == {}
    with pytest.raises(SandboxError, match="network.socket"):
        ex.execute_plugin("wants", capabilities=["filesystem.read"])
    assert ex.execute_plugin("wants", capabilities=["network.socket"]) == {}


def test_shared_object_plugin():
    runner = os.environ.get("PRAXIS_SO_RUNNER")
    built = os.path.join(os.path.dirname(runner or ""), "examples", "plugins")
    if not runner or not os.path.isdir(os.path.join(built, "checksum-so")):
        pytest.skip("needs the build tree's examples/plugins (meson test)")
    ex = create_sandboxed_executor([built])
    r = ex.execute_plugin("checksum-so", {"text": "hi"})
    assert isinstance(r, dict) and r
