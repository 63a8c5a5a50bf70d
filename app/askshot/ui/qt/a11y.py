"""What screen readers hear of an answer: "Thinking" once, as a polite status, when the model
starts working, and the finished answer once, whole — never token by token. The window and the
popup both use it."""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget


class Announcer:
    def __init__(self, source: QWidget) -> None:
        self.source = source  # the widget the announcements come from (the conversation)
        self._thinking = False

    def status(self, text: str, thinking: str) -> None:
        """A status line changed ("Thinking… 3 s", "Writing…"): the first of an answer is
        announced, politely, as `thinking`."""
        if text and not self._thinking:
            self._thinking = True
            announce(self.source, thinking, polite=True)

    def finished(self, answer: str) -> None:
        """The answer is complete (or stopped): announced once, whole."""
        self._thinking = False
        if answer:
            announce(self.source, answer)


def announce(source: QWidget, text: str, *, polite: bool = False) -> None:
    if not QAccessible.isActive():
        return
    event = QAccessibleAnnouncementEvent(source, text)
    if polite:
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)
