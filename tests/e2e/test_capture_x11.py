"""Screen capture on a real X server (Xvfb): another process shows a colour pattern, ours shows a
magenta window; the Qt backend must see the pattern and never our window. Then the overlay is
driven with real X input (xdotool): a drag plus Enter, and W for the window under the cursor.
The portal backend is checked against a fake xdg-desktop-portal on a private D-Bus bus."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.xserver import XServer, xserver  # noqa: F401 - fixture
from tests.helpers import ROOT, dbus

PATTERN = r"""
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget

class Pattern(QWidget):
    def paintEvent(self, event):
        p = QPainter(self)
        p.fillRect(0, 0, 100, 100, QColor(0, 128, 255))
        p.fillRect(100, 0, 100, 100, QColor(255, 200, 0))
        p.end()

app = QApplication(sys.argv)
w = Pattern()
w.setWindowTitle("askshot-pattern")
w.setWindowFlag(Qt.WindowType.FramelessWindowHint)
w.setGeometry(100, 100, 200, 100)
w.show()
app.exec()
"""

GRAB = r"""
import json, sys, time
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget
from askshot.platform.capture import capture_all

def settle(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)

def magenta(image):
    return any(
        image.pixelColor(x, y).getRgb()[:3] == (255, 0, 255)
        for x in range(0, image.width(), 5)
        for y in range(0, image.height(), 5)
    )

app = QApplication(sys.argv)
own = QWidget()
own.setWindowTitle("askshot-own")
own.setStyleSheet("background: rgb(255, 0, 255);")
own.setGeometry(50, 300, 300, 200)
own.show()
settle(1.0)
before = capture_all(hide=[])  # nothing hidden: our window must be in this one
after = capture_all()  # the default: every window of ours hidden during the grab
settle(0.2)
image = after.screens[0].image
out = {
    "backend": after.backend,
    "size": [image.width(), image.height()],
    "geometry": after.screens[0].geometry.getRect(),
    "magenta_when_shown": magenta(before.screens[0].image),
    "magenta_when_hidden": magenta(image),
    "visible_again": own.isVisible(),
    "pixels": {
        f"{x},{y}": list(image.pixelColor(x, y).getRgb()[:3])
        for x, y in ((110, 110), (199, 150), (200, 150), (290, 190), (60, 310), (20, 20))
    },
    "windows": [r.getRect() for r in after.windows],
    "crop": after.crop(after.screens[0].geometry.adjusted(150, 120, 0, 0)).size().toTuple(),
}
print(json.dumps(out), flush=True)
"""

OVERLAY = r"""
import json, sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from askshot.ui.capture.controller import CaptureController

ready_dir = Path(sys.argv[1])
app = QApplication(sys.argv[:1])
ctl = CaptureController()
results = []

def announce(n):
    session = ctl.session
    overlay = session.overlays[0]
    def painted():
        QTimer.singleShot(200, lambda: (ready_dir / f"ready{n}").write_text("ok"))
    if overlay._painted:
        painted()
    else:
        overlay.firstPainted.connect(painted)

def accepted(image, rect):
    c = image.pixelColor(5, 5).getRgb()[:3]
    results.append({"rect": rect.getRect(), "size": image.size().toTuple(), "corner": list(c)})
    if len(results) == 1:
        QTimer.singleShot(100, lambda: (ctl.start(), announce(2)))
    else:
        print(json.dumps(results), flush=True)
        app.quit()

