from __future__ import annotations

import pytest

from askshot.core import providers
from askshot.core.types import Usage


def test_o4_mini_data() -> None:
    m = providers.model("o4-mini")
    assert (m.reasoning, m.vision, m.context_window, m.max_output) == (True, True, 200_000, 100_000)
    assert m.price == providers.Price(1.10, 0.275, 4.40)


def test_gpt_4o_mini_data() -> None:
    m = providers.model("gpt-4o-mini")
    assert (m.reasoning, m.context_window, m.max_output) == (False, 128_000, 16_384)
    assert m.price == providers.Price(0.15, 0.075, 0.60)


def test_vendor_prefixed_ids_resolve() -> None:
    assert providers.model("openai/o4-mini").price == providers.model("o4-mini").price


def test_unknown_models_are_allowed_without_a_price() -> None:
    m = providers.model("llama3.2-vision")
    assert not m.known and m.price is None and not m.reasoning
    assert providers.model("o3-pro").reasoning
    assert providers.cost_usd("llama3.2-vision", Usage(100, 100)) is None


def test_cost_counts_cached_input_and_reasoning_as_output() -> None:
    u = Usage(
        prompt_tokens=1_000_000,
        completion_tokens=1_000_000,
        reasoning_tokens=900_000,
        cached_tokens=400_000,
    )
    # 600k fresh * 1.10 + 400k cached * 0.275 + 1M out (reasoning included) * 4.40
    assert providers.cost_usd("o4-mini", u) == pytest.approx(0.66 + 0.11 + 4.40)
    assert providers.cost_usd("gpt-4o-mini", Usage(1_000_000, 0)) == pytest.approx(0.15)


def test_providers_as_data() -> None:
    assert providers.provider("openai").base_url == "https://api.openai.com/v1"
    assert providers.provider("openrouter").base_url == "https://openrouter.ai/api/v1"
    assert providers.wire_model_id("openrouter", "o4-mini") == "openai/o4-mini"
    assert providers.wire_model_id("openrouter", "gpt-4o-mini") == "openai/gpt-4o-mini"
    assert providers.wire_model_id("openai", "o4-mini") == "o4-mini"
    assert providers.wire_model_id("openrouter", "anthropic/claude") == "anthropic/claude"
    with pytest.raises(ValueError, match="Unknown provider"):
        providers.provider("nope")
