"""What the window loads before it is first painted. Start-up is measured in bench/startup.py;
this test keeps the heavy modules off the path to the first paint, so a stray import cannot
slow every start without anyone noticing."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tests.helpers.probe import run_probe

PROBE = r"""
import json, sys
import PySide6.QtCore
from PySide6.QtCore import QEvent, QObject, QTimer
from askshot.platform.instance import Message
from askshot.ui.launch import application, become_resident  # what `askshot` runs

qapp = application()
resident = become_resident(qapp, Message("show"))
window = resident.window()
seen = {}

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "at_paint" not in seen:
            seen["at_paint"] = sorted(sys.modules)
            # PySide makes the ~100 enums of the Qt namespace on first use: 70 ms
            seen["qt_namespace"] = "Qt" in PySide6.QtCore.__dict__
        return False

def done():
    seen["after_ready"] = sorted(sys.modules)
    import linecache
    seen["cached_sources"] = len(linecache.cache)
    print(json.dumps(seen))
    resident.quit()

watcher = FirstPaint()
window.installEventFilter(watcher)
window.ready.connect(lambda: QTimer.singleShot(0, done))
resident.run("show")
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
    # the resident's parts: the tray and the shortcut come after the paint, a capture on demand
    "askshot.ui.shell.tray",
    "askshot.ui.shell.global_shortcut",
    "askshot.platform.hotkey.x11",
    "askshot.platform.portal",
    "jeepney",
    "askshot.ui.capture.controller",
    "askshot.ui.capture.overlay",
    "askshot.platform.capture",
)


def test_heavy_modules_wait_for_the_first_paint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ASKSHOT_HOME"}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),  # the real XDG path, not ASKSHOT_HOME
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        OPENAI_API_KEY="sk-startup-probe",
        XDG_RUNTIME_DIR=tempfile.mkdtemp(prefix="askshot-rt-"),  # a short socket path
    )
    try:
        seen = run_probe(PROBE, env)
    finally:
        shutil.rmtree(env["XDG_RUNTIME_DIR"], ignore_errors=True)
    at_paint = set(seen["at_paint"])
    loaded_early = [m for m in HEAVY if m in at_paint]
    assert loaded_early == [], f"loaded before the first paint: {loaded_early}"
    assert not seen["qt_namespace"], "PySide6.QtCore.Qt used before the first paint"
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
