"""One-click prompt presets next to the composer ("Explain this", "Extract the text", …),
editable in Settings."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget


class PresetBar(QWidget):
    presetChosen = Signal(str)  # the prompt text

    def __init__(self, presets: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(4)
        self.buttons: list[QPushButton] = []
        self.set_presets(presets)

    def set_presets(self, presets: list[tuple[str, str]]) -> None:
        for button in self.buttons:
            self._row.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        while self._row.count():
            self._row.takeAt(0)
        for label, text in presets:
            button = QPushButton(label, self)
            button.setAccessibleName(self.tr("Send: {0}").format(label))
            button.setToolTip(text)
            button.setFlat(True)
            button.clicked.connect(lambda _=False, t=text: self.presetChosen.emit(t))
            self._row.addWidget(button)
            self.buttons.append(button)
        self._row.addStretch(1)
        self.setVisible(bool(presets))
