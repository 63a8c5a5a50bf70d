"""The ask use case, shared by `askshot ask` and the window: one question (or a new version of an
answer) from the history it follows to the answer saved as it streams.

    exchange = Exchange.ask(history, ask, question, conversation_id=..., parent_id=...)
    for event in exchange.stream(client, endpoint, cancel=cancel, timeouts=timeouts):
        ...  # Prepared first (the request and how many old turns were left out), then the
             # client's Delta, Retrying, Usage and Finished

`Exchange.continue_answer` asks for more of an answer cut off at the output limit and appends it
to the same message (one message in the history; tokens, cost and time summed).

`Exchange.ask` and `Exchange.regenerate` write the question and an empty 'streaming' answer:
short transactions on the caller's thread, so the window can show the question at once.
`Exchange.stream` reads the earlier turns (their images too: the window calls it on its stream
thread, never on the GUI thread), sends the request, saves the answer at most a second behind
while it grows (a saver thread covers the model's silences, so a kill loses at most a second),
and records how it ended: done, cancelled or failed, the text so far kept either way. Without a
history (`askshot ask --no-history`) nothing is written and the request is the question alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from askshot.core import errors, providers, structured
from askshot.core.errors import HistoryError
from askshot.core.history import NewImage, ReplySaver, Status, Store, StoredMessage
from askshot.core.types import (
    ChatRequest,
    Delta,
    Effort,
    Endpoint,
    Event,
    Finished,
    Message,
    Timeouts,
    Usage,
)

if TYPE_CHECKING:  # Pillow loads with the first image; the HTTP stack with the first question
    from askshot.core.cancel import CancelToken
    from askshot.core.images import PreparedImage
    from askshot.core.llm.client import ChatClient

log = logging.getLogger("askshot.session")

SAVE_INTERVAL = 1.0  # seconds: the most of an answer a crash or a kill may lose

# What asks the model to go on with an answer cut off at the output limit. Sent, never stored:
# the history keeps one answer.
CONTINUE_PROMPT = (
    "Your previous answer was cut off at the output limit. Continue it exactly where it "
    "stopped, without repeating anything and without an introduction."
)


@dataclass(frozen=True)
class Ask:
    """How to ask: the model and its knobs, from the settings, the composer's pickers or flags."""

    model: str
    effort: Effort | None = None
    system_prompt: str = ""
    max_output_tokens: int | None = None
    keep_images: bool = True  # whether the question's images are kept in the history
    flex: bool = False  # flex processing: half price, slower (only where the provider offers it)
    # structured outputs: the answer held to a JSON Schema (core.structured), where served
    response_format: dict[str, Any] | None = None
    instruction: str = ""  # sent after the system prompt for this question only, never stored

    @property
    def sent_system(self) -> str:
        """The system message this request carries: the prompt and this question's rule."""
        return "\n\n".join(p for p in (self.system_prompt, self.instruction) if p)

    @property
    def sent_effort(self) -> Effort | None:
        """The effort the request carries: only reasoning models take one, and only one their
        family accepts (the nearest to the one asked for)."""
        return providers.effort_for(self.model, self.effort)


@dataclass(frozen=True)
class Question:
    text: str
    images: tuple[PreparedImage, ...] = ()

    def message(self) -> Message:
        return Message("user", self.text, tuple(i.part for i in self.images))


@dataclass(frozen=True)
class Prepared:
    """The first event of a stream: the request about to be sent and how many of the oldest
    turns were left out of it to fit the model's context window (tell the user when not 0)."""

    request: ChatRequest
    dropped: int


SessionEvent = Prepared | Event


@dataclass
class Outcome:
    """How an answer ended, once `stream` is over."""

    status: Status = "streaming"
    error: str | None = None  # the sentence of a failure, or the note of an unusual end
    error_kind: str | None = None
    save_error: HistoryError | None = None  # the history could not record it (text still shown)


