"""The ask bar: shown beside the selection on the frozen screen as soon as the mouse is released.

The question field has the focus, so typing is asking; Enter sends (Enter alone sends the first
preset), the preset chips send theirs. The markup tools are there for whoever wants them, never a
step: a click, or Alt with the tool's letter, then drag inside the selection. Arrow keys move the
selection while the question is empty (Alt+arrows always; Shift resizes); Esc steps back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

_ARROWS = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_TOOL_KEYS = {
    Qt.Key.Key_C: "crop",
    Qt.Key.Key_B: "rectangle",
    Qt.Key.Key_A: "arrow",
    Qt.Key.Key_N: "text",
    Qt.Key.Key_R: "redact",
}

STYLE = """
#askBar { background: rgba(32, 33, 36, 245); border: 1px solid #3daee9; border-radius: 8px; }
#askBar QLabel { color: #c8c8c8; }
#askBar QLineEdit { color: white; background: #17181a; border: 1px solid #5a5a5a;
  border-radius: 6px; padding: 5px 8px; selection-background-color: #3daee9; }
#askBar QLineEdit:focus { border: 1px solid #3daee9; }
#askBar QPushButton, #askBar QToolButton { color: #f0f0f0; background: #2d2f33;
  border: 1px solid #4a4c50; border-radius: 11px; padding: 3px 10px; }
#askBar QPushButton:hover, #askBar QToolButton:hover { border-color: #3daee9; }
#askBar QPushButton:focus, #askBar QToolButton:focus { border: 1px solid #3daee9; }
#askBar QToolButton:checked { background: #3daee9; color: black; border-color: #3daee9; }
#askBar QPushButton#sendButton { background: #3daee9; color: black; border-color: #3daee9;
  border-radius: 6px; padding: 5px 12px; font-weight: bold; }
"""


class _QuestionEdit(QLineEdit):
    """The question: keys that belong to the selection or the bar are passed up."""

    def __init__(self, bar: AskBar) -> None:
        super().__init__(bar)
        self._bar = bar

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._bar.handle_key(event, empty=not self.text()):
            super().keyPressEvent(event)


class AskBar(QWidget):
    """The bar itself; the overlay places it and acts on its signals."""

    sendRequested = Signal(str)  # the question (a preset's prompt for a chip, or Enter alone)
    attachRequested = Signal()  # the area, marked up, into the main window's message box
    toolChosen = Signal(str)  # one of marks.TOOLS
    undoRequested = Signal()
    backRequested = Signal()  # Esc
    nudgeRequested = Signal(int, int, bool)  # dx, dy, resize

    def __init__(self, presets: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("askBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.setStyleSheet(STYLE)
        self.setAccessibleName(self.tr("Ask about this area"))
        self.presets = list(presets)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(6)

        top = QHBoxLayout()
        top.setSpacing(6)
        self.question = _QuestionEdit(self)
        self.question.setAccessibleName(self.tr("Question about this area"))
        self.question.setMinimumWidth(340)
        default = presets[0][0] if presets else ""
        self.question.setPlaceholderText(
            self.tr("Ask about this area… (Enter alone: {0})").format(default)
            if default
            else self.tr("Ask about this area…")
        )
        top.addWidget(self.question, 1)
        self.send_button = QPushButton(self.tr("Ask"), self)
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip(self.tr("Send the question with this area (Enter)"))
        self.send_button.clicked.connect(self.send)
        top.addWidget(self.send_button)
        column.addLayout(top)

        chips = QHBoxLayout()
        chips.setSpacing(4)
        self.chips: list[QPushButton] = []
        for label, prompt in presets:
            chip = QPushButton(label, self)
            chip.setToolTip(prompt)
            chip.setAccessibleName(self.tr("Ask: {0}").format(label))
            chip.clicked.connect(lambda _=False, p=prompt: self.sendRequested.emit(p))
            chips.addWidget(chip)
            self.chips.append(chip)
        chips.addStretch(1)
        column.addLayout(chips)

        tools = QHBoxLayout()
        tools.setSpacing(4)
        self.size_label = QLabel(self)
        self.size_label.setAccessibleName(self.tr("Size of the area"))
        tools.addWidget(self.size_label)
        tools.addStretch(1)
        self.tools: dict[str, QToolButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        for tool, text, tip in (
            ("crop", self.tr("Area"), self.tr("Move or resize the area (Alt+C)")),
            ("rectangle", self.tr("Box"), self.tr("Draw a box inside the area (Alt+B)")),
            ("arrow", self.tr("Arrow"), self.tr("Draw an arrow (Alt+A)")),
            ("text", self.tr("Note"), self.tr("Click to write a note (Alt+N)")),
            ("redact", self.tr("Redact"), self.tr("Black out what must not be sent (Alt+R)")),
        ):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.clicked.connect(lambda _=False, t=tool: self.toolChosen.emit(t))
            self._group.addButton(button)
            tools.addWidget(button)
            self.tools[tool] = button
        self.tools["crop"].setChecked(True)
        self.undo_button = QToolButton(self)
        self.undo_button.setText(self.tr("Undo"))
        self.undo_button.setToolTip(self.tr("Remove the last mark (Ctrl+Z)"))
        self.undo_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.undo_button.clicked.connect(self.undoRequested)
        tools.addWidget(self.undo_button)
        self.attach_button = QToolButton(self)
        self.attach_button.setText(self.tr("To chat"))
        self.attach_button.setToolTip(
            self.tr("Put the area in Askshot's message box instead (Ctrl+Enter)")
        )
        self.attach_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.attach_button.clicked.connect(self.attachRequested)
        tools.addWidget(self.attach_button)
        column.addLayout(tools)

    def set_tool(self, tool: str) -> None:
        self.tools[tool].setChecked(True)

    def set_size(self, text: str) -> None:
        self.size_label.setText(text)

    def send(self) -> None:
        text = self.question.text().strip()
        if not text and self.presets:
            text = self.presets[0][1]
        self.sendRequested.emit(text)

    def handle_key(self, event: QKeyEvent, *, empty: bool) -> bool:
        """Keys of the bar and the selection, wherever the focus is inside the bar."""
        key = event.key()
        mods = event.modifiers()
        alt = bool(mods & Qt.KeyboardModifier.AltModifier)
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if key in _ENTER:
            (self.attachRequested.emit if ctrl else self.send)()
        elif key == Qt.Key.Key_Escape:
            self.backRequested.emit()
        elif key in _ARROWS and (alt or empty):
            dx, dy = _ARROWS[Qt.Key(key)]
            step = 10 if ctrl else 1
            self.nudgeRequested.emit(
                dx * step, dy * step, bool(mods & Qt.KeyboardModifier.ShiftModifier)
            )
        elif alt and key in _TOOL_KEYS:
            tool = _TOOL_KEYS[Qt.Key(key)]
            self.set_tool(tool)
            self.toolChosen.emit(tool)
        elif ctrl and key == Qt.Key.Key_Z and empty:
            self.undoRequested.emit()
        else:
            return False
        event.accept()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.handle_key(event, empty=not self.question.text()):
            super().keyPressEvent(event)
