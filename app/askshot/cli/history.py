"""`askshot history list|show|search|export|delete`, and the history as every command opens it."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from askshot.cli._common import Context, UsageError, err
from askshot.core.errors import HistoryError
from askshot.core.export import export_json, export_markdown
from askshot.core.history import Store


@contextlib.contextmanager
def open_history(ctx: Context) -> Iterator[Store]:
    """The history file, with what opening it had to say on stderr; answers whose writer is gone
    are marked interrupted (their text kept)."""
    with Store.open(ctx.paths) as store:
        if store.notice:
            err(f"askshot: {store.notice}")
        store.recover_interrupted()
        yield store


def resolve_conversation(store: Store, ref: str) -> int:
    """'latest' or a conversation id; a sentence when there is no such conversation."""
    if ref == "latest":
        latest = store.latest_conversation_id()
        if latest is None:
            raise UsageError("the history is empty: there is no conversation to continue")
        return latest
    try:
        cid = int(ref)
    except ValueError:
        raise UsageError(f"'{ref}' is not a conversation id (a number, or 'latest')") from None
    try:
        store.conversation(cid)
    except HistoryError:
        raise UsageError(f"there is no conversation {cid} in the history") from None
    return cid


def add_parser(sub: Any) -> None:
    h = sub.add_parser("history", help="list, show, search, export or delete conversations")
    hs = h.add_subparsers(dest="history_command", required=True, metavar="ACTION")
    lst = hs.add_parser("list", help="newest conversations first (pinned on top)")
    lst.add_argument("--limit", type=int, default=50)
    show = hs.add_parser("show", help="one conversation ('latest' for the newest)")
    show.add_argument("id")
    search = hs.add_parser("search", help="full-text search over every message")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=20)
    export = hs.add_parser("export", help="export a conversation ('all' for every one)")
    export.add_argument("id")
    export.add_argument("--format", choices=["md", "json"], default="md")
    export.add_argument("-o", "--output", metavar="PATH", help="file to write (default: ./)")
    delete = hs.add_parser("delete", help="delete a conversation and its images")
    delete.add_argument("id")
    for p in (lst, show, search, export, delete):
        p.add_argument("--json", action="store_true", help="JSON on stdout")


def cmd_history(args: argparse.Namespace, ctx: Context) -> int:
    with open_history(ctx) as store:
        action = args.history_command
        if action == "list":
            return _list(store, args)
        if action == "search":
            return _search(store, args)
        if action == "export":
            return _export(store, args)
        cid = resolve_conversation(store, args.id)
        if action == "show":
            return _show(store, cid, args)
        title = store.conversation(cid).title
        store.delete_conversation(cid)
        _out(args, {"deleted": cid}, f"Deleted conversation {cid} ({title}).")
        return 0


def _out(args: argparse.Namespace, obj: Any, text: str) -> None:
    print(json.dumps(obj, ensure_ascii=False) if args.json else text)


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _list(store: Store, args: argparse.Namespace) -> int:
    convs = store.list_conversations(limit=max(1, args.limit))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": c.id,
                        "title": c.title,
                        "created_at": c.created_at,
                        "updated_at": c.updated_at,
                        "model": c.model,
                        "pinned": c.pinned,
                    }
                    for c in convs
                ],
                ensure_ascii=False,
            )
        )
        return 0
    for c in convs:
        pin = "📌 " if c.pinned else ""
        print(f"{c.id:>6}  {_when(c.updated_at)}  {pin}{c.title or '(untitled)'}")
    if not convs:
        print("The history is empty.", file=sys.stderr)
    return 0


def _show(store: Store, cid: int, args: argparse.Namespace) -> int:
    conv = store.conversation(cid)
    messages = store.branch(cid)
    if args.json:
        print(
            json.dumps(
                {
                    "id": conv.id,
                    "title": conv.title,
                    "model": conv.model,
                    "messages": [m.to_json() for m in messages],
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(f"# {conv.title or '(untitled)'}  [{conv.id}]")
    for m in messages:
        who = "You" if m.role == "user" else (m.model or "Assistant")
        extra = f" ({len(m.images)} image{'s' if len(m.images) != 1 else ''})" if m.images else ""
        version = (
            f" [version {m.sibling_index + 1}/{m.sibling_count}]" if m.sibling_count > 1 else ""
        )
        print(f"\n## {who}{extra}{version}\n")
        print(m.text)
        if m.status not in ("done",):
            print(f"\n[{m.status}{': ' + m.error if m.error else ''}]")
    return 0


def _search(store: Store, args: argparse.Namespace) -> int:
    hits = store.search(args.query, limit=max(1, args.limit))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "conversation_id": h.conversation_id,
                        "message_id": h.message_id,
                        "title": h.conversation_title,
                        "role": h.role,
                        "snippet": h.snippet,
                        "created_at": h.created_at,
                    }
                    for h in hits
                ],
                ensure_ascii=False,
            )
        )
        return 0 if hits else 1
    for h in hits:
        print(f"{h.conversation_id:>6}  {h.conversation_title}\n        {h.snippet}")
    if not hits:
        print("No matches.", file=sys.stderr)
    return 0 if hits else 1


def _export(store: Store, args: argparse.Namespace) -> int:
    ids = None if args.id == "all" else [resolve_conversation(store, args.id)]
    name = "askshot-history" if ids is None else f"askshot-conversation-{ids[0]}"
    dest = Path(args.output) if args.output else Path.cwd() / f"{name}.{args.format}"
    if dest.is_dir():
        dest = dest / f"{name}.{args.format}"
    fn = export_json if args.format == "json" else export_markdown
    result = fn(store, dest, ids)
    _out(
        args,
        {
            "path": str(result.path),
            "files_dir": str(result.files_dir) if result.files_dir else None,
            "conversations": result.conversations,
            "images": result.images,
        },
        f"Exported {result.conversations} conversation(s) and {result.images} image(s) "
        f"to {result.path}",
    )
    return 0
