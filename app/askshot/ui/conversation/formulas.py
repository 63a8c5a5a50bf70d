"""Math in answers, drawn without a browser engine.

A formula in an answer (`$…$`, `\\(…\\)`, `$$…$$`, `\\[…\\]`: core of the Markdown parser's
math plugins) becomes an image in the conversation, `askshot-math:<key>?c=<colour>`, whose key
names its LaTeX source here. The first time the view needs that image, the formula is laid out
by ziamath on a worker thread — LaTeX to SVG in pure Python with its own math font (STIX Two),
chosen over a browser engine (hundreds of MB, seconds to start) and over matplotlib's mathtext
(a 40 MB dependency with a partial TeX grammar); ziamath is about 4 MB with its dependencies,
imports in ~0.2 s and lays a formula out in ~20 ms, so it loads only with the first formula
and never on the GUI thread. Until the layout arrives, and for good if it fails, the view shows
the formula's source as text, so a broken formula stays readable and is never an error dialog.

The SVG (one per source, kept for the process) is drawn by QtSvg on the same worker thread at
the screen's device pixel ratio and in the palette's text colour, so formulas are crisp at any
scale and follow light and dark; the GUI thread only puts the images in place. Copying keeps
the LaTeX: the message's Copy copies its source, and each formula's context menu offers Copy
LaTeX.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import warnings
from typing import NamedTuple

from PySide6.QtCore import QByteArray, QObject, QRectF, QUrl, Signal
from PySide6.QtGui import QImage, QPainter

log = logging.getLogger("askshot.math")

MATH_SCHEME = "askshot-math"
LAYOUT_SIZE = 20.0  # px: the font size formulas are laid out at, then scaled to the view's
INLINE_SCALE = 1.2  # a formula's size to the text's (math glyphs run small beside text)
DISPLAY_SCALE = 1.25
_INK = "#010203"  # the colour formulas are laid out in, replaced by the palette's when drawn
_FAILED = ""  # a layout that failed: the source is shown instead


class Formula(NamedTuple):
    latex: str
    display: bool  # a block of its own ($$…$$, \[…\]) rather than inline


_formulas: dict[str, Formula] = {}  # key -> source, for every formula rendered this process
_lock = threading.Lock()


def key_for(latex: str, display: bool) -> str:
    digest = hashlib.blake2b(f"{int(display)}{latex}".encode(), digest_size=10).hexdigest()
    with _lock:
        _formulas.setdefault(digest, Formula(latex, display))
    return digest


def url_for(latex: str, display: bool, colour: str) -> str:
    """The image name a formula goes by in the conversation's HTML."""
    return f"{MATH_SCHEME}:{key_for(latex, display)}?c={colour.lstrip('#')}"


def parse_url(url: QUrl | str) -> tuple[Formula, str] | None:
    """(formula, colour) an image name stands for, or None when it is not one of ours."""
    text = url.toString() if isinstance(url, QUrl) else url
    if not text.startswith(MATH_SCHEME + ":"):
        return None
    key, _, query = text[len(MATH_SCHEME) + 1 :].partition("?c=")
    with _lock:
        formula = _formulas.get(key)
    if formula is None:
        return None
    return formula, "#" + (query or "000000")


Look = tuple[str, int, float]  # the colour, the font's pixel size, the device pixel ratio


class Layouts(QObject):
    """Each formula laid out (its SVG, kept per source) and drawn (an image per look: colour,
    size, pixel ratio), one after the other on a worker thread — a daemon: a layout left
    unfinished at exit is nothing to wait for. `ready` names a formula whose image arrived, or
    whose layout failed: then it stays as its source."""

    ready = Signal(str)  # the key, emitted on the worker thread, delivered on the GUI thread

    def __init__(self) -> None:
        super().__init__()
        self._svg: dict[str, str] = {}
        self._images: dict[tuple[str, Look], QImage | None] = {}  # None: cannot be drawn
        self._pending: set[tuple[str, Look]] = set()
        self._queue: queue.SimpleQueue[tuple[str, Formula, Look]] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def image(self, formula: Formula, look: Look) -> QImage | bool | None:
        """The formula drawn in this look; None when it cannot be (show its source); False
        while it is being laid out and drawn (asked for now if it was not)."""
        key = key_for(formula.latex, formula.display)
        if (key, look) in self._images:
            return self._images[key, look]
        if (key, look) not in self._pending:
            self._pending.add((key, look))
            self._queue.put((key, formula, look))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="askshot-math", daemon=True)
                self._worker.start()
        return False

    def _run(self) -> None:
        while True:
            key, formula, look = self._queue.get()
            svg = self._svg.get(key)
            if svg is None:
                svg = self._svg[key] = lay_out(formula)
            self._images[key, look] = draw(svg, formula, look) if svg else None
            self._pending.discard((key, look))
            self.ready.emit(key)


def draw(svg: str, formula: Formula, look: Look) -> QImage | None:
    """The SVG drawn at the look's size and pixel ratio, in its colour (QtSvg, any thread)."""
    from PySide6.QtSvg import QSvgRenderer

    colour, px, dpr = look
    renderer = QSvgRenderer(QByteArray(recolour(svg, colour).encode()))
    if not renderer.isValid():
        return None
    scale = px * (DISPLAY_SCALE if formula.display else INLINE_SCALE) / LAYOUT_SIZE
    size = renderer.defaultSize()
    w, h = max(1, round(size.width() * scale)), max(1, round(size.height() * scale))
    image = QImage(round(w * dpr), round(h * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    image.setDevicePixelRatio(dpr)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, w, h))
    painter.end()
    return image


def lay_out(formula: Formula) -> str:
    """The SVG of a formula (paths only, in _INK), or _FAILED. Imports ziamath on first use."""
    try:
        with warnings.catch_warnings():
            # ziamath and ziafont open their fonts with importlib.resources.path (deprecated,
            # and still working): not the user's concern.
            warnings.simplefilter("ignore", DeprecationWarning)
            from ziamath.config import config
            from ziamath.zmath import Math

            config.svg2 = False  # xlink:href and inline paths, which QtSvg draws
            math = Math.fromlatex(
                formula.latex.strip(), size=LAYOUT_SIZE, color=_INK, inline=not formula.display
            )
            return str(math.svg())
    except Exception as exc:  # ziamath raises many kinds on bad input: all mean "show the source"
        log.info("formula not drawn (%s): %.80r", type(exc).__name__, formula.latex)
        return _FAILED


_layouts: Layouts | None = None


def layouts() -> Layouts:
    """The process's one set of layouts (created on the GUI thread with the first formula)."""
    global _layouts
    if _layouts is None:
        _layouts = Layouts()
    return _layouts


def recolour(svg: str, colour: str) -> str:
    return svg.replace(_INK, colour)
