"""The backend for a session where Askshot cannot bind a key itself: it binds nothing and says
how to bind `askshot --capture` in the desktop's own settings (desktop_binding)."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject

from askshot.platform.desktop import executable_command
from askshot.platform.hotkey import BackendName, Status
from askshot.platform.hotkey.backend import HotkeyBackend
from askshot.platform.hotkey.chord import Chord
from askshot.platform.hotkey.desktop_binding import Instructions, instructions


class ManualHotkey(HotkeyBackend):
    name: BackendName = "none"

    def __init__(self, parent: QObject | None = None, reason: str = "") -> None:
        super().__init__(parent)
        self.reason = reason or "This desktop does not let applications bind a global shortcut."
        self.instructions: Instructions | None = None

    def bind(self, chord: Chord, keycode: int | None = None) -> None:
        self.instructions = instructions(chord, executable_command(), os.environ)
        where = self.instructions.desktop
        self._set_status(
            Status(
                self.name,
                chord.text(),
                "unsupported",
                f"{self.reason} Bind {chord.text()} to Askshot in {where} instead: "
                f"{self.instructions.steps}",
            )
        )
