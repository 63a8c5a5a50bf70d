"""The desktop's own shortcut settings: which desktop this is, the instructions for it, and the
GNOME snippet run for real against GNOME's schema (GSettings keyfile backend in a temp dir)."""

from __future__ import annotations

import ast
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from askshot import APP_ID
from askshot.core.resources import resource
from askshot.platform.hotkey.chord import Chord
from askshot.platform.hotkey.desktop_binding import (
    GNOME_PATH,
    GNOME_SCHEMA,
    current_desktop,
    gnome_commands,
    instructions,
)

COMMAND = ["/opt/My Apps/askshot"]  # a space: the command must stay one argument
CAPTURE = "'/opt/My Apps/askshot' --capture"
CHORD = Chord.parse("Meta+Shift+A")


@pytest.mark.parametrize(
    ("env", "desktop"),
    [
        ({"XDG_CURRENT_DESKTOP": "GNOME"}, "GNOME"),
        ({"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}, "GNOME"),
        ({"XDG_CURRENT_DESKTOP": "GNOME-Classic:GNOME"}, "GNOME"),
        ({"XDG_CURRENT_DESKTOP": "gnome"}, "GNOME"),
        ({"XDG_CURRENT_DESKTOP": "KDE"}, "KDE Plasma"),
        ({"XDG_CURRENT_DESKTOP": "Hyprland"}, "Hyprland"),
        ({"XDG_CURRENT_DESKTOP": "sway"}, "Sway"),
        ({"XDG_CURRENT_DESKTOP": "COSMIC"}, "COSMIC"),
        ({"XDG_CURRENT_DESKTOP": "XFCE"}, "Xfce"),
        ({"XDG_CURRENT_DESKTOP": "X-Cinnamon"}, ""),
        ({"XDG_CURRENT_DESKTOP": "GNOMEish"}, ""),  # whole names only
        ({"XDG_CURRENT_DESKTOP": ""}, ""),
        ({}, ""),
        ({"HYPRLAND_INSTANCE_SIGNATURE": "abc_123"}, "Hyprland"),
        ({"HYPRLAND_INSTANCE_SIGNATURE": "abc", "XDG_CURRENT_DESKTOP": "GNOME"}, "Hyprland"),
        ({"HYPRLAND_INSTANCE_SIGNATURE": "", "XDG_CURRENT_DESKTOP": "KDE"}, "KDE Plasma"),
        ({"SWAYSOCK": "/run/user/1000/sway-ipc.sock"}, "Sway"),
        ({"SWAYSOCK": "/run/sway.sock", "XDG_CURRENT_DESKTOP": "GNOME"}, "Sway"),
    ],
)
def test_current_desktop(env: dict[str, str], desktop: str) -> None:
    assert current_desktop(env) == desktop


@pytest.mark.parametrize(
    "env",
    [  # GNOME's snippet quotes it once more: run for real below
        {"XDG_CURRENT_DESKTOP": "KDE"},
        {"XDG_CURRENT_DESKTOP": "Hyprland"},
        {"SWAYSOCK": "/run/sway.sock"},
        {"XDG_CURRENT_DESKTOP": "COSMIC"},
        {"XDG_CURRENT_DESKTOP": "XFCE"},
        {},
    ],
)
def test_every_desktop_gets_the_absolute_command_with_capture(env: dict[str, str]) -> None:
    steps = instructions(CHORD, COMMAND, env)
    assert CAPTURE in steps.commands
    assert shlex.split(CAPTURE) == [*COMMAND, "--capture"]
    assert steps.steps.endswith(":")


def test_hyprland_line() -> None:
    steps = instructions(CHORD, COMMAND, {"XDG_CURRENT_DESKTOP": "Hyprland"})
    assert steps.desktop == "Hyprland"
    assert steps.commands == f"bind = SUPER SHIFT, A, exec, {CAPTURE}"
    assert "hyprland.conf" in steps.steps


def test_sway_line() -> None:
    steps = instructions(Chord.parse("Ctrl+Alt+F5"), COMMAND, {"SWAYSOCK": "/run/sway.sock"})
    assert steps.desktop == "Sway"
    assert steps.commands == f"bindsym Ctrl+Mod1+F5 exec {CAPTURE}"
    assert "sway/config" in steps.steps


@pytest.mark.parametrize(
    ("env", "name"),
    [({"XDG_CURRENT_DESKTOP": "COSMIC"}, "COSMIC"), ({}, "your desktop")],
)
def test_other_desktops_get_the_bare_command(env: dict[str, str], name: str) -> None:
    steps = instructions(CHORD, COMMAND, env)
    assert steps.desktop == name
    assert steps.commands == CAPTURE
    assert f"in {name}'s settings" in steps.steps


def _desktop_actions() -> set[str]:
    text = resource(f"{APP_ID}.desktop").read_text(encoding="utf-8")
    return {line[len("[Desktop Action ") : -1] for line in text.splitlines() if "Action " in line}


def test_kde_binds_the_capture_action_of_the_launcher_entry() -> None:
    """kglobalacceld keeps a desktop file's shortcuts in [services][<file name>], one key per
    action ("_launch" would start the window instead of capturing), the value only keys."""
    steps = instructions(CHORD, COMMAND, {"XDG_CURRENT_DESKTOP": "KDE"})
    assert steps.desktop == "KDE Plasma"
    comment, command = steps.commands.split("\n")
    assert comment == f"# command: {CAPTURE}"
    argv = shlex.split(command)
    assert argv == [
        "kwriteconfig6",
        "--file",
        "kglobalshortcutsrc",
        "--group",
        "services",
        "--group",
        f"{APP_ID}.desktop",
        "--key",
        "capture",
        "Meta+Shift+A",
    ]
    assert "capture" in _desktop_actions()


# -- GNOME, for real ----------------------------------------------------------------------------

CUSTOM = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/custom0/"
ENTRY = f"{GNOME_SCHEMA}.custom-keybinding:{GNOME_PATH}"


@pytest.fixture
def gnome_env(gsettings: str, tmp_path: Path) -> dict[str, str]:
    """GSettings in a private keyfile under tmp_path, GNOME's real schema."""
    env = {
        **os.environ,
        "GSETTINGS_BACKEND": "keyfile",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOME": str(tmp_path),
    }
    env.pop("GSETTINGS_SCHEMA_DIR", None)
    schemas = subprocess.run(
        [gsettings, "list-schemas"], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    if GNOME_SCHEMA not in schemas:
        message = f"{GNOME_SCHEMA} is not installed (apt-get install gnome-settings-daemon-common)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return env


def _get(env: dict[str, str], schema: str, key: str) -> object:
    out = subprocess.run(
        ["gsettings", "get", schema, key], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    if out.startswith("@as "):
        out = out[len("@as ") :]
    return ast.literal_eval(out)  # a GVariant string or string array, as Python reads it


def _run_snippet(env: dict[str, str], snippet: str) -> None:
    done = subprocess.run(
        ["bash", "-c", snippet], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_gnome_snippet_adds_the_binding_once(gnome_env: dict[str, str], tmp_path: Path) -> None:
    assert _get(gnome_env, GNOME_SCHEMA, "custom-keybindings") == []
    command = [str(tmp_path / "My Apps" / "ask'shot")]  # a space and a quote
    capture = shlex.join([*command, "--capture"])
    snippet = gnome_commands(CHORD, capture)

    _run_snippet(gnome_env, snippet)
    _run_snippet(gnome_env, snippet)  # idempotent

    assert _get(gnome_env, GNOME_SCHEMA, "custom-keybindings") == [GNOME_PATH]
    assert _get(gnome_env, ENTRY, "name") == "Askshot: capture and ask"
    assert _get(gnome_env, ENTRY, "command") == capture
    assert shlex.split(str(_get(gnome_env, ENTRY, "command"))) == [*command, "--capture"]
    assert _get(gnome_env, ENTRY, "binding") == "<Super><Shift>a"


def test_gnome_snippet_keeps_other_bindings_and_updates_its_own(
    gnome_env: dict[str, str],
) -> None:
    subprocess.run(
        ["gsettings", "set", GNOME_SCHEMA, "custom-keybindings", f"['{CUSTOM}']"],
        env=gnome_env,
        check=True,
    )
    other = f"{GNOME_SCHEMA}.custom-keybinding:{CUSTOM}"
    subprocess.run(["gsettings", "set", other, "binding", "<Control>t"], env=gnome_env, check=True)

    _run_snippet(gnome_env, gnome_commands(CHORD, CAPTURE))
    _run_snippet(gnome_env, gnome_commands(Chord.parse("Ctrl+Alt+Space"), CAPTURE))

    assert _get(gnome_env, GNOME_SCHEMA, "custom-keybindings") == [CUSTOM, GNOME_PATH]
    assert _get(gnome_env, ENTRY, "binding") == "<Control><Alt>space"
    assert _get(gnome_env, ENTRY, "command") == CAPTURE
    assert _get(gnome_env, other, "binding") == "<Control>t"


def test_gnome_instructions_are_the_snippet(gnome_env: dict[str, str]) -> None:
    steps = instructions(CHORD, COMMAND, {"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"})
    assert steps.desktop == "GNOME"
    assert steps.commands == gnome_commands(CHORD, CAPTURE)
    _run_snippet(gnome_env, steps.commands)
    assert _get(gnome_env, ENTRY, "command") == CAPTURE