ctl.accepted.connect(accepted)
ctl.cancelled.connect(lambda: (print("cancelled", flush=True), app.quit()))
ctl.failed.connect(lambda text: (print("failed:", text, flush=True), app.quit()))
QTimer.singleShot(300, lambda: (ctl.start(), announce(1)))
app.exec()
"""


def _env(x: XServer) -> dict[str, str]:
    env = x.env()
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture
def pattern(xserver: XServer, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:  # noqa: F811
    script = tmp_path / "pattern.py"
    script.write_text(PATTERN)
    proc = subprocess.Popen([sys.executable, str(script)], env=_env(xserver), cwd=ROOT, text=True)
    try:
        xserver.wait_window("askshot-pattern")
        time.sleep(0.3)  # its first paint
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.x11
def test_qt_backend_sees_other_windows_but_never_ours(
    xserver: XServer,  # noqa: F811
    pattern: subprocess.Popen[str],
    tmp_path: Path,
) -> None:
    script = tmp_path / "grab.py"
    script.write_text(GRAB)
    r = subprocess.run(
        [sys.executable, str(script)],
        env=_env(xserver),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["backend"] == "qt"
    assert out["size"] == [1280, 800]
    assert out["geometry"] == [0, 0, 1280, 800]
    px = out["pixels"]
    assert px["110,110"] == [0, 128, 255]  # the pattern's left half
    assert px["199,150"] == [0, 128, 255]
    assert px["200,150"] == [255, 200, 0]  # its right half
    assert px["290,190"] == [255, 200, 0]
    assert out["magenta_when_shown"], "the test could not see our window at all"
    assert not out["magenta_when_hidden"], "our own window was in the screenshot"
    assert px["60,310"] != [255, 0, 255]
    assert out["visible_again"]
    assert [100, 100, 200, 100] in out["windows"]  # the pattern window, for "window" mode
    assert out["crop"] == [1130, 680]


@pytest.mark.x11
def test_overlay_on_a_real_display_window_key_then_drag(
    xserver: XServer,  # noqa: F811
    pattern: subprocess.Popen[str],
    tmp_path: Path,
) -> None:
    script = tmp_path / "overlay.py"
    script.write_text(OVERLAY)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path)],
        env=_env(xserver),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def wait_ready(n: int) -> None:
        deadline = time.monotonic() + 30
        while not (tmp_path / f"ready{n}").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                out, err = proc.communicate(timeout=10)
                raise AssertionError(f"overlay {n} never painted:\n{out}\n{err}")
            time.sleep(0.05)

    try:
        wait_ready(1)
        xserver.xdotool("mousemove", "150", "150")  # over the pattern window
        xserver.xdotool("key", "w")
        wait_ready(2)
        xserver.drag((120, 110), (160, 130), (220, 160))
        xserver.xdotool("key", "Return")
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    window, region = json.loads(out.strip().splitlines()[-1])
    assert window == {"rect": [100, 100, 200, 100], "size": [200, 100], "corner": [0, 128, 255]}
    assert region["rect"] == [120, 110, 100, 50]
    assert region["size"] == [100, 50]
    assert region["corner"] == [0, 128, 255]


# -- the portal backend, against a fake portal on a private bus -----------------------------------


@pytest.fixture
def private_bus() -> Iterator[str]:
    with dbus.private_bus() as address:
        yield address


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        ("ok", None),
        ("cancel", "cancelled or refused"),
        ("deny", "privacy settings"),
        ("silent", "within 1 s"),
    ],
)
def test_portal_request(
    private_bus: str, tmp_path: Path, behaviour: str, expected: str | None
) -> None:
    from askshot.platform.capture import CaptureError, request_portal_screenshot

    uri = (tmp_path / "shot.png").as_uri()
    pumped: list[int] = []
    options = ("--screenshot", behaviour, "--uri", uri)
    with dbus.fake_service("portal", private_bus, *options):
        if expected is None:
            assert request_portal_screenshot(bus=private_bus, timeout=10) == uri
        else:
            with pytest.raises(CaptureError, match=expected):
                request_portal_screenshot(bus=private_bus, timeout=1, pump=lambda: pumped.append(1))
    if behaviour == "silent":
        assert pumped  # the caller's event loop kept running while it waited


def test_portal_missing_says_what_to_install(private_bus: str) -> None:
    from askshot.platform.capture import CaptureError, request_portal_screenshot

    with pytest.raises(CaptureError, match="xdg-desktop-portal-gnome"):
        request_portal_screenshot(bus=private_bus, timeout=2)
    with pytest.raises(CaptureError, match="not running"):
        request_portal_screenshot(bus="unix:path=/nonexistent/askshot-bus", timeout=2)
