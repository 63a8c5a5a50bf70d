"""The message box: Enter sends and Shift+Enter adds a line (or Ctrl+Enter sends, by setting)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class Composer(QPlainTextEdit):
    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None, send_key: str = "enter") -> None:
        super().__init__(parent)
        self.send_key = send_key
        self.setTabChangesFocus(True)
        self.setAccessibleName(self.tr("Message"))
        self.setPlaceholderText(self.tr("Ask anything… (Enter sends, Shift+Enter adds a line)"))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers()
            ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
            shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
            sends = ctrl if self.send_key == "ctrl+enter" else not (shift or ctrl)
            if sends:
                self.submitted.emit(self.toPlainText())
                event.accept()
                return
            if self.send_key != "ctrl+enter" and ctrl:
                event.accept()
                return
            self.insertPlainText("\n")
            event.accept()
            return
        super().keyPressEvent(event)
