"""The provider's catalog: the three list shapes, the cache, lifecycle and the replacement."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from askshot.core import catalog
from askshot.core.catalog import Catalog, CatalogModel
from askshot.core.providers import Price

OPENAI_LIST = {
    "object": "list",
    "data": [
        {"id": "o4-mini", "object": "model", "owned_by": "system", "shutdown_date": "2026-10-23"},
        {"id": "gpt-4o-mini", "object": "model", "owned_by": "system", "shutdown_date": None},
        {"id": "gpt-6-luna", "object": "model", "owned_by": "system"},
    ],
}
OPENROUTER_LIST = {
    "data": [
        {
            "id": "openai/o4-mini",
            "name": "OpenAI: o4-mini",
            "context_length": 200000,
            "architecture": {"input_modalities": ["image", "text", "file"]},
            "pricing": {
                "prompt": "0.0000011",
                "completion": "0.0000044",
                "image": "0.0008415",
                "input_cache_read": "0.000000275",
            },
            "expiration_date": "2027-03-01",
        },
        {
            "id": "meta/text-only",
            "context_length": 8192,
            "architecture": {"input_modalities": ["text"]},
            "pricing": {"prompt": "-1", "completion": "0"},
        },
        {"name": "no id at all"},
        42,
    ]
}
LOCAL_LIST = {"object": "list", "data": [{"id": "llava:13b"}, {"id": "qwen2.5vl"}]}


def test_openai_list_gives_ids_and_shutdown_dates() -> None:
    models = {m.id: m for m in catalog.parse_models(OPENAI_LIST)}
    assert set(models) == {"o4-mini", "gpt-4o-mini", "gpt-6-luna"}
    assert models["o4-mini"].shutdown == date(2026, 10, 23)
    assert models["gpt-4o-mini"].shutdown is None
    assert models["gpt-6-luna"].vision is None  # OpenAI's list does not say


def test_openrouter_list_gives_prices_modalities_and_expiry() -> None:
    models = {m.id: m for m in catalog.parse_models(OPENROUTER_LIST)}
    assert set(models) == {"openai/o4-mini", "meta/text-only"}  # malformed entries skipped
    o4 = models["openai/o4-mini"]
    assert o4.vision is True and o4.context == 200_000
    assert o4.price == pytest.approx(Price(1.10, 0.275, 4.40))
    assert o4.image_price == pytest.approx(0.0008415)
    assert o4.shutdown == date(2027, 3, 1)
    text_only = models["meta/text-only"]
    assert text_only.vision is False and text_only.price is None  # "-1": unknown, not free


def test_local_lists_and_bare_lists() -> None:
    assert [m.id for m in catalog.parse_models(LOCAL_LIST)] == ["llava:13b", "qwen2.5vl"]
    assert [m.id for m in catalog.parse_models({"models": ["a", {"model": "b"}]})] == ["a", "b"]
    with pytest.raises(ValueError):
        catalog.parse_models({"data": "nope"})


def test_cache_round_trip_and_unreadable_cache(tmp_path: Path) -> None:
    fetched = catalog.fetch(
        OPENROUTER_LIST, "openrouter", "https://openrouter.ai/api/v1/", tmp_path
    )
    again = catalog.load_cached(tmp_path, "https://openrouter.ai/api/v1")
    assert again == fetched
    assert catalog.load_cached(tmp_path, "http://elsewhere/v1") is None  # one file per endpoint
    catalog.cache_file(tmp_path, "https://openrouter.ai/api/v1").write_text("{broken")
    assert catalog.load_cached(tmp_path, "https://openrouter.ai/api/v1") is None


def test_a_cache_that_cannot_be_written_still_gives_the_catalog(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    found = catalog.fetch(LOCAL_LIST, "custom", "http://localhost:11434/v1", blocker)
    assert len(found.models) == 2


def test_age_and_staleness() -> None:
    c = Catalog("openai", "u", 1000.0, ())
    assert c.age_s(now=1000.0 + 3 * 3600) == pytest.approx(3 * 3600)
    assert not c.stale(now=1000.0 + 3600) and c.stale(now=1000.0 + 25 * 3600)
    assert catalog.age_text(3 * 3600) == "3 hours ago"
    assert catalog.age_text(86400) == "1 day ago"


def openai_catalog(*models: CatalogModel) -> Catalog:
    return Catalog("openai", "https://api.openai.com/v1", 0.0, models)


def test_a_shutdown_within_30_days_is_announced_with_the_date() -> None:
    c = openai_catalog(
        CatalogModel("gpt-4o-mini", shutdown=date(2027, 1, 14)), CatalogModel("gpt-6-luna")
    )
    life = catalog.lifecycle("gpt-4o-mini", "openai", c)
    assert life.successor == "gpt-6-luna"  # the announced one, which the provider lists
    assert life.notice(date(2026, 12, 1), "OpenAI") is None  # 44 days: not yet
    notice = life.notice(date(2026, 12, 20), "OpenAI")
    assert notice is not None
    assert "2027-01-14" in notice and "25 days" in notice
    assert "askshot models use gpt-6-luna" in notice


def test_a_model_the_list_lacks_is_gone_and_the_replacement_sees_images() -> None:
    c = openai_catalog(
        CatalogModel("a-text-model", vision=False),
        CatalogModel("b-dying", vision=True, shutdown=date(2026, 12, 10)),
        CatalogModel("c-vision", vision=True),
        CatalogModel("d-unknown"),
    )
    life = catalog.lifecycle("o4-mini", "openai", c, today=date(2026, 12, 5))
    assert life.listed is False and life.gone(date(2026, 12, 5))
    assert life.successor == "c-vision"  # vision first; not one that is itself shutting down
    notice = life.notice(date(2026, 12, 5), "OpenAI")
    assert notice is not None and notice.startswith("OpenAI no longer offers o4-mini")


def test_built_in_dates_hold_for_the_providers_own_url_only() -> None:
    own = catalog.lifecycle("o4-mini", "openai", None)
    assert own.shutdown == date(2026, 10, 23) and own.gone(date(2026, 12, 5))
    gateway = catalog.lifecycle("o4-mini", "openai", None, own_url=False)
    assert gateway.shutdown is None and not gateway.gone(date(2026, 12, 5))
    assert gateway.notice(date(2026, 12, 5), "OpenAI") is None


def test_catalog_lookup_ignores_the_vendor_prefix() -> None:
    c = Catalog("openrouter", "u", 0.0, catalog.parse_models(OPENROUTER_LIST))
    found = c.get("o4-mini")
    assert found is not None and found.id == "openai/o4-mini"


def test_built_in_facts_fill_what_the_list_does_not_say() -> None:
    filled = catalog.with_builtin(CatalogModel("o4-mini"))
    assert filled.vision is True and filled.context == 200_000 and filled.price is not None
    listed = CatalogModel("o4-mini", price=Price(0.55, 0.1, 2.2))
    assert catalog.with_builtin(listed).price == Price(0.55, 0.1, 2.2)  # the catalog wins
    assert catalog.with_builtin(CatalogModel("x")) == CatalogModel("x")


def test_catalog_json_is_plain_json() -> None:
    c = Catalog("openrouter", "u", 5.0, catalog.parse_models(OPENROUTER_LIST))
    text = json.dumps(c.to_json())
    assert '"shutdown": "2027-03-01"' in text
