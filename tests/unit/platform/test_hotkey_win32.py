"""The Windows backend through a fake user32: what RegisterHotKey receives, the verdicts, and a
synthetic WM_HOTKEY message fed to the native event filter. (Qt's own delivery to the filter
cannot run here: PySide's QAbstractEventDispatcher.filterNativeEvent rejects every call.)"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from askshot.platform.hotkey import Status, win32
from askshot.platform.hotkey.chord import Chord
from askshot.platform.hotkey.win32 import HOTKEY_ID, MSG, WM_HOTKEY, Win32Hotkey

MOD_ALT, MOD_CONTROL, MOD_SHIFT, MOD_WIN, MOD_NOREPEAT = 0x1, 0x2, 0x4, 0x8, 0x4000  # winuser.h
WM_KEYDOWN = 0x0100


class FakeUser32:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.accept = True

    def RegisterHotKey(self, hwnd: Any, ident: int, mods: int, vk: int) -> int:
        self.calls.append(("RegisterHotKey", hwnd, ident, mods, vk))
        return 1 if self.accept else 0

    def UnregisterHotKey(self, hwnd: Any, ident: int) -> int:
        self.calls.append(("UnregisterHotKey", hwnd, ident))
        return 1


@pytest.fixture
def user32() -> FakeUser32:
    return FakeUser32()


@pytest.fixture
def backend(qapp: QApplication, user32: FakeUser32) -> Iterator[Win32Hotkey]:
    hotkey = Win32Hotkey(user32=user32, last_error=lambda: 0)
    yield hotkey
    hotkey.close()


def message(kind: int, wparam: int) -> MSG:
    return MSG(hwnd=None, message=kind, wParam=wparam, lParam=0, time=0)


def test_bind_registers_with_norepeat_and_the_virtual_key(
    backend: Win32Hotkey, user32: FakeUser32
) -> None:
    statuses: list[Status] = []
    backend.statusChanged.connect(statuses.append)
    backend.bind(Chord.parse("Meta+Shift+A"))
    assert user32.calls == [
        ("RegisterHotKey", None, HOTKEY_ID, MOD_WIN | MOD_SHIFT | MOD_NOREPEAT, ord("A"))
    ]
    assert backend.status == Status("win32", "Meta+Shift+A", "bound", backend.status.sentence)
    assert backend.status.sentence == "Meta+Shift+A works in every application."
    assert statuses == [backend.status]


def test_bind_function_key(backend: Win32Hotkey, user32: FakeUser32) -> None:
    backend.bind(Chord.parse("Ctrl+Alt+F5"))
    assert user32.calls[-1] == (
        "RegisterHotKey",
        None,
        HOTKEY_ID,
        MOD_CONTROL | MOD_ALT | MOD_NOREPEAT,
        0x74,  # VK_F5
    )


def test_bound_ctrl_alt_letter_carries_the_altgr_warning(backend: Win32Hotkey) -> None:
    backend.bind(Chord.parse("Ctrl+Alt+Q"))
    assert backend.status.verdict == "bound"
    assert backend.status.sentence.startswith("Ctrl+Alt+Q works in every application. ")
    assert "AltGr+Q" in backend.status.sentence


def test_a_chord_another_application_holds_is_taken(qapp: QApplication) -> None:
    user32 = FakeUser32()
    user32.accept = False
    hotkey = Win32Hotkey(user32=user32, last_error=lambda: 1409)
    try:
        hotkey.bind(Chord.parse("Meta+Shift+A"))
        assert hotkey.status.verdict == "taken"
        assert hotkey.status.sentence == "Another application already uses Meta+Shift+A."
        hotkey.unbind()
        assert [c[0] for c in user32.calls] == ["RegisterHotKey"]  # nothing to unregister
    finally:
        hotkey.close()


def test_another_refusal_is_unsupported_with_the_error(qapp: QApplication) -> None:
    user32 = FakeUser32()
    user32.accept = False
    hotkey = Win32Hotkey(user32=user32, last_error=lambda: 87)
    try:
        hotkey.bind(Chord.parse("Ctrl+Shift+Space"))
        assert hotkey.status.verdict == "unsupported"
        assert "(error 87)" in hotkey.status.sentence
        assert "Ctrl+Shift+Space" in hotkey.status.sentence
    finally:
        hotkey.close()


def test_without_user32_nothing_is_bound(qapp: QApplication) -> None:
    hotkey = Win32Hotkey()  # on Linux: no user32
    try:
        hotkey.bind(Chord.parse("Meta+Shift+A"))
        assert hotkey.status.verdict == "unsupported"
    finally:
        hotkey.close()


@pytest.mark.parametrize("text", ["A", "Shift+A", "Shift+Space"])
def test_an_invalid_chord_makes_no_system_call(
    backend: Win32Hotkey, user32: FakeUser32, text: str
) -> None:
    backend.bind(Chord.parse(text))
    assert backend.status.verdict == "invalid"
    assert "needs Ctrl, Alt or Meta" in backend.status.sentence
    assert user32.calls == []


def test_rebind_unbind_and_close_release_the_key(backend: Win32Hotkey, user32: FakeUser32) -> None:
    backend.bind(Chord.parse("Meta+Shift+A"))
    backend.bind(Chord.parse("Meta+Shift+S"))
    assert [c[0] for c in user32.calls] == ["RegisterHotKey", "UnregisterHotKey", "RegisterHotKey"]
    assert user32.calls[1] == ("UnregisterHotKey", None, HOTKEY_ID)
    backend.unbind()
    assert user32.calls[-1] == ("UnregisterHotKey", None, HOTKEY_ID)
    assert backend.status.verdict == "off"
    backend.close()
    assert len(user32.calls) == 4  # released once only


def test_wm_hotkey_fires_activated(backend: Win32Hotkey, qtbot: QtBot) -> None:
    backend.bind(Chord.parse("Meta+Shift+A"))
    statuses: list[Status] = []
    backend.statusChanged.connect(statuses.append)
    msg = message(WM_HOTKEY, HOTKEY_ID)
    with qtbot.waitSignal(backend.activated, timeout=1000):
        result = backend.filter.nativeEventFilter(b"windows_dispatcher_MSG", ctypes.addressof(msg))
    assert result == (True, 0)
    assert backend.status.observed
    fired: list[bool] = []
    backend.activated.connect(lambda: fired.append(True))
    window_msg = message(WM_HOTKEY, HOTKEY_ID)  # as a window message, from a QByteArray
    result = backend.filter.nativeEventFilter(
        QByteArray(b"windows_generic_MSG"), ctypes.addressof(window_msg)
    )
    assert result == (True, 0)
    assert fired == [True]
    assert [s.observed for s in statuses] == [True]  # "observed" is announced once


@pytest.mark.parametrize(
    ("kind", "msg"),
    [
        (b"windows_dispatcher_MSG", message(WM_HOTKEY, HOTKEY_ID + 1)),  # someone else's id
        (b"windows_dispatcher_MSG", message(WM_KEYDOWN, HOTKEY_ID)),
        (b"windows_generic_MSG", message(WM_KEYDOWN, 0x41)),
    ],
)
def test_other_messages_pass_through(backend: Win32Hotkey, kind: bytes, msg: MSG) -> None:
    fired: list[bool] = []
    backend.activated.connect(lambda: fired.append(True))
    assert backend.filter.nativeEventFilter(kind, ctypes.addressof(msg)) == (False, 0)
    assert fired == []
    assert not backend.status.observed


def test_other_event_types_are_not_read_as_msg(backend: Win32Hotkey) -> None:
    fired: list[bool] = []
    backend.activated.connect(lambda: fired.append(True))
    msg = message(WM_HOTKEY, HOTKEY_ID)  # bytes that would fire if read as a MSG
    result = backend.filter.nativeEventFilter(b"xcb_generic_event_t", ctypes.addressof(msg))
    assert result == (False, 0)
    assert fired == []


def test_msg_layout_matches_winuser_h_on_64_bit() -> None:
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        pytest.skip("64-bit layout")
    assert MSG.message.offset == 8
    assert MSG.wParam.offset == 16
    assert MSG.lParam.offset == 24
    assert win32.WM_HOTKEY == 0x0312
    assert win32.ERROR_HOTKEY_ALREADY_REGISTERED == 1409
