"""What a provider offers: its model list (`GET {base}/models`), cached with its time, and the
models' lifecycle — a shutdown coming, or a model gone — with the replacement to move to.

Three list shapes are read, each as far as it goes:
  OpenAI       {"data": [{"id", "owned_by", "shutdown_date": "YYYY-MM-DD" | null}]}
  OpenRouter   {"data": [{"id", "context_length", "pricing": {"prompt", "completion", "image",
                "input_cache_read"} (dollars per token, strings), "architecture":
                {"input_modalities": [...]}, "expiration_date"}]}
  local/other  Ollama, LM Studio, llama.cpp, gateways: {"data": [{"id"}]} or {"models": [...]}
A catalog's facts (prices, dates, image input) beat the built-in table in core.providers, which
keeps what the lists do not say (reasoning parameters, image token rules) and the shutdowns and
successors providers announce. Malformed entries are skipped, never fatal. No Qt here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from askshot.core import providers
from askshot.core.providers import Price

STALE_AFTER_S = 24 * 3600  # a list older than this is refreshed (in the background)
WARN_DAYS = 30  # a shutdown this close is announced


class CatalogModel(NamedTuple):
    id: str
    vision: bool | None = None  # None: the list does not say
    context: int | None = None
    price: Price | None = None  # dollars per 1M tokens
    image_price: float | None = None  # dollars per image, where the provider bills per image
    shutdown: date | None = None


@dataclass(frozen=True)
class Catalog:
    provider_id: str
    base_url: str
    fetched_at: float  # Unix time
    models: tuple[CatalogModel, ...]

    def get(self, model_id: str) -> CatalogModel | None:
        for m in self.models:
            if m.id == model_id:
                return m
        bare = providers.bare_model_id(model_id)
        return next((m for m in self.models if providers.bare_model_id(m.id) == bare), None)

    def age_s(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.fetched_at)

    def stale(self, now: float | None = None) -> bool:
        return self.age_s(now) > STALE_AFTER_S

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider_id,
            "base_url": self.base_url,
            "fetched_at": self.fetched_at,
            "models": [model_json(m) for m in self.models],
        }


def model_json(m: CatalogModel) -> dict[str, Any]:
    return {
        "id": m.id,
        "vision": m.vision,
        "context": m.context,
        "price_per_1m": m.price._asdict() if m.price else None,
        "image_price": m.image_price,
        "shutdown": m.shutdown.isoformat() if m.shutdown else None,
    }


def with_builtin(m: CatalogModel) -> CatalogModel:
    """The catalog's facts, completed from the built-in table where the list is silent."""
    known = providers.MODELS.get(providers.bare_model_id(m.id))
    if known is None:
        return m
    return m._replace(
        vision=known.vision if m.vision is None else m.vision,
        context=m.context or known.context_window,
        price=m.price or known.price,
    )


def learn(catalog: Catalog | None) -> None:
    """Price questions with the catalog's prices from now on (providers.model)."""
    models = catalog.models if catalog is not None else ()
    providers.learn_prices({m.id: m.price for m in models if m.price is not None})


# -- parsing ------------------------------------------------------------------------------------


def _date(value: Any) -> date | None:
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return date.fromtimestamp(value)  # some gateways give Unix seconds
    return None


def _per_million(value: Any) -> float | None:
    """OpenRouter prices are dollars per token, as strings; "-1" or junk is unknown."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number * 1_000_000 if math.isfinite(number) and number >= 0 else None


def _entry(item: Any) -> CatalogModel | None:
    if isinstance(item, str):
        return CatalogModel(item) if item.strip() else None
    if not isinstance(item, Mapping):
        return None
    model_id = item.get("id") or item.get("model")  # "name" is a display name (OpenRouter)
    if not isinstance(model_id, str) or not model_id.strip():
        return None
    vision: bool | None = None
    modalities = (item.get("architecture") or {}).get("input_modalities")
    if isinstance(modalities, list):
        vision = "image" in modalities
    context = item.get("context_length")
    pricing = item.get("pricing")
    price = image_price = None
    if isinstance(pricing, Mapping):
        prompt, completion = (
            _per_million(pricing.get("prompt")),
            _per_million(pricing.get("completion")),
        )
        if prompt is not None and completion is not None:
            cached = _per_million(pricing.get("input_cache_read"))
            price = Price(prompt, prompt if cached is None else cached, completion)
        image = _per_million(pricing.get("image"))
        image_price = image / 1_000_000 if image else None
    return CatalogModel(
        id=model_id.strip(),
        vision=vision,
        context=context if isinstance(context, int) and context > 0 else None,
        price=price,
        image_price=image_price,
        shutdown=_date(item.get("shutdown_date")) or _date(item.get("expiration_date")),
    )


def parse_models(payload: Any) -> tuple[CatalogModel, ...]:
    """The models of any of the three list shapes (or a bare JSON list), sorted by id."""
    items: Any = payload
    if isinstance(payload, Mapping):
        items = payload.get("data", payload.get("models", []))
    if not isinstance(items, list):
        raise ValueError("the model list is not a list")
    found = {m.id: m for m in map(_entry, items) if m is not None}
    return tuple(sorted(found.values(), key=lambda m: m.id))


# -- the cache ----------------------------------------------------------------------------------


def cache_file(cache_dir: Path, base_url: str) -> Path:
    """One file per endpoint: the same provider id may point at different servers."""
    digest = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:16]
    return cache_dir / f"models-{digest}.json"


def load_cached(cache_dir: Path, base_url: str) -> Catalog | None:
    try:
        data = json.loads(cache_file(cache_dir, base_url).read_text(encoding="utf-8"))
        return Catalog(
            provider_id=str(data["provider"]),
            base_url=str(data["base_url"]),
            fetched_at=float(data["fetched_at"]),
            models=tuple(_from_json(m) for m in data["models"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no cache, or one we cannot read: as if never fetched


def _from_json(m: Mapping[str, Any]) -> CatalogModel:
    price = m.get("price_per_1m")
    return CatalogModel(
        id=str(m["id"]),
        vision=m.get("vision") if isinstance(m.get("vision"), bool) else None,
        context=m.get("context") if isinstance(m.get("context"), int) else None,
        price=Price(float(price["input"]), float(price["cached_input"]), float(price["output"]))
        if isinstance(price, Mapping)
        else None,
        image_price=float(m["image_price"]) if m.get("image_price") is not None else None,
        shutdown=_date(m.get("shutdown")),
    )


def save(catalog: Catalog, cache_dir: Path) -> None:
    """Atomically: a crash mid-write leaves the previous list."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_file(cache_dir, catalog.base_url)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(catalog.to_json(), indent=1), encoding="utf-8")
    os.replace(tmp, target)


