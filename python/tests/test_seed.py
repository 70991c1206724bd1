"""The seed's Usage and Example code blocks (docs: shared/seed/plugin-sandbox.md),
adapted only where they name a plugin object: `plugin.execute()` becomes a
call of a function in the sandboxed worker. Each shows enforcement."""

import asyncio
import os

import pytest

import plugins
from praxis import (AuditLog, LimitExceeded, PluginCapability, PluginSandbox, ResourceMonitor,
                    SandboxFactory, create_sandboxed_executor)

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "plugins")


def denied_reads(logs, path):
    return [r for r in logs if r.action == "filesystem.read" and r.target == str(path)
            and not r.allowed]


def test_basic_usage(data_dir):
    # Create a sandbox with specific capabilities
    sandbox = PluginSandbox(
        plugin_name="my-plugin",
        capabilities={f"filesystem.read={data_dir / 'in.txt'}", "network.http"}
    )
    # Use the sandbox with a context manager
    with sandbox.enforce() as box:
        # Plugin code runs with restrictions
        assert box.call(plugins.count_lines, str(data_dir / "in.txt")) == 3
        with pytest.raises(PermissionError) as e:
            box.call(plugins.read_text, str(data_dir / "secret.txt"))
    assert e.value.type_name == "PermissionError"
    assert "Permission denied" in e.value.message
    logs = sandbox.get_audit_logs()
    assert all(isinstance(r, AuditLog) for r in logs)
    assert denied_reads(logs, data_dir / "secret.txt")
    granted = [r for r in logs if r.target == str(data_dir / "in.txt") and r.allowed]
    assert granted and granted[0].action == "filesystem.read"


def test_async_usage(data_dir):
    sandbox = PluginSandbox(plugin_name="my-plugin",
                            capabilities={f"filesystem.read={data_dir / 'in.txt'}"})

    async def main():
        async with sandbox.enforce_async() as box:
            # Async plugin code runs with restrictions
            n = await box.call(plugins.count_lines, str(data_dir / "in.txt"))
            with pytest.raises(PermissionError):
                await box.call(plugins.read_text, str(data_dir / "secret.txt"))
            return n

    assert asyncio.run(main()) == 3
    assert denied_reads(sandbox.get_audit_logs(), data_dir / "secret.txt")


@pytest.mark.parametrize("limit", ["memory", "cpu", "wall"])
def test_with_resource_limits(limit):
    monitor = ResourceMonitor(
        max_memory_mb=64 if limit == "memory" else 500,
        max_cpu_seconds=0.5 if limit == "cpu" else 30.0,
        max_wall_time_seconds=1.5 if limit == "wall" else 60.0,
    )
    sandbox = PluginSandbox(
        plugin_name="my-plugin",
        capabilities={"filesystem.read"},
        resource_monitor=monitor
    )
    work = {"memory": (plugins.hog_memory, 256), "cpu": (plugins.spin, 20),
            "wall": (plugins.sleep, 20)}[limit]
    with pytest.raises(LimitExceeded) as e:
        with sandbox.enforce() as box:
            box.call(*work)
    assert e.value.limit == limit
    assert monitor.limit_exceeded == limit
    assert monitor.usage is not None and monitor.usage.wall_seconds > 0
    if limit == "memory":
        assert e.value.usage.peak_memory_bytes > 64 << 20
    if limit == "cpu":
        assert e.value.usage.cpu_seconds >= 0.5
    assert any(r.action == "limit.exceeded" for r in sandbox.get_audit_logs())


def test_using_sandbox_factory(data_dir):
    factory = SandboxFactory(
        default_resource_limits={
            "max_memory_mb": 256,
            "max_cpu_seconds": 15.0
        }
    )
    # Create sandbox from plugin capabilities
    capabilities = [
        PluginCapability(name="filesystem.read", options={"path": str(data_dir / "in.txt")}),
        PluginCapability(name="network.http")
    ]
    sandbox = factory.create_sandbox(
        plugin_name="my-plugin",
        capabilities=capabilities
    )
    assert sandbox.limits["memory_bytes"] == 256 << 20
    assert sandbox.limits["cpu_seconds"] == 15.0
    with sandbox.enforce() as box:
        assert box.call(plugins.count_lines, str(data_dir / "in.txt")) == 3
        with pytest.raises(PermissionError):
            box.call(plugins.read_text, str(data_dir / "secret.txt"))


def test_audit_logging(data_dir):
    sandbox = PluginSandbox("my-plugin", [f"filesystem.read={data_dir / 'in.txt'}"])
    with sandbox.enforce() as box:
        box.call(plugins.count_lines, str(data_dir / "in.txt"))
    lines = []
    # Get audit logs after execution
    logs = sandbox.get_audit_logs()
    for log in logs:
        lines.append(f"{log.timestamp}: {log.action} - {'ALLOWED' if log.allowed else 'DENIED'}")
    assert logs[0].action == "run.start" and logs[-1].action == "run.end"
    assert logs[-1].allowed and logs[-1].target == "exited 0"
    assert all(r.timestamp.tzinfo is not None for r in logs)
    assert len({r.run for r in logs}) == 1
    assert any("filesystem.read - ALLOWED" in line for line in lines)


def test_example_sandboxed_plugin_execution(data_dir, tmp_path, capsys):
    out_dir = tmp_path / "output"
    out_dir.mkdir()
    # Configure factory with defaults
    factory = SandboxFactory(
        default_resource_limits={
            "max_memory_mb": 256,
            "max_cpu_seconds": 10.0,
            "max_wall_time_seconds": 30.0
        },
        audit_callback=lambda log: print(f"Audit: {log.action}")
    )
    # Create sandbox for specific plugin
    sandbox = factory.create_sandbox(
        plugin_name="data-processor",
        capabilities=[
            PluginCapability(name="filesystem.read", options={"path": str(data_dir / "in.txt")}),
            PluginCapability(name="filesystem.write", options={"path": str(out_dir)})
        ]
    )
    input_file = str(data_dir / "in.txt")

    # Execute plugin with sandbox protection
    async def main():
        async with sandbox.enforce_async() as box:
            text = await box.call(plugins.read_text, input_file)
            result = await box.call(plugins.write_text, str(out_dir / "result.txt"), text.upper())
            with pytest.raises(PermissionError):  # outside the granted path
                await box.call(plugins.write_text, str(tmp_path / "elsewhere.txt"), "x")
            return result

    assert asyncio.run(main()) == len("one\ntwo\nthree\n")
    assert (out_dir / "result.txt").read_text() == "ONE\nTWO\nTHREE\n"
    assert not (tmp_path / "elsewhere.txt").exists()
    # Check for violations
    audit_logs = sandbox.get_audit_logs()
    violations = [log for log in audit_logs if not log.allowed]
    assert any(v.action == "filesystem.write" and v.target == str(tmp_path / "elsewhere.txt")
               for v in violations)
    printed = capsys.readouterr().out
    assert "Audit: run.start" in printed and "Audit: filesystem.write" in printed


def test_integration_with_plugin_system():
    executor = create_sandboxed_executor([EXAMPLES])
    result = asyncio.run(executor.execute_plugin_sandboxed(
        plugin_name="stats-py",
        params={"numbers": [1, 2, 3, 4]},
    ))
    assert result == {"count": 4, "mean": 2.5, "median": 2.5, "stdev": pytest.approx(1.29099, 1e-4)}
    assert any(r.action == "run.start" for r in executor.get_audit_logs())
