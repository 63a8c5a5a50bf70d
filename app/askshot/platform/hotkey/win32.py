"""Windows: RegisterHotKey through ctypes, and a native event filter for WM_HOTKEY.

Registered without a window, WM_HOTKEY is a thread message, which Qt hands to native filters as
"windows_dispatcher_MSG" (window messages come as "windows_generic_MSG": both are accepted).
MOD_NOREPEAT removes autorepeat. ERROR_HOTKEY_ALREADY_REGISTERED (1409) means another
application has the chord. `user32` and `last_error` can be given (tests use fakes: this module
is checked on Linux, run on Windows).
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractNativeEventFilter, QByteArray, QCoreApplication, QObject

from askshot.platform.hotkey import BackendName, Status, Verdict
from askshot.platform.hotkey.backend import HotkeyBackend
from askshot.platform.hotkey.chord import Chord

WM_HOTKEY = 0x0312
HOTKEY_ID = 0xA5C1
ERROR_HOTKEY_ALREADY_REGISTERED = 1409
NATIVE_TYPES = (b"windows_generic_MSG", b"windows_dispatcher_MSG")


class POINT(ctypes.Structure):
    _fields_ = [("x", ctypes.c_long), ("y", ctypes.c_long)]


class MSG(ctypes.Structure):
    """winuser.h MSG (wintypes.MSG, defined here so the module loads on every system)."""

    _fields_ = [
        ("hwnd", ctypes.c_void_p),
        ("message", ctypes.c_uint),
        ("wParam", ctypes.c_size_t),
        ("lParam", ctypes.c_ssize_t),
        ("time", ctypes.c_ulong),
        ("pt", POINT),
    ]


class _Filter(QAbstractNativeEventFilter):
    def __init__(self, on_hotkey: Callable[[], None]) -> None:
        super().__init__()
        self._on_hotkey = on_hotkey

    def nativeEventFilter(
        self, eventType: QByteArray | bytes | bytearray | memoryview, message: Any
    ) -> tuple[bool, int]:
        kind = bytes(eventType.data()) if isinstance(eventType, QByteArray) else bytes(eventType)
        if kind in NATIVE_TYPES:
            msg = MSG.from_address(int(message))
            if msg.message == WM_HOTKEY and msg.wParam == HOTKEY_ID:
                self._on_hotkey()
                return True, 0
        return False, 0


class Win32Hotkey(HotkeyBackend):
    name: BackendName = "win32"

    def __init__(
        self,
        parent: QObject | None = None,
        user32: Any = None,
        last_error: Callable[[], int] | None = None,
    ) -> None:
        super().__init__(parent)
        if user32 is None and sys.platform == "win32":
            user32 = ctypes.WinDLL("user32", use_last_error=True)
            last_error = ctypes.get_last_error
        self._user32 = user32
        self._last_error = last_error or (lambda: 0)
        self._registered = False
        self.filter = _Filter(self._fire)
        app = QCoreApplication.instance()
        if app is not None:
            app.installNativeEventFilter(self.filter)

    def bind(self, chord: Chord, keycode: int | None = None) -> None:
        self._unregister()
        problem = chord.problem("win32")
        if problem is not None:
            self._set_status(Status(self.name, chord.text(), "invalid", problem))
            return
        mods, vk = chord.win32()
        if self._user32 is None or not self._user32.RegisterHotKey(None, HOTKEY_ID, mods, vk):
            code = self._last_error()
            verdict: Verdict
            if code == ERROR_HOTKEY_ALREADY_REGISTERED:
                verdict, sentence = "taken", f"Another application already uses {chord.text()}."
            else:
                verdict = "unsupported"
                sentence = f"Windows refused {chord.text()} (error {code}). Pick another shortcut."
            self._set_status(Status(self.name, chord.text(), verdict, sentence))
            return
        self._registered = True
        sentence = f"{chord.text()} works in every application."
        warning = chord.warning("win32")
        if warning:
            sentence = f"{sentence} {warning}"
        self._set_status(Status(self.name, chord.text(), "bound", sentence))

    def _unregister(self) -> None:
        if self._registered and self._user32 is not None:
            self._user32.UnregisterHotKey(None, HOTKEY_ID)
        self._registered = False

    def unbind(self) -> None:
        self._unregister()
        super().unbind()

    def close(self) -> None:
        self.unbind()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeNativeEventFilter(self.filter)
