"""Mark up a capture before it is sent: rectangles, arrows, text notes, redaction and crop.

`flatten` is the pure part: it draws a list of annotations (in image pixels) into a new image at
the capture's full resolution. `MarkupEditor` only turns mouse and keys into that list and shows
`flatten`'s result, so what the user sees is what is sent. Redaction rewrites the pixels of the
result; nothing of the capture is kept beside it (no layers, no metadata).

What redaction guarantees, inside its (image-clipped) rectangle:
- black out: the area is one colour, black (or the nearest grey not found in the area, so no pixel
  keeps its value); nothing of what was there survives.
- pixelate: the area is cut into 12 x 12 px blocks from its top-left corner; each block becomes
  one colour, its mean rounded to 16 levels per channel (nudged if a pixel of the block already
  had that colour). Detail smaller than a block, such as text strokes, is gone and no pixel keeps
  its value; the rough colours and layout stay visible, so use black out for secrets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, TypeAlias

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QFont,
    QFontMetrics,
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
    QPolygonF,
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

if TYPE_CHECKING:  # Pillow loads on first redaction, not at start-up
    from PIL import Image

MARK_COLOR = QColor(229, 57, 53)  # rectangles, arrows and text notes
PIXEL_BLOCK = 12  # pixelate block side, in image (physical) pixels
_LEVEL_STEP = 16  # pixelate keeps 256 / 16 = 16 levels per channel
_NOTE_PX = 15  # text note size and ...
_STROKE_PX = 2  # ... line width, in logical pixels at the scale the image is shown
_MIN_STROKE = 3  # line width in image pixels, at least
_SCREEN_SHARE = 0.85  # the editor opens at most this share of the screen

RedactionStyle: TypeAlias = Literal["pixelate", "blackout"]


# -- annotations (image pixels) -------------------------------------------------------------------


@dataclass(frozen=True)
class Highlight:
    """A rectangle outline; the stroke lies inside `rect`."""

    rect: QRect
    width: int = _MIN_STROKE


@dataclass(frozen=True)
class Arrow:
    """A line from `start` with a head at `end`."""

    start: QPointF
    end: QPointF
    width: int = _MIN_STROKE


@dataclass(frozen=True)
class TextNote:
    """A line of text in a box whose top-left corner is `pos`."""

    pos: QPoint
    text: str
    pixel_size: int = 20


@dataclass(frozen=True)
class Redaction:
    """Pixels destroyed inside `rect` (see the module docstring for what each style keeps)."""

    rect: QRect
    style: RedactionStyle = "pixelate"


@dataclass(frozen=True)
class Crop:
    """Keep only `rect`; several crops keep their intersection."""

    rect: QRect


Annotation: TypeAlias = Highlight | Arrow | TextNote | Redaction | Crop


# -- flattening -----------------------------------------------------------------------------------


def flatten(image: QImage, annotations: Sequence[Annotation]) -> QImage:
    """A new RGB32 image: `image` with `annotations` drawn in order, then cropped.

    Coordinates are image pixels whatever the image's device pixel ratio; the result keeps that
    ratio but no other metadata. Text notes need a QGuiApplication (fonts). Raises ValueError for
    a null image or crops that leave nothing."""
    if image.isNull():
        raise ValueError("cannot flatten a null image")
    if not annotations and image.format() == QImage.Format.Format_RGB32 and not image.textKeys():
        # Nothing to draw, no alpha to flatten, no metadata to drop (a plain screen capture):
        # a copy-on-write handle is a new value without copying 33 MB of a 4K screen.
        return QImage(image)
    out = QImage(image.size(), QImage.Format.Format_RGB32)
    out.fill(Qt.GlobalColor.white)
    with _painter(out) as p:
        p.drawImage(out.rect(), image, image.rect())  # rect form: ignores the source's DPR
    keep = out.rect()
    for ann in annotations:
        if isinstance(ann, Crop):
            keep = keep.intersected(ann.rect)
        elif isinstance(ann, Redaction):
            _redact(out, ann)
        else:
            with _painter(out) as p:
                draw_annotation(p, ann)
    if keep.isEmpty():
        raise ValueError("the crop leaves no pixels")
    result = out if keep == out.rect() else out.copy(keep)
    result.setDevicePixelRatio(image.devicePixelRatio())
    return result


class _painter:
    """`with _painter(image) as p:` ends the painter even when drawing raises."""

    def __init__(self, device: QImage) -> None:
        self._p = QPainter(device)

    def __enter__(self) -> QPainter:
        return self._p

    def __exit__(self, *exc: object) -> None:
        self._p.end()


def draw_annotation(p: QPainter, ann: Highlight | Arrow | TextNote) -> None:
    """Draw one mark with `p` set up in image coordinates (used for the result and the preview)."""
    if isinstance(ann, Highlight):
        r, w = ann.rect.normalized(), max(1, ann.width)
        for strip in (
            QRect(r.x(), r.y(), r.width(), w),
            QRect(r.x(), r.bottom() + 1 - w, r.width(), w),
            QRect(r.x(), r.y(), w, r.height()),
            QRect(r.right() + 1 - w, r.y(), w, r.height()),
        ):
            p.fillRect(strip.intersected(r), MARK_COLOR)
    elif isinstance(ann, Arrow):
        _draw_arrow(p, ann)
    else:
        _draw_note(p, ann)


def _draw_arrow(p: QPainter, arrow: Arrow) -> None:
    dx, dy = arrow.end.x() - arrow.start.x(), arrow.end.y() - arrow.start.y()
    length = math.hypot(dx, dy)
    if length < 1:
        return
    ux, uy = dx / length, dy / length
    head = min(length, max(12.0, arrow.width * 5.0))
    base = QPointF(arrow.end.x() - ux * head * 0.8, arrow.end.y() - uy * head * 0.8)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(MARK_COLOR, arrow.width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(arrow.start, base)
    back = QPointF(arrow.end.x() - ux * head, arrow.end.y() - uy * head)
    side = QPointF(-uy * head * 0.5, ux * head * 0.5)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(MARK_COLOR)
    p.drawPolygon(QPolygonF([arrow.end, back + side, back - side]))


def note_font(pixel_size: int) -> QFont:
    """The font of a text note `pixel_size` pixels high."""
    font = QFont()
    font.setPixelSize(max(1, pixel_size))
    font.setBold(True)
    return font


def note_padding(pixel_size: int) -> int:
    """Space between a note's text and its box."""
    return max(2, pixel_size // 4)


def _draw_note(p: QPainter, note: TextNote) -> None:
    if not note.text:
        return
    font = note_font(note.pixel_size)
    metrics = QFontMetrics(font)
    pad = note_padding(note.pixel_size)
    box = QRectF(
        note.pos.x(),
        note.pos.y(),
        metrics.horizontalAdvance(note.text) + 2 * pad,
        metrics.height() + 2 * pad,
    )
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(MARK_COLOR, max(1, pad // 2)))
    p.setBrush(QColor(255, 255, 255, 235))
    p.drawRoundedRect(box, pad, pad)
    p.setFont(font)
    p.setPen(MARK_COLOR)
    p.drawText(box, Qt.AlignmentFlag.AlignCenter, note.text)


# -- redaction ------------------------------------------------------------------------------------


def _redact(out: QImage, redaction: Redaction) -> None:
    area = redaction.rect.normalized().intersected(out.rect())
    if area.isEmpty():
        return
    region = _to_pil(out.copy(area))
    done = _pixelate(region) if redaction.style == "pixelate" else _black_out(region)
    with _painter(out) as p:
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        p.drawImage(area.topLeft(), _from_pil(done))


def _to_pil(image: QImage) -> Image.Image:
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    size = (rgb.width(), rgb.height())
    return Image.frombytes("RGB", size, bytes(rgb.constBits()), "raw", "RGB", rgb.bytesPerLine())


def _from_pil(img: Image.Image) -> QImage:
    width, height = img.size
    data = img.tobytes()  # must outlive the QImage that borrows it, until the copy
    return QImage(data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def _same_mask(a: Image.Image, b: Image.Image) -> Image.Image:
    """An L image, 255 where `a` and `b` have exactly the same colour."""
    from PIL import ImageChops

    r, g, b_ = ImageChops.difference(a, b).split()
    most = ImageChops.lighter(ImageChops.lighter(r, g), b_)
    return most.point(lambda v: 255 if v == 0 else 0)


def _nudge(attempt: int) -> int:
    """0, 1, -1, 2, -2, ...: 256 attempts give 256 different colours."""
    return (attempt + 1) // 2 * (1 if attempt % 2 else -1)


def _pixelate(region: Image.Image) -> Image.Image:
    from PIL import Image

    block = PIXEL_BLOCK
    width, height = region.size
    means = region.reduce(block)  # one pixel per block; partial edge blocks average what they have
    step = _LEVEL_STEP
    base = means.point(lambda v: v // step * step + step // 2)
    cols, rows = base.size
    small = base.copy()
    base_px, small_px = base.load(), small.load()
    assert base_px is not None and small_px is not None
    attempts = [0] * (cols * rows)
    grid = (cols * block, rows * block)
    for _ in range(257):  # a block has at most 144 pixels, so 145 colours always find a free one
        out = small.resize(grid, Image.Resampling.NEAREST).crop((0, 0, width, height))
        same = _same_mask(region, out)
        if same.getbbox() is None:
            return out
        padded = Image.new("L", grid)
        padded.paste(same)
        for i, hit in enumerate(padded.reduce(block).tobytes()):
            if hit:
                attempts[i] += 1
                xy = (i % cols, i // cols)
                colour = base_px[xy]
                assert isinstance(colour, tuple)
                small_px[xy] = tuple((c + _nudge(attempts[i])) % 256 for c in colour)
    raise AssertionError("pixelate found no free colour")  # unreachable, see above


def _black_out(region: Image.Image) -> Image.Image:
    from PIL import Image, ImageChops

    r, g, b = region.split()
    grey = ImageChops.lighter(ImageChops.difference(r, g), ImageChops.difference(g, b))
    counts = r.histogram(mask=grey.point(lambda v: 255 if v == 0 else 0))
    fill: tuple[int, int, int] | None = next(((v, v, v) for v in range(256) if not counts[v]), None)
    if fill is None:  # every grey is there (a gradient): take the darkest colour that is not
        present = {c for _, c in region.getcolors(region.width * region.height) or []}
        fill = next(
            (r_, g_, b_)
            for r_ in range(256)
            for g_ in range(256)
            for b_ in range(256)
            if (r_, g_, b_) not in present
        )
    return Image.new("RGB", region.size, fill)


# -- the editor -----------------------------------------------------------------------------------


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
        return max(_MIN_STROKE, round(_STROKE_PX / self.display_scale()))

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
        edit = _NoteEdit(self)
        edit.setAccessibleName(self.tr("Note text"))
        edit.setPlaceholderText(self.tr("Note…"))
        edit.setFont(note_font(max(8, round(size * scale))))
        pad = max(1, round(note_padding(size) * scale))
        edit.setStyleSheet(
            f"QLineEdit {{ background: white; color: {MARK_COLOR.name()};"
            f" border: 1px solid {MARK_COLOR.name()}; border-radius: {pad}px;"
            f" padding: {pad}px; }}"
        )
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
