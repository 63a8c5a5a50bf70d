"""What the windows need from the core, gathered once at start-up and passed in.

The keyring is opened on first use, not at start-up: importing it and asking D-Bus which backend
works costs more than painting the window.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from app.core.paths import Paths
from app.core.settings import Settings, load
from app.core.target import resolve_endpoint

if TYPE_CHECKING:
    from app.core.client import Endpoint
    from app.core.secrets import KeyStore


class Services:
    def __init__(
        self,
        env: Mapping[str, str],
        paths: Paths,
        settings: Settings,
        settings_warning: str | None,
        keys: KeyStore | None = None,
    ) -> None:
        self.env = env
        self.paths = paths
        self.settings = settings
        self.settings_warning = settings_warning
        self._keys = keys

    @classmethod
    def create(cls, env: Mapping[str, str] | None = None) -> Services:
        env = os.environ if env is None else env
        paths = Paths.from_env(env)
        settings, warning = load(paths)
        return cls(env, paths, settings, warning)

    @property
    def keys(self) -> KeyStore:
        if self._keys is None:
            from app.core.secrets import KeyStore

            self._keys = KeyStore(env=self.env)
        return self._keys

    @keys.setter
    def keys(self, value: KeyStore) -> None:
        self._keys = value

    def endpoint(self) -> Endpoint:
        s = self.settings
        return resolve_endpoint(
            s.provider,
            base_url_override=None,
            saved_provider=s.provider,
            saved_base_url=s.base_url,
            env=self.env,
            keys=self,  # the keyring is opened only if the environment has no key
        )

    def get(self, provider_id: str) -> str | None:
        """The stored key for a provider (the KeySource protocol of app.core.target)."""
        return self.keys.get(provider_id)
