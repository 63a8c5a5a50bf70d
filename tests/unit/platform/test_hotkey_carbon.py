"""The macOS backend through a fake Carbon: the handler it installs, what RegisterEventHotKey
receives, the verdicts, and the stored handler called the way Carbon calls it."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from askshot.platform.hotkey import Status
from askshot.platform.hotkey.carbon import (
    HOTKEY_ID,
    SIGNATURE,
    CarbonHotkey,
    EventHotKeyID,
    EventTypeSpec,
)
from askshot.platform.hotkey.chord import Chord

# Carbon's constants, spelled out here: four-char codes and Events.h modifier bits.
K_EVENT_CLASS_KEYBOARD = int.from_bytes(b"keyb", "big")
K_EVENT_HOT_KEY_PRESSED = 5
K_EVENT_PARAM_DIRECT_OBJECT = int.from_bytes(b"----", "big")
TYPE_EVENT_HOT_KEY_ID = int.from_bytes(b"hkid", "big")
CMD_KEY, SHIFT_KEY, OPTION_KEY, CONTROL_KEY = 1 << 8, 1 << 9, 1 << 11, 1 << 12
EVENT_HOT_KEY_EXISTS_ERR = -9878
EVENT_NOT_HANDLED_ERR = -9874

# Beyond 32 bits, as real pointers on a 64-bit Mac are: a pointer passed as a bare Python int
# would reach C as a 32-bit int.
TARGET = 0x7F00_1234_5678
HOTKEY_REF = 0x6000_0000_ABC0
EVENT = 0x6000_0000_BEE0


def pointer_value(arg: Any) -> int | None:
    assert isinstance(arg, ctypes.c_void_p), f"{arg!r} is not passed as a pointer"
    return arg.value


class FakeCarbon:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.handler: Any = None
        self.install_status = 0
        self.register_status = 0
        self.event_param_status = 0
        self.pressed = EventHotKeyID(SIGNATURE, HOTKEY_ID)

    def GetApplicationEventTarget(self) -> int:
        return TARGET

    def InstallEventHandler(
        self, target: Any, handler: Any, count: int, specs: Any, data: Any, out: Any
    ) -> int:
        spec = ctypes.cast(specs, ctypes.POINTER(EventTypeSpec)).contents
        self.calls.append(
            ("InstallEventHandler", pointer_value(target), count, spec.eventClass, spec.eventKind)
        )
        self.handler = handler
        return self.install_status

    def RegisterEventHotKey(
        self, code: int, mods: int, ident: EventHotKeyID, target: Any, options: int, out: Any
    ) -> int:
        self.calls.append(
            (
                "RegisterEventHotKey",
                code,
                mods,
                ident.signature,
                ident.id,
                pointer_value(target),
                options,
            )
        )
        if self.register_status == 0:
            ctypes.cast(out, ctypes.POINTER(ctypes.c_void_p)).contents.value = HOTKEY_REF
        return self.register_status

    def UnregisterEventHotKey(self, ref: Any) -> int:
        self.calls.append(("UnregisterEventHotKey", pointer_value(ref)))
        return 0

    def GetEventParameter(
        self,
        event: Any,
        name: int,
        kind: int,
        out_kind: Any,
        size: int,
        out_size: Any,
        out: Any,
    ) -> int:
        self.calls.append(("GetEventParameter", pointer_value(event), name, kind, size))
        if self.event_param_status == 0:
            assert size == ctypes.sizeof(EventHotKeyID)
            address = ctypes.cast(out, ctypes.c_void_p).value
            assert address is not None
            ctypes.memmove(address, ctypes.addressof(self.pressed), size)
        return self.event_param_status

    def press(self) -> int:
        """What Carbon does on kEventHotKeyPressed: call the handler with (next, event, data)."""
        assert self.handler is not None, "no handler installed"
        return int(self.handler(None, EVENT, None))


@pytest.fixture
def carbon() -> FakeCarbon:
    return FakeCarbon()


@pytest.fixture
def backend(qapp: QApplication, carbon: FakeCarbon) -> Iterator[CarbonHotkey]:
    hotkey = CarbonHotkey(carbon=carbon)
    yield hotkey
    hotkey.close()


def test_bind_installs_the_handler_once_and_registers(
    backend: CarbonHotkey, carbon: FakeCarbon
) -> None:
    statuses: list[Status] = []
    backend.statusChanged.connect(statuses.append)
    backend.bind(Chord.parse("Ctrl+Shift+A"))  # ⌘⇧A
    assert carbon.calls == [
        ("InstallEventHandler", TARGET, 1, K_EVENT_CLASS_KEYBOARD, K_EVENT_HOT_KEY_PRESSED),
        ("RegisterEventHotKey", 0x00, CMD_KEY | SHIFT_KEY, SIGNATURE, HOTKEY_ID, TARGET, 0),
    ]
    assert int.from_bytes(b"AskS", "big") == SIGNATURE
    assert backend.status.verdict == "bound"
    assert backend.status.sentence == "Ctrl+Shift+A works in every application."
    assert statuses == [backend.status]

    backend.bind(Chord.parse("Meta+Alt+Space"))  # ⌃⌥Space
    assert carbon.calls[2:] == [
        ("UnregisterEventHotKey", HOTKEY_REF),
        ("RegisterEventHotKey", 0x31, CONTROL_KEY | OPTION_KEY, SIGNATURE, HOTKEY_ID, TARGET, 0),
    ]


def test_unbind_releases_the_registered_key_once(backend: CarbonHotkey, carbon: FakeCarbon) -> None:
    backend.bind(Chord.parse("Ctrl+F13"))
    assert carbon.calls[-1][1] == 0x69  # kVK_F13
    backend.unbind()
    assert carbon.calls[-1] == ("UnregisterEventHotKey", HOTKEY_REF)
    assert backend.status.verdict == "off"
    backend.unbind()
    assert [c[0] for c in carbon.calls].count("UnregisterEventHotKey") == 1


def test_a_chord_another_application_holds_is_taken(
    backend: CarbonHotkey, carbon: FakeCarbon
) -> None:
    carbon.register_status = EVENT_HOT_KEY_EXISTS_ERR
    backend.bind(Chord.parse("Ctrl+Shift+A"))
    assert backend.status.verdict == "taken"
    assert backend.status.sentence == "Another application already uses Ctrl+Shift+A."
    backend.unbind()
    assert "UnregisterEventHotKey" not in [c[0] for c in carbon.calls]


def test_another_refusal_is_unsupported_with_the_status(
    backend: CarbonHotkey, carbon: FakeCarbon
) -> None:
    carbon.register_status = -50  # paramErr
    backend.bind(Chord.parse("Ctrl+Shift+A"))
    assert backend.status.verdict == "unsupported"
    assert backend.status.sentence == "macOS refused Ctrl+Shift+A (status -50)."


def test_no_handler_no_registration(backend: CarbonHotkey, carbon: FakeCarbon) -> None:
    carbon.install_status = -1
    backend.bind(Chord.parse("Ctrl+Shift+A"))
    assert backend.status.verdict == "unsupported"
    assert backend.status.sentence == "Carbon hot keys are unavailable."
    assert [c[0] for c in carbon.calls] == ["InstallEventHandler"]


def test_without_carbon_nothing_is_bound(qapp: QApplication) -> None:
    hotkey = CarbonHotkey()  # on Linux: no Carbon
    try:
        hotkey.bind(Chord.parse("Ctrl+Shift+A"))
        assert hotkey.status.verdict == "unsupported"
    finally:
        hotkey.close()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("A", "needs Ctrl, Alt or Meta"),
        ("Shift+A", "needs Ctrl, Alt or Meta"),
        ("Alt+A", "macOS 15 needs ⌘ or ⌃"),
        ("Alt+Shift+A", "macOS 15 needs ⌘ or ⌃"),
        ("Ctrl+Print", "macOS cannot bind Ctrl+Print."),
        ("Meta+F24", "macOS cannot bind Meta+F24."),
    ],
)
def test_an_invalid_chord_makes_no_system_call(
    backend: CarbonHotkey, carbon: FakeCarbon, text: str, says: str
) -> None:
    backend.bind(Chord.parse(text))
    assert backend.status.verdict == "invalid"
    assert says in backend.status.sentence
    assert carbon.calls == []


def test_the_pressed_hot_key_fires_activated(
    backend: CarbonHotkey, carbon: FakeCarbon, qtbot: QtBot
) -> None:
    backend.bind(Chord.parse("Ctrl+Shift+A"))
    with qtbot.waitSignal(backend.activated, timeout=1000):
        assert carbon.press() == 0
    assert carbon.calls[-1] == (
        "GetEventParameter",
        EVENT,
        K_EVENT_PARAM_DIRECT_OBJECT,
        TYPE_EVENT_HOT_KEY_ID,
        ctypes.sizeof(EventHotKeyID),
    )
    assert backend.status.observed
    with qtbot.waitSignal(backend.activated, timeout=1000):
        carbon.press()


def test_activation_waits_for_the_next_turn_of_the_loop(
    backend: CarbonHotkey, carbon: FakeCarbon, qtbot: QtBot
) -> None:
    backend.bind(Chord.parse("Ctrl+Shift+A"))
    fired: list[bool] = []
    backend.activated.connect(lambda: fired.append(True))
    carbon.press()
    assert fired == []  # not inside Carbon's callback
    qtbot.waitUntil(lambda: fired == [True], timeout=1000)


@pytest.mark.parametrize(
    ("signature", "ident", "status"),
    [
        (int.from_bytes(b"Othr", "big"), HOTKEY_ID, 0),
        (SIGNATURE, HOTKEY_ID + 1, 0),
        (SIGNATURE, HOTKEY_ID, EVENT_NOT_HANDLED_ERR),
    ],
)
def test_other_hot_keys_do_not_fire(
    backend: CarbonHotkey,
    carbon: FakeCarbon,
    qtbot: QtBot,
    signature: int,
    ident: int,
    status: int,
) -> None:
    backend.bind(Chord.parse("Ctrl+Shift+A"))
    carbon.pressed = EventHotKeyID(signature, ident)
    carbon.event_param_status = status
    with qtbot.assertNotEmitted(backend.activated, wait=50):
        carbon.press()
    assert not backend.status.observed
