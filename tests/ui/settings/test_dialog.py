"""The Settings dialog, driven with real key presses and clicks against the loopback server, with
an in-memory keyring backend (or keyring's "fail" backend for the no-keyring case)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QWidget,
)

from askshot.core.keys.store import KeyStore
from askshot.core.llm.client import ChatClient
from askshot.core.settings import Settings, default_presets, settings_path
from askshot.ui.settings.dialog import SettingsDialog
from askshot.ui.shell.services import Services
from tests.helpers import fakeserver as fs
from tests.helpers.keyrings import MemoryKeyring
from tests.ui.conftest import background_idle, widgets_held_by_layouts

# Typing into the model box opens its completion popup, which the offscreen platform can neither
# raise nor let grab the keyboard; harmless there.
completer_popup = pytest.mark.qt_log_ignore(
    r"This plugin does not support (raise\(\)|grabbing the keyboard)", extend=True
)

KEY = "sk-ui-settings-0123456789abcdefXYZ"
STORED = "sk-stored-key-9876543210zyxwvuTS"


def open_dialog(qtbot, services: Services, client: ChatClient) -> SettingsDialog:
    dialog = SettingsDialog(services, lambda: client)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.fixture
def dialog(qtbot, services: Services, client: ChatClient) -> Iterator[SettingsDialog]:
    d = open_dialog(qtbot, services, client)
    yield d
    qtbot.waitUntil(background_idle, timeout=5000)


def click(qtbot, button: QPushButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def ok(qtbot, dialog: SettingsDialog) -> None:
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))


def retype(qtbot, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    qtbot.keyClicks(widget, text)


def press(qtbot, widget: QWidget, key: Qt.Key | str, mods=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press goes where the window system would send it: to an open popup (the model
    box's completion list, which passes typing on to its line edit), else to `widget`."""
    qtbot.keyClick(QApplication.activePopupWidget() or widget, key, mods)


def retype_model(qtbot, dialog: SettingsDialog, text: str) -> None:
    """Replace the model text by typing, then Tab away (which also closes the popup)."""
    edit = dialog.model_combo.lineEdit()
    edit.setFocus()
    press(qtbot, edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, edit, Qt.Key.Key_Backspace)
    for ch in text:
        press(qtbot, edit, ch)
    press(qtbot, edit, Qt.Key.Key_Tab)
    assert QApplication.activePopupWidget() is None
    # A window manager gives the activation back when the popup closes; offscreen does not.
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    assert dialog.model_combo.currentText() == text


def choose(qtbot, combo: QComboBox, data: str) -> None:
    """Pick an item with the arrow keys, as a keyboard user would."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentData() == data:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == data


def saved_json(services: Services) -> dict[str, object]:
    return json.loads(settings_path(services.paths).read_text(encoding="utf-8"))


def visible_texts(widget: QWidget) -> list[str]:
    texts = [label.text() for label in widget.findChildren(QLabel)]
    for edit in widget.findChildren(QLineEdit):
        if edit.echoMode() == QLineEdit.EchoMode.Normal:
            texts.append(edit.text())
        texts.append(edit.placeholderText())
    return texts


def edit_cell(qtbot, table: QTableWidget, row: int, col: int, text: str) -> None:
    table.setFocus()
    table.setCurrentCell(row, col)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    commit(qtbot, editor, text)


def commit(qtbot, editor: QWidget, text: str) -> None:
    """Type into a cell editor and press Enter; then let Qt delete the closed editor, as the
    event loop does between a user's key presses."""
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()


# -- saving ---------------------------------------------------------------------------------------


