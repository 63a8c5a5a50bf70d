"""Make the README's screenshots of the one gesture, on a real X server (Xvfb) with the resident
app and the loopback test server:

- docs/ask-bar.png: the frozen screen, an area of another program selected, the ask bar beside
  it with a question typed and a box drawn;
- docs/answer-popup-light.png, docs/answer-popup-dark.png: the answer beside the area.

    .venv/bin/python tools/screenshots_popup.py [OUT_DIR]

Needs Xvfb, xdotool and ImageMagick (scripts/deps.sh installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.xserver import XServer, start_xvfb  # noqa: E402
from tests.helpers import fakeserver as fs  # noqa: E402

# Another program: a small "chart" window with an error under it.
OTHER = r"""
from PySide6.QtCore import Qt, QRectF
from PySide6.QtGui import QColor, QPainter, QFont, QPen
from PySide6.QtWidgets import QApplication, QWidget

class Chart(QWidget):
    def paintEvent(self, event):
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#ffffff"))
        p.setPen(QColor("#222"))
        f = QFont(); f.setPointSize(13); f.setBold(True); p.setFont(f)
        p.drawText(24, 34, "Monthly active users (thousands)")
        f.setBold(False); f.setPointSize(10); p.setFont(f)
        values = [42, 48, 51, 63, 59, 71, 84, 80, 95, 103, 99, 121]
        months = "JFMAMJJASOND"
        base, left, w = 330, 60, 34
        p.setPen(QPen(QColor("#bbb"), 1))
        for i in range(0, 140, 20):
            y = base - i * 2
            p.drawLine(left - 6, y, left + 12 * (w + 6), y)
            p.drawText(20, y + 4, str(i))
        for i, v in enumerate(values):
            x = left + i * (w + 6)
            colour = QColor("#4a7fd4" if i != 9 else "#e0673a")
            p.fillRect(QRectF(x, base - v * 2, w, v * 2), colour)
            p.setPen(QColor("#444"))
            p.drawText(x + 12, base + 18, months[i])
        p.end()

app = QApplication([])
w = Chart()
w.setWindowTitle("askshot-chart")
w.setWindowFlag(Qt.WindowType.FramelessWindowHint)
w.setGeometry(120, 140, 560, 380)
w.show()
app.exec()
"""

ANSWER = [
    "The chart shows **steady growth** over the year, from about 42k users in January to ",
    "121k in December, almost a **2.9× increase**.\n\n",
    "A few things stand out:\n\n",
    "- **May** (59k) and **August** (80k) dip slightly after strong months.\n",
    "- **October** is highlighted in orange at 103k: the first month above 100k.\n",
    "- The biggest jump is **November → December** (+22k).\n\n",
    "Month-over-month growth, if you want to check it:\n\n",
    "```python\nvalues = [42, 48, 51, 63, 59, 71, 84, 80, 95, 103, 99, 121]\n",
    "growth = [b / a - 1 for a, b in zip(values, values[1:])]\n```\n",
]


def run(out_dir: Path, theme: str, x: XServer, tmp: Path, shots: list[str]) -> None:
    env = x.env()
    home = tmp / f"home-{theme}"
    (home / "config").mkdir(parents=True, exist_ok=True)
    runtime = tempfile.mkdtemp(prefix="askshot-rt-")
    os.chmod(runtime, 0o700)
    settings = {"version": 1, "theme": theme}
    (home / "config" / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    other = subprocess.Popen([sys.executable, "-c", OTHER], env=env)
    log = tmp / f"askshot-{theme}.log"
    with fs.FakeServer() as server, log.open("w") as log_file:
        server.enqueue(
            fs.text_reply(
                ANSWER,
                think=1.5,
                delay=0.05,
                usage=fs.usage_chunk(prompt=1105, completion=412, reasoning=256),
            )
        )
        app_env = dict(
            env,
            PYTHONPATH=str(ROOT),
            ASKSHOT_HOME=str(home),
            XDG_RUNTIME_DIR=runtime,
            OPENAI_API_KEY="sk-screenshots-not-used",
            OPENAI_BASE_URL=server.base_url,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            ASKSHOT_LOG="info",
            LANG="C.UTF-8",
        )
        app = subprocess.Popen(
            [sys.executable, "-m", "askshot", "--background"],
            env=app_env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_log(log, "global shortcut")
            x.xdotool("windowfocus", "--sync", x.wait_window("askshot-chart"))
            x.xdotool("key", "--clearmodifiers", "super+shift+a")
            wait_log(log, "overlay painted")
            x.drag((150, 160), (400, 300), (640, 500))
            time.sleep(0.5)
            x.xdotool("key", "alt+b")
            x.drag((470, 330), (520, 360), (550, 380))
            time.sleep(0.3)
            x.xdotool("type", "--delay", "20", "What stands out in this chart?")
            time.sleep(0.5)
            if "ask-bar" in shots:
                x.screenshot(out_dir / "ask-bar.full.png")
                crop(out_dir / "ask-bar.full.png", out_dir / "ask-bar.png", "900x620+60+100")
            x.xdotool("key", "Return")
            wait_log(log, "popup painted")
            time.sleep(4.5)
            x.screenshot(out_dir / f"answer-popup-{theme}.full.png")
            crop(
                out_dir / f"answer-popup-{theme}.full.png",
                out_dir / f"answer-popup-{theme}.png",
                "1180x560+100+120",
            )
        finally:
            app.terminate()
            app.wait(timeout=15)
            other.terminate()
            other.wait(timeout=10)
            shutil.rmtree(runtime, ignore_errors=True)


def crop(full: Path, out: Path, geometry: str) -> None:
    subprocess.run(["convert", str(full), "-crop", geometry, "+repage", str(out)], check=True)
    full.unlink()


def wait_log(path: Path, text: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if text in path.read_text(errors="replace"):
            return
        time.sleep(0.05)
    raise SystemExit(f"{text!r} never logged:\n{path.read_text(errors='replace')}")


def main() -> None:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    out_dir.mkdir(parents=True, exist_ok=True)
    x = start_xvfb(1600, 1000)
    tmp = Path(tempfile.mkdtemp(prefix="askshot-shots-"))
    try:
        from tools.screenshots_resident import desktop_background

        desktop_background(x)
        run(out_dir, "light", x, tmp, ["ask-bar"])
        run(out_dir, "dark", x, tmp, [])
    finally:
        x.proc.terminate()
        x.proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print("written to", out_dir)


if __name__ == "__main__":
    main()
