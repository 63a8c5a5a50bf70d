"""The first-run panel, shown in place of the conversation while there is no API key.

It says what Askshot needs and where to get a key, takes the key into the OS keyring (never a
file), checks it with the provider's model list off the GUI thread, and emits `completed()`.
A refused key (401) is shown and not saved; when the check cannot reach the server, "Save
anyway" stores it regardless. Without a working keyring the key is kept for this session only,
and the panel says so and waits for "Continue" before it emits `completed()`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from askshot.core import providers
from askshot.core.errors import AskshotError, AuthError
from askshot.core.keys.store import KeySource, validate_key
from askshot.core.llm.client import ChatClient
from askshot.core.settings import save
from askshot.ui.settings.connection import ConnectionTest
from askshot.ui.settings.forms import ERROR_STYLE, FormRows, KeyField, stacked, wrapped_label
from askshot.ui.shell.services import Services

_CHOICES = ("openai", "openrouter", "custom")


class FirstRunPanel(QWidget):
    """Asks for a provider and a key. After `completed()`, `services.settings` holds the
    provider (and base URL) and `outcome` is a sentence saying where the key went."""

    completed = Signal()
    modelsFound = Signal(list)  # list[str]: the models the key check found

    def __init__(
        self,
        services: Services,
        client: Callable[[], ChatClient],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.outcome = ""
        self.saved_source: KeySource | None = None
        self._test = ConnectionTest(client, self)
        self._test.modelsFound.connect(self._on_checked)
        self._test.failed.connect(self._on_check_failed)
        self._test.finished.connect(self._on_check_done)
        self._pending: tuple[str, str, str] | None = None  # provider, base URL, key to save

        title = QLabel(self.tr("Welcome to Askshot"))
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        title.setAccessibleName(self.tr("Welcome to Askshot"))
        intro = wrapped_label(
            self.tr(
                "Askshot sends your questions and screenshots to an AI model, such as OpenAI's "
                "o4-mini, and shows the answer as it arrives. For that it needs an API key from "
                "the service you use. The key stays on this computer, in your system's keyring, "
                "never in a file."
            ),
            self.tr("What Askshot needs"),
        )

        question = QLabel(self.tr("Which service do you use?"))
        self.choice_group = QButtonGroup(self)
        self.choices: dict[str, QRadioButton] = {}
        labels = {
            "openai": self.tr("&OpenAI"),
            "openrouter": self.tr("Open&Router"),
            "custom": self.tr("I use a &local or custom server"),
        }
        for pid in _CHOICES:
            button = QRadioButton(labels[pid])
            button.setAccessibleName(labels[pid].replace("&", ""))
            self.choice_group.addButton(button)
            self.choices[pid] = button
            button.toggled.connect(self._on_choice)
        question.setBuddy(self.choices["openai"])

        self.url_edit = QLineEdit()
        self.url_edit.setAccessibleName(self.tr("Base URL"))
        self.url_edit.setPlaceholderText(providers.PROVIDERS["custom"].base_url)
        self.url_edit.textEdited.connect(self._clear_status)
        self.where_label = wrapped_label(accessible_name=self.tr("Where to get a key"))
        self.where_label.setTextFormat(Qt.TextFormat.RichText)
        self.where_label.setOpenExternalLinks(True)  # the browser opens only on a click
        self.where_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.key_field = KeyField()
        self.key_field.edit.returnPressed.connect(self.save_and_start)
        self.key_field.edit.textEdited.connect(self._clear_status)
        self.keyring_note = wrapped_label(accessible_name=self.tr("Where the key will be kept"))

        self.start_button = QPushButton(self.tr("Save and start"))
        self.start_button.setAccessibleName(self.tr("Save and start"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.save_and_start)
        self.anyway_button = QPushButton(self.tr("Save anyway"))
        self.anyway_button.setAccessibleName(self.tr("Save anyway"))
        self.anyway_button.setToolTip(self.tr("Save the key without checking it"))
        self.anyway_button.clicked.connect(self._save_anyway)
        self.anyway_button.hide()
        self.continue_button = QPushButton(self.tr("Continue for this session"))
        self.continue_button.setAccessibleName(self.tr("Continue for this session"))
        self.continue_button.clicked.connect(self.completed.emit)
        self.continue_button.hide()

        self.status = wrapped_label(accessible_name=self.tr("Status"))
        self.status.hide()
        env_tip = wrapped_label(
            self.tr(
                "Tip: when the OPENAI_API_KEY (or OPENROUTER_API_KEY) environment variable is "
                "set, Askshot uses it and skips this step. You can change all of this later in "
                "Settings (Ctrl+,)."
            ),
            self.tr("Tip"),
        )
        env_tip.setStyleSheet("color: palette(placeholder-text);")

        # Every layout is attached before it is filled (see FormRows for why).
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        outer.addLayout(row)
        outer.addStretch(2)
        column = QWidget()
        column.setMaximumWidth(620)
        row.addStretch(1)
        row.addWidget(column, 100)
        row.addStretch(1)
        inner = QVBoxLayout(column)
        inner.setSpacing(12)
        inner.addWidget(title)
        inner.addWidget(intro)
        inner.addWidget(question)
        choice_box = QVBoxLayout()
        inner.addLayout(choice_box)
        choice_box.setSpacing(4)
        for button in self.choices.values():
            choice_box.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.where_label)
        fields = QWidget()
        inner.addWidget(fields)
        form = FormRows(fields)
        form.grid.setContentsMargins(0, 0, 0, 0)
        self.url_label = form.add(self.tr("&Base URL:"), self.url_edit)
        form.add(
            self.tr("API &key:"), stacked(self.key_field, self.keyring_note), self.key_field.edit
        )
        buttons = QHBoxLayout()
        inner.addLayout(buttons)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.anyway_button)
        buttons.addWidget(self.continue_button)
        buttons.addStretch(1)
        inner.addWidget(self.status)
        inner.addSpacing(8)
        inner.addWidget(env_tip)

        start = services.settings.provider if services.settings.provider in _CHOICES else "openai"
        if start == "custom":
            self.url_edit.setText(services.settings.base_url)
        self.choices[start].setChecked(True)
        self._on_choice()
        self._show_keyring_note()
        self.setFocusProxy(self.key_field.edit)

    # -- state ----------------------------------------------------------------------------------

    def provider_id(self) -> str:
        for pid, button in self.choices.items():
            if button.isChecked():
                return pid
        return "openai"

    @property
    def busy(self) -> bool:
        return self._test.running

    def _on_choice(self) -> None:
        pid = self.provider_id()
        custom = pid == "custom"
        if self.url_label is not None:
            self.url_label.setVisible(custom)
        self.url_edit.setVisible(custom)
        prov = providers.PROVIDERS[pid]
        if custom:
            self.where_label.setText(
                self.tr(
                    "Any OpenAI-compatible server works: Ollama, LM Studio, llama.cpp or a "
                    "gateway. A key is optional; leave it empty if your server needs none."
                )
            )
            self.key_field.edit.setPlaceholderText(self.tr("Optional"))
        else:
            shown = prov.key_url.removeprefix("https://")
            self.where_label.setText(
                self.tr('Get a key at <a href="{0}">{1}</a>, then paste it below.').format(
                    prov.key_url, shown
                )
            )
            self.key_field.edit.setPlaceholderText(self.tr("Paste your {0} key").format(prov.name))
        self._clear_status()

    def _show_keyring_note(self) -> None:
        keys = self.services.keys
        if keys.available():
            text = self.tr("Your key will be saved in {0}.").format(keys.backend_name())
            self.keyring_note.setStyleSheet("")
        else:
            text = self.tr(
                "No secure keyring is available, so the key would be kept for this session "
                "only. To store it safely, install and unlock GNOME Keyring or KWallet, or set "
                "the environment variable."
            )
            self.keyring_note.setStyleSheet(ERROR_STYLE)
        self.keyring_note.setText(text)

    def _clear_status(self) -> None:
        if self.busy:
            return
        self.status.hide()
        self.anyway_button.hide()

    def _show_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.show()

    def _set_busy(self, busy: bool) -> None:
        for widget in (*self.choices.values(), self.url_edit, self.key_field, self.start_button):
            widget.setEnabled(not busy)
        self.start_button.setText(self.tr("Checking…") if busy else self.tr("Save and start"))
        if busy:
            self.anyway_button.hide()

    # -- save -----------------------------------------------------------------------------------

    def save_and_start(self) -> None:
        """Check the key with the provider in the background; save it when the check passes."""
        if self.busy or self.continue_button.isVisible():
            return
        pid = self.provider_id()
        base_url = self.url_edit.text().strip() if pid == "custom" else ""
        typed = self.key_field.text()
        try:
            key = validate_key(typed) if typed.strip() or pid != "custom" else ""
            endpoint = self._test.start(self.services.env, self.services.keys, pid, base_url, key)
        except AskshotError as exc:
            self._show_status(exc.message, error=True)
            self.key_field.setFocus()
            return
        self._pending = (pid, base_url, key)
        self._set_busy(True)
        self._show_status(self.tr("Checking the connection to {0}…").format(endpoint.host))

    def _on_checked(self, models: list[str]) -> None:
        self._store()
        self.modelsFound.emit(models)

    def _on_check_failed(self, exc: AskshotError) -> None:
        if isinstance(exc, AuthError):
            self._pending = None
            self._show_status(
                self.tr("{0} Check that you copied the whole key.").format(exc.message), True
            )
            return
        self._show_status(
            self.tr("{0} You can save the settings anyway and fix this later.").format(exc.message),
            True,
        )
        self.anyway_button.setVisible(self._pending is not None)

    def _on_check_done(self) -> None:
        visible_anyway = self.anyway_button.isVisible()
        self._set_busy(False)
        self.anyway_button.setVisible(visible_anyway)
        if self.status.isVisible() and self.continue_button.isHidden():
            self.key_field.setFocus()

    def _save_anyway(self) -> None:
        self.anyway_button.hide()
        self._store()

    def _store(self) -> None:
        if self._pending is None:
            return
        pid, base_url, key = self._pending
        current = self.services.settings
        keep_url = current.base_url if current.provider == pid else ""
        new = dataclasses.replace(
            current, provider=pid, base_url=base_url if pid == "custom" else keep_url
        )
        try:
            save(new, self.services.paths)
            self.services.settings = new
            source = self.services.keys.set(pid, key) if key else None
        except AskshotError as exc:
            self._show_status(exc.message, error=True)
            return
        self._pending = None
        self.key_field.edit.clear()
        self.saved_source = source
        if source is None:
            self.outcome = self.tr("Askshot will use {0} without a key.").format(
                base_url or providers.PROVIDERS[pid].base_url
            )
        else:
            self.outcome = source.sentence
        if source is not None and source.kind == "memory":
            self._show_status(self.outcome, error=True)
            self.start_button.hide()
            self.continue_button.show()
            self.continue_button.setFocus()
            return
        self._show_status(self.outcome)
        self.completed.emit()