@completer_popup
def test_ok_saves_settings_file_and_key_goes_only_to_the_keyring(
    qtbot, dialog: SettingsDialog, services: Services, backend: MemoryKeyring
) -> None:
    assert dialog.windowTitle() == "Settings"
    qtbot.keyClicks(dialog.key_field.edit, KEY)
    retype_model(qtbot, dialog, "gpt-4o-mini")
    dialog.tabs.setCurrentIndex(1)
    retype(qtbot, dialog.system_prompt, "Be brief.")
    retype(qtbot, dialog.timeout_spin, "120")
    retype(qtbot, dialog.max_tokens_spin, "4096")
    retype(qtbot, dialog.budget_spin, "25")
    dialog.tabs.setCurrentIndex(2)
    click(qtbot, dialog.add_preset_button)
    row = dialog.presets_table.rowCount() - 1
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    commit(qtbot, editor, "Summarize")
    edit_cell(qtbot, dialog.presets_table, row, 1, "Summarize this in one line.")
    dialog.tabs.setCurrentIndex(3)
    choose(qtbot, dialog.theme_combo, "dark")
    choose(qtbot, dialog.send_key_combo, "ctrl+enter")
    dialog.keep_screenshots.setFocus()
    qtbot.keyClick(dialog.keep_screenshots, Qt.Key.Key_Space)

    keys_at_signal: list[dict[tuple[str, str], str]] = []
    dialog.settingsChanged.connect(lambda _s: keys_at_signal.append(dict(backend.items)))
    with qtbot.waitSignal(dialog.settingsChanged) as signal:
        ok(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted
    data = saved_json(services)
    assert data["provider"] == "openai"
    assert data["model"] == "gpt-4o-mini"
    assert data["system_prompt"] == "Be brief."
    assert data["monthly_budget_usd"] == 25.0
    assert data["timeout_s"] == 120.0
    assert data["max_output_tokens"] == 4096
    assert data["theme"] == "dark"
    assert data["send_key"] == "ctrl+enter"
    assert data["keep_screenshots"] is False
    assert data["prompt_presets"][-1] == ["Summarize", "Summarize this in one line."]
    assert len(data["prompt_presets"]) == len(default_presets()) + 1
    assert KEY not in settings_path(services.paths).read_text(encoding="utf-8")
    assert backend.items == {("askshot", "openai"): KEY}
    assert keys_at_signal == [backend.items]  # listeners find the new key already stored
    new = signal.args[0]
    assert isinstance(new, Settings)
    assert services.settings is new and new.model == "gpt-4o-mini"
    assert dialog.saved_source is not None and dialog.saved_source.kind == "keyring"
    assert all(KEY not in text for text in visible_texts(dialog))


def test_enter_presses_ok_and_escape_cancels(
    qtbot, services: Services, client: ChatClient, backend: MemoryKeyring
) -> None:
    first = open_dialog(qtbot, services, client)
    qtbot.keyClicks(first.key_field.edit, KEY)
    qtbot.keyClick(first.key_field.edit, Qt.Key.Key_Return)
    assert first.result() == QDialog.DialogCode.Accepted
    assert backend.items[("askshot", "openai")] == KEY

    second = open_dialog(qtbot, services, client)
    qtbot.keyClicks(second.key_field.edit, "sk-another-0123456789")
    qtbot.keyClick(second.key_field.edit, Qt.Key.Key_Escape)
    assert second.result() == QDialog.DialogCode.Rejected
    assert backend.items[("askshot", "openai")] == KEY


@completer_popup
def test_cancel_changes_nothing(
    qtbot, dialog: SettingsDialog, services: Services, backend: MemoryKeyring
) -> None:
    before = services.settings
    qtbot.keyClicks(dialog.key_field.edit, KEY)
    retype_model(qtbot, dialog, "gpt-4o-mini")
    choose(qtbot, dialog.provider_combo, "openrouter")
    with qtbot.assertNotEmitted(dialog.settingsChanged):
        click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Cancel))
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not settings_path(services.paths).exists()
    assert backend.items == {}
    assert services.settings is before and services.settings.model == "o4-mini"
    assert dialog.key_field.text() == ""


