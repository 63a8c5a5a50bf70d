"""Wayland: the xdg-desktop-portal GlobalShortcuts interface (KDE Plasma 5.27+, GNOME 48+,
Hyprland), on the shared, registered PortalBus.

Sessions follow the spec's rules: list first and bind only what is missing (so a restart shows
no dialog), bind a session once, and take the trigger the desktop chose (it may differ from the
preferred one, or be left for the user to set in the desktop's settings). Where the portal or
the interface is missing, or the desktop refuses, the manual instructions take over.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject

from askshot import APP_ID
from askshot.platform.hotkey import BackendName, Status
from askshot.platform.hotkey.chord import Chord
from askshot.platform.hotkey.manual import ManualHotkey
from askshot.platform.portal import PortalBus, PortalError, variant_value

log = logging.getLogger("askshot.hotkey")

INTERFACE = "org.freedesktop.portal.GlobalShortcuts"
SHORTCUT_ID = "capture"


class PortalHotkey(ManualHotkey):
    name: BackendName = "portal"

    def __init__(self, parent: QObject | None = None, bus: PortalBus | None = None) -> None:
        super().__init__(parent)
        self._owns_bus = bus is None
        self._bus = bus if bus is not None else PortalBus(APP_ID, parent=self)
        self._session: str | None = None
        self._chord: Chord | None = None
        self.version = 0
        self.activation_token = ""  # the token of the last activation (raise a window with it)
        self._subscribed = False

    def bind(self, chord: Chord, keycode: int | None = None) -> None:
        self._chord = chord
        problem = chord.problem()
        if problem is not None:
            self._set_status(Status(self.name, chord.text(), "invalid", problem))
            return
        if not self._bus.open():
            self._fallback(chord, "No desktop portal answers on this session.")
            return
        version = self._bus.get_property(INTERFACE, "version")
        if version is None:
            self._fallback(chord, "This desktop's portal has no global shortcuts.")
            return
        self.version = int(version)
        if not self._subscribed:
            self._bus.on_signal(INTERFACE, "Activated", self._on_activated)
            self._subscribed = True
        if self._session is not None and self._status.verdict == "bound":
            self._reconfigure(chord)
            return
        self._set_status(
            Status(self.name, chord.text(), "waiting", "Asking the desktop for the shortcut…")
        )
        try:
            self._bus.request(
                INTERFACE,
                "CreateSession",
                "a{sv}",
                lambda token: (
                    {
                        "handle_token": ("s", token),
                        "session_handle_token": ("s", "askshot"),
                    },
                ),
                self._on_session,
            )
        except (PortalError, TimeoutError) as exc:
            self._refused(chord, exc)

    def _fallback(self, chord: Chord, reason: str) -> None:
        self.reason = reason
        super().bind(chord)

    def _refused(self, chord: Chord, exc: BaseException) -> None:
        text = exc.text if isinstance(exc, PortalError) else str(exc)
        log.info("the portal refused global shortcuts: %s", exc)
        registration = self._bus.registration_error
        why = f"The desktop refused the global shortcut ({text})."
        if registration:
            why += (
                f" Registering as {APP_ID} failed: {registration}. Run `askshot desktop install`."
            )
        self._fallback(chord, why)

    def _on_session(self, code: int, results: dict[str, Any]) -> None:
        chord = self._chord
        if chord is None:
            return
        if code != 0:
            self._fallback(chord, "The desktop did not open a shortcut session.")
            return
        self._session = str(variant_value(results.get("session_handle", "")))
        try:
            self._bus.request(
                INTERFACE,
                "ListShortcuts",
                "oa{sv}",
                lambda token: (self._session, {"handle_token": ("s", token)}),
                self._on_listed,
            )
        except (PortalError, TimeoutError) as exc:
            self._refused(chord, exc)

    def _on_listed(self, code: int, results: dict[str, Any]) -> None:
        chord = self._chord
        if chord is None:
            return
        found = self._trigger(results) if code == 0 else None
        if found is not None:  # bound in an earlier session: no dialog this time
            self._bound(found)
            return
        try:
            self._bus.request(
                INTERFACE,
                "BindShortcuts",
                "oa(sa{sv})sa{sv}",
                lambda token: (
                    self._session,
                    [
                        (
                            SHORTCUT_ID,
                            {
                                "description": ("s", "Capture and ask"),
                                "preferred_trigger": ("s", chord.xdg_trigger()),
                            },
                        )
                    ],
                    "",
                    {"handle_token": ("s", token)},
                ),
                self._on_bound,
            )
        except (PortalError, TimeoutError) as exc:
            self._refused(chord, exc)

    def _on_bound(self, code: int, results: dict[str, Any]) -> None:
        chord = self._chord
        if chord is None:
            return
        if code == 1:
            self._set_status(
                Status(
                    self.name,
                    chord.text(),
                    "off",
                    "The shortcut was declined in the desktop's dialog. Bind it again here, or "
                    "set it in the desktop's settings.",
                )
            )
            return
        found = self._trigger(results) if code == 0 else None
        if found is None:
            self._fallback(chord, "The desktop did not bind the shortcut.")
            return
        self._bound(found)

    def _trigger(self, results: dict[str, Any]) -> str | None:
        """The trigger the desktop gave our shortcut ("" when it left it to the user), or None
        when ours is not among the results."""
        for shortcut_id, props in variant_value(results.get("shortcuts", [])) or []:
            if shortcut_id == SHORTCUT_ID:
                value = variant_value(dict(props).get("trigger_description", ""))
                return str(value or "")
        return None

    def _bound(self, trigger: str) -> None:
        chord = self._chord
        assert chord is not None
        shown = trigger or chord.text()
        sentence = (
            f"The desktop bound the shortcut to {shown}."
            if trigger
            else "The desktop keeps the shortcut; choose its keys in the desktop's settings."
        )
        self._set_status(Status(self.name, shown, "bound", sentence))

    def _reconfigure(self, chord: Chord) -> None:
        """A session binds once: a new chord is set in the desktop's own settings (opened for
        the user where the portal can, version 2)."""
        if self.version >= 2 and self._session is not None:
            try:
                self._bus.call(INTERFACE, "ConfigureShortcuts", "osa{sv}", (self._session, "", {}))
            except (PortalError, TimeoutError) as exc:
                log.info("ConfigureShortcuts failed: %s", exc)
        self._set_status(
            Status(
                self.name,
                self._status.chord,
                "bound",
                "The desktop owns this shortcut: change its keys in the desktop's settings "
                f"(to {chord.text()}).",
                observed=self._status.observed,
            )
        )

    def _on_activated(self, body: tuple[Any, ...]) -> None:
        session, shortcut_id = str(body[0]), str(body[1])
        if session != self._session or shortcut_id != SHORTCUT_ID:
            return
        options = dict(body[3]) if len(body) > 3 else {}
        self.activation_token = str(variant_value(options.get("activation_token", "")) or "")
        self._fire()

    def unbind(self) -> None:
        self._chord = None
        super().unbind()

    def close(self) -> None:
        if self._session is not None:
            self._bus.send(self._session, "org.freedesktop.portal.Session", "Close")
            self._session = None
        if self._owns_bus:
            self._bus.close()
        super().close()
