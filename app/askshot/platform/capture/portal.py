"""The xdg-desktop-portal backend, the only way to read the screen on Wayland: the Screenshot
interface over D-Bus (jeepney) returns one image of the whole desktop, split here per screen."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QEventLoop, QRect, QUrl
from PySide6.QtGui import QGuiApplication, QImage

from askshot.core.errors import CaptureError
from askshot.platform import geometry
from askshot.platform.capture.models import ScreenShot, to_qrect, to_rect, tr
from askshot.platform.geometry import Rect

PORTAL_TIMEOUT_S = 30.0
_PORTAL_BUS_NAME = "org.freedesktop.portal.Desktop"
_PORTAL_PATH = "/org/freedesktop/portal/desktop"
_REQUEST_PREFIX = "/org/freedesktop/portal/desktop/request"


def request_portal_screenshot(
    *,
    bus: str = "SESSION",
    timeout: float = PORTAL_TIMEOUT_S,
    parent_window: str = "",
    pump: Callable[[], None] | None = None,
) -> str:
    """Ask xdg-desktop-portal for a non-interactive screenshot; return its URI. `pump` runs
    every few milliseconds while waiting (to keep processing Qt events)."""
    try:
        from jeepney import DBusAddress, HeaderFields, MatchRule, new_method_call
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import DBusErrorResponse, unwrap_msg
    except ImportError:
        raise CaptureError(
            tr("Screenshots on Wayland need the Python package jeepney: pip install jeepney.")
        ) from None
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
    try:
        conn = open_dbus_connection(bus=bus)
    except Exception:  # no session bus, refused, bad address: all mean the same to the user
        raise missing from None
    with contextlib.closing(conn):
        token = "askshot_" + secrets.token_hex(6)
        rule = MatchRule(
            type="signal",
            interface="org.freedesktop.portal.Request",
            member="Response",
            path_namespace=_REQUEST_PREFIX,
        )
        portal = DBusAddress(
            _PORTAL_PATH, bus_name=_PORTAL_BUS_NAME, interface="org.freedesktop.portal.Screenshot"
        )
        options = {
            "handle_token": ("s", token),
            "interactive": ("b", False),
            "modal": ("b", False),
        }
        with conn.filter(rule) as queue:
            try:
                unwrap_msg(conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5))
                call = new_method_call(portal, "Screenshot", "sa{sv}", (parent_window, options))
                (handle,) = unwrap_msg(conn.send_and_get_reply(call, timeout=10))
            except DBusErrorResponse as exc:
                if "ServiceUnknown" in exc.name or "Unknown" in exc.name:
                    raise missing from None
                raise CaptureError(
                    tr("The screenshot portal failed: {0}").format(exc.data or exc.name)
                ) from None
            except TimeoutError:
                raise late from None
            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise late
                try:
                    msg = conn.recv_until_filtered(
                        queue, timeout=min(remaining, 0.02) if pump else remaining
                    )
                except TimeoutError:
                    if pump is not None:
                        pump()
                    continue
                if msg.header.fields.get(HeaderFields.path) == handle:
                    break
    code, results = msg.body
    uri = str(results.get("uri", ("s", ""))[1])
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


def grab_portal(timeout: float = PORTAL_TIMEOUT_S) -> list[ScreenShot]:
    """One desktop image from the portal, split into the screens Qt knows."""

    def pump() -> None:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents, 5)

    uri = request_portal_screenshot(timeout=timeout, pump=pump)
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
