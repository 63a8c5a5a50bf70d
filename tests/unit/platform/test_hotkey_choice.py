"""Which shortcut backend a session gets."""

from __future__ import annotations

import pytest

from askshot.platform.hotkey import Status, choose_backend, session_kind

WAYLAND = {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}


@pytest.mark.parametrize(
    ("env", "platform_name", "system", "kind", "backend"),
    [
        # Windows and macOS whatever the environment says
        ({}, "", "win32", "", "win32"),
        (WAYLAND, "windows", "win32", "wayland", "win32"),
        ({}, "", "darwin", "", "carbon"),
        ({"DISPLAY": ":0"}, "cocoa", "darwin", "x11", "carbon"),
        # Wayland, even with XWayland's DISPLAY or Qt on xcb
        (WAYLAND, "", "linux", "wayland", "portal"),
        ({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}, "", "linux", "wayland", "portal"),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "xcb", "linux", "wayland", "portal"),
        ({"WAYLAND_DISPLAY": "wayland-1"}, "", "linux", "wayland", "portal"),
        ({}, "wayland", "linux", "wayland", "portal"),
        ({}, "wayland-egl", "linux", "wayland", "portal"),
        ({"XDG_SESSION_TYPE": "wayland"}, "", "freebsd14", "wayland", "portal"),
        # X11
        ({"DISPLAY": ":0"}, "", "linux", "x11", "x11"),
        ({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":1"}, "", "linux", "x11", "x11"),
        ({"XDG_SESSION_TYPE": "x11"}, "", "linux", "x11", "x11"),
        ({}, "xcb", "linux", "x11", "x11"),
        ({"XDG_SESSION_TYPE": "tty", "DISPLAY": ":0"}, "", "linux", "x11", "x11"),
        # nothing to bind with
        ({}, "", "linux", "", "none"),
        ({"XDG_SESSION_TYPE": "tty"}, "offscreen", "linux", "", "none"),
        ({"WAYLAND_DISPLAY": "", "DISPLAY": ""}, "", "linux", "", "none"),
    ],
)
def test_backend_for_session(
    env: dict[str, str], platform_name: str, system: str, kind: str, backend: str
) -> None:
    assert session_kind(env, platform_name) == kind
    assert choose_backend(env, platform_name, system) == backend


def test_fired_marks_the_status_observed_and_keeps_the_rest() -> None:
    status = Status("x11", "Meta+Shift+A", "bound", "works")
    fired = status.fired()
    assert fired == Status("x11", "Meta+Shift+A", "bound", "works", observed=True)
    assert status.observed is False  # a new value: Status is frozen
