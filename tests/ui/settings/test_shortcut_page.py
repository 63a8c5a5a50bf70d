"""The Settings dialog's Shortcut page, with the real page and the real GlobalShortcut in front of
a fake backend (FakeHotkey) whose verdicts the test decides: what the user reads for each
verdict, recording a new chord with key presses, OK and Cancel, autostart on disk and
close-to-tray in settings.json."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from askshot import APP_ID
from askshot.core.llm.client import ChatClient
from askshot.core.settings import Settings, load, save
from askshot.platform.hotkey import BackendName, Status, Verdict
from askshot.platform.hotkey.backend import HotkeyBackend
from askshot.platform.hotkey.chord import Chord
from askshot.platform.hotkey.manual import ManualHotkey
from askshot.ui.settings.dialog import SettingsDialog
from askshot.ui.settings.forms import ERROR_STYLE, OK_STYLE
from askshot.ui.shell.global_shortcut import GlobalShortcut
from askshot.ui.shell.services import Services
from tests.ui.conftest import background_idle

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier

FIRST = "Ctrl+Alt+A"  # the chord saved before each test


class FakeHotkey(HotkeyBackend):
    """A backend whose answers the test decides: `verdicts` maps a chord's text to its verdict
    ("bound" when not listed). Like the real backends, it lets the chord it holds go before it
    tries another, refuses a chord without Ctrl, Alt or Meta, and says so in `statusChanged`.
    `calls` records bind and unbind; `active` is the chord a key press would fire now."""

    name: BackendName = "x11"

    SENTENCES: ClassVar[dict[str, str]] = {
        "bound": "{0} works in every application.",
        "taken": "Another application already uses {0}. Pick another shortcut.",
        "unsupported": "This desktop does not let applications bind {0}.",
        "waiting": "Asking the desktop for the shortcut…",
    }

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.verdicts: dict[str, Verdict] = {}
        self.calls: list[str] = []
        self.active: str | None = None

    def bind(self, chord: Chord, keycode: int | None = None) -> None:
        self.calls.append(f"bind {chord.text()}")
        self.active = None
        problem = chord.problem("linux")
        if problem is not None:
            self._set_status(Status(self.name, chord.text(), "invalid", problem))
            return
        self._answer(chord.text(), self.verdicts.get(chord.text(), "bound"))

    def answer(self, verdict: Verdict) -> None:
        """A late answer for the chord asked for last (a portal after its dialog)."""
        self._answer(self.status.chord, verdict)

    def _answer(self, chord: str, verdict: Verdict) -> None:
        self.active = chord if verdict == "bound" else None
        self._set_status(Status(self.name, chord, verdict, self.SENTENCES[verdict].format(chord)))

    def unbind(self) -> None:
        self.calls.append("unbind")
        self.active = None
        super().unbind()

    def press(self) -> None:
        """The user pressed the chord somewhere on the desktop."""
        assert self.active is not None, "no chord is bound"
        self._fire()


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Autostart entries go to a temp dir, never to the user's ~/.config/autostart."""
    home = tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


@pytest.fixture
def autostart_file(config_home: Path) -> Path:
    return config_home / "autostart" / f"{APP_ID}.desktop"


@pytest.fixture
def saved(services: Services) -> Services:
    """Services whose settings.json already holds FIRST as the shortcut."""
    services.settings = Settings(hotkey=FIRST)
    save(services.settings, services.paths)
    return services


@pytest.fixture
def fake() -> FakeHotkey:
    return FakeHotkey()


@pytest.fixture
def shortcut(saved: Services, fake: FakeHotkey) -> Iterator[GlobalShortcut]:
    gs = GlobalShortcut(saved, None, backend="x11", make_backend=lambda: fake)
    gs.start()
    assert fake.active == FIRST
    yield gs
    gs.close()


def open_dialog(
    qtbot: QtBot, services: Services, client: ChatClient, shortcut: GlobalShortcut | None
) -> SettingsDialog:
    dialog = SettingsDialog(services, lambda: client, shortcut=shortcut)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.tabs.setCurrentWidget(dialog.shortcut_page)
    return dialog


@pytest.fixture
def dialog(
    qtbot: QtBot, saved: Services, client: ChatClient, shortcut: GlobalShortcut
) -> Iterator[SettingsDialog]:
    d = open_dialog(qtbot, saved, client, shortcut)
    yield d
    qtbot.waitUntil(background_idle, timeout=5000)


def click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def ok(qtbot: QtBot, dialog: SettingsDialog) -> None:
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))


def cancel(qtbot: QtBot, dialog: SettingsDialog) -> None:
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Cancel))


