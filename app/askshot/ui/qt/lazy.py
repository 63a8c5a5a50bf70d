"""`Qt` for modules that are imported before the first paint.

PySide6 builds its whole `Qt` namespace (hundreds of enums, ~25 ms here) the first time it is
imported. The start-up path only needs it once the window is on screen, so these modules take
this stand-in, which imports the real namespace on first attribute access. Type checkers see the
real `Qt`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import Qt as Qt
else:

    class _LazyQt:
        def __getattr__(self, name: str) -> Any:
            from PySide6.QtCore import Qt as real

            return getattr(real, name)

    Qt = _LazyQt()
