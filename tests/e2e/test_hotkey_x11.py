"""The X11 global shortcut on a real X server (Xvfb), pressed with xdotool from outside: it fires
whatever the lock keys say, once while held, again after the layout changes (also to a layout
without its letter), and says "taken" when another client holds the grab."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from askshot.platform.hotkey import Status
from askshot.platform.hotkey.chord import Chord
from askshot.platform.hotkey.x11 import X11Hotkey
from tests.e2e.xserver import XServer, xserver  # noqa: F401 - fixture

pytestmark = pytest.mark.x11


@pytest.fixture
def display(xserver: XServer, monkeypatch: pytest.MonkeyPatch) -> XServer:  # noqa: F811
    monkeypatch.setenv("DISPLAY", xserver.display)
    return xserver


@pytest.fixture
def hotkey(qtbot: QtBot, display: XServer) -> Iterator[X11Hotkey]:
    backend = X11Hotkey()
    yield backend
    backend.close()


def press(x: XServer, *keys: str) -> None:
    x.xdotool("key", "--clearmodifiers", *keys)


def count(hotkey: X11Hotkey) -> list[int]:
    fired: list[int] = []
    hotkey.activated.connect(lambda: fired.append(1))
    return fired


def settle(ms: int = 300) -> None:
    deadline = time.monotonic() + ms / 1000
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def test_the_chord_fires_from_outside_and_others_do_not(
    qtbot: QtBot, display: XServer, hotkey: X11Hotkey
) -> None:
    hotkey.bind(Chord.parse("Meta+Shift+A"))
    assert hotkey.status.verdict == "bound", hotkey.status.sentence
    assert not hotkey.status.observed
    fired = count(hotkey)
    with qtbot.waitSignal(hotkey.activated, timeout=5000):
        press(display, "super+shift+a")
    press(display, "shift+a")
    press(display, "super+a")
    press(display, "ctrl+shift+a")
    settle()
    assert fired == [1]
    assert hotkey.status.observed  # it has fired: now doctor can say so


def test_it_fires_with_caps_lock_and_num_lock_on(
    qtbot: QtBot, display: XServer, hotkey: X11Hotkey
) -> None:
    hotkey.bind(Chord.parse("Ctrl+Alt+K"))
    fired = count(hotkey)
    for lock in ("Caps_Lock", "Num_Lock"):
        press(display, lock)  # on
        with qtbot.waitSignal(hotkey.activated, timeout=5000):
            press(display, "ctrl+alt+k")
    press(display, "Caps_Lock")
    with qtbot.waitSignal(hotkey.activated, timeout=5000):
        press(display, "ctrl+alt+k")  # NumLock alone still on
    press(display, "Num_Lock")
    assert len(fired) == 3


def test_held_down_it_fires_once(qtbot: QtBot, display: XServer, hotkey: X11Hotkey) -> None:
    hotkey.bind(Chord.parse("Meta+Shift+A"))
    fired = count(hotkey)
    display.xdotool("keydown", "super+shift+a")
    time.sleep(1.2)  # the server's autorepeat: release+press pairs
    display.xdotool("keyup", "a")
    display.xdotool("keyup", "super+shift")
    settle(400)
    assert fired == [1]
    with qtbot.waitSignal(hotkey.activated, timeout=5000):
        press(display, "super+shift+a")  # a new press fires again
    assert fired == [1, 1]


def remap(env: dict[str, str], changes: dict[str, str]) -> None:
    """Change the server's keyboard mapping as a layout switch does (every keycode that gives
    keysym X gives changes[X] instead); the server then sends every client MappingNotify."""
    from Xlib import XK, display

    XK.load_keysym_group("cyrillic")
    d = display.Display(env["DISPLAY"])
    try:
        first = d.display.info.min_keycode
        count = d.display.info.max_keycode - first + 1
        rows = [list(row) for row in d.get_keyboard_mapping(first, count)]
        codes = {XK.string_to_keysym(k): XK.string_to_keysym(v) for k, v in changes.items()}
        rows = [[codes.get(sym, sym) for sym in row] for row in rows]
        d.change_keyboard_mapping(first, rows)
        d.sync()
    finally:
        d.close()


def test_after_a_layout_change_it_still_fires_also_without_its_letter(
    qtbot: QtBot, display: XServer, hotkey: X11Hotkey
) -> None:
    env = display.env()
    hotkey.bind(Chord.parse("Meta+Shift+A"))
    keycode = hotkey.keycode
    assert keycode
    # "a" moves to another key (as between QWERTY and AZERTY): grabbed again where it is now
    remap(env, {"a": "q", "A": "Q", "q": "a", "Q": "A"})
    qtbot.waitUntil(lambda: hotkey.keycode != keycode, timeout=5000)
    with qtbot.waitSignal(hotkey.activated, timeout=5000):
        press(display, "super+shift+a")
    moved = hotkey.keycode
    # A layout without "a" at all (Cyrillic alone): the keycode the chord had stays grabbed
    remap(env, {"a": "Cyrillic_ef", "A": "Cyrillic_EF"})
    settle(300)
    assert hotkey.status.verdict == "bound", hotkey.status.sentence
    assert hotkey.keycode == moved
    with qtbot.waitSignal(hotkey.activated, timeout=5000):
        press(display, "super+shift+Cyrillic_ef")


GRABBER = r"""
import sys, time
from Xlib import X, XK, display
d = display.Display()
root = d.screen().root
code = d.keysym_to_keycode(XK.string_to_keysym("a"))
for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):
    root.grab_key(code, X.ShiftMask | X.Mod4Mask | extra, True, X.GrabModeAsync, X.GrabModeAsync)
d.sync()
print("grabbed", flush=True)
sys.stdin.readline()
"""


def test_a_chord_another_client_holds_is_taken_and_can_be_bound_later(
    qtbot: QtBot, display: XServer, hotkey: X11Hotkey
) -> None:
    other = subprocess.Popen(
        [sys.executable, "-c", GRABBER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=display.env(),
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "grabbed"
        statuses: list[Status] = []
        hotkey.statusChanged.connect(statuses.append)
        hotkey.bind(Chord.parse("Meta+Shift+A"))
        assert hotkey.status.verdict == "taken"
        assert "Another application" in hotkey.status.sentence
        assert statuses[-1].verdict == "taken"
        # nothing of ours was left grabbed: another chord binds fine meanwhile
        hotkey.bind(Chord.parse("Meta+Shift+B"))
        assert hotkey.status.verdict == "bound"
    finally:
        other.kill()
        other.communicate()
    settle(200)
    hotkey.bind(Chord.parse("Meta+Shift+A"))  # the other client is gone: now it is ours
    assert hotkey.status.verdict == "bound"
    with qtbot.waitSignal(hotkey.activated, timeout=5000):
        press(display, "super+shift+a")


def test_unbound_it_never_fires(qtbot: QtBot, display: XServer, hotkey: X11Hotkey) -> None:
    hotkey.bind(Chord.parse("Meta+Shift+A"))
    fired = count(hotkey)
    hotkey.unbind()
    assert hotkey.status.verdict == "off"
    press(display, "super+shift+a")
    settle()
    assert fired == []


def test_a_chord_without_a_modifier_is_refused_before_any_grab(hotkey: X11Hotkey) -> None:
    hotkey.bind(Chord.parse("A"))
    assert hotkey.status.verdict == "invalid"
    assert hotkey.keycode is None
