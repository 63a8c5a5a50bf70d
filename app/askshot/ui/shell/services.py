"""What the windows need from the core, gathered once at start-up and passed in.

The keyring is not loaded into the window's process to read the key: a short-lived child reads
it (askshot.core.keys.child), because keyring and its crypto libraries would stay in memory for
the whole session (about 20 MiB). The window keeps the key it got in memory. Settings and the
first-run panel, which store and delete keys, use an in-process KeyStore (`keys`); once that
exists, it answers. This module is read before the first paint: what answers a request (the
endpoint, the keyring, the key reader) loads on first use.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from askshot.core import providers
from askshot.core.paths import Paths
from askshot.core.settings import Settings, load

if TYPE_CHECKING:
    from askshot.core.keys.store import KeyStore
    from askshot.core.types import Endpoint
    from askshot.platform.portal import PortalBus


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
        self._read: dict[str, str | None] = {}  # the child's answers per provider (None: none)
        self._read_lock = threading.Lock()  # one child at a time; the others use its answer
        self._cancel = threading.Event()  # set when the window closes: stop waiting on it
        self._portal: PortalBus | None = None

    @classmethod
    def create(cls, env: Mapping[str, str] | None = None) -> Services:
        env = os.environ if env is None else env
        paths = Paths.from_env(env)
        settings, warning = load(paths)
        return cls(env, paths, settings, warning)

    @property
    def keys(self) -> KeyStore:
        if self._keys is None:
            from askshot.core.keys.store import KeyStore

            self._keys = KeyStore(env=self.env)
        return self._keys

    @keys.setter
    def keys(self, value: KeyStore) -> None:
        self._keys = value

    def endpoint(self) -> Endpoint:
        from askshot.core.endpoint import resolve_endpoint

        s = self.settings
        return resolve_endpoint(
            s.provider,
            base_url_override=None,
            saved_provider=s.provider,
            saved_base_url=s.base_url,
            env=self.env,
            keys=self,  # the keyring is opened only if the environment has no key
        )

    def endpoint_ready(self) -> bool:
        """True when endpoint() answers without waiting on the keyring: the key is in the
        environment, already read, or an in-process KeyStore holds the keys. Otherwise the
        window reads it off the GUI thread first (see MainWindow.when_key_ready)."""
        prov = providers.PROVIDERS.get(self.settings.provider)
        if prov is None or self._keys is not None:
            return True
        return bool(providers.key_from_env(prov, self.env)) or prov.id in self._read

    def get(self, provider_id: str) -> str | None:
        """The stored key for a provider (the KeySource protocol of askshot.core.endpoint). Without
        an in-process KeyStore, the first call per provider runs the child process (blocking,
        up to the time an unlock prompt takes: the window calls it off the GUI thread). The
        answer is kept until forget_read_keys."""
        if self._keys is not None:
            return self._keys.get(provider_id)
        read = self._read
        if provider_id in read:
            return read[provider_id]
        with self._read_lock:
            if provider_id not in self._read:
                from askshot.core.keys.child import read_key

                self._read[provider_id] = read_key(provider_id, self.env, self._cancel)
            return self._read[provider_id]

    def forget_read_keys(self) -> None:
        """Read the keys again next time (the server refused one, or none was stored: it may
        have been set with `askshot key set` meanwhile). Never waits."""
        self._read = {}

    def portal(self) -> PortalBus | None:
        """The one xdg-desktop-portal connection (global shortcuts, Wayland screenshots),
        registered as Askshot; None outside Linux. Opened on first use by its users."""
        if not sys.platform.startswith("linux"):
            return None
        if self._portal is None:
            from askshot import APP_ID
            from askshot.platform.portal import PortalBus

            self._portal = PortalBus(APP_ID)
        return self._portal

    def close(self) -> None:
        """Askshot is quitting: stop waiting on the keyring, close the portal connection."""
        self.cancel_key_reads()
        if self._portal is not None:
            self._portal.close()
            self._portal = None

    def cancel_key_reads(self) -> None:
        """The window is closing: a read waiting on the keyring stops, its child with it."""
        self._cancel.set()
