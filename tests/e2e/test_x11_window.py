"""The real app on a real X server: launch `python -m askshot`, type with xdotool, press Enter, and
see the answer from the test server on screen."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.e2e.xserver import xserver  # noqa: F401 - fixture
from tests.helpers import ROOT
from tests.helpers import fakeserver as fs

pytestmark = pytest.mark.x11


def test_window_streams_a_reply_on_a_real_display(xserver, tmp_path, askshot_home) -> None:  # noqa: F811
    with fs.FakeServer() as server:
        server.enqueue(fs.text_reply(["Forty", "-two."], think=0.8))
        env = xserver.env()
        env.update(
            PYTHONPATH=str(ROOT),
            ASKSHOT_HOME=str(askshot_home),
            OPENAI_API_KEY="sk-x11-test-000000",
            OPENAI_BASE_URL=server.base_url,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        app = subprocess.Popen(
            [sys.executable, "-m", "askshot"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            win = xserver.wait_window("Askshot")
            xserver.xdotool("windowfocus", "--sync", win)
            xserver.xdotool("type", "--delay", "10", "What is six times seven?")
            xserver.xdotool("key", "Return")
            req = server.wait_for_requests(1)[0]
            assert req.json["messages"][-1]["content"] == "What is six times seven?"
            time.sleep(2.0)
            shot = xserver.screenshot(tmp_path / "window.png")
            assert shot.stat().st_size > 1000
        finally:
            app.terminate()
            out, _ = app.communicate(timeout=15)
        assert "Traceback" not in out, out
