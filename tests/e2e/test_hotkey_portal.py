"""Wayland's global shortcut through the xdg-desktop-portal GlobalShortcuts interface, against a
fake portal on a private bus that enforces the registration rules of x-d-p 1.21 (register
first, with an installed desktop entry; no app id, no shortcuts), and the fallback where a
desktop cannot bind one."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg
from pytestqt.qtbot import QtBot

from askshot import APP_ID
from askshot.platform.hotkey.chord import Chord
from askshot.platform.hotkey.portal import PortalHotkey
from askshot.platform.portal import PortalBus
from tests.helpers import dbus

PORTAL = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
CONTROL = DBusAddress(PATH, bus_name=PORTAL, interface="io.github.askshot.FakePortal")


@pytest.fixture
def bus() -> Iterator[str]:
    with dbus.private_bus() as address:
        yield address


@pytest.fixture
def installed(tmp_path: Path) -> dict[str, str]:
    """The environment of a session where Askshot's desktop entry is installed."""
    data = tmp_path / "data"
    (data / "applications").mkdir(parents=True)
    (data / "applications" / f"{APP_ID}.desktop").write_text("[Desktop Entry]\nName=Askshot\n")
    return {**os.environ, "XDG_DATA_HOME": str(data), "XDG_DATA_DIRS": str(tmp_path / "none")}


def control(
    address: str, member: str, signature: str = "", body: tuple[object, ...] = ()
) -> object:
    with open_dbus_connection(bus=address) as conn:
        reply = conn.send_and_get_reply(
            new_method_call(CONTROL, member, signature, body), timeout=5
        )
        return unwrap_msg(reply)[0]


def calls(address: str) -> list[dict[str, str]]:
    return list(json.loads(str(control(address, "Calls"))))


@pytest.fixture
def hotkey_on(qtbot: QtBot) -> Iterator[Callable[[QtBot, str], PortalHotkey]]:
    """Hotkeys on their own connection each (as a second Askshot would be), all closed after."""
    buses: list[PortalBus] = []

    def make(qtbot: QtBot, address: str) -> PortalHotkey:
        portal = PortalBus(APP_ID, bus=address)
        buses.append(portal)
        return PortalHotkey(bus=portal)

    yield make
    for portal in buses:
        portal.close()


def test_bound_through_the_portal_and_fired_by_the_desktop(
    qtbot: QtBot,
    hotkey_on: Callable[[QtBot, str], PortalHotkey],
    bus: str,
    installed: dict[str, str],
) -> None:
    with dbus.fake_service("portal", bus, env=installed):
        hk = hotkey_on(qtbot, bus)
        hk.bind(Chord.parse("Meta+Shift+A"))
        assert hk.status.verdict in ("waiting", "bound")
        qtbot.waitUntil(lambda: hk.status.verdict == "bound", timeout=5000)
        assert "Super+Shift+A" in hk.status.sentence  # the trigger the desktop chose
        with qtbot.waitSignal(hk.activated, timeout=5000):
            assert control(bus, "Press", "s", ("capture",)) == 1
        assert hk.status.observed
        assert hk.activation_token == "fake-token"
        made = [c["member"] for c in calls(bus)]
        assert made[0] == "Register"  # the connection's first portal call
        assert "BindShortcuts" in made
        hk.close()


def test_a_restart_finds_the_shortcut_bound_and_asks_nothing(
    qtbot: QtBot,
    hotkey_on: Callable[[QtBot, str], PortalHotkey],
    bus: str,
    installed: dict[str, str],
) -> None:
    with dbus.fake_service("portal", bus, env=installed):
        first = hotkey_on(qtbot, bus)
        first.bind(Chord.parse("Meta+Shift+A"))
        qtbot.waitUntil(lambda: first.status.verdict == "bound", timeout=5000)
        first.close()
        second = hotkey_on(qtbot, bus)
        second.bind(Chord.parse("Meta+Shift+A"))
        qtbot.waitUntil(lambda: second.status.verdict == "bound", timeout=5000)
        binds = [c for c in calls(bus) if c["member"] == "BindShortcuts"]
        assert len(binds) == 1  # listed, found, no second dialog
        second.close()


def test_without_an_installed_entry_the_portal_refuses_and_the_fallback_says_why(
    qtbot: QtBot,
    hotkey_on: Callable[[QtBot, str], PortalHotkey],
    bus: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "KDE")
    bare = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "empty"), "XDG_DATA_DIRS": "/none"}
    with dbus.fake_service("portal", bus, env=bare):
        hk = hotkey_on(qtbot, bus)
        hk.bind(Chord.parse("Meta+Shift+A"))
        assert hk.status.verdict == "unsupported"
        assert "An app id is required" in hk.status.sentence
        assert "askshot desktop install" in hk.status.sentence
        assert hk.instructions is not None and hk.instructions.desktop == "KDE Plasma"
        assert "--capture" in hk.instructions.commands
        hk.close()


def test_a_desktop_without_global_shortcuts_gets_the_commands_to_bind_it_there(
    qtbot: QtBot,
    hotkey_on: Callable[[QtBot, str], PortalHotkey],
    bus: str,
    installed: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "sway")
    with dbus.fake_service("portal", bus, "--no-global-shortcuts", env=installed):
        hk = hotkey_on(qtbot, bus)
        hk.bind(Chord.parse("Meta+Shift+A"))
        assert hk.status.verdict == "unsupported"
        assert "no global shortcuts" in hk.status.sentence
        assert hk.instructions is not None
        assert hk.instructions.commands.startswith("bindsym Mod4+Shift+a exec ")
        assert hk.instructions.commands.endswith(" --capture")
        hk.close()


def test_a_declined_dialog_leaves_it_off_and_says_so(
    qtbot: QtBot,
    hotkey_on: Callable[[QtBot, str], PortalHotkey],
    bus: str,
    installed: dict[str, str],
) -> None:
    with dbus.fake_service("portal", bus, "--bind", "decline", env=installed):
        hk = hotkey_on(qtbot, bus)
        hk.bind(Chord.parse("Meta+Shift+A"))
        qtbot.waitUntil(lambda: hk.status.verdict == "off", timeout=5000)
        assert "declined" in hk.status.sentence
        hk.close()


def test_the_fake_enforces_the_registration_rules(bus: str, installed: dict[str, str]) -> None:
    """What the portal tests stand on: registering late, or unregistered shortcuts, are
    refused as by x-d-p 1.21."""
    gs = DBusAddress(PATH, bus_name=PORTAL, interface="org.freedesktop.portal.GlobalShortcuts")
    registry = DBusAddress(PATH, bus_name=PORTAL, interface="org.freedesktop.host.portal.Registry")
    with dbus.fake_service("portal", bus, env=installed), open_dbus_connection(bus=bus) as conn:
        options = {"handle_token": ("s", "t1"), "session_handle_token": ("s", "s1")}
        with pytest.raises(DBusErrorResponse) as refused:
            unwrap_msg(
                conn.send_and_get_reply(new_method_call(gs, "CreateSession", "a{sv}", (options,)))
            )
        assert "An app id is required" in str(refused.value.data)
        with pytest.raises(DBusErrorResponse) as late:
            unwrap_msg(
                conn.send_and_get_reply(
                    new_method_call(registry, "Register", "sa{sv}", (APP_ID, {}))
                )
            )
        assert "already associated" in str(late.value.data)
