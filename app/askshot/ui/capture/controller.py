"""Capture the screens and let the user pick an area: `CaptureController`
hides our windows, grabs every screen, opens an `OverlaySession` (one `RegionOverlay` per screen,
one shared selection) and delivers `accepted(QImage, QRect)`, `cancelled()` or `failed(str)`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Literal

from PySide6.QtCore import QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QImage
from PySide6.QtWidgets import QWidget

from askshot.platform import memory
from askshot.platform.capture import Capture, CaptureError, capture_all, hide_own_windows
from askshot.platform.portal import PortalBus
from askshot.ui.capture.overlay import RegionOverlay, SelectionState, no_window_message
from askshot.ui.qt.activation import activation_token

CaptureMode = Literal["region", "fullscreen", "window", "last"]
MODES: tuple[CaptureMode, ...] = ("region", "fullscreen", "window", "last")

log = logging.getLogger("askshot.capture")

KEEP_WARM_MS = 5 * 60 * 1000  # how long after a capture the next one finds everything ready


class OverlaySession(QObject):
    """The overlays of one capture: one per screen, one shared selection, one result."""

    accepted = Signal(QImage, QRect)
    cancelled = Signal()
    shown = Signal()  # the first overlay painted

    def __init__(
        self,
        capture: Capture,
        last_region: QRect | None = None,
        parent: QObject | None = None,
        *,
        reuse: list[RegionOverlay] | None = None,
    ) -> None:
        """`reuse`: hidden overlays of an earlier capture to show this one in (taken from the
        list); the others are made new."""
        super().__init__(parent)
        self.capture = capture
        self.state = SelectionState(capture, last_region, self)
        spare = reuse if reuse is not None else []
        self.overlays: list[RegionOverlay] = []
        for i in range(len(capture.screens)):
            if spare:
                overlay = spare.pop(0)
                overlay.load(capture, i, self.state)
            else:
                overlay = RegionOverlay(capture, i, self.state)
            overlay.accepted.connect(self._on_accepted)
            overlay.cancelled.connect(self._on_cancelled)
            overlay.firstPainted.connect(self._on_painted)
            self.overlays.append(overlay)
        self.done = False
        self._shown = False
        self.kept: list[RegionOverlay] = []  # hidden when done, for the controller to reuse

    def show(self, token: str = "") -> None:
        """Cover every screen; the one under the cursor takes the focus (with the activation
        `token` the shortcut or the launcher passed on, where the desktop asks for one)."""
        for overlay in self.overlays:
            overlay.show_on_screen()
        pos = QCursor.pos()
        hit = self.capture.screen_at(pos)
        self.focus_overlay(hit if hit is not None else 0, token)

    def focus_overlay(self, index: int, token: str = "") -> None:
        overlay = self.overlays[index]
        overlay.raise_()
        with activation_token(token):
            overlay.activateWindow()
        overlay.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def close(self, keep: bool = False) -> list[RegionOverlay]:
        """Hide the overlays; delete them, or with `keep` hand them back for the next capture."""
        kept = []
        for overlay in self.overlays:
            overlay.hide()
            overlay.accepted.disconnect(self._on_accepted)
            overlay.cancelled.disconnect(self._on_cancelled)
            overlay.firstPainted.disconnect(self._on_painted)
            if keep:
                overlay.detach()
                kept.append(overlay)
            else:
                overlay.deleteLater()
        self.overlays = []
        return kept

    def _on_painted(self) -> None:
        if not self._shown:
            self._shown = True
            self.shown.emit()

    def _on_accepted(self, image: QImage, rect: QRect) -> None:
        if not self.done:
            self.done = True
            self.kept = self.close(keep=True)
            self.accepted.emit(image, rect)

    def _on_cancelled(self) -> None:
        if not self.done:
            self.done = True
            self.kept = self.close(keep=True)
            self.cancelled.emit()


class CaptureController(QObject):
    """Capture the screens and let the user pick an area. Keep one per window: it remembers the
    last accepted area ("last" mode, key R) for the session. `grab` replaces the real capture
    (tests); our windows are hidden from before the grab until the overlays close."""

    accepted = Signal(QImage, QRect)  # the crop in physical pixels, its logical rectangle
    asked = Signal(QImage, QRect, str)  # ask mode: the marked-up crop, its rectangle, the question
    cancelled = Signal()
    failed = Signal(str)  # a sentence saying why and what to do
    shown = Signal()  # the overlays are painted: the user is choosing
    finished = Signal()  # after any of the three

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        grab: Callable[[], Capture] | None = None,
        settle_ms: int | None = None,
        portal: PortalBus | None = None,
        keep_warm_ms: int = KEEP_WARM_MS,
    ) -> None:
        super().__init__(parent)
        self._grab = grab if grab is not None else (lambda: capture_all(hide=(), portal=portal))
        self._settle_ms = settle_ms
        self.last_region: QRect | None = None
        self.session: OverlaySession | None = None
        self._restore: contextlib.ExitStack | None = None
        # Between captures of a burst the overlays stay, hidden, and freed memory is kept: the
        # next capture paints into pixels already there (at 4K: 40 ms less for the overlay,
        # 50-150 ms less for the grab). A while after the last one, both are given back.
        self._spare: list[RegionOverlay] = []
        self._cool = QTimer(self)
        self._cool.setSingleShot(True)
        self._cool.setInterval(keep_warm_ms)
        self._cool.timeout.connect(self.release)

    @property
    def active(self) -> bool:
        return self._restore is not None

    def start(
        self,
        hide: Iterable[QWidget] | None = None,
        mode: CaptureMode = "region",
        token: str = "",
        *,
        ask: list[tuple[str, str]] | None = None,
    ) -> None:
        """Hide `hide`'s windows (None: all of ours), capture, then show the overlays, or for
        "fullscreen"/"window"/"last" deliver that area at once when there is one.

        `ask` (the preset chips, maybe none): ask mode, where the ask bar comes up beside the
        selection and the result is `asked`, or `accepted` when the user sends it to the chat."""
        if mode not in MODES:
            raise ValueError(f"unknown capture mode {mode!r}")
        if self.active:
            if self.session is not None and self.session.overlays:
                self.session.focus_overlay(0, token)
            return
        stack = contextlib.ExitStack()
        self._restore = stack
        self._cool.stop()
        memory.hold()
        t0 = time.perf_counter()
        try:
            stack.enter_context(hide_own_windows(hide, settle_ms=self._settle_ms))
            t1 = time.perf_counter()
            capture = self._grab()
        except CaptureError as exc:
            self._end()
            self.failed.emit(exc.message)
            self.finished.emit()
            return
        t2 = time.perf_counter()
        log.debug(
            "capture: our windows hidden in %.1f ms, screens grabbed in %.1f ms",
            (t1 - t0) * 1000,
            (t2 - t1) * 1000,
        )
        cursor = QCursor.pos()
        rect: QRect | None = None
        if mode == "fullscreen":
            rect = capture.screens[capture.nearest_screen(cursor)].geometry
        elif mode == "window":
            rect = capture.window_at(cursor)
        elif mode == "last":
            rect = self.last_region
        if rect is not None and ask is None:
            with contextlib.suppress(CaptureError):
                self._deliver(capture.crop(rect), rect)
                return
        session = OverlaySession(capture, self.last_region, self, reuse=self._spare)
        if ask is not None:
            session.state.ask = True
            session.state.presets = list(ask)
            if rect is not None:
                session.state.rect = QRect(rect)
        self._drop(self._spare)  # more than this capture has screens
        self.session = session
        session.accepted.connect(self._deliver)
        session.cancelled.connect(self._on_cancelled)
        session.shown.connect(self.shown)
        if mode == "window":
            session.state.set_message(no_window_message(capture))
        session.show(token)
        log.debug("capture: overlays shown in %.1f ms", (time.perf_counter() - t2) * 1000)

    def _end(self) -> None:
        if self.session is not None:
            self._spare = self.session.kept + self.session.close(keep=True)
            self.session.deleteLater()
            self.session = None
        stack, self._restore = self._restore, None
        if stack is not None:
            stack.close()
        self._cool.start()

    def release(self) -> None:
        """Give back what the last capture kept for the next one."""
        self._cool.stop()
        self._drop(self._spare)
        memory.release()

    @staticmethod
    def _drop(overlays: list[RegionOverlay]) -> None:
        while overlays:
            overlays.pop().deleteLater()

    def _deliver(self, image: QImage, rect: QRect) -> None:
        self.last_region = QRect(rect)
        state = self.session.state if self.session is not None else None
        question = state.question if state is not None and state.intent == "ask" else None
        self._end()
        if question is not None:
            self.asked.emit(image, rect, question)
        else:
            self.accepted.emit(image, rect)
        self.finished.emit()

    def _on_cancelled(self) -> None:
        self._end()
        self.cancelled.emit()
        self.finished.emit()