def record(qtbot: QtBot, dialog: SettingsDialog, key: Qt.Key, mods: Qt.KeyboardModifier) -> None:
    """Press a chord in the shortcut field, as the user does to record it."""
    edit = dialog.shortcut_page.key_edit
    edit.setFocus()
    qtbot.keyClick(edit, key, mods)


def verdict_text(dialog: SettingsDialog) -> str:
    return dialog.shortcut_page.verdict.text()


def on_disk(services: Services) -> Settings:
    settings, warning = load(services.paths)
    assert warning is None
    return settings


# -- what each verdict tells the user -----------------------------------------------------------


def test_a_bound_shortcut_shows_its_chord_as_working(dialog: SettingsDialog) -> None:
    page = dialog.shortcut_page
    assert page.chord_text() == FIRST
    assert verdict_text(dialog) == "Ctrl+Alt+A works in every application."
    assert page.verdict.styleSheet() == OK_STYLE
    assert page.verdict.isVisible()
    assert not page.instructions_box.isVisible()
    assert page.key_edit.isEnabled() and page.clear_button.isEnabled()


def test_a_taken_chord_says_another_application_has_it(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey
) -> None:
    fake.verdicts["Ctrl+Alt+T"] = "taken"
    record(qtbot, dialog, Qt.Key.Key_T, CTRL | ALT)
    text = verdict_text(dialog)
    assert "Another application already uses Ctrl+Alt+T" in text
    assert "Pick another shortcut" in text
    assert dialog.shortcut_page.verdict.styleSheet() == ERROR_STYLE
    # or the desktop runs Askshot with it: the commands for this desktop, ready to copy
    page = dialog.shortcut_page
    assert "Or let " in text and "run Askshot with it:" in text
    assert page.instructions_box.isVisible()
    assert page.instructions.toPlainText().rstrip().endswith("--capture")


def test_a_chord_without_a_modifier_is_refused_with_the_reason(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey
) -> None:
    record(qtbot, dialog, Qt.Key.Key_B, SHIFT)
    assert verdict_text(dialog) == (
        "A global shortcut needs Ctrl, Alt or Meta, or it would fire while you type. "
        "Ctrl+Alt+A still works."
    )
    assert dialog.shortcut_page.verdict.styleSheet() == ERROR_STYLE
    assert fake.active == FIRST


def test_a_key_askshot_cannot_bind_is_refused_with_the_reason(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey, saved: Services
) -> None:
    calls = list(fake.calls)
    record(qtbot, dialog, Qt.Key.Key_Backspace, CTRL)
    assert "is not a key Askshot can bind" in verdict_text(dialog)
    assert dialog.shortcut_page.verdict.styleSheet() == ERROR_STYLE
    assert fake.calls == calls  # never reached the system
    assert fake.active == FIRST
    assert on_disk(saved).hotkey == FIRST  # nor the settings file


def test_waiting_shows_progress_then_the_late_answer(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey
) -> None:
    fake.verdicts["Ctrl+Alt+W"] = "waiting"
    record(qtbot, dialog, Qt.Key.Key_W, CTRL | ALT)
    assert verdict_text(dialog) == "Asking the desktop for the shortcut…"
    assert dialog.shortcut_page.verdict.styleSheet() == ""  # neither a success nor a problem
    fake.answer("bound")  # the desktop's dialog was confirmed
    assert verdict_text(dialog) == "Ctrl+Alt+W works in every application."
    assert dialog.shortcut_page.verdict.styleSheet() == OK_STYLE


def test_turn_off_says_no_shortcut_is_set(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey, saved: Services
) -> None:
    click(qtbot, dialog.shortcut_page.clear_button)
    assert verdict_text(dialog) == "No global shortcut is set."
    assert dialog.shortcut_page.chord_text() == ""
    assert fake.calls[-1] == "unbind" and fake.active is None
    ok(qtbot, dialog)
    assert on_disk(saved).hotkey == ""


