"""The small icons of a message's actions (copy, regenerate, edit, delete), drawn with QPainter
paths at the screen's pixel ratio in any colour: crisp at any scale, no icon theme or SVG
engine needed, and nothing loaded before the first message.

They live in the conversation's document as images named `askshot-icon:<name>/<colour>`
(`…/hidden` draws nothing in the same space: an action row keeps its place while hidden)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

ICON_SCHEME = "askshot-icon"
HIDDEN = "hidden"
SIZE = 20  # logical pixels of an icon's image: a 16 px drawing and a little room to aim
NAMES = ("copy", "regenerate", "edit", "delete")


def icon_url(name: str, colour: str) -> str:
    """The image name of icon `name` in `colour` ("#rrggbb") or HIDDEN."""
    return f"{ICON_SCHEME}:{name}/{colour.lstrip('#') if colour != HIDDEN else HIDDEN}"


def parse_icon_url(url: QUrl | str) -> tuple[str, str] | None:
    """(name, colour or HIDDEN) of an icon's image name; None for anything else."""
    u = QUrl(url)
    if u.scheme() != ICON_SCHEME:
        return None
    name, _, colour = u.path().partition("/")
    if name not in NAMES or not (colour == HIDDEN or _is_hex(colour)):
        return None
    return name, colour if colour == HIDDEN else "#" + colour


def _is_hex(text: str) -> bool:
    return len(text) == 6 and all(c in "0123456789abcdefABCDEF" for c in text)


def draw(name: str, colour: str, dpr: float) -> QImage:
    """Icon `name` as a SIZE x SIZE logical image at pixel ratio `dpr` (transparent when the
    colour is HIDDEN)."""
    side = max(1, round(SIZE * dpr))
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    image.setDevicePixelRatio(dpr)
    if colour == HIDDEN:
        return image
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(2, 2)  # the 16 px drawing in the middle
    pen = QPen(QColor(colour), 1.5)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(_PATHS[name]())
    painter.end()
    return image


def _copy() -> QPainterPath:
    """Two sheets, the front one whole, the one behind showing its top and left edges."""
    path = QPainterPath()
    path.addRoundedRect(QRectF(5.5, 5.5, 8.5, 8.5), 1.5, 1.5)
    path.moveTo(10.5, 3.5)
    path.lineTo(10.5, 3.0)
    path.quadTo(10.5, 2.0, 9.5, 2.0)
    path.lineTo(3.0, 2.0)
    path.quadTo(2.0, 2.0, 2.0, 3.0)
    path.lineTo(2.0, 9.5)
    path.quadTo(2.0, 10.5, 3.0, 10.5)
    path.lineTo(3.5, 10.5)
    return path


def _regenerate() -> QPainterPath:
    """A circle not closed, an arrowhead at its end: ask again."""
    path = QPainterPath()
    box = QRectF(2.5, 2.5, 11.0, 11.0)
    path.arcMoveTo(box, 70)
    path.arcTo(box, 70, 285)  # round from the top, against the clock, up the right side
    tip = path.currentPosition() + QPointF(0, -0.8)
    path.moveTo(tip + QPointF(-2.6, 2.4))
    path.lineTo(tip)
    path.lineTo(tip + QPointF(2.6, 2.4))
    return path


def _edit() -> QPainterPath:
    """A pencil, its point down at the left."""
    path = QPainterPath()
    path.moveTo(2.5, 13.5)
    path.lineTo(3.2, 10.4)
    path.lineTo(10.9, 2.7)
    path.quadTo(11.6, 2.0, 12.3, 2.7)
    path.lineTo(13.3, 3.7)
    path.quadTo(14.0, 4.4, 13.3, 5.1)
    path.lineTo(5.6, 12.8)
    path.closeSubpath()
    path.moveTo(9.4, 4.2)
    path.lineTo(11.8, 6.6)
    return path


def _delete() -> QPainterPath:
    """A bin with its lid and handle."""
    path = QPainterPath()
    path.moveTo(2.5, 4.5)
    path.lineTo(13.5, 4.5)
    path.moveTo(6.0, 4.5)
    path.lineTo(6.0, 2.5)
    path.lineTo(10.0, 2.5)
    path.lineTo(10.0, 4.5)
    path.moveTo(4.0, 4.5)
    path.lineTo(4.8, 13.0)
    path.quadTo(4.9, 14.0, 5.9, 14.0)
    path.lineTo(10.1, 14.0)
    path.quadTo(11.1, 14.0, 11.2, 13.0)
    path.lineTo(12.0, 4.5)
    for x in (6.8, 9.2):
        path.moveTo(x, 7.0)
        path.lineTo(x, 11.5)
    return path


_PATHS = {"copy": _copy, "regenerate": _regenerate, "edit": _edit, "delete": _delete}
