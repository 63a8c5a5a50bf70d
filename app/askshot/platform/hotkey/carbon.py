"""macOS: Carbon's RegisterEventHotKey through ctypes, with an application event handler for
kEventHotKeyPressed. It needs no Accessibility or Input Monitoring permission (event taps do)
and swallows the key. The handler runs inside Qt's Cocoa loop; the activation is passed on at
the next turn of the loop. `carbon` can be given (tests use a fake: this module is checked on
Linux, run on macOS).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, QTimer

from askshot.platform.hotkey import BackendName, Status, Verdict
from askshot.platform.hotkey.backend import HotkeyBackend
from askshot.platform.hotkey.chord import Chord

CARBON = "/System/Library/Frameworks/Carbon.framework/Carbon"


def four_cc(text: str) -> int:
    return int.from_bytes(text.encode("ascii"), "big")


K_EVENT_CLASS_KEYBOARD = four_cc("keyb")
K_EVENT_HOT_KEY_PRESSED = 5
K_EVENT_PARAM_DIRECT_OBJECT = four_cc("----")
TYPE_EVENT_HOT_KEY_ID = four_cc("hkid")
EVENT_HOT_KEY_EXISTS_ERR = -9878
SIGNATURE = four_cc("AskS")
HOTKEY_ID = 1


class EventHotKeyID(ctypes.Structure):
    _fields_ = [("signature", ctypes.c_uint32), ("id", ctypes.c_uint32)]


class EventTypeSpec(ctypes.Structure):
    _fields_ = [("eventClass", ctypes.c_uint32), ("eventKind", ctypes.c_uint32)]


HANDLER = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)


class CarbonHotkey(HotkeyBackend):
    name: BackendName = "carbon"

    def __init__(self, parent: QObject | None = None, carbon: Any = None) -> None:
        super().__init__(parent)
        if carbon is None and sys.platform == "darwin":
            carbon = ctypes.CDLL(CARBON)
            carbon.GetApplicationEventTarget.restype = ctypes.c_void_p
        self._carbon = carbon
        self._ref = ctypes.c_void_p()
        self._handler = HANDLER(self._on_event)  # kept: Carbon holds only the pointer
        self._installed = False

    def _target(self) -> ctypes.c_void_p:
        """The application event target as a pointer (a bare int would be cut to 32 bits)."""
        return ctypes.c_void_p(self._carbon.GetApplicationEventTarget())

    def _install(self) -> bool:
        if self._installed:
            return True
        spec = EventTypeSpec(K_EVENT_CLASS_KEYBOARD, K_EVENT_HOT_KEY_PRESSED)
        status = self._carbon.InstallEventHandler(
            self._target(),
            self._handler,
            1,
            ctypes.byref(spec),
            None,
            None,
        )
        self._installed = status == 0
        return self._installed

    def bind(self, chord: Chord, keycode: int | None = None) -> None:
        self._unregister()
        problem = chord.problem("darwin")
        if problem is not None:
            self._set_status(Status(self.name, chord.text(), "invalid", problem))
            return
        try:
            mods, kvk = chord.carbon()
        except KeyError:
            self._set_status(
                Status(self.name, chord.text(), "invalid", f"macOS cannot bind {chord.text()}.")
            )
            return
        if self._carbon is None or not self._install():
            self._set_status(
                Status(self.name, chord.text(), "unsupported", "Carbon hot keys are unavailable.")
            )
            return
        hotkey = EventHotKeyID(SIGNATURE, HOTKEY_ID)
        status = self._carbon.RegisterEventHotKey(
            kvk, mods, hotkey, self._target(), 0, ctypes.byref(self._ref)
        )
        verdict: Verdict
        if status == EVENT_HOT_KEY_EXISTS_ERR:
            verdict, sentence = "taken", f"Another application already uses {chord.text()}."
        elif status != 0:
            verdict, sentence = "unsupported", f"macOS refused {chord.text()} (status {status})."
        else:
            verdict, sentence = "bound", f"{chord.text()} works in every application."
        self._set_status(Status(self.name, chord.text(), verdict, sentence))

    def _on_event(self, _next: Any, event: Any, _data: Any) -> int:
        hotkey = EventHotKeyID()
        status = self._carbon.GetEventParameter(
            ctypes.c_void_p(event),  # a bare int would be passed as a 32-bit C int
            K_EVENT_PARAM_DIRECT_OBJECT,
            TYPE_EVENT_HOT_KEY_ID,
            None,
            ctypes.sizeof(hotkey),
            None,
            ctypes.byref(hotkey),
        )
        if status == 0 and hotkey.signature == SIGNATURE and hotkey.id == HOTKEY_ID:
            QTimer.singleShot(0, self._fire)
        return 0

    def _unregister(self) -> None:
        if self._ref.value and self._carbon is not None:
            self._carbon.UnregisterEventHotKey(self._ref)
        self._ref = ctypes.c_void_p()

    def unbind(self) -> None:
        self._unregister()
        super().unbind()