def test_a_failed_save_is_said_and_the_dialog_stays_open(
    qtbot, services: Services, client: ChatClient, backend: MemoryKeyring
) -> None:
    services.paths.config.parent.mkdir(parents=True, exist_ok=True)
    services.paths.config.write_text("not a directory")  # saving must fail, as on a full disk
    dialog = open_dialog(qtbot, services, client)
    qtbot.keyClicks(dialog.key_field.edit, KEY)
    with qtbot.assertNotEmitted(dialog.settingsChanged):
        ok(qtbot, dialog)
    assert dialog.isVisible()
    assert "Could not save the settings" in dialog.error.text()
    assert dialog.error.isVisible()
    assert backend.items == {}
    assert services.settings.model == "o4-mini"


def test_keys_are_never_shown_and_a_stored_key_shows_a_placeholder(
    qtbot, services: Services, client: ChatClient, backend: MemoryKeyring
) -> None:
    backend.items[("askshot", "openai")] = STORED
    dialog = open_dialog(qtbot, services, client)
    assert dialog.key_field.text() == ""
    assert "stored" in dialog.key_field.edit.placeholderText()
    assert dialog.key_source.text() == "The key is stored in Test Keyring."
    assert dialog.remove_key_button.isEnabled()
    assert all(STORED not in text for text in visible_texts(dialog))
    # Show/Hide only ever reveals what was typed, never the stored key.
    click(qtbot, dialog.key_field.toggle)
    assert dialog.key_field.edit.echoMode() == QLineEdit.EchoMode.Normal
    assert dialog.key_field.toggle.text() == "Hide"
    assert all(STORED not in text for text in visible_texts(dialog))
    click(qtbot, dialog.key_field.toggle)
    assert dialog.key_field.edit.echoMode() == QLineEdit.EchoMode.Password


def test_empty_key_field_keeps_the_stored_key(
    qtbot, services: Services, client: ChatClient, backend: MemoryKeyring
) -> None:
    backend.items[("askshot", "openai")] = STORED
    dialog = open_dialog(qtbot, services, client)
    ok(qtbot, dialog)
    assert backend.items == {("askshot", "openai"): STORED}


def test_remove_key_on_ok_but_not_on_cancel(
    qtbot, services: Services, client: ChatClient, backend: MemoryKeyring
) -> None:
    backend.items[("askshot", "openai")] = STORED
    dialog = open_dialog(qtbot, services, client)
    click(qtbot, dialog.remove_key_button)
    assert "removed when you press OK" in dialog.key_source.text()
    assert not dialog.remove_key_button.isEnabled()
    qtbot.keyClick(dialog.key_field.edit, Qt.Key.Key_Escape)
    assert backend.items == {("askshot", "openai"): STORED}

    dialog = open_dialog(qtbot, services, client)
    click(qtbot, dialog.remove_key_button)
    ok(qtbot, dialog)
    assert backend.items == {}


def test_no_keyring_says_how_to_fix_it_and_keeps_the_key_for_the_session(
    qtbot, services: Services, client: ChatClient
) -> None:
    services.keys = KeyStore(backend=fail.Keyring())
    dialog = open_dialog(qtbot, services, client)
    text = dialog.key_source.text()
    assert "No secure keyring is available" in text
    assert "install and unlock GNOME Keyring or KWallet" in text
    qtbot.keyClicks(dialog.key_field.edit, KEY)
    ok(qtbot, dialog)
    assert dialog.saved_source is not None and dialog.saved_source.kind == "memory"
    assert "for this session only" in dialog.saved_source.sentence
    assert services.keys.get("openai") == KEY
    assert KEY not in settings_path(services.paths).read_text(encoding="utf-8")

    again = open_dialog(qtbot, services, client)
    assert again.key_source.text().startswith("The key is kept in memory for this session only.")
    assert all(KEY not in t for t in visible_texts(again))


