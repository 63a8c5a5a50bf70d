"""A global shortcut as one value: parsed from what Qt's key-sequence field gives
(`QKeySequence.toString(PortableText)`: "Ctrl+Shift+A", "Meta+Shift+A") and written the way each
system wants it: an X11 keysym and modifier mask, Win32 MOD_*/VK, Carbon modifiers/kVK, the XDG
portal's preferred trigger, GNOME's gsettings accelerator, KDE, Hyprland and Sway.

Qt's names are kept: "Meta" is the Super/Windows key (Control on macOS) and "Ctrl" is Command
on macOS, as Qt's own widgets show them. No Qt here: the desktop commands and `askshot doctor`
use it too.
"""

from __future__ import annotations

import string
import sys
from dataclasses import dataclass

# Modifiers by Qt's portable names, in the order Qt writes them ("Meta+Ctrl+Alt+Shift+A").
MODIFIERS = ("Meta", "Ctrl", "Alt", "Shift")

_KEY_ALIASES = {
    "space": "Space",
    "return": "Return",
    "enter": "Return",
    "tab": "Tab",
    "print": "Print",
    "ins": "Insert",
    "insert": "Insert",
    "del": "Delete",
    "delete": "Delete",
    "home": "Home",
    "end": "End",
    "pgup": "PgUp",
    "pageup": "PgUp",
    "pgdown": "PgDown",
    "pagedown": "PgDown",
    "left": "Left",
    "right": "Right",
    "up": "Up",
    "down": "Down",
    "esc": "Esc",
    "escape": "Esc",
}
_FUNCTION_KEYS = {f"F{n}" for n in range(1, 25)}

# X11 keysym names (the part after XK_) for the keys that are not letters or digits.
_X11 = {
    "Space": "space",
    "Return": "Return",
    "Tab": "Tab",
    "Print": "Print",
    "Insert": "Insert",
    "Delete": "Delete",
    "Home": "Home",
    "End": "End",
    "PgUp": "Prior",
    "PgDown": "Next",
    "Left": "Left",
    "Right": "Right",
    "Up": "Up",
    "Down": "Down",
    "Esc": "Escape",
}
X11_MASKS = {"Shift": 1, "Ctrl": 4, "Alt": 8, "Meta": 64}  # ShiftMask, ControlMask, Mod1, Mod4

_VK = {
    "Space": 0x20,
    "Return": 0x0D,
    "Tab": 0x09,
    "Print": 0x2C,
    "Insert": 0x2D,
    "Delete": 0x2E,
    "Home": 0x24,
    "End": 0x23,
    "PgUp": 0x21,
    "PgDown": 0x22,
    "Left": 0x25,
    "Up": 0x26,
    "Right": 0x27,
    "Down": 0x28,
    "Esc": 0x1B,
}
WIN32_MODS = {"Alt": 0x1, "Ctrl": 0x2, "Shift": 0x4, "Meta": 0x8}  # MOD_ALT, _CONTROL, _SHIFT, _WIN
MOD_NOREPEAT = 0x4000

# Carbon virtual key codes are ANSI keyboard positions.
_KVK = {
    **dict(zip("asdfhgzxcv", (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), strict=True)),
    **dict(zip("bqweryt", (0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11), strict=True)),
    **dict(
        zip("1234659780", (0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x19, 0x1A, 0x1C, 0x1D), strict=True)
    ),
    **dict(zip("ouiplj", (0x1F, 0x20, 0x22, 0x23, 0x25, 0x26), strict=True)),
    "k": 0x28,
    "n": 0x2D,
    "m": 0x2E,
    "Space": 0x31,
    "Return": 0x24,
    "Tab": 0x30,
    "Esc": 0x35,
    "Delete": 0x75,
    "Home": 0x73,
    "End": 0x77,
    "PgUp": 0x74,
    "PgDown": 0x79,
    "Left": 0x7B,
    "Right": 0x7C,
    "Down": 0x7D,
    "Up": 0x7E,
    **dict(
        zip(
            [f"F{n}" for n in range(1, 13)],
            (0x7A, 0x78, 0x63, 0x76, 0x60, 0x61, 0x62, 0x64, 0x65, 0x6D, 0x67, 0x6F),
            strict=True,
        )
    ),
    **dict(
        zip(
            [f"F{n}" for n in range(13, 21)],
            (0x69, 0x6B, 0x71, 0x6A, 0x40, 0x4F, 0x50, 0x5A),
            strict=True,
        )
    ),
}
# Qt's Ctrl is Command and Meta is Control on macOS.
CARBON_MODS = {"Ctrl": 0x100, "Shift": 0x200, "Alt": 0x800, "Meta": 0x1000}


