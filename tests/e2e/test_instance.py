"""One Askshot per user: real processes (offscreen Qt) start, forward, race and crash."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from askshot.platform.instance import address
from tests.helpers import ROOT
from tests.helpers.instance import start, status, stop, wait_status


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    runtime = tempfile.mkdtemp(prefix="askshot-rt-")  # socket paths must stay short
    os.chmod(runtime, 0o700)
    e = {k: v for k, v in os.environ.items() if not k.startswith(("DISPLAY", "WAYLAND", "DBUS"))}
    e.update(
        QT_QPA_PLATFORM="offscreen",
        ASKSHOT_HOME=str(tmp_path / "home"),
        XDG_RUNTIME_DIR=runtime,
        PYTHONPATH=str(ROOT),
        OPENAI_API_KEY="sk-instance-test",
        ASKSHOT_LOG="info",
    )
    e.pop("XDG_ACTIVATION_TOKEN", None)
    e.pop("DESKTOP_STARTUP_ID", None)
    yield e
    shutil.rmtree(runtime, ignore_errors=True)


def test_a_second_start_hands_its_command_over_and_leaves(env: dict[str, str]) -> None:
    first = start(env, "--background")
    try:
        pid = wait_status(env)["pid"]
        assert pid == first.pid
        started = time.monotonic()
        second = start(env, "--new-chat")
        assert second.wait(timeout=20) == 0, stop(second)
        stop(second)
        assert time.monotonic() - started < 10
        shown = wait_status(env)
        assert shown["pid"] == first.pid
        assert shown["last_command"] == {"cmd": "new-chat", "token": False}
        assert shown["window"] == {"built": True, "visible": True}
        assert first.poll() is None
    finally:
        stop(first)


def test_five_simultaneous_starts_make_one_instance(env: dict[str, str]) -> None:
    procs = [start(env, "--background") for _ in range(5)]
    try:
        deadline = time.monotonic() + 60
        while sum(p.poll() is None for p in procs) > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = [p for p in procs if p.poll() is None]
        assert len(alive) == 1, [p.returncode for p in procs]
        assert [p.returncode for p in procs if p is not alive[0]] == [0, 0, 0, 0]
        assert wait_status(env)["pid"] == alive[0].pid
    finally:
        for p in procs:
            stop(p)


def test_a_killed_instance_leaves_nothing_in_the_way(env: dict[str, str]) -> None:
    first = start(env, "--background")
    wait_status(env)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)
    where = address(env)
    assert Path(where.socket).exists()  # the dead instance's socket is still there
    assert status(env) is None  # ... and answers nobody
    second = start(env, "--background")
    try:
        assert wait_status(env)["pid"] == second.pid
    finally:
        stop(second)


def test_the_socket_and_its_folder_are_private(env: dict[str, str]) -> None:
    first = start(env, "--background")
    try:
        wait_status(env)
        where = address(env)
        assert stat.S_IMODE(os.stat(Path(where.socket).parent).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(where.socket).st_mode) & 0o777 == 0o600
    finally:
        stop(first)


def raw(path: str, data: bytes) -> bytes:
    """Send bytes as any local program could; the answer ("" when it hangs up on us)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(path)
        out = b""
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            while chunk := s.recv(4096):
                out += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass  # it stopped reading a message past the size limit: refused
        return out


@pytest.mark.parametrize(
    "data",
    [
        b"garbage\n",
        b'{"v": 1, "cmd": "rm -rf /"}\n',
        b'{"v": 2, "cmd": "capture"}\n',
        b'{"v": 1, "cmd": "capture", "token": 5}\n',
        b'{"v": 1, "cmd": "show"' + b" " * 9000 + b"}\n",
        b"\xff\xfe\n",
        b"",
    ],
)
def test_a_malformed_or_unknown_message_runs_nothing(env: dict[str, str], data: bytes) -> None:
    first = start(env, "--background")
    try:
        wait_status(env)
        reply = raw(address(env).socket, data)
        assert reply in (b"", b"error: Askshot did not understand that command.\n")
        after = wait_status(env)
        assert after["last_command"] == {}
        assert after["window"] == {"built": False, "visible": False}
        assert first.poll() is None
    finally:
        stop(first)


def test_the_activation_token_is_passed_on(env: dict[str, str]) -> None:
    first = start(env, "--background")
    try:
        wait_status(env)
        second = start({**env, "XDG_ACTIVATION_TOKEN": "token-from-the-launcher"}, "--show")
        assert second.wait(timeout=20) == 0
        stop(second)
        assert wait_status(env)["last_command"] == {"cmd": "show", "token": True}
    finally:
        stop(first)


def test_capture_with_no_instance_starts_one_that_captures(env: dict[str, str]) -> None:
    first = start(env, "--capture")
    try:
        found = wait_status(env)
        assert found["pid"] == first.pid
        # the overlay (and the answer popup made while choosing, hidden), never the window
        assert found["window"] == {"built": False, "visible": False}
        assert found["popup"]["visible"] is False
    finally:
        err = stop(first)
    assert "overlay painted" in err


def test_an_unknown_window_flag_is_refused_with_usage(env: dict[str, str]) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "askshot", "--captur"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 2
    assert "usage: askshot" in r.stderr
