"""`askshot models`: what the provider offers, for people and scripts, and the move off a model
that is being retired.

    askshot models [--provider ID] [--base-url URL] [--json] [--refresh]
    askshot models use MODEL        the default model becomes MODEL (one step, after a shutdown)

The list comes from the provider (`GET {base}/models`) when the cached one is older than a day
or --refresh is given, else from the cache; offline, the cache is used and its age is said.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from askshot.cli._common import EXIT_FAILED, EXIT_OK, Context, UsageError, err
from askshot.core import catalog as catalog_mod
from askshot.core import errors, providers
from askshot.core import settings as settings_mod
from askshot.core.catalog import Catalog, CatalogModel
from askshot.core.endpoint import resolve_endpoint
from askshot.core.types import Endpoint


def add_parser(sub: Any) -> None:
    m = sub.add_parser("models", help="list the provider's models, or move to another one")
    m.add_argument("--provider", choices=sorted(providers.PROVIDERS), help="provider id")
    m.add_argument("--base-url", metavar="URL", help="OpenAI-compatible base URL")
    m.add_argument("--json", action="store_true", help="the catalog as JSON on stdout")
    m.add_argument("--refresh", action="store_true", help="ask the provider even if cached")
    ms = m.add_subparsers(dest="models_command", metavar="ACTION")
    use = ms.add_parser("use", help="make MODEL the default model")
    use.add_argument("model", metavar="MODEL")


def endpoint_for(args: argparse.Namespace, ctx: Context) -> Endpoint:
    s = ctx.settings
    return resolve_endpoint(
        args.provider or s.provider,
        base_url_override=args.base_url,
        saved_provider=s.provider,
        saved_base_url=s.base_url,
        env=ctx.env,
        keys=ctx.keystore(),
    )


def current_catalog(endpoint: Endpoint, ctx: Context, refresh: bool) -> tuple[Catalog, str | None]:
    """The catalog, and a sentence when it is an old copy because the provider did not answer."""
    cached = catalog_mod.load_cached(ctx.paths.cache, endpoint.base_url)
    if cached is not None and not refresh and not cached.stale():
        return cached, None
    from askshot.core.llm.client import ChatClient

    try:
        with ChatClient() as client:
            payload = client.models_payload(endpoint)
        try:
            return catalog_mod.fetch(
                payload, endpoint.provider_id, endpoint.base_url, ctx.paths.cache
            ), None
        except ValueError as exc:
            raise errors.ApiError(
                f"{endpoint.host} answered the model list with something that is not a list."
            ) from exc
    except errors.AskshotError as exc:
        if cached is None:
            raise
        age = catalog_mod.age_text(cached.age_s())
        return cached, f"Showing the list fetched {age}: {exc.message}"


def cmd_models(args: argparse.Namespace, ctx: Context) -> int:
    endpoint = endpoint_for(args, ctx)
    found, note = current_catalog(endpoint, ctx, args.refresh)
    if note:
        err(f"askshot: {note}")
    if args.models_command == "use":
        return _use(args.model, found, ctx)
    if args.json:
        full = found.to_json() | {
            "models": [catalog_mod.model_json(catalog_mod.with_builtin(m)) for m in found.models]
        }
        json.dump(full, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    _print_table(found, ctx.settings.model)
    return EXIT_OK


def _use(model_id: str, found: Catalog, ctx: Context) -> int:
    """Move the default model; the old answers keep the model and price they were made with."""
    if found.models and found.get(model_id) is None:
        close = [m.id for m in found.models if model_id.lower() in m.id.lower()][:5]
        hint = f" Did you mean: {', '.join(close)}?" if close else " See `askshot models`."
        raise UsageError(f"{model_id} is not in {found.base_url}'s model list.{hint}")
    old = ctx.settings.model
    ctx.settings.model = model_id
    try:
        settings_mod.save(ctx.settings, ctx.paths)
    except OSError as exc:
        err(f"askshot: could not save the settings: {exc.strerror or exc}")
        return EXIT_FAILED
    print(f"The default model is now {model_id} (was {old}). Past answers keep theirs.")
    return EXIT_OK


def _price(m: CatalogModel) -> str:
    return "?" if m.price is None else f"${m.price.input:g} / ${m.price.output:g}"


def _print_table(found: Catalog, current: str) -> None:
    today = date.today()
    rows = [("", "MODEL", "IMAGES", "CONTEXT", "PRICE IN/OUT PER 1M", "SHUTDOWN")]
    shown = [catalog_mod.with_builtin(m) for m in found.models]
    for m in sorted(shown, key=lambda m: (m.vision is not True, m.id)):
        shutdown = m.shutdown.isoformat() if m.shutdown else ""
        if m.shutdown and m.shutdown <= today:
            shutdown += " (gone)"
        rows.append(
            (
                "*" if m.id == current or providers.bare_model_id(m.id) == current else "",
                m.id,
                {True: "yes", False: "no", None: "?"}[m.vision],
                f"{m.context:,}" if m.context else "?",
                _price(m),
                shutdown,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    age = catalog_mod.age_text(found.age_s())
    print(f"\n{len(found.models)} models at {found.base_url}, listed {age}. * the default model.")