@dataclass(frozen=True)
class Chord:
    """Modifiers (Qt's names) and one key: a letter "a"-"z", a digit, "F1"-"F24" or a named key
    ("Space", "Print", "Return", "PgUp", ...)."""

    modifiers: frozenset[str]
    key: str

    @classmethod
    def parse(cls, text: str) -> Chord:
        """From "Ctrl+Shift+A" (Qt's portable text, any case); ValueError with a sentence."""
        parts = [p.strip() for p in text.replace(" ", "").split("+")]
        if not text.strip() or any(not p for p in parts):
            raise ValueError(
                f"“{text}” is not a shortcut. Press the keys, for example Super+Shift+A."
            )
        mods: set[str] = set()
        for part in parts[:-1]:
            name = _modifier(part)
            if name is None:
                raise ValueError(
                    f"“{part}” in “{text}” is not a modifier (Ctrl, Alt, Shift, Meta)."
                )
            mods.add(name)
        key = _key(parts[-1])
        if key is None:
            raise ValueError(f"“{parts[-1]}” in “{text}” is not a key Askshot can bind.")
        return cls(frozenset(mods), key)

    def text(self) -> str:
        """Qt's portable text: "Ctrl+Shift+A"."""
        return "+".join([*(m for m in MODIFIERS if m in self.modifiers), self._key_text()])

    def _key_text(self) -> str:
        return self.key.upper() if len(self.key) == 1 else self.key

    def problem(self, system: str = sys.platform) -> str | None:
        """Why this chord cannot work as a global shortcut on `system`, or None."""
        if not self.modifiers - {"Shift"} and self.key not in _FUNCTION_KEYS | {"Print"}:
            return "A global shortcut needs Ctrl, Alt or Meta, or it would fire while you type."
        if system == "darwin" and not self.modifiers & {"Ctrl", "Meta"}:
            return "macOS 15 needs ⌘ or ⌃ in a global shortcut (⌥ and ⇧ alone are not enough)."
        return None

    def warning(self, system: str = sys.platform) -> str | None:
        """A caution that does not stop the chord from working."""
        if system == "win32" and {"Ctrl", "Alt"} <= self.modifiers and len(self.key) == 1:
            return (
                "Windows treats AltGr as Ctrl+Alt: this shortcut will take AltGr+"
                f"{self._key_text()}, a character on many keyboard layouts."
            )
        return None

    # -- each system's form -----------------------------------------------------------------

    def x11(self) -> tuple[str, int]:
        """(keysym name, modifier mask without lock variants)."""
        mask = sum(X11_MASKS[m] for m in self.modifiers)
        return _X11.get(self.key, self.key), mask

    def win32(self) -> tuple[int, int]:
        """(MOD_* flags with MOD_NOREPEAT, virtual-key code)."""
        mods = sum(WIN32_MODS[m] for m in self.modifiers) | MOD_NOREPEAT
        if len(self.key) == 1:
            vk = ord(self.key.upper())
        elif self.key in _FUNCTION_KEYS:
            vk = 0x70 + int(self.key[1:]) - 1
        else:
            vk = _VK[self.key]
        return mods, vk

    def carbon(self) -> tuple[int, int]:
        """(Carbon modifier flags, kVK code); KeyError for keys Carbon has no code for here."""
        return sum(CARBON_MODS[m] for m in self.modifiers), _KVK[self.key]

    def xdg_trigger(self) -> str:
        """The GlobalShortcuts portal's preferred_trigger (XDG shortcuts spec): "LOGO+SHIFT+a"."""
        names = {"Ctrl": "CTRL", "Alt": "ALT", "Shift": "SHIFT", "Meta": "LOGO"}
        return "+".join([*(names[m] for m in MODIFIERS if m in self.modifiers), self.x11()[0]])

    def gsettings(self) -> str:
        """GNOME's accelerator: "<Super><Shift>a"."""
        names = {"Ctrl": "<Control>", "Alt": "<Alt>", "Shift": "<Shift>", "Meta": "<Super>"}
        return "".join(names[m] for m in MODIFIERS if m in self.modifiers) + self.x11()[0]

    def kde(self) -> str:
        return self.text()

    def hyprland(self) -> str:
        """Hyprland's `bind = MODS, key` parts: "SUPER SHIFT, A"."""
        names = {"Ctrl": "CTRL", "Alt": "ALT", "Shift": "SHIFT", "Meta": "SUPER"}
        mods = " ".join(names[m] for m in MODIFIERS if m in self.modifiers)
        return f"{mods}, {self.x11()[0].upper() if len(self.key) == 1 else self.x11()[0]}"

    def sway(self) -> str:
        """Sway's bindsym: "Mod4+Shift+a"."""
        names = {"Ctrl": "Ctrl", "Alt": "Mod1", "Shift": "Shift", "Meta": "Mod4"}
        return "+".join([*(names[m] for m in MODIFIERS if m in self.modifiers), self.x11()[0]])


def _modifier(part: str) -> str | None:
    lowered = part.lower()
    for name, aliases in (
        ("Ctrl", ("ctrl", "control", "cmd", "command", "⌘")),
        ("Alt", ("alt", "option", "opt", "⌥")),
        ("Shift", ("shift", "⇧")),
        ("Meta", ("meta", "super", "win", "windows", "logo", "mod4", "⌃")),
    ):
        if lowered in aliases:
            return name
    return None


def _key(part: str) -> str | None:
    if len(part) == 1 and part.lower() in string.ascii_lowercase + string.digits:
        return part.lower()
    upper = part.upper()
    if upper in _FUNCTION_KEYS:
        return upper
    return _KEY_ALIASES.get(part.lower())
