"""Values the history hands out, and the pure logic behind them (no SQL runs here)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from askshot.core.errors import HistoryError, HistoryReason
from askshot.core.types import Role, Usage

if TYPE_CHECKING:
    from askshot.core.images import PreparedImage

_KNOWN: dict[int, HistoryReason] = {
    sqlite3.SQLITE_CORRUPT: "corrupt",
    sqlite3.SQLITE_NOTADB: "corrupt",
    sqlite3.SQLITE_FULL: "full",
    sqlite3.SQLITE_BUSY: "busy",
    sqlite3.SQLITE_LOCKED: "busy",
    sqlite3.SQLITE_READONLY: "readonly",
    sqlite3.SQLITE_IOERR: "io",
    sqlite3.SQLITE_CANTOPEN: "io",
    sqlite3.SQLITE_PERM: "readonly",
}


def error_reason(exc: sqlite3.Error) -> HistoryReason | None:
    """'corrupt', 'full', ... for the SQLite errors a user can act on; None for bugs."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
        return "missing"
    return None if code is None else _KNOWN.get(code & 0xFF)


def known_error(exc: sqlite3.Error, path: Path) -> HistoryError | None:
    """A HistoryError with a sentence for a known SQLite failure, or None (a bug: re-raise)."""
    reason = error_reason(exc)
    sentences: dict[HistoryReason, str] = {
        "corrupt": f"The history file {path} is damaged. Askshot will set it aside and start a "
        "new one the next time it starts.",
        "full": "The disk is full, so the history could not be saved. Free some space and try "
        "again.",
        "busy": "The history is busy in another Askshot window or command. Try again in a moment.",
        "readonly": f"The history file {path} is read-only, so nothing new can be saved.",
        "io": f"The history file {path} could not be read or written ({exc}).",
        "missing": "That conversation or message no longer exists; it was deleted elsewhere.",
    }
    if reason is None:
        return None
    return HistoryError(sentences[reason], reason=reason, path=path)


Status = Literal["done", "streaming", "cancelled", "failed", "interrupted"]
FINAL_STATUSES: tuple[Status, ...] = ("done", "cancelled", "failed", "interrupted")
INTERRUPTED_NOTE = "Askshot stopped before this answer was complete."


@dataclass(frozen=True)
class NewImage:
    """An image to attach to a question. `tokens` is the caller's estimate of its input tokens
    for the model (core.estimate); None uses a cautious guess from the pixel size."""

    data: bytes
    mime: str
    width: int
    height: int
    tokens: int | None = None

    @classmethod
    def from_prepared(cls, image: PreparedImage) -> NewImage:
        """The image as it was sent (fitted and encoded), with its token estimate."""
        part = image.part
        return cls(part.data, part.mime, part.width, part.height, image.tokens)


@dataclass(frozen=True)
class StoredImage:
    sha256: str
    mime: str
    width: int
    height: int
    byte_size: int
    tokens: int


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    created_at: float  # Unix seconds
    updated_at: float
    model: str
    system_prompt: str
    pinned: bool
    current_leaf_id: int | None


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation_id: int
    parent_id: int | None
    role: Role
    text: str
    model: str | None
    effort: str | None
    status: Status
    error: str | None
    usage: Usage | None  # None until a reply reports its token counts
    cost_usd: float | None
    ttft_ms: int | None
    total_ms: int | None
    created_at: float
    images: tuple[StoredImage, ...] = ()
    sibling_index: int = 0  # position among messages with the same parent (0-based)
    sibling_count: int = 1
    # what kind of failure `error` describes (AskshotError.kind: "auth", "model_not_found",
    # "quota", ...); None when the answer did not fail or the kind was not recorded
    error_kind: str | None = None
    # why the model stopped ("stop", "length": cut off at the output limit, ...); None when not
    # known (older answers, answers that failed or were stopped first)
    finish_reason: str | None = None

    @property
    def cut_off(self) -> bool:
        """An answer that stopped at the output limit (and was not continued to its end since):
        it can be continued."""
        return (
            self.role == "assistant"
            and self.status != "streaming"
            and self.finish_reason == "length"
        )

    def to_json(self, link: Callable[[StoredImage], str] | None = None) -> dict[str, Any]:
        """The one JSON form of a stored message (`history show --json`, the JSON export).
        `link` names each image's file when the images are written beside the JSON."""
        return {
            "id": self.id,
            "parent_id": self.parent_id,
            "role": self.role,
            "text": self.text,
            "model": self.model,
            "effort": self.effort,
            "status": self.status,
            "error": self.error,
            "error_kind": self.error_kind,
            "finish_reason": self.finish_reason,
            "usage": None if self.usage is None else self.usage.to_json(),
            "cost_usd": self.cost_usd,
            "ttft_ms": self.ttft_ms,
            "total_ms": self.total_ms,
            "created_at": iso_time(self.created_at),
            "version": [self.sibling_index + 1, self.sibling_count],
            "images": [
                {
                    **({"file": link(i)} if link is not None else {}),
                    "sha256": i.sha256,
                    "mime": i.mime,
                    "width": i.width,
                    "height": i.height,
                    "tokens": i.tokens,
                }
                for i in self.images
            ],
        }


