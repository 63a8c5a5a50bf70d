"""The files Askshot ships beside its code (the top-level `resources/` folder, installed as the
package `askshot.resources`), found the same way in a checkout, a wheel and a frozen build.

Plain paths from the package's location: importlib.resources would cost the window about a
megabyte of memory for reading a few icons.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

PACKAGE = "askshot.resources"


@cache
def _root() -> Path:
    location = importlib.import_module(PACKAGE).__file__
    assert location is not None, f"{PACKAGE} has no location"
    return Path(location).parent


def resource(*parts: str) -> Path:
    """A shipped file, e.g. resource("icons", "send.svg")."""
    return _root().joinpath(*parts)
