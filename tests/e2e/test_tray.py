"""The tray icon against a fake StatusNotifierWatcher on a private bus: shown where a tray is,
absent where none is, and picked up when the tray appears after Askshot started (autostart
before the panel). Each probe is its own process: Qt reads the session bus once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.e2e.xserver import XServer, xserver  # noqa: F401 - fixture
from tests.helpers import ROOT, dbus

pytestmark = pytest.mark.x11

PROBE = r"""
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication
from askshot.ui.shell.tray import Tray

app = QApplication(sys.argv[:1])
pixmap = QPixmap(22, 22)
pixmap.fill(QColor("#3d6fd8"))
tray = Tray(QIcon(pixmap))
say = lambda **kw: print(json.dumps(kw), flush=True)
say(available=tray.available, menu=[a.text() for a in tray.menu.actions() if a.text()])
tray.availabilityChanged.connect(lambda on: say(available=on))
QTimer.singleShot(int(sys.argv[1]), app.quit)
app.exec()
"""


@pytest.fixture
def bus() -> Iterator[str]:
    with dbus.private_bus() as address:
        yield address


def probe(x: XServer, bus: str, ms: int) -> subprocess.Popen[str]:
    env = {**x.env(), "DBUS_SESSION_BUS_ADDRESS": bus, "PYTHONPATH": str(ROOT)}
    env.pop("XDG_CURRENT_DESKTOP", None)
    return subprocess.Popen(
        [sys.executable, "-c", PROBE, str(ms)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def lines(proc: subprocess.Popen[str]) -> list[dict[str, object]]:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_with_a_tray_the_icon_registers_with_its_menu(xserver: XServer, bus: str) -> None:  # noqa: F811
    with dbus.fake_service("watcher", bus) as watcher:
        said = lines(probe(xserver, bus, 1500))
        assert said[0]["available"] is True
        assert said[0]["menu"] == [
            "Capture and Ask",
            "Quick Ask",
            "Show Askshot",
            "Settings…",
            "Quit Askshot",
        ]
        watcher.terminate()
        registered, _ = watcher.communicate(timeout=10)
    assert '"registered"' in registered  # Qt's StatusNotifierItem reached the watcher


def test_without_a_tray_nothing_is_shown(xserver: XServer, bus: str) -> None:  # noqa: F811
    said = lines(probe(xserver, bus, 300))
    assert said == [{"available": False, "menu": said[0]["menu"]}]


def test_a_tray_that_appears_later_is_picked_up(xserver: XServer, bus: str) -> None:  # noqa: F811
    proc = probe(xserver, bus, 6000)
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())
    assert first["available"] is False
    with dbus.fake_service("watcher", bus) as watcher:
        rest = lines(proc)
        watcher.terminate()
        registered, _ = watcher.communicate(timeout=10)
    assert {"available": True} in rest
    assert '"registered"' in registered


def test_the_probe_has_no_tray_of_the_x_server_itself(xserver: XServer) -> None:  # noqa: F811
    """(Xvfb alone has no XEmbed tray: the tests above see only the D-Bus one.)"""
    env = {**xserver.env(), "PYTHONPATH": str(ROOT)}
    check = (
        "from PySide6.QtWidgets import QApplication, QSystemTrayIcon\n"
        "app = QApplication([])\n"
        "print(QSystemTrayIcon.isSystemTrayAvailable())\n"
    )
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    out = subprocess.run(
        [sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "False", out.stderr
    assert os.environ.get("DISPLAY") != xserver.display
