"""The Settings dialog saves a typed key into a real Secret Service (gnome-keyring on a private
D-Bus session bus), where `secret-tool` finds it, and never into a file or a label."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from keyring.backends import SecretService
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit

from askshot.core.keys.store import KeyStore
from askshot.core.llm.client import ChatClient
from askshot.core.settings import settings_path
from askshot.ui.settings.dialog import SettingsDialog
from askshot.ui.shell.services import Services
from tests.e2e.conftest import lookup
from tests.ui.conftest import background_idle

pytestmark = pytest.mark.keyring

KEY = "sk-e2e-dialog-Secret0123456789abcdef"


def shown_texts(dialog: SettingsDialog) -> list[str]:
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    return texts + [edit.placeholderText() for edit in dialog.findChildren(QLineEdit)]


def test_dialog_saves_the_key_into_secret_service(
    qtbot, secret_service_env: dict[str, str], askshot_home: Path
) -> None:
    services = Services.create()
    services.keys = KeyStore(backend=SecretService.Keyring())
    with ChatClient() as client:
        dialog = SettingsDialog(services, lambda: client)
        qtbot.addWidget(dialog)
        dialog.show()
        assert "Secret Service (GNOME Keyring)" in dialog.key_source.text()
        qtbot.keyClicks(dialog.key_field.edit, KEY)
        qtbot.keyClick(dialog.key_field.edit, Qt.Key.Key_Return)  # Enter = OK
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert dialog.saved_source is not None
        assert dialog.saved_source.sentence == (
            "The key is stored in Secret Service (GNOME Keyring)."
        )

        found = lookup(secret_service_env)
        assert found.returncode == 0, found.stderr
        assert found.stdout.strip() == KEY

        assert settings_path(services.paths).is_file()
        leaks = [p for p in askshot_home.rglob("*") if p.is_file() and KEY in p.read_text("utf-8")]
        assert leaks == []

        again = SettingsDialog(services, lambda: client)
        qtbot.addWidget(again)
        assert again.key_source.text() == "The key is stored in Secret Service (GNOME Keyring)."
        assert again.remove_key_button.isEnabled()
        assert all(KEY not in text for text in shown_texts(again))

        # Remove key + OK deletes it from the Secret Service too.
        qtbot.mouseClick(again.remove_key_button, Qt.MouseButton.LeftButton)
        again.accept()
        assert lookup(secret_service_env).stdout == ""
        assert background_idle()
