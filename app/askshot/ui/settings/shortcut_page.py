"""The Shortcut page of Settings: the global shortcut with the system's verdict beside it (bound,
taken by another application, not possible on this desktop and what to do instead, with
copyable commands), starting Askshot at login, and what closing the window does.

A new shortcut is bound as soon as it is recorded, so its verdict shows at once; Cancel puts the
old one back. Autostart shows what is on disk (or in the registry) now, and is written on OK.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QKeySequenceEdit,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from askshot.core.settings import Settings
from askshot.platform import desktop
from askshot.platform.hotkey import Status
from askshot.ui.settings.forms import (
    ERROR_STYLE,
    OK_STYLE,
    FormRows,
    side_by_side,
    stacked,
    wrapped_label,
)
from askshot.ui.shell.global_shortcut import GlobalShortcut


class ShortcutPage(QWidget):
    def __init__(self, shortcut: GlobalShortcut | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shortcut = shortcut
        self._initial = ""  # the chord when the dialog opened, for Cancel

        self.key_edit = QKeySequenceEdit()
        self.key_edit.setMaximumSequenceLength(1)
        self.key_edit.setAccessibleName(self.tr("Global shortcut"))
        self.key_edit.setToolTip(self.tr("Press the keys that start a capture from anywhere"))
        self.key_edit.editingFinished.connect(self._on_recorded)
        inner = self.key_edit.findChild(QLineEdit)  # what a screen reader lands on
        if inner is not None:
            inner.setAccessibleName(self.tr("Global shortcut"))
        self.clear_button = QPushButton(self.tr("Turn off"))
        self.clear_button.setAutoDefault(False)
        self.clear_button.setAccessibleName(self.tr("Turn the global shortcut off"))
        self.clear_button.clicked.connect(self._on_clear)
        key_row = side_by_side(self.key_edit, self.clear_button, grow=self.key_edit)
        self.verdict = wrapped_label(accessible_name=self.tr("Global shortcut status"))

        self.instructions = QPlainTextEdit()
        self.instructions.setReadOnly(True)
        self.instructions.setAccessibleName(self.tr("Commands that bind the shortcut"))
        self.instructions.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = self.instructions.font()
        mono.setFamily("monospace")
        mono.setStyleHint(mono.StyleHint.Monospace)
        self.instructions.setFont(mono)
        self.copy_button = QPushButton(self.tr("Copy commands"))
        self.copy_button.setAutoDefault(False)
        self.copy_button.setAccessibleName(self.tr("Copy the commands"))
        self.copy_button.clicked.connect(self._copy)
        self.instructions_box = stacked(self.instructions, self.copy_button)
        self.instructions_box.hide()

        self.autostart = QCheckBox(self.tr("Start Askshot when I &log in (in the background)"))
        self.autostart.setAccessibleName(self.tr("Start Askshot when I log in"))
        self.close_to_tray = QCheckBox(self.tr("&Closing the window keeps Askshot in the tray"))
        self.close_to_tray.setAccessibleName(
            self.tr("Closing the window keeps Askshot in the tray")
        )

        form = FormRows(self)
        form.add(
            self.tr("&Global shortcut:"),
            stacked(key_row, self.verdict, self.instructions_box),
            self.key_edit,
        )
        form.add("", self.autostart)
        form.add("", self.close_to_tray)
        form.stretch()
        if shortcut is not None:
            shortcut.statusChanged.connect(self._show_status)

    # -- load / apply ---------------------------------------------------------------------------

    def load(self, settings: Settings) -> None:
        self._initial = settings.hotkey
        self.key_edit.setKeySequence(QKeySequence.fromString(settings.hotkey))
        self.close_to_tray.setChecked(settings.close_to_tray)
        self.autostart.setChecked(self._autostart_now())
        self.key_edit.setEnabled(self.shortcut is not None)
        self.clear_button.setEnabled(self.shortcut is not None)
        if self.shortcut is None:
            self.verdict.setText(
                self.tr("The global shortcut works while Askshot runs as the app (`askshot`).")
            )
        else:
            self._show_status(self.shortcut.status)

    def _autostart_now(self) -> bool:
        try:
            return desktop.autostart_enabled()
        except OSError:
            return False

    def apply(self) -> str | None:
        """On OK: autostart as checked; a sentence when it could not be changed."""
        want = self.autostart.isChecked()
        if want == self._autostart_now():
            return None
        try:
            desktop.set_autostart(want)
        except OSError as exc:
            return self.tr("Askshot could not change starting at login: {0}").format(
                exc.strerror or exc
            )
        return None

    def revert(self) -> None:
        """On Cancel: the shortcut the dialog opened with."""
        if self.shortcut is not None and self.shortcut.services.settings.hotkey != self._initial:
            self.shortcut.rebind(self._initial)

    # -- the shortcut ---------------------------------------------------------------------------

    def chord_text(self) -> str:
        return self.key_edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)

    def _on_recorded(self) -> None:
        if self.shortcut is None:
            return
        text = self.chord_text()
        if text == self.shortcut.services.settings.hotkey and self.shortcut.status.verdict in (
            "bound",
            "waiting",
        ):
            self._show_status(self.shortcut.status)  # back to the chord that works: say so
            return
        self._show_status(self.shortcut.rebind(text))

    def _on_clear(self) -> None:
        self.key_edit.clear()
        if self.shortcut is not None:
            self._show_status(self.shortcut.rebind(""))

    def _show_status(self, status: Status) -> None:
        native = QKeySequence.fromString(status.chord).toString(
            QKeySequence.SequenceFormat.NativeText
        )
        text = status.sentence.replace(status.chord, native) if status.chord else status.sentence
        self.verdict.setText(text)
        ok = status.verdict == "bound"
        problem = status.verdict in ("taken", "unsupported", "invalid")
        self.verdict.setStyleSheet(OK_STYLE if ok else ERROR_STYLE if problem else "")
        steps = None
        if status.verdict in ("taken", "unsupported") and self.shortcut is not None:
            steps = self.shortcut.instructions(status.chord or self.chord_text())
        if steps is not None:
            if status.verdict == "taken":  # another chord here, or the desktop binds it
                text += " " + self.tr("Or let {0} run Askshot with it:").format(steps.desktop)
                self.verdict.setText(text)
            self.instructions.setPlainText(steps.commands)
            self._fit_instructions(steps.commands)
            self.instructions_box.show()
        else:
            self.instructions_box.hide()

    def _fit_instructions(self, commands: str) -> None:
        """As tall as its lines (up to eight), plus room for the horizontal scroll bar."""
        box = self.instructions
        lines = min(commands.count("\n") + 1, 8)
        margins = 2 * (box.frameWidth() + int(box.document().documentMargin()))
        bar = box.horizontalScrollBar().sizeHint().height()
        box.setFixedHeight(lines * (box.fontMetrics().lineSpacing() + 1) + margins + bar + 4)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.instructions.toPlainText())
        self.copy_button.setText(self.tr("Copied"))
