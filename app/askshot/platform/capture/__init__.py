"""Freeze every screen into images: `capture_all()` returns a `Capture`.

Backends, tried in order until one works, one module each: `qt` (X11, Windows, macOS) and
`portal` (xdg-desktop-portal, the only way on Wayland). Askshot's own windows are hidden during
the grab (`hide_own_windows`), so they are never in it. On X11 the visible top-level windows'
rectangles are recorded too (`x11`), for "the window under the cursor".
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from askshot.core.errors import CaptureError
from askshot.platform.capture.macos import (
    CoreGraphicsPermission,
    ScreenRecordingPermission,
    ensure_screen_recording,
)
from askshot.platform.capture.models import (
    Capture,
    ScreenShot,
    to_qrect,
    to_rect,
    tr,
)
from askshot.platform.capture.order import backend_order
from askshot.platform.capture.portal import grab_portal, request_portal_screenshot, split_desktop
from askshot.platform.capture.qt import grab_qt
from askshot.platform.capture.x11 import window_rects, x11_windows
from askshot.platform.portal import PortalBus

__all__ = [
    "Capture",
    "CaptureError",
    "CoreGraphicsPermission",
    "ScreenRecordingPermission",
    "ScreenShot",
    "backend_order",
    "capture_all",
    "ensure_screen_recording",
    "grab_portal",
    "grab_qt",
    "hide_own_windows",
    "request_portal_screenshot",
    "split_desktop",
    "to_qrect",
    "to_rect",
    "x11_windows",
]


def default_settle_ms() -> int:
    """How long to let the compositor (and the windows uncovered) redraw after hiding ours."""
    if sys.platform == "win32":
        return 200  # DWM fades windows out
    if sys.platform == "darwin":
        return 100
    return 50  # a frame or two, plus the uncovered windows repainting


def _wait(ms: int) -> None:
    deadline = time.monotonic() + ms / 1000
    QGuiApplication.sync()
    while time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents, 5)
        time.sleep(0.002)


@contextlib.contextmanager
def hide_own_windows(
    widgets: Iterable[QWidget] | None = None, *, settle_ms: int | None = None
) -> Iterator[list[QWidget]]:
    """Hide our visible windows (`widgets`' windows, or every visible top-level one), wait for
    the screen to show what is under them, and show them again on exit."""
    if widgets is None:
        candidates = list(QApplication.topLevelWidgets())
    else:
        candidates = [w.window() for w in widgets]
    hidden: list[QWidget] = []
    for w in candidates:
        if w.isVisible() and w not in hidden:
            hidden.append(w)
    active = QApplication.activeWindow()
    for w in hidden:
        w.hide()
    if hidden:
        _wait(default_settle_ms() if settle_ms is None else settle_ms)
    try:
        yield hidden
    finally:
        hidden = [w for w in hidden if shiboken6.isValid(w)]  # closed meanwhile: gone
        for w in hidden:
            w.show()
        if active is not None and active in hidden:
            active.raise_()
            active.activateWindow()


def capture_all(
    hide: Iterable[QWidget] | None = None,
    *,
    backends: Sequence[str] | None = None,
    settle_ms: int | None = None,
    permission: ScreenRecordingPermission | None = None,
    portal: PortalBus | None = None,
) -> Capture:
    """Freeze every screen with the first backend that works, our own windows hidden meanwhile
    (`hide`: these widgets' windows; None: all visible ones; empty: none). The portal backend
    uses the app's shared `portal` connection when given."""
    if not isinstance(QGuiApplication.instance(), QGuiApplication):
        raise CaptureError(tr("Capturing the screen needs the Askshot window running."))
    order = list(backends or backend_order(QGuiApplication.platformName(), os.environ))
    grabbers: dict[str, Callable[[], list[ScreenShot]]] = {
        "qt": lambda: grab_qt(permission),
        "portal": lambda: grab_portal(portal=portal),
    }
    reasons: list[str] = []
    with hide_own_windows(hide, settle_ms=settle_ms):
        for name in order:
            try:
                shots = grabbers[name]()
            except CaptureError as exc:
                reasons.append(exc.message)
                continue
            return Capture(shots, window_rects(shots), backend=name)
    if not reasons:
        reasons.append(tr("No screen capture method is available here."))
    raise CaptureError(" ".join(dict.fromkeys(reasons)))