@dataclass(eq=False)
class Exchange:
    """One question and the answer being streamed to it. Make it with `ask` or `regenerate`."""

    history: Store | None
    ask_with: Ask
    conversation_id: int | None
    parent_id: int | None  # the message the question follows (the context is read up to it)
    question: Question | None  # None when regenerating: the question is already in the history
    question_id: int | None = None
    reply_id: int | None = None
    usage: Usage | None = None
    started_at: float = 0.0  # time.monotonic() when `stream` began
    first_text_at: float | None = None
    outcome: Outcome = field(default_factory=Outcome)
    finish_reason: str | None = None  # why the model stopped, once it did
    continued: StoredMessage | None = None  # the cut-off answer this one continues
    _context: tuple[tuple[Message, ...], int] | None = None  # read before the answer resumed
    _saver: ReplySaver | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)  # the saver: two threads use it

    # -- making one ---------------------------------------------------------------------------

    @classmethod
    def ask(
        cls,
        history: Store | None,
        ask: Ask,
        question: Question,
        *,
        conversation_id: int | None = None,
        parent_id: int | None = None,
    ) -> Exchange:
        """A new question: after `parent_id` in `conversation_id` (a new conversation when None).
        Giving the parent of an earlier question makes an edited version of it. Writes the
        question and an empty answer; raises HistoryError (nothing written) when it cannot."""
        exchange = cls(history, ask, conversation_id, parent_id, question)
        if history is not None:
            exchange._write_question(history, question)
        return exchange

    @classmethod
    def regenerate(
        cls, history: Store, ask: Ask, conversation_id: int, question_id: int
    ) -> Exchange:
        """A new version of the answer to `question_id` (the old ones stay)."""
        exchange = cls(history, ask, conversation_id, question_id, None, question_id=question_id)
        exchange._begin_reply(history)
        return exchange

    @classmethod
    def continue_answer(cls, history: Store, ask: Ask, answer: StoredMessage) -> Exchange:
        """More of `answer`, which stopped at the output limit: the conversation up to it and
        an instruction to go on are sent, and what comes is appended to the same message."""
        if answer.role != "assistant" or answer.parent_id is None:
            raise ValueError("only an answer can be continued")
        exchange = cls(
            history,
            ask,
            answer.conversation_id,
            answer.id,
            None,
            question_id=answer.parent_id,
            reply_id=answer.id,
            continued=answer,
        )
        a = exchange.ask_with
        # Read before the answer streams again: a streaming answer is left out of a context.
        exchange._context = history.build_context(
            answer.conversation_id, answer.id, a.system_prompt, a.model, cls.continue_message()
        )
        history.resume_reply(answer.id)
        exchange._saver = ReplySaver(history, answer.id, interval=SAVE_INTERVAL, text=answer.text)
        return exchange

    @staticmethod
    def continue_message() -> Message:
        return Message("user", CONTINUE_PROMPT)

    def _write_question(self, history: Store, question: Question) -> None:
        if self.conversation_id is None:
            self.conversation_id = history.create_conversation(
                model=self.ask_with.model, system_prompt=self.ask_with.system_prompt
            )
        stored = (
            [NewImage.from_prepared(i) for i in question.images]
            if self.ask_with.keep_images
            else []
        )
        self.question_id = history.add_user_message(
            self.conversation_id, question.text, stored, parent_id=self.parent_id
        )
        self._begin_reply(history)

    def _begin_reply(self, history: Store) -> None:
        assert self.conversation_id is not None and self.question_id is not None
        self.reply_id = history.begin_reply(
            self.conversation_id, self.question_id, self.ask_with.model, self.ask_with.sent_effort
        )
        self._saver = ReplySaver(history, self.reply_id, interval=SAVE_INTERVAL)

    # -- what it knows -----------------------------------------------------------------------

    @property
    def cost_usd(self) -> float | None:
        """What this request cost (a continuation: its own part)."""
        return providers.cost_usd(self.ask_with.model, self.usage) if self.usage else None

    def totals(self) -> tuple[Usage | None, float | None]:
        """Tokens and dollars of the whole answer: a continued one adds what it had before."""
        usage, cost = self.usage, self.cost_usd
        before = self.continued
        if before is None:
            return usage, cost
        if usage is None:
            return before.usage, before.cost_usd
        if before.usage is not None:
            usage = Usage(
                before.usage.prompt_tokens + usage.prompt_tokens,
                before.usage.completion_tokens + usage.completion_tokens,
                before.usage.reasoning_tokens + usage.reasoning_tokens,
                before.usage.cached_tokens + usage.cached_tokens,
                service_tier=usage.service_tier,
            )
        known = cost is not None and (before.cost_usd is not None or before.usage is None)
        return usage, (cost + (before.cost_usd or 0.0)) if known and cost is not None else None

    @property
    def ttft_ms(self) -> int | None:
        if self.first_text_at is None:
            return None
        return int((self.first_text_at - self.started_at) * 1000)

    def request(self) -> tuple[ChatRequest, int]:
        """The request to send and how many old turns were left out (reads the history)."""
        a = self.ask_with
        if self._context is not None:
            messages, dropped = self._context
            return self._chat_request(messages), dropped
        new = self.question.message() if self.question is not None else None
        if (
            self.history is not None
            and self.conversation_id is not None
            and (self.parent_id is not None)
        ):
            messages, dropped = self.history.build_context(
                self.conversation_id,
                self.parent_id,
                a.sent_system,
                a.model,
                new,
                [i.tokens for i in self.question.images] if self.question is not None else None,
            )
        else:
            assert new is not None, "a regenerated answer needs its history"
            messages = ((Message("system", a.sent_system),) if a.sent_system else ()) + (new,)
            dropped = 0
        return self._chat_request(messages), dropped

    def _chat_request(self, messages: tuple[Message, ...]) -> ChatRequest:
        a = self.ask_with
        return ChatRequest(
            model=a.model,
            messages=messages,
            effort=a.sent_effort,
            max_output_tokens=a.max_output_tokens,
            service_tier="flex" if a.flex else None,
            response_format=a.response_format,
        )

    # -- streaming -----------------------------------------------------------------------------

    def stream(
        self,
        client: ChatClient,
        endpoint: Endpoint,
        *,
        cancel: CancelToken | None = None,
        timeouts: Timeouts | None = None,
    ) -> Generator[SessionEvent, None, None]:
        """Send and stream the answer, saving it as it grows; the history records how it ended
        before the last event (Finished) is handed on or the error propagates. Raises the
        AskshotError of a failure (Cancelled when stopped)."""
        self.started_at = time.monotonic()
        stop_saving = threading.Event()
        saver_thread = self._start_saving(stop_saving)
        try:
            request, dropped = self.request()
            yield Prepared(request, dropped)
            for event in client.stream(endpoint, request, cancel=cancel, timeouts=timeouts):
                if isinstance(event, Delta):
                    self._append(event.text)
                elif isinstance(event, Usage):
                    self.usage = event
                elif isinstance(event, Finished):
                    self.finish_reason = event.reason
                    note = self._as_table(event.note)
                    self._finish("done", note, None)
                yield event
        except errors.Cancelled as exc:
            self._as_table(None, whole=False)
            self._finish("cancelled", exc.message, None)
            raise
        except (KeyboardInterrupt, GeneratorExit):
            self._as_table(None, whole=False)
            self._finish("cancelled", errors.Cancelled().message, None)
            raise
        except errors.AskshotError as exc:
            self._as_table(None, whole=False)
            self._finish("failed", exc.message, exc.kind)
            raise
        except Exception as exc:  # a bug: keep the text, say so, and let it be logged above
            self._finish("failed", f"Something went wrong inside Askshot: {exc!r}", "error")
            raise
        finally:
            stop_saving.set()
            if saver_thread is not None:
                saver_thread.join()
            if self.history is not None:
                self.history.release_thread()

    def _as_table(self, note: str | None, *, whole: bool = True) -> str | None:
        """A table asked for as data (structured.TABLE_PRESET) is kept as a Markdown table, which
        the window shows with Copy CSV and Save CSV; a whole answer without one says so. One
        stopped half-way keeps the rows that had come whole, as the window showed them (its
        JSON as it is until the column names came); a continuation's text stays as it came."""
        if not structured.is_table_format(self.ask_with.response_format):
            return note
        if not whole and self.continued:
            return note
        with self._lock:
            saver = self._saver
            answer = saver.text if saver is not None else ""
            if whole:
                table = structured.as_markdown_table(answer)
            else:
                from askshot.core.tables import JsonTableStream

                table = JsonTableStream().feed(answer) or None
            if table is not None and saver is not None and table != answer:
                saver.replace_text(table)
        if table is None and whole:
            return " ".join(p for p in (note, "The answer did not come as a table.") if p)
        return note

    def _append(self, text: str) -> None:
        with self._lock:
            if self.first_text_at is None:
                self.first_text_at = time.monotonic()
            if self._saver is not None:
                self._saver.append(text)

    def _start_saving(self, stop: threading.Event) -> threading.Thread | None:
        """A thread that saves unsaved text every second, also while the server is silent."""
        if self._saver is None or self.history is None:
            return None
        history = self.history

        def run() -> None:
            try:
                while not stop.wait(SAVE_INTERVAL):
                    with self._lock:
                        if self._saver is not None:
                            self._saver.flush()
            finally:
                history.release_thread()

        thread = threading.Thread(target=run, name="askshot-save")
        thread.start()
        return thread

    def _finish(self, status: Status, note: str | None, kind: str | None) -> None:
        if self.outcome.status != "streaming":
            return  # already recorded (a Finished followed by the consumer stopping)
        self.outcome = Outcome(status, note, kind if status == "failed" else None)
        with self._lock:
            saver, self._saver = self._saver, None
        if saver is None:
            return
        usage, cost = self.totals()
        ttft, total = self.ttft_ms, int((time.monotonic() - self.started_at) * 1000)
        if self.continued is not None:  # the time to first text is the first part's
            ttft = self.continued.ttft_ms
            total += self.continued.total_ms or 0
        try:
            saver.finish(
                status,
                usage,
                cost,
                note,
                ttft,
                total,
                error_kind=self.outcome.error_kind,
                # a continuation that did not finish leaves the answer as cut off as it was
                finish_reason=self.finish_reason
                if status == "done"
                else (self.continued.finish_reason if self.continued else None),
            )
        except HistoryError as exc:
            log.warning("the answer could not be saved: %s", exc.reason)
            self.outcome.save_error = exc
