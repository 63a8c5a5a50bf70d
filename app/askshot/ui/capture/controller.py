"""Capture the screens and let the user pick an area: `CaptureController`
hides our windows, grabs every screen, opens an `OverlaySession` (one `RegionOverlay` per screen,
one shared selection) and delivers `accepted(QImage, QRect)`, `cancelled()` or `failed(str)`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Literal

from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QCursor, QImage
from PySide6.QtWidgets import QWidget

from askshot.platform.capture import Capture, CaptureError, capture_all, hide_own_windows
from askshot.platform.portal import PortalBus
from askshot.ui.capture.overlay import RegionOverlay, SelectionState, no_window_message

CaptureMode = Literal["region", "fullscreen", "window", "last"]
MODES: tuple[CaptureMode, ...] = ("region", "fullscreen", "window", "last")


class OverlaySession(QObject):
    """The overlays of one capture: one per screen, one shared selection, one result."""

    accepted = Signal(QImage, QRect)
    cancelled = Signal()

    def __init__(
        self, capture: Capture, last_region: QRect | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.capture = capture
        self.state = SelectionState(capture, last_region, self)
        self.overlays = [RegionOverlay(capture, i, self.state) for i in range(len(capture.screens))]
        self.done = False
        for overlay in self.overlays:
            overlay.accepted.connect(self._on_accepted)
            overlay.cancelled.connect(self._on_cancelled)

    def show(self) -> None:
        for overlay in self.overlays:
            overlay.show_on_screen()
        pos = QCursor.pos()
        hit = self.capture.screen_at(pos)
        self.focus_overlay(hit if hit is not None else 0)

    def focus_overlay(self, index: int) -> None:
        overlay = self.overlays[index]
        overlay.raise_()
        overlay.activateWindow()
        overlay.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def close(self) -> None:
        for overlay in self.overlays:
            overlay.hide()
            overlay.deleteLater()
        self.overlays = []

    def _on_accepted(self, image: QImage, rect: QRect) -> None:
        if not self.done:
            self.done = True
            self.close()
            self.accepted.emit(image, rect)

    def _on_cancelled(self) -> None:
        if not self.done:
            self.done = True
            self.close()
            self.cancelled.emit()


class CaptureController(QObject):
    """Capture the screens and let the user pick an area. Keep one per window: it remembers the
    last accepted area ("last" mode, key R) for the session. `grab` replaces the real capture
    (tests); our windows are hidden from before the grab until the overlays close."""

    accepted = Signal(QImage, QRect)  # the crop in physical pixels, its logical rectangle
    cancelled = Signal()
    failed = Signal(str)  # a sentence saying why and what to do
    finished = Signal()  # after any of the three

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        grab: Callable[[], Capture] | None = None,
        settle_ms: int | None = None,
        portal: PortalBus | None = None,
    ) -> None:
        super().__init__(parent)
        self._grab = grab if grab is not None else (lambda: capture_all(hide=(), portal=portal))
        self._settle_ms = settle_ms
        self.last_region: QRect | None = None
        self.session: OverlaySession | None = None
        self._restore: contextlib.ExitStack | None = None

    @property
    def active(self) -> bool:
        return self._restore is not None

    def start(self, hide: Iterable[QWidget] | None = None, mode: CaptureMode = "region") -> None:
        """Hide `hide`'s windows (None: all of ours), capture, then show the overlays, or for
        "fullscreen"/"window"/"last" deliver that area at once when there is one."""
        if mode not in MODES:
            raise ValueError(f"unknown capture mode {mode!r}")
        if self.active:
            if self.session is not None and self.session.overlays:
                self.session.focus_overlay(0)
            return
        stack = contextlib.ExitStack()
        self._restore = stack
        try:
            stack.enter_context(hide_own_windows(hide, settle_ms=self._settle_ms))
            capture = self._grab()
        except CaptureError as exc:
            self._end()
            self.failed.emit(exc.message)
            self.finished.emit()
            return
        cursor = QCursor.pos()
        rect: QRect | None = None
        if mode == "fullscreen":
            rect = capture.screens[capture.nearest_screen(cursor)].geometry
        elif mode == "window":
            rect = capture.window_at(cursor)
        elif mode == "last":
            rect = self.last_region
        if rect is not None:
            with contextlib.suppress(CaptureError):
                self._deliver(capture.crop(rect), rect)
                return
        session = OverlaySession(capture, self.last_region, self)
        self.session = session
        session.accepted.connect(self._deliver)
        session.cancelled.connect(self._on_cancelled)
        if mode == "window":
            session.state.set_message(no_window_message(capture))
        session.show()

    def _end(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session.deleteLater()
            self.session = None
        stack, self._restore = self._restore, None
        if stack is not None:
            stack.close()

    def _deliver(self, image: QImage, rect: QRect) -> None:
        self.last_region = QRect(rect)
        self._end()
        self.accepted.emit(image, rect)
        self.finished.emit()

    def _on_cancelled(self) -> None:
        self._end()
        self.cancelled.emit()
        self.finished.emit()
