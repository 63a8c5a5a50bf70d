"""The one bridge between the Qt-free core and the GUI: runs a stream on a Python thread and
emits Qt signals, which Qt queues to the GUI thread. It touches no widget.

Text is coalesced: the thread appends deltas to a buffer and emits `textReady` only when the GUI
has taken the previous batch, so a server sending thousands of deltas a second costs the GUI one
update per event-loop turn, not one per delta.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.core import errors, providers
from app.core.types import ChatRequest, Delta, Finished, Retrying, Usage

if TYPE_CHECKING:
    from app.core.client import ChatClient, Endpoint, Timeouts

log = logging.getLogger("askshot.worker")


class StreamWorker(QObject):
    """One answer. Create, connect the signals, `start()`; `stop()` cancels at once."""

    textReady = Signal()  # take the text with take_text()
    retrying = Signal(int, float, str)  # attempt, delay, reason
    usageReady = Signal(object)  # Usage
    finished = Signal(object)  # Finished
    failed = Signal(object)  # AskshotError (Cancelled when stopped)
    done = Signal()  # always last: the thread is over

    def __init__(
        self,
        client: ChatClient,
        endpoint: Endpoint,
        request: ChatRequest,
        timeouts: Timeouts,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._endpoint = endpoint
        self.request = request
        self._timeouts = timeouts
        from app.core.client import CancelToken

        self._cancel = CancelToken()
        self._lock = threading.Lock()
        self._buffer: list[str] = []
        self._pending = False
        self._thread = threading.Thread(target=self._run, name="askshot-stream")
        self.started_at = 0.0
        self.first_text_at: float | None = None
        self.usage: Usage | None = None

    def start(self) -> None:
        self.started_at = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._cancel.cancel()

    def join(self, timeout: float = 5.0) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def cost_usd(self) -> float | None:
        return providers.cost_usd(self.request.model, self.usage) if self.usage else None

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
            for event in self._client.stream(
                self._endpoint, self.request, cancel=self._cancel, timeouts=self._timeouts
            ):
                if isinstance(event, Delta):
                    if self.first_text_at is None:
                        self.first_text_at = time.monotonic()
                    self._push(event.text)
                elif isinstance(event, Usage):
                    self.usage = event
                    self.usageReady.emit(event)
                elif isinstance(event, Retrying):
                    self.retrying.emit(event.attempt, event.delay, event.reason)
                elif isinstance(event, Finished):
                    self.finished.emit(event)
        except errors.AskshotError as exc:
            self.failed.emit(exc)
        except Exception as exc:  # a bug: log it, show a sentence, never kill the app
            log.exception("unexpected error while streaming")
            self.failed.emit(errors.AskshotError(f"Something went wrong inside Askshot: {exc!r}"))
        finally:
            self.done.emit()


class BackgroundCall(QObject):
    """Run a short blocking core call (list models, export…) off the GUI thread, then call
    `on_success(result)` or `on_error(AskshotError)` on the GUI thread (Anki-style callbacks).

    Keep a reference until `finished` fires; the owning widget is the parent.
    """

    _succeeded = Signal(object)
    _failed = Signal(object)
    finished = Signal()

    def __init__(
        self,
        fn: Callable[[], object],
        on_success: Callable[[object], None],
        on_error: Callable[[errors.AskshotError], None],
        parent: QObject | None = None,
        *,
        daemon: bool = False,
    ) -> None:
        super().__init__(parent)
        self._fn = fn
        self._succeeded.connect(on_success)
        self._failed.connect(on_error)
        # daemon: quitting does not wait for it (a call that may wait on the user elsewhere)
        self._thread = threading.Thread(target=self._run, name="askshot-call", daemon=daemon)

    def start(self) -> BackgroundCall:
        self._thread.start()
        return self

    def join(self, timeout: float = 5.0) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            result = self._fn()
        except errors.AskshotError as exc:
            self._failed.emit(exc)
        except Exception as exc:
            log.exception("background call failed")
            self._failed.emit(errors.AskshotError(f"Something went wrong inside Askshot: {exc!r}"))
        else:
            self._succeeded.emit(result)
        finally:
            self.finished.emit()


# Background calls whose owner may be gone: kept alive here until their thread is over.
_RUNNING: set[BackgroundCall] = set()


def run_in_background(
    fn: Callable[[], object],
    on_success: Callable[[object], None],
    on_error: Callable[[errors.AskshotError], None],
    on_finished: Callable[[], None] | None = None,
    *,
    daemon: bool = False,
) -> BackgroundCall:
    """Start a BackgroundCall that outlives the widget that asked for it: it has no parent, so
    closing or deleting the widget neither kills the QObject under a running thread nor blocks
    the GUI. Callbacks bound to a deleted widget are dropped by Qt; the call joins its thread
    and deletes itself when it is over."""
    call = BackgroundCall(fn, on_success, on_error, daemon=daemon)
    if on_finished is not None:
        call.finished.connect(on_finished)
    call.finished.connect(functools.partial(_forget, call))
    _RUNNING.add(call)
    return call.start()


def _forget(call: BackgroundCall) -> None:
    _RUNNING.discard(call)
    call.join(1.0)
    call.deleteLater()
