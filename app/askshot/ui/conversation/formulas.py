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

The SVG (one per source, kept for the process) is drawn on the GUI thread by QtSvg (about a
millisecond) at the screen's device pixel ratio and in the palette's text colour, so formulas
are crisp at any scale and follow light and dark. Copying keeps the LaTeX: the message's Copy
copies its source, and each formula's context menu offers Copy LaTeX.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import warnings
from typing import NamedTuple

from PySide6.QtCore import QObject, QUrl, Signal

log = logging.getLogger("askshot.math")

MATH_SCHEME = "askshot-math"
LAYOUT_SIZE = 20.0  # px: the font size formulas are laid out at, then scaled to the view's
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


class Layouts(QObject):
    """The SVG of each formula, laid out one after the other on a worker thread (a daemon: a
    layout left unfinished at exit is nothing to wait for); `ready` names a formula whose layout
    arrived (or failed: then it stays as its source)."""

    ready = Signal(str)  # the key, emitted on the worker thread, delivered on the GUI thread

    def __init__(self) -> None:
        super().__init__()
        self._svg: dict[str, str] = {}
        self._pending: set[str] = set()
        self._queue: queue.SimpleQueue[tuple[str, Formula]] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def svg(self, formula: Formula) -> str | None:
        """The formula's SVG (in _INK), "" when it cannot be laid out, or None while it is
        being laid out (asked for now if it was not)."""
        key = key_for(formula.latex, formula.display)
        found = self._svg.get(key)
        if found is not None:
            return found
        if key not in self._pending:
            self._pending.add(key)
            self._queue.put((key, formula))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="askshot-math", daemon=True)
                self._worker.start()
        return None

    def _run(self) -> None:
        while True:
            key, formula = self._queue.get()
            self._svg[key] = lay_out(formula)
            self._pending.discard(key)
            self.ready.emit(key)


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
