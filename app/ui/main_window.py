"""The first main window: the conversation above, a message box below, Send/Stop, and a status
line that counts the seconds while the model thinks. Replies stream in through StreamWorker."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core import errors, providers
from app.core.client import ChatClient, Endpoint, Timeouts
from app.core.types import ChatRequest, Finished, Message
from app.ui.composer import Composer
from app.ui.services import Services
from app.ui.worker import StreamWorker


class MainWindow(QMainWindow):
    def __init__(self, services: Services, client: ChatClient) -> None:
        super().__init__()
        self.services = services
        self.client = client
        self.worker: StreamWorker | None = None
        self.history: list[Message] = []
        self._answer: list[str] = []
        self.setWindowTitle("Askshot")
        self.resize(760, 620)

        self.view = QTextBrowser()
        self.view.setOpenExternalLinks(False)
        self.view.setOpenLinks(False)
        self.view.setAccessibleName(self.tr("Conversation"))
        self.composer = Composer(send_key=services.settings.send_key)
        self.composer.setMaximumHeight(120)
        self.composer.submitted.connect(self.send)
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Status"))
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setAccessibleName(self.tr("Send"))
        self.send_button.clicked.connect(lambda: self.send(self.composer.toPlainText()))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setAccessibleName(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the answer (Esc)"))
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout()
        layout.addWidget(self.view, 1)
        layout.addWidget(self.composer)
        layout.addLayout(buttons)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.stop)
        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._update_thinking)
        self.composer.setFocus()
        if services.settings_warning:
            self._append_notice(services.settings_warning)

    # -- sending ------------------------------------------------------------------------------

    def send(self, text: str) -> None:
        text = text.strip()
        if not text or self.worker is not None:
            return
        s = self.services.settings
        try:
            endpoint = self.services.endpoint()
        except errors.AskshotError as exc:
            self._append_error(exc.message)
            return
        self.composer.clear()
        user = Message("user", text)
        system = (Message("system", s.system_prompt),) if s.system_prompt else ()
        request = ChatRequest(
            model=s.model,
            messages=(*system, *self.history, user),
            effort=s.effort if providers.model(s.model).reasoning else None,
            max_output_tokens=s.max_output_tokens,
        )
        self.history.append(user)
        self._append_user(text)
        self._start(endpoint, request)

    def _start(self, endpoint: Endpoint, request: ChatRequest) -> None:
        worker = StreamWorker(
            self.client, endpoint, request, Timeouts(read=self.services.settings.timeout_s), self
        )
        worker.textReady.connect(self._on_text)
        worker.retrying.connect(self._on_retrying)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._on_done)
        self.worker = worker
        self._answer = []
        self._begin_answer()
        self.send_button.hide()
        self.stop_button.show()
        self._tick.start()
        self._update_thinking()
        worker.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    # -- worker signals -----------------------------------------------------------------------

    def _on_text(self) -> None:
        if self.worker is None:
            return
        text = self.worker.take_text()
        if text:
            if not self._answer:
                self.status.clear()
            self._answer.append(text)
            cursor = self._end_cursor()
            cursor.insertText(text)
            self._scroll_to_end()

    def _on_retrying(self, attempt: int, delay: float, reason: str) -> None:
        self.status.setText(self.tr("{0} Retrying in {1} s…").format(reason, f"{delay:.0f}"))

    def _on_finished(self, fin: Finished) -> None:
        self._on_text()
        worker = self.worker
        if worker is None:
            return
        if fin.note:
            self._append_notice(fin.note)
        self.history.append(Message("assistant", "".join(self._answer)))
        self.status.setText(self._summary(worker))

    def _on_failed(self, exc: errors.AskshotError) -> None:
        self._on_text()
        if self._answer:
            self.history.append(Message("assistant", "".join(self._answer)))
        if isinstance(exc, errors.Cancelled):
            self._append_notice(self.tr("Stopped."))
            self.status.setText(self.tr("Stopped."))
        else:
            self._append_error(exc.message)
            self.status.setText(self.tr("The answer failed."))

    def _on_done(self) -> None:
        worker = self.worker
        self._tick.stop()
        self.worker = None
        self.stop_button.hide()
        self.send_button.show()
        if worker is not None:
            worker.join()
            worker.deleteLater()
        self.composer.setFocus()

    def _update_thinking(self) -> None:
        w = self.worker
        if w is None or self._answer:
            return
        secs = int(time.monotonic() - w.started_at)
        self.status.setText(self.tr("Thinking… {0} s").format(secs))

    def _summary(self, w: StreamWorker) -> str:
        parts = [w.request.model]
        if w.request.effort:
            parts.append(w.request.effort)
        if w.usage is not None:
            u = w.usage
            parts.append(self.tr("{0} in").format(f"{u.prompt_tokens:,}"))
            out = self.tr("{0} out").format(f"{u.completion_tokens:,}")
            if u.reasoning_tokens:
                out += self.tr(" ({0} reasoning)").format(f"{u.reasoning_tokens:,}")
            parts.append(out)
        cost = w.cost_usd
        if cost is not None:
            parts.append(f"${cost:.4f}")
        if w.first_text_at is not None:
            parts.append(
                self.tr("first text after {0} s").format(f"{w.first_text_at - w.started_at:.1f}")
            )
        return " · ".join(parts)

    # -- view ---------------------------------------------------------------------------------

    def _end_cursor(self) -> QTextCursor:
        cursor = self.view.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor

    def _scroll_to_end(self) -> None:
        bar = self.view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _append_block(self, markup: str) -> None:
        self.view.append(markup)
        self._scroll_to_end()

    def _append_user(self, text: str) -> None:
        body = html.escape(text).replace("\n", "<br>")
        self._append_block(f"<p><b>{html.escape(self.tr('You'))}</b><br>{body}</p>")

    def _begin_answer(self) -> None:
        self._append_block(f"<p><b>{html.escape(self.tr('Askshot'))}</b></p>")
        self.view.append("")

    def _append_error(self, message: str) -> None:
        self._append_block(f'<p style="color:#c62828">⚠ {html.escape(message)}</p>')

    def _append_notice(self, message: str) -> None:
        self._append_block(f'<p style="color:#777"><i>{html.escape(message)}</i></p>')

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker.join()
        super().closeEvent(event)
