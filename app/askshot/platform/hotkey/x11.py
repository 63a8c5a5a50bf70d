"""X11: a key grab on the root window, on a private X connection (python-xlib) read by a
QSocketNotifier in Qt's event loop, so no X event of Qt's own passes through Python.

The chord is grabbed once per lock state (none, CapsLock, NumLock, both: the lock masks come
from the server's modifier map), so it fires whatever the locks say. Held down, it fires once:
the server's autorepeat sends release+press pairs with one timestamp, which are dropped. When
the keyboard mapping changes (setxkbmap, a layout switch) it is grabbed again. A layout without
the chord's letter (a Cyrillic one alone) still has the keycode the chord had when it was
bound, and that is grabbed instead. A grab another client holds comes back as BadAccess:
"taken", and the variants that did succeed are let go.
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSocketNotifier

from askshot.platform.hotkey import BackendName, Status
from askshot.platform.hotkey.backend import HotkeyBackend
from askshot.platform.hotkey.chord import Chord

if TYPE_CHECKING:
    from Xlib.display import Display
    from Xlib.protocol.event import KeyPress, MappingNotify

log = logging.getLogger("askshot.hotkey")


class X11Hotkey(HotkeyBackend):
    name: BackendName = "x11"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._display: Display | None = None
        self._notifier: QSocketNotifier | None = None
        self._chord: Chord | None = None
        self.keycode: int | None = None  # grabbed now; remember it with the chord
        self._mask = 0
        self._locks = 0
        self._grabbed: list[int] = []  # the modifier states grabbed
        self._down = False
        self._last_release: int | None = None

    # -- the connection -----------------------------------------------------------------------

    def _connect(self) -> Display | None:
        if self._display is not None:
            return self._display
        try:
            from Xlib import display as xdisplay
            from Xlib import error as xerror
        except ImportError:
            self._set_status(
                Status(
                    self.name,
                    self._chord.text() if self._chord else "",
                    "unsupported",
                    "The global shortcut needs the python-xlib package: pip install python-xlib.",
                )
            )
            return None
        try:
            d = xdisplay.Display(os.environ.get("DISPLAY"))
        except (xerror.DisplayError, OSError) as exc:
            log.info("no X display for the hotkey: %s", exc)
            return None
        self._display = d
        self._notifier = QSocketNotifier(d.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        return d

    # -- binding ------------------------------------------------------------------------------

    def bind(self, chord: Chord, keycode: int | None = None) -> None:
        self._ungrab()
        self._chord = chord
        problem = chord.problem()
        if problem is not None:
            self._set_status(Status(self.name, chord.text(), "invalid", problem))
            return
        d = self._connect()
        if d is None:
            if self._status.verdict != "unsupported":
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

    def _grab(self, chord: Chord, fallback_keycode: int | None) -> None:
        from Xlib import XK, X
        from Xlib import error as xerror

        d = self._display
        assert d is not None
        keysym_name, mask = chord.x11()
        keysym = XK.string_to_keysym(keysym_name)
        keycode = d.keysym_to_keycode(keysym) if keysym else 0
        if not keycode:
            keycode = fallback_keycode or 0
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
        root = d.screen().root
        caught = xerror.CatchError(xerror.BadAccess)
        states = [mask | extra for extra in self._lock_variants()]
        for state in states:
            root.grab_key(keycode, state, True, X.GrabModeAsync, X.GrabModeAsync, onerror=caught)
        d.sync()
        if caught.get_error() is not None:
            for state in states:
                root.ungrab_key(keycode, state)
            d.sync()
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
        from Xlib import XK, X

        d = self._display
        assert d is not None
        locks = [X.LockMask]
        mapping = d.get_modifier_mapping()
        for name in ("Num_Lock", "Scroll_Lock"):
            code = d.keysym_to_keycode(XK.string_to_keysym(name))
            for index, codes in enumerate(mapping):
                if code and code in codes and index > 2:  # Mod1..Mod5
                    locks.append(1 << index)
        variants = {0}
        for n in range(1, len(locks) + 1):
            for combo in itertools.combinations(locks, n):
                variants.add(sum(combo))
        return sorted(variants)

    def _ungrab(self) -> None:
        d = self._display
        if d is None or self.keycode is None or not self._grabbed:
            return
        root = d.screen().root
        for state in self._grabbed:
            root.ungrab_key(self.keycode, state)
        d.sync()
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
        if self._display is not None:
            self._display.close()
            self._display = None

    # -- events -------------------------------------------------------------------------------

    def _on_readable(self) -> None:
        from Xlib.protocol import event as xevent

        d = self._display
        if d is None:
            return
        # Xlib reads several events at once: take every one already read, or the notifier
        # would not fire again for them.
        while d.pending_events():
            ev = d.next_event()
            if isinstance(ev, xevent.MappingNotify):
                self._on_mapping(ev)
            elif isinstance(ev, xevent.KeyPress) and self._matches(ev):
                self._on_press(ev.time)
            elif isinstance(ev, xevent.KeyRelease) and ev.detail == self.keycode:
                self._down = False
                self._last_release = ev.time

    def _matches(self, ev: KeyPress) -> bool:
        state = ev.state & ~self._locks
        return bool(ev.detail == self.keycode and state == self._mask)

    def _on_press(self, time: int) -> None:
        repeat = self._down or time == self._last_release  # held: a release+press pair
        self._down = True
        if not repeat:
            self._fire()

    def _on_mapping(self, ev: MappingNotify) -> None:
        d = self._display
        assert d is not None
        d.refresh_keyboard_mapping(ev)
        if self._chord is not None and self._status.verdict == "bound":
            keycode = self.keycode
            observed = self._status.observed
            self._ungrab()
            self._grab(self._chord, keycode)
            if observed and self._status.verdict == "bound":
                self._set_status(self._status.fired())
