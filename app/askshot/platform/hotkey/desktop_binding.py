"""Where Askshot cannot bind a global key itself (GNOME before 48, Sway and other wlroots
desktops, COSMIC, a grab another application holds), the user's desktop can: these are the
commands or settings that bind `askshot --capture` there, with the executable's absolute path
(a desktop's shortcut daemon often lacks ~/.local/bin on its PATH). Copyable text, never run by
Askshot.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from askshot.platform.hotkey.chord import Chord

GNOME_SCHEMA = "org.gnome.settings-daemon.plugins.media-keys"
GNOME_PATH = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/askshot-capture/"


@dataclass(frozen=True)
class Instructions:
    desktop: str  # "GNOME", "KDE Plasma", "Hyprland", "Sway", "your desktop"
    steps: str  # what to do, in a sentence
    commands: str  # copyable text ("" when it is a settings page)


def current_desktop(env: Mapping[str, str]) -> str:
    """A name for XDG_CURRENT_DESKTOP (or the session variables a compositor sets)."""
    if env.get("HYPRLAND_INSTANCE_SIGNATURE"):
        return "Hyprland"
    if env.get("SWAYSOCK"):
        return "Sway"
    desktops = env.get("XDG_CURRENT_DESKTOP", "").lower().split(":")
    for key, name in (
        ("gnome", "GNOME"),
        ("kde", "KDE Plasma"),
        ("hyprland", "Hyprland"),
        ("sway", "Sway"),
        ("cosmic", "COSMIC"),
        ("xfce", "Xfce"),
    ):
        if key in desktops:
            return name
    return ""


def instructions(chord: Chord, command: list[str], env: Mapping[str, str]) -> Instructions:
    """How to bind `chord` to capture in the user's desktop."""
    capture = shlex.join([*command, "--capture"])
    desktop = current_desktop(env)
    if desktop == "GNOME":
        return Instructions(
            desktop,
            "Run these commands once (or add the shortcut in Settings → "
            "Keyboard → Custom Shortcuts):",
            gnome_commands(chord, capture),
        )
    if desktop == "KDE Plasma":
        kde = (
            f"kwriteconfig6 --file kglobalshortcutsrc --group services "
            f"--group io.github.askshot.Askshot.desktop --key capture {shlex.quote(chord.kde())}"
        )
        return Instructions(
            desktop,
            "Add it in System Settings → Keyboard → Shortcuts → Add New → Command, with the "
            "command below, or run this and log out and back in:",
            f"# command: {capture}\n{kde}",
        )
    if desktop == "Hyprland":
        return Instructions(
            desktop,
            "Add this line to ~/.config/hypr/hyprland.conf:",
            f"bind = {chord.hyprland()}, exec, {capture}",
        )
    if desktop == "Sway":
        return Instructions(
            desktop,
            "Add this line to ~/.config/sway/config, then reload Sway:",
            f"bindsym {chord.sway()} exec {capture}",
        )
    name = desktop or "your desktop"
    return Instructions(
        name,
        f"Add a custom keyboard shortcut in {name}'s settings that runs this command:",
        capture,
    )


def gnome_commands(chord: Chord, capture: str) -> str:
    """A shell snippet that adds (or updates) a GNOME custom keybinding, keeping the others."""
    base = f"{GNOME_SCHEMA}.custom-keybinding:{GNOME_PATH}"
    return "\n".join(
        [
            f"S={GNOME_SCHEMA}; K={GNOME_PATH}",
            'L=$(gsettings get "$S" custom-keybindings)',
            'case "$L" in *"$K"*) ;; "@as []"|"[]") L="[\'$K\']" ;; *) L="${L%]}, \'$K\']" ;; esac',
            'gsettings set "$S" custom-keybindings "$L"',
            f"gsettings set {base} name {_gvariant('Askshot: capture and ask')}",
            f"gsettings set {base} command {_gvariant(capture)}",
            f"gsettings set {base} binding {_gvariant(chord.gsettings())}",
        ]
    )


def _gvariant(text: str) -> str:
    """A GVariant string literal, quoted once more for the shell."""
    return shlex.quote("'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'")
