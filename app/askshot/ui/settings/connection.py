"""Reaching the endpoint from the Settings dialog and the first-run panel: the base-URL check
and the endpoint a "Test connection" talks to (resolved as the app resolves it later; the test
itself runs through worker.run_in_background).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication, QObject, Signal

from askshot.core.endpoint import resolve_endpoint
from askshot.core.errors import AskshotError, CredentialError, MissingKey
from askshot.core.keys.store import KeyStore, validate_key
from askshot.core.llm.client import ChatClient
from askshot.core.types import Endpoint
from askshot.ui.qt.threads import BackgroundCall, run_in_background


def _tr(text: str) -> str:
    return QCoreApplication.translate("SettingsDialog", text)


def base_url_problem(text: str) -> str | None:
    """A sentence when `text` is not a usable http(s) URL; None when it is fine (or empty)."""
    url = text.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        return _tr(
            "The base URL must be an http:// or https:// address, "
            "for example http://localhost:11434/v1."
        )
    return None


class _TypedKey:
    """resolve_endpoint's key lookup, preferring the key the user just typed."""

    def __init__(self, keys: KeyStore, typed: str) -> None:
        self._keys = keys
        self._typed = typed

    def get(self, provider_id: str) -> str | None:
        return self._typed or self._keys.get(provider_id)


def endpoint_for(
    env: Mapping[str, str], keys: KeyStore, provider_id: str, base_url: str, typed_key: str
) -> Endpoint:
    """Where a request would go with these choices, resolved exactly as the app does later
    (OPENAI_BASE_URL wins over OpenAI's URL). Raises AskshotError with a sentence."""
    key = validate_key(typed_key) if typed_key.strip() else ""
    try:
        return resolve_endpoint(
            provider_id,
            base_url_override=None,
            saved_provider=provider_id,
            saved_base_url=base_url,
            env=env,
            keys=_TypedKey(keys, key),
        )
    except MissingKey:
        raise CredentialError(_tr("Enter the API key first.")) from None


class ConnectionTest(QObject):
    """Lists an endpoint's models in the background: `modelsFound(list[str])` or
    `failed(AskshotError)`, then `finished()`. One test at a time."""

    modelsFound = Signal(list)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, client: Callable[[], ChatClient], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client  # made on first use: a broken TLS setting is said there
        self._call: BackgroundCall[list[str]] | None = None

    @property
    def running(self) -> bool:
        return self._call is not None

    def start(
        self,
        env: Mapping[str, str],
        keys: KeyStore,
        provider_id: str,
        base_url: str,
        typed_key: str,
    ) -> Endpoint:
        """Check the base URL, resolve the endpoint and start listing its models; returns the
        endpoint. Raises AskshotError with a sentence (nothing started) when it cannot."""
        problem = base_url_problem(base_url) if provider_id == "custom" else None
        if problem:
            raise AskshotError(problem)
        endpoint = endpoint_for(env, keys, provider_id, base_url, typed_key)
        client = self._client()
        self._call = run_in_background(
            lambda: client.list_models(endpoint),
            self._on_models,
            self._on_failed,
            self._on_finished,
        )
        return endpoint

    def _on_models(self, models: list[str]) -> None:
        self.modelsFound.emit(models)

    def _on_failed(self, exc: AskshotError) -> None:
        self.failed.emit(exc)

    def _on_finished(self) -> None:
        self._call = None
        self.finished.emit()
