"""X11: the visible top-level windows' rectangles (libX11 through ctypes), for "the window under
the cursor". Without libX11 or a display the answer is None and that mode explains itself."""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication

from askshot.platform import geometry, xlib
from askshot.platform.capture.models import ScreenShot, to_qrect, to_rect
from askshot.platform.geometry import Rect


def x11_windows() -> list[Rect] | None:
    """The viewable top-level windows (with their frames) in native pixels, topmost first;
    None when libX11 or the display is unavailable."""
    x = xlib.load()
    if x is None:
        return None
    display = x.XOpenDisplay(None)
    if not display:
        return None
    xlib.errors()  # a window may vanish between listing and asking: an error, not an exit
    ulong_p = ctypes.POINTER(ctypes.c_ulong)
    rects: list[Rect] = []
    try:
        root = x.XDefaultRootWindow(display)
        root_ret, parent_ret = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ulong_p(), ctypes.c_uint()
        if x.XQueryTree(
            display,
            root,
            ctypes.byref(root_ret),
            ctypes.byref(parent_ret),
            ctypes.byref(children),
            ctypes.byref(count),
        ):
            try:
                for i in range(count.value):
                    attrs = xlib.XWindowAttributes()
                    if not x.XGetWindowAttributes(display, children[i], ctypes.byref(attrs)):
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
                    x.XFree(children)
        x.XSync(display, 0)
    finally:
        xlib.errors().take()
        x.XCloseDisplay(display)
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
