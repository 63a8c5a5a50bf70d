"""The conversation being shown: send, stream, save as it grows, regenerate, edit, delete,
switch versions. Runs on the GUI thread; the network is in StreamWorker, SQL in the Store.

A reply is saved at most a second behind (ReplySaver plus a timer for pauses), so a crash or a
kill loses at most the last second; Stop, failures and the window closing keep the partial text.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from app.core import errors, providers
from app.core.providers import Effort
from app.core.store import HistoryError, NewImage, ReplySaver, Store, StoredMessage
from app.core.types import ChatRequest, Finished, Message
from app.ui.conversation_view import ConversationView

if TYPE_CHECKING:
    from app.core.images import PreparedImage
    from app.ui.reply_renderer import ReplyRenderer
    from app.ui.services import Services
    from app.ui.worker import StreamWorker


class ChatController(QObject):
    busyChanged = Signal(bool)
    statusChanged = Signal(str)  # "Thinking… 12 s", retries; "" when idle
    conversationChanged = Signal(int)  # a conversation was created, renamed or updated
    costChanged = Signal(float)  # the conversation's running cost
    needKey = Signal(str)  # no key for the provider: the sentence
    fixRequested = Signal(str)  # "settings", "pick-model"
    editRequested = Signal(str)  # put this text in the composer to edit and resend

    def __init__(
        self,
        services: Services,
        store: Store,
        client_factory: object,
        view: ConversationView,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.store = store
        self._client_factory = client_factory
        self.view = view
        self.view.thumbnail = self._thumbnail
        self.view.actionRequested.connect(self.on_action)
        # True when the API key is at hand; otherwise it runs the action once it is (the main
        # window sets this: the key may still be on its way from the keyring)
        self.key_gate: Callable[[Callable[[], None]], bool] = lambda _action: True
        # the model and effort picked in the composer (the main window sets this)
        self.choice: Callable[[], tuple[str, Effort | None]] = lambda: (
            services.settings.model,
            services.settings.effort,
        )
        self.conversation_id: int | None = None
        self.leaf_id: int | None = None
        self.edit_parent: int | None = None  # editing a question: its parent, or 0 for the first
        self.worker: StreamWorker | None = None
        self._renderer: ReplyRenderer | None = None
        self._saver: ReplySaver | None = None
        self._reply_id: int | None = None
        self._started = 0.0
        self._got_text = False
        self._save_timer = QTimer(self)
        self._save_timer.setInterval(1000)
        self._save_timer.timeout.connect(self._flush)
        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._update_status)

    # -- conversations ----------------------------------------------------------------------

    def new_chat(self) -> None:
        self.stop_and_wait()
        self.conversation_id = None
        self.leaf_id = None
        self.edit_parent = None
        self.view.clear()
        self.costChanged.emit(0.0)

    def open(self, conversation_id: int, message_id: int = 0) -> None:
        self.stop_and_wait()
        self.edit_parent = None
        try:
            if message_id:
                self.store.select_branch(message_id)
            self.conversation_id = conversation_id
            self._reload()
        except HistoryError as exc:
            self.view.add_notice(exc.message, error=True)

    def _reload(self, leaf_id: int | None = None) -> list[StoredMessage]:
        assert self.conversation_id is not None
        messages = self.store.branch(self.conversation_id, leaf_id)
        self.leaf_id = messages[-1].id if messages else None
        self.view.show_messages(messages)
        self.costChanged.emit(self.store.conversation_cost(self.conversation_id))
        return messages

    def _with_versions(self, message_id: int) -> StoredMessage:
        """The message with its place among its versions (for the ‹ n of m › links)."""
        ids = [m.id for m in self.store.siblings(message_id)]
        return dataclasses.replace(
            self.store.message(message_id),
            sibling_index=ids.index(message_id),
            sibling_count=len(ids),
        )

    def _thumbnail(self, sha: str) -> tuple[bytes, str] | None:
        try:
            return self.store.thumbnail(sha)
        except HistoryError:
            return None

    # -- sending ------------------------------------------------------------------------------

    def send(
        self, text: str, images: list[PreparedImage], model: str, effort: Effort | None
    ) -> bool:
        """Ask. False (and nothing sent or saved) when there is no key or the history fails."""
        if self.worker is not None:
            return False
        s = self.services.settings
        try:
            endpoint = self.services.endpoint()
        except errors.KeyError_ as exc:
            self.needKey.emit(exc.message)
            return False
        parent = self.leaf_id
        if self.edit_parent is not None:
            parent = self.edit_parent or None
        user = Message("user", text, tuple(i.part for i in images))
        try:
            if self.conversation_id is None:
                self.conversation_id = self.store.create_conversation(
                    model=model, system_prompt=s.system_prompt
                )
            messages, dropped = (
                self.store.build_context(
                    self.conversation_id,
                    parent,
                    s.system_prompt,
                    model,
                    user,
                    [i.tokens for i in images],
                )
                if parent is not None
                else (
                    ((Message("system", s.system_prompt),) if s.system_prompt else ()) + (user,),
                    0,
                )
            )
            stored = [NewImage.from_prepared(i) for i in images] if s.keep_screenshots else []
            question = self.store.add_user_message(
                self.conversation_id, text, stored, parent_id=parent
            )
        except HistoryError as exc:
            self.view.add_notice(exc.message, error=True)
            return False
        if self.edit_parent is not None:
            self.edit_parent = None
            self._reload(question)
        elif parent is None:  # a new conversation: drop the welcome hint
            self.view.clear()
            self.view.add_user(self.store.message(question))
        else:
            self.view.add_user(self.store.message(question))
        if dropped:
            self.view.add_notice(
                self.tr(
                    "This conversation is longer than {0} can read: the {1} oldest turn(s) "
                    "were left out of this request."
                ).format(model, dropped)
            )
        request = ChatRequest(
            model=model,
            messages=messages,
            effort=effort if providers.model(model).reasoning else None,
            max_output_tokens=s.max_output_tokens,
        )
        self.conversationChanged.emit(self.conversation_id)
        self._start(question, request, endpoint)
        return True

    def regenerate(self, message_id: int) -> None:
        """A new version of an answer (or an answer to this question); the old one stays."""
        if self.worker is not None or self.conversation_id is None:
            return
        if not self.key_gate(lambda: self.regenerate(message_id)):
            return
        try:
            m = self.store.message(message_id)
            question_id = m.parent_id if m.role == "assistant" else m.id
            if question_id is None:
                return
            endpoint = self.services.endpoint()
            s = self.services.settings
            model, effort = self.choice()
            messages, _dropped = self.store.build_context(
                self.conversation_id, question_id, s.system_prompt, model
            )
            self._reload(question_id)
        except errors.KeyError_ as exc:
            self.needKey.emit(exc.message)
            return
        except HistoryError as exc:
            self.view.add_notice(exc.message, error=True)
            return
        request = ChatRequest(
            model=model,
            messages=messages,
            effort=effort if providers.model(model).reasoning else None,
            max_output_tokens=s.max_output_tokens,
        )
        self._start(question_id, request, endpoint)

    def _start(self, question_id: int, request: ChatRequest, endpoint: object) -> None:
        from app.core.client import Timeouts
        from app.ui.worker import StreamWorker

        assert self.conversation_id is not None
        try:
            self._reply_id = self.store.begin_reply(
                self.conversation_id, question_id, request.model, request.effort
            )
            self._saver = ReplySaver(self.store, self._reply_id)
        except HistoryError as exc:
            self.view.add_notice(exc.message, error=True)
            self._reply_id = None
            self._saver = None
        self.leaf_id = self._reply_id
        header = request.model + (f" · {request.effort}" if request.effort else "")
        self._renderer = self.view.begin_reply(None, header=header)
        worker = StreamWorker(
            self._client_factory(),  # type: ignore[operator]
            endpoint,  # type: ignore[arg-type]
            request,
            Timeouts(read=self.services.settings.timeout_s),
            self,
        )
        worker.textReady.connect(self._on_text)
        worker.retrying.connect(self._on_retrying)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._on_done)
        self.worker = worker
        self._got_text = False
        self._started = time.monotonic()
        self._save_timer.start()
        self._tick.start()
        self.busyChanged.emit(True)
        self._update_status()
        worker.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    def stop_and_wait(self) -> None:
        """Stop the answer and let its end (saved as 'cancelled') be processed now."""
        worker = self.worker
        if worker is None:
            return
        worker.stop()
        worker.join()
        # deliver the queued signals (text, failed, done) before anything else happens
        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + 5
        while self.worker is worker and time.monotonic() < deadline:
            QCoreApplication.processEvents()

    @property
    def busy(self) -> bool:
        return self.worker is not None

    # -- worker signals -------------------------------------------------------------------------

    def _on_text(self) -> None:
        if self.worker is None or self._renderer is None:
            return
        text = self.worker.take_text()
        if not text:
            return
        if not self._got_text:
            self._got_text = True
            self._update_status()
        self._renderer.append(text)
        if self._saver is not None:
            self._saver.append(text)

    def _flush(self) -> None:
        if self._saver is not None:
            self._saver.flush()

    def _on_retrying(self, attempt: int, delay: float, reason: str) -> None:
        self.statusChanged.emit(self.tr("{0} Retrying in {1} s…").format(reason, f"{delay:.0f}"))

    def _finish(
        self, status: str, error: str | None, kind: str | None, fin: Finished | None
    ) -> None:
        worker = self.worker
        self._on_text()
        if self._renderer is not None:
            self._renderer.finish()
        if worker is None:
            return
        if kind == "auth":  # the key may have been replaced meanwhile: read it again next time
            self.services.forget_read_keys()
        ttft = (
            None
            if worker.first_text_at is None
            else int((worker.first_text_at - worker.started_at) * 1000)
        )
        total = int((time.monotonic() - worker.started_at) * 1000)
        note = error or (fin.note if fin is not None else None)
        if self._saver is not None and self._reply_id is not None:
            try:
                self._saver.finish(
                    status,  # type: ignore[arg-type]
                    worker.usage,
                    worker.cost_usd,
                    note,
                    ttft,
                    total,
                    error_kind=kind if status == "failed" else None,
                )
                self.view.end_reply(self._with_versions(self._reply_id), kind)
                assert self.conversation_id is not None
                self.costChanged.emit(self.store.conversation_cost(self.conversation_id))
                return
            except HistoryError as exc:
                self.view.add_notice(
                    self.tr("The answer could not be saved: {0}").format(exc.message), error=True
                )
        if error:
            self.view.append_html(self.view.error_html(error, self._reply_id or 0, kind))

    def _on_finished(self, fin: Finished) -> None:
        self._finish("done", None, None, fin)

    def _on_failed(self, exc: errors.AskshotError) -> None:
        if isinstance(exc, errors.Cancelled):
            self._finish("cancelled", exc.message, None, None)
        else:
            self._finish("failed", exc.message, exc.kind, None)

    def _on_done(self) -> None:
        worker = self.worker
        self.worker = None
        self._renderer = None
        self._saver = None
        self._save_timer.stop()
        self._tick.stop()
        self.statusChanged.emit("")
        self.busyChanged.emit(False)
        if worker is not None:
            worker.join()
            worker.deleteLater()
        if self.conversation_id is not None:
            self.conversationChanged.emit(self.conversation_id)

    def _update_status(self) -> None:
        w = self.worker
        if w is None:
            return
        if self._got_text:
            self.statusChanged.emit(self.tr("Writing…"))
        else:
            secs = int(time.monotonic() - self._started)
            self.statusChanged.emit(self.tr("Thinking… {0} s").format(secs))

    # -- actions under messages -----------------------------------------------------------------

    def on_action(self, action: str, message_id: int, arg: str) -> None:
        try:
            if action == "copy":
                QGuiApplication.clipboard().setText(self.store.message(message_id).text)
            elif action == "regenerate":
                self.regenerate(message_id)
            elif action == "edit":
                self.edit(message_id)
            elif action == "delete":
                self.delete(message_id)
            elif action == "version":
                self.switch_version(message_id, int(arg or "1"))
            elif action in ("settings", "pick-model", "billing"):
                self.fixRequested.emit(action)
        except HistoryError as exc:
            self.view.add_notice(exc.message, error=True)

    def edit(self, message_id: int) -> None:
        if self.worker is not None:
            return
        m = self.store.message(message_id)
        if m.role != "user":
            return
        self.edit_parent = m.parent_id or 0
        self.editRequested.emit(m.text)

    def cancel_edit(self) -> None:
        self.edit_parent = None

    def delete(self, message_id: int) -> None:
        if self.worker is not None or self.conversation_id is None:
            return
        leaf = self.store.delete_message(message_id)
        self._reload(leaf)
        self.conversationChanged.emit(self.conversation_id)

    def switch_version(self, message_id: int, step: int) -> None:
        if self.worker is not None:
            return
        siblings = self.store.siblings(message_id)
        ids = [m.id for m in siblings]
        index = ids.index(message_id) + step
        if 0 <= index < len(ids):
            leaf = self.store.select_branch(ids[index])
            self._reload(leaf)
