"""What every headless command shares: the context it runs in (environment, paths, settings),
the usage error, exit codes and writing to stderr."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from askshot.core import settings as settings_mod
from askshot.core.paths import Paths
from askshot.core.settings import Settings

if TYPE_CHECKING:
    from askshot.core.keys.store import KeyStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad arguments or input: exit 2, nothing sent."""


@dataclass
class Context:
    env: Mapping[str, str]
    paths: Paths
    settings: Settings
    settings_warning: str | None

    @classmethod
    def create(cls, env: Mapping[str, str]) -> Context:
        paths = Paths.from_env(env)
        loaded, warning = settings_mod.load(paths)
        return cls(env, paths, loaded, warning)

    def keystore(self) -> KeyStore:
        # keyring and its crypto libraries load only when a key is not in the environment
        from askshot.core.keys.store import KeyStore

        return KeyStore(env=self.env)


def err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def silence_stdout() -> None:
    """After a broken pipe (`askshot ask … | head`), let the rest of the output go nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
