"""The resident gesture on a real X server: Askshot runs in the background (no window), another
program has the focus; the user presses the global shortcut (Super+Shift+A) — or a script runs
`askshot --capture` — drags over that program's colour pattern, presses Enter twice, types a
question and Enter. The image that reaches the test server holds the pattern's colours where they
must be, and the question is the one typed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_screenshot_ask_x11 import GREEN, PATTERN, RED, close_to, sent_image
from tests.e2e.xserver import XServer, start_xvfb
from tests.helpers import ROOT
from tests.helpers import fakeserver as fs

pytestmark = pytest.mark.x11


@pytest.fixture
def xserver() -> Iterator[XServer]:
    x = start_xvfb(1600, 1000)
    try:
        yield x
    finally:
        x.proc.terminate()
        x.proc.wait(timeout=10)


@pytest.fixture
def runtime_dir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="askshot-rt-")  # the instance socket's path stays short
    os.chmod(path, 0o700)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def wait_log(proc_log: Path, text: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in proc_log.read_text(encoding="utf-8", errors="replace"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not logged: {proc_log.read_text(errors='replace')}")


@pytest.mark.parametrize("trigger", ["shortcut", "shell"])
def test_from_another_app_the_shortcut_drag_enter_ask(
    xserver: XServer, askshot_home: Path, runtime_dir: str, tmp_path: Path, trigger: str
) -> None:
    env = dict(xserver.env(), PYTHONPATH=str(ROOT))
    pattern = subprocess.Popen([sys.executable, "-c", PATTERN], env=env)
    log = tmp_path / "askshot.log"
    with fs.FakeServer() as server, log.open("w") as log_file:
        app_env = dict(
            env,
            ASKSHOT_HOME=str(askshot_home),
            XDG_RUNTIME_DIR=runtime_dir,
            OPENAI_API_KEY="sk-x11-hotkey-000000",
            OPENAI_BASE_URL=server.base_url,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            ASKSHOT_LOG="info",
        )
        app = subprocess.Popen(
            [sys.executable, "-m", "askshot", "--background"],
            env=app_env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_log(log, "global shortcut Meta+Shift+A: bound (x11)")
            other = xserver.wait_window("askshot-pattern")
            xserver.xdotool("windowfocus", "--sync", other)
            assert xserver.xdotool("getwindowfocus", "getwindowname") == "askshot-pattern"
            assert xserver.visible("Askshot") is None  # a background start shows nothing
            if trigger == "shortcut":
                xserver.xdotool("key", "--clearmodifiers", "super+shift+a")
            else:
                cli = subprocess.run(
                    [sys.executable, "-m", "askshot", "--capture"],
                    env=app_env,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
                assert cli.returncode == 0, cli.stderr
            wait_log(log, "overlay painted")
            # drag from (1150,150) to (1350,250): 150 px of red, then 50 px of green
            xserver.drag((1150, 150), (1250, 200), (1350, 250))
            time.sleep(0.3)
            xserver.xdotool("key", "Return")  # accept the selection
            xserver.wait_window("Askshot: mark up the screenshot")
            time.sleep(0.5)
            xserver.xdotool("key", "Return")  # accept the markup
            xserver.wait_window("Askshot")
            deadline = time.monotonic() + 10
            while xserver.xdotool("getwindowfocus", "getwindowname") != "Askshot":
                assert time.monotonic() < deadline, "the window did not take the focus"
                time.sleep(0.1)
            time.sleep(1.0)  # the image is prepared for the model
            xserver.xdotool("type", "--delay", "10", "What colours?")
            xserver.xdotool("key", "Return")
            req = server.wait_for_requests(1, timeout=20)[0]
        finally:
            app.terminate()
            app.wait(timeout=15)
            pattern.terminate()
            pattern.wait(timeout=10)
    out = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in out, out
    assert "sk-x11-hotkey" not in out
    if trigger == "shortcut":
        assert "Meta+Shift+A: bound (x11, pressed)" in out
    assert req.headers["authorization"] == "Bearer sk-x11-hotkey-000000"
    text = next(p for p in req.json["messages"][-1]["content"] if p["type"] == "text")
    assert text["text"] == "What colours?"
    img = sent_image(req)
    assert img.size == (200, 100)
    assert close_to(img.getpixel((70, 50)), RED)
    assert close_to(img.getpixel((180, 50)), GREEN)
    assert close_to(img.getpixel((5, 5)), RED) and close_to(img.getpixel((194, 94)), GREEN)
