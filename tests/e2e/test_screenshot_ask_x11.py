"""The whole gesture on a real X server, as a user does it: another program shows a colour
pattern; in Askshot press Ctrl+Shift+A, drag over part of the pattern, press Enter (selection),
Enter (markup), type a question, press Enter — and check the image that reaches the test server:
its size and the pattern's colours where they must be. Also with QT_SCALE_FACTOR=2."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.xserver import XServer, start_xvfb
from tests.helpers import fakeserver as fs

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.x11

RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 200, 60), (40, 60, 230), (250, 220, 20)

# A 400x300 window at (1100, 100) in four quadrants.
PATTERN = f"""
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget

class Pattern(QWidget):
    def paintEvent(self, event):
        p = QPainter(self)
        p.fillRect(0, 0, 200, 150, QColor(*{RED}))
        p.fillRect(200, 0, 200, 150, QColor(*{GREEN}))
        p.fillRect(0, 150, 200, 150, QColor(*{BLUE}))
        p.fillRect(200, 150, 200, 150, QColor(*{YELLOW}))
        p.end()

app = QApplication([])
w = Pattern()
w.setWindowTitle("askshot-pattern")
w.setWindowFlag(Qt.WindowType.FramelessWindowHint)
w.setGeometry(1100, 100, 400, 300)
w.show()
app.exec()
"""


@pytest.fixture
def xserver():
    x = start_xvfb(1600, 1000)
    try:
        yield x
    finally:
        x.proc.terminate()
        x.proc.wait(timeout=10)


def sent_image(req: fs.Recorded) -> Image.Image:
    parts = req.json["messages"][-1]["content"]
    url = next(p["image_url"]["url"] for p in parts if p["type"] == "image_url")
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int], tol: int = 6) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize("scale", ["1", "2"])
def test_shortcut_drag_enter_ask(xserver: XServer, askshot_home: Path, scale: str) -> None:
    env = xserver.env()
    env["PYTHONPATH"] = str(ROOT)
    pattern = subprocess.Popen([sys.executable, "-c", PATTERN], env=env)
    with fs.FakeServer() as server:
        app_env = dict(
            env,
            ASKSHOT_HOME=str(askshot_home),
            OPENAI_API_KEY="sk-x11-test-000000",
            OPENAI_BASE_URL=server.base_url,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            QT_SCALE_FACTOR=scale,
        )
        app = subprocess.Popen(
            [sys.executable, "-m", "askshot"],
            env=app_env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            xserver.wait_window("askshot-pattern")
            win = xserver.wait_window("Askshot")
            time.sleep(0.5)
            xserver.xdotool("windowfocus", "--sync", win)
            xserver.xdotool("key", "ctrl+shift+a")
            time.sleep(1.5)  # the grab and the overlay
            # drag from (1150,150) to (1350,250): 150 px of red, then 50 px of green
            xserver.drag((1150, 150), (1250, 200), (1350, 250))
            time.sleep(0.3)
            xserver.xdotool("key", "Return")  # accept the selection
            xserver.wait_window("Askshot: mark up the screenshot")
            time.sleep(0.5)
            xserver.xdotool("key", "Return")  # accept the markup
            time.sleep(1.5)  # the image is prepared for the model
            xserver.xdotool("type", "--delay", "10", "What colours?")
            xserver.xdotool("key", "Return")
            req = server.wait_for_requests(1, timeout=20)[0]
        finally:
            app.terminate()
            out, _ = app.communicate(timeout=15)
            pattern.terminate()
            pattern.wait(timeout=10)
        assert "Traceback" not in out, out
    text = next(p for p in req.json["messages"][-1]["content"] if p["type"] == "text")
    assert text["text"] == "What colours?"
    img = sent_image(req)
    assert img.size == (200, 100)
    assert close_to(img.getpixel((70, 50)), RED)
    assert close_to(img.getpixel((180, 50)), GREEN)
    assert close_to(img.getpixel((5, 5)), RED) and close_to(img.getpixel((194, 94)), GREEN)
