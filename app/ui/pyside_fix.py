"""Two adjustments to PySide6, both no-ops where they are not needed.

1. A guard against a PySide6 6.12.0 bug on CPython < 3.12 that aborts the interpreter. Each call
   of a bound Qt method that returns void drops a reference to None, and each Signal.emit() one
   to True (3.12 made them immortal and the binding relies on it). After some thousands of
   calls the interpreter aborts ("none_dealloc", "bool_dealloc"); a long streamed reply makes
   many thousand. When the bug is detected, `protect_singletons` gives None, True and False
   huge reference counts, i.e. makes them immortal as in 3.12. Idempotent. The window calls it
   right after its first paint (ctypes and the probe cost ~5 ms of start-up; at that point None
   still holds thousands of references and the window has made a few hundred calls); tests and
   benchmarks call it at once.
2. A cheaper answer to the question PySide's import hook asks of every module imported after
   PySide (`fast_feature_scan`), applied when this module is imported: import it before the
   app's other modules (app.ui.app does).
"""

from __future__ import annotations

import sys

_applied: bool | None = None  # None: not checked yet


def protect_singletons() -> bool:
    """Returns True if the bug was seen and the guard applied (now or before)."""
    global _applied
    if _applied is None:
        _applied = _protect()
    return _applied


def _protect() -> bool:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(16):
        probe.setObjectName("")
        probe.ping.emit()
    after = sys.getrefcount(None), sys.getrefcount(True)
    if before[0] - after[0] < 16 and before[1] - after[1] < 16:
        return False
    import ctypes

    for singleton in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt, the first field
        if refcnt.value < 1 << 40:
            refcnt.value += 1 << 41
    return True


def fast_feature_scan() -> bool:
    """PySide's import hook asks of every module imported after it whether the module "uses
    PySide6" (for `from __feature__ import ...`), by reading its source through
    inspect.getsource: linecache, tokenize and a line split per module, a few milliseconds
    at start-up. The same question, answered from the file's bytes. Returns True if
    installed; the original answers whatever the file cannot (no source, unreadable)."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if original is None or getattr(original, "_askshot", False):
        return False

    def uses_pyside(module: object) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as f:
                    return b"PySide6" in f.read()
            except OSError:
                pass
        return bool(original(module))

    uses_pyside._askshot = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = uses_pyside  # type: ignore[union-attr]
    return True


FAST_SCAN = fast_feature_scan()
