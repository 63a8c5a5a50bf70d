"""Qt widget tests run offscreen; every test gets a fresh Services pointing at the test server."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLayout, QWidget
from pytestqt.qtbot import QtBot

from askshot.core.keys.store import KeyStore
from askshot.core.settings import Settings
from askshot.ui.composer.panel import ComposerPanel
from askshot.ui.qt.threads import BackgroundCall
from askshot.ui.shell.services import Services
from tests.helpers.keyrings import MemoryKeyring


@pytest.fixture(autouse=True)
def collect_on_gui_thread(gc_on_this_thread: None) -> None:
    """Every widget test collects garbage on the GUI thread only (see tests/conftest.py)."""


WAIT_MS = 10_000  # image preparation runs on a worker thread: generous for a loaded CI machine


@pytest.fixture
def backend() -> MemoryKeyring:
    """An in-memory keyring for the forms that store keys (Settings, first run)."""
    return MemoryKeyring()


@pytest.fixture
def services(backend: MemoryKeyring) -> Services:
    s = Services.create()
    s.keys = KeyStore(backend=backend)
    return s


def background_idle() -> bool:
    """No background call (run_in_background) is running any more."""
    app = QCoreApplication.instance()
    assert app is not None
    return not any(call.running for call in app.findChildren(BackgroundCall))


def ready(qtbot: QtBot, p: ComposerPanel) -> None:
    """Wait until the panel has prepared its images."""
    qtbot.waitUntil(lambda: not p.preparing, timeout=WAIT_MS)


def png(
    path: Path, size: tuple[int, int] = (320, 200), color: tuple[int, int, int] = (30, 120, 200)
) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


@pytest.fixture
def panel(qtbot: QtBot) -> Iterator[ComposerPanel]:
    """A visible ComposerPanel with the focus in its text box; waits for image jobs after."""
    p = ComposerPanel(Settings())
    qtbot.addWidget(p)
    p.resize(720, 300)
    p.show()
    qtbot.waitExposed(p)
    p.focus_text()
    yield p
    qtbot.waitUntil(lambda: not p.preparing, timeout=WAIT_MS)
    p.shutdown()


def widgets_held_by_layouts(root: QWidget) -> list[tuple[str, str]]:
    """(layout, widget) type names where a layout below `root` holds a Python reference to a
    widget: such references crashed PySide 6.12's garbage collection (see FormRows in
    form_widgets.py)."""
    import gc

    return [
        (type(layout).__name__, type(ref).__name__)
        for layout in root.findChildren(QLayout)
        for ref in gc.get_referents(layout)
        if isinstance(ref, QWidget)
    ]
