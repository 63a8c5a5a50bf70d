"""Which process is writing a streaming answer, and whether it still runs.

A start-up (the window, `askshot ask`, `askshot history`) turns answers left 'streaming' into
'interrupted' only when the process that was writing them is gone; an answer another Askshot is
still streaming right now is left alone. Each reply row records its writer as a token:

    linux:<boot id>:<pid>:<start time in clock ticks>   exact: a reused pid has another start
                                                        time, and a reboot another boot id
    <platform>:<host>:<pid>                             elsewhere: the pid alone

A token this machine cannot judge (another platform's) counts as gone.
"""

from __future__ import annotations

import os
import socket
import sys
from functools import cache
from pathlib import Path


@cache
def this_process() -> str:
    """The writer token of the running process."""
    if sys.platform.startswith("linux"):
        start = _linux_start_ticks(os.getpid())
        boot = _linux_boot_id()
        if start is not None and boot:
            return f"linux:{boot}:{os.getpid()}:{start}"
    return f"{sys.platform}:{socket.gethostname()}:{os.getpid()}"


def is_alive(token: str) -> bool:
    """Whether the process behind a writer token still runs (see the module docstring)."""
    if token == this_process():
        return True
    kind, _, rest = token.partition(":")
    if kind == "linux":
        boot, pid, start = _fields(rest, 3)
        if not sys.platform.startswith("linux") or boot != _linux_boot_id() or not pid.isdigit():
            return False
        return start.isdigit() and _linux_start_ticks(int(pid)) == int(start)
    host, pid = _fields(rest, 2)
    if kind != sys.platform or host != socket.gethostname() or not pid.isdigit():
        return False
    return _pid_alive(int(pid))


def _fields(text: str, n: int) -> list[str]:
    parts = text.rsplit(":", n - 1)
    return parts if len(parts) == n else [""] * n


def _linux_boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _linux_start_ticks(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat: when the process started, in clock ticks after boot."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    after_name = stat.rpartition(")")[2].split()  # the name may hold spaces and parentheses
    try:
        return int(after_name[19])  # fields 3.. follow the name; 22 is the 20th of them
    except (IndexError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":
        import ctypes  # Windows only: elsewhere it would only cost memory

        # os.kill(pid, 0) would end the process on Windows: ask the kernel instead.
        query_limited_information, still_active = 0x1000, 259
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(query_limited_information, False, pid)
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return bool(ok) and code.value == still_active
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
