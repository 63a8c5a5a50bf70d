"""The conversation being shown: send, stream, regenerate, edit, delete, switch versions.

The ask itself is core.session's `Exchange`, the same as `askshot ask`: here the question and an
empty answer are written on the GUI thread (short transactions, so the question shows at once),
and the rest (reading the earlier turns and their images, streaming, saving the answer at most a
second behind, recording how it ended) runs on the StreamWorker's thread. Stop, failures and the
window closing keep the partial text.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from askshot.core import budget, errors, providers, structured
from askshot.core.errors import HistoryError
from askshot.core.estimate import estimate_question
from askshot.core.history import Store, StoredMessage
from askshot.core.session import Ask, Exchange, Question
from askshot.core.types import Effort, Endpoint, Timeouts
from askshot.ui.conversation.renderer import ReplyRenderer
from askshot.ui.conversation.view import ConversationView
from askshot.ui.qt.threads import StreamWorker
from askshot.ui.shell.services import Services

if TYPE_CHECKING:  # the HTTP stack loads with the first question, not with the window
    from askshot.core.images import PreparedImage
    from askshot.core.llm.client import ChatClient

# Runs the action once the API key is at hand and says whether it is already (see KeyGate).
KeyGateFn = Callable[[Callable[[], None]], bool]
# The model and effort picked in the composer.
ChoiceFn = Callable[[], tuple[str, Effort | None]]


def _shaped(ask: Ask, question: str) -> Ask:
    """The "Table → CSV" preset's question asks for the table as data, also when its answer is
    regenerated; any other question is asked as set."""
    if not structured.is_table_question(question):
        return ask
    return dataclasses.replace(
        ask,
        response_format=structured.response_format(structured.TABLE_SCHEMA, "table"),
        instruction=structured.TABLE_INSTRUCTION,  # this question's, not the chat's
    )


class ConversationController(QObject):
    busyChanged = Signal(bool)
    statusChanged = Signal(str)  # "Thinking… 12 s", retries; "" when idle
    conversationChanged = Signal(int)  # a conversation was created, renamed or updated
    costChanged = Signal(float)  # the conversation's running cost
    needKey = Signal(str)  # no key for the provider: the sentence
    fixRequested = Signal(str)  # "settings", "pick-model", "billing"
    editRequested = Signal(str)  # put this text in the composer to edit and resend
    modelMissing = Signal(str)  # the server answered model_not_found for this model id
    spendChanged = Signal()  # an answer was priced: the month's spend moved

    def __init__(
        self,
        services: Services,
        store: Store,
        client: Callable[[], ChatClient],
        view: ConversationView,
        *,
        key_gate: KeyGateFn,
        choice: ChoiceFn,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.store = store
        self._client = client
        self._key_gate = key_gate
        self._choice = choice
        self.view = view
        self.view.thumbnail = self._thumbnail
        self.view.actionRequested.connect(self.on_action)
        self.conversation_id: int | None = None
        self.leaf_id: int | None = None
        self.edit_parent: int | None = None  # editing a question: its parent, or 0 for the first
        self.worker: StreamWorker | None = None
        self._renderer: ReplyRenderer | None = None
        self._settled = False  # the view shows how the current answer ended
        self._got_text = False
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

    def _ask(self, model: str, effort: Effort | None, *, standard: bool = False) -> Ask:
        """How to ask now; `standard` sends at the normal price even when flex is on."""
        s = self.services.settings
        return Ask(
            model=model,
            effort=effort,
            system_prompt=s.system_prompt,
            max_output_tokens=s.max_output_tokens,
            keep_images=s.keep_screenshots,
            flex=s.flex and not standard and providers.offers_flex(s.provider),
        )

    def _budget_allows(self, ask: Ask, text: str, images: Sequence[PreparedImage]) -> bool:
        """True when there is no monthly budget, the question fits it, or the user says to send
        anyway; the history unreadable is no reason to refuse."""
        limit = self.services.settings.monthly_budget_usd
        if limit is None:
            return True
        try:
            spent = self.store.spent_since(budget.month_start())
        except HistoryError:
            return True
        cost = estimate_question(ask.model, text, [i.tokens for i in images], flex=ask.flex)
        why = budget.Budget(limit, spent).passed_by(cost.cost_usd)
        return why is None or self.confirm_over_budget(why)

    def confirm_over_budget(self, why: str) -> bool:
        """Ask whether to send past the budget (replaceable, for a headless caller)."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self.view.window(),
            self.tr("Past the monthly budget"),
            why + " " + self.tr("Send it anyway?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- sending ------------------------------------------------------------------------------

    def send(
        self, text: str, images: Sequence[PreparedImage], model: str, effort: Effort | None
    ) -> bool:
        """Ask. False (and nothing sent or saved) when there is no key or the history fails."""
        if self.worker is not None:
            return False
        try:
            endpoint = self.services.endpoint()
            client = self._client()
        except errors.CredentialError as exc:
            self.needKey.emit(exc.message)
            return False
        except errors.SetupError as exc:  # e.g. SSL_CERT_FILE names a missing file
            self.view.add_notice(exc.message, error=True)
            return False
        ask = _shaped(self._ask(model, effort), text)
        if not self._budget_allows(ask, text, images):
            return False
        parent = self.leaf_id
        editing = self.edit_parent is not None
        if self.edit_parent is not None:
            parent = self.edit_parent or None
        try:
            exchange = Exchange.ask(
                self.store,
                ask,
                Question(text, tuple(images)),
                conversation_id=self.conversation_id,
                parent_id=parent,
            )
        except HistoryError as exc:
            self.view.add_notice(exc.message, error=True)
            return False
        assert exchange.conversation_id is not None and exchange.question_id is not None
        self.conversation_id = exchange.conversation_id
        try:
            if editing:
                self.edit_parent = None
                self._reload(exchange.question_id)
            else:
                if parent is None:  # a new conversation: drop the welcome hint
                    self.view.clear()
                self.view.add_user(self.store.message(exchange.question_id))
        except HistoryError as exc:
            self.view.add_notice(exc.message, error=True)
        self.conversationChanged.emit(self.conversation_id)
        self._start(exchange, client, endpoint)
        return True

    def regenerate(self, message_id: int, *, standard: bool = False) -> None:
        """A new version of an answer (or an answer to this question); the old one stays.
        `standard`: at the normal price, after flex had no capacity."""
        if self.worker is not None or self.conversation_id is None:
            return
        if not self._key_gate(lambda: self.regenerate(message_id, standard=standard)):
            return
        ask = self._ask(*self._choice(), standard=standard)
        if not self._budget_allows(ask, "", ()):
            return
        conversation_id = self.conversation_id

        def prepare() -> Exchange | None:
            m = self.store.message(message_id)
            question_id = m.parent_id if m.role == "assistant" else m.id
            if question_id is None:
                return None
            question = self.store.message(question_id)
            exchange = Exchange.regenerate(
                self.store, _shaped(ask, question.text), conversation_id, question_id
            )
            self._reload(question_id)
            return exchange

        self._start_prepared(prepare)

    def _start_prepared(self, prepare: Callable[[], Exchange | None]) -> bool:
        """Start the exchange `prepare` makes (None: nothing to do); a missing key, a broken
        setting or a failing history is said instead. True when it started."""
        try:
            endpoint = self.services.endpoint()
            client = self._client()
            exchange = prepare()
        except errors.CredentialError as exc:
            self.needKey.emit(exc.message)
            return False
        except (HistoryError, errors.SetupError) as exc:
            self.view.add_notice(exc.message, error=True)
            return False
        if exchange is None:
            return False
        self._start(exchange, client, endpoint)
        return True

    def continue_answer(self, message_id: int) -> None:
        """Go on with an answer cut off at the output limit: the rest streams into the same
        answer, with the model, effort and system prompt it was made with."""
        if self.worker is not None or self.conversation_id is None:
            return
        if not self._key_gate(lambda: self.continue_answer(message_id)):
            return
        so_far = ""

        def prepare() -> Exchange | None:
            nonlocal so_far
            answer = self.store.message(message_id)
            if not answer.cut_off or answer.parent_id is None or answer.id != self.leaf_id:
                return None  # (an earlier answer: going on would hide what followed it)
            conversation = self.store.conversation(answer.conversation_id)
            ask = dataclasses.replace(
                self._ask(answer.model or self._choice()[0], answer.effort),
                system_prompt=conversation.system_prompt or "",
            )
            if not self._budget_allows(ask, "", ()):
                return None
            exchange = Exchange.continue_answer(self.store, ask, answer)
            self._reload(answer.parent_id)
            so_far = answer.text
            return exchange

        if self._start_prepared(prepare) and self._renderer is not None:
            self._renderer.append(so_far)  # the answer so far; the rest follows

    def _start(self, exchange: Exchange, client: ChatClient, endpoint: Endpoint) -> None:
        self.leaf_id = exchange.reply_id
        a = exchange.ask_with
        header = a.model + (f" · {a.sent_effort}" if a.sent_effort else "")
        header += " · " + self.tr("half price") if a.flex else ""
        self._renderer = self.view.begin_reply(None, header=header)
        read = self.services.settings.timeout_s
        if a.flex:  # flex answers may wait for capacity: a longer silence is not a failure
            read = max(read, providers.FLEX_READ_TIMEOUT_S)
        worker = StreamWorker(client, endpoint, exchange, Timeouts(read=read), self)
        if structured.is_table_format(a.response_format) and exchange.continued is None:
            from askshot.core.tables import JsonTableStream  # (csv: only with a table)

            worker.shown_as = JsonTableStream().feed  # its rows as they come, not the JSON
        self._connect(worker)
        self.worker = worker
        self._settled = False
        self._got_text = False
        self._tick.start()
        self.busyChanged.emit(True)
        self._update_status()
        worker.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    # -- handing a conversation over (the popup's "Open in Askshot") ----------------------------

    def _connect(self, worker: StreamWorker, connect: bool = True) -> None:
        pairs = (
            (worker.prepared, self._on_prepared),
            (worker.textReady, self._on_text),
            (worker.retrying, self._on_retrying),
            (worker.streamFinished, self._on_settled),
            (worker.failed, self._on_settled),
            (worker.ended, self._on_ended),
        )
        for signal, slot in pairs:
            (signal.connect if connect else signal.disconnect)(slot)

    def hand_over(self, target: ConversationController) -> None:
        """Continue this conversation in `target` (another view): the answer being written, if
        any, goes on there without a word lost; this controller is left with a new chat."""
        if self.conversation_id is None:
            return
        worker, renderer = self.worker, self._renderer
        if worker is None or self._settled:
            target.open(self.conversation_id)
        else:
            shown = renderer.text if renderer is not None else ""
            self.worker = None  # its queued signals to this controller are ignored from now
            self._renderer = None
            self._tick.stop()
            target.adopt(self.conversation_id, worker, shown, connect_first=True)
            self._connect(worker, False)
            worker.setParent(target)
            self.statusChanged.emit("")
            self.busyChanged.emit(False)
        self.conversation_id = None
        self.leaf_id = None
        self.edit_parent = None
        self.view.clear()

    def adopt(
        self, conversation_id: int, worker: StreamWorker, shown: str, *, connect_first: bool
    ) -> None:
        """Show `conversation_id` with its running answer (`shown`: the text so far that the
        history may not have yet) and follow `worker` from here."""
        self.stop_and_wait()
        self.edit_parent = None
        self.conversation_id = conversation_id
        exchange = worker.exchange
        try:
            question = self.store.message(exchange.question_id or 0)
            self._reload(question.id)
        except HistoryError as exc:
            self.view.add_notice(exc.message, error=True)
        self.leaf_id = exchange.reply_id
        a = exchange.ask_with
        self._renderer = self.view.begin_reply(
            None, header=a.model + (f" · {a.sent_effort}" if a.sent_effort else "")
        )
        self.worker = worker
        self._settled = False
        self._got_text = bool(shown)
        if connect_first:
            self._connect(worker)
        if shown:
            self._renderer.append(shown)
        self._take_text(worker)  # what came since: also lets the worker signal again
        self._tick.start()
        self.busyChanged.emit(True)
        self._update_status()
        self.conversationChanged.emit(conversation_id)
        if not worker.running:  # it ended before its signals reached us: settle it now
            QTimer.singleShot(0, lambda: self._finish_adopted(worker))

    def _finish_adopted(self, worker: StreamWorker) -> None:
        if self.worker is worker:
            self._settle(worker)
            self._end(worker)

    def stop_and_wait(self) -> None:
        """Stop the answer now. Its thread records it as stopped (text kept) before it ends;
        the view is settled here, and the worker's signals still queued are ignored."""
        worker = self.worker
        if worker is None:
            return
        worker.stop()
        worker.join()
        self._settle(worker)
        self._end(worker)

    @property
    def busy(self) -> bool:
        return self.worker is not None

    # -- worker signals -------------------------------------------------------------------------

    def _current(self) -> StreamWorker | None:
        """The worker whose signal is being delivered, if it is still the current one."""
        worker = self.worker
        return worker if worker is not None and self.sender() is worker else None

    def _on_prepared(self, dropped: int) -> None:
        if self._current() is None or not dropped:
            return
        model = self.worker.exchange.ask_with.model if self.worker is not None else ""
        self.view.add_notice(
            self.tr(
                "This conversation is longer than {0} can read: the {1} oldest turn(s) "
                "were left out of this request."
            ).format(model, dropped)
        )

    def _on_text(self) -> None:
        worker = self._current()
        if worker is not None:
            self._take_text(worker)

    def _take_text(self, worker: StreamWorker) -> None:
        text = worker.take_text()
        if worker.shown_as is not None:
            text = worker.shown_as(text)
        if not text or self._renderer is None:
            return
        if not self._got_text:
            self._got_text = True
            self._update_status()
        self._renderer.append(text)

    def _on_retrying(self, attempt: int, delay: float, reason: str) -> None:
        if self._current() is not None:
            self.statusChanged.emit(
                self.tr("{0} Retrying in {1} s…").format(reason, f"{delay:.0f}")
                if delay
                else reason  # asked again at once (a parameter the server turned down)
            )

    def _on_settled(self, _result: object) -> None:
        worker = self._current()
        if worker is not None:
            self._settle(worker)

    def _settle(self, worker: StreamWorker) -> None:
        """Show how the answer ended, as the history recorded it."""
        if self._settled:
            return
        self._settled = True
        self._take_text(worker)
        if self._renderer is not None:
            self._renderer.finish()
        exchange = worker.exchange
        outcome = exchange.outcome
        if outcome.error_kind == "auth":  # the key may have been replaced: read it again
            self.services.forget_read_keys()
        elif outcome.error_kind == "model_not_found":
            self.modelMissing.emit(exchange.ask_with.model)
        if exchange.cost_usd:
            self.spendChanged.emit()
        if outcome.save_error is not None:
            self.view.add_notice(
                self.tr("The answer could not be saved: {0}").format(outcome.save_error.message),
                error=True,
            )
        elif exchange.reply_id is not None and self.conversation_id is not None:
            try:
                kept = self._with_versions(exchange.reply_id)
                shown = self._renderer.text if self._renderer is not None else kept.text
                if worker.shown_as is not None and kept.text != shown:
                    self._reload(exchange.reply_id)  # the table as it was kept, not as it came
                else:
                    self.view.end_reply(kept, outcome.error_kind)
                self.costChanged.emit(self.store.conversation_cost(self.conversation_id))
                return
            except HistoryError as exc:
                self.view.add_notice(exc.message, error=True)
        if outcome.error:
            self.view.append_html(
                self.view.error_html(outcome.error, exchange.reply_id or 0, outcome.error_kind)
            )

    def _on_ended(self) -> None:
        worker = self._current()
        if worker is not None:
            self._settle(worker)  # a worker that ended without a result (never, but be sure)
            self._end(worker)

    def _end(self, worker: StreamWorker) -> None:
        self.worker = None
        self._renderer = None
        self._tick.stop()
        self.statusChanged.emit("")
        self.busyChanged.emit(False)
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
            secs = int(time.monotonic() - w.started_at)
            self.statusChanged.emit(self.tr("Thinking… {0} s").format(secs))

    # -- actions under messages -----------------------------------------------------------------

    def on_action(self, action: str, message_id: int, arg: str) -> None:
        try:
            if action == "copy":
                QGuiApplication.clipboard().setText(self.store.message(message_id).text)
            elif action == "regenerate":
                self.regenerate(message_id)
            elif action == "standard":  # flex had no capacity: the same, at the normal price
                self.regenerate(message_id, standard=True)
            elif action == "continue":
                self.continue_answer(message_id)
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