def test_an_environment_key_is_named_not_shown(
    qtbot, services: Services, client: ChatClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    dialog = open_dialog(qtbot, services, client)
    assert dialog.key_source.text() == "The key comes from the OPENAI_API_KEY environment variable."
    assert "OPENAI_API_KEY" in dialog.key_field.edit.placeholderText()
    assert all(KEY not in t for t in visible_texts(dialog))


# -- provider, URL, model -------------------------------------------------------------------------


def test_custom_provider_validates_the_base_url(
    qtbot, dialog: SettingsDialog, services: Services
) -> None:
    assert not dialog.url_edit.isEnabled()
    assert dialog.url_edit.text() == "https://api.openai.com/v1"
    choose(qtbot, dialog.provider_combo, "custom")
    assert dialog.url_edit.isEnabled()
    assert dialog.key_field.edit.placeholderText() == "Optional for local servers"
    qtbot.keyClicks(dialog.url_edit, "localhost:8080/v1")
    assert "must be an http:// or https:// address" in dialog.url_hint.text()
    ok(qtbot, dialog)
    assert dialog.isVisible()
    assert "must be an http:// or https:// address" in dialog.error.text()
    assert dialog.url_edit.hasFocus()
    assert not settings_path(services.paths).exists()

    retype(qtbot, dialog.url_edit, "http://localhost:8080/v1")
    ok(qtbot, dialog)
    data = saved_json(services)
    assert (data["provider"], data["base_url"]) == ("custom", "http://localhost:8080/v1")


@completer_popup
def test_effort_only_for_reasoning_models(qtbot, dialog: SettingsDialog) -> None:
    assert dialog.effort_combo.isEnabled()  # o4-mini
    retype_model(qtbot, dialog, "gpt-4o-mini")
    assert not dialog.effort_combo.isEnabled()
    retype_model(qtbot, dialog, "o3")
    assert dialog.effort_combo.isEnabled()
    retype_model(qtbot, dialog, "llama3.2")
    assert not dialog.effort_combo.isEnabled()


@completer_popup
def test_empty_model_is_refused(qtbot, dialog: SettingsDialog, services: Services) -> None:
    retype_model(qtbot, dialog, "")
    ok(qtbot, dialog)
    assert dialog.isVisible()
    assert "Enter a model" in dialog.error.text()
    assert not settings_path(services.paths).exists()


def test_half_filled_preset_is_refused(qtbot, dialog: SettingsDialog) -> None:
    dialog.tabs.setCurrentIndex(2)
    click(qtbot, dialog.add_preset_button)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    commit(qtbot, editor, "Only a label")
    dialog.tabs.setCurrentIndex(0)
    ok(qtbot, dialog)
    assert dialog.isVisible()
    assert "needs both a label and a prompt text" in dialog.error.text()
    assert dialog.tabs.currentIndex() == 2
    dialog.presets_table.selectRow(dialog.presets_table.rowCount() - 1)
    click(qtbot, dialog.remove_preset_button)
    assert dialog.presets_table.rowCount() == len(default_presets())


# -- test connection ------------------------------------------------------------------------------


@pytest.fixture
def at_server(server: fs.FakeServer, monkeypatch: pytest.MonkeyPatch) -> fs.FakeServer:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    return server


def test_openai_base_url_is_shown_as_overriding_openai_only(
    at_server: fs.FakeServer, dialog: SettingsDialog
) -> None:
    assert "OPENAI_BASE_URL" in dialog.url_hint.text()
    dialog.provider_combo.setCurrentIndex(dialog.provider_combo.findData("openrouter"))
    assert "OPENAI_BASE_URL" not in dialog.url_hint.text()
    assert dialog.url_edit.text() == "https://openrouter.ai/api/v1"


def test_connection_lists_models_with_the_typed_key(
    qtbot, at_server: fs.FakeServer, dialog: SettingsDialog
) -> None:
    at_server.models = ["o4-mini", "gpt-4o-mini", "gpt-4.1", "o3"]
    assert "OPENAI_BASE_URL" in dialog.url_hint.text()
    qtbot.keyClicks(dialog.key_field.edit, KEY)
    click(qtbot, dialog.test_button)
    assert not dialog.test_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=5000)
    assert dialog.test_result.text() == "Connected: 4 models"
    items = [dialog.model_combo.itemText(i) for i in range(dialog.model_combo.count())]
    assert {"gpt-4.1", "o3"} <= set(items)
    assert dialog.model_combo.currentText() == "o4-mini"
    assert at_server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in dialog.test_result.text()


