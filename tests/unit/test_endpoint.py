"""Where a request goes and with which key: one rule for the CLI and the window, and a key only
ever goes to its own provider's URL."""

from __future__ import annotations

import pytest

from askshot.core.endpoint import resolve_endpoint
from askshot.core.errors import MissingKey
from askshot.core.types import Endpoint


class Keys:
    def __init__(self, **stored: str) -> None:
        self.stored = stored
        self.asked: list[str] = []

    def get(self, provider_id: str) -> str | None:
        self.asked.append(provider_id)
        return self.stored.get(provider_id)


def resolve(
    provider: str,
    env: dict[str, str],
    *,
    override: str | None = None,
    saved_provider: str = "openai",
    saved_url: str = "",
    keys: Keys | None = None,
) -> Endpoint:
    return resolve_endpoint(
        provider,
        base_url_override=override,
        saved_provider=saved_provider,
        saved_base_url=saved_url,
        env=env,
        keys=keys or Keys(),
    )


def test_openai_base_url_applies_to_the_openai_provider() -> None:
    ep = resolve("openai", {"OPENAI_BASE_URL": "http://gw:8080/v1", "OPENAI_API_KEY": "sk-a"})
    assert (ep.base_url, ep.api_key) == ("http://gw:8080/v1", "sk-a")


def test_openai_base_url_never_takes_the_openrouter_key_elsewhere() -> None:
    env = {"OPENAI_BASE_URL": "http://localhost:8080/v1", "OPENROUTER_API_KEY": "sk-or-secret"}
    ep = resolve("openrouter", env, saved_provider="openrouter")
    assert ep.base_url == "https://openrouter.ai/api/v1"
    assert ep.api_key == "sk-or-secret"


def test_openai_base_url_does_not_replace_a_saved_custom_server() -> None:
    env = {"OPENAI_BASE_URL": "http://elsewhere:9/v1"}
    ep = resolve("custom", env, saved_provider="custom", saved_url="http://gpu-box:11434/v1")
    assert ep.base_url == "http://gpu-box:11434/v1"


def test_an_explicit_base_url_beats_everything() -> None:
    env = {"OPENAI_BASE_URL": "http://gw/v1", "OPENAI_API_KEY": "sk-a"}
    assert resolve("openai", env, override="http://flag/v1").base_url == "http://flag/v1"
    custom = resolve("custom", env, override="http://flag/v1", saved_url="http://saved/v1")
    assert custom.base_url == "http://flag/v1"


def test_saved_url_belongs_to_the_saved_provider_only() -> None:
    keys = Keys(openrouter="sk-or")
    ep = resolve("openrouter", {}, saved_provider="custom", saved_url="http://box/v1", keys=keys)
    assert ep.base_url == "https://openrouter.ai/api/v1"


def test_the_environment_key_spares_the_keyring() -> None:
    keys = Keys(openai="sk-stored")
    ep = resolve("openai", {"OPENAI_API_KEY": "sk-env"}, keys=keys)
    assert ep.api_key == "sk-env" and keys.asked == []


def test_a_custom_server_gets_no_openai_key_from_the_environment() -> None:
    ep = resolve("custom", {"OPENAI_API_KEY": "sk-openai"}, saved_provider="custom")
    assert ep.api_key is None


def test_no_key_for_a_provider_that_needs_one() -> None:
    with pytest.raises(MissingKey) as caught:
        resolve("openrouter", {}, saved_provider="openrouter")
    assert "OPENROUTER_API_KEY" in caught.value.message
