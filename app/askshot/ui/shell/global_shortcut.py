"""The system-wide shortcut as Askshot uses it: the backend this session needs, bound from the
settings, its status for Settings and `askshot doctor`, and its activations, with a repeat or a
press during a capture already open dropped.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from askshot.core.errors import AskshotError
from askshot.core.settings import save
from askshot.platform.desktop import executable_command
from askshot.platform.hotkey import BackendName, Status, choose_backend
from askshot.platform.hotkey.backend import HotkeyBackend, create_backend
from askshot.platform.hotkey.chord import Chord
from askshot.platform.hotkey.desktop_binding import Instructions, instructions
from askshot.platform.portal import PortalBus
from askshot.ui.shell.services import Services

log = logging.getLogger("askshot.hotkey")

DEBOUNCE_S = 0.4  # two activations closer than this are one (a key bounce, a double event)


class GlobalShortcut(QObject):
    activated = Signal()
    statusChanged = Signal(object)  # Status

    def __init__(
        self,
        services: Services,
        portal: PortalBus | None = None,
        parent: QObject | None = None,
        *,
        backend: BackendName | None = None,
        make_backend: Callable[[], HotkeyBackend] | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self._portal = portal
        self.backend_name: BackendName = backend or choose_backend(
            os.environ, QGuiApplication.platformName()
        )
        self._backend: HotkeyBackend | None = None
        self._make_backend = make_backend or (
            lambda: create_backend(self.backend_name, self, self._portal)
        )
        self._last = 0.0

    @property
    def status(self) -> Status:
        if self._backend is None:
            chord = self.services.settings.hotkey
            return Status(self.backend_name, chord, "off", "The global shortcut is not set up yet.")
        return self._backend.status

    def start(self) -> None:
        """Bind the chord from the settings (none when it is empty)."""
        self.bind(self.services.settings.hotkey, keycode=self.services.settings.hotkey_keycode)

    def bind(self, text: str, keycode: int | None = None) -> Status:
        """Bind `text` ("" turns the shortcut off); the status may still change (a portal
        answers after its dialog)."""
        backend = self._ensure_backend()
        if not text.strip():
            backend.unbind()
            return backend.status
        try:
            chord = Chord.parse(text)
        except ValueError as exc:
            bad = Status(self.backend_name, text, "invalid", str(exc))
            self._on_status(bad)
            return bad
        backend.bind(chord, keycode)
        return backend.status

    def rebind(self, text: str) -> Status:
        """A new chord from Settings: bound now, and saved with its keycode when it works. A
        chord refused (taken, invalid) while another worked is not saved, and the one that
        worked is bound again: a refusal never leaves the user without their shortcut."""
        s = self.services.settings
        worked = bool(s.hotkey) and self.status.verdict == "bound"
        status = self.bind(text)
        if worked and status.verdict in ("taken", "invalid"):
            if self.status.verdict != "bound":  # the backend let it go to try the new one
                self.bind(s.hotkey, keycode=s.hotkey_keycode)
            if self.status.verdict == "bound":
                still = f"{status.sentence} {s.hotkey} still works."
                status = dataclasses.replace(status, sentence=still)
            return status
        keycode = getattr(self._backend, "keycode", None) if status.verdict == "bound" else None
        if (s.hotkey, s.hotkey_keycode) != (text, keycode):
            self.services.settings = dataclasses.replace(s, hotkey=text, hotkey_keycode=keycode)
            try:
                save(self.services.settings, self.services.paths)
            except AskshotError as exc:
                log.warning("the shortcut could not be saved: %s", exc.message)
        return status

    def instructions(self, text: str | None = None) -> Instructions | None:
        """How to bind the chord in the desktop's own settings (where Askshot cannot)."""
        try:
            chord = Chord.parse(text or self.services.settings.hotkey)
        except ValueError:
            return None
        return instructions(chord, executable_command(), os.environ)

    @property
    def activation_token(self) -> str:
        return str(getattr(self._backend, "activation_token", "") or "")

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None

    def _ensure_backend(self) -> HotkeyBackend:
        if self._backend is None:
            backend = self._make_backend()
            backend.activated.connect(self._on_activated)
            backend.statusChanged.connect(self._on_status)
            self._backend = backend
        return self._backend

    def _on_status(self, status: Status) -> None:
        seen = ", pressed" if status.observed else ""
        log.info(
            "global shortcut %s: %s (%s%s)", status.chord, status.verdict, status.backend, seen
        )
        self.statusChanged.emit(status)

    def _on_activated(self) -> None:
        now = time.monotonic()
        if now - self._last < DEBOUNCE_S:
            return
        self._last = now
        self.activated.emit()
