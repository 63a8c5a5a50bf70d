"""The Settings dialog (Ctrl+,): provider, base URL, API key (into the OS keyring only), a
"Test connection" that lists the endpoint's models off the GUI thread, the default model and
effort, answer options, appearance and prompt presets.

OK writes ``settings.json`` and the keyring; Cancel changes nothing, the key included. The models
a test finds are offered in the dialog's model box and, through `modelsFound`, in the composer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from askshot.core import providers
from askshot.core.endpoint import OPENAI_BASE_URL
from askshot.core.errors import AskshotError
from askshot.core.keys.store import KeySource, validate_key
from askshot.core.llm.client import ChatClient
from askshot.core.settings import SEND_KEYS, THEMES, Settings, save
from askshot.ui.composer.pickers import fill_efforts
from askshot.ui.settings.connection import ConnectionTest, base_url_problem
from askshot.ui.settings.forms import (
    ERROR_STYLE,
    OK_STYLE,
    FormRows,
    Invalid,
    KeyField,
    side_by_side,
    stacked,
    wrapped_label,
)
from askshot.ui.settings.presets_editor import PresetsEditor
from askshot.ui.settings.shortcut_page import ShortcutPage
from askshot.ui.shell.global_shortcut import GlobalShortcut
from askshot.ui.shell.services import Services

_DEFAULT_MODELS = ("o4-mini", "gpt-4o-mini")


class SettingsDialog(QDialog):
    """Edits `services.settings` and the API keys. `settingsChanged(Settings)` fires after OK
    saved the file; `services.settings` is then the new value."""

    settingsChanged = Signal(object)  # Settings
    modelsFound = Signal(list)  # list[str]: the models a connection test found

    def __init__(
        self,
        services: Services,
        client: Callable[[], ChatClient],
        parent: QWidget | None = None,
        *,
        shortcut: GlobalShortcut | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.saved_source: KeySource | None = None  # where the last key saved on OK went
        self._test = ConnectionTest(client, self)
        self._test.modelsFound.connect(self._on_models)
        self._test.failed.connect(self._on_test_failed)
        self._test.finished.connect(self._on_test_done)
        s = services.settings
        self._provider = s.provider
        self._urls: dict[str, str] = {s.provider: s.base_url}  # base URL per provider
        self._typed: dict[str, str] = {}  # keys typed but not saved yet, per provider
        self._remove: set[str] = set()  # providers whose stored key goes on OK

        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(600)
        self.resize(640, 460)  # room for two-line notes: tab pages do not grow with their text
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Settings pages"))
        self.tabs.addTab(self._connection_page(), self.tr("Connection"))
        self.tabs.addTab(self._answers_page(), self.tr("Answers"))
        self.presets_page = PresetsEditor()
        self.presets_table = self.presets_page.table
        self.add_preset_button = self.presets_page.add_button
        self.remove_preset_button = self.presets_page.remove_button
        self.reset_presets_button = self.presets_page.reset_button
        self.tabs.addTab(self.presets_page, self.tr("Presets"))
        self.tabs.addTab(self._general_page(), self.tr("General"))
        self.shortcut_page = ShortcutPage(shortcut)
        self.tabs.addTab(self.shortcut_page, self.tr("Shortcut"))
        self.error = wrapped_label(accessible_name=self.tr("Problem"))
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setAccessibleName(self.tr("OK"))
        ok.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName(
            self.tr("Cancel")
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self._load(s)
        self.provider_combo.currentIndexChanged.connect(self._on_provider_changed)
        self.provider_combo.setFocus()

    # -- pages ----------------------------------------------------------------------------------

    def _connection_page(self) -> QWidget:
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName(self.tr("Provider"))
        names = {
            "openai": self.tr("OpenAI"),
            "openrouter": self.tr("OpenRouter"),
            "custom": self.tr("Custom (OpenAI-compatible)"),
        }
        for pid in providers.PROVIDERS:
            self.provider_combo.addItem(names.get(pid, providers.PROVIDERS[pid].name), pid)

        self.url_edit = QLineEdit()
        self.url_edit.setAccessibleName(self.tr("Base URL"))
        self.url_edit.textEdited.connect(self._on_url_edited)
        self.url_hint = wrapped_label(accessible_name=self.tr("Base URL note"))

        self.key_field = KeyField()
        self.key_field.edit.textEdited.connect(self._on_key_edited)
        self.remove_key_button = QPushButton(self.tr("Remove key"))
        self.remove_key_button.setAutoDefault(False)
        self.remove_key_button.setAccessibleName(self.tr("Remove key"))
        self.remove_key_button.setToolTip(self.tr("Forget the stored key when you press OK"))
        self.remove_key_button.clicked.connect(self._on_remove_key)
        key_row = side_by_side(self.key_field, self.remove_key_button, grow=self.key_field)
        self.key_source = wrapped_label(accessible_name=self.tr("Where the key is kept"))

        self.test_button = QPushButton(self.tr("Test connection"))
        self.test_button.setAutoDefault(False)
        self.test_button.setAccessibleName(self.tr("Test connection"))
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = wrapped_label(accessible_name=self.tr("Connection test result"))
        test_row = side_by_side(self.test_button, self.test_result, grow=self.test_result)

        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_combo.setMaxVisibleItems(15)
        self.model_combo.setAccessibleName(self.tr("Default model"))
        completer = QCompleter(self.model_combo.model(), self.model_combo)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.model_combo.setCompleter(completer)
        self.model_combo.currentTextChanged.connect(self._update_effort)

        self.effort_combo = QComboBox()
        self.effort_combo.setAccessibleName(self.tr("Reasoning effort"))
        self._wanted_effort = self.services.settings.effort
        self.effort_combo.activated.connect(
            lambda _i: setattr(self, "_wanted_effort", self.effort_combo.currentData())
        )

        page = QWidget()
        form = FormRows(page)
        form.add(self.tr("&Provider:"), self.provider_combo)
        form.add(self.tr("&Base URL:"), stacked(self.url_edit, self.url_hint), self.url_edit)
        key_box = stacked(key_row, self.key_source, test_row)
        form.add(self.tr("API &key:"), key_box, self.key_field.edit)
        form.add(self.tr("Default &model:"), self.model_combo)
        form.add(self.tr("Reasoning &effort:"), self.effort_combo)
        form.stretch()
        return page

    def _answers_page(self) -> QWidget:
        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setTabChangesFocus(True)
        self.system_prompt.setAccessibleName(self.tr("System prompt"))
        self.system_prompt.setPlaceholderText(self.tr("Instructions sent before every question"))
        self.timeout_spin = QSpinBox()
        self.timeout_spin.setRange(5, 3600)
        self.timeout_spin.setSuffix(self.tr(" s"))
        self.timeout_spin.setAccessibleName(self.tr("Answer wait timeout in seconds"))
        self.timeout_spin.setToolTip(
            self.tr("The longest wait for the next piece of the answer; reasoning can be silent")
        )
        self.max_tokens_spin = QSpinBox()
        self.max_tokens_spin.setRange(0, 1_000_000)
        self.max_tokens_spin.setSingleStep(1000)
        self.max_tokens_spin.setSpecialValueText(self.tr("No limit"))
        self.max_tokens_spin.setAccessibleName(self.tr("Maximum output tokens"))
        self.max_tokens_spin.setToolTip(self.tr("0 means no limit; reasoning tokens count too"))
        self.budget_spin = QDoubleSpinBox()
        self.budget_spin.setRange(0, 100_000)
        self.budget_spin.setDecimals(2)
        self.budget_spin.setSingleStep(1)
        self.budget_spin.setPrefix("$")
        self.budget_spin.setSpecialValueText(self.tr("No budget"))
        self.budget_spin.setAccessibleName(self.tr("Monthly budget in US dollars"))
        self.budget_spin.setToolTip(
            self.tr(
                "What answers may cost in a calendar month; a question that would pass it "
                "asks first. 0 means no budget."
            )
        )
        page = QWidget()
        form = FormRows(page)
        form.add(self.tr("&System prompt:"), self.system_prompt)
        form.add(self.tr("Answer &wait timeout:"), self.timeout_spin)
        form.add(self.tr("Ma&x output tokens:"), self.max_tokens_spin)
        form.add(self.tr("Monthly &budget:"), self.budget_spin)
        form.stretch(0)
        return page

    def _general_page(self) -> QWidget:
        self.theme_combo = QComboBox()
        self.theme_combo.setAccessibleName(self.tr("Theme"))
        theme_names = {
            "system": self.tr("System"),
            "light": self.tr("Light"),
            "dark": self.tr("Dark"),
            "high-contrast": self.tr("High contrast"),
        }
        for theme in THEMES:
            self.theme_combo.addItem(theme_names[theme], theme)
        self.send_key_combo = QComboBox()
        self.send_key_combo.setAccessibleName(self.tr("Send key"))
        send_names = {
            "enter": self.tr("Enter sends, Shift+Enter adds a line"),
            "ctrl+enter": self.tr("Ctrl+Enter sends, Enter adds a line"),
        }
        for key in SEND_KEYS:
            self.send_key_combo.addItem(send_names[key], key)
        self.keep_screenshots = QCheckBox(self.tr("Keep screenshots in the &history"))
        self.keep_screenshots.setAccessibleName(self.tr("Keep screenshots in the history"))
        page = QWidget()
        form = FormRows(page)
        form.add(self.tr("&Theme:"), self.theme_combo)
        form.add(self.tr("Se&nd with:"), self.send_key_combo)
        form.add("", self.keep_screenshots)
        form.stretch()
        return page

    # -- load -----------------------------------------------------------------------------------

    def _load(self, s: Settings) -> None:
        self.provider_combo.setCurrentIndex(max(0, self.provider_combo.findData(s.provider)))
        self._fill_models([])
        self.model_combo.setCurrentText(s.model)
        self._wanted_effort = s.effort
        self.system_prompt.setPlainText(s.system_prompt)
        self.timeout_spin.setValue(round(s.timeout_s))
        self.max_tokens_spin.setValue(s.max_output_tokens or 0)
        self.budget_spin.setValue(s.monthly_budget_usd or 0)
        self.presets_page.set_presets(s.prompt_presets)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(s.theme)))
        self.send_key_combo.setCurrentIndex(max(0, self.send_key_combo.findData(s.send_key)))
        self.keep_screenshots.setChecked(s.keep_screenshots)
        self.shortcut_page.load(s)
        self._show_provider()
        self._update_effort()

    # -- provider, URL and key ------------------------------------------------------------------

    def provider_id(self) -> str:
        return str(self.provider_combo.currentData())

    def _on_provider_changed(self) -> None:
        self._typed[self._provider] = self.key_field.text()
        self._provider = self.provider_id()
        self.key_field.edit.setText(self._typed.get(self._provider, ""))
        self.test_result.clear()
        self._show_provider()

    def _show_provider(self) -> None:
        pid = self.provider_id()
        prov = providers.PROVIDERS[pid]
        custom = pid == "custom"
        self.url_edit.setEnabled(custom)  # the provider's own address, shown for reference
        self.url_edit.setPlaceholderText(prov.base_url if custom else "")
        self.url_edit.setText(self._urls.get(pid, "") if custom else self._effective_url(pid))
        self._update_url_hint()
        self._update_key_source()

    def _effective_url(self, pid: str) -> str:
        return self._urls.get(pid, "") or providers.PROVIDERS[pid].base_url

    def _on_url_edited(self, text: str) -> None:
        self._urls[self.provider_id()] = text.strip()
        self._update_url_hint()

    def _update_url_hint(self) -> None:
        custom = self.provider_id() == "custom"
        problem = base_url_problem(self.url_edit.text()) if custom else None
        parts: list[str] = []
        if problem:
            parts.append(problem)
        elif custom:
            parts.append(
                self.tr(
                    "Any OpenAI-compatible server (Ollama, LM Studio, llama.cpp, a gateway). "
                    "Empty means {0}."
                ).format(providers.PROVIDERS["custom"].base_url)
            )
        override = self.services.env.get(OPENAI_BASE_URL, "").strip()
        if override and self.provider_id() == "openai":
            parts.append(
                self.tr("The OPENAI_BASE_URL environment variable overrides this: {0}").format(
                    override
                )
            )
        self.url_hint.setText(" ".join(parts))
        self.url_hint.setStyleSheet(ERROR_STYLE if problem else "")
        self.url_hint.setVisible(bool(parts))

    def _on_key_edited(self, text: str) -> None:
        if text and self.provider_id() in self._remove:
            self._remove.discard(self.provider_id())
            self._update_key_source()

    def _on_remove_key(self) -> None:
        pid = self.provider_id()
        self._remove.add(pid)
        self._typed.pop(pid, None)
        self.key_field.edit.clear()
        self._update_key_source()
        self.key_field.setFocus()

    def _update_key_source(self) -> None:
        pid = self.provider_id()
        keys = self.services.keys
        stored = False
        if pid in self._remove:
            text = self.tr("The stored key will be removed when you press OK.")
            placeholder = self.tr("Paste a new key, or leave empty")
        else:
            try:
                source = keys.source(pid)
            except AskshotError as exc:
                source = None
                text = exc.message
            if source is not None:
                text = source.sentence
                stored = source.kind in ("keyring", "memory")
                if source.kind == "none" and source.note is None:
                    optional = (
                        self.tr(" (a local server often needs none)") if pid == "custom" else ""
                    )
                    text = self.tr(
                        "No API key is stored{0}. A key you enter here is saved in {1}."
                    ).format(optional, keys.backend_name())
            if source is not None and source.kind == "env":
                placeholder = self.tr("•••• from {0}").format(source.where)
            elif stored:
                placeholder = self.tr("•••• stored (type a new key to replace it)")
            elif pid == "custom":
                placeholder = self.tr("Optional for local servers")
            else:
                placeholder = self.tr("Paste your API key")
        self.key_source.setText(text)
        self.key_field.edit.setPlaceholderText(placeholder)
        self.remove_key_button.setEnabled(stored)

    # -- model and effort -----------------------------------------------------------------------

    def _fill_models(self, extra: list[str]) -> None:
        text = self.model_combo.currentText()
        items = list(dict.fromkeys([*_DEFAULT_MODELS, *extra]))
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        self.model_combo.addItems(items)
        self.model_combo.setCurrentText(text)
        self.model_combo.blockSignals(False)

    def _update_effort(self) -> None:
        model_id = self.model_combo.currentText().strip()
        reasoning = bool(model_id) and providers.model(model_id).reasoning
        self.effort_combo.setEnabled(reasoning)
        if reasoning:  # the model's family's efforts, the chosen one or its nearest
            fill_efforts(
                self.effort_combo,
                providers.model(model_id).efforts,
                providers.effort_for(model_id, self._wanted_effort),
            )
        self.effort_combo.setToolTip(
            "" if reasoning else self.tr("Only reasoning models (such as o4-mini) take an effort")
        )

    # -- test connection ------------------------------------------------------------------------

    @property
    def testing(self) -> bool:
        return self._test.running

    def test_connection(self) -> None:
        """List the endpoint's models in the background with the key as typed (or stored)."""
        if self._test.running:
            return
        pid = self.provider_id()
        try:
            endpoint = self._test.start(
                self.services.env,
                self.services.keys,
                pid,
                self._urls.get(pid, ""),
                self.key_field.text(),
            )
        except AskshotError as exc:
            self._show_test_result(exc.message, ok=False)
            return
        self.test_button.setEnabled(False)
        self._show_test_result(self.tr("Testing {0}…").format(endpoint.host), ok=None)

    def _on_models(self, models: list[str]) -> None:
        self._fill_models(models)
        n = len(models)
        text = self.tr("Connected: 1 model") if n == 1 else self.tr("Connected: {0} models")
        self._show_test_result(text.format(n), ok=True)
        self.modelsFound.emit(models)

    def _on_test_failed(self, exc: AskshotError) -> None:
        self._show_test_result(exc.message, ok=False)

    def _on_test_done(self) -> None:
        self.test_button.setEnabled(True)

    def _show_test_result(self, text: str, ok: bool | None) -> None:
        self.test_result.setText(text)
        self.test_result.setStyleSheet("" if ok is None else OK_STYLE if ok else ERROR_STYLE)

    # -- OK / Cancel ----------------------------------------------------------------------------

    def collect(self) -> Settings:
        """The settings as shown; raises Invalid with a sentence for values that need fixing."""
        pid = self.provider_id()
        base_url = self._urls.get(pid, "")
        if pid == "custom":
            problem = base_url_problem(base_url)
            if problem:
                raise Invalid(problem, self.url_edit)
        model_id = self.model_combo.currentText().strip()
        if not model_id:
            raise Invalid(self.tr("Enter a model, for example o4-mini."), self.model_combo)
        presets = self.presets_page.presets()
        max_tokens = self.max_tokens_spin.value()
        return dataclasses.replace(
            self.services.settings,
            provider=pid,
            base_url=base_url,
            model=model_id,
            effort=self.effort_combo.currentData() or self._wanted_effort,
            system_prompt=self.system_prompt.toPlainText().strip(),
            theme=self.theme_combo.currentData(),
            send_key=self.send_key_combo.currentData(),
            keep_screenshots=self.keep_screenshots.isChecked(),
            close_to_tray=self.shortcut_page.close_to_tray.isChecked(),
            max_output_tokens=max_tokens or None,
            timeout_s=float(self.timeout_spin.value()),
            monthly_budget_usd=self.budget_spin.value() or None,
            prompt_presets=presets,
        )

    def accept(self) -> None:
        self._typed[self.provider_id()] = self.key_field.text()
        try:
            new = self.collect()
            keys = {pid: validate_key(t) for pid, t in self._typed.items() if t.strip()}
        except Invalid as exc:
            self._fail(exc.message, exc.widget)
            return
        except AskshotError as exc:
            self._fail(exc.message, self.key_field.edit)
            return
        try:
            save(new, self.services.paths)
        except AskshotError as exc:
            self._fail(exc.message, None)
            return
        self.services.settings = new
        failure = None
        try:  # keys before the signal, so whoever listens finds the new key in place
            for pid in sorted(self._remove):
                self.services.keys.delete(pid)
                self._remove.discard(pid)
            for pid, key in keys.items():
                self.saved_source = self.services.keys.set(pid, key)
                self._typed.pop(pid, None)
        except AskshotError as exc:  # a locked keyring: the settings are saved, the key is not
            failure = exc
        self.settingsChanged.emit(new)
        if failure is not None:
            self._update_key_source()
            self._fail(failure.message, self.key_field.edit)
            return
        problem = self.shortcut_page.apply()
        if problem is not None:
            self._fail(problem, self.shortcut_page.autostart)
            return
        super().accept()

    def reject(self) -> None:
        self.shortcut_page.revert()
        super().reject()

    def _fail(self, message: str, widget: QWidget | None) -> None:
        self.error.setText(message)
        self.error.show()
        if widget is None:
            return
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is not None and page.isAncestorOf(widget):
                self.tabs.setCurrentIndex(index)
        widget.setFocus()

    def done(self, result: int) -> None:
        # A running test keeps going on its own (run_in_background) and reports to nobody if
        # this dialog is deleted meanwhile; nothing waits for it here, so closing never blocks.
        self._typed.clear()  # typed keys leave memory whether saved or not
        self.key_field.edit.clear()
        super().done(result)
