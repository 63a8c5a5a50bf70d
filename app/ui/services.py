"""What the windows need from the core, gathered once at start-up and passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from app.core.client import Endpoint
from app.core.paths import Paths
from app.core.secrets import KeyStore
from app.core.settings import Settings, load
from app.core.target import resolve_endpoint


@dataclass
class Services:
    env: Mapping[str, str]
    paths: Paths
    settings: Settings
    settings_warning: str | None
    keys: KeyStore

    @classmethod
    def create(cls, env: Mapping[str, str] | None = None) -> Services:
        env = os.environ if env is None else env
        paths = Paths.from_env(env)
        settings, warning = load(paths)
        return cls(env, paths, settings, warning, KeyStore(env=env))

    def endpoint(self) -> Endpoint:
        s = self.settings
        return resolve_endpoint(
            s.provider,
            base_url_override=None,
            saved_provider=s.provider,
            saved_base_url=s.base_url,
            env=self.env,
            keys=self.keys,
        )
