"""The image side of markup: annotations as values, drawn into (and redacting) a capture.

`flatten` is the pure part: it draws a list of annotations (in image pixels) into a new image at
the capture's full resolution. The editor only turns mouse and keys into that list and shows
`flatten`'s result, so what the user sees is what is sent. Redaction rewrites the
pixels of the result; nothing of the capture is kept beside it (no layers, no metadata). Nothing
here needs a widget.

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
from typing import TYPE_CHECKING, Literal, TypeAlias

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen, QPolygonF

if TYPE_CHECKING:  # Pillow loads on first redaction, not at start-up
    from PIL import Image

MARK_COLOR = QColor(229, 57, 53)  # rectangles, arrows and text notes
PIXEL_BLOCK = 12  # pixelate block side, in image (physical) pixels
_LEVEL_STEP = 16  # pixelate keeps 256 / 16 = 16 levels per channel
MIN_STROKE = 3  # line width in image pixels, at least

RedactionStyle: TypeAlias = Literal["pixelate", "blackout"]


# -- annotations (image pixels) -------------------------------------------------------------------


@dataclass(frozen=True)
class Highlight:
    """A rectangle outline; the stroke lies inside `rect`."""

    rect: QRect
    width: int = MIN_STROKE


@dataclass(frozen=True)
class Arrow:
    """A line from `start` with a head at `end`."""

    start: QPointF
    end: QPointF
    width: int = MIN_STROKE


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
