"""X11: a key grab on the root window, on a private X connection (libX11 through ctypes) read by
a QSocketNotifier in Qt's event loop, so no X event of Qt's own passes through Python.

The chord is grabbed once per lock state (none, CapsLock, NumLock, both: the lock masks come
from the server's modifier map), so it fires whatever the locks say. Held down, it fires once:
the server's autorepeat sends release+press pairs with one timestamp, which are dropped. When
the keyboard mapping changes (setxkbmap, a layout switch) it is grabbed again. A layout without
the chord's letter (a Cyrillic one alone) still has the keycode the chord had when it was
bound, and that is grabbed instead. A grab another client holds comes back as BadAccess:
"taken", and the variants that did succeed are let go.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import os

from PySide6.QtCore import QObject, QSocketNotifier

from askshot.platform import xlib
from askshot.platform.hotkey import BackendName, Status
from askshot.platform.hotkey.backend import HotkeyBackend
from askshot.platform.hotkey.chord import Chord

log = logging.getLogger("askshot.hotkey")


class X11Hotkey(HotkeyBackend):
    name: BackendName = "x11"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._x: ctypes.CDLL | None = None
        self._display = 0  # Display*, 0 while not connected
        self._root = 0
        self._notifier: QSocketNotifier | None = None
        self._chord: Chord | None = None
        self.keycode: int | None = None  # grabbed now; remember it with the chord
        self._mask = 0
        self._locks = 0
        self._grabbed: list[int] = []  # the modifier states grabbed
        self._down = False
        self._last_release: int | None = None
        self._event = xlib.XEvent()

    # -- the connection -----------------------------------------------------------------------

    def _connect(self) -> bool:
        if self._display:
            return True
        x = xlib.load()
        if x is None:
            log.info("no libX11 for the hotkey")
            return False
        name = os.environ.get("DISPLAY")
        display = x.XOpenDisplay(name.encode() if name else None)
        if not display:
            log.info("no X display for the hotkey (DISPLAY=%s)", name)
            return False
        xlib.errors()
        self._x, self._display = x, display
        self._root = x.XDefaultRootWindow(display)
        fd = x.XConnectionNumber(display)
        self._notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        return True

    # -- binding ------------------------------------------------------------------------------

    def bind(self, chord: Chord, keycode: int | None = None) -> None:
        self._ungrab()
        self._chord = chord
        problem = chord.problem()
        if problem is not None:
            self._set_status(Status(self.name, chord.text(), "invalid", problem))
            return
        if not self._connect():
            self._set_status(
                Status(
                    self.name,
                    chord.text(),
                    "unsupported",
                    "Askshot could not reach the X server to bind the shortcut.",
                )
            )
            return
        self._grab(chord, keycode if keycode is not None else self.keycode)

    def _keycode(self, keysym_name: str) -> int:
        x = self._x
        assert x is not None
        keysym = x.XStringToKeysym(keysym_name.encode())
        return int(x.XKeysymToKeycode(self._display, keysym)) if keysym else 0

    def _grab(self, chord: Chord, fallback_keycode: int | None) -> None:
        x, d = self._x, self._display
        assert x is not None
        keysym_name, mask = chord.x11()
        keycode = self._keycode(keysym_name) or fallback_keycode or 0
        if not keycode:
            self._set_status(
                Status(
                    self.name,
                    chord.text(),
                    "unsupported",
                    f"The current keyboard layout has no {chord.text()} key. Switch to a layout "
                    "with it once and bind the shortcut again.",
                )
            )
            return
        errors = xlib.errors()
        x.XSync(d, 0)
        errors.take()  # only what these requests cause counts
        states = [mask | extra for extra in self._lock_variants()]
        for state in states:
            x.XGrabKey(d, keycode, state, self._root, 1, xlib.GRAB_MODE_ASYNC, xlib.GRAB_MODE_ASYNC)
        x.XSync(d, 0)
        if errors.take() == xlib.BAD_ACCESS:
            for state in states:
                x.XUngrabKey(d, keycode, state, self._root)
            x.XSync(d, 0)
            errors.take()
            self._set_status(
                Status(
                    self.name,
                    chord.text(),
                    "taken",
                    f"Another application already uses {chord.text()}. Pick another shortcut.",
                )
            )
            return
        self.keycode, self._mask, self._grabbed = keycode, mask, states
        self._locks = max(states) & ~mask  # every lock bit grabbed
        self._down = False
        self._set_status(
            Status(self.name, chord.text(), "bound", f"{chord.text()} works in every application.")
        )

    def _lock_variants(self) -> list[int]:
        """Every combination of CapsLock, NumLock and ScrollLock (where mapped) masks."""
        x = self._x
        assert x is not None
        locks = [xlib.LOCK_MASK]
        mapping = xlib.modifier_keycodes(x, self._display)
        for name in ("Num_Lock", "Scroll_Lock"):
            code = self._keycode(name)
            for index, codes in enumerate(mapping):
                if code and code in codes and index > 2:  # Mod1..Mod5
                    locks.append(1 << index)
        variants = {0}
        for n in range(1, len(locks) + 1):
            for combo in itertools.combinations(locks, n):
                variants.add(sum(combo))
        return sorted(variants)

    def _ungrab(self) -> None:
        x = self._x
        if x is None or not self._display or self.keycode is None or not self._grabbed:
            return
        for state in self._grabbed:
            x.XUngrabKey(self._display, self.keycode, state, self._root)
        x.XSync(self._display, 0)
        xlib.errors().take()
        self._grabbed = []

    def unbind(self) -> None:
        self._ungrab()
        self._chord = None
        super().unbind()

    def close(self) -> None:
        self.unbind()
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._x is not None and self._display:
            self._x.XCloseDisplay(self._display)
            self._display = 0

    # -- events -------------------------------------------------------------------------------

    def _on_readable(self) -> None:
        x, d = self._x, self._display
        if x is None or not d:
            return
        # XPending reads the socket: take every event already read, or the notifier would not
        # fire again for them.
        ev = self._event
        while x.XPending(d):
            x.XNextEvent(d, ctypes.byref(ev))
            if ev.type == xlib.MAPPING_NOTIFY:
                self._on_mapping(ev.xmapping)
            elif ev.type == xlib.KEY_PRESS and self._matches(ev.xkey):
                self._on_press(int(ev.xkey.time))
            elif ev.type == xlib.KEY_RELEASE and ev.xkey.keycode == self.keycode:
                self._down = False
                self._last_release = int(ev.xkey.time)

    def _matches(self, ev: xlib.XKeyEvent) -> bool:
        state = ev.state & ~self._locks
        return bool(ev.keycode == self.keycode and state == self._mask)

    def _on_press(self, time: int) -> None:
        repeat = self._down or time == self._last_release  # held: a release+press pair
        self._down = True
        if not repeat:
            self._fire()

    def _on_mapping(self, ev: xlib.XMappingEvent) -> None:
        assert self._x is not None
        self._x.XRefreshKeyboardMapping(ctypes.byref(ev))
        if self._chord is not None and self._status.verdict == "bound":
            keycode = self.keycode
            observed = self._status.observed
            self._ungrab()
            self._grab(self._chord, keycode)
            if observed and self._status.verdict == "bound":
                self._set_status(self._status.fired())