def iso_time(ts: float) -> str:
    """Unix seconds as an ISO 8601 UTC time with milliseconds ("2026-12-04T15:30:00.000Z")."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


MSG_COLUMNS = (
    "id, conversation_id, parent_id, role, text, model, effort, status, error, prompt_tokens,"
    " completion_tokens, reasoning_tokens, cached_tokens, cost_usd, ttft_ms, total_ms, created_at,"
    " error_kind, finish_reason"
)
CONV_COLUMNS = "id, title, created_at, updated_at, model, system_prompt, pinned, current_leaf_id"


def message_from_row(
    row: Sequence[Any],
    images: tuple[StoredImage, ...] = (),
    sibling_index: int = 0,
    sibling_count: int = 1,
) -> StoredMessage:
    """A StoredMessage from a row selected with MSG_COLUMNS."""
    tokens = row[9:13]
    prompt, completion, reasoning, cached = (int(t or 0) for t in tokens)
    usage = None if all(t is None for t in tokens) else Usage(prompt, completion, reasoning, cached)
    return StoredMessage(
        id=row[0],
        conversation_id=row[1],
        parent_id=row[2],
        role=row[3],
        text=row[4],
        model=row[5],
        effort=row[6],
        status=row[7],
        error=row[8],
        usage=usage,
        cost_usd=row[13],
        ttft_ms=row[14],
        total_ms=row[15],
        created_at=row[16],
        images=images,
        sibling_index=sibling_index,
        sibling_count=sibling_count,
        error_kind=row[17],
        finish_reason=row[18],
    )


def conversation_from_row(row: Sequence[Any]) -> Conversation:
    """A Conversation from a row selected with CONV_COLUMNS."""
    return Conversation(
        id=row[0],
        title=row[1],
        created_at=row[2],
        updated_at=row[3],
        model=row[4],
        system_prompt=row[5],
        pinned=bool(row[6]),
        current_leaf_id=row[7],
    )


def assemble_branch(
    rows: Sequence[Sequence[Any]],
    images: dict[int, tuple[StoredImage, ...]],
    leaf_id: int | None,
    *,
    whole: bool = False,
) -> list[StoredMessage]:
    """From all of a conversation's rows (by id): the path from the root to `leaf_id` (the
    newest message when that id is not among them), or every row when `whole`, each with its
    position among its siblings."""
    by_id = {r[0]: r for r in rows}
    children: dict[int | None, list[int]] = {}
    for r in rows:
        children.setdefault(r[2], []).append(r[0])
    if whole:
        chosen = [r[0] for r in rows]
    else:
        leaf = leaf_id if leaf_id in by_id else (rows[-1][0] if rows else None)
        chosen = []
        while leaf is not None:
            chosen.append(leaf)
            leaf = by_id[leaf][2]
        chosen.reverse()
    out = []
    for mid in chosen:
        row = by_id[mid]
        group = children[row[2]]
        out.append(message_from_row(row, images.get(mid, ()), group.index(mid), len(group)))
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def title_from(text: str, has_images: bool = False, limit: int = 60) -> str:
    """A conversation title from its first question, for free: the first line or sentence,
    cut on a word boundary to `limit` characters; "Screenshot" when there is only an image."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = _SENTENCE_END.split(line, maxsplit=1)[0].strip()
    line = " ".join(line.split())
    if not line:
        return "Screenshot" if has_images else "New conversation"
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"
