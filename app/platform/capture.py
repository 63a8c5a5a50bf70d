"""Freeze every screen into images: `capture_all()` returns a `Capture`.

Backends, tried in order until one works:
- "qt": `QScreen.grabWindow(0)` per screen, on X11, Windows and macOS (after checking macOS's
  Screen Recording permission). Images come in physical pixels.
- "portal": the xdg-desktop-portal Screenshot interface over D-Bus (via jeepney), the only way on
  Wayland. The portal returns one image of the whole desktop, which is split per screen.
Askshot's own windows are hidden during the grab (`hide_own_windows`), so they are never in it.
On X11 the visible top-level windows' rectangles are recorded too, for "the window under the
cursor" (libX11 through ctypes; without it that mode explains itself instead).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QEventLoop, QPoint, QRect, QSize, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from app.core.errors import AskshotError
from app.platform import geometry
from app.platform.geometry import Rect

PORTAL_TIMEOUT_S = 30.0
_PORTAL_BUS_NAME = "org.freedesktop.portal.Desktop"
_PORTAL_PATH = "/org/freedesktop/portal/desktop"
_REQUEST_PREFIX = "/org/freedesktop/portal/desktop/request"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Capture", text)


class CaptureError(AskshotError):
    """The screen could not be captured; `.message` says why and what to do."""

    kind = "capture"


def to_rect(r: QRect) -> Rect:
    return Rect(r.x(), r.y(), r.width(), r.height())


def to_qrect(r: Rect) -> QRect:
    return QRect(r.x, r.y, r.w, r.h)


@dataclass(eq=False)
class ScreenShot:
    """One screen, frozen: `image` in physical pixels (its devicePixelRatio is 1), the screen's
    logical `geometry` on the virtual desktop and its device pixel ratio."""

    image: QImage
    geometry: QRect
    dpr: float = 1.0
    name: str = ""


class Capture:
    """Every screen frozen at one moment, plus (on X11) the top-level windows' logical
    rectangles, topmost first. Crops follow the rules in `app.platform.geometry`."""

    def __init__(
        self, screens: Sequence[ScreenShot], windows: Sequence[QRect] = (), backend: str = ""
    ) -> None:
        if not screens:
            raise CaptureError(_tr("No screen to capture."))
        self.screens = list(screens)
        self.windows = list(windows)
        self.backend = backend
        self.geometries = [
            geometry.Screen(to_rect(s.geometry), s.dpr, (s.image.width(), s.image.height()))
            for s in self.screens
        ]

    def virtual_geometry(self) -> QRect:
        return to_qrect(geometry.virtual_rect(self.geometries))

    def screen_at(self, point: QPoint) -> int | None:
        return geometry.screen_at(point.x(), point.y(), self.geometries)

    def nearest_screen(self, point: QPoint) -> int:
        return geometry.nearest_screen(point.x(), point.y(), self.geometries)

    def window_at(self, point: QPoint) -> QRect | None:
        for rect in self.windows:
            if rect.contains(point):
                return QRect(rect)
        return None

    def plan(self, rect: QRect) -> geometry.CropPlan:
        return geometry.plan_crop(to_rect(rect.normalized()), self.geometries)

    def physical_size(self, rect: QRect) -> QSize:
        w, h = geometry.physical_size(to_rect(rect.normalized()), self.geometries)
        return QSize(w, h)

    def crop(self, rect: QRect) -> QImage:
        """The logical `rect` in physical pixels (at the largest DPR it touches), DPR 1."""
        plan = self.plan(rect)
        if plan.empty:
            raise CaptureError(_tr("The selection is empty or lies outside every screen."))
        if len(plan.pieces) == 1 and plan.pieces[0].source.w == plan.width:
            piece = plan.pieces[0]
            if piece.source.h == plan.height:
                out = self.screens[piece.screen].image.copy(to_qrect(piece.source))
                out.setDevicePixelRatio(1.0)
                return out
        out = QImage(plan.width, plan.height, QImage.Format.Format_RGB32)
        out.fill(Qt.GlobalColor.black)
        painter = QPainter(out)
        for piece in plan.pieces:
            part = self.screens[piece.screen].image.copy(to_qrect(piece.source))
            part.setDevicePixelRatio(1.0)
            # Whole-number scale-ups keep crisp pixels (text stays sharp); others are smoothed.
            ratio = plan.scale / self.geometries[piece.screen].dpr
            painter.setRenderHint(
                QPainter.RenderHint.SmoothPixmapTransform, abs(ratio - round(ratio)) > 1e-6
            )
            painter.drawImage(to_qrect(piece.target), part)
        painter.end()
        return out


# -- macOS Screen Recording permission -----------------------------------------------------------


class ScreenRecordingPermission(Protocol):
    def preflight(self) -> bool:
        """True if the app may already record the screen (no prompt)."""
        ...

    def request(self) -> bool:
        """Ask the system (it prompts once); True if granted now."""
        ...


class CoreGraphicsPermission:
    """macOS 10.15+: CGPreflightScreenCaptureAccess / CGRequestScreenCaptureAccess via ctypes.
    Older systems have no such permission, so both say yes."""

    def __init__(self) -> None:
        self._cg: ctypes.CDLL | None = None
        with contextlib.suppress(OSError):
            self._cg = ctypes.CDLL("/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics")

    def _call(self, name: str) -> bool:
        func = getattr(self._cg, name, None) if self._cg is not None else None
        if func is None:
            return True
        func.restype = ctypes.c_bool
        func.argtypes = []
        return bool(func())

    def preflight(self) -> bool:
        return self._call("CGPreflightScreenCaptureAccess")

    def request(self) -> bool:
        return self._call("CGRequestScreenCaptureAccess")


def ensure_screen_recording(permission: ScreenRecordingPermission) -> None:
    """Pass if the app may record the screen, asking once; else raise with how to allow it."""
    if permission.preflight() or permission.request():
        return
    raise CaptureError(
        _tr(
            "Askshot may not record the screen. Allow it in System Settings → Privacy & "
            "Security → Screen Recording, then quit and reopen Askshot."
        )
    )


# -- backends ------------------------------------------------------------------------------------


def backend_order(
    platform_name: str, env: Mapping[str, str], system: str = sys.platform
) -> list[str]:
    """The backends to try, best first. Qt cannot read a Wayland screen, only the portal can."""
    if system in ("win32", "darwin"):
        return ["qt"]
    wayland = (
        platform_name.startswith("wayland")
        or env.get("XDG_SESSION_TYPE", "") == "wayland"
        or bool(env.get("WAYLAND_DISPLAY"))
    )
    return ["portal"] if wayland else ["qt", "portal"]


def grab_qt(permission: ScreenRecordingPermission | None = None) -> list[ScreenShot]:
    """Every screen through Qt, each in its physical pixels."""
    if sys.platform == "darwin":
        ensure_screen_recording(permission or CoreGraphicsPermission())
    shots = []
    for screen in QGuiApplication.screens():
        pixmap = screen.grabWindow(0)
        if pixmap.isNull():
            raise CaptureError(
                _tr("Qt could not read the screen on the “{0}” platform.").format(
                    QGuiApplication.platformName()
                )
            )
        image = pixmap.toImage()
        if image.format() not in (
            QImage.Format.Format_RGB32,
            QImage.Format.Format_ARGB32_Premultiplied,
        ):
            image = image.convertToFormat(QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(1.0)
        shots.append(ScreenShot(image, screen.geometry(), screen.devicePixelRatio(), screen.name()))
    return shots


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
            _tr("Screenshots on Wayland need the Python package jeepney: pip install jeepney.")
        ) from None
    missing = CaptureError(
        _tr(
            "On Wayland, screenshots go through xdg-desktop-portal, which is not running. "
            "Install xdg-desktop-portal and the backend for your desktop "
            "(xdg-desktop-portal-gnome, -kde or -wlr), then log out and back in."
        )
    )
    late = CaptureError(
        _tr(
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
                    _tr("The screenshot portal failed: {0}").format(exc.data or exc.name)
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
        raise CaptureError(_tr("The screenshot was cancelled or refused on the desktop."))
    raise CaptureError(
        _tr(
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
        raise CaptureError(_tr("The desktop's screenshot could not be read: {0}").format(path))
    with contextlib.suppress(OSError):  # the portal made this file for us; don't pile them up
        Path(path).unlink()
    return split_desktop(image, QGuiApplication.screens())


def split_desktop(image: QImage, screens: Iterable[object]) -> list[ScreenShot]:
    """Cut one whole-desktop image into per-screen shots (`screens`: QScreen-like objects)."""
    items = list(screens)
    rects = [s.geometry() for s in items]  # type: ignore[attr-defined]
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
        name = item.name() if item is not None else ""  # type: ignore[attr-defined]
        shots.append(ScreenShot(piece, QRect(rect), dpr, name))
    return shots


# -- X11 top-level windows -----------------------------------------------------------------------


class _XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("border_width", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p),
        ("root", ctypes.c_ulong),
        ("c_class", ctypes.c_int),
        ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    ]


_X_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_IGNORE_X_ERRORS = _X_ERROR_HANDLER(lambda _display, _event: 0)


def _load_xlib() -> ctypes.CDLL | None:
    for name in ("libX11.so.6", ctypes.util.find_library("X11")):
        if name:
            with contextlib.suppress(OSError):
                return ctypes.CDLL(name)
    return None


def x11_windows() -> list[Rect] | None:
    """The viewable top-level windows (with their frames) in native pixels, topmost first;
    None when libX11 or the display is unavailable."""
    xlib = _load_xlib()
    if xlib is None:
        return None
    ulong_p = ctypes.POINTER(ctypes.c_ulong)
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XDefaultRootWindow.restype = ctypes.c_ulong
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XQueryTree.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ulong_p,
        ulong_p,
        ctypes.POINTER(ulong_p),
        ctypes.POINTER(ctypes.c_uint),
    ]
    xlib.XGetWindowAttributes.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.POINTER(_XWindowAttributes),
    ]
    xlib.XFree.argtypes = [ctypes.c_void_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xlib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    xlib.XSetErrorHandler.restype = ctypes.c_void_p
    xlib.XSetErrorHandler.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(None)
    if not display:
        return None
    # A window may vanish between listing and asking: ignore X errors, don't exit.
    previous = xlib.XSetErrorHandler(ctypes.cast(_IGNORE_X_ERRORS, ctypes.c_void_p))
    rects: list[Rect] = []
    try:
        root = xlib.XDefaultRootWindow(display)
        root_ret, parent_ret = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ulong_p(), ctypes.c_uint()
        if xlib.XQueryTree(
            display,
            root,
            ctypes.byref(root_ret),
            ctypes.byref(parent_ret),
            ctypes.byref(children),
            ctypes.byref(count),
        ):
            try:
                for i in range(count.value):
                    attrs = _XWindowAttributes()
                    if not xlib.XGetWindowAttributes(display, children[i], ctypes.byref(attrs)):
                        continue
                    # IsViewable == 2, InputOutput == 1
                    if attrs.map_state != 2 or attrs.c_class != 1:
                        continue
                    border = attrs.border_width
                    rect = Rect(
                        attrs.x, attrs.y, attrs.width + 2 * border, attrs.height + 2 * border
                    )
                    if rect.w > 1 and rect.h > 1:
                        rects.append(rect)
            finally:
                if children:
                    xlib.XFree(children)
        xlib.XSync(display, 0)
    finally:
        xlib.XSetErrorHandler(previous)
        xlib.XCloseDisplay(display)
    rects.reverse()  # XQueryTree lists bottom to top
    return rects


def _window_rects(shots: Sequence[ScreenShot]) -> list[QRect]:
    if QGuiApplication.platformName() != "xcb":
        return []
    native = x11_windows() or []
    screens = [geometry.Screen(to_rect(s.geometry), s.dpr) for s in shots]
    out = []
    for rect in native:
        logical = geometry.native_to_logical(rect, screens)
        if logical is not None:
            out.append(to_qrect(logical))
    return out


# -- hiding our own windows ----------------------------------------------------------------------


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
) -> Capture:
    """Freeze every screen with the first backend that works, our own windows hidden meanwhile
    (`hide`: these widgets' windows; None: all visible ones; empty: none)."""
    if not isinstance(QGuiApplication.instance(), QGuiApplication):
        raise CaptureError(_tr("Capturing the screen needs the Askshot window running."))
    order = list(backends or backend_order(QGuiApplication.platformName(), os.environ))
    grabbers: dict[str, Callable[[], list[ScreenShot]]] = {
        "qt": lambda: grab_qt(permission),
        "portal": grab_portal,
    }
    reasons: list[str] = []
    with hide_own_windows(hide, settle_ms=settle_ms):
        for name in order:
            try:
                shots = grabbers[name]()
            except CaptureError as exc:
                reasons.append(exc.message)
                continue
            return Capture(shots, _window_rects(shots), backend=name)
    if not reasons:
        reasons.append(_tr("No screen capture method is available here."))
    raise CaptureError(" ".join(dict.fromkeys(reasons)))
