"""What a context enforces, and the data-only boundary back to the host."""

import os
import signal
import subprocess
import sys

import pytest

import plugins
from praxis import (PluginCrashed, PluginError, PluginSandbox, ProtocolError, ResourceMonitor,
                    SandboxError)


def test_state_persists_within_a_context_and_not_across():
    sb = PluginSandbox("state")
    with sb.enforce() as box:
        assert [box.call(plugins.bump) for _ in range(3)] == [1, 2, 3]
    with sb.enforce() as box:
        assert box.call(plugins.bump) == 1  # a fresh process


def test_results_are_json(data_dir):
    sb = PluginSandbox("json")
    with sb.enforce() as box:
        assert box.call(plugins.echo, 1, "two", (3, 4), k={"a": [None, True, 1.5]}) == \
            {"args": [1, "two", [3, 4]], "kwargs": {"k": {"a": [None, True, 1.5]}}}
        assert box.call(plugins.identity, "\u00e9\u4e2d\U0001F600\n\"") == \
            "\u00e9\u4e2d\U0001F600\n\""
        assert box.call(plugins.identity, 2 ** 100) == 2 ** 100
        big = "x" * (3 << 20)
        assert box.call(plugins.identity, big) == big


def test_bound_method_by_reference():
    with PluginSandbox("method").enforce() as box:
        assert box.call(plugins.Counter(40).add, 2) == 42


def test_nothing_of_the_host_is_readable(data_dir):
    here = os.path.abspath(__file__)
    with PluginSandbox("nothing").enforce() as box:
        for path in (str(data_dir / "in.txt"), here, "/etc/passwd", "/etc/shadow"):
            with pytest.raises(PermissionError):
                box.call(plugins.read_text, path)
        # The interpreter and its standard library are readable.
        import json
        assert box.call(plugins.count_lines, json.__file__) > 10


def test_write_is_denied_without_a_grant(tmp_path):
    target = tmp_path / "out.txt"
    sb = PluginSandbox("nowrite", {"filesystem.read"})
    with sb.enforce() as box:
        with pytest.raises(PermissionError):
            box.call(plugins.write_text, str(target), "x")
    assert not target.exists()
    assert any(r.action == "filesystem.write" and not r.allowed and r.target == str(target)
               for r in sb.get_audit_logs())


def test_sensitive_environment_needs_a_grant(monkeypatch):
    monkeypatch.setenv("MY_API_TOKEN", "s3cret")
    monkeypatch.setenv("PLAIN_SETTING", "visible")
    with PluginSandbox("env").enforce() as box:
        assert box.call(plugins.environ, "MY_API_TOKEN") is None
        assert box.call(plugins.environ, "PLAIN_SETTING") == "visible"
    with PluginSandbox("env", {"environment.read=MY_API_TOKEN"}).enforce() as box:
        assert box.call(plugins.environ, "MY_API_TOKEN") == "s3cret"


def test_no_processes_without_subprocess():
    with PluginSandbox("noproc").enforce() as box:
        with pytest.raises(PluginError) as e:
            box.call(plugins.start_daemon)
    assert isinstance(e.value, OSError)


def test_plugin_exceptions_carry_the_facts():
    with PluginSandbox("errors").enforce() as box:
        with pytest.raises(ValueError) as e:
            box.call(plugins.raise_value_error, "bad value 42")
        assert isinstance(e.value, PluginError)
        assert e.value.type_name == "ValueError" and e.value.message == "bad value 42"
        assert "raise_value_error" in e.value.traceback
        assert "raise ValueError(msg)" in e.value.traceback  # the source line, too
        with pytest.raises(PluginError) as e:
            box.call(plugins.raise_custom)
        assert type(e.value) is PluginError
        assert e.value.type_name == "plugins.BadInput"
        # the context is still usable after the plugin's exceptions
        assert box.call(plugins.identity, 1) == 1


