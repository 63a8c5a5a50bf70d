"""LaTeX formulas laid out as SVG by ziamath (pure Python, its own STIX Two Math font), in a
child process of the window: `askshot _math` (`python -m askshot _math`) reads one JSON request
a line on stdin, {"id": str, "latex": str, "display": bool}, and answers each with a line
{"id": str, "svg": str} on stdout ("" when the formula cannot be laid out).

A child, not a thread: laying out is pure Python, and a thread doing it would hold the GIL the
GUI thread needs at every call into Python (each image Qt asks for, each timer), turning the
answer's streaming into stalls. The window starts the child with the first formula, talks to it
from a thread of its own (ui/conversation/formulas.py), and restarts it if it dies or hangs on a
formula. No Qt here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import warnings
from typing import IO

log = logging.getLogger("askshot.math")

LAYOUT_SIZE = 20.0  # px: the font size formulas are laid out at (the window scales them)
INK = "#010203"  # the colour formulas are laid out in, replaced by the palette's when drawn
MAX_LATEX = 4000  # characters: a "formula" longer than this is shown as its source


def lay_out(latex: str, display: bool) -> str:
    """The SVG of a formula (paths only, in INK, xlink:href for QtSvg), or "" when it cannot
    be laid out. Imports ziamath on first use."""
    if len(latex) > MAX_LATEX:
        return ""
    try:
        with warnings.catch_warnings():
            # ziamath and ziafont open their fonts with importlib.resources.path (deprecated,
            # and still working): not the user's concern.
            warnings.simplefilter("ignore", DeprecationWarning)
            from ziamath.config import config
            from ziamath.zmath import Math

            config.svg2 = False
            math = Math.fromlatex(latex.strip(), size=LAYOUT_SIZE, color=INK, inline=not display)
            return str(math.svg())
    except Exception as exc:  # ziamath raises many kinds on bad input: all mean "show the source"
        log.info("formula not laid out (%s): %.80r", type(exc).__name__, latex)
        return ""


def serve(stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    """The child's loop: a request a line, an answer a line, until stdin closes."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if hasattr(os, "nice"):  # background work: the window's own thread comes first
        with contextlib.suppress(OSError):
            os.nice(10)
    for line in stdin:
        try:
            request = json.loads(line)
            key, latex, display = (
                str(request["id"]),
                str(request["latex"]),
                bool(request["display"]),
            )
        except (ValueError, KeyError, TypeError):
            continue  # not a request: nothing to answer
        stdout.write(json.dumps({"id": key, "svg": lay_out(latex, display)}) + "\n")
        stdout.flush()
    return 0