def test_unsupported_shows_the_desktop_commands_and_copies_them(
    qtbot: QtBot, saved: Services, client: ChatClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real backend of a desktop where Askshot cannot bind keys (ManualHotkey)."""
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "GNOME")
    gs = GlobalShortcut(saved, None, backend="none", make_backend=ManualHotkey)
    gs.start()
    try:
        dialog = open_dialog(qtbot, saved, client, gs)
        page = dialog.shortcut_page
        text = verdict_text(dialog)
        assert "does not let applications bind a global shortcut" in text
        assert "Bind Ctrl+Alt+A to Askshot in GNOME instead" in text
        assert page.verdict.styleSheet() == ERROR_STYLE
        assert page.instructions_box.isVisible()
        commands = page.instructions.toPlainText()
        assert "gsettings set" in commands
        assert "<Control><Alt>a" in commands
        assert "--capture" in commands
        assert page.instructions.isReadOnly()
        QGuiApplication.clipboard().clear()
        click(qtbot, page.copy_button)
        assert QGuiApplication.clipboard().text() == commands
        assert page.copy_button.text() == "Copied"
    finally:
        gs.close()


def test_outside_the_app_the_field_is_off_and_says_why(
    qtbot: QtBot, saved: Services, client: ChatClient
) -> None:
    dialog = open_dialog(qtbot, saved, client, None)
    page = dialog.shortcut_page
    assert not page.key_edit.isEnabled()
    assert not page.clear_button.isEnabled()
    assert "works while Askshot runs as the app" in verdict_text(dialog)


# -- recording, OK and Cancel ---------------------------------------------------------------------


def test_a_recorded_chord_is_bound_at_once_and_ok_keeps_it(
    qtbot: QtBot,
    dialog: SettingsDialog,
    fake: FakeHotkey,
    saved: Services,
    client: ChatClient,
    shortcut: GlobalShortcut,
) -> None:
    record(qtbot, dialog, Qt.Key.Key_K, CTRL | ALT)
    assert fake.calls[-1] == "bind Ctrl+Alt+K"
    assert fake.active == "Ctrl+Alt+K"
    assert verdict_text(dialog) == "Ctrl+Alt+K works in every application."
    ok(qtbot, dialog)
    assert not dialog.isVisible()
    assert on_disk(saved).hotkey == "Ctrl+Alt+K"
    assert fake.active == "Ctrl+Alt+K"

    again = open_dialog(qtbot, saved, client, shortcut)
    assert again.shortcut_page.chord_text() == "Ctrl+Alt+K"
    assert verdict_text(again) == "Ctrl+Alt+K works in every application."


def test_recording_the_same_chord_again_binds_nothing(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey
) -> None:
    calls = list(fake.calls)
    record(qtbot, dialog, Qt.Key.Key_A, CTRL | ALT)
    assert fake.calls == calls
    assert verdict_text(dialog) == "Ctrl+Alt+A works in every application."


def test_cancel_puts_the_old_chord_back(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey, saved: Services
) -> None:
    before = on_disk(saved)
    record(qtbot, dialog, Qt.Key.Key_K, CTRL | ALT)
    record(qtbot, dialog, Qt.Key.Key_L, CTRL | ALT)
    assert fake.active == "Ctrl+Alt+L"
    cancel(qtbot, dialog)
    assert not dialog.isVisible()
    assert fake.calls[-1] == f"bind {FIRST}"
    assert fake.active == FIRST
    assert on_disk(saved) == before
    assert saved.settings.hotkey == FIRST


def test_escape_cancels_a_recorded_chord_too(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey, saved: Services
) -> None:
    record(qtbot, dialog, Qt.Key.Key_K, CTRL | ALT)
    dialog.buttons.setFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert fake.active == FIRST
    assert on_disk(saved).hotkey == FIRST


def test_a_taken_chord_keeps_the_working_one_and_says_so(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey, saved: Services
) -> None:
    fake.verdicts["Ctrl+Alt+T"] = "taken"
    record(qtbot, dialog, Qt.Key.Key_T, CTRL | ALT)
    assert "Another application already uses Ctrl+Alt+T" in verdict_text(dialog)
    assert "Ctrl+Alt+A still works" in verdict_text(dialog)
    assert fake.active == FIRST  # the old chord fires as before
    assert saved.settings.hotkey == FIRST
    assert on_disk(saved).hotkey == FIRST
    ok(qtbot, dialog)
    assert on_disk(saved).hotkey == FIRST  # a refused chord is never saved
    assert fake.active == FIRST


def test_a_refused_chord_then_a_good_one(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey, saved: Services
) -> None:
    record(qtbot, dialog, Qt.Key.Key_B, SHIFT)
    assert fake.active == FIRST
    record(qtbot, dialog, Qt.Key.Key_K, CTRL | ALT)
    assert fake.active == "Ctrl+Alt+K"
    assert verdict_text(dialog) == "Ctrl+Alt+K works in every application."
    ok(qtbot, dialog)
    assert on_disk(saved).hotkey == "Ctrl+Alt+K"


def test_back_to_the_working_chord_after_a_refusal_shows_it_working(
    qtbot: QtBot, dialog: SettingsDialog, fake: FakeHotkey
) -> None:
    fake.verdicts["Ctrl+Alt+T"] = "taken"
    record(qtbot, dialog, Qt.Key.Key_T, CTRL | ALT)
    record(qtbot, dialog, Qt.Key.Key_A, CTRL | ALT)
    assert verdict_text(dialog) == "Ctrl+Alt+A works in every application."
    assert dialog.shortcut_page.verdict.styleSheet() == OK_STYLE
    assert fake.active == FIRST


# -- starting at login --------------------------------------------------------------------------

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the XDG autostart folder is Linux's"
)


@linux_only
def test_autostart_box_shows_what_is_on_disk(
    qtbot: QtBot,
    saved: Services,
    client: ChatClient,
    shortcut: GlobalShortcut,
    autostart_file: Path,
) -> None:
    assert not open_dialog(qtbot, saved, client, shortcut).shortcut_page.autostart.isChecked()

    autostart_file.parent.mkdir(parents=True)
    autostart_file.write_text(
        "[Desktop Entry]\nType=Application\nName=Askshot\nExec=askshot --background\n",
        encoding="utf-8",
    )
    assert open_dialog(qtbot, saved, client, shortcut).shortcut_page.autostart.isChecked()

    autostart_file.write_text(
        autostart_file.read_text(encoding="utf-8") + "Hidden=true\n", encoding="utf-8"
    )
    assert not open_dialog(qtbot, saved, client, shortcut).shortcut_page.autostart.isChecked()

    autostart_file.unlink()
    assert not open_dialog(qtbot, saved, client, shortcut).shortcut_page.autostart.isChecked()


@linux_only
def test_autostart_is_written_on_ok_and_removed_on_ok(
    qtbot: QtBot,
    saved: Services,
    client: ChatClient,
    shortcut: GlobalShortcut,
    autostart_file: Path,
) -> None:
    first = open_dialog(qtbot, saved, client, shortcut)
    click(qtbot, first.shortcut_page.autostart)
    assert first.shortcut_page.autostart.isChecked()
    assert not autostart_file.exists()  # nothing is written before OK
    ok(qtbot, first)
    assert not first.isVisible()
    entry = autostart_file.read_text(encoding="utf-8")
    assert "--background" in entry
    assert "X-GNOME-Autostart-enabled=true" in entry

    second = open_dialog(qtbot, saved, client, shortcut)
    assert second.shortcut_page.autostart.isChecked()
    click(qtbot, second.shortcut_page.autostart)
    ok(qtbot, second)
    assert not autostart_file.exists()


@linux_only
def test_autostart_cancel_writes_nothing(
    qtbot: QtBot,
    saved: Services,
    client: ChatClient,
    shortcut: GlobalShortcut,
    autostart_file: Path,
) -> None:
    dialog = open_dialog(qtbot, saved, client, shortcut)
    click(qtbot, dialog.shortcut_page.autostart)
    cancel(qtbot, dialog)
    assert not autostart_file.exists()


@linux_only
def test_autostart_that_cannot_be_written_is_said_and_the_dialog_stays(
    qtbot: QtBot,
    saved: Services,
    client: ChatClient,
    shortcut: GlobalShortcut,
    config_home: Path,
) -> None:
    config_home.mkdir(parents=True)
    (config_home / "autostart").write_text("a file where the folder should be")
    dialog = open_dialog(qtbot, saved, client, shortcut)
    click(qtbot, dialog.shortcut_page.autostart)
    ok(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.error.isVisible()
    assert "could not change starting at login" in dialog.error.text()
    assert dialog.tabs.currentWidget() is dialog.shortcut_page


# -- what closing the window does -----------------------------------------------------------------


def test_close_to_tray_is_saved_on_ok_only(
    qtbot: QtBot, saved: Services, client: ChatClient, shortcut: GlobalShortcut
) -> None:
    assert saved.settings.close_to_tray is True
    first = open_dialog(qtbot, saved, client, shortcut)
    box = first.shortcut_page.close_to_tray
    assert box.isChecked()
    click(qtbot, box)
    cancel(qtbot, first)
    assert on_disk(saved).close_to_tray is True

    second = open_dialog(qtbot, saved, client, shortcut)
    assert second.shortcut_page.close_to_tray.isChecked()
    click(qtbot, second.shortcut_page.close_to_tray)
    ok(qtbot, second)
    assert on_disk(saved).close_to_tray is False
    assert saved.settings.close_to_tray is False

    third = open_dialog(qtbot, saved, client, shortcut)
    assert not third.shortcut_page.close_to_tray.isChecked()
