"""Mark up a capture before it is sent: rectangles, arrows, text notes, redaction and crop.

`MarkupEditor` turns mouse and keys into a list of annotations and shows `flatten`'s result of
them, so what the user sees is what is sent. This module holds only the interactive part (tools,
keys, canvas, note editor); the image it hands back, and what redaction guarantees, are defined
in annotations.py.
"""

from __future__ import annotations

import math
from enum import StrEnum

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from askshot.ui.capture.annotations import (
    MARK_COLOR,
    MIN_STROKE,
    Annotation,
    Arrow,
    Crop,
    Highlight,
    Redaction,
    TextNote,
    draw_annotation,
    flatten,
    note_font,
    note_padding,
)

_NOTE_PX = 15  # text note size and ...
_STROKE_PX = 2  # ... line width, in logical pixels at the scale the image is shown
_SCREEN_SHARE = 0.85  # the editor opens at most this share of the screen


class Tool(StrEnum):
    """What a drag (or, for text, a click) on the canvas makes."""

    RECTANGLE = "rectangle"
    ARROW = "arrow"
    TEXT = "text"
    PIXELATE = "pixelate"
    BLACKOUT = "blackout"
    CROP = "crop"


_TOOL_KEYS = {
    Qt.Key.Key_R: Tool.RECTANGLE,
    Qt.Key.Key_A: Tool.ARROW,
    Qt.Key.Key_T: Tool.TEXT,
    Qt.Key.Key_C: Tool.CROP,
}
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _rect(a: QPointF, b: QPointF) -> QRect:
    x0, x1 = sorted((round(a.x()), round(b.x())))
    y0, y1 = sorted((round(a.y()), round(b.y())))
    return QRect(x0, y0, x1 - x0, y1 - y0)


class _NoteEdit(QLineEdit):
    """The text of a note being typed: Enter keeps it, Esc drops it, leaving keeps it."""

    done = Signal(bool)  # True: keep the text

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in _ENTER:
            event.accept()
            self.done.emit(True)
        elif event.key() == Qt.Key.Key_Escape:
            event.accept()
            self.done.emit(False)
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        passing = (Qt.FocusReason.ActiveWindowFocusReason, Qt.FocusReason.PopupFocusReason)
        if event.reason() not in passing:  # not when the user only switches windows
            self.done.emit(True)


def note_editor(parent: QWidget, pixel_size: int, pad: int) -> _NoteEdit:
    """The line a note is typed in, looking like the note it makes (`pixel_size` high)."""
    edit = _NoteEdit(parent)
    edit.setAccessibleName(parent.tr("Note text"))
    edit.setPlaceholderText(parent.tr("Note…"))
    edit.setFont(note_font(pixel_size))
    edit.setStyleSheet(
        f"QLineEdit {{ background: white; color: {MARK_COLOR.name()};"
        f" border: 1px solid {MARK_COLOR.name()}; border-radius: {pad}px;"
        f" padding: {pad}px; }}"
    )
    return edit


