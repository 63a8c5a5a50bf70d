"""Askshot's icons: small SVG drawings (shipped in askshot.resources) rendered at whatever size
and device pixel ratio a button asks for, so they stay crisp on high-DPI screens, in the
palette's button-text colour (read when painted, so a theme switch recolours them).

Loaded after the first paint: QtSvg is not needed to show the window.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from askshot import APP_ID
from askshot.core.resources import resource

# 24x24 line drawings in resources/icons, drawn in `currentColor`, which is replaced with the
# palette's colour when painted.
NAMES = ("new", "screenshot", "settings", "attach", "send", "stop", "search")
_drawings: dict[str, str] = {}


def _drawing(name: str) -> str:
    found = _drawings.get(name)
    if found is None:
        found = _drawings[name] = resource("icons", f"{name}.svg").read_text(encoding="utf-8")
    return found


def _svg(name: str, colour: str) -> bytes:
    return _drawing(name).replace("currentColor", colour).encode()


def _colour(mode: QIcon.Mode) -> str:
    pal = QGuiApplication.palette()
    if mode == QIcon.Mode.Disabled:
        return pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText).name()
    if mode == QIcon.Mode.Selected:
        return pal.color(QPalette.ColorRole.HighlightedText).name()
    return pal.color(QPalette.ColorRole.ButtonText).name()


class SvgIconEngine(QIconEngine):
    """Renders an SVG at the requested size and scale; `colourful` drawings keep their own
    colours, the others take the palette's."""

    def __init__(self, name: str, svg: bytes | None = None) -> None:
        super().__init__()
        self._name = name
        self._fixed = svg  # a colourful drawing: the palette does not apply
        self._renderers: dict[str, QSvgRenderer] = {}
        self._pixmaps: dict[tuple[int, int, float, str], QPixmap] = {}

    def _renderer(self, mode: QIcon.Mode) -> tuple[str, QSvgRenderer]:
        colour = "" if self._fixed is not None else _colour(mode)
        renderer = self._renderers.get(colour)
        if renderer is None:
            data = self._fixed if self._fixed is not None else _svg(self._name, colour)
            renderer = QSvgRenderer(QByteArray(data))
            self._renderers[colour] = renderer
        return colour, renderer

    def clone(self) -> QIconEngine:
        # Qt takes the copy (an icon being changed detaches from the shared engine); the binding
        # does not hand it over, so the copy is kept alive here or Qt would use a freed object.
        copy = SvgIconEngine(self._name, self._fixed)
        _clones.append(copy)
        return copy

    def key(self) -> str:
        return "askshot-svg"

    def iconName(self) -> str:
        return self._name

    def isNull(self) -> bool:
        return False

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        _, renderer = self._renderer(mode)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(rect))
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        colour, renderer = self._renderer(mode)
        key = (size.width(), size.height(), scale, colour)
        cached = self._pixmaps.get(key)
        if cached is not None:
            return cached
        width = max(1, round(size.width() * scale))
        height = max(1, round(size.height() * scale))
        image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, width, height))
        painter.end()
        pix = QPixmap.fromImage(image)
        pix.setDevicePixelRatio(scale)
        if len(self._pixmaps) > 64:  # sizes are few; a theme switch may leave stale colours
            self._pixmaps.clear()
        self._pixmaps[key] = pix
        return pix


_cache: dict[str, QIcon] = {}
_clones: list[SvgIconEngine] = []


def icon(name: str) -> QIcon:
    """One of NAMES, drawn in the palette's button-text colour."""
    found = _cache.get(name)
    if found is None:
        if name not in NAMES:
            raise KeyError(name)
        found = _cache[name] = QIcon(SvgIconEngine(name))
    return found


def app_icon() -> QIcon:
    """The window and taskbar icon."""
    found = _cache.get("_app")
    if found is None:
        svg = resource("icons", "hicolor", "scalable", "apps", f"{APP_ID}.svg").read_bytes()
        found = _cache["_app"] = QIcon(SvgIconEngine(APP_ID, svg))
    return found
