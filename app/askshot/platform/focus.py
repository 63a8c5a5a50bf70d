"""Give the focus back: the window that had it before the global shortcut gets it again when the
answer popup is dismissed.

X11 only, through libX11 (xlib.py). With a window manager that supports EWMH, ask it to activate
the window (a `_NET_ACTIVE_WINDOW` client message, as a pager would: focus-stealing rules allow
it); without one, set the input focus directly. Wayland compositors give the focus back on their
own when our window goes away, and forbid taking it, so there `remember` returns None.
"""

from __future__ import annotations

import ctypes
import logging
import os
from dataclasses import dataclass
from functools import cache

from askshot.platform import xlib

log = logging.getLogger("askshot.focus")

_REVERT_TO_PARENT = 2
_CURRENT_TIME = 0
_CLIENT_MESSAGE = 33
_SUBSTRUCTURE_MASK = (1 << 19) | (1 << 20)  # SubstructureNotify | SubstructureRedirect
_XA_WINDOW = 33


class _ClientMessage(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", xlib.Window),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class _Event(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


@dataclass(frozen=True)
class Focus:
    """A window that had the focus: its X id."""

    window: int


@cache
def _connection() -> tuple[ctypes.CDLL, int] | None:
    """One connection of our own, kept (Qt's is not ours to use from here): opening one costs
    tens of milliseconds on a large screen, which must not come before the overlay."""
    x = xlib.load()
    if x is None or not os.environ.get("DISPLAY"):
        return None
    xlib.errors()
    display = x.XOpenDisplay(None)
    return (x, display) if display else None


def warm_up(platform: str) -> None:
    """Open the connection now (at start-up, off the shortcut's path)."""
    if platform == "xcb":
        _connection()


def _done(x: ctypes.CDLL, d: int) -> None:
    x.XSync(d, 0)
    xlib.errors().take()


def _active_window(x: ctypes.CDLL, d: int, root: int) -> int | None:
    """The window manager's idea of the active window, or None without an EWMH manager."""
    atom = x.XInternAtom(d, b"_NET_ACTIVE_WINDOW", 1)
    if not atom:
        return None
    kind, fmt = ctypes.c_ulong(), ctypes.c_int()
    count, after = ctypes.c_ulong(), ctypes.c_ulong()
    data = ctypes.c_void_p()
    ok = x.XGetWindowProperty(
        d, root, atom, 0, 1, 0, _XA_WINDOW, ctypes.byref(kind), ctypes.byref(fmt),
        ctypes.byref(count), ctypes.byref(after), ctypes.byref(data),
    )  # fmt: skip
    try:
        if ok != 0 or not data.value or count.value < 1:
            return None
        return int(ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))[0]) or None
    finally:
        if data.value:
            x.XFree(data)


def remember(platform: str) -> Focus | None:
    """The window that has the focus now (X11), to give it back later."""
    conn = _connection() if platform == "xcb" else None
    if conn is None:
        return None
    x, d = conn
    try:
        root = x.XDefaultRootWindow(d)
        active = _active_window(x, d, root)
        if active:
            return Focus(active)
        window, revert = xlib.Window(), ctypes.c_int()
        x.XGetInputFocus(d, ctypes.byref(window), ctypes.byref(revert))
        if window.value in (0, 1, root):  # None, PointerRoot, the root: nothing to return to
            return None
        return Focus(int(window.value))
    finally:
        _done(x, d)


def restore(focus: Focus | None) -> bool:
    """Give the focus back to `focus`'s window if it is still there and shown."""
    conn = _connection() if focus is not None else None
    if focus is None or conn is None:
        return False
    x, d = conn
    try:
        attrs = xlib.XWindowAttributes()
        if not x.XGetWindowAttributes(d, focus.window, ctypes.byref(attrs)):
            return False
        if attrs.map_state != 2:  # IsViewable
            return False
        root = x.XDefaultRootWindow(d)
        if _active_window(x, d, root) is not None:
            event = _Event()
            msg = event.xclient
            msg.type = _CLIENT_MESSAGE
            msg.send_event = 1
            msg.window = focus.window
            msg.message_type = x.XInternAtom(d, b"_NET_ACTIVE_WINDOW", 0)
            msg.format = 32
            msg.data[0] = 2  # the request comes from a pager: honoured as the user's choice
            msg.data[1] = _CURRENT_TIME
            x.XSendEvent(d, root, 0, _SUBSTRUCTURE_MASK, ctypes.byref(event))
        else:
            x.XSetInputFocus(d, focus.window, _REVERT_TO_PARENT, _CURRENT_TIME)
        log.debug("focus given back to window 0x%x", focus.window)
        return True
    finally:
        _done(x, d)
