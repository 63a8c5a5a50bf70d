"""The bridge between the Qt-free core and the GUI: core work runs on Python threads, which only
emit Qt signals (queued to the GUI thread); nothing here touches a widget.

`StreamWorker` runs one answer (`core.session.Exchange.stream`). Text is coalesced: the thread
appends deltas to a buffer and emits `textReady` only when the GUI has taken the previous batch,
so a server sending thousands of deltas a second costs the GUI one update per event-loop turn.
`BackgroundCall` runs one short blocking call (list models, read a key, prepare an image) and
calls back on the GUI thread with its typed result or the error's sentence (Anki's pattern).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal

from askshot.core import errors
from askshot.core.cancel import CancelToken
from askshot.core.session import Exchange, Prepared
from askshot.core.types import Delta, Endpoint, Finished, Retrying, Timeouts, Usage

if TYPE_CHECKING:  # the HTTP stack loads with the first question, not with the window
    from askshot.core.llm.client import ChatClient

log = logging.getLogger("askshot.worker")

T = TypeVar("T")


def _bug(exc: BaseException) -> errors.AskshotError:
    log.error("unexpected error on a worker thread", exc_info=exc)
    return errors.AskshotError(f"Something went wrong inside Askshot: {exc!r}")


class _Threaded(QObject):
    """A QObject whose work runs on one Python thread (`_run`), started once."""

    def __init__(self, parent: QObject | None, name: str, *, daemon: bool = False) -> None:
        super().__init__(parent)
        self._thread = threading.Thread(target=self._run, name=name, daemon=daemon)

    def _run(self) -> None:
        raise NotImplementedError

    def join(self, timeout: float = 5.0) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


class StreamWorker(_Threaded):
    """One answer. Create, connect the signals, `start()`; `stop()` cancels at once, also while
    the model is silent. When `ended` fires, the history has recorded how the answer ended."""

    prepared = Signal(int)  # the request is ready: how many old turns were left out of it
    textReady = Signal()  # take the text with take_text()
    retrying = Signal(int, float, str)  # attempt, delay, reason
    usageReady = Signal(object)  # Usage
    streamFinished = Signal(object)  # Finished: the server ended the answer
    failed = Signal(object)  # AskshotError (Cancelled when stopped)
    ended = Signal()  # always last: the thread is over

    def __init__(
        self,
        client: ChatClient,
        endpoint: Endpoint,
        exchange: Exchange,
        timeouts: Timeouts,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent, "askshot-stream")
        self._client = client
        self._endpoint = endpoint
        self.exchange = exchange
        self._timeouts = timeouts
        # How its text is shown, when not as it comes (a table asked for as data: its rows).
        self.shown_as: Callable[[str], str] | None = None
        self._cancel = CancelToken()
        self._lock = threading.Lock()
        self._buffer: list[str] = []
        self._pending = False
        self.started_at = 0.0

    def start(self) -> None:
        self.started_at = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._cancel.cancel()

    def take_text(self) -> str:
        with self._lock:
            text = "".join(self._buffer)
            self._buffer.clear()
            self._pending = False
        return text

    def _push(self, text: str) -> None:
        with self._lock:
            self._buffer.append(text)
            if self._pending:
                return
            self._pending = True
        self.textReady.emit()

    def _run(self) -> None:
        try:
            for event in self.exchange.stream(
                self._client, self._endpoint, cancel=self._cancel, timeouts=self._timeouts
            ):
                if isinstance(event, Delta):
                    self._push(event.text)
                elif isinstance(event, Prepared):
                    self.prepared.emit(event.dropped)
                elif isinstance(event, Usage):
                    self.usageReady.emit(event)
                elif isinstance(event, Retrying):
                    self.retrying.emit(event.attempt, event.delay, event.reason)
                elif isinstance(event, Finished):
                    self.streamFinished.emit(event)
        except errors.AskshotError as exc:
            self.failed.emit(exc)
        except Exception as exc:  # a bug: logged, shown as a sentence, never kills the app
            self.failed.emit(_bug(exc))
        finally:
            self.ended.emit()


class BackgroundCall(_Threaded, Generic[T]):
    """Run a short blocking core call off the GUI thread, then `on_success(result)` or
    `on_error(AskshotError)` on the GUI thread. Keep a reference until `finished` fires (or use
    `run_in_background`)."""

    _succeeded = Signal(object)
    _failed = Signal(object)
    finished = Signal()

    def __init__(
        self,
        fn: Callable[[], T],
        on_success: Callable[[T], None],
        on_error: Callable[[errors.AskshotError], None],
        parent: QObject | None = None,
        *,
        daemon: bool = False,
    ) -> None:
        # daemon: quitting does not wait for it (a call that may wait on the user elsewhere)
        super().__init__(parent, "askshot-call", daemon=daemon)
        self._fn = fn
        self._succeeded.connect(on_success)
        self._failed.connect(on_error)

    def start(self) -> BackgroundCall[T]:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            result = self._fn()
        except errors.AskshotError as exc:
            self._failed.emit(exc)
        except Exception as exc:
            self._failed.emit(_bug(exc))
        else:
            self._succeeded.emit(result)
        finally:
            self.finished.emit()


def run_in_background(
    fn: Callable[[], T],
    on_success: Callable[[T], None],
    on_error: Callable[[errors.AskshotError], None],
    on_finished: Callable[[], None] | None = None,
    *,
    daemon: bool = False,
) -> BackgroundCall[T]:
    """Start a BackgroundCall that outlives the widget that asked for it: the application owns
    it, so closing or deleting the widget neither kills the QObject under a running thread nor
    blocks the GUI. Callbacks bound to a deleted widget are dropped by Qt; the call deletes
    itself once its thread is over."""
    owner = QCoreApplication.instance()
    assert owner is not None, "run_in_background needs the application"
    call = BackgroundCall(fn, on_success, on_error, owner, daemon=daemon)
    if on_finished is not None:
        call.finished.connect(on_finished)
    call.finished.connect(functools.partial(_dispose, call))
    return call.start()


def _dispose(call: BackgroundCall[T]) -> None:
    call.join(1.0)  # it emitted `finished` as its last step
    call.deleteLater()
