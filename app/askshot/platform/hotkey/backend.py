"""The one interface every shortcut backend implements, and the factory that loads a backend's
module only when that backend is chosen."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from askshot.platform.hotkey import BackendName, Status
from askshot.platform.hotkey.chord import Chord

if TYPE_CHECKING:
    from askshot.platform.portal import PortalBus

log = logging.getLogger("askshot.hotkey")


class HotkeyBackend(QObject):
    """Bind one chord; `activated` fires each time it is pressed (autorepeat already removed);
    `statusChanged(Status)` whenever the verdict changes (a portal answers later)."""

    activated = Signal()
    statusChanged = Signal(object)

    name: BackendName = "none"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status = Status(self.name, "", "off", "No global shortcut is set.")

    @property
    def status(self) -> Status:
        return self._status

    def _set_status(self, status: Status) -> None:
        self._status = status
        self.statusChanged.emit(status)

    def _fire(self) -> None:
        log.debug("global shortcut pressed")
        if not self._status.observed:
            self._set_status(self._status.fired())
        self.activated.emit()

    def bind(self, chord: Chord, keycode: int | None = None) -> None:
        """Bind `chord` (on X11, `keycode` is the key it had when it was chosen: the fallback
        for a layout without the chord's letter). The result comes as `statusChanged`."""
        raise NotImplementedError

    def unbind(self) -> None:
        self._set_status(Status(self.name, "", "off", "No global shortcut is set."))

    def close(self) -> None:
        self.unbind()


def create_backend(
    name: BackendName, parent: QObject | None = None, portal: PortalBus | None = None
) -> HotkeyBackend:
    """A backend by name (the module behind it loads only here); the portal backend uses the
    shared `portal` connection when given."""
    if name == "x11":
        from askshot.platform.hotkey.x11 import X11Hotkey

        return X11Hotkey(parent)
    if name == "portal":
        from askshot.platform.hotkey.portal import PortalHotkey

        return PortalHotkey(parent, portal)
    if name == "win32":
        from askshot.platform.hotkey.win32 import Win32Hotkey

        return Win32Hotkey(parent)
    if name == "carbon":
        from askshot.platform.hotkey.carbon import CarbonHotkey

        return CarbonHotkey(parent)
    from askshot.platform.hotkey.manual import ManualHotkey

    return ManualHotkey(parent)
