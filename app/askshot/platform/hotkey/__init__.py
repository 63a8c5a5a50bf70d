"""The system-wide shortcut: one small interface, one backend per system, chosen by session.

    X11 session        x11      a key grab on a private X connection
    Wayland session    portal   the xdg-desktop-portal GlobalShortcuts interface
    Windows            win32    RegisterHotKey
    macOS              carbon   RegisterEventHotKey (no Accessibility permission needed)
    anything else      none     "bind it in your desktop": generated commands (desktop_binding)

A backend says what happened in a `Status`: bound, taken by another application, not possible
here (with what to do instead), or an invalid chord. A grab that succeeded is "bound"; the status
also records once the shortcut has really fired (`observed`), which is what `askshot doctor`
reports: a registration result alone is never proof (on XWayland a grab "succeeds" and never
fires).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

BackendName = Literal["x11", "portal", "win32", "carbon", "none"]
Verdict = Literal["bound", "waiting", "taken", "unsupported", "invalid", "off"]


@dataclass(frozen=True)
class Status:
    backend: BackendName
    chord: str  # Qt's portable text, "" when off
    verdict: Verdict
    sentence: str  # what to tell the user (Settings, doctor)
    observed: bool = False  # the shortcut has fired at least once

    def fired(self) -> Status:
        return replace(self, observed=True)


def session_kind(env: Mapping[str, str], platform_name: str = "") -> str:
    """ "x11", "wayland" or "" for a Linux/BSD session, from the environment and Qt's platform."""
    if env.get("XDG_SESSION_TYPE", "") == "wayland" or env.get("WAYLAND_DISPLAY"):
        return "wayland"
    if platform_name.startswith("wayland"):
        return "wayland"
    if platform_name == "xcb" or env.get("DISPLAY") or env.get("XDG_SESSION_TYPE") == "x11":
        return "x11"
    return ""


def choose_backend(
    env: Mapping[str, str], platform_name: str = "", system: str = sys.platform
) -> BackendName:
    """Which backend this session needs. XWayland grabs are never a Wayland answer: the
    compositor feeds X11 clients keys only while one of their windows has the focus."""
    if system == "win32":
        return "win32"
    if system == "darwin":
        return "carbon"
    kind = session_kind(env, platform_name)
    if kind == "wayland":
        return "portal"
    if kind == "x11":
        return "x11"
    return "none"
