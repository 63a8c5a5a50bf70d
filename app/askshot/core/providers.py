"""Providers and models as data: where to send requests, what a model can do, what it costs.

Prices are US dollars per 1M tokens. To update a price, edit the table below; nothing else
depends on the numbers.

The records are NamedTuples: immutable like frozen dataclasses and about ten times cheaper to
define, which counts because this table is read before the window's first paint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:  # the value types load after the first paint; this table is read before it
    from askshot.core.types import Effort, Usage

ImageRule = Literal["patch", "tile", "none"]
# The reasoning efforts the o-series accepts, lowest first.
O_SERIES_EFFORTS: tuple[Effort, ...] = ("low", "medium", "high")
GPT5_EFFORTS: tuple[Effort, ...] = ("minimal", "low", "medium", "high")
GPT6_EFFORTS: tuple[Effort, ...] = ("none", "low", "medium", "high", "xhigh", "max")
# Every effort any family takes, lowest first: what the settings and `--effort` accept.
EFFORTS: tuple[Effort, ...] = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


class Price(NamedTuple):
    input: float
    cached_input: float
    output: float


class Model(NamedTuple):
    id: str
    reasoning: bool
    vision: bool
    context_window: int
    max_output: int
    price: Price | None
    image_rule: ImageRule
    known: bool = True
    efforts: tuple[Effort, ...] = O_SERIES_EFFORTS  # the reasoning efforts it takes
    # "patch" models: image tokens are multiplied by this to get the input tokens billed.
    patch_multiplier: float = 1.0
    # "tile" models: (base, per 512-px tile) image tokens; None: core.estimate's default.
    tile_tokens: tuple[int, int] | None = None


class Family(NamedTuple):
    """What a family of models shares, for ids the table below does not hold: the longest
    prefix of the bare id that matches decides."""

    prefix: str
    reasoning: bool
    efforts: tuple[Effort, ...] = O_SERIES_EFFORTS
    image_rule: ImageRule = "tile"
    patch_multiplier: float = 1.0
    tile_tokens: tuple[int, int] | None = None


# Sources: OpenAI's model and vision guides; the GPT-5.6 / GPT-6 image rule (32-px patches
# billed x1.2) and GPT-6's efforts as summarised in ../shared/notes/peers.md (mid-2026). A server
# that turns an effort down gets the question again without it (core.llm.params).
FAMILIES: tuple[Family, ...] = (
    Family("o1", reasoning=True, tile_tokens=(75, 150)),
    Family("o3", reasoning=True, tile_tokens=(75, 150)),
    Family("o4", reasoning=True, image_rule="patch", patch_multiplier=1.72),
    Family("gpt-4o", reasoning=False, tile_tokens=(85, 170)),
    Family("gpt-4.1", reasoning=False, tile_tokens=(85, 170)),
    Family("gpt-4.1-mini", reasoning=False, image_rule="patch", patch_multiplier=1.62),
    Family("gpt-4.1-nano", reasoning=False, image_rule="patch", patch_multiplier=2.46),
    Family("gpt-5", reasoning=True, efforts=GPT5_EFFORTS, tile_tokens=(70, 140)),
    Family(
        "gpt-5.6", reasoning=True, efforts=GPT6_EFFORTS, image_rule="patch", patch_multiplier=1.2
    ),
    Family("gpt-6", reasoning=True, efforts=GPT6_EFFORTS, image_rule="patch", patch_multiplier=1.2),
)


class Provider(NamedTuple):
    id: str
    name: str
    base_url: str
    key_env: str | None
    model_prefix: str = ""
    key_url: str = ""
    billing_url: str = ""
    # Flex processing (`service_tier: "flex"`): slower, sometimes out of capacity, half price.
    flex: bool = False


MODELS: dict[str, Model] = {
    "o4-mini": Model(
        id="o4-mini",
        reasoning=True,
        vision=True,
        context_window=200_000,
        max_output=100_000,
        price=Price(input=1.10, cached_input=0.275, output=4.40),
        image_rule="patch",
        patch_multiplier=1.72,
    ),
    "gpt-4o-mini": Model(
        id="gpt-4o-mini",
        reasoning=False,
        vision=True,
        context_window=128_000,
        max_output=16_384,
        price=Price(input=0.15, cached_input=0.075, output=0.60),
        image_rule="tile",
        tile_tokens=(2833, 5667),
    ),
}

# Prices of the newer line-up (per 1M tokens, as published mid-2026: ../shared/notes/peers.md;
# cached input at a tenth). Only the price is known here: the family gives the rest.
PRICES: dict[str, Price] = {
    "gpt-6-luna": Price(input=0.10, cached_input=0.01, output=0.50),
    "gpt-6.1-terra": Price(input=1.00, cached_input=0.10, output=5.00),
    "gpt-6.2-sol": Price(input=2.00, cached_input=0.20, output=10.00),
    "gpt-6.2-astra": Price(input=8.00, cached_input=0.80, output=40.00),
}

PROVIDERS: dict[str, Provider] = {
    "openai": Provider(
        id="openai",
        name="OpenAI",
        base_url="https://api.openai.com/v1",
        key_env="OPENAI_API_KEY",
        key_url="https://platform.openai.com/api-keys",
        billing_url="https://platform.openai.com/settings/organization/billing",
        flex=True,
    ),
    "openrouter": Provider(
        id="openrouter",
        name="OpenRouter",
        base_url="https://openrouter.ai/api/v1",
        key_env="OPENROUTER_API_KEY",
        model_prefix="openai/",
        key_url="https://openrouter.ai/keys",
        billing_url="https://openrouter.ai/settings/credits",
    ),
    "custom": Provider(
        id="custom",
        name="Custom (OpenAI-compatible)",
        base_url="http://localhost:11434/v1",
        key_env=None,
    ),
}

# Shutdowns the providers announced, for when their list says nothing (an offline start, a
# provider whose list has no dates). A catalog's own date wins (core.catalog.lifecycle).
SHUTDOWNS: dict[tuple[str, str], date] = {
    ("openai", "o4-mini"): date(2026, 10, 23),
    ("openai", "gpt-4o-mini"): date(2027, 1, 14),
}
# The replacement each retirement notice names, offered first when the provider lists it.
# Copies of OpenAI's deprecations page disagree on o4-mini's (gpt-5.6-terra / gpt-6.1-terra):
# the catalog decides, and without one this is only a suggestion the user confirms.
SUCCESSORS: dict[str, str] = {
    "o4-mini": "gpt-5.6-terra",
    "gpt-4o-mini": "gpt-6-luna",
}

# Flex is billed at Batch API rates: half the standard price, input and output alike. It is
# slower and may wait for capacity: its longest wait for the next byte (OpenAI advises 15 min).
FLEX_PRICE_FACTOR = 0.5
FLEX_READ_TIMEOUT_S = 900.0

DEFAULT_PROVIDER = "openai"
DEFAULT_MODEL = "o4-mini"


_DATE_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")  # a dated snapshot of a model


def provider(provider_id: str) -> Provider:
    try:
        return PROVIDERS[provider_id]
    except KeyError:
        known = ", ".join(PROVIDERS)
        raise ValueError(f"Unknown provider '{provider_id}'. Known providers: {known}.") from None


def offers_flex(provider_id: str) -> bool:
    prov = PROVIDERS.get(provider_id)
    return prov is not None and prov.flex


def key_from_env(prov: Provider, env: Mapping[str, str]) -> str:
    """The provider's key from its environment variable; "" when unset or blank (the custom
    provider reads none: an OpenAI key must not go to a server set up for something else)."""
    return env.get(prov.key_env, "").strip() if prov.key_env else ""


def bare_model_id(model_id: str) -> str:
    """'openai/o4-mini' -> 'o4-mini'; ids without a vendor prefix come back unchanged."""
    return model_id.rsplit("/", 1)[-1]


# Prices the provider's own model list gave (core.catalog.learn): they beat the table above.
_LEARNED_PRICES: dict[str, Price] = {}


def learn_prices(prices: Mapping[str, Price]) -> None:
    """Use these prices (the current provider's list) from now on, in place of any learned
    before."""
    _LEARNED_PRICES.clear()
    _LEARNED_PRICES.update(prices)


def model(model_id: str) -> Model:
    """What we know of a model: the table, with the provider's own price where its list gave
    one; unknown ids get cautious defaults."""
    bare = bare_model_id(model_id)
    learned = _LEARNED_PRICES.get(model_id) or _LEARNED_PRICES.get(bare)
    found = MODELS.get(bare) or MODELS.get(_DATE_SUFFIX.sub("", bare))  # o4-mini-2025-04-16
    if found is not None:
        return found if learned is None else found._replace(price=learned)
    fam = family(bare)
    return Model(
        id=model_id,
        reasoning=fam.reasoning if fam else False,
        vision=True,
        context_window=128_000,
        max_output=16_384,
        price=learned or PRICES.get(bare) or PRICES.get(_DATE_SUFFIX.sub("", bare)),
        image_rule=fam.image_rule if fam else "tile",
        known=False,
        efforts=fam.efforts if fam else O_SERIES_EFFORTS,
        patch_multiplier=fam.patch_multiplier if fam else 1.0,
        tile_tokens=fam.tile_tokens if fam else None,
    )


def family(bare_id: str) -> Family | None:
    """The family of a bare model id: the longest prefix that matches at a word boundary
    ("gpt-4.1-mini-2025-04-14" is gpt-4.1-mini, "o4-mini" is o4, "gpt-5.6-terra" gpt-5.6)."""
    best: Family | None = None
    for fam in FAMILIES:
        if (bare_id == fam.prefix or bare_id.startswith((fam.prefix + "-", fam.prefix + "."))) and (
            best is None or len(fam.prefix) > len(best.prefix)
        ):
            best = fam
    return best


def effort_for(model_id: str, wanted: Effort | None) -> Effort | None:
    """The effort to send: None for a model that does not reason; the wanted one where the
    model takes it, else "medium", else the middle of what it takes."""
    info = model(model_id)
    if not info.reasoning or wanted is None:  # None: let the server choose
        return None
    if wanted in info.efforts:
        return wanted
    if "medium" in info.efforts:
        return "medium"
    return info.efforts[len(info.efforts) // 2]


def wire_model_id(provider_id: str, model_id: str) -> str:
    """The id to put in the request: OpenRouter wants 'openai/o4-mini' for our built-in models."""
    prov = PROVIDERS.get(provider_id)
    if prov and prov.model_prefix and "/" not in model_id and model_id in MODELS:
        return prov.model_prefix + model_id
    return model_id


def cost_usd(model_id: str, usage: Usage) -> float | None:
    """Dollars for one response: the provider's own figure when it gives one (OpenRouter's
    usage.cost), else from the price table — cached input at its own price, reasoning billed
    as output (it is already part of completion_tokens), all at half price when the answer
    came from the flex tier. None when the price is unknown."""
    if usage.cost is not None:
        return usage.cost
    price = model(model_id).price
    if price is None:
        return None
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    fresh = usage.prompt_tokens - cached
    dollars = (
        fresh * price.input + cached * price.cached_input + usage.completion_tokens * price.output
    ) / 1_000_000
    return dollars * tier_factor(usage.service_tier)


def tier_factor(service_tier: str | None) -> float:
    """The share of the standard price a service tier costs."""
    return FLEX_PRICE_FACTOR if service_tier == "flex" else 1.0
