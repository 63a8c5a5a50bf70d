"""A cancel token: set from any thread (Stop, Ctrl+C, the window closing), and everything waiting
on it wakes at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("askshot.cancel")


class CancelToken:
    """Set from any thread; everything waiting on it wakes at once."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks = list(self._callbacks)
        for cb in callbacks:
            try:
                cb()
            except Exception:  # a failing cleanup must not break Stop
                log.debug("cancel callback failed", exc_info=True)

    def on_cancel(self, cb: Callable[[], None]) -> Callable[[], None]:
        """Run cb when cancelled (at once if already). Returns a function that unregisters it."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(cb)
                return lambda: self._remove(cb)
        cb()
        return lambda: None

    def _remove(self, cb: Callable[[], None]) -> None:
        with self._lock:
            if cb in self._callbacks:
                self._callbacks.remove(cb)

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if cancelled meanwhile."""
        return self._event.wait(seconds)
