"""What the window loads before it is first painted. Start-up is measured in bench/startup.py;
this test keeps the heavy modules off the path to the first paint, so a stray import cannot
slow every start without anyone noticing."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers.probe import run_probe

PROBE = r"""
import json, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
import askshot.ui.launch  # what `askshot` imports
from askshot.ui.shell.main_window import MainWindow
from askshot.ui.shell.services import Services
from askshot.ui.shell.theme import apply_theme

qapp = QApplication([sys.argv[0]])
services = Services.create()
window = MainWindow(services, dark=apply_theme(qapp, services.settings.theme))
seen = {}

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "at_paint" not in seen:
            seen["at_paint"] = sorted(sys.modules)
        return False

def done():
    seen["after_ready"] = sorted(sys.modules)
    import linecache
    seen["cached_sources"] = len(linecache.cache)
    print(json.dumps(seen))
    window.close()
    qapp.quit()

watcher = FirstPaint()
window.installEventFilter(watcher)
window.ready.connect(lambda: QTimer.singleShot(0, done))
window.show()
QTimer.singleShot(20000, qapp.quit)
qapp.exec()
"""

# Loaded after the first paint (or on first use), never before it.
HEAVY = (
    "httpx",  # the HTTP client: first request
    "keyring",  # the OS keyring: after paint, only if no key in the environment
    "PIL",  # images: first attachment
    "markdown_it",  # the reply renderer
    "pygments",
    "sqlite3",  # the history
    "ctypes",  # nothing before the first paint needs it
    "platformdirs",  # XDG directories are read directly on Linux
    "askshot.core.types",  # the stream's value types
    "askshot.core.llm.client",
    "askshot.core.history.store",
    "askshot.ui.composer.attachments",  # the image pipeline: first image
    "askshot.ui.qt.threads",
    "askshot.ui.conversation.view",
    "askshot.ui.shell.sidebar",
)


def test_heavy_modules_wait_for_the_first_paint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ASKSHOT_HOME"}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),  # the real XDG path, not ASKSHOT_HOME
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        OPENAI_API_KEY="sk-startup-probe",
    )
    seen = run_probe(PROBE, env)
    at_paint = set(seen["at_paint"])
    loaded_early = [m for m in HEAVY if m in at_paint]
    assert loaded_early == [], f"loaded before the first paint: {loaded_early}"
    # ... and they do load right after it, so the first question does not wait for them.
    after = set(seen["after_ready"])
    for name in (
        "sqlite3",
        "askshot.core.history.store",
        "askshot.ui.conversation.view",
        "askshot.ui.composer.attachments",
    ):
        assert name in after
    # PySide's import hook reads every module's source into linecache (megabytes of it for the
    # modules loaded after the paint); the window drops it once they are loaded.
    assert seen["cached_sources"] < 10
