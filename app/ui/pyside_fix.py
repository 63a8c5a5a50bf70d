"""Guard against a PySide6 6.12.0 bug on CPython < 3.12 that aborts the interpreter.

Each call of a bound Qt method that returns void drops a reference to None, and each
Signal.emit() one to True (3.12 made them immortal and the binding relies on it). After a few
thousand calls the interpreter aborts ("none_dealloc", "bool_dealloc"); a long streamed reply
makes many thousand. When the bug is detected, None, True and False get huge reference counts,
i.e. become immortal as in 3.12. Cheap, idempotent, and a no-op where the bug is absent.
Import this module (it applies the guard) before the first Qt call: app.ui.app does.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def protect_singletons() -> bool:
    """Returns True if the bug was seen and the guard applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    probe = _Probe()
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(16):
        probe.setObjectName("")
        probe.ping.emit()
    after = sys.getrefcount(None), sys.getrefcount(True)
    if before[0] - after[0] < 16 and before[1] - after[1] < 16:
        return False
    for singleton in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt, the first field
        if refcnt.value < 1 << 40:
            refcnt.value += 1 << 41
    return True


APPLIED = protect_singletons()
