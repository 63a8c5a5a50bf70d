"""The xdg-desktop-portal backend, the only way to read the screen on Wayland: the Screenshot
interface (on the app's registered PortalBus) returns one image of the whole desktop, split here
per screen."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QEventLoop, QRect, QUrl
from PySide6.QtGui import QGuiApplication, QImage

from askshot import APP_ID
from askshot.core.errors import CaptureError
from askshot.platform import geometry
from askshot.platform.capture.models import ScreenShot, to_qrect, to_rect, tr
from askshot.platform.geometry import Rect
from askshot.platform.portal import PortalBus, PortalError, variant_value

PORTAL_TIMEOUT_S = 30.0


def request_portal_screenshot(
    *,
    portal: PortalBus | None = None,
    bus: str = "SESSION",
    timeout: float = PORTAL_TIMEOUT_S,
    parent_window: str = "",
    pump: Callable[[], None] | None = None,
) -> str:
    """Ask xdg-desktop-portal for a non-interactive screenshot; return its URI. The request goes
    through the app's shared, registered `portal` connection (the desktop keys the "allow
    screenshots" grant to the app id), or a connection of its own on `bus`. `pump` runs every
    few milliseconds while waiting (to keep processing Qt events)."""
    missing = CaptureError(
        tr(
            "On Wayland, screenshots go through xdg-desktop-portal, which is not running. "
            "Install xdg-desktop-portal and the backend for your desktop "
            "(xdg-desktop-portal-gnome, -kde or -wlr), then log out and back in."
        )
    )
    late = CaptureError(
        tr(
            "The desktop did not deliver the screenshot within {0} s. Try again; if it keeps "
            "happening, restart xdg-desktop-portal or log out and back in."
        ).format(round(timeout))
    )
    own = portal is None
    conn = portal if portal is not None else PortalBus(APP_ID, bus=bus)
    try:
        if not conn.open():
            raise missing
        answer: list[tuple[int, dict[str, Any]]] = []
        try:
            conn.request(
                "org.freedesktop.portal.Screenshot",
                "Screenshot",
                "sa{sv}",
                lambda token: (
                    parent_window,
                    {
                        "handle_token": ("s", token),
                        "interactive": ("b", False),
                        "modal": ("b", False),
                    },
                ),
                lambda code, results: answer.append((code, results)),
            )
        except PortalError as exc:
            if "ServiceUnknown" in exc.name or "Unknown" in exc.name:
                raise missing from None
            raise CaptureError(
                tr("The screenshot portal failed: {0}").format(exc.text or exc.name)
            ) from None
        except TimeoutError:
            raise late from None
        deadline = time.monotonic() + timeout
        while not answer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise late
            conn.poll(min(remaining, 0.02) if pump else remaining)
            if pump is not None and not answer:
                pump()
    finally:
        if own:
            conn.close()
    code, results = answer[0]
    uri = str(variant_value(results.get("uri", "")))
    if code == 0 and uri:
        return uri
    if code == 1:
        raise CaptureError(tr("The screenshot was cancelled or refused on the desktop."))
    raise CaptureError(
        tr(
            "The desktop refused the screenshot. Allow Askshot to take screenshots in your "
            "desktop's privacy settings (GNOME: Settings → Apps → Askshot), then try again."
        )
    )


def grab_portal(
    timeout: float = PORTAL_TIMEOUT_S, portal: PortalBus | None = None
) -> list[ScreenShot]:
    """One desktop image from the portal, split into the screens Qt knows."""

    def pump() -> None:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents, 5)

    uri = request_portal_screenshot(portal=portal, timeout=timeout, pump=pump)
    path = QUrl(uri).toLocalFile() or uri
    image = QImage(path)
    if image.isNull():
        raise CaptureError(tr("The desktop's screenshot could not be read: {0}").format(path))
    with contextlib.suppress(OSError):  # the portal made this file for us; don't pile them up
        Path(path).unlink()
    return split_desktop(image, QGuiApplication.screens())


class ScreenLike(Protocol):
    """What splitting needs of a screen (QScreen has it)."""

    def geometry(self) -> QRect: ...

    def name(self) -> str: ...


def split_desktop(image: QImage, screens: Iterable[ScreenLike]) -> list[ScreenShot]:
    """Cut one whole-desktop image into per-screen shots."""
    items: list[ScreenLike | None] = list(screens)
    rects = [s.geometry() for s in items if s is not None]
    geoms = [geometry.Screen(to_rect(r)) for r in rects]
    if not geoms:
        geoms = [geometry.Screen(Rect(0, 0, image.width(), image.height()))]
        rects, items = [QRect(0, 0, image.width(), image.height())], [None]
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    parts = geometry.split_desktop_image(image.width(), image.height(), geoms)
    shots = []
    for rect, part, item in zip(rects, parts, items, strict=True):
        piece = image.copy(to_qrect(part))
        piece.setDevicePixelRatio(1.0)
        dpr = part.w / rect.width() if rect.width() > 0 else 1.0
        name = item.name() if item is not None else ""
        shots.append(ScreenShot(piece, QRect(rect), dpr, name))
    return shots
