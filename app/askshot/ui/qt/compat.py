"""What Askshot needs to know about PySide6: the releases it runs on (checked once at start-up),
and the source cache its import hook fills.

PySide6 6.12.0 on CPython before 3.12 drops a reference to None at each call of a bound Qt method
that returns void, and one to True at each Signal.emit() (3.12 made them immortal, and that
release relies on it). After some thousands of calls the interpreter aborts ("Fatal Python error:
bool_dealloc"), which one long streamed answer reaches; 6.11 loses none. The dependency leaves
that release out (pyproject.toml: `PySide6-Essentials>=6.6,!=6.12.0` where Python < 3.12). This
check stops a start in an environment that has it anyway (an install with --no-deps, a distro
package) with the sentence that fixes it, instead of a crash minutes later.
"""

from __future__ import annotations

import linecache
import re
import sys

# (PySide6 release, the first Python that is not affected)
BROKEN: dict[tuple[int, ...], tuple[int, int]] = {(6, 12, 0): (3, 12)}
CONSTRAINT = "PySide6-Essentials>=6.6,!=6.12.0"


def _release(version: str) -> tuple[int, ...]:
    """(6, 12, 0) for "6.12.0", "6.12.0a1" or "6.12.0.post1"."""
    found = re.match(r"(\d+)\.(\d+)\.(\d+)", version)
    return tuple(int(n) for n in found.groups()) if found else ()


def unsupported(pyside_version: str, python: tuple[int, int] | None = None) -> str | None:
    """A sentence when this PySide6 release must not run on this Python, else None."""
    python = python or (sys.version_info.major, sys.version_info.minor)
    fixed_in = BROKEN.get(_release(pyside_version))
    if fixed_in is None or python >= fixed_in:
        return None
    return (
        f"PySide6 {pyside_version} crashes on Python {python[0]}.{python[1]} after a few thousand "
        f"Qt calls, so Askshot will not start with it. Install another release: "
        f"pip install '{CONSTRAINT}'"
    )


def check_pyside() -> str | None:
    """The sentence for the PySide6 this process has loaded (see `unsupported`)."""
    import PySide6

    return unsupported(PySide6.__version__)


def drop_source_cache() -> None:
    """PySide6's import hook asks of every module imported after PySide whether it uses
    `from __feature__ import ...`, by reading its source through inspect, and linecache keeps
    every line it read: several megabytes for a running window (measured: 6.4 MiB of Python
    objects once a conversation is open). Dropped regularly; a traceback reads the lines again
    when it needs them."""
    if linecache.cache:
        linecache.clearcache()
