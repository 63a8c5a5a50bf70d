"""SQLite history: conversations, messages as a tree of branches, images, search, recovery.

One `Store` per history file and process. It keeps one connection per thread (a threading.local):
the GUI thread and a worker thread may share the Store, each using its own connection; never
pass a connection between threads. Every write is its own short BEGIN IMMEDIATE transaction, so
a GUI and a CLI process can write at the same time (WAL; a writer waits up to `busy_timeout`).

Known SQLite failures (damaged file, disk full, locked too long, read-only) are raised as
`HistoryError` with a sentence for the user; any other sqlite3 error is a bug and propagates.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from askshot.core import estimate
from askshot.core.errors import HistoryError
from askshot.core.history import search as fts
from askshot.core.history import writers
from askshot.core.history.context import build_context
from askshot.core.history.db import DB_NAME, Connections
from askshot.core.history.records import (
    CONV_COLUMNS,
    FINAL_STATUSES,
    INTERRUPTED_NOTE,
    MSG_COLUMNS,
    Conversation,
    NewImage,
    Status,
    StoredImage,
    StoredMessage,
    assemble_branch,
    conversation_from_row,
    message_from_row,
    title_from,
)
from askshot.core.history.search import SearchHit
from askshot.core.paths import Paths
from askshot.core.providers import cost_usd as price_usage
from askshot.core.types import ImagePart, Message, Usage

P = ParamSpec("P")
R = TypeVar("R")


def _guarded(method: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
    """Turn known SQLite failures into HistoryError; let bugs through."""

    @functools.wraps(method)
    def wrapper(self: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self._db.translate(exc) from exc

    return wrapper


class Store:
    """The history in `path` (normally `<data dir>/history.sqlite3`; see `Store.open`).

    After construction, `moved_aside` is where a damaged file was set aside (None normally) and
    `notice` a sentence to show the user about it.
    """

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        self.path = path
        self._db = Connections(path, busy_timeout)
        self.moved_aside: Path | None = self._db.moved_aside
        self.notice: str | None = None
        if self.moved_aside is not None:
            self.notice = (
                "The history file was damaged and could not be read. It was moved to "
                f"{self.moved_aside} and a new, empty history was started."
            )
        self._conn = self._db.get
        self._write = self._db.write
        self._read = self._db.read

    @classmethod
    def open(cls, paths: Paths | None = None, *, busy_timeout: float = 5.0) -> Store:
        """The history in the data directory (under ASKSHOT_HOME when set), made 0700."""
        paths = Paths.from_env() if paths is None else paths
        try:
            data = paths.ensure(paths.data)
        except OSError as exc:
            raise HistoryError(
                f"The history folder {paths.data} could not be created ({exc.strerror or exc}).",
                reason="io",
                path=paths.data,
            ) from exc
        return cls(data / DB_NAME, busy_timeout=busy_timeout)

    def release_thread(self) -> None:
        """Close the calling thread's connection (call it when a worker thread ends)."""
        self._db.release_thread()

    def close(self) -> None:
        """Close every thread's connection. Call it once the worker threads are done."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- conversations ---------------------------------------------------------------------

    @_guarded
    def create_conversation(self, title: str = "", model: str = "", system_prompt: str = "") -> int:
        now = time.time()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO conversations (title, created_at, updated_at, model, system_prompt)"
                " VALUES (?, ?, ?, ?, ?)",
                (title, now, now, model, system_prompt),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    @_guarded
    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self._update_conversation(conversation_id, "title = ?", title.strip())

    @_guarded
    def pin_conversation(self, conversation_id: int, pinned: bool = True) -> None:
        self._update_conversation(conversation_id, "pinned = ?", int(pinned))

    def _update_conversation(self, conversation_id: int, assignment: str, value: object) -> None:
        with self._write() as conn:
            cur = conn.execute(
                f"UPDATE conversations SET {assignment} WHERE id = ?", (value, conversation_id)
            )
            if cur.rowcount == 0:
                raise self._missing("conversation")

    @_guarded
    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation, its messages, and its images no other message uses."""
        with self._write() as conn:
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    @_guarded
    def conversation(self, conversation_id: int) -> Conversation:
        row = (
            self._conn()
            .execute(f"SELECT {CONV_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,))
            .fetchone()
        )
        if row is None:
            raise self._missing("conversation")
        return conversation_from_row(row)

    @_guarded
    def list_conversations(self, limit: int = 100, offset: int = 0) -> list[Conversation]:
        """Pinned first, then the most recently active; `limit`/`offset` page through them."""
        rows = self._conn().execute(
            f"SELECT {CONV_COLUMNS} FROM conversations"
            " ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [conversation_from_row(r) for r in rows]

    @_guarded
    def latest_conversation_id(self) -> int | None:
        """The most recently active conversation, pinned or not (for `ask --continue`)."""
        row = (
            self._conn()
            .execute("SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1")
            .fetchone()
        )
        return None if row is None else int(row[0])

    @_guarded
    def count_conversations(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM conversations").fetchone()[0])

    def _missing(self, what: str) -> HistoryError:
        return HistoryError(
            f"That {what} no longer exists; it may have been deleted in another window.",
            reason="missing",
            path=self.path,
        )

    # ---- messages --------------------------------------------------------------------------

    @_guarded
    def add_user_message(
        self,
        conversation_id: int,
        text: str,
        images: Sequence[NewImage | ImagePart] = (),
        parent_id: int | None = None,
    ) -> int:
        """Save a question. `parent_id` is the message it follows (None for the first one);
        giving the parent of an earlier question makes an edited sibling, never an overwrite.
        The new message becomes the conversation's current leaf; an untitled conversation is
        titled from it."""
        prepared = [self._prepare_image(image) for image in images]
        now = time.time()
        with self._write() as conn:
            self._check_parent(conn, conversation_id, parent_id)
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, text, status, created_at)"
                " VALUES (?, ?, 'user', ?, 'done', ?)",
                (conversation_id, parent_id, text, now),
            )
            message_id = cur.lastrowid
            assert message_id is not None
            for position, (sha, image, tokens, thumb) in enumerate(prepared):
                conn.execute(
                    "INSERT OR IGNORE INTO images (sha256, mime, width, height, byte_size,"
                    " thumb_mime, thumb, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        sha,
                        image.mime,
                        image.width,
                        image.height,
                        len(image.data),
                        thumb[1] if thumb else None,
                        thumb[0] if thumb else None,
                        now,
                        image.data,
                    ),
                )
                conn.execute(
                    "INSERT INTO message_images (message_id, position, sha256, tokens)"
                    " VALUES (?, ?, ?, ?)",
                    (message_id, position, sha, tokens),
                )
            conn.execute(
                "UPDATE conversations SET updated_at = ?, current_leaf_id = ?,"
                " title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
                (now, message_id, title_from(text, bool(images)), conversation_id),
            )
        return message_id

    def _prepare_image(
        self, image: NewImage | ImagePart
    ) -> tuple[str, NewImage | ImagePart, int, tuple[bytes, str, int, int] | None]:
        """Hash and thumbnail outside the write transaction, so it stays short."""
        sha = hashlib.sha256(image.data).hexdigest()
        known = self._conn().execute("SELECT 1 FROM images WHERE sha256 = ?", (sha,)).fetchone()
        thumb = None if known else _thumbnail(image.data)
        tokens = image.tokens if isinstance(image, NewImage) else None
        if tokens is None:
            tokens = estimate.default_image_tokens(image.width, image.height)
        return sha, image, tokens, thumb

    def _check_parent(
        self, conn: sqlite3.Connection, conversation_id: int, parent_id: int | None
    ) -> None:
        if parent_id is None:
            return
        row = conn.execute(
            "SELECT conversation_id FROM messages WHERE id = ?", (parent_id,)
        ).fetchone()
        if row is None:
            raise self._missing("message")
        if row[0] != conversation_id:
            raise ValueError(f"message {parent_id} is not in conversation {conversation_id}")

    @_guarded
    def begin_reply(
        self, conversation_id: int, parent_id: int, model: str, effort: str | None = None
    ) -> int:
        """Start an answer to `parent_id` (status 'streaming', empty text). Answering a question
        that already has an answer makes a sibling: regenerating never overwrites."""
        now = time.time()
        with self._write() as conn:
            self._check_parent(conn, conversation_id, parent_id)
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, text, model, effort,"
                " status, created_at, writer) VALUES (?, ?, 'assistant', '', ?, ?, 'streaming',"
                " ?, ?)",
                (conversation_id, parent_id, model, effort, now, writers.this_process()),
            )
            message_id = cur.lastrowid
            assert message_id is not None
            conn.execute(
                "UPDATE conversations SET updated_at = ?, current_leaf_id = ? WHERE id = ?",
                (now, message_id, conversation_id),
            )
        return message_id

    @_guarded
    def resume_reply(self, message_id: int) -> None:
        """A finished answer streams again (Continue): 'streaming' by this process, its text and
        counts kept until it finishes anew."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE messages SET status = 'streaming', error = NULL, error_kind = NULL,"
                " writer = ? WHERE id = ? AND role = 'assistant' AND status != 'streaming'",
                (writers.this_process(), message_id),
            )
            if cur.rowcount != 1:
                raise self._missing("answer")

    @_guarded
    def update_reply_text(self, message_id: int, text: str) -> None:
        """Save the answer so far: one UPDATE, its own transaction. A reply that a start-up
        elsewhere marked 'interrupted' while this process still streams it goes back to
        'streaming'."""
        self._conn().execute(
            "UPDATE messages SET text = ?,"
            " status = CASE status WHEN 'interrupted' THEN 'streaming' ELSE status END"
            " WHERE id = ?",
            (text, message_id),
        )

    @_guarded
    def finish_reply(
        self,
        message_id: int,
        status: Status,
        *,
        text: str | None = None,
        usage: Usage | None = None,
        cost_usd: float | None = None,
        error: str | None = None,
        ttft_ms: int | None = None,
        total_ms: int | None = None,
        error_kind: str | None = None,
        finish_reason: str | None = None,
    ) -> None:
        """Record how an answer ended. The text (partial for cancelled/failed) is kept; `text`
        None keeps what was saved. Without `cost_usd` the cost is priced from `usage`.
        `error_kind` is the failure's AskshotError.kind (a short id such as "auth", never a
        sentence or a key), so a reopened failed answer can offer the same fix."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {status!r}")
        with self._write() as conn:
            row = conn.execute(
                "SELECT model, conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise self._missing("message")
            if cost_usd is None and usage is not None and row[0]:
                cost_usd = price_usage(row[0], usage)
            u = usage
            conn.execute(
                "UPDATE messages SET text = coalesce(?, text), status = ?, error = ?,"
                " error_kind = ?, prompt_tokens = ?, completion_tokens = ?,"
                " reasoning_tokens = ?, cached_tokens = ?, cost_usd = ?, ttft_ms = ?,"
                " total_ms = ?, finish_reason = ? WHERE id = ?",
                (
                    text,
                    status,
                    error,
                    error_kind,
                    u.prompt_tokens if u else None,
                    u.completion_tokens if u else None,
                    u.reasoning_tokens if u else None,
                    u.cached_tokens if u else None,
                    cost_usd,
                    ttft_ms,
                    total_ms,
                    finish_reason,
                    message_id,
                ),
            )
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (time.time(), row[1])
            )

    @_guarded
    def delete_message(self, message_id: int) -> int | None:
        """Delete a message and everything that follows it on its branches (answers to a
        deleted question go with it). The conversation then shows the newest remaining branch
        through the deleted message's parent; that leaf (or None) is returned."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT conversation_id, parent_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise self._missing("message")
            conversation_id, parent_id = row
            conn.execute(
                "WITH RECURSIVE below(id) AS (SELECT ? UNION ALL"
                " SELECT m.id FROM messages m JOIN below ON m.parent_id = below.id)"
                " DELETE FROM messages WHERE id IN (SELECT id FROM below)",
                (message_id,),
            )
            if parent_id is None:
                leaf = conn.execute(
                    "SELECT max(id) FROM messages WHERE conversation_id = ?", (conversation_id,)
                ).fetchone()[0]
            else:
                leaf = conn.execute(
                    "WITH RECURSIVE below(id) AS (SELECT ? UNION ALL"
                    " SELECT m.id FROM messages m JOIN below ON m.parent_id = below.id)"
                    " SELECT max(id) FROM below",
                    (parent_id,),
                ).fetchone()[0]
            conn.execute(
                "UPDATE conversations SET current_leaf_id = ?, updated_at = ? WHERE id = ?",
                (leaf, time.time(), conversation_id),
            )
        return None if leaf is None else int(leaf)

    @_guarded
    def conversation_cost(self, conversation_id: int) -> float:
        """Dollars spent on every answer in the conversation, all branches included."""
        row = (
            self._conn()
            .execute(
                "SELECT coalesce(sum(cost_usd), 0) FROM messages WHERE conversation_id = ?",
                (conversation_id,),
            )
            .fetchone()
        )
        return float(row[0])

    @_guarded
    def spent_since(self, since: float) -> float:
        """Dollars spent on answers made since this Unix time, in every conversation (the
        monthly budget: budget.month_start)."""
        row = (
            self._conn()
            .execute(
                "SELECT coalesce(sum(cost_usd), 0) FROM messages WHERE created_at >= ?", (since,)
            )
            .fetchone()
        )
        return float(row[0])

    @_guarded
    def recover_interrupted(self, alive: Callable[[str], bool] = writers.is_alive) -> int:
        """At start-up: answers left 'streaming' by a process that is gone (a crash, a kill)
        become 'interrupted', their text kept; answers another process is still streaming are
        left alone. `alive(writer)` judges a writer token. Returns how many were recovered."""
        rows = (
            self._conn()
            .execute("SELECT id, writer FROM messages WHERE status = 'streaming'")
            .fetchall()
        )
        gone = [mid for mid, writer in rows if writer is None or not alive(writer)]
        if not gone:
            return 0
        with self._write() as conn:
            cur = conn.executemany(
                "UPDATE messages SET status = 'interrupted', error = coalesce(error, ?)"
                " WHERE id = ? AND status = 'streaming'",
                [(INTERRUPTED_NOTE, mid) for mid in gone],
            )
        return cur.rowcount

    @_guarded
    def message(self, message_id: int) -> StoredMessage:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {MSG_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise self._missing("message")
            images = self._images_of(conn, "mi.message_id = ?", message_id)
        return message_from_row(row, images.get(message_id, ()))

    def _images_of(
        self, conn: sqlite3.Connection, where: str, arg: int
    ) -> dict[int, tuple[StoredImage, ...]]:
        found: dict[int, list[StoredImage]] = {}
        for row in conn.execute(
            "SELECT mi.message_id, i.sha256, i.mime, i.width, i.height, i.byte_size, mi.tokens"
            " FROM message_images mi JOIN images i ON i.sha256 = mi.sha256"
            f" WHERE {where} ORDER BY mi.message_id, mi.position",
            (arg,),
        ):
            found.setdefault(row[0], []).append(StoredImage(*row[1:]))
        return {k: tuple(v) for k, v in found.items()}

    @_guarded
    def all_messages(self, conversation_id: int) -> list[StoredMessage]:
        """Every message of every branch, oldest first (for export)."""
        return self._tree(conversation_id, None, whole=True)

    @_guarded
    def branch(self, conversation_id: int, leaf_id: int | None = None) -> list[StoredMessage]:
        """The messages from the first question to `leaf_id` (default: the conversation's
        current leaf, or its newest message), each with its position among its siblings."""
        return self._tree(conversation_id, leaf_id, whole=False)

    def _tree(
        self, conversation_id: int, leaf_id: int | None, *, whole: bool
    ) -> list[StoredMessage]:
        with self._read() as conn:
            head = conn.execute(
                "SELECT current_leaf_id FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if head is None:
                raise self._missing("conversation")
            rows = conn.execute(
                f"SELECT {MSG_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
            images = self._images_of(
                conn,
                "mi.message_id IN (SELECT id FROM messages WHERE conversation_id = ?)",
                conversation_id,
            )
        return assemble_branch(
            rows, images, leaf_id if leaf_id is not None else head[0], whole=whole
        )

    @_guarded
    def siblings(self, message_id: int) -> list[StoredMessage]:
        """The versions of a message: it and every message with the same parent, oldest first."""
        rows = (
            self._conn()
            .execute(
                f"SELECT {MSG_COLUMNS} FROM messages WHERE parent_id IS"
                " (SELECT parent_id FROM messages WHERE id = :id) AND conversation_id ="
                " (SELECT conversation_id FROM messages WHERE id = :id) ORDER BY id",
                {"id": message_id},
            )
            .fetchall()
        )
        if not rows:
            raise self._missing("message")
        return [message_from_row(r, (), i, len(rows)) for i, r in enumerate(rows)]

    @_guarded
    def select_branch(self, message_id: int) -> int:
        """Show the branch through `message_id` (e.g. a sibling picked with < >): the newest
        leaf below it becomes the conversation's current leaf, which is returned."""
        with self._write() as conn:
            row = conn.execute(
                "WITH RECURSIVE below(id) AS (SELECT ? UNION ALL"
                " SELECT m.id FROM messages m JOIN below ON m.parent_id = below.id)"
                " SELECT max(below.id), m.conversation_id FROM below"
                " JOIN messages m ON m.id = ?",
                (message_id, message_id),
            ).fetchone()
            if row is None or row[1] is None:
                raise self._missing("message")
            conn.execute(
                "UPDATE conversations SET current_leaf_id = ? WHERE id = ?", (row[0], row[1])
            )
        return int(row[0])

    # ---- images ----------------------------------------------------------------------------

    @_guarded
    def image_data(self, sha256: str) -> bytes:
        row = self._conn().execute("SELECT data FROM images WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise HistoryError("That image is no longer in the history.", reason="missing")
        return bytes(row[0])

    @_guarded
    def thumbnail(self, sha256: str) -> tuple[bytes, str] | None:
        """(bytes, mime) of a small JPEG preview, or None when none could be made."""
        row = (
            self._conn()
            .execute("SELECT thumb, thumb_mime FROM images WHERE sha256 = ?", (sha256,))
            .fetchone()
        )
        if row is None or row[0] is None:
            return None
        return bytes(row[0]), str(row[1])

    # ---- search and context ----------------------------------------------------------------

    @_guarded
    def search(
        self,
        query: str,
        *,
        limit: int = 50,
        markers: tuple[str, str] = ("«", "»"),
        conversation_id: int | None = None,
    ) -> list[SearchHit]:
        """Messages matching what the user typed (any text is safe; the last word matches as a
        prefix), best first, each with a snippet whose matches sit between `markers`."""
        return fts.search(
            self._conn(), query, limit=limit, markers=markers, conversation_id=conversation_id
        )

    @_guarded
    def build_context(
        self,
        conversation_id: int,
        leaf_message_id: int | None,
        system_prompt: str,
        model_id: str,
        new_user_message: Message | None = None,
        new_image_tokens: Sequence[int] | None = None,
    ) -> tuple[tuple[Message, ...], int]:
        """The messages to send for a follow-up, and how many of the oldest turns were left out
        to fit the model's context window (tell the user when it is not 0)."""
        return build_context(
            self,
            conversation_id,
            leaf_message_id,
            system_prompt,
            model_id,
            new_user_message,
            new_image_tokens,
        )


def _thumbnail(data: bytes) -> tuple[bytes, str, int, int] | None:
    # Pillow loads with the first image saved, not when the history opens.
    from askshot.core.images import thumbnail_jpeg

    return thumbnail_jpeg(data)
