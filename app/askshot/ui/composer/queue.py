"""The composer's images, without their widgets: new ones are prepared (decoded, fitted to the
chosen model, encoded, thumbnailed) one at a time in a BackgroundCall, so typing never stalls
on a 4K screenshot; each keeps its source and is fitted again when the model changes. The
composer panel shows what this reports (thumbnails, details, sentences)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from askshot.core import estimate
from askshot.ui.composer.attachments import (
    Attachment,
    Load,
    Loaded,
    Refitted,
    load_image,
    refit_image,
)
from askshot.ui.qt.threads import BackgroundCall

if TYPE_CHECKING:
    from askshot.core.errors import AskshotError
    from askshot.core.images import PreparedImage


class AttachmentQueue(QObject):
    """Create it with the current model; `add` jobs, `remove`, `clear`, `set_model`."""

    added = Signal(int, str, bytes, str)  # key, name, thumbnail PNG, details
    refitted = Signal(int, str)  # key, details (fitted for another model)
    failed = Signal(str)  # a sentence: an image that could not be added or fitted
    progressed = Signal()  # a job started or ended: what `preparing` says may have changed
    settled = Signal()  # nothing left to prepare

    def __init__(self, model: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.items: list[Attachment] = []
        self._queue: deque[Load] = deque()
        self._call: BackgroundCall[Loaded | Refitted] | None = None
        self._next_key = 1
        self._epoch = 0  # bumped by clear(): results of older jobs are dropped
        self._closed = False

    # -- what the panel asks ------------------------------------------------------------------

    @property
    def preparing(self) -> bool:
        """True while images are being added or fitted to the model."""
        return self._call is not None or bool(self._queue)

    def images(self) -> list[PreparedImage]:
        """The prepared images; while `preparing`, some may still be fitted for the last model."""
        return [item.prepared for item in self.items]

    def failed_for_model(self) -> list[str]:
        """Names of the images that could not be fitted to the current model."""
        return [item.name for item in self.items if item.failed_for == self._model]

    def item(self, key: int) -> Attachment | None:
        return next((it for it in self.items if it.key == key), None)

    def details(self, item: Attachment) -> str:
        part = item.prepared.part
        width, height = item.original_size
        billed = estimate.billed_tokens(item.prepared.tokens, item.prepared_for)
        return self.tr("{0}\n{1}×{2}, sent to {3} as {4}×{5} · {6} tokens").format(
            item.name, width, height, item.prepared_for, part.width, part.height, f"{billed:,}"
        )

    # -- what the panel does ------------------------------------------------------------------

    def add(self, job: Load) -> None:
        self._queue.append(job)
        self._pump()

    def remove(self, key: int) -> None:
        self.items = [item for item in self.items if item.key != key]

    def clear(self) -> None:
        """Forget every image, queued and prepared (after a send)."""
        self._epoch += 1
        self._queue.clear()
        self.items.clear()

    def set_model(self, model: str) -> None:
        """Fit the images to `model` (one at a time, in the background)."""
        self._model = model
        self._pump()

    def shutdown(self) -> None:
        """Drop queued images and wait for the one being prepared (call before quitting)."""
        self._closed = True
        self._queue.clear()
        if self._call is not None:
            self._call.join()

    # -- one job at a time --------------------------------------------------------------------

    def _pump(self) -> None:
        """Start the next job: queued images first, then attachments fitted for another model."""
        if self._call is not None or self._closed:
            return
        fn: Callable[[], Loaded | Refitted]
        if self._queue:
            fn = partial(load_image, self._queue.popleft(), self._model, self._epoch)
        else:
            stale = next(
                (
                    item
                    for item in self.items
                    if self._model not in (item.prepared_for, item.failed_for)
                ),
                None,
            )
            if stale is None:
                self.settled.emit()
                return
            fn = partial(refit_image, stale.key, stale.source, self._model, stale.name)
        # No parent: if the panel goes away mid-job, the call outlives it and its queued
        # signals are dropped instead of being emitted from a deleted object.
        call: BackgroundCall[Loaded | Refitted] = BackgroundCall(
            fn, self._on_result, self._on_call_error
        )
        call.finished.connect(self._on_call_finished)
        self._call = call
        call.start()
        self.progressed.emit()

    def _on_call_finished(self) -> None:
        call, self._call = self._call, None
        if call is not None:
            call.join()
            call.deleteLater()
        self._pump()
        self.progressed.emit()

    def _on_call_error(self, exc: AskshotError) -> None:
        self.failed.emit(exc.message)

    def _on_result(self, result: Loaded | Refitted) -> None:
        if isinstance(result, Loaded):
            self._on_loaded(result)
        else:
            self._on_refitted(result)

    def _on_loaded(self, result: Loaded) -> None:
        if result.epoch != self._epoch:
            return
        if result.error is not None or result.prepared is None or result.source is None:
            self.failed.emit(result.error or self.tr("{0} could not be read.").format(result.name))
            return
        key, self._next_key = self._next_key, self._next_key + 1
        item = Attachment(
            key=key,
            name=self._unique_name(result.name),
            source=result.source,
            original_size=result.prepared.original_size,
            prepared=result.prepared,
            prepared_for=result.model,
        )
        self.items.append(item)
        self.added.emit(key, item.name, result.thumb, self.details(item))

    def _on_refitted(self, result: Refitted) -> None:
        item = self.item(result.key)
        if item is None:
            return
        if result.prepared is None:
            item.failed_for = result.model
            if result.model == self._model:
                self.failed.emit(result.error or "")
            return
        item.prepared = result.prepared
        item.prepared_for = result.model
        item.failed_for = None
        self.refitted.emit(item.key, self.details(item))

    def _unique_name(self, name: str) -> str:
        taken = {item.name for item in self.items}
        if name not in taken:
            return name
        n = 2
        while f"{name} ({n})" in taken:
            n += 1
        return f"{name} ({n})"
