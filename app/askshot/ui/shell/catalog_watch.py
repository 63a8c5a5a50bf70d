"""The provider's model list for the window: the cached one at once (a file read, after the
first paint), then a refresh in the background when it is older than a day or missing — never
before the first paint, never in the way of a question. Offline, the cached list stays and its
age is in the log; a list that cannot be had at all leaves the built-in models.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from askshot.core import catalog
from askshot.core.endpoint import base_url_for, is_own_url
from askshot.core.errors import AskshotError
from askshot.ui.qt.threads import BackgroundCall, run_in_background
from askshot.ui.shell.services import Services

if TYPE_CHECKING:
    from askshot.core.catalog import Catalog

log = logging.getLogger("askshot.catalog")


class CatalogWatch(QObject):
    changed = Signal(object, str, bool)  # Catalog | None, provider id, the provider's own URL

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._call: BackgroundCall[Catalog] | None = None

    def base_url(self) -> str:
        s = self.services.settings
        return base_url_for(
            s.provider,
            base_url_override=None,
            saved_provider=s.provider,
            saved_base_url=s.base_url,
            env=self.services.env,
        )

    def start(self, *, refresh: bool = False) -> None:
        """Announce the cached list for the current endpoint, then refresh it if it is old."""
        provider, url = self.services.settings.provider, self.base_url()
        cached = catalog.load_cached(self.services.paths.cache, url)
        catalog.learn(cached)  # its prices price the questions
        self.changed.emit(cached, provider, is_own_url(provider, url))
        if refresh or cached is None or cached.stale():
            self.refresh()

    def refresh(self) -> None:
        if self._call is not None and self._call.running:
            return
        cache = self.services.paths.cache

        def fetch() -> Catalog:
            from askshot.core.llm.client import ChatClient

            endpoint = self.services.endpoint()  # off the GUI thread: may read the keyring
            with ChatClient() as client:  # its own connection, closed at once (once a day)
                payload = client.models_payload(endpoint)
            try:
                return catalog.fetch(payload, endpoint.provider_id, endpoint.base_url, cache)
            except ValueError as exc:
                raise AskshotError(
                    f"{endpoint.host} sent a model list Askshot cannot read."
                ) from exc

        self._call = run_in_background(fetch, self._fetched, self._failed, daemon=True)

    def _fetched(self, found: Catalog) -> None:
        provider = self.services.settings.provider
        if found.base_url != self.base_url().rstrip("/"):
            return  # the settings moved to another endpoint meanwhile
        log.info("model list: %d models at %s", len(found.models), found.base_url)
        catalog.learn(found)
        self.changed.emit(found, provider, is_own_url(provider, found.base_url))

    def _failed(self, error: AskshotError) -> None:
        log.info("model list not refreshed: %s", error.message)
