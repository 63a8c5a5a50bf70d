"""Math in answers, drawn without a browser engine.

A formula in an answer (`$…$`, `\\(…\\)`, `$$…$$`, `\\[…\\]`: the Markdown parser's math
plugins) becomes an image in the conversation, `askshot-math:<key>?c=<colour>`, whose key names
its LaTeX source here. The first time the view needs that image, the formula is laid out by
ziamath — LaTeX to SVG in pure Python with its own math font (STIX Two), chosen over a browser
engine (hundreds of MB, seconds to start) and over matplotlib's mathtext (a 40 MB dependency with
a partial TeX grammar); ziamath is about 4 MB with its dependencies, imports in ~0.2 s and lays
a formula out in ~10-20 ms. It runs in a child process (core.mathlayout), started with the first
formula: in a thread it would hold the GIL the GUI thread needs. Until the layout arrives, and
for good if it fails, the view shows the formula's source as text, so a broken formula stays
readable and is never an error dialog; a block whose formula is still being laid out stays in
the reply's open tail (renderer.py), so it is laid out once, at its real size.

The SVG (one per source, kept for the process) is drawn by QtSvg on a thread of the window at
the screen's device pixel ratio and in the palette's text colour, so formulas are crisp at any
scale and follow light and dark; the GUI thread only puts the images in place. Copying keeps
the LaTeX: the message's Copy copies its source, a selection copies each formula as its LaTeX,
and each formula's tooltip and context menu (Copy LaTeX) give it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QByteArray, QObject, QRectF, QUrl, Signal
from PySide6.QtGui import QImage, QPainter

from askshot.core import mathlayout
from askshot.core.mathlayout import INK, LAYOUT_SIZE

log = logging.getLogger("askshot.math")

MATH_SCHEME = "askshot-math"
LAYOUT_TIMEOUT_S = 10.0  # a formula the child takes longer over is shown as its source
INLINE_SCALE = 1.2  # a formula's size to the text's (math glyphs run small beside text)
DISPLAY_SCALE = 1.25


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
        self._child = Child()

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
            try:
                svg = self._svg.get(key)
                if svg is None:
                    svg = self._child.lay_out(formula)
                    if svg is not None:  # an answer (a layout, or "" for bad LaTeX): for good
                        self._svg[key] = svg
                self._images[key, look] = draw(svg, formula, look) if svg else None
            except Exception:  # a bug must not stop every later formula: this one is source
                log.exception("formula not drawn")
                self._images[key, look] = None
            finally:
                self._pending.discard((key, look))
                self.ready.emit(key)


class Child:
    """The `askshot _math` child process (core.mathlayout), started with the first formula and
    again if it dies; a formula it takes longer than LAYOUT_TIMEOUT_S over is given up (the
    child restarted) and stays as its source. Used from the Layouts thread only."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._answers: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._failed_to_start = False

    def lay_out(self, formula: Formula) -> str | None:
        """The formula's SVG, "" when it cannot be laid out, None when the child failed (a
        crash, a hang): not a verdict on the formula, which is shown as its source for now."""
        starting = self._process is None or self._process.poll() is not None
        process = self._start()
        if process is None or process.stdin is None:  # no child: here, slower for the window
            return mathlayout.lay_out(formula.latex, formula.display)
        key = key_for(formula.latex, formula.display)
        request = {"id": key, "latex": formula.latex, "display": formula.display}
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        except OSError:
            self._stop()
            return None
        # A child just started imports ziamath first (niced, on a busy machine: slowly).
        timeout = LAYOUT_TIMEOUT_S * (3 if starting else 1)
        while True:
            try:
                line = self._answers.get(timeout=timeout)
            except queue.Empty:
                log.warning("a formula took over %.0f s to lay out: shown as its source", timeout)
                self._stop()
                return None
            if line is None:  # the child is gone
                self._stop()
                return None
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            if isinstance(answer, dict) and answer.get("id") == key:
                return str(answer.get("svg") or "")

    def _start(self) -> subprocess.Popen[str] | None:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._stop()  # a child that died: its pipes closed before a new one starts
        if self._failed_to_start:
            return None
        program = (
            [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "askshot"]
        )
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        here = str(Path(__file__).resolve().parents[3])  # the directory holding askshot/
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
        try:
            self._process = subprocess.Popen(
                [*program, "_math"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                bufsize=1,
                env=env,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # Windows: no console
            )
        except OSError as exc:
            log.warning("the formula helper could not start (%s): formulas laid out here", exc)
            self._failed_to_start = True
            return None
        self._answers = queue.SimpleQueue()
        threading.Thread(
            target=_read_lines,
            args=(self._process, self._answers),
            name="askshot-math-read",
            daemon=True,
        ).start()
        return self._process

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()


def _read_lines(process: subprocess.Popen[str], answers: queue.SimpleQueue[str | None]) -> None:
    assert process.stdout is not None
    with process.stdout:
        for line in process.stdout:
            answers.put(line)
    answers.put(None)


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


_layouts: Layouts | None = None


def layouts() -> Layouts:
    """The process's one set of layouts (created on the GUI thread with the first formula)."""
    global _layouts
    if _layouts is None:
        _layouts = Layouts()
    return _layouts


def recolour(svg: str, colour: str) -> str:
    return svg.replace(INK, colour)