def test_crafted_pickle_result_is_only_data(tmp_path):
    marker = tmp_path / "pwned"
    with PluginSandbox("evil").enforce() as box:
        payload = box.call(plugins.pickle_payload, str(marker))
    assert isinstance(payload, str) and "system" in payload
    assert not marker.exists()


def test_pickle_frame_on_the_channel_is_not_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    with PluginSandbox("evil").enforce() as box:
        with pytest.raises(ProtocolError) as e:
            box.call(plugins.write_pickle_frame, str(marker))
        assert "not a JSON result" in str(e.value)
        with pytest.raises(SandboxError):  # the context is closed after that
            box.call(plugins.identity, 1)
    assert not marker.exists()
    # (the host could not have touched it itself either: /tmp/... is the host's)


def test_garbage_on_the_channel():
    with PluginSandbox("garbage").enforce() as box:
        with pytest.raises(ProtocolError) as e:
            box.call(plugins.write_raw, (b"\xff" * 16).hex())
    assert "bound" in str(e.value)  # 0xffffffff bytes announced
    with PluginSandbox("garbage").enforce() as box:
        with pytest.raises(ProtocolError):
            box.call(plugins.write_raw, (b"\x05\x00\x00\x00nope!").hex())


def test_crash_and_exit_are_reported():
    with PluginSandbox("crash").enforce() as box:
        with pytest.raises(PluginCrashed) as e:
            box.call(plugins.kill_self, signal.SIGSEGV)
    assert e.value.signal == signal.SIGSEGV
    with PluginSandbox("exit").enforce() as box:
        with pytest.raises(PluginCrashed) as e:
            box.call(plugins.exit_now, 3)
        assert e.value.exit_code == 3
        with pytest.raises(SandboxError, match="no longer usable"):
            box.call(plugins.identity, 1)


def test_plugin_stdout_does_not_corrupt_the_channel(capfd):
    with PluginSandbox("prints").enforce() as box:
        assert box.call(plugins.print_stdout, "hello from the plugin") == "printed"
    assert "hello from the plugin" in capfd.readouterr().err


def test_run_a_program(data_dir):
    sb = PluginSandbox("wc", {f"filesystem.read={data_dir / 'in.txt'}"})
    with sb.enforce() as box:
        proc = box.run(["wc", "-l", str(data_dir / "in.txt")])
        assert proc.returncode == 0 and proc.stdout.split()[0] == b"3"
        denied = box.run(["cat", str(data_dir / "secret.txt")])
        assert denied.returncode != 0 and b"Permission denied" in denied.stderr
        assert box.run(["cat"], input=b"piped").stdout == b"piped"
    assert any(r.target == str(data_dir / "secret.txt") and not r.allowed
               for r in sb.get_audit_logs())


def test_program_limits(tmp_path):
    sb = PluginSandbox("wall", resource_monitor=ResourceMonitor(max_wall_time_seconds=0.5))
    with sb.enforce() as box:
        from praxis import LimitExceeded
        with pytest.raises(LimitExceeded) as e:
            box.run(["sleep", "10"])
        assert e.value.limit == "wall"


def test_worker_uses_the_hosts_interpreter():
    with PluginSandbox("interp").enforce() as box:
        assert box.call(plugins.identity, sys.version) == sys.version


def test_worker_has_only_stdio_and_the_channel():
    with PluginSandbox("fds").enforce() as box:
        fds = box.call(plugins.fds)
    # 0-2, the two channel ends, the listdir fd itself
    assert len(fds) <= 6, fds


def test_max_result_bytes():
    with PluginSandbox("big").enforce(max_result_bytes=1000) as box:
        with pytest.raises(ProtocolError, match="bound"):
            box.call(plugins.identity, "x" * 5000)


def test_praxis_cli_absent_from_the_picture():
    # the package calls the library: no praxis binary or ctypes involved
    import praxis
    import praxis._core as core
    assert core.__file__.endswith(".so")
    assert "ctypes" not in sys.modules or "praxis" not in repr(sys.modules.get("ctypes"))
    assert subprocess  # imported for CompletedProcess only
    assert praxis.kernel_support()["landlock_abi"] >= 1
