"""The Presets page of Settings: a table of one-click prompts (label, prompt text) with Add,
Remove and Restore defaults. A page of its own so the dialog stays about settings, not tables.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from askshot.core.settings import default_presets
from askshot.ui.settings.forms import Invalid, wrapped_label


class PresetsEditor(QWidget):
    """Edits a list of (label, prompt text) presets; `presets()` reads them back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("Label"), self.tr("Prompt text")])
        self.table.setAccessibleName(self.tr("Prompt presets"))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 170)
        self.add_button = QPushButton(self.tr("Add"))
        self.add_button.setAccessibleName(self.tr("Add preset"))
        self.add_button.clicked.connect(self._add)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setAccessibleName(self.tr("Remove preset"))
        self.remove_button.clicked.connect(self._remove)
        self.reset_button = QPushButton(self.tr("Restore defaults"))
        self.reset_button.setAccessibleName(self.tr("Restore default presets"))
        self.reset_button.clicked.connect(lambda: self.set_presets(default_presets()))
        for button in (self.add_button, self.remove_button, self.reset_button):
            button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(
            wrapped_label(self.tr("One-click prompts: double-click a cell (or press F2) to edit."))
        )
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        layout.addLayout(row)  # attached before it is filled (see FormRows)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(self.reset_button)

    def set_presets(self, presets: list[tuple[str, str]]) -> None:
        self.table.setRowCount(0)
        for label, text in presets:
            self._append_row(label, text)

    def presets(self) -> list[tuple[str, str]]:
        """The presets as shown, empty rows left out; raises Invalid for a half-filled row."""
        presets: list[tuple[str, str]] = []
        for row in range(self.table.rowCount()):
            label, text = (self._cell(row, col) for col in (0, 1))
            if not label and not text:
                continue
            if not label or not text:
                raise Invalid(
                    self.tr("Preset {0} needs both a label and a prompt text.").format(row + 1),
                    self.table,
                )
            presets.append((label, text))
        return presets

    def _cell(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text().strip() if item is not None else ""

    def _append_row(self, label: str, text: str) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(label))
        self.table.setItem(row, 1, QTableWidgetItem(text))
        return row

    def _add(self) -> None:
        row = self._append_row("", "")
        self.table.setCurrentCell(row, 0)
        self.table.setFocus()
        item = self.table.item(row, 0)
        if item is not None:
            self.table.editItem(item)

    def _remove(self) -> None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        if not rows and self.table.currentRow() >= 0:
            rows = {self.table.currentRow()}
        for row in sorted(rows, reverse=True):
            self.table.removeRow(row)
