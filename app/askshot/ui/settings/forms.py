"""Form pieces shared by the Settings dialog and the first-run panel: the API key field, labels
that wrap at their real width, label / field rows on a grid, and the colours of a problem or a
success note. Kept apart so both forms look and behave the same.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #c62828;"
OK_STYLE = "color: #2e7d32;"


class KeyField(QWidget):
    """A password-mode line edit with a Show/Hide button. The key is never shown unless asked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
            | Qt.InputMethodHint.ImhNoAutoUppercase
        )
        self.edit.setAccessibleName(self.tr("API key"))
        self.toggle = QPushButton(self.tr("Show"))
        self.toggle.setCheckable(True)
        self.toggle.setAutoDefault(False)
        self.toggle.setAccessibleName(self.tr("Show the key"))
        self.toggle.setToolTip(self.tr("Show or hide the key you typed"))
        self.toggle.toggled.connect(self._on_toggled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.toggle)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text()

    def _on_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.edit.setEchoMode(mode)
        self.toggle.setText(self.tr("Hide") if shown else self.tr("Show"))
        self.toggle.setAccessibleName(self.tr("Hide the key") if shown else self.tr("Show the key"))


class WrapLabel(QLabel):
    """A word-wrapped label that asks its layout for the height its text needs at its actual
    width. (Plain wrapped QLabels get a height for a guessed width in form layouts and tab
    pages: a gap above one line, or the second line cut off.)"""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        self.setMinimumHeight(0)  # QLabel's heightForWidth never answers less than the minimum
        height = max(0, self.heightForWidth(self.width())) if self.text() else 0
        self.setMinimumHeight(height)


def wrapped_label(text: str = "", accessible_name: str = "") -> QLabel:
    """A WrapLabel whose text the mouse can select (to copy an error, say)."""
    label = WrapLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if accessible_name:
        label.setAccessibleName(accessible_name)
    return label


def side_by_side(*widgets: QWidget, grow: QWidget) -> QWidget:
    """Widgets in a row in one form field; `grow` (one of them) takes the spare width."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget, 1 if widget is grow else 0)
    return box


def stacked(*widgets: QWidget) -> QWidget:
    """Widgets one above the other in one form field, e.g. a line edit and its note."""
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(4)
    for widget in widgets:
        column.addWidget(widget)
    policy = box.sizePolicy()
    policy.setHeightForWidth(True)
    box.setSizePolicy(policy)
    return box


class FormRows:
    """Label / field rows on a QGridLayout that belongs to `page` from the start.

    Layouts in these widgets always get their widget before anything is added to them, and
    forms are grids, not QFormLayouts: PySide keeps Python references from a layout to widgets
    added while it had no widget (and from a QFormLayout to all its rows), and in PySide 6.12
    the garbage collector crashed on such a reference once the widgets were gone.
    """

    def __init__(self, page: QWidget) -> None:
        self.grid = QGridLayout(page)
        self.grid.setColumnStretch(1, 1)
        self.rows = 0

    def add(self, label: str, field: QWidget, buddy: QWidget | None = None) -> QLabel | None:
        """Add a row and return its label; `buddy` is the widget the label's Alt+letter
        focuses (default: the field)."""
        text = None
        if label:
            target = buddy or field
            text = QLabel(label)
            text.setBuddy(target)
            if isinstance(target, QAbstractScrollArea):  # a tall field: label at its first line
                text.setContentsMargins(0, target.frameWidth() + 3, 0, 0)
            else:  # centred on the field's first line, like QFormLayout does
                text.setMinimumHeight(target.sizeHint().height())
            self.grid.addWidget(text, self.rows, 0, Qt.AlignmentFlag.AlignTop)
        self.grid.addWidget(field, self.rows, 1)
        self.rows += 1
        return text

    def stretch(self, row: int | None = None) -> None:
        """Give spare height to `row`, or to an empty row below the last one."""
        self.grid.setRowStretch(self.rows if row is None else row, 1)


class Invalid(Exception):
    """A value the user must fix: the sentence, and the widget to focus."""

    def __init__(self, message: str, widget: QWidget) -> None:
        super().__init__(message)
        self.message = message
        self.widget = widget
