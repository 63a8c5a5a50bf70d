"""`askshot history …` and the history side of `askshot ask` (save while streaming, --continue).

Every reply is saved as it streams, at most about a second behind (a timer flushes during
pauses), so a killed process loses at most the last second of text.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.types import ChatRequest, Finished, Message, Usage

if TYPE_CHECKING:
    from app.cli import Context
    from app.core.images import PreparedImage
    from app.core.store import ReplySaver, Store, StoredMessage

SAVE_INTERVAL = 1.0


class HistoryWriter:
    """Keeps one `askshot ask` in the history: the question, then the answer as it grows."""

    def __init__(self, store: Store, ctx: Context, conversation_id: int | None) -> None:
        self.store = store
        self.ctx = ctx
        self.conversation_id = conversation_id
        self.leaf_id: int | None = None
        self.reply_id: int | None = None
        self._saver: ReplySaver | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        if conversation_id is not None:
            self.leaf_id = store.conversation(conversation_id).current_leaf_id

    @classmethod
    def open(cls, ctx: Context, continue_id: str | None) -> HistoryWriter:
        from app.core.store import Store

        store = Store.open(ctx.paths)
        if store.notice:
            print(f"askshot: {store.notice}", file=sys.stderr)
        store.recover_interrupted()
        conversation_id = None
        if continue_id is not None:
            conversation_id = resolve_conversation(store, continue_id)
        return cls(store, ctx, conversation_id)

    def context(
        self, system: str, model_id: str, user: Message, image_tokens: list[int]
    ) -> tuple[tuple[Message, ...], int]:
        if self.conversation_id is None:
            return ((Message("system", system),) if system else ()) + (user,), 0
        return self.store.build_context(
            self.conversation_id, self.leaf_id, system, model_id, user, image_tokens
        )

    def begin(
        self, user: Message, images: list[PreparedImage], request: ChatRequest, system: str
    ) -> None:
        from app.core.store import NewImage, ReplySaver

        if self.conversation_id is None:
            self.conversation_id = self.store.create_conversation(
                model=request.model, system_prompt=system
            )
        stored = (
            [NewImage.from_prepared(i) for i in images]
            if self.ctx.settings.keep_screenshots
            else []
        )
        question_id = self.store.add_user_message(
            self.conversation_id, user.text, stored, parent_id=self.leaf_id
        )
        self.reply_id = self.store.begin_reply(
            self.conversation_id, question_id, request.model, request.effort
        )
        self._saver = ReplySaver(self.store, self.reply_id, interval=SAVE_INTERVAL)
        self._timer = threading.Thread(target=self._flush_every_second, name="askshot-save")
        self._timer.start()

    def _flush_every_second(self) -> None:
        while not self._stop.wait(SAVE_INTERVAL):
            with self._lock:
                if self._saver is not None:
                    self._saver.flush()
        self.store.release_thread()

    def append(self, text: str) -> None:
        with self._lock:
            if self._saver is not None:
                self._saver.append(text)

    def finish(
        self,
        status: str,
        usage: Usage | None,
        cost: float | None,
        error: str | None,
        first_token: float | None,
        started: float,
        fin: Finished | None,
        error_kind: str | None = None,
    ) -> None:
        self._stop_timer()
        if self._saver is None:
            return
        from app.core.store import HistoryError

        note = fin.note if fin is not None else None
        ttft = None if first_token is None else int((first_token - started) * 1000)
        try:
            self._saver.finish(
                status,  # type: ignore[arg-type]
                usage,
                cost,
                error or note,
                ttft,
                int((time.monotonic() - started) * 1000),
                error_kind=error_kind if status == "failed" else None,
            )
        except HistoryError as exc:
            print(f"askshot: the answer could not be saved: {exc.message}", file=sys.stderr)

    def _stop_timer(self) -> None:
        self._stop.set()
        if self._timer is not None and self._timer is not threading.current_thread():
            self._timer.join(timeout=5)
            self._timer = None

    def close(self) -> None:
        self._stop_timer()
        self.store.close()


def resolve_conversation(store: Store, ref: str) -> int:
    """'latest' or a conversation id; a sentence when there is no such conversation."""
    from app.cli import UsageError

    if ref == "latest":
        latest = store.latest_conversation_id()
        if latest is None:
            raise UsageError("the history is empty: there is no conversation to continue")
        return latest
    try:
        cid = int(ref)
    except ValueError:
        raise UsageError(f"'{ref}' is not a conversation id (a number, or 'latest')") from None
    from app.core.store import HistoryError

    try:
        store.conversation(cid)
    except HistoryError:
        raise UsageError(f"there is no conversation {cid} in the history") from None
    return cid


# -- askshot history ----------------------------------------------------------------------------


def add_history_parser(sub: Any) -> None:
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
    from app.core.store import Store

    with Store.open(ctx.paths) as store:
        if store.notice:
            print(f"askshot: {store.notice}", file=sys.stderr)
        store.recover_interrupted()
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


def _message_json(m: StoredMessage) -> dict[str, Any]:
    u = m.usage
    return {
        "id": m.id,
        "parent_id": m.parent_id,
        "role": m.role,
        "text": m.text,
        "status": m.status,
        "error": m.error,
        "error_kind": m.error_kind,
        "model": m.model,
        "effort": m.effort,
        "usage": None
        if u is None
        else {
            "prompt_tokens": u.prompt_tokens,
            "completion_tokens": u.completion_tokens,
            "reasoning_tokens": u.reasoning_tokens,
            "cached_tokens": u.cached_tokens,
        },
        "cost_usd": m.cost_usd,
        "images": [i.sha256 for i in m.images],
        "version": [m.sibling_index + 1, m.sibling_count],
    }


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
                    "messages": [_message_json(m) for m in messages],
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
    from app.core.export import export_json, export_markdown

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
