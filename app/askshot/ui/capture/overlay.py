"""The region overlay: one frameless, always-on-top, full-screen window per screen shows the frozen
screenshot, dims everything but the selection and shows the selection's size in physical pixels.

Drag to select (drag inside the selection to move it, drag its edges or corners to resize it);
arrow keys move it by 1 logical pixel (10 with Ctrl), Shift+arrows resize it, and the first arrow
key with nothing selected starts a centred selection. Enter accepts (the whole screen under the
cursor if nothing is selected), Esc cancels; F takes the screen under the cursor, W the window
under it (X11), R the last accepted area.

In ask mode (the global shortcut), releasing the mouse shows the ask bar beside the selection
instead: F, W, R and Enter select rather than accept, the question is typed there, markup is drawn
straight on the frozen screen (marks.py), and sending takes the area with its marks and question.

The overlays of one capture share a `SelectionState` in global logical coordinates, so a
selection can span screens. This module is only the per-screen widget and its mouse and
keyboard selection; the capture controller opens one per screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFontMetrics,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QRegion,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from askshot.platform import geometry
from askshot.platform.capture import Capture, CaptureError, ScreenShot, to_qrect, to_rect
from askshot.ui.capture import marks
from askshot.ui.capture.annotations import Annotation, Arrow, TextNote, flatten

if TYPE_CHECKING:
    from askshot.ui.capture.annotate import _NoteEdit
    from askshot.ui.capture.askbar import AskBar

log = logging.getLogger("askshot.capture")

DIM = QColor(0, 0, 0, 110)
HANDLE = 7  # side of a resize handle; edges grab this close, in logical pixels
_EDGE_CURSORS = {
    "l": Qt.CursorShape.SizeHorCursor,
    "r": Qt.CursorShape.SizeHorCursor,
    "t": Qt.CursorShape.SizeVerCursor,
    "b": Qt.CursorShape.SizeVerCursor,
    "lt": Qt.CursorShape.SizeFDiagCursor,
    "rb": Qt.CursorShape.SizeFDiagCursor,
    "rt": Qt.CursorShape.SizeBDiagCursor,
    "lb": Qt.CursorShape.SizeBDiagCursor,
}
ACCENT = QColor(61, 174, 233)
LABEL_BG = QColor(20, 20, 20, 220)

_ARROWS = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}


def no_window_message(capture: Capture) -> str:
    if not capture.windows:
        return QCoreApplication.translate(
            "RegionOverlay",
            "Picking a window works on X11 only here; drag over the window instead.",
        )
    return QCoreApplication.translate(
        "RegionOverlay", "No window under the cursor; drag over an area."
    )


def _outside(area: QRect, hole: QRect) -> list[QRect]:
    """`area` minus `hole` as up to four rectangles (top, bottom, left, right)."""
    cut = area.intersected(hole)
    if cut.isEmpty():
        return [area]
    top, bottom = cut.y(), cut.y() + cut.height()
    parts = [
        QRect(area.x(), area.y(), area.width(), top - area.y()),
        QRect(area.x(), bottom, area.width(), area.y() + area.height() - bottom),
        QRect(area.x(), top, cut.x() - area.x(), cut.height()),
        QRect(
            cut.x() + cut.width(),
            top,
            area.x() + area.width() - cut.x() - cut.width(),
            cut.height(),
        ),
    ]
    return [p for p in parts if not p.isEmpty()]


class SelectionState(QObject):
    """What the overlays of one capture share: the selection (global logical coordinates, None
    while nothing is selected), the last known cursor position and a message for the user."""

    changed = Signal()

    def __init__(
        self, capture: Capture, last_region: QRect | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.capture = capture
        self.bounds = capture.virtual_geometry()
        self.rect: QRect | None = None
        self.last_region = QRect(last_region) if last_region is not None else None
        self.cursor: QPoint | None = None
        self.dragging = False
        self.message = ""
        # ask mode: the bar beside the selection, the marks, the question and how it is sent
        self.ask = False
        self.presets: list[tuple[str, str]] = []
        self.marks: list[Annotation] = []
        self.tool = "crop"
        self.question = ""
        self.intent: str = "accept"  # "ask": send the question; "attach": to the message box

    def add_mark(self, mark: Annotation) -> None:
        self.marks.append(mark)
        self.changed.emit()

    def undo_mark(self) -> None:
        if self.marks:
            self.marks.pop()
            self.changed.emit()

    def set_rect(self, rect: QRect | None) -> None:
        if rect is not None:
            rect = rect.normalized().intersected(self.bounds)
            if rect.isEmpty():
                rect = None
        if rect != self.rect:
            self.rect = rect
            self.message = ""
            self.changed.emit()

    def set_message(self, text: str) -> None:
        if text != self.message:
            self.message = text
            self.changed.emit()

    def set_dragging(self, dragging: bool) -> None:
        if dragging != self.dragging:
            self.dragging = dragging
            self.changed.emit()


class RegionOverlay(QWidget):
    """The overlay for screen `index` of `capture`; give every overlay of one capture the same
    `state`. Emits `accepted(image, logical rect)` with the crop in physical pixels."""

    accepted = Signal(QImage, QRect)
    cancelled = Signal()
    firstPainted = Signal()

    capture: Capture
    shot: ScreenShot
    state: SelectionState
    _drag: tuple[str, QPoint, QRect | None] | None

    def __init__(
        self,
        capture: Capture,
        index: int = 0,
        state: SelectionState | None = None,
        parent: QWidget | None = None,
    ) -> None:
        flags = (
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        super().__init__(parent, flags)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setWindowTitle(self.tr("Askshot: select an area"))
        self.setAccessibleName(self.tr("Screenshot: select an area"))
        self._connected: SelectionState | None = None
        self._bar: AskBar | None = None
        self._note: _NoteEdit | None = None
        self._drawing: tuple[QPointF, QPointF] | None = None  # a mark being dragged
        self._build_toolbar()
        self.load(capture, index, state)

    def detach(self) -> None:
        """Stop following the capture's selection (its session is going away)."""
        old, self._connected = self._connected, None
        # Hidden, it keeps no frozen screen (a 4K one is 33 MB): only its place.
        self.shot = ScreenShot(QImage(), self.shot.geometry, self.shot.dpr, self.shot.name)
        self.capture = Capture([self.shot])
        if old is not None:
            old.changed.disconnect(self._on_state_changed)
            if old.parent() is self:
                old.deleteLater()

    def load(self, capture: Capture, index: int = 0, state: SelectionState | None = None) -> None:
        """Show screen `index` of `capture` with `state`: a new capture in this (hidden) overlay,
        whose window and pixel buffers are already there, so it paints at once."""
        if self._connected is not None:
            self.detach()
        self.capture = capture
        self.index = index
        self.shot = capture.screens[index]
        self.state = state if state is not None else SelectionState(capture, parent=self)
        self.state.changed.connect(self._on_state_changed)
        self._connected = self.state
        self._origin = self.shot.geometry.topLeft()
        self._drag = None
        self._drawing = None
        self._drop_note()
        if self._bar is not None:
            self._bar.hide()
            self._bar.deleteLater()  # its presets and question belong to the last capture
            self._bar = None
        self._decorated = QRegion()
        self._painted = False
        self.setGeometry(self.shot.geometry)
        self.buttons["last"].setEnabled(self.state.last_region is not None)
        self._on_state_changed()
        self.update()

    # -- toolbar --------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QWidget(self)
        self.toolbar = bar
        bar.setObjectName("captureToolbar")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        bar.setCursor(Qt.CursorShape.ArrowCursor)
        bar.setStyleSheet(
            "#captureToolbar { background: rgba(30, 30, 30, 230); border-radius: 6px; }"
            "QLabel { color: white; padding: 0 6px; }"
            "QToolButton { color: white; background: transparent; border: 1px solid #666;"
            " border-radius: 4px; padding: 3px 8px; }"
            "QToolButton:hover { background: #3daee9; border-color: #3daee9; }"
            "QToolButton:disabled { color: #777; border-color: #444; }"
        )
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 6, 8, 6)
        row.setSpacing(6)
        self.hint_label = QLabel(bar)
        self.hint_label.setAccessibleName(self.tr("Hint"))
        row.addWidget(self.hint_label)
        self.buttons: dict[str, QToolButton] = {}
        actions: list[tuple[str, str, str, Callable[[], None]]] = [
            (
                "fullscreen",
                self.tr("Full screen"),
                self.tr("The screen under the cursor (F)"),
                self.take_screen,
            ),
            (
                "window",
                self.tr("Window"),
                self.tr("The window under the cursor (W)"),
                self.take_window,
            ),
            (
                "last",
                self.tr("Last area"),
                self.tr("The area you chose last time (R)"),
                self.take_last,
            ),
            ("cancel", self.tr("Cancel"), self.tr("Close without a screenshot (Esc)"), self.cancel),
        ]
        for key, text, tip, slot in actions:
            button = QToolButton(bar)
            button.setText(text)
            button.setToolTip(tip)
            button.setAccessibleName(text)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[key] = button

    def _place_toolbar(self) -> None:
        bar = self.toolbar
        bar.adjustSize()
        w, h = bar.width(), bar.height()
        x = (self.width() - w) // 2
        bottom = QRect(x, self.height() - h - 24, w, h)
        sel = self._local_selection()
        bar.move((bottom if not bottom.intersects(sel) else QRect(x, 24, w, h)).topLeft())

    # -- state ----------------------------------------------------------------------------------

    def _local_selection(self) -> QRect:
        rect = self.state.rect
        if rect is None:
            return QRect()
        return rect.translated(-self._origin).intersected(self.rect())

    def _global(self, local: QPoint) -> QPoint:
        return local + self._origin

    def _hint(self) -> str:
        if self.state.message:
            return self.state.message
        if self.state.rect is None:
            return self.tr("Drag over an area, or press Enter for the whole screen.")
        return self.tr("Enter: use this area · arrows: move · Shift+arrows: resize · Esc: cancel")

    def _on_state_changed(self) -> None:
        self.hint_label.setText(self._hint())
        asking = self._shows_bar()
        self.toolbar.setVisible(not self.state.dragging and not asking)
        if not self.state.dragging and not asking:
            self._place_toolbar()
        if asking:
            self._show_bar()
        elif self._bar is not None and self._bar.isVisible():
            self._bar.hide()
            if self.isActiveWindow():
                self.setFocus()
        new = self._decoration()
        self.update(new.united(self._decorated))
        self._decorated = new

    # -- the ask bar ----------------------------------------------------------------------------

    def _shows_bar(self) -> bool:
        """In ask mode, the overlay under the selection's bottom-left corner shows the bar."""
        rect = self.state.rect
        if not self.state.ask or rect is None or self.state.dragging:
            return False
        corner = QPoint(rect.x(), rect.y() + rect.height() - 1)
        return self.capture.nearest_screen(corner) == self.index

    @property
    def bar(self) -> AskBar:
        if self._bar is None:
            from askshot.ui.capture.askbar import AskBar

            bar = AskBar(self.state.presets, self)
            bar.question.setText(self.state.question)
            bar.question.textEdited.connect(self._on_question)
            bar.sendRequested.connect(self.send_question)
            bar.attachRequested.connect(self.attach)
            bar.toolChosen.connect(self.set_tool)
            bar.undoRequested.connect(self.state.undo_mark)
            bar.backRequested.connect(self.step_back)
            bar.nudgeRequested.connect(self.keyboard_step)
            bar.hide()
            self._bar = bar
        return self._bar

    def _on_question(self, text: str) -> None:
        self.state.question = text

    def _show_bar(self) -> None:
        bar = self.bar
        bar.set_size(self._label_text())
        bar.set_tool(self.state.tool)
        bar.adjustSize()
        bar.move(self._bar_place(bar.width(), bar.height()))
        if not bar.isVisible():
            bar.show()
            bar.raise_()
            if self._note is None:
                bar.question.setFocus(Qt.FocusReason.OtherFocusReason)

    def _bar_place(self, w: int, h: int) -> QPoint:
        """Below the selection (left edges aligned), else above it, else inside its bottom;
        always on this screen."""
        sel = self._local_selection()
        screen = self.rect()
        x = min(max(sel.x(), 8), max(screen.width() - w - 8, 0))
        below = QRect(x, sel.y() + sel.height() + 8, w, h)
        above = QRect(x, sel.y() - h - 8, w, h)
        for place in (below, above):
            if screen.contains(place):
                return place.topLeft()
        y = min(max(sel.y() + sel.height() - h - 8, 8), max(screen.height() - h - 8, 0))
        return QPoint(x, y)

    def set_tool(self, tool: str) -> None:
        self._drop_note(keep=True)
        self.state.tool = tool
        self.setCursor(Qt.CursorShape.CrossCursor if tool != "text" else Qt.CursorShape.IBeamCursor)
        if self._bar is not None:
            self._bar.set_tool(tool)
            self._bar.question.setFocus(Qt.FocusReason.OtherFocusReason)

    def send_question(self, text: str) -> None:
        self._drop_note(keep=True)
        self.state.question = text
        self.state.intent = "ask"
        if self.state.rect is not None:
            self.accept_rect(self.state.rect)

    def attach(self) -> None:
        self._drop_note(keep=True)
        self.state.intent = "attach"
        if self.state.rect is not None:
            self.accept_rect(self.state.rect)

    def step_back(self) -> None:
        """Esc in ask mode: the note being written, then the markup tool, then the selection
        (with its marks), then the whole capture."""
        if self._note is not None:
            self._drop_note(keep=False)
        elif self.state.tool != "crop":
            self.set_tool("crop")
        elif self.state.rect is not None:
            self.state.marks.clear()
            self.state.set_rect(None)
            self.setFocus()
        else:
            self.cancel()

    # -- notes ------------------------------------------------------------------------------------

    def _start_note(self, point: QPoint) -> None:
        from askshot.ui.capture.annotate import note_editor
        from askshot.ui.capture.annotations import note_padding

        edit = note_editor(self, marks.NOTE_SIZE, note_padding(marks.NOTE_SIZE))
        edit.setMinimumWidth(120)
        edit.done.connect(self._drop_note)
        edit.move(point - self._origin)
        edit.adjustSize()
        edit.show()
        edit.setFocus()
        self._note = edit
        self._note_at = QPoint(point)

    def _drop_note(self, keep: bool = True) -> None:
        edit, self._note = self._note, None
        if edit is None:
            return
        edit.done.disconnect(self._drop_note)
        text = edit.text().strip()
        edit.hide()
        edit.deleteLater()
        if keep and text:
            self.state.add_mark(TextNote(self._note_at, text, marks.NOTE_SIZE))
        if self._bar is not None and self._bar.isVisible():
            self._bar.question.setFocus(Qt.FocusReason.OtherFocusReason)

    def _decoration(self) -> QRegion:
        """Where this overlay paints something besides the dimmed screenshot."""
        rect = self.state.rect
        if rect is None:
            return QRegion()
        region = QRegion(rect.adjusted(-HANDLE, -HANDLE, HANDLE, HANDLE).translated(-self._origin))
        for box in self._mark_boxes():
            region = region.united(box.translated(-self._origin))
        region = region.united(self._label_rect().adjusted(-1, -1, 1, 1).translated(-self._origin))
        return region.intersected(QRegion(self.rect()))

    def _label_text(self) -> str:
        rect = self.state.rect
        size = self.capture.physical_size(rect) if rect is not None else None
        return f"{size.width()} × {size.height()}" if size is not None else ""

    def _label_rect(self) -> QRect:
        """The size label in global logical coordinates: below the selection, else above it,
        else inside its top-left corner."""
        rect = self.state.rect
        if rect is None:
            return QRect()
        metrics = QFontMetrics(self.font())
        w = metrics.horizontalAdvance(self._label_text()) + 12
        h = metrics.height() + 6
        corner = QPoint(rect.x(), rect.y() + rect.height())
        screen = self.capture.screens[self.capture.nearest_screen(corner)].geometry
        x = min(max(rect.x(), screen.x()), screen.x() + screen.width() - w)
        below = QRect(x, rect.y() + rect.height() + 6, w, h)
        if screen.contains(below):
            return below
        above = QRect(x, rect.y() - h - 6, w, h)
        if screen.contains(above):
            return above
        return QRect(rect.x() + 6, rect.y() + 6, w, h)

    def _mark_boxes(self) -> list[QRect]:
        """Where the marks (and the one being drawn) lie, global logical, with room for strokes."""
        boxes: list[QRect] = []
        drawn: list[Annotation] = list(self.state.marks)
        if self._drawing is not None:
            preview = marks.for_drag(self.state.tool, *self._drawing)
            if preview is not None:
                drawn.append(preview)
        for m in drawn:
            if isinstance(m, TextNote):
                box = QRect(m.pos, m.pos + QPoint(2000, 60))
            elif isinstance(m, Arrow):
                box = QRectF(m.start, m.end).normalized().toAlignedRect()
            else:
                box = QRect(m.rect)
            boxes.append(box.adjusted(-30, -30, 30, 30))
        return boxes

    def _handles(self) -> list[QRect]:
        sel = self._local_selection()
        if sel.isEmpty() or self.state.dragging or self.state.tool != "crop":
            return []
        h = HANDLE
        xs = (sel.left(), sel.center().x(), sel.right())
        ys = (sel.top(), sel.center().y(), sel.bottom())
        return [
            QRect(x - h // 2, y - h // 2, h, h) for y in ys for x in xs if (x, y) != (xs[1], ys[1])
        ]

    # -- painting -------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = event.rect()
        image = self.shot.image
        sx = image.width() / max(self.width(), 1)
        sy = image.height() / max(self.height(), 1)
        source = QRectF(area.x() * sx, area.y() * sy, area.width() * sx, area.height() * sy)
        painter.drawImage(QRectF(area), image, source)
        sel = self._local_selection()
        for part in _outside(area, sel):
            painter.fillRect(part, DIM)
        if self.state.rect is not None:
            if not sel.isEmpty():
                painter.setPen(QPen(ACCENT, 1))
                painter.drawRect(sel.adjusted(-1, -1, 0, 0))
            if self.state.marks or self._drawing is not None:
                self._paint_marks(painter)
            for handle in self._handles():
                painter.fillRect(handle, ACCENT)
            label = self._label_rect().translated(-self._origin)
            if label.intersects(area) and not self._shows_bar():
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(LABEL_BG)
                painter.drawRoundedRect(QRectF(label), 4, 4)
                painter.setPen(QColor("white"))
                painter.drawText(label, Qt.AlignmentFlag.AlignCenter, self._label_text())
        painter.end()
        if not self._painted:
            self._painted = True
            log.info("overlay painted")  # bench/resident.py times the shortcut to this
            self.firstPainted.emit()

    def _paint_marks(self, painter: QPainter) -> None:
        shown = list(self.state.marks)
        if self._drawing is not None:
            preview = marks.for_drag(self.state.tool, *self._drawing)
            if preview is not None:
                shown.append(preview)
        rect = self.state.rect
        painter.save()
        if rect is not None:  # marks show inside the area only: that is what is sent
            painter.setClipRect(rect.translated(-self._origin))
        marks.paint(painter, shown, self._origin)
        painter.restore()

    # -- mouse ----------------------------------------------------------------------------------

    def _edges_at(self, point: QPoint) -> str:
        """Which edges of the selection `point` (global) grabs: "" or some of "l", "r", "t",
        "b"."""
        rect = self.state.rect
        if rect is None or self.state.tool != "crop":
            return ""
        grab = rect.adjusted(-HANDLE, -HANDLE, HANDLE, HANDLE)
        if not grab.contains(point):
            return ""
        near = HANDLE
        edges = ""
        if abs(point.x() - rect.left()) <= near:
            edges += "l"
        elif abs(point.x() - (rect.x() + rect.width())) <= near:
            edges += "r"
        if abs(point.y() - rect.top()) <= near:
            edges += "t"
        elif abs(point.y() - (rect.y() + rect.height())) <= near:
            edges += "b"
        return edges

    def _resized(self, start: QRect, edges: str, delta: QPoint) -> QRect:
        left, top = start.left(), start.top()
        right, bottom = start.x() + start.width(), start.y() + start.height()
        if "l" in edges:
            left += delta.x()
        if "r" in edges:
            right += delta.x()
        if "t" in edges:
            top += delta.y()
        if "b" in edges:
            bottom += delta.y()
        return QRect(min(left, right), min(top, bottom), abs(right - left), abs(bottom - top))

    def _marking(self, point: QPoint) -> bool:
        """A press at `point` draws a mark: a markup tool is on and it is inside the area."""
        rect = self.state.rect
        return self.state.tool != "crop" and rect is not None and rect.contains(point)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = self._global(event.position().toPoint())
        self.state.cursor = point
        if event.button() == Qt.MouseButton.LeftButton:
            rect = self.state.rect
            edges = self._edges_at(point)
            if self._marking(point):
                self._drop_note(keep=True)
                if self.state.tool == "text":
                    self._start_note(point)
                else:
                    self._drawing = (QPointF(point), QPointF(point))
                return
            if rect is not None and edges:
                self._drag = ("resize:" + edges, point, QRect(rect))
            elif rect is not None and rect.contains(point):
                self._drag = ("move", point, QRect(rect))
            else:
                self._drag = ("new", point, None)
                self.state.set_rect(None)
            self.state.set_dragging(True)
        elif event.button() == Qt.MouseButton.RightButton:
            if self.state.rect is not None:
                self.state.set_rect(None)
            else:
                self.cancel()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = self._global(event.position().toPoint())
        self.state.cursor = point
        if self._drawing is not None:
            self._drawing = (self._drawing[0], QPointF(point))
            self._on_state_changed()
            return
        if self._drag is None:
            edges = self._edges_at(point)
            if edges:
                self.setCursor(_EDGE_CURSORS[edges])
            elif self.state.tool == "text" and self._marking(point):
                self.setCursor(Qt.CursorShape.IBeamCursor)
            else:
                self.setCursor(Qt.CursorShape.CrossCursor)
            return
        kind, anchor, start = self._drag
        if kind.startswith("resize:") and start is not None:
            rect = self._resized(start, kind.removeprefix("resize:"), point - anchor)
            self.state.set_rect(rect if not rect.isEmpty() else None)
        elif kind == "new":
            r = geometry.Rect.from_points(anchor.x(), anchor.y(), point.x(), point.y())
            self.state.set_rect(to_qrect(r) if not r.empty else None)
        elif start is not None:
            delta = point - anchor
            bounds = to_rect(self.state.bounds)
            moved = geometry.nudge(to_rect(start), delta.x(), delta.y(), bounds)
            self.state.set_rect(to_qrect(moved))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drawing is not None:
            start = self._drawing[0]
            self._drawing = None
            mark = marks.for_drag(
                self.state.tool, start, QPointF(self._global(event.position().toPoint()))
            )
            if mark is not None:
                self.state.add_mark(mark)
            else:
                self._on_state_changed()
            if self._bar is not None and self._bar.isVisible():  # typing goes on asking
                self._bar.question.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if event.button() == Qt.MouseButton.LeftButton and self._drag is not None:
            self.mouseMoveEvent(event)
            self._drag = None
            self.state.set_dragging(False)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        point = self._global(event.position().toPoint())
        rect = self.state.rect
        if (
            event.button() == Qt.MouseButton.LeftButton
            and rect is not None
            and rect.contains(point)
            and not self._marking(point)
        ):
            if self.state.ask:
                self.bar.send()
            else:
                self.accept_rect(rect)

    # -- keyboard -------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        if key == Qt.Key.Key_Escape:
            self.step_back() if self.state.ask else self.cancel()
        elif self._bar is not None and self._bar.isVisible():
            if not self._bar.handle_key(event, empty=not self._bar.question.text()):
                # Typing while the overlay has the focus (after a click on it) is asking.
                self._bar.question.setFocus(Qt.FocusReason.OtherFocusReason)
                self._bar.question.event(event)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_selection()
        elif key == Qt.Key.Key_F:
            self.take_screen()
        elif key == Qt.Key.Key_W:
            self.take_window()
        elif key == Qt.Key.Key_R:
            self.take_last()
        elif key in _ARROWS:
            dx, dy = _ARROWS[Qt.Key(key)]
            step = 10 if mods & Qt.KeyboardModifier.ControlModifier else 1
            self.keyboard_step(dx * step, dy * step, bool(mods & Qt.KeyboardModifier.ShiftModifier))
        else:
            super().keyPressEvent(event)

    def keyboard_step(self, dx: int, dy: int, resize: bool) -> None:
        """Move (or with `resize`, grow/shrink) the selection; start a centred one if none."""
        bounds = to_rect(self.state.bounds)
        rect = self.state.rect
        if rect is None:
            screen = self.capture.screens[self._cursor_screen()].geometry
            self.state.set_rect(to_qrect(geometry.default_selection(to_rect(screen))))
            return
        if resize:
            self.state.set_rect(to_qrect(geometry.resize(to_rect(rect), dx, dy, bounds)))
        else:
            self.state.set_rect(to_qrect(geometry.nudge(to_rect(rect), dx, dy, bounds)))

    # -- results --------------------------------------------------------------------------------

    def _cursor_screen(self) -> int:
        point = self.state.cursor if self.state.cursor is not None else QCursor.pos()
        hit = self.capture.screen_at(point)
        return hit if hit is not None else self.index

    def _cursor(self) -> QPoint:
        if self.state.cursor is not None:
            return self.state.cursor
        pos = QCursor.pos()
        if self.capture.screen_at(pos) is None:
            return self.shot.geometry.center()
        return pos

    def accept_selection(self) -> None:
        """Enter: the selection, or the whole screen under the cursor when there is none."""
        rect = self.state.rect
        self.accept_rect(
            rect if rect is not None else self.capture.screens[self._cursor_screen()].geometry
        )

    def take_screen(self) -> None:
        self.accept_rect(self.capture.screens[self._cursor_screen()].geometry)

    def take_window(self) -> None:
        rect = self.capture.window_at(self._cursor())
        if rect is not None:
            self.accept_rect(rect)
        else:
            self.state.set_message(no_window_message(self.capture))

    def take_last(self) -> None:
        if self.state.last_region is not None:
            self.accept_rect(self.state.last_region)
        else:
            self.state.set_message(self.tr("No area chosen yet in this session."))

    def accept_rect(self, rect: QRect) -> None:
        """Take `rect` (with the marks drawn on it); in ask mode, until the question is sent,
        only select it, so the ask bar comes up beside it."""
        rect = rect.normalized().intersected(self.state.bounds)
        if self.state.ask and self.state.intent == "accept":
            self.state.set_rect(rect)
            return
        try:
            image = self.capture.crop(rect)
            if self.state.marks:
                image = flatten(image, marks.to_image(self.state.marks, rect, image.width()))
        except CaptureError as exc:
            self.state.set_message(exc.message)
            return
        except ValueError:  # nothing left to flatten: an empty area
            self.state.set_message(self.tr("The selection is empty."))
            return
        self.state.last_region = QRect(rect)
        self.accepted.emit(image, rect)

    def cancel(self) -> None:
        self.cancelled.emit()

    def show_on_screen(self) -> None:
        """Cover this overlay's screen: full screen on the QScreen with its geometry, else
        (a synthetic capture) a plain window with that geometry."""
        geo = self.shot.geometry
        self.setGeometry(geo)
        match = [s for s in QGuiApplication.screens() if s.geometry() == geo]
        if match:
            self.setScreen(match[0])
            self.setGeometry(geo)
            self.showFullScreen()
        else:
            self.show()
