"""The files Askshot ships beside its code (the top-level `resources/` folder, installed as the
package `askshot.resources`), found the same way in a checkout, a wheel and a frozen build.

Plain paths from the package's location: importlib.resources would cost the window about a
megabyte of memory for reading a few icons.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def _root() -> Path:
    # A static import, so PyInstaller bundles the package itself and not only its data files
    # (found only as a folder, it would import as a namespace package without a __file__).
    # (mypy reads app/ only; the package's folder is resources/, mapped in pyproject.)
    import askshot.resources as package  # type: ignore[import-not-found, unused-ignore]

    return Path(next(iter(package.__path__)))


def resource(*parts: str) -> Path:
    """A shipped file, e.g. resource("icons", "send.svg")."""
    return _root().joinpath(*parts)
