"""X11: the visible top-level windows' rectangles (libX11 through ctypes), for "the window under
the cursor". Without libX11 or a display the answer is None and that mode explains itself."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
from collections.abc import Sequence

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication

from askshot.platform import geometry
from askshot.platform.capture.models import ScreenShot, to_qrect, to_rect
from askshot.platform.geometry import Rect


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


def window_rects(shots: Sequence[ScreenShot]) -> list[QRect]:
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
