"""Export conversations to Markdown (to read) or JSON (to keep or process: everything).

Images are written once each as files in a folder beside the export, `<name>_files/<sha256>.<ext>`,
and linked by relative path, so the export opens anywhere and stays diffable; JSON refers to the
same files (with their SHA-256 to verify them) instead of inlining base64, which would triple the
size of a screenshot-heavy history. Markdown shows each conversation's current branch; JSON
holds every branch (each message has its `parent_id`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from askshot.core.history import Conversation, Store, StoredImage, StoredMessage
from askshot.core.history.records import iso_time

FORMAT = "askshot-history"
FORMAT_VERSION = 1
_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
_STATUS_NOTE = {
    "cancelled": "Stopped before the answer was complete.",
    "failed": "The answer failed.",
    "interrupted": "Askshot stopped before this answer was complete.",
    "streaming": "Still being written when this was exported.",
}


@dataclass(frozen=True)
class ExportResult:
    path: Path  # the .md or .json file
    files_dir: Path | None  # the folder of images beside it (None when there were none)
    conversations: int
    images: int


def _conversations(store: Store, ids: Sequence[int] | None) -> Iterator[Conversation]:
    if ids is not None:
        for cid in ids:
            yield store.conversation(cid)
        return
    offset = 0
    while page := store.list_conversations(limit=500, offset=offset):
        yield from page
        offset += len(page)


class _Images:
    """Writes each image once into `<stem>_files/` and hands back its relative link."""

    def __init__(self, store: Store, dest: Path) -> None:
        self.store = store
        self.dir = dest.with_name(dest.stem + "_files")
        self.written: set[str] = set()

    def link(self, image: StoredImage) -> str:
        name = f"{image.sha256}.{_EXT.get(image.mime, 'bin')}"
        if image.sha256 not in self.written:
            self.dir.mkdir(parents=True, exist_ok=True)
            target = self.dir / name
            if not (target.exists() and target.stat().st_size == image.byte_size):
                target.write_bytes(self.store.image_data(image.sha256))
            self.written.add(image.sha256)
        return f"{self.dir.name}/{name}"


def _write_atomically(dest: Path, text: str) -> None:
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, dest)


def _local(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


def _md_message(m: StoredMessage, images: _Images) -> list[str]:
    if m.role == "user":
        head = f"### You · {_local(m.created_at)}"
    else:
        who = m.model or "Assistant"
        head = f"### {who}" + (f" ({m.effort})" if m.effort else "") + f" · {_local(m.created_at)}"
    if m.sibling_count > 1:
        head += f" · version {m.sibling_index + 1} of {m.sibling_count}"
    lines = [head, ""]
    if m.text:
        lines += [m.text.rstrip("\n"), ""]
    for n, image in enumerate(m.images, 1):
        lines += [f"![Image {n}]({quote(images.link(image))})", ""]
    if m.status != "done":
        note = _STATUS_NOTE.get(m.status, m.status)
        lines += [f"> *{note}*" + (f" {m.error}" if m.error and m.error != note else ""), ""]
    if m.usage is not None:
        facts = f"{m.usage.prompt_tokens:,} in · {m.usage.completion_tokens:,} out"
        if m.usage.reasoning_tokens:
            facts += f" ({m.usage.reasoning_tokens:,} reasoning)"
        if m.cost_usd is not None:
            facts += f" · ${m.cost_usd:.4f}"
        lines += [f"<sub>{facts}</sub>", ""]
    return lines


def export_markdown(
    store: Store, dest: Path, conversation_ids: Sequence[int] | None = None
) -> ExportResult:
    """One Markdown file with the given conversations (default: all, in list order)."""
    images = _Images(store, dest)
    lines: list[str] = []
    count = 0
    for conv in _conversations(store, conversation_ids):
        if count:
            lines += ["---", ""]
        count += 1
        lines += [f"# {conv.title or 'Untitled'}", ""]
        lines += [f"*{_local(conv.created_at)}" + (f" · {conv.model}*" if conv.model else "*"), ""]
        if conv.system_prompt:
            lines += ["> **System:** " + conv.system_prompt.replace("\n", "\n> "), ""]
        for m in store.branch(conv.id):
            lines += _md_message(m, images)
    _write_atomically(dest, "\n".join(lines).rstrip("\n") + "\n")
    return ExportResult(dest, images.dir if images.written else None, count, len(images.written))


def export_json(
    store: Store, dest: Path, conversation_ids: Sequence[int] | None = None
) -> ExportResult:
    """One JSON file with everything about the given conversations (default: all), every
    branch included."""
    images = _Images(store, dest)
    conversations = []
    for conv in _conversations(store, conversation_ids):
        conversations.append(
            {
                "id": conv.id,
                "title": conv.title,
                "created_at": iso_time(conv.created_at),
                "updated_at": iso_time(conv.updated_at),
                "model": conv.model,
                "system_prompt": conv.system_prompt,
                "pinned": conv.pinned,
                "current_leaf_id": conv.current_leaf_id,
                "messages": [m.to_json(images.link) for m in store.all_messages(conv.id)],
            }
        )
    doc = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": iso_time(datetime.now(UTC).timestamp()),
        "conversations": conversations,
    }
    _write_atomically(dest, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    return ExportResult(
        dest, images.dir if images.written else None, len(conversations), len(images.written)
    )