def age_text(seconds: float) -> str:
    if seconds < 90:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


# -- lifecycle ----------------------------------------------------------------------------------


class Lifecycle(NamedTuple):
    model: str
    shutdown: date | None  # when the provider stops serving it (past: already gone)
    listed: bool | None  # in the provider's current list? None: no list known
    successor: str | None  # the replacement to offer first

    def gone(self, today: date) -> bool:
        return self.listed is False or (self.shutdown is not None and self.shutdown <= today)

    def notice(self, today: date, provider_name: str) -> str | None:
        """One sentence for the composer and stderr, or None when nothing is coming."""
        move = f" Move to {self.successor}" if self.successor else " Pick another model"
        how = f"{move}: `askshot models use {self.successor or 'MODEL'}`."
        if self.gone(today):
            when = f" since {self.shutdown.isoformat()}" if self.shutdown else ""
            return f"{provider_name} no longer offers {self.model}{when}.{how}"
        if self.shutdown is not None and (self.shutdown - today).days <= WARN_DAYS:
            left = (self.shutdown - today).days
            return (
                f"{provider_name} shuts {self.model} down on {self.shutdown.isoformat()} "
                f"({left} day{'s' if left != 1 else ''} from now).{how}"
            )
        return None


def lifecycle(
    model_id: str,
    provider_id: str,
    catalog: Catalog | None,
    *,
    own_url: bool = True,
    today: date | None = None,
) -> Lifecycle:
    """What is known of a model's end: the catalog's date beats the built-in one, and a list
    that lacks the model says it is gone. The built-in dates are the provider's own: a gateway
    or a custom base URL (`own_url` False) may still serve the model, so only its list counts.
    The successor is the provider's announced one when it offers it, else its first
    vision-capable model."""
    bare = providers.bare_model_id(model_id)
    listed: bool | None = None
    shutdown = providers.SHUTDOWNS.get((provider_id, bare)) if own_url else None
    entry = catalog.get(model_id) if catalog is not None else None
    if catalog is not None and catalog.models:
        listed = entry is not None
        if entry is not None and entry.shutdown is not None:
            shutdown = entry.shutdown
    return Lifecycle(model_id, shutdown, listed, successor(model_id, catalog, today))


def successor(model_id: str, catalog: Catalog | None, today: date | None = None) -> str | None:
    announced = providers.SUCCESSORS.get(providers.bare_model_id(model_id))
    if catalog is None or not catalog.models:
        return announced
    if announced is not None:
        found = catalog.get(announced)
        if found is not None:
            return found.id
    return next((m.id for m in replacements(catalog, model_id, today)), None)


def replacements(
    catalog: Catalog, exclude: str = "", today: date | None = None
) -> list[CatalogModel]:
    """The catalog's models a user could move to: vision-capable first (then unknown), none
    that is itself shutting down, the excluded one left out."""
    today = today or date.today()
    usable = [
        m
        for m in catalog.models
        if m.id != exclude
        and m.vision is not False
        and (m.shutdown is None or (m.shutdown - today).days > WARN_DAYS)
    ]
    return sorted(usable, key=lambda m: (m.vision is not True, m.id))


def fetch(list_payload: Any, provider_id: str, base_url: str, cache_dir: Path) -> Catalog:
    """A catalog from a freshly fetched list, saved for the next start and for offline use."""
    catalog = Catalog(provider_id, base_url.rstrip("/"), time.time(), parse_models(list_payload))
    # A full disk or a read-only cache costs the next start a refresh, nothing more.
    with contextlib.suppress(OSError):
        save(catalog, cache_dir)
    return catalog