def test_connection_uses_the_stored_key_when_the_field_is_empty(
    qtbot, at_server: fs.FakeServer, services: Services, client, backend: MemoryKeyring
) -> None:
    backend.items[("askshot", "openai")] = STORED
    dialog = open_dialog(qtbot, services, client)
    click(qtbot, dialog.test_button)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=5000)
    assert dialog.test_result.text() == "Connected: 2 models"
    assert at_server.requests[-1].headers["authorization"] == f"Bearer {STORED}"


def test_connection_shows_a_refused_key(
    qtbot, at_server: fs.FakeServer, dialog: SettingsDialog
) -> None:
    at_server.models_reply = fs.error_reply(
        401, f"Incorrect API key provided: {KEY}", code="invalid_api_key"
    )
    qtbot.keyClicks(dialog.key_field.edit, KEY)
    click(qtbot, dialog.test_button)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=5000)
    assert "refused the API key" in dialog.test_result.text()
    assert KEY not in dialog.test_result.text()


def test_connection_to_a_wrong_base_url_says_so(
    qtbot, server: fs.FakeServer, dialog: SettingsDialog
) -> None:
    choose(qtbot, dialog.provider_combo, "custom")
    qtbot.keyClicks(dialog.url_edit, server.base_url.removesuffix("/v1") + "/nothing")
    server.models_reply = fs.error_reply(404, "not found")
    click(qtbot, dialog.test_button)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=5000)
    assert "(HTTP 404). Check the base URL." in dialog.test_result.text()


def test_connection_without_a_key_asks_for_one(
    qtbot, dialog: SettingsDialog, server: fs.FakeServer
) -> None:
    click(qtbot, dialog.test_button)
    assert dialog.test_result.text() == "Enter the API key first."
    assert dialog.test_button.isEnabled()
    assert server.requests == []


def test_closing_while_testing_neither_crashes_nor_leaks_a_thread(
    qtbot, at_server: fs.FakeServer, services: Services, client: ChatClient
) -> None:
    at_server.models_reply = fs.Reply(
        header_delay=0.5, headers={"Content-Type": "application/json"}, body=b'{"data": []}'
    )
    dialog = SettingsDialog(services, lambda: client)
    dialog.show()
    qtbot.keyClicks(dialog.key_field.edit, KEY)
    click(qtbot, dialog.test_button)
    assert dialog.testing
    qtbot.keyClick(dialog.key_field.edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    dialog.deleteLater()
    qtbot.waitUntil(background_idle, timeout=5000)


# -- accessibility --------------------------------------------------------------------------------


def test_every_control_has_an_accessible_name(dialog: SettingsDialog) -> None:
    kinds = (QLineEdit, QComboBox, QPushButton, QCheckBox, QSpinBox, QPlainTextEdit, QTableWidget)
    unnamed = [
        w
        for kind in kinds
        for w in dialog.findChildren(kind)
        if not w.accessibleName()
        # a combo's or spin box's own line edit is named through its owner
        and not isinstance(w.parentWidget(), QComboBox | QAbstractSpinBox)
    ]
    assert unnamed == []


def test_no_layout_holds_python_references_to_widgets(dialog: SettingsDialog) -> None:
    """See FormRows: such references crashed the garbage collector in PySide 6.12."""
    assert widgets_held_by_layouts(dialog) == []


def test_tab_order_walks_the_connection_page(qtbot, dialog: SettingsDialog) -> None:
    assert dialog.provider_combo.hasFocus()
    seen = []
    for _ in range(8):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert dialog.key_field.edit in seen
    assert dialog.test_button in seen
    assert dialog.model_combo.lineEdit() in seen or dialog.model_combo in seen
    assert seen.index(dialog.key_field.edit) < seen.index(dialog.test_button)
