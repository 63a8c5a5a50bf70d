"""Shared fixtures: every test gets its own ASKSHOT_HOME and a clean environment, and fails if
it leaves a thread running."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from askshot.core.llm.client import ChatClient, RetryPolicy
from tests.helpers import fakeserver as fs

_ENV_TO_CLEAR = (
    "OPENAI_API_KEY",
    "OPENROUTER_API_KEY",
    "OPENAI_BASE_URL",
    "ASKSHOT_HOME",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def askshot_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every standard directory at a temp dir so no test touches the real profile."""
    for name in _ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "askshot-home"
    monkeypatch.setenv("ASKSHOT_HOME", str(home))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return home


@pytest.fixture
def server() -> Iterator[fs.FakeServer]:
    """The loopback OpenAI-compatible test server, stopped after the test."""
    with fs.FakeServer() as srv:
        yield srv


@pytest.fixture
def client() -> Iterator[ChatClient]:
    """A ChatClient with short retry delays, closed after the test."""
    c = ChatClient(retry=RetryPolicy(initial_delay=0.01, max_delay=0.05))
    yield c
    c.close()


@pytest.fixture
def gc_on_this_thread() -> Iterator[None]:
    """No automatic GC during the test (it could run on a worker thread and free Qt objects
    there); collect on this, the GUI, thread afterwards instead, as the app does."""
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while True:
        leaked = [
            t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon
        ]
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not leaked, f"test left threads running: {leaked}"
