"""The message box: Enter sends and Shift+Enter adds a line (or Ctrl+Enter sends, by setting).

With `accept_attachments`, pasted or dropped images, image files and web URLs are not inserted
as text but handed on through `attachmentsReceived` (an `attachments.Incoming`); Ctrl+Shift+V
still pastes the clipboard's text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from askshot.ui.qt.lazy import Qt

if TYPE_CHECKING:  # loaded on the first key press, paste or drag, not before the first paint
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeyEvent


class MessageBox(QPlainTextEdit):
    submitted = Signal(str)
    attachmentsReceived = Signal(object, bool)  # attachments.Incoming, dropped (not pasted)

    def __init__(
        self,
        parent: QWidget | None = None,
        send_key: str = "enter",
        *,
        accept_attachments: bool = False,
    ) -> None:
        super().__init__(parent)
        self.accept_attachments = accept_attachments
        self._send_key = send_key
        self.setTabChangesFocus(True)
        self.setAccessibleName(self.tr("Message"))
        # A clear focus ring: the frame turns the selection colour, twice as thick, with focus.
        self.setStyleSheet(
            "MessageBox { border: 1px solid palette(mid); border-radius: 6px; padding: 3px; }"
            " MessageBox:focus { border: 2px solid palette(highlight); padding: 2px; }"
        )
        self._update_placeholder()

    @property
    def send_key(self) -> str:
        """ "enter" (Enter sends, Shift+Enter adds a line) or "ctrl+enter"."""
        return self._send_key

    @send_key.setter
    def send_key(self, value: str) -> None:
        self._send_key = value
        self._update_placeholder()

    def set_send_key(self, value: str) -> None:
        self.send_key = value

    def _update_placeholder(self) -> None:
        if self._send_key == "ctrl+enter":
            hint = self.tr("Ask anything… (Ctrl+Enter sends)")
        else:
            hint = self.tr("Ask anything… (Enter sends, Shift+Enter adds a line)")
        self.setPlaceholderText(hint)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers()
            ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
            shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
            sends = ctrl if self._send_key == "ctrl+enter" else not (shift or ctrl)
            if sends:
                self.submitted.emit(self.toPlainText())
                event.accept()
                return
            if self._send_key != "ctrl+enter" and ctrl:
                event.accept()
                return
            self.insertPlainText("\n")
            event.accept()
            return
        if (
            self.accept_attachments
            and event.key() == Qt.Key.Key_V
            and event.modifiers()
            == (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        ):
            # Paste as text: a spreadsheet or office copy also carries a picture of itself.
            from PySide6.QtGui import QGuiApplication

            self.insertPlainText(QGuiApplication.clipboard().text())
            event.accept()
            return
        super().keyPressEvent(event)

    # -- paste ----------------------------------------------------------------------------------

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        from askshot.ui.composer.attachments import might_attach

        if self.accept_attachments and might_attach(source):
            return True
        return super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if self.accept_attachments:
            from askshot.ui.composer.attachments import read_mime

            incoming = read_mime(source)
            # A pasted web link is text; only a paste of nothing but links gets the hint.
            if incoming.attachable or (incoming.remote and not source.hasText()):
                self.attachmentsReceived.emit(incoming, False)
                return
        super().insertFromMimeData(source)

    # -- drag and drop --------------------------------------------------------------------------

    def _may_drop(self, source: QMimeData | None) -> bool:
        from askshot.ui.composer.attachments import might_attach

        return self.accept_attachments and source is not None and might_attach(source)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._may_drop(event.mimeData()):
            event.acceptProposedAction()
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._may_drop(event.mimeData()):
            event.acceptProposedAction()
            return
        super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        source = event.mimeData()
        if self._may_drop(source):
            from askshot.ui.composer.attachments import read_mime

            incoming = read_mime(source)
            if incoming.attachable or incoming.remote:
                event.acceptProposedAction()
                self.attachmentsReceived.emit(incoming, True)
                return
        super().dropEvent(event)
