"""Chord: parsing Qt's portable text, and every system's form of a chord checked against the
systems' own constants (winuser.h, Carbon's Events.h, X11's keysyms and masks)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtGui import QKeySequence
from Xlib import XK, X

from askshot.platform.hotkey.chord import MODIFIERS, Chord

NAMED = [
    "Space",
    "Return",
    "Tab",
    "Print",
    "Insert",
    "Delete",
    "Home",
    "End",
    "PgUp",
    "PgDown",
    "Left",
    "Right",
    "Up",
    "Down",
    "Esc",
]
FUNCTION = [f"F{n}" for n in range(1, 25)]
KEYS = [*string.ascii_lowercase, *string.digits, *FUNCTION, *NAMED]


def chord(*parts: str) -> Chord:
    *mods, key = parts
    return Chord(frozenset(mods), key)


# -- parse ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meta+Shift+A", chord("Meta", "Shift", "a")),
        ("Ctrl+Alt+F5", chord("Ctrl", "Alt", "F5")),
        ("Ctrl+Shift+4", chord("Ctrl", "Shift", "4")),
        ("meta+shift+a", chord("Meta", "Shift", "a")),
        ("CTRL+ALT+DEL", chord("Ctrl", "Alt", "Delete")),
        ("Shift+Meta+a", chord("Meta", "Shift", "a")),  # any order
        ("Super+Shift+A", chord("Meta", "Shift", "a")),
        ("Win+A", chord("Meta", "a")),
        ("Windows+A", chord("Meta", "a")),
        ("Logo+A", chord("Meta", "a")),
        ("Mod4+A", chord("Meta", "a")),
        ("Cmd+Shift+4", chord("Ctrl", "Shift", "4")),
        ("Command+Option+Space", chord("Ctrl", "Alt", "Space")),
        ("Control+Opt+Return", chord("Ctrl", "Alt", "Return")),
        ("⌘+⇧+A", chord("Ctrl", "Shift", "a")),
        ("⌃+⌥+A", chord("Meta", "Alt", "a")),
        ("Ctrl + Shift + A", chord("Ctrl", "Shift", "a")),
        ("  Ctrl+A  ", chord("Ctrl", "a")),
        ("Ctrl+Ctrl+A", chord("Ctrl", "a")),
        ("f12", chord("F12")),
        ("Print", chord("Print")),
        ("Meta+Enter", chord("Meta", "Return")),
        ("Meta+Escape", chord("Meta", "Esc")),
        ("Meta+PageUp", chord("Meta", "PgUp")),
        ("Meta+pgdown", chord("Meta", "PgDown")),
        ("Meta+Ins", chord("Meta", "Insert")),
        ("Alt+F24", chord("Alt", "F24")),
    ],
)
def test_parse_reads_qt_text_and_aliases_in_any_case(text: str, expected: Chord) -> None:
    assert Chord.parse(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "+", "Ctrl+", "+A", "Ctrl++A", "Ctrl+ +A"])
def test_parse_refuses_empty_text_with_a_sentence(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a shortcut\. Press the keys") as err:
        Chord.parse(text)
    assert f"“{text}”" in str(err.value)


@pytest.mark.parametrize(
    ("text", "part"), [("Hyper+A", "Hyper"), ("Ctrl+AltGr+A", "AltGr"), ("A+B", "A")]
)
def test_parse_refuses_an_unknown_modifier_naming_it(text: str, part: str) -> None:
    with pytest.raises(ValueError) as err:
        Chord.parse(text)
    assert str(err.value) == f"“{part}” in “{text}” is not a modifier (Ctrl, Alt, Shift, Meta)."


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("Ctrl+Backspace", "Backspace"),
        ("Ctrl+F25", "F25"),
        ("Ctrl+F0", "F0"),
        ("Ctrl+AB", "AB"),
        ("Ctrl+é", "é"),
        ("Ctrl+Shift", "Shift"),
        ("Ctrl+-", "-"),
    ],
)
def test_parse_refuses_an_unknown_key_naming_it(text: str, part: str) -> None:
    with pytest.raises(ValueError) as err:
        Chord.parse(text)
    assert str(err.value) == f"“{part}” in “{text}” is not a key Askshot can bind."


# -- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (chord("Shift", "Meta", "a"), "Meta+Shift+A"),
        (chord("Shift", "Alt", "Ctrl", "Meta", "z"), "Meta+Ctrl+Alt+Shift+Z"),
        (chord("Ctrl", "Alt", "F5"), "Ctrl+Alt+F5"),
        (chord("Meta", "PgDown"), "Meta+PgDown"),
        (chord("Print"), "Print"),
        (chord("Ctrl", "7"), "Ctrl+7"),
    ],
)
def test_text_is_qts_portable_text_in_qts_modifier_order(value: Chord, text: str) -> None:
    assert value.text() == text
    assert value.kde() == text


modifier_sets = st.frozensets(st.sampled_from(MODIFIERS))
keys = st.sampled_from(KEYS)


@given(modifier_sets, keys)
def test_parse_of_text_is_the_same_chord(mods: frozenset[str], key: str) -> None:
    value = Chord(mods, key)
    assert Chord.parse(value.text()) == value
    assert Chord.parse(value.text().lower()) == value
    assert Chord.parse(value.text().upper()) == value


@given(modifier_sets, keys)
def test_qt_reads_the_text_back_to_the_same_chord(mods: frozenset[str], key: str) -> None:
    """Settings shows the chord through QKeySequence, and the key-sequence field hands back Qt's
    own portable text: both ways must keep the chord."""
    value = Chord(mods, key)
    sequence = QKeySequence.fromString(value.text(), QKeySequence.SequenceFormat.PortableText)
    assert sequence.count() == 1
    back = sequence.toString(QKeySequence.SequenceFormat.PortableText)
    assert Chord.parse(back) == value


# -- problem and warning -------------------------------------------------------------------------

NEEDS_MODIFIER = "A global shortcut needs Ctrl, Alt or Meta, or it would fire while you type."
MACOS = "macOS 15 needs ⌘ or ⌃ in a global shortcut (⌥ and ⇧ alone are not enough)."


@pytest.mark.parametrize(
    ("text", "system", "expected"),
    [
        ("A", "linux", NEEDS_MODIFIER),
        ("Shift+A", "linux", NEEDS_MODIFIER),
        ("Shift+Space", "win32", NEEDS_MODIFIER),
        ("Return", "darwin", NEEDS_MODIFIER),
        ("Ctrl+A", "linux", None),
        ("Alt+A", "linux", None),
        ("Meta+A", "win32", None),
        ("F5", "linux", None),  # a function key alone does not get in the way of typing
        ("Shift+F24", "win32", None),
        ("Print", "linux", None),
        ("Alt+A", "darwin", MACOS),
        ("Alt+Shift+A", "darwin", MACOS),
        ("F5", "darwin", MACOS),
        ("Ctrl+A", "darwin", None),  # ⌘A
        ("Meta+A", "darwin", None),  # ⌃A
        ("Meta+Alt+Shift+A", "darwin", None),
    ],
)
def test_problem(text: str, system: str, expected: str | None) -> None:
    assert Chord.parse(text).problem(system) == expected


@pytest.mark.parametrize(
    ("text", "system", "letter"),
    [
        ("Ctrl+Alt+A", "win32", "A"),
        ("Ctrl+Alt+Shift+Q", "win32", "Q"),
        ("Meta+Ctrl+Alt+7", "win32", "7"),
        ("Ctrl+Alt+F5", "win32", None),
        ("Ctrl+Alt+Space", "win32", None),
        ("Ctrl+Shift+A", "win32", None),
        ("Alt+A", "win32", None),
        ("Ctrl+Alt+A", "linux", None),
        ("Ctrl+Alt+A", "darwin", None),
    ],
)
def test_warning_is_altgr_for_ctrl_alt_and_a_character_on_windows(
    text: str, system: str, letter: str | None
) -> None:
    warning = Chord.parse(text).warning(system)
    if letter is None:
        assert warning is None
    else:
        assert warning is not None
        assert "AltGr as Ctrl+Alt" in warning
        assert f"AltGr+{letter}," in warning


# -- X11 -----------------------------------------------------------------------------------------

X11_MASKS = {"Shift": X.ShiftMask, "Ctrl": X.ControlMask, "Alt": X.Mod1Mask, "Meta": X.Mod4Mask}


def test_x11_masks_are_xlibs() -> None:
    assert (X.ShiftMask, X.ControlMask, X.Mod1Mask, X.Mod4Mask) == (1, 4, 8, 64)


@given(modifier_sets, keys)
def test_x11_mask_is_the_sum_of_xlib_masks(mods: frozenset[str], key: str) -> None:
    assert Chord(mods, key).x11()[1] == sum(X11_MASKS[m] for m in mods)


@pytest.mark.parametrize("key", KEYS)
def test_x11_keysym_name_is_a_real_keysym(key: str) -> None:
    name, _mask = Chord(frozenset({"Meta"}), key).x11()
    assert XK.string_to_keysym(name) != XK.NoSymbol


@pytest.mark.parametrize(
    ("key", "keysym"),
    [
        ("a", XK.XK_a),
        ("z", XK.XK_z),
        ("0", XK.XK_0),
        ("9", XK.XK_9),
        ("F1", XK.XK_F1),
        ("F24", XK.XK_F24),
        ("Space", XK.XK_space),
        ("Return", XK.XK_Return),
        ("Tab", XK.XK_Tab),
        ("Print", XK.XK_Print),
        ("Insert", XK.XK_Insert),
        ("Delete", XK.XK_Delete),
        ("Home", XK.XK_Home),
        ("End", XK.XK_End),
        ("PgUp", XK.XK_Prior),
        ("PgDown", XK.XK_Next),
        ("Left", XK.XK_Left),
        ("Right", XK.XK_Right),
        ("Up", XK.XK_Up),
        ("Down", XK.XK_Down),
        ("Esc", XK.XK_Escape),
    ],
)
def test_x11_keysym_is_the_keys_keysym(key: str, keysym: int) -> None:
    name, _mask = Chord(frozenset({"Ctrl"}), key).x11()
    assert XK.string_to_keysym(name) == keysym


def test_x11_examples() -> None:
    assert Chord.parse("Meta+Shift+A").x11() == ("a", 65)
    assert Chord.parse("Ctrl+Alt+F5").x11() == ("F5", 12)
    assert Chord.parse("Meta+Ctrl+Alt+Shift+PgUp").x11() == ("Prior", 77)
    assert Chord.parse("Print").x11() == ("Print", 0)


# -- Win32 ---------------------------------------------------------------------------------------

# winuser.h
MOD_ALT, MOD_CONTROL, MOD_SHIFT, MOD_WIN, MOD_NOREPEAT = 0x1, 0x2, 0x4, 0x8, 0x4000
WIN32_MODS = {"Alt": MOD_ALT, "Ctrl": MOD_CONTROL, "Shift": MOD_SHIFT, "Meta": MOD_WIN}
VK = {
    "Space": 0x20,  # VK_SPACE
    "Return": 0x0D,  # VK_RETURN
    "Tab": 0x09,  # VK_TAB
    "Print": 0x2C,  # VK_SNAPSHOT
    "Insert": 0x2D,  # VK_INSERT
    "Delete": 0x2E,  # VK_DELETE
    "Home": 0x24,  # VK_HOME
    "End": 0x23,  # VK_END
    "PgUp": 0x21,  # VK_PRIOR
    "PgDown": 0x22,  # VK_NEXT
    "Left": 0x25,  # VK_LEFT
    "Up": 0x26,  # VK_UP
    "Right": 0x27,  # VK_RIGHT
    "Down": 0x28,  # VK_DOWN
    "Esc": 0x1B,  # VK_ESCAPE
    "F1": 0x70,
    "F2": 0x71,
    "F10": 0x79,
    "F12": 0x7B,
    "F13": 0x7C,
    "F24": 0x87,
    **{c: 0x41 + i for i, c in enumerate(string.ascii_lowercase)},  # 'A'-'Z'
    **{d: 0x30 + int(d) for d in string.digits},  # '0'-'9'
}


@pytest.mark.parametrize(("key", "vk"), sorted(VK.items()))
def test_win32_virtual_key(key: str, vk: int) -> None:
    assert Chord(frozenset({"Ctrl"}), key).win32()[1] == vk


def test_win32_covers_every_function_key() -> None:
    assert [Chord(frozenset({"Ctrl"}), f"F{n}").win32()[1] for n in range(1, 25)] == list(
        range(0x70, 0x88)
    )


@given(modifier_sets, keys)
def test_win32_modifiers_always_carry_norepeat(mods: frozenset[str], key: str) -> None:
    flags, _vk = Chord(mods, key).win32()
    assert flags == sum(WIN32_MODS[m] for m in mods) | MOD_NOREPEAT


def test_win32_examples() -> None:
    assert Chord.parse("Meta+Shift+A").win32() == (MOD_WIN | MOD_SHIFT | MOD_NOREPEAT, 0x41)
    assert Chord.parse("Ctrl+Alt+F5").win32() == (MOD_CONTROL | MOD_ALT | MOD_NOREPEAT, 0x74)
    assert Chord.parse("Print").win32() == (MOD_NOREPEAT, 0x2C)


# -- Carbon --------------------------------------------------------------------------------------

# Events.h (HIToolbox): kVK_ANSI_* are US-keyboard positions, the others fixed keys.
KVK = {
    "a": 0x00,
    "s": 0x01,
    "d": 0x02,
    "f": 0x03,
    "h": 0x04,
    "g": 0x05,
    "z": 0x06,
    "x": 0x07,
    "c": 0x08,
    "v": 0x09,
    "b": 0x0B,
    "q": 0x0C,
    "w": 0x0D,
    "e": 0x0E,
    "r": 0x0F,
    "y": 0x10,
    "t": 0x11,
    "1": 0x12,
    "2": 0x13,
    "3": 0x14,
    "4": 0x15,
    "6": 0x16,
    "5": 0x17,
    "9": 0x19,
    "7": 0x1A,
    "8": 0x1C,
    "0": 0x1D,
    "o": 0x1F,
    "u": 0x20,
    "i": 0x22,
    "p": 0x23,
    "l": 0x25,
    "j": 0x26,
    "k": 0x28,
    "n": 0x2D,
    "m": 0x2E,
    "Return": 0x24,  # kVK_Return
    "Tab": 0x30,  # kVK_Tab
    "Space": 0x31,  # kVK_Space
    "Esc": 0x35,  # kVK_Escape
    "Home": 0x73,  # kVK_Home
    "PgUp": 0x74,  # kVK_PageUp
    "Delete": 0x75,  # kVK_ForwardDelete (Qt's Delete; kVK_Delete is Backspace)
    "End": 0x77,  # kVK_End
    "PgDown": 0x79,  # kVK_PageDown
    "Left": 0x7B,  # kVK_LeftArrow
    "Right": 0x7C,  # kVK_RightArrow
    "Down": 0x7D,  # kVK_DownArrow
    "Up": 0x7E,  # kVK_UpArrow
    "F1": 0x7A,
    "F2": 0x78,
    "F3": 0x63,
    "F4": 0x76,
    "F5": 0x60,
    "F6": 0x61,
    "F7": 0x62,
    "F8": 0x64,
    "F9": 0x65,
    "F10": 0x6D,
    "F11": 0x67,
    "F12": 0x6F,
    "F13": 0x69,
    "F14": 0x6B,
    "F15": 0x71,
    "F16": 0x6A,
    "F17": 0x40,
    "F18": 0x4F,
    "F19": 0x50,
    "F20": 0x5A,
}
# Events.h: cmdKey = 1 << 8, shiftKey = 1 << 9, optionKey = 1 << 11, controlKey = 1 << 12.
# Qt calls Command "Ctrl" and Control "Meta" on macOS.
CARBON_MODS = {"Ctrl": 1 << 8, "Shift": 1 << 9, "Alt": 1 << 11, "Meta": 1 << 12}


def test_carbon_table_covers_every_letter_and_digit() -> None:
    assert set(string.ascii_lowercase + string.digits) <= set(KVK)


@pytest.mark.parametrize(("key", "kvk"), sorted(KVK.items()))
def test_carbon_key_code(key: str, kvk: int) -> None:
    assert Chord(frozenset({"Ctrl"}), key).carbon()[1] == kvk


@given(modifier_sets, st.sampled_from(sorted(KVK)))
def test_carbon_modifiers(mods: frozenset[str], key: str) -> None:
    assert Chord(mods, key).carbon()[0] == sum(CARBON_MODS[m] for m in mods)


@pytest.mark.parametrize("key", ["Print", "Insert", "F21", "F24"])
def test_carbon_has_no_code_for_keys_a_mac_keyboard_lacks(key: str) -> None:
    with pytest.raises(KeyError):
        Chord(frozenset({"Ctrl"}), key).carbon()


def test_carbon_examples() -> None:
    assert Chord.parse("Ctrl+Shift+A").carbon() == (0x100 | 0x200, 0x00)  # ⌘⇧A
    assert Chord.parse("Meta+Alt+Space").carbon() == (0x1000 | 0x800, 0x31)  # ⌃⌥Space
    assert Chord.parse("Ctrl+S").carbon() == (0x100, 0x01)
    assert Chord.parse("Ctrl+F1").carbon() == (0x100, 0x7A)


# -- desktop forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "trigger", "accelerator", "hyprland", "sway"),
    [
        ("Meta+Shift+A", "LOGO+SHIFT+a", "<Super><Shift>a", "SUPER SHIFT, A", "Mod4+Shift+a"),
        ("Ctrl+Alt+F5", "CTRL+ALT+F5", "<Control><Alt>F5", "CTRL ALT, F5", "Ctrl+Mod1+F5"),
        (
            "Shift+Alt+Ctrl+Meta+Space",
            "LOGO+CTRL+ALT+SHIFT+space",
            "<Super><Control><Alt><Shift>space",
            "SUPER CTRL ALT SHIFT, space",
            "Mod4+Ctrl+Mod1+Shift+space",
        ),
        ("Meta+PgUp", "LOGO+Prior", "<Super>Prior", "SUPER, Prior", "Mod4+Prior"),
        ("Ctrl+Esc", "CTRL+Escape", "<Control>Escape", "CTRL, Escape", "Ctrl+Escape"),
        ("Alt+7", "ALT+7", "<Alt>7", "ALT, 7", "Mod1+7"),
        ("Print", "Print", "Print", ", Print", "Print"),
    ],
)
def test_desktop_forms(text: str, trigger: str, accelerator: str, hyprland: str, sway: str) -> None:
    value = Chord.parse(text)
    assert value.xdg_trigger() == trigger
    assert value.gsettings() == accelerator
    assert value.hyprland() == hyprland
    assert value.sway() == sway
    assert value.kde() == value.text()
