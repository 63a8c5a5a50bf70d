"""The installed Askshot, as a user gets it. packaging/check.sh installs the .deb (and unpacks the
portable tarball) and runs this file against it:

    ASKSHOT_EXE=/usr/bin/askshot ASKSHOT_DESKTOP_ENTRY=/usr/share/applications/<id>.desktop \\
        pytest tests/e2e/test_installed.py

Nothing here imports the program under test: every check runs the frozen program in a clean
environment (no venv, no PYTHONPATH) and looks at what a user would see — its output, what
reaches the test server, the keyring's content, windows on a real X server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_hotkey_ask_x11 import wait_log
from tests.e2e.xserver import XServer, xserver  # noqa: F401 - fixture
from tests.helpers import ROOT
from tests.helpers import fakeserver as fs

EXE = os.environ.get("ASKSHOT_EXE", "")
DESKTOP_ENTRY = os.environ.get("ASKSHOT_DESKTOP_ENTRY", "")
ARTIFACTS = Path(os.environ.get("ASKSHOT_ARTIFACTS", tempfile.gettempdir()))
KEY = "sk-installed-build-0123456789"

if not EXE:
    pytest.skip(
        "needs an installed build: packaging/check.sh runs these against the .deb",
        allow_module_level=True,
    )


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: none of the test run's Python or Qt settings."""
    drop = ("OPENAI", "OPENROUTER", "PYTHON", "VIRTUAL_ENV", "QT_", "PYTEST")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60, cwd="/"
    )


def test_reports_the_projects_version() -> None:
    r = run("--version", env=clean_env())
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"askshot {project_version()}"


def test_headless_ask_streams_and_keeps_history(askshot_home: Path) -> None:
    with fs.FakeServer() as server:
        server.enqueue(fs.text_reply(["Frozen ", "and fine."]))
        env = clean_env(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY=KEY)
        r = run("ask", "Are you installed?", env=env)
        assert r.returncode == 0, r.stderr
        assert r.stdout == "Frozen and fine.\n"
        assert "Are you installed?" in json.dumps(server.chat_requests[0].json["messages"][-1])
        assert KEY not in r.stdout + r.stderr
    shown = run("history", "show", "latest", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "Frozen and fine." in shown.stdout


@pytest.mark.keyring
def test_key_set_then_read_from_the_keyring(secret_service_env: dict[str, str]) -> None:
    env = clean_env()
    r = run("key", "set", env=env, stdin=KEY + "\n")
    assert r.returncode == 0, r.stderr
    assert "Secret Service" in r.stdout
    assert KEY not in r.stdout + r.stderr
    # The window reads the key through the frozen program's hidden child command.
    read = run("_read-key", "openai", env=env)
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout) == {"key": KEY}
    with fs.FakeServer() as server:
        server.enqueue(fs.text_reply(["ok"]))
        r = run("ask", "hi", "--base-url", server.base_url, env=env)
        assert r.returncode == 0, r.stderr
        assert server.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.fixture
def gui_env(xserver: XServer, askshot_home: Path) -> Iterator[dict[str, str]]:  # noqa: F811
    runtime = tempfile.mkdtemp(prefix="askshot-rt-")  # the instance socket's path stays short
    os.chmod(runtime, 0o700)
    env = clean_env(
        DISPLAY=xserver.display,
        XDG_SESSION_TYPE="x11",
        XDG_RUNTIME_DIR=runtime,
        ASKSHOT_HOME=str(askshot_home),
        ASKSHOT_LOG="info",
        OPENAI_API_KEY=KEY,  # the window needs no keyring for these checks
    )
    yield env
    shutil.rmtree(runtime, ignore_errors=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_window_from_the_desktop_entry(
    xserver: XServer,  # noqa: F811
    gui_env: dict[str, str],
    tmp_path: Path,
) -> None:
    """Started the way a launcher starts it (gio launch reads the installed entry's Exec line);
    the portable build, which installs no entry, is started directly."""
    log = tmp_path / "askshot.log"
    with log.open("w") as out:
        command = ["gio", "launch", DESKTOP_ENTRY] if DESKTOP_ENTRY else [EXE]
        proc = subprocess.Popen(command, env=gui_env, stdout=out, stderr=subprocess.STDOUT)
        try:
            window = xserver.wait_window("Askshot", timeout=30)
            wm_class = subprocess.run(
                ["xprop", "-id", window, "WM_CLASS"],
                env=gui_env,
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout
            assert '"Askshot"' in wm_class  # the entry's StartupWMClass
            time.sleep(0.5)  # let it paint
            name = "installed-window.png" if DESKTOP_ENTRY else "portable-window.png"
            xserver.screenshot(ARTIFACTS / name)
            # A second start hands over to the running instance instead of a second window.
            again = run("--new-chat", env=gui_env)
            assert again.returncode == 0, again.stderr
        finally:
            stop(proc)
            # gio launch has exited; the program it started is the instance holding the socket.
            subprocess.run(["pkill", "-f", f"^{EXE}( |$)"], check=False)
    assert "Traceback" not in log.read_text(errors="replace")


def test_global_shortcut_opens_the_overlay(
    xserver: XServer,  # noqa: F811
    gui_env: dict[str, str],
    tmp_path: Path,
) -> None:
    log = tmp_path / "askshot.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [EXE, "--background"], env=gui_env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            wait_log(log, "global shortcut Meta+Shift+A: bound (x11)")
            assert xserver.visible("Askshot") is None  # a background start shows nothing
            xserver.xdotool("key", "--clearmodifiers", "super+shift+a")
            wait_log(log, "overlay painted")
            assert xserver.wait_window("Askshot: select an area", timeout=10)
            xserver.screenshot(
                ARTIFACTS / f"{'installed' if DESKTOP_ENTRY else 'portable'}-overlay.png"
            )
            xserver.xdotool("key", "Escape")
        finally:
            stop(proc)
    assert "Traceback" not in log.read_text(errors="replace")
