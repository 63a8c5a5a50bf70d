"""Keep freed memory warm while captures come in a burst, and give it back after.

A 4K capture allocates about 100 MB in a few large blocks (the X server's reply, the image, its
crops). glibc hands such blocks back to the kernel when they are freed, so the next capture
touches fresh pages again: some 16,000 page faults, 50-150 ms on a shared machine, more than the
grab itself. While captures are being taken, `hold()` lets glibc keep freed memory for reuse;
`release()` (the capture controller calls it a few minutes after the last capture) returns it
and restores glibc's usual thresholds.
Elsewhere than glibc both do nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from functools import cache

log = logging.getLogger("askshot.memory")

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_HOLD_BYTES = 1 << 30
_DEFAULT_BYTES = 128 * 1024  # glibc's defaults


@cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return None
        libc = ctypes.CDLL("libc.so.6")
    except (ValueError, OSError):  # not glibc (musl), or no such name
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    return libc


_held = False


def hold() -> bool:
    """Keep large freed blocks in the heap for reuse (until `release`); True where it applies."""
    global _held
    libc = _glibc()
    if libc is None:
        return False
    if not _held:
        ok = libc.mallopt(_M_MMAP_THRESHOLD, _HOLD_BYTES) and libc.mallopt(
            _M_TRIM_THRESHOLD, _HOLD_BYTES
        )
        _held = bool(ok)
        log.debug("holding freed memory: %s", _held)
    return _held


def release() -> None:
    """Give the freed memory back to the system and return to glibc's usual thresholds."""
    global _held
    libc = _glibc()
    if libc is None or not _held:
        return
    libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_BYTES)
    libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_BYTES)
    libc.malloc_trim(0)
    _held = False
    log.debug("freed memory returned")
