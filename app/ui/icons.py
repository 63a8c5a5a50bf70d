"""Askshot's icons: small SVG drawings rendered at whatever size and device pixel ratio a
button asks for, so they stay crisp on high-DPI screens, in the palette's button-text colour
(read when painted, so a theme switch recolours them).

Loaded after the first paint: QtSvg is not needed to show the window.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

# 24x24 line drawings; {c} is replaced with the colour.
_LINE = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="{c}" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
)
_SHAPES = {
    # A plus: a new conversation.
    "new": '<path d="M12 5v14M5 12h14"/>',
    # The four corners of a selection around a dot: take a screenshot.
    "screenshot": (
        '<path d="M4 9V5.5A1.5 1.5 0 0 1 5.5 4H9M15 4h3.5A1.5 1.5 0 0 1 20 5.5V9M20 15v3.5'
        'A1.5 1.5 0 0 1 18.5 20H15M9 20H5.5A1.5 1.5 0 0 1 4 18.5V15"/>'
        '<circle cx="12" cy="12" r="2.5"/>'
    ),
    # Three sliders: settings.
    "settings": (
        '<path d="M4 6h8M16 6h4M4 12h2M10 12h10M4 18h10M18 18h2"/>'
        '<circle cx="14" cy="6" r="2"/><circle cx="8" cy="12" r="2"/>'
        '<circle cx="16" cy="18" r="2"/>'
    ),
    # A paper clip: attach images.
    "attach": (
        '<path d="M19.5 11.2l-7.6 7.6a5 5 0 0 1-7.1-7.1l8.2-8.2a3.4 3.4 0 0 1 4.8 4.8'
        'l-8.2 8.2a1.8 1.8 0 0 1-2.5-2.5l7.6-7.6"/>'
    ),
    # An arrow up: send.
    "send": '<path d="M12 19V5M6 11l6-6 6 6"/>',
    # A filled square: stop the answer.
    "stop": '<rect x="6.5" y="6.5" width="11" height="11" rx="2" fill="{c}"/>',
    # A magnifier: search.
    "search": '<circle cx="10.5" cy="10.5" r="6"/><path d="M20 20l-5.2-5.2"/>',
}
NAMES = tuple(_SHAPES)

# The window icon: a blue tile with selection corners around a question mark.
_APP_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" rx="14" fill="#3d6fd8"/>'
    '<g fill="none" stroke="#ffffff" stroke-width="4" stroke-linecap="round" '
    'stroke-linejoin="round">'
    '<path d="M12 22v-7a3 3 0 0 1 3-3h7M42 12h7a3 3 0 0 1 3 3v7M52 42v7a3 3 0 0 1-3 3h-7'
    'M22 52h-7a3 3 0 0 1-3-3v-7"/>'
    '<path d="M25.5 26.5a6.5 6.5 0 1 1 9.3 5.9c-1.8.9-2.8 2.3-2.8 4.3v1.3"/></g>'
    '<circle cx="32" cy="44.5" r="2.6" fill="#ffffff"/></svg>'
)


def _svg(name: str, colour: str) -> bytes:
    return (_LINE + _SHAPES[name] + "</svg>").replace("{c}", colour).encode()


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
        if name not in _SHAPES:
            raise KeyError(name)
        found = _cache[name] = QIcon(SvgIconEngine(name))
    return found


def app_icon() -> QIcon:
    """The window and taskbar icon."""
    found = _cache.get("_app")
    if found is None:
        found = _cache["_app"] = QIcon(SvgIconEngine("askshot", _APP_SVG.encode()))
    return found
