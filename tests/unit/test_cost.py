"""Cost as data: the flex tier's price and request field, the prices a provider's list gives,
the monthly budget's sentences, and the settings that hold the budget, flex and recent models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from askshot.core import budget, catalog, providers
from askshot.core.catalog import Catalog, CatalogModel
from askshot.core.estimate import estimate_question
from askshot.core.llm.client import build_body
from askshot.core.paths import Paths
from askshot.core.providers import Price
from askshot.core.settings import RECENT_MODELS, Settings, from_dict, load, save, with_recent
from askshot.core.types import ChatRequest, Message, Usage


@pytest.fixture(autouse=True)
def _no_learned_prices() -> Iterator[None]:
    yield
    providers.learn_prices({})


def request(model: str = "o4-mini", **kw: object) -> ChatRequest:
    return ChatRequest(model=model, messages=(Message("user", "hi"),), **kw)  # type: ignore[arg-type]


def test_flex_is_a_field_of_the_request_only_when_asked() -> None:
    assert "service_tier" not in build_body(request())
    assert build_body(request(service_tier="flex"))["service_tier"] == "flex"


def test_flex_is_offered_by_openai_only() -> None:
    assert providers.offers_flex("openai")
    assert not providers.offers_flex("openrouter")
    assert not providers.offers_flex("custom")
    assert not providers.offers_flex("nonsense")


def test_the_flex_tier_costs_half_and_a_providers_own_cost_wins() -> None:
    used = Usage(prompt_tokens=1000, completion_tokens=1000)
    normal = providers.cost_usd("o4-mini", used)
    assert normal == pytest.approx(0.0055)
    flex = providers.cost_usd("o4-mini", Usage(1000, 1000, service_tier="flex"))
    assert flex == pytest.approx(normal / 2)
    assert providers.cost_usd("o4-mini", Usage(1000, 1000, service_tier="default")) == normal
    assert providers.cost_usd("o4-mini", Usage(1000, 1000, cost=0.5, service_tier="flex")) == 0.5


def test_the_estimate_is_at_the_tier_asked_for() -> None:
    normal = estimate_question("o4-mini", "a question", [1536])
    flex = estimate_question("o4-mini", "a question", [1536], flex=True)
    assert flex.tokens == normal.tokens
    assert normal.cost_usd is not None and flex.cost_usd == pytest.approx(normal.cost_usd / 2)


def test_a_providers_list_prices_beat_the_table_and_price_unknown_models() -> None:
    assert providers.model("vendor/x-9b").price is None
    catalog.learn(
        Catalog(
            "openrouter",
            "https://openrouter.ai/api/v1",
            0.0,
            (
                CatalogModel("vendor/x-9b", price=Price(1.0, 0.5, 2.0)),
                CatalogModel("openai/o4-mini", price=Price(2.2, 0.55, 8.8)),
            ),
        )
    )
    assert providers.model("vendor/x-9b").price == Price(1.0, 0.5, 2.0)
    assert providers.model("openai/o4-mini").price == Price(2.2, 0.55, 8.8)
    assert providers.model("openai/o4-mini").reasoning  # the table keeps what lists don't say
    catalog.learn(None)  # another endpoint, no list: back to the table
    assert providers.model("o4-mini").price == Price(1.10, 0.275, 4.40)
    assert providers.model("vendor/x-9b").price is None


def test_the_month_starts_on_the_first_at_midnight_local_time() -> None:
    moment = datetime(2026, 12, 5, 14, 30).timestamp()
    assert budget.month_start(moment) == datetime(2026, 12, 1).timestamp()
    assert budget.month_start(datetime(2027, 1, 1, 0, 0, 1).timestamp()) == (
        datetime(2027, 1, 1).timestamp()
    )


def test_the_budget_says_when_a_question_would_pass_it() -> None:
    b = budget.Budget(limit=5.0, spent=4.98)
    assert b.line() == "$4.98 of $5.00 this month"
    assert b.passed_by(0.01) is None
    why = b.passed_by(0.03)
    assert why == (
        "This question costs about $0.03 before its answer, which would take this month's "
        "$4.98 past your monthly budget of $5.00."
    )
    assert b.passed_by(None) is None  # price unknown: nothing to say until the month is past
    over = budget.Budget(limit=5.0, spent=5.0).passed_by(None)
    assert over is not None and "already past your monthly budget of $5.00" in over
    assert budget.dollars(0.0042) == "$0.0042"


def test_settings_keep_flex_budget_and_recent_models(askshot_home: Path) -> None:
    paths = Paths.from_env()
    s = Settings(flex=True, monthly_budget_usd=12.5, recent_models=["a", "b"])
    save(s, paths)
    loaded, warning = load(paths)
    assert warning is None
    assert (loaded.flex, loaded.monthly_budget_usd, loaded.recent_models) == (
        True,
        12.5,
        ["a", "b"],
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("monthly_budget_usd", -1),
        ("monthly_budget_usd", 0),
        ("monthly_budget_usd", "5"),
        ("monthly_budget_usd", float("inf")),
        ("flex", "yes"),
        ("recent_models", "o4-mini"),
        ("recent_models", ["ok", ""]),
    ],
)
def test_bad_values_fall_back_to_defaults(field: str, value: object) -> None:
    settings, bad = from_dict(json.loads(json.dumps({field: value}, allow_nan=True)))
    assert bad == [field]
    assert getattr(settings, field) == getattr(Settings(), field)


def test_recent_models_are_latest_first_without_repeats_and_bounded() -> None:
    recent = with_recent(["b", "a", "c"], "a")
    assert recent == ["a", "b", "c"]
    many = [f"m{i}" for i in range(20)]
    assert len(with_recent(many, "new")) == RECENT_MODELS
    settings, bad = from_dict({"recent_models": ["x", "x", *many]})
    assert bad == [] and settings.recent_models[:2] == ["x", "m0"]
    assert len(settings.recent_models) == RECENT_MODELS


# -- model families as data ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "reasoning", "efforts", "rule", "multiplier"),
    [
        ("o4-mini", True, providers.O_SERIES_EFFORTS, "patch", 1.72),
        ("o4-mini-2025-04-16", True, providers.O_SERIES_EFFORTS, "patch", 1.72),
        ("openai/o3-mini", True, providers.O_SERIES_EFFORTS, "tile", 1.0),
        ("gpt-4.1-mini-2025-04-14", False, providers.O_SERIES_EFFORTS, "patch", 1.62),
        ("gpt-5-mini", True, providers.GPT5_EFFORTS, "tile", 1.0),
        ("gpt-5.6-terra", True, providers.GPT6_EFFORTS, "patch", 1.2),
        ("gpt-6-luna", True, providers.GPT6_EFFORTS, "patch", 1.2),
        ("gpt-6.2-astra", True, providers.GPT6_EFFORTS, "patch", 1.2),
        ("llava:13b", False, providers.O_SERIES_EFFORTS, "tile", 1.0),
        ("omni-moderation", False, providers.O_SERIES_EFFORTS, "tile", 1.0),
    ],
)
def test_a_models_family_gives_what_the_table_does_not(
    model_id: str, reasoning: bool, efforts: tuple[str, ...], rule: str, multiplier: float
) -> None:
    info = providers.model(model_id)
    assert (info.reasoning, info.image_rule, info.patch_multiplier) == (reasoning, rule, multiplier)
    if reasoning:
        assert info.efforts == efforts


def test_dated_snapshots_and_the_new_line_up_have_prices() -> None:
    assert providers.model("o4-mini-2025-04-16").price == Price(1.10, 0.275, 4.40)
    assert providers.model("gpt-6-luna").price == Price(0.10, 0.01, 0.50)
    assert providers.model("openai/gpt-6-luna").price == Price(0.10, 0.01, 0.50)
    assert providers.model("o3").tile_tokens == (75, 150)


def test_the_effort_sent_is_one_the_model_takes() -> None:
    assert providers.effort_for("gpt-6-luna", "xhigh") == "xhigh"
    assert providers.effort_for("o4-mini", "xhigh") == "medium"  # the o-series has no xhigh
    assert providers.effort_for("gpt-5-mini", "none") == "medium"
    assert providers.effort_for("gpt-5-mini", "minimal") == "minimal"
    assert providers.effort_for("gpt-4o-mini", "high") is None  # does not reason
    body = build_body(request(model="gpt-6-luna", effort="max"))
    assert body["reasoning_effort"] == "max"


def test_no_effort_asked_is_none_sent_and_dated_new_models_have_prices() -> None:
    assert providers.effort_for("o4-mini", None) is None
    assert providers.model("gpt-6.1-terra-2026-05-01").price == Price(1.00, 0.10, 5.00)
