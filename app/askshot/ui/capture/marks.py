"""Markup drawn straight on the frozen screen (the ask bar's tools): marks kept in global logical
coordinates while the user works, shown on the overlay, and moved into the crop's pixels when the
area is taken, where `annotations.flatten` draws (and redacts) them. So the overlay shows what is
sent, and moving or resizing the selection after marking keeps each mark where it was drawn.

Redaction on the overlay is always "black out": what the user sees there (solid black) is what
the image gets, and it leaves nothing of a secret behind.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QPainter

from askshot.ui.capture.annotations import (
    MIN_STROKE,
    Annotation,
    Arrow,
    Crop,
    Highlight,
    Redaction,
    TextNote,
    draw_annotation,
)

STROKE = 3  # logical pixels: as thick on screen as in a 1x capture
NOTE_SIZE = 16  # logical pixels

TOOLS = ("crop", "rectangle", "arrow", "text", "redact")


def for_drag(tool: str, start: QPointF, end: QPointF) -> Annotation | None:
    """The mark a drag with `tool` makes (None when too small to mean anything)."""
    if tool == "arrow":
        return Arrow(start, end, STROKE) if math.dist(start.toTuple(), end.toTuple()) >= 6 else None
    rect = QRect(start.toPoint(), end.toPoint()).normalized()
    if rect.width() < 3 or rect.height() < 3:
        return None
    if tool == "rectangle":
        return Highlight(rect, STROKE)
    if tool == "redact":
        return Redaction(rect, "blackout")
    return None


def _scale_rect(rect: QRect, origin: QPoint, scale: float) -> QRect:
    x0 = math.floor((rect.x() - origin.x()) * scale)
    y0 = math.floor((rect.y() - origin.y()) * scale)
    x1 = math.ceil((rect.x() + rect.width() - origin.x()) * scale)
    y1 = math.ceil((rect.y() + rect.height() - origin.y()) * scale)
    return QRect(x0, y0, x1 - x0, y1 - y0)


def _scale_point(p: QPointF, origin: QPoint, scale: float) -> QPointF:
    return QPointF((p.x() - origin.x()) * scale, (p.y() - origin.y()) * scale)


def to_image(marks: Sequence[Annotation], area: QRect, image_width: int) -> list[Annotation]:
    """`marks` (global logical) in the pixels of the crop of `area` that is `image_width` wide.
    Redactions grow outwards to whole pixels, so no partly covered pixel escapes them."""
    scale = image_width / max(area.width(), 1)
    origin = area.topLeft()
    stroke = max(MIN_STROKE, round(STROKE * scale))
    out: list[Annotation] = []
    for m in marks:
        if isinstance(m, Highlight):
            out.append(Highlight(_scale_rect(m.rect, origin, scale), stroke))
        elif isinstance(m, Arrow):
            start, end = (_scale_point(p, origin, scale) for p in (m.start, m.end))
            out.append(Arrow(start, end, stroke))
        elif isinstance(m, TextNote):
            pos = _scale_point(QPointF(m.pos), origin, scale).toPoint()
            out.append(TextNote(pos, m.text, max(8, round(m.pixel_size * scale))))
        elif isinstance(m, Redaction):
            out.append(Redaction(_scale_rect(m.rect, origin, scale), m.style))
        elif isinstance(m, Crop):
            out.append(Crop(_scale_rect(m.rect, origin, scale)))
    return out


def paint(p: QPainter, marks: Sequence[Annotation], origin: QPoint) -> None:
    """Draw `marks` on an overlay whose top-left corner is `origin` (global logical)."""
    p.save()
    p.translate(-origin.x(), -origin.y())
    for m in marks:
        if isinstance(m, Redaction):
            p.fillRect(m.rect, QColor(Qt.GlobalColor.black))
        elif isinstance(m, Highlight | Arrow | TextNote):
            draw_annotation(p, m)
    p.restore()
