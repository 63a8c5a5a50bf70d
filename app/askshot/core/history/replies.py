"""Saving a streaming answer as it grows, so a crash or a kill loses at most the last second."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from askshot.core.errors import HistoryError
from askshot.core.history.records import Status
from askshot.core.types import Usage


class ReplyWriter(Protocol):
    """What saving a reply writes to the history (Store provides it)."""

    def update_reply_text(self, message_id: int, text: str) -> None: ...

    def finish_reply(
        self,
        message_id: int,
        status: Status,
        *,
        text: str | None = None,
        usage: Usage | None = None,
        cost_usd: float | None = None,
        error: str | None = None,
        ttft_ms: int | None = None,
        total_ms: int | None = None,
        error_kind: str | None = None,
        finish_reason: str | None = None,
    ) -> None: ...


class ReplySaver:
    """Saves a streaming answer as it grows, at most once per `interval` seconds (the first
    piece at once), so a crash or kill loses at most the last second. If a save fails the text is
    kept in memory, `last_error` is set and the next save tries again; `finish` raises."""

    def __init__(
        self,
        store: ReplyWriter,
        message_id: int,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        text: str = "",
    ) -> None:
        self._store = store
        self.message_id = message_id
        self._interval = interval
        self._clock = clock
        self._parts: list[str] = [text] if text else []  # a continued answer starts with its text
        self._last_save: float | None = None
        self._dirty = False
        self.last_error: HistoryError | None = None

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def replace_text(self, text: str) -> None:
        """The whole answer becomes `text` (saved with the next flush or finish)."""
        self._parts = [text]
        self._dirty = True

    def append(self, delta: str) -> bool:
        """Add a piece of the answer; returns True when this call saved."""
        self._parts.append(delta)
        self._dirty = True
        now = self._clock()
        if self._last_save is None or now - self._last_save >= self._interval:
            return self.flush(now)
        return False

    def flush(self, now: float | None = None) -> bool:
        """Save now if anything is unsaved (e.g. from a timer while the server is silent)."""
        if not self._dirty:
            return False
        self._last_save = self._clock() if now is None else now
        try:
            self._store.update_reply_text(self.message_id, self.text)
        except HistoryError as exc:
            self.last_error = exc
            return False
        self._dirty = False
        self.last_error = None
        return True

    def finish(
        self,
        status: Status,
        usage: Usage | None = None,
        cost: float | None = None,
        error: str | None = None,
        ttft_ms: int | None = None,
        total_ms: int | None = None,
        *,
        error_kind: str | None = None,
        finish_reason: str | None = None,
    ) -> None:
        """Save the whole text and how the answer ended (raises HistoryError if it cannot).
        `error_kind` is the failure's AskshotError.kind (see Store.finish_reply)."""
        self._store.finish_reply(
            self.message_id,
            status,
            text=self.text,
            usage=usage,
            cost_usd=cost,
            error=error,
            ttft_ms=ttft_ms,
            total_ms=total_ms,
            error_kind=error_kind,
            finish_reason=finish_reason,
        )
        self._dirty = False