class MarkupCanvas(QWidget):
    """Shows the marked-up image scaled to fit (never past one image pixel per device pixel)
    and turns mouse drags into annotations in image coordinates."""

    changed = Signal()

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Screenshot to mark up"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)
        self.tool = Tool.RECTANGLE
        self._image = image
        self._annotations: list[Annotation] = []
        self._shown: QImage | None = None  # flatten() without crops, made on demand
        self._pixmap: QPixmap | None = None
        self._pixmap_key: tuple[int, int, float] = (0, 0, 0.0)
        self._drag: tuple[QPointF, QPointF] | None = None
        self.pending_crop: QRect | None = None
        self._note: _NoteEdit | None = None
        self._note_pos = QPoint()

    # -- state --

    @property
    def image(self) -> QImage:
        return self._image

    def annotations(self) -> list[Annotation]:
        return list(self._annotations)

    def add(self, ann: Annotation) -> None:
        self._annotations.append(ann)
        self._invalidate()

    def undo(self) -> None:
        if self.pending_crop is not None:
            self.pending_crop = None
        elif self._annotations:
            self._annotations.pop()
            self._invalidate()
        self.update()
        self.changed.emit()

    def apply_crop(self) -> bool:
        """Turn the crop being drawn into an annotation; False when there is none."""
        if self.pending_crop is None:
            return False
        self.add(Crop(self.pending_crop))
        self.pending_crop = None
        return True

    def release(self) -> None:
        """Let go of the capture and every mark (after the result was taken)."""
        self.cancel_edits()
        self._image = QImage()
        self._annotations.clear()
        self._invalidate()

    def cancel_edits(self) -> bool:
        """Drop a crop or note in progress; False when there was none."""
        had = self.pending_crop is not None or self._note is not None or self._drag is not None
        self.pending_crop = None
        self._drag = None
        self.finish_note(False)
        self.update()
        if had:
            self.changed.emit()
        return had

    def editing_note(self) -> bool:
        return self._note is not None

    def _invalidate(self) -> None:
        self._shown = None
        self._pixmap = None
        self.update()
        self.changed.emit()

    # -- geometry --

    def view_rect(self) -> QRect:
        """The part of the image that survives the crops applied so far."""
        view = self._image.rect()
        for ann in self._annotations:
            if isinstance(ann, Crop):
                view = view.intersected(ann.rect)
        return view

    def display_scale(self) -> float:
        """Logical widget pixels per image pixel."""
        view = self.view_rect()
        if view.isEmpty():
            return 1.0
        return min(
            self.width() / view.width(),
            self.height() / view.height(),
            1.0 / self.devicePixelRatioF(),
        )

    def display_rect(self) -> QRectF:
        """Where the visible part of the image is drawn, in widget coordinates."""
        view, s = self.view_rect(), self.display_scale()
        w, h = view.width() * s, view.height() * s
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def map_to_image(self, pos: QPointF) -> QPointF:
        view, target, s = self.view_rect(), self.display_rect(), self.display_scale()
        return QPointF(view.x() + (pos.x() - target.x()) / s, view.y() + (pos.y() - target.y()) / s)

    def map_from_image(self, pos: QPointF) -> QPointF:
        view, target, s = self.view_rect(), self.display_rect(), self.display_scale()
        return QPointF(target.x() + (pos.x() - view.x()) * s, target.y() + (pos.y() - view.y()) * s)

    def _clamped(self, pos: QPointF) -> QPointF:
        view, p = self.view_rect(), self.map_to_image(pos)
        return QPointF(
            min(max(p.x(), view.left()), view.right() + 1),
            min(max(p.y(), view.top()), view.bottom() + 1),
        )

    def stroke_width(self) -> int:
        return max(MIN_STROKE, round(_STROKE_PX / self.display_scale()))

    def note_size(self) -> int:
        return max(12, round(_NOTE_PX / self.display_scale()))

    def sizeHint(self) -> QSize:
        screen = self.screen() or QGuiApplication.primaryScreen()
        dpr = screen.devicePixelRatio() if screen is not None else 1.0
        width, height = self._image.width() / dpr, self._image.height() / dpr
        if screen is not None:
            avail = screen.availableGeometry()
            room_w, room_h = avail.width() * _SCREEN_SHARE, avail.height() * _SCREEN_SHARE - 60
            fit = min(1.0, room_w / max(1.0, width), room_h / max(1.0, height))
            width, height = width * fit, height * fit
        return QSize(max(160, round(width)), max(120, round(height)))

    # -- mouse --

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._image.isNull():
            super().mousePressEvent(event)
            return
        event.accept()
        self.finish_note(True)
        pos = self._clamped(event.position())
        if self.tool == Tool.TEXT:
            self._start_note(pos.toPoint())
            return
        self._drag = (pos, pos)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            super().mouseMoveEvent(event)
            return
        event.accept()
        self._drag = (self._drag[0], self._clamped(event.position()))
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        event.accept()
        start, end = self._drag[0], self._clamped(event.position())
        self._drag = None
        ann = self._annotation_for(start, end)
        if self.tool == Tool.CROP:
            self.pending_crop = ann.rect if isinstance(ann, Crop) else None
            self.update()
            self.changed.emit()
        elif ann is not None:
            self.add(ann)
        else:
            self.update()

    def _annotation_for(self, start: QPointF, end: QPointF) -> Annotation | None:
        """The mark a drag from `start` to `end` makes with the current tool (None if too small)."""
        rect = _rect(start, end)
        big_enough = rect.width() >= 2 and rect.height() >= 2
        if self.tool == Tool.ARROW:
            long_enough = math.dist(start.toTuple(), end.toTuple()) * self.display_scale() >= 4
            return Arrow(start, end, self.stroke_width()) if long_enough else None
        if not big_enough:
            return None
        if self.tool == Tool.RECTANGLE:
            return Highlight(rect, self.stroke_width())
        if self.tool == Tool.PIXELATE:
            return Redaction(rect, "pixelate")
        if self.tool == Tool.BLACKOUT:
            return Redaction(rect, "blackout")
        if self.tool == Tool.CROP:
            return Crop(rect)
        return None

    # -- text notes --

    def _start_note(self, pos: QPoint) -> None:
        size = self.note_size()
        scale = self.display_scale()
        pad = max(1, round(note_padding(size) * scale))
        edit = note_editor(self, max(8, round(size * scale)), pad)
        edit.done.connect(self.finish_note)
        edit.textChanged.connect(self._fit_note)
        self._note, self._note_pos = edit, pos
        edit.move(self.map_from_image(QPointF(pos)).toPoint())
        self._fit_note()
        edit.show()
        edit.setFocus()
        self.changed.emit()

    def _fit_note(self) -> None:
        edit = self._note
        if edit is None:
            return
        text = edit.text() or edit.placeholderText()
        edit.setFixedSize(edit.fontMetrics().horizontalAdvance(text) + 24, edit.sizeHint().height())

    def finish_note(self, keep: bool) -> None:
        """End the note being typed: add it when `keep` and it has text."""
        edit, self._note = self._note, None
        if edit is None:
            return
        text = edit.text().strip()
        edit.done.disconnect(self.finish_note)
        edit.hide()
        edit.deleteLater()
        self.setFocus()
        if keep and text:
            self.add(TextNote(self._note_pos, text, self.note_size()))
        else:
            self.changed.emit()

    # -- painting --

    def _shown_image(self) -> QImage:
        if self._shown is None:
            marks = [a for a in self._annotations if not isinstance(a, Crop)]
            self._shown = flatten(self._image, marks)
        return self._shown

    def _scaled_pixmap(self, target: QRectF) -> QPixmap:
        dpr = self.devicePixelRatioF()
        size = QSize(max(1, round(target.width() * dpr)), max(1, round(target.height() * dpr)))
        key = (size.width(), size.height(), dpr)
        if self._pixmap is None or self._pixmap_key != key:
            part = self._shown_image().copy(self.view_rect())
            if part.size() != size:
                part = part.scaled(
                    size,
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            self._pixmap = QPixmap.fromImage(part)
            self._pixmap.setDevicePixelRatio(dpr)
            self._pixmap_key = key
        return self._pixmap

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Dark))
        if self._image.isNull() or self.view_rect().isEmpty():
            p.end()
            return
        target = self.display_rect()
        p.drawPixmap(target.topLeft(), self._scaled_pixmap(target))
        view, s = self.view_rect(), self.display_scale()
        p.translate(target.topLeft())
        p.scale(s, s)
        p.translate(-view.x(), -view.y())
        p.setClipRect(view)
        if self._drag is not None:
            self._paint_drag(p, *self._drag)
        if self.pending_crop is not None:
            self._paint_crop(p, view, self.pending_crop, s)
        p.end()

    def _paint_drag(self, p: QPainter, start: QPointF, end: QPointF) -> None:
        ann = self._annotation_for(start, end)
        if isinstance(ann, Highlight | Arrow):
            draw_annotation(p, ann)
        elif isinstance(ann, Redaction):
            p.fillRect(ann.rect, QColor(0, 0, 0, 110))
            p.fillRect(ann.rect, QBrush(QColor(255, 255, 255, 120), Qt.BrushStyle.BDiagPattern))
        elif isinstance(ann, Crop):
            self._paint_crop(p, self.view_rect(), ann.rect, self.display_scale())

    @staticmethod
    def _paint_crop(p: QPainter, view: QRect, crop: QRect, scale: float) -> None:
        shade = QColor(0, 0, 0, 140)
        p.fillRect(QRect(view.left(), view.top(), view.width(), crop.top() - view.top()), shade)
        p.fillRect(
            QRect(view.left(), crop.bottom() + 1, view.width(), view.bottom() - crop.bottom()),
            shade,
        )
        p.fillRect(QRect(view.left(), crop.top(), crop.left() - view.left(), crop.height()), shade)
        p.fillRect(
            QRect(crop.right() + 1, crop.top(), view.right() - crop.right(), crop.height()), shade
        )
        pen = QPen(QColor("white"), 1.5 / scale, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(crop))


