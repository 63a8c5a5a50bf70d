"""Qt widget tests run offscreen; every test gets a fresh Services pointing at the test server."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.core.client import ChatClient, RetryPolicy
from app.core.settings import Settings
from app.ui.composer_panel import ComposerPanel


@pytest.fixture(autouse=True)
def collect_on_gui_thread() -> Iterator[None]:
    """No automatic GC during widget tests (it could run on a worker thread and free widgets
    there); collect on this, the GUI, thread after each test instead, as the app does."""
    import gc

    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture
def client() -> Iterator[ChatClient]:
    c = ChatClient(retry=RetryPolicy(initial_delay=0.01, max_delay=0.05))
    yield c
    c.close()


WAIT_MS = 10_000  # image preparation runs on a worker thread: generous for a loaded CI machine


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
