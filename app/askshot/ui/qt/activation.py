"""Taking the focus on Wayland: a window may only activate itself with the XDG activation token
that a launcher, `askshot --capture` or the global shortcut passed on."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def activation_token(token: str) -> Iterator[None]:
    """Qt's Wayland plugin takes the focus with XDG_ACTIVATION_TOKEN when it is set as a window
    is activated; the token is only good once, so it is set around that call alone."""
    if not token:
        yield
        return
    previous = os.environ.get("XDG_ACTIVATION_TOKEN")
    os.environ["XDG_ACTIVATION_TOKEN"] = token
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("XDG_ACTIVATION_TOKEN", None)
        else:
            os.environ["XDG_ACTIVATION_TOKEN"] = previous