class MarkupEditor(QWidget):
    """The markup step: a toolbar over the capture. Enter emits `accepted` with the flattened
    image (full resolution, physical pixels); Esc emits `back`. Embed it, or show it as a window
    or inside a dialog. After `accepted` the editor lets go of the capture: make a new one for the
    next capture."""

    accepted = Signal(QImage)
    back = Signal()

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if parent is None:
            self.setWindowTitle(self.tr("Mark up"))
        self.setAccessibleName(self.tr("Mark up the screenshot"))
        self._redact_style = Tool.PIXELATE

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        bar = QWidget(self)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        layout.addWidget(bar)
        self.canvas = MarkupCanvas(image, self)
        layout.addWidget(self.canvas, 1)

        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.tool_buttons: dict[Tool, QToolButton] = {}
        for tool, text, name, tip in (
            (Tool.RECTANGLE, self.tr("Rectangle"), self.tr("Rectangle tool"),
             self.tr("Highlight with a rectangle (R)")),
            (Tool.ARROW, self.tr("Arrow"), self.tr("Arrow tool"), self.tr("Draw an arrow (A)")),
            (Tool.TEXT, self.tr("Text"), self.tr("Text tool"),
             self.tr("Add a note: click, type, Enter (T)")),
            (Tool.PIXELATE, self.tr("Pixelate"), self.tr("Pixelate redaction tool"),
             self.tr("Redact by pixelating; text becomes unreadable (X)")),
            (Tool.BLACKOUT, self.tr("Black out"), self.tr("Black out redaction tool"),
             self.tr("Redact with a solid black box (X twice)")),
            (Tool.CROP, self.tr("Crop"), self.tr("Crop tool"),
             self.tr("Crop: drag a rectangle, Enter applies (C)")),
        ):  # fmt: skip
            button = self._button(bar, row, text, name, tip)
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, t=tool: self.set_tool(t))
            self._group.addButton(button)
            self.tool_buttons[tool] = button
        row.addSpacing(8)
        self.undo_button = self._button(
            bar, row, self.tr("Undo"), self.tr("Undo"), self.tr("Undo the last mark (Ctrl+Z)")
        )
        self.undo_button.clicked.connect(self.undo)
        row.addStretch(1)
        self.hint = QLabel(bar)
        self.hint.setAccessibleName(self.tr("Hint"))
        row.addWidget(self.hint)
        row.addSpacing(8)
        self.back_button = self._button(
            bar, row, self.tr("Back"), self.tr("Back"), self.tr("Back to selecting (Esc)")
        )
        self.back_button.clicked.connect(self.go_back)
        self.done_button = self._button(
            bar, row, self.tr("Done"), self.tr("Done"), self.tr("Use this image (Enter)")
        )
        self.done_button.clicked.connect(self.accept)

        self.canvas.changed.connect(self._refresh)
        self.set_tool(Tool.RECTANGLE)

    @staticmethod
    def _button(bar: QWidget, row: QHBoxLayout, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton(bar)
        button.setText(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the canvas
        row.addWidget(button)
        return button

    # -- public --

    def tool(self) -> Tool:
        return self.canvas.tool

    def set_tool(self, tool: Tool) -> None:
        self.canvas.finish_note(True)  # a note typed so far is kept; a crop being drawn is not
        self.canvas.cancel_edits()
        self.canvas.tool = tool
        if tool in (Tool.PIXELATE, Tool.BLACKOUT):
            self._redact_style = tool
        self.tool_buttons[tool].setChecked(True)
        cursor = Qt.CursorShape.IBeamCursor if tool == Tool.TEXT else Qt.CursorShape.CrossCursor
        self.canvas.setCursor(cursor)
        self.canvas.setFocus()
        self._refresh()

    def annotations(self) -> list[Annotation]:
        return self.canvas.annotations()

    def undo(self) -> None:
        if not self.canvas.cancel_edits():
            self.canvas.undo()

    def accept(self) -> None:
        """Emit `accepted` with the result (a crop or note in progress is applied first)."""
        if self.canvas.image.isNull():
            return
        self.canvas.finish_note(True)
        self.canvas.apply_crop()
        self.canvas.cancel_edits()  # nothing half-drawn is kept
        result = flatten(self.canvas.image, self.canvas.annotations())
        self.canvas.release()
        self.accepted.emit(result)

    def go_back(self) -> None:
        self.back.emit()

    # -- keys --

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        plain = not mods & ~Qt.KeyboardModifier.KeypadModifier
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
        elif key in _ENTER and plain:
            if not self.canvas.apply_crop():
                self.accept()
        elif key == Qt.Key.Key_Escape and plain:
            if not self.canvas.cancel_edits():
                self.go_back()
        elif key in _TOOL_KEYS and plain:
            self.set_tool(_TOOL_KEYS[Qt.Key(key)])
        elif key == Qt.Key.Key_X and plain:
            if self.tool() == Tool.PIXELATE:
                self.set_tool(Tool.BLACKOUT)
            elif self.tool() == Tool.BLACKOUT:
                self.set_tool(Tool.PIXELATE)
            else:
                self.set_tool(self._redact_style)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.canvas.setFocus()

    def _refresh(self) -> None:
        if self.canvas.editing_note():
            text = self.tr("Type the note · Enter keeps it · Esc drops it")
        elif self.canvas.pending_crop is not None:
            text = self.tr("Enter crops · Esc cancels")
        else:
            text = self.tr("Enter: done · Esc: back · Ctrl+Z: undo")
        self.hint.setText(text)
        self.undo_button.setEnabled(
            bool(self.canvas.annotations()) or self.canvas.pending_crop is not None
        )
