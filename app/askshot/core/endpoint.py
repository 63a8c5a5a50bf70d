"""Decide where a request goes and with which key, the same way for the CLI and the GUI.

Precedence for the URL: an explicit override (`--base-url`), then `OPENAI_BASE_URL` for the
OpenAI provider only (it is OpenAI's SDK variable; applied to OpenRouter it would send the
OpenRouter key to whatever it names, and it must not replace a custom server the user saved),
then the base URL saved in settings for that provider, then the provider's own URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from askshot.core import providers
from askshot.core.errors import MissingKey
from askshot.core.types import Endpoint

OPENAI_BASE_URL = "OPENAI_BASE_URL"  # overrides the OpenAI provider's URL, and no other's


class KeySource(Protocol):
    def get(self, provider_id: str) -> str | None: ...


def base_url_for(
    provider_id: str,
    *,
    base_url_override: str | None,
    saved_provider: str,
    saved_base_url: str,
    env: Mapping[str, str],
) -> str:
    """Where requests go, by the precedence above; no key needed (the model list's cache)."""
    return (
        (base_url_override or "").strip()
        or (env.get(OPENAI_BASE_URL, "").strip() if provider_id == "openai" else "")
        or (saved_base_url.strip() if saved_provider == provider_id else "")
        or providers.provider(provider_id).base_url
    )


def is_own_url(provider_id: str, base_url: str) -> bool:
    """The provider's own server (its announced shutdowns apply), not a gateway or proxy."""
    return base_url.rstrip("/") == providers.provider(provider_id).base_url.rstrip("/")


def resolve_endpoint(
    provider_id: str,
    *,
    base_url_override: str | None,
    saved_provider: str,
    saved_base_url: str,
    env: Mapping[str, str],
    keys: KeySource,
) -> Endpoint:
    prov = providers.provider(provider_id)
    base_url = base_url_for(
        provider_id,
        base_url_override=base_url_override,
        saved_provider=saved_provider,
        saved_base_url=saved_base_url,
        env=env,
    )
    # The environment variable wins; checking it first also spares loading the OS keyring
    # (and its crypto libraries) when the key comes from the environment. A custom server gets
    # only its own key.
    key = providers.key_from_env(prov, env) or keys.get(provider_id)
    if key is None and provider_id != "custom" and is_own_url(provider_id, base_url):
        var = f" or set {prov.key_env}" if prov.key_env else ""
        raise MissingKey(
            f"No API key for {prov.name}. Get one at {prov.key_url} and store it with "
            f"`askshot key set --provider {provider_id}`{var}."
        )
    return Endpoint(base_url, key, provider_id)
