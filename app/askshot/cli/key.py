"""`askshot key set|status|delete`: API keys in the OS keyring, never in a file."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from askshot.cli._common import EXIT_FAILED, EXIT_OK, Context, err
from askshot.core import providers


def add_parser(sub: Any) -> None:
    k = sub.add_parser("key", help="store, check or delete an API key in the OS keyring")
    k.add_argument("action", choices=["set", "status", "delete"])
    k.add_argument("--provider", choices=sorted(providers.PROVIDERS), help="provider id")


def cmd_key(args: argparse.Namespace, ctx: Context) -> int:
    provider_id = args.provider or ctx.settings.provider
    prov = providers.provider(provider_id)
    store = ctx.keystore()
    if args.action == "set":
        key = _read_secret(f"API key for {prov.name}: ")
        source = store.set(provider_id, key)
        if source.kind == "memory":
            # A CLI process ends now: a key kept in memory would be lost. Say so plainly.
            err(f"askshot: the key was not saved. {source.note or ''}".strip())
            return EXIT_FAILED
        print(f"Saved the {prov.name} key in {source.where}.")
        if source.note:
            err(f"askshot: {source.note}")
        return EXIT_OK
    if args.action == "status":
        source = store.source(provider_id)
        print(f"{prov.name}: {source.sentence}")
        return EXIT_OK if source.kind != "none" else EXIT_FAILED
    removed = store.delete(provider_id)
    print(f"Deleted the {prov.name} key." if removed else f"No stored {prov.name} key to delete.")
    return EXIT_OK


def _read_secret(prompt: str, reader: Callable[[str], str] = getpass.getpass) -> str:
    if sys.stdin.isatty():
        return reader(prompt)
    return sys.stdin.readline()
