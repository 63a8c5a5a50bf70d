"""The window for keyboard and screen-reader users: Tab goes round every control in the order
the eye does, with real key presses; screen readers hear "Thinking" once (politely) and the
finished answer once, whole — never token by token."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from askshot.ui.shell.main_window import MainWindow
from tests.helpers import fakeserver as fs
from tests.ui.shell.test_continue import window  # noqa: F401 (the window fixture)
from tests.ui.shell.test_main_window import idle, send

EXPECTED = [
    "Search",
    "New chat",
    "Conversations",
    "Take a screenshot",
    "Settings",
    "Conversation",
    "Send: Explain this",
    "Send: Extract the text",
    "Send: What is wrong here?",
    "Send: Translate to English",
    "Send: Table → CSV",
    "Message",
    "Attach images",
    "Model",
    "Reasoning effort",
    "Not urgent, half price",
    "Send",
]


def test_tab_goes_round_every_control_in_reading_order(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window._sidebar.search.setFocus()  # type: ignore[union-attr]
    seen = []
    for _ in range(len(EXPECTED)):
        focused = QApplication.focusWidget()
        assert focused is not None
        seen.append(focused.accessibleName())
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert [name for name in seen] == EXPECTED
    assert QApplication.focusWidget() is window._sidebar.search  # type: ignore[union-attr]


def test_screen_readers_hear_thinking_once_and_the_answer_once(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    server: fs.FakeServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heard: list[tuple[str, QAccessible.AnnouncementPoliteness]] = []

    def update(event: QAccessibleAnnouncementEvent) -> None:
        heard.append((event.message(), event.politeness()))

    monkeypatch.setattr(QAccessible, "isActive", staticmethod(lambda: True))
    monkeypatch.setattr(QAccessible, "updateAccessibility", staticmethod(update))
    pieces = [f"part{i} " for i in range(30)]
    server.enqueue(fs.text_reply(pieces, think=0.6, delay=0.01))
    send(qtbot, window, "Go")
    idle(qtbot, window)
    assert heard[0] == ("Thinking", QAccessible.AnnouncementPoliteness.Polite)
    assert [m for m, _ in heard[1:]] == ["".join(pieces)]  # once, whole
