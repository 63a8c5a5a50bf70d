"""Which capture backend to try first, by platform and session: Qt-free, so `askshot doctor` can
say it without a window."""

from __future__ import annotations

import sys
from collections.abc import Mapping


def backend_order(
    platform_name: str, env: Mapping[str, str], system: str = sys.platform
) -> list[str]:
    """The backends to try, best first. Qt cannot read a Wayland screen, only the portal can."""
    if system in ("win32", "darwin"):
        return ["qt"]
    wayland = (
        platform_name.startswith("wayland")
        or env.get("XDG_SESSION_TYPE", "") == "wayland"
        or bool(env.get("WAYLAND_DISPLAY"))
    )
    return ["portal"] if wayland else ["qt", "portal"]
