"""The one gesture on a real X server: Askshot runs in the background (no window), another program
has the focus; the user presses the global shortcut (Super+Shift+A) — or a script runs
`askshot --capture` — drags over that program's colour pattern, blacks out a part of it from the
ask bar (Alt+R, drag), types a question and presses Enter. Nothing else.

The request that reaches the test server carries exactly that region (the pattern's colours where
they must be, black where it was redacted) and that text; the answer is shown in the popup beside
the selection; Esc hides the popup and the other program has the focus again; `askshot history
show latest --json` holds the exchange. Also at QT_SCALE_FACTOR=2."""

from __future__ import annotations

import json
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


ANSWER = ["Red on the left, ", "green on the right."]


@pytest.mark.parametrize(
    ("trigger", "scale"), [("shortcut", "1"), ("shell", "1"), ("shortcut", "2")]
)
def test_from_another_app_shortcut_drag_type_enter_and_back(
    xserver: XServer,
    askshot_home: Path,
    runtime_dir: str,
    tmp_path: Path,
    trigger: str,
    scale: str,
) -> None:
    env = dict(xserver.env(), PYTHONPATH=str(ROOT))
    pattern = subprocess.Popen([sys.executable, "-c", PATTERN], env=env)
    log = tmp_path / "askshot.log"
    with fs.FakeServer() as server, log.open("w") as log_file:
        server.enqueue(fs.text_reply(ANSWER, think=0.5))
        app_env = dict(
            env,
            ASKSHOT_HOME=str(askshot_home),
            XDG_RUNTIME_DIR=runtime_dir,
            OPENAI_API_KEY="sk-x11-hotkey-000000",
            OPENAI_BASE_URL=server.base_url,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            ASKSHOT_LOG="info",
            QT_SCALE_FACTOR=scale,
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
            xserver.xdotool("key", "alt+r")  # the ask bar's redaction tool
            xserver.drag((1160, 160), (1180, 180), (1200, 190))  # black out a part of the red
            time.sleep(0.2)
            xserver.xdotool("type", "--delay", "10", "What colours?")
            xserver.xdotool("key", "Return")
            wait_log(log, "popup painted")
            xserver.wait_window("Askshot answer")
            wait_log(log, f"popup answer shown: {len(''.join(ANSWER))} characters")
            req = server.chat_requests[0]
            assert xserver.xdotool("getwindowfocus", "getwindowname") == "Askshot answer"
            xserver.xdotool("key", "Escape")
            deadline = time.monotonic() + 10
            while xserver.visible("Askshot answer") is not None:
                assert time.monotonic() < deadline, "Esc did not hide the popup"
                time.sleep(0.1)
            deadline = time.monotonic() + 10
            while xserver.xdotool("getwindowfocus", "getwindowname") != "askshot-pattern":
                assert time.monotonic() < deadline, "the focus did not go back"
                time.sleep(0.1)
            history = subprocess.run(
                [sys.executable, "-m", "askshot", "history", "show", "latest", "--json"],
                env=app_env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=30,
            )
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
    # xdotool works in physical pixels: the crop is the same at either scale
    assert img.size == (200, 100)
    assert close_to(img.getpixel((70, 50)), RED)
    assert close_to(img.getpixel((180, 50)), GREEN)
    assert close_to(img.getpixel((194, 94)), GREEN)
    # the redaction, (1160,160)-(1200,190) on screen: black in the bytes sent, nothing of red
    for x, y in ((12, 12), (30, 25), (48, 38)):
        assert img.getpixel((x, y)) == (0, 0, 0)
    assert close_to(img.getpixel((5, 5)), RED)  # outside it, untouched
    assert history.returncode == 0, history.stderr
    shown = json.loads(history.stdout)
    messages = shown["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["text"] == "What colours?"
    assert messages[1]["text"] == "".join(ANSWER)
    assert len(messages[0]["images"]) == 1
