"""The window never waits on the keyring on its GUI thread: a question asked while the key is
still being read waits for it with the text kept, then goes out with that key; a refused key is
read again; a keyring failure is said, not turned into a first-run panel. And a history file
that cannot be opened leaves a working window that says so."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from askshot.core.errors import CredentialError
from askshot.core.keys import child as key_process
from askshot.core.paths import Paths
from askshot.ui.shell.main_window import MainWindow
from askshot.ui.shell.services import Services
from tests.helpers import fakeserver as fs

KEY = "sk-from-the-keyring-0123456789"


class SlowKeyring:
    """Stands in for the child process: answers after `delay` seconds, counts the reads."""

    def __init__(self, answers: list[str | Exception | None], delay: float) -> None:
        self.answers = answers
        self.delay = delay
        self.reads = 0
        self.release = threading.Event()

    def __call__(
        self, provider_id: str, env: object = None, cancel: threading.Event | None = None
    ) -> str | None:
        self.reads += 1
        deadline = time.monotonic() + self.delay
        while not self.release.wait(0.02) and time.monotonic() < deadline:
            if cancel is not None and cancel.is_set():  # as the real child is stopped
                raise key_process.ReadCancelled("Reading the API key was cancelled.")
        answer = self.answers[min(self.reads, len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def keyring_answers(monkeypatch: pytest.MonkeyPatch, server):
    """The keyring's answers; OPENAI_BASE_URL points at the test server unless `own_url`."""

    def install(
        answers: list[str | Exception | None], delay: float = 0.0, own_url: bool = False
    ) -> SlowKeyring:
        if not own_url:
            monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        fake = SlowKeyring(answers, delay)
        monkeypatch.setattr(key_process, "read_key", fake)
        return fake

    return install


def open_window(qtbot, client) -> MainWindow:
    w = MainWindow(Services.create(), client)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.is_ready)
    return w


def ask(qtbot, w: MainWindow, text: str) -> float:
    """Type and press Enter; returns how long the GUI thread was busy with the Enter."""
    box = w.composer.message_box
    box.setFocus()
    qtbot.keyClicks(box, text)
    started = time.monotonic()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    return time.monotonic() - started


def test_a_question_asked_while_the_key_is_read_waits_for_it(
    qtbot, client, server, keyring_answers
) -> None:
    keyring = keyring_answers([KEY], delay=5.0)
    w = open_window(qtbot, client)
    server.enqueue(fs.text_reply(["Hello there"]))
    assert ask(qtbot, w, "hi") < 0.5  # the window did not wait on the keyring
    assert w.status.text() == "Reading the API key from the keyring…"
    assert w.composer.text() == "hi"  # kept until it is sent
    assert server.chat_requests == []
    keyring.release.set()
    qtbot.waitUntil(lambda: len(server.chat_requests) == 1, timeout=10_000)
    [request] = server.chat_requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    qtbot.waitUntil(lambda: not w.chat.busy, timeout=10_000)
    assert w.composer.text() == ""
    assert keyring.reads == 1  # one child for the start-up check and the question
    w.close()


def test_a_refused_key_is_read_again(qtbot, client, server, keyring_answers) -> None:
    keyring = keyring_answers(["sk-old-0123456789abcdef", KEY])
    w = open_window(qtbot, client)
    qtbot.waitUntil(lambda: not w.key_gate.check.running)
    server.enqueue(fs.error_reply(401, "Incorrect API key provided", code="invalid_api_key"))
    ask(qtbot, w, "first")
    qtbot.waitUntil(lambda: not w.chat.busy, timeout=10_000)
    server.enqueue(fs.text_reply(["ok"]))
    ask(qtbot, w, "second")
    qtbot.waitUntil(lambda: len(server.chat_requests) == 2, timeout=10_000)
    assert [r.headers["authorization"] for r in server.chat_requests] == [
        "Bearer sk-old-0123456789abcdef",
        f"Bearer {KEY}",
    ]
    assert keyring.reads == 2
    qtbot.waitUntil(lambda: not w.chat.busy, timeout=10_000)
    w.close()


def test_a_keyring_failure_is_said_not_asked_as_a_missing_key(
    qtbot, client, server, keyring_answers
) -> None:
    keyring_answers([CredentialError("Could not read the API key: the keyring is locked.")])
    w = open_window(qtbot, client)
    qtbot.waitUntil(lambda: not w.key_gate.check.running)
    assert w.first_run is None
    assert "the keyring is locked" in w.view.toPlainText()
    w.close()


def test_no_stored_key_opens_the_first_run_panel(qtbot, client, server, keyring_answers) -> None:
    keyring_answers([None], own_url=True)  # api.openai.com needs a key
    w = open_window(qtbot, client)
    qtbot.waitUntil(lambda: w.first_run is not None and w.stack.currentWidget() is w.first_run)
    assert not w.composer.isEnabled()
    w.close()


def test_closing_while_the_key_is_read_does_not_wait_for_it(
    qtbot, client, server, keyring_answers
) -> None:
    keyring_answers([KEY], delay=30.0)
    w = open_window(qtbot, client)
    assert w.key_gate.check is not None and w.key_gate.check.running
    started = time.monotonic()
    w.close()
    assert time.monotonic() - started < 1.5
    qtbot.waitUntil(lambda: not w.key_gate.check.running, timeout=2000)


def test_a_history_that_cannot_be_opened_leaves_a_working_window(
    qtbot, client, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-0123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    data = Paths.from_env().data
    data.mkdir(parents=True)
    history = data / "history.sqlite3"
    conn = sqlite3.connect(history)
    conn.execute("CREATE TABLE conversations (id INTEGER PRIMARY KEY)")
    conn.execute("PRAGMA user_version = 99")  # written by a newer Askshot
    conn.commit()
    conn.close()
    before = history.read_bytes()

    w = open_window(qtbot, client)
    shown = w.view.toPlainText()
    assert "newer version of Askshot" in shown
    assert "Conversations in this window will not be kept." in shown
    server.enqueue(fs.text_reply(["Still works"]))
    ask(qtbot, w, "hello")
    qtbot.waitUntil(lambda: "Still works" in w.view.toPlainText(), timeout=10_000)
    qtbot.waitUntil(lambda: not w.chat.busy, timeout=10_000)
    scratch = Path(w.store.path)
    w.close()
    assert history.read_bytes() == before
    assert not scratch.exists()  # the temporary history is gone with the window


def test_a_server_that_needs_no_key_gets_the_question_once_the_keyring_said_none(
    qtbot, client, server, keyring_answers
) -> None:
    """A local server (OPENAI_BASE_URL) takes requests without a key: an empty keyring must
    neither block the question nor be asked over and over."""
    keyring = keyring_answers([None], delay=0.3)
    w = open_window(qtbot, client)
    server.enqueue(fs.text_reply(["local answer"]))
    ask(qtbot, w, "hi")
    qtbot.waitUntil(lambda: len(server.chat_requests) == 1, timeout=10_000)
    assert "authorization" not in server.chat_requests[0].headers
    qtbot.waitUntil(lambda: not w.chat.busy, timeout=10_000)
    assert keyring.reads == 1
    w.close()
