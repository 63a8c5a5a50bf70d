"""Where Askshot keeps its files: the platform's user directories (XDG on Linux), or everything
under ASKSHOT_HOME."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

APP = "askshot"

# On Linux, the XDG base directories as platformdirs computes them (config, data, cache, and
# logs in the state directory), read from the given environment without importing platformdirs
# (a few milliseconds of start-up). Anything unusual (a relative HOME) is left to platformdirs.
_XDG = (
    ("XDG_CONFIG_HOME", ".config", ""),
    ("XDG_DATA_HOME", ".local/share", ""),
    ("XDG_CACHE_HOME", ".cache", ""),
    ("XDG_STATE_HOME", ".local/state", "log"),
)


def _xdg_dirs(env: Mapping[str, str]) -> tuple[Path, Path, Path, Path] | None:
    home = env.get("HOME", "")
    if not home.startswith("/"):
        return None
    found = []
    for var, default, sub in _XDG:
        base = env.get(var, "")
        path = Path(base if base.startswith("/") else os.path.join(home, default)) / APP
        found.append(path / sub if sub else path)
    config, data, cache, logs = found
    return config, data, cache, logs


class Paths(NamedTuple):  # a NamedTuple: immutable, and cheap to define before the first paint
    config: Path
    data: Path
    cache: Path
    logs: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if env is None else env
        home = env.get("ASKSHOT_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(root / "config", root / "data", root / "cache", root / "logs")
        if sys.platform.startswith("linux"):
            xdg = _xdg_dirs(env)
            if xdg is not None:
                return cls(*xdg)
        import platformdirs

        return cls(
            Path(platformdirs.user_config_dir(APP, appauthor=False)),
            Path(platformdirs.user_data_dir(APP, appauthor=False)),
            Path(platformdirs.user_cache_dir(APP, appauthor=False)),
            Path(platformdirs.user_log_dir(APP, appauthor=False)),
        )

    def ensure(self, which: Path) -> Path:
        """Create a private directory (0700 on POSIX) and return it."""
        which.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.name == "posix":
            os.chmod(which, 0o700)
        return which


def free_aside_name(path: Path, tag: str) -> Path:
    """A name beside `path` for setting it aside, `<name>.<tag>-<timestamp>` (with `-2`, `-3`…
    when taken), so a damaged file is kept next to the new one and never overwritten."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{tag}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{tag}-{stamp}-{n}")
    return target
