"""Qt widget tests run offscreen; every test gets a fresh Services pointing at the test server."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest

from app.core.client import ChatClient, RetryPolicy


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
