"""libX11 through ctypes, loaded once with the signatures Askshot uses: the window list for
capture (capture/x11.py) and the global shortcut's key grab (hotkey/x11.py). Qt's xcb platform
already has libX11 mapped, so this costs no memory a Python X library would (3 MiB, 40
modules).

Xlib's default error handler ends the process. `errors()` installs, once, one that records the
last error code instead; callers read and clear it around the requests they check (a grab
another client holds comes back as BadAccess).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

# Event types and constants from X.h
KEY_PRESS = 2
KEY_RELEASE = 3
MAPPING_NOTIFY = 34
GRAB_MODE_ASYNC = 1
BAD_ACCESS = 10
LOCK_MASK = 1 << 1

Window = ctypes.c_ulong
KeySym = ctypes.c_ulong


class XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("border_width", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p),
        ("root", Window),
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


class XKeyEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", Window),
        ("root", Window),
        ("subwindow", Window),
        ("time", ctypes.c_ulong),
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("x_root", ctypes.c_int),
        ("y_root", ctypes.c_int),
        ("state", ctypes.c_uint),
        ("keycode", ctypes.c_uint),
        ("same_screen", ctypes.c_int),
    ]


class XMappingEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", Window),
        ("request", ctypes.c_int),
        ("first_keycode", ctypes.c_int),
        ("count", ctypes.c_int),
    ]


class XEvent(ctypes.Union):
    _fields_ = [
        ("type", ctypes.c_int),
        ("xkey", XKeyEvent),
        ("xmapping", XMappingEvent),
        ("pad", ctypes.c_long * 24),
    ]


class XErrorEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("resourceid", ctypes.c_ulong),
        ("serial", ctypes.c_ulong),
        ("error_code", ctypes.c_ubyte),
        ("request_code", ctypes.c_ubyte),
        ("minor_code", ctypes.c_ubyte),
    ]


class XModifierKeymap(ctypes.Structure):
    _fields_ = [("max_keypermod", ctypes.c_int), ("modifiermap", ctypes.POINTER(ctypes.c_ubyte))]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(XErrorEvent))


class _Errors:
    """The last X error code seen on any connection of ours (0: none)."""

    def __init__(self) -> None:
        self.code = 0
        self.handler = _ERROR_HANDLER(self._record)

    def _record(self, _display: int, event: ctypes._Pointer[XErrorEvent]) -> int:
        self.code = int(event.contents.error_code)
        return 0

    def take(self) -> int:
        code, self.code = self.code, 0
        return code


@cache
def load() -> ctypes.CDLL | None:
    """libX11 with the signatures used here, or None where it is missing."""
    try:
        x = ctypes.CDLL("libX11.so.6")
    except OSError:
        found = ctypes.util.find_library("X11")  # runs ldconfig: only when the usual name fails
        if not found:
            return None
        try:
            x = ctypes.CDLL(found)
        except OSError:
            return None
    d = ctypes.c_void_p
    ulong_p = ctypes.POINTER(ctypes.c_ulong)
    sigs: dict[str, tuple[object, list[object]]] = {
        "XOpenDisplay": (d, [ctypes.c_char_p]),
        "XCloseDisplay": (ctypes.c_int, [d]),
        "XConnectionNumber": (ctypes.c_int, [d]),
        "XDefaultRootWindow": (Window, [d]),
        "XSync": (ctypes.c_int, [d, ctypes.c_int]),
        "XFlush": (ctypes.c_int, [d]),
        "XFree": (ctypes.c_int, [ctypes.c_void_p]),
        "XSetErrorHandler": (ctypes.c_void_p, [ctypes.c_void_p]),
        "XQueryTree": (
            ctypes.c_int,
            [d, Window, ulong_p, ulong_p, ctypes.POINTER(ulong_p), ctypes.POINTER(ctypes.c_uint)],
        ),
        "XGetWindowAttributes": (ctypes.c_int, [d, Window, ctypes.POINTER(XWindowAttributes)]),
        "XStringToKeysym": (KeySym, [ctypes.c_char_p]),
        "XKeysymToKeycode": (ctypes.c_ubyte, [d, KeySym]),
        "XGrabKey": (
            ctypes.c_int,
            [d, ctypes.c_int, ctypes.c_uint, Window, ctypes.c_int, ctypes.c_int, ctypes.c_int],
        ),
        "XUngrabKey": (ctypes.c_int, [d, ctypes.c_int, ctypes.c_uint, Window]),
        "XGetModifierMapping": (ctypes.POINTER(XModifierKeymap), [d]),
        "XFreeModifiermap": (ctypes.c_int, [ctypes.POINTER(XModifierKeymap)]),
        "XPending": (ctypes.c_int, [d]),
        "XNextEvent": (ctypes.c_int, [d, ctypes.POINTER(XEvent)]),
        "XRefreshKeyboardMapping": (ctypes.c_int, [ctypes.POINTER(XMappingEvent)]),
        # giving the focus back (focus.py)
        "XGetInputFocus": (ctypes.c_int, [d, ctypes.POINTER(Window), ctypes.POINTER(ctypes.c_int)]),
        "XSetInputFocus": (ctypes.c_int, [d, Window, ctypes.c_int, ctypes.c_ulong]),
        "XInternAtom": (ctypes.c_ulong, [d, ctypes.c_char_p, ctypes.c_int]),
        "XSendEvent": (ctypes.c_int, [d, Window, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]),
        "XGetWindowProperty": (
            ctypes.c_int,
            [
                d,
                Window,
                ctypes.c_ulong,
                ctypes.c_long,
                ctypes.c_long,
                ctypes.c_int,
                ctypes.c_ulong,
                ulong_p,
                ctypes.POINTER(ctypes.c_int),
                ulong_p,
                ulong_p,
                ctypes.POINTER(ctypes.c_void_p),
            ],
        ),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(x, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return x


@cache
def errors() -> _Errors:
    """The process's X error handler (installed on first use): errors are recorded, never fatal."""
    recorder = _Errors()
    x = load()
    if x is not None:
        x.XSetErrorHandler(ctypes.cast(recorder.handler, ctypes.c_void_p))
    return recorder


def modifier_keycodes(x: ctypes.CDLL, display: int) -> list[list[int]]:
    """The keycodes of each of the 8 modifiers (Shift, Lock, Control, Mod1..Mod5)."""
    mapping = x.XGetModifierMapping(display)
    if not mapping:
        return [[] for _ in range(8)]
    try:
        per = mapping.contents.max_keypermod
        codes = mapping.contents.modifiermap
        return [[codes[i * per + k] for k in range(per) if codes[i * per + k]] for i in range(8)]
    finally:
        x.XFreeModifiermap(mapping)
