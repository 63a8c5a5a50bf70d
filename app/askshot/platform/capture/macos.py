"""macOS: the Screen Recording permission a capture needs (asked once through CoreGraphics)."""

from __future__ import annotations

import contextlib
import ctypes
from typing import Protocol

from askshot.core.errors import CaptureError
from askshot.platform.capture.models import tr


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
        tr(
            "Askshot may not record the screen. Allow it in System Settings → Privacy & "
            "Security → Screen Recording, then quit and reopen Askshot."
        )
    )
