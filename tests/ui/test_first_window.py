"""The first window, driven through real widgets and real key presses, against the test server."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from app.ui.main_window import MainWindow
from app.ui.services import Services
from tests import fakeserver as fs

KEY = "sk-test-window-0123456789"


@pytest.fixture
def window(qtbot, server, client, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    w = MainWindow(Services.create(), client)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def type_and_send(qtbot, w: MainWindow, text: str) -> None:
    w.composer.setFocus()
    qtbot.keyClicks(w.composer, text)
    qtbot.keyClick(w.composer, Qt.Key.Key_Return)


def test_title_and_focus(window) -> None:
    assert window.windowTitle() == "Askshot"
    assert window.composer.hasFocus()


def test_enter_sends_and_reply_streams_in(qtbot, window, server) -> None:
    server.enqueue(fs.text_reply(["The answer ", "is 42."], usage=fs.usage_chunk(10, 5)))
    type_and_send(qtbot, window, "What is it?")
    qtbot.waitUntil(lambda: "The answer is 42." in window.view.toPlainText(), timeout=5000)
    qtbot.waitUntil(lambda: window.worker is None, timeout=5000)
    assert window.composer.toPlainText() == ""
    body = server.chat_requests[0].json
    assert body["messages"][-1] == {"role": "user", "content": "What is it?"}
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert "o4-mini" in window.status.text() and "$" in window.status.text()


def test_shift_enter_adds_a_line(qtbot, window, server) -> None:
    qtbot.keyClicks(window.composer, "line one")
    qtbot.keyClick(window.composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(window.composer, "line two")
    assert window.composer.toPlainText() == "line one\nline two"
    assert server.chat_requests == []


def test_follow_up_sends_earlier_turns(qtbot, window, server) -> None:
    server.enqueue(fs.text_reply(["first answer"]), fs.text_reply(["second answer"]))
    type_and_send(qtbot, window, "one")
    qtbot.waitUntil(lambda: window.worker is None and "first answer" in window.view.toPlainText())
    type_and_send(qtbot, window, "two")
    qtbot.waitUntil(lambda: window.worker is None and "second answer" in window.view.toPlainText())
    msgs = server.chat_requests[1].json["messages"]
    assert [m["role"] for m in msgs][-3:] == ["user", "assistant", "user"]
    assert msgs[-2]["content"] == "first answer"


def test_thinking_counter_then_escape_stops_at_once(qtbot, window, server) -> None:
    server.enqueue(fs.text_reply(["never"], think=60))
    type_and_send(qtbot, window, "think hard")
    qtbot.waitUntil(lambda: "Thinking… 1 s" in window.status.text(), timeout=4000)
    assert window.stop_button.isVisible()
    t0 = time.monotonic()
    qtbot.keyClick(window.composer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.worker is None, timeout=2000)
    assert time.monotonic() - t0 < 1.0
    assert "Stopped." in window.view.toPlainText()
    assert window.send_button.isVisible()


def test_error_inline_keeps_partial_text(qtbot, window, server) -> None:
    server.enqueue(
        fs.Reply(steps=[fs.data(fs.chunk("Partial words")), fs.sleep(0.1), fs.DISCONNECT])
    )
    type_and_send(qtbot, window, "go")
    qtbot.waitUntil(lambda: window.worker is None, timeout=5000)
    text = window.view.toPlainText()
    assert "Partial words" in text
    assert "dropped" in text or "closed" in text
    assert KEY not in text


def test_missing_key_is_said_inline(qtbot, server, client, monkeypatch) -> None:
    from keyring.backends.fail import Keyring as NoKeyring

    from app.core.secrets import KeyStore

    services = Services.create()
    services.keys = KeyStore(backend=NoKeyring())
    w = MainWindow(services, client)
    qtbot.addWidget(w)
    type_and_send(qtbot, w, "hello")
    assert "No API key for OpenAI" in w.view.toPlainText()
    assert server.chat_requests == []


def test_refused_key_error_is_shown(qtbot, window, server) -> None:
    server.enqueue(
        fs.error_reply(401, f"Incorrect API key provided: {KEY}", code="invalid_api_key")
    )
    type_and_send(qtbot, window, "hello")
    qtbot.waitUntil(lambda: window.worker is None, timeout=5000)
    text = window.view.toPlainText()
    assert "refused the API key" in text
    assert KEY not in text
