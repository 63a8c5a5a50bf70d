"""The files Askshot ships beside its code (the top-level `resources/` folder, installed as the
package `askshot.resources`), found the same way in a checkout, a wheel and a frozen build."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

PACKAGE = "askshot.resources"


def resource(*parts: str) -> Traversable:
    """A shipped file, e.g. resource("icons", "send.svg")."""
    return files(PACKAGE).joinpath(*parts)
