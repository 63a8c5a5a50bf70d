"""The history's schema and its migrations (each run in one transaction after a backup copy).

Schema history (PRAGMA user_version):
  1  conversations + a flat messages list; one optional PNG per message in `messages.image_png`;
     no branches, no timings, no full-text search.
  2  messages form a tree (`parent_id`) and each conversation remembers its chosen leaf;
     time to first token and total time; images stored once by SHA-256 with a thumbnail and a
     link table; FTS5 over message text.
  3  `messages.error_kind`: the kind of error a failed answer ended with ("auth", "quota",
     "model_not_found", ... as in AskshotError.kind; NULL for older rows and for answers that
     did not fail), so a reopened conversation offers the same fix as the live failure did.
  4  `messages.writer`: which process is streaming an answer (core.history.writers), so a
     start-up marks as interrupted only the answers whose writer is gone (NULL for older rows).
  5  `messages.finish_reason`: why the model stopped ("stop", "length", ...), so an answer cut
     off at the output limit offers Continue, also when reopened (NULL for older rows).

A new file is created from SCHEMA_V2 and brought up to SCHEMA_VERSION by the migrations after
version 2 (no backup: there is nothing to keep); an older file is copied first, then migrated.
SCHEMA_V2 stays exactly as version 2 was: the 1 -> 2 migration builds its tables from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
from pathlib import Path

from askshot.core.errors import HistoryError
from askshot.core.estimate import default_image_tokens
from askshot.core.history.records import error_reason

SCHEMA_VERSION = 5

# Image bytes live in the database as BLOBs, not as files beside it: a screenshot is saved in
# the same transaction as the message that carries it (no half-written file, no orphan after a
# crash), deleting a conversation removes its unused images in that same transaction (a trigger),
# and the whole history is one file to back up, move or export. Screenshots are small (tens to a
# few hundred KB), where SQLite reads BLOBs about as fast as the file system. The `data` column
# comes last so reading the metadata or the thumbnail never walks its overflow pages.
SCHEMA_V2 = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    current_leaf_id INTEGER  -- no foreign key: an id that is gone falls back to the newest leaf
);
CREATE INDEX conversations_by_list_order ON conversations (pinned DESC, updated_at DESC, id DESC);

-- parent_id has no ON DELETE CASCADE on purpose: a cascade down a long chain of replies would
-- recurse once per message and hit SQLite's trigger depth limit (1000). Deleting a conversation
-- deletes all its messages in one statement instead, and deleting one message that still has
-- replies fails rather than silently dropping a branch.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES messages (id),
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    text TEXT NOT NULL DEFAULT '',
    model TEXT,
    effort TEXT,
    status TEXT NOT NULL DEFAULT 'done'
        CHECK (status IN ('done', 'streaming', 'cancelled', 'failed', 'interrupted')),
    error TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    reasoning_tokens INTEGER,
    cached_tokens INTEGER,
    cost_usd REAL,
    ttft_ms INTEGER,
    total_ms INTEGER,
    created_at REAL NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
CREATE INDEX messages_by_parent ON messages (parent_id);
CREATE INDEX messages_streaming ON messages (id) WHERE status = 'streaming';

CREATE TABLE images (
    sha256 TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    byte_size INTEGER NOT NULL,
    thumb_mime TEXT,
    thumb BLOB,
    created_at REAL NOT NULL,
    data BLOB NOT NULL
);
-- tokens: the caller's estimate of what this image costs in a request (it depends on the model).
CREATE TABLE message_images (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sha256 TEXT NOT NULL REFERENCES images (sha256),
    tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, position)
) WITHOUT ROWID;
CREATE INDEX message_images_by_sha256 ON message_images (sha256);
CREATE TRIGGER images_drop_unused AFTER DELETE ON message_images
WHEN NOT EXISTS (SELECT 1 FROM message_images WHERE sha256 = OLD.sha256)
BEGIN
    DELETE FROM images WHERE sha256 = OLD.sha256;
END;
-- The index follows every change of a message's text, also the ~1 s saves while an answer
-- streams: each save re-indexes that one message (delete + insert of its text, well under a
-- millisecond for a long answer) and interrupted answers stay searchable with no extra step.
-- prefix = '2 3' keeps 2- and 3-letter prefix lookups (the first keystrokes of a word) fast, for
-- about a third more index.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (NEW.id, NEW.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
    INSERT INTO messages_fts (rowid, text) VALUES (NEW.id, NEW.text);
END;
"""


def chmod_private(path: Path) -> None:
    """0600 on POSIX (a no-op elsewhere and for files that do not exist)."""
    if os.name == "posix":
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o600)


def create_private(path: Path) -> None:
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    chmod_private(path)


def sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


# ---- creating and migrating ------------------------------------------------------------------


def _backup(path: Path, version: int) -> Path:
    """Copy the file with SQLite's backup API to `<name>.v<version>.bak`. Called while the
    caller holds the write lock, through a connection of its own (a connection cannot be the
    source of a backup while it is inside a write transaction): nobody can change the file
    meanwhile, and the copy is the committed state."""
    target = path.with_name(f"{path.name}.v{version}.bak")
    tmp = path.with_name(target.name + ".tmp")
    try:
        tmp.unlink(missing_ok=True)
        create_private(tmp)
        src = sqlite3.connect(path)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        os.replace(tmp, target)
        chmod_private(target)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)  # no half copy left behind (a full disk, say)
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise HistoryError(
            f"The history file {path} needs an upgrade for this version of Askshot, but the "
            f"copy made before upgrading could not be written ({detail}). The file was left as "
            "it was; free some disk space and start Askshot again.",
            reason="migration",
            path=path,
        ) from exc
    return target


def newer_error(path: Path, version: int) -> HistoryError:
    return HistoryError(
        f"The history file {path} was written by a newer version of Askshot (history format "
        f"{version}; this version reads up to {SCHEMA_VERSION}). Update Askshot to open it; the "
        "file was left untouched.",
        reason="newer",
        path=path,
    )


def upgrade(conn: sqlite3.Connection, path: Path) -> None:
    """Create the schema in a new file, or migrate an old one inside one transaction after a
    backup copy. Everything is decided under the write lock, so a second process opening the
    file at the same moment waits, then finds the work done."""
    backup: Path | None = None
    conn.execute("PRAGMA foreign_keys = OFF")  # table rebuilds; checked before COMMIT below
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current > SCHEMA_VERSION:
                raise newer_error(path, current)
            if current == 0:
                if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
                    raise HistoryError(
                        f"The file {path} is an SQLite database but not an Askshot history; it "
                        "was left untouched.",
                        reason="foreign",
                        path=path,
                    )
                # a new file: version 2 as written out above, then the later migrations (no
                # backup: there is nothing to keep)
                for statement in _statements(SCHEMA_V2):
                    conn.execute(statement)
                current = 2
            elif current < SCHEMA_VERSION:
                backup = _backup(path, current)
            started = current
            # (current == SCHEMA_VERSION: another process did the work while we waited)
            while current < SCHEMA_VERSION:
                MIGRATIONS[current](conn)
                current += 1
            if (
                backup is not None
                and _REBUILDS & set(range(started, SCHEMA_VERSION))
                and conn.execute("PRAGMA foreign_key_check").fetchone()
            ):
                raise sqlite3.IntegrityError("foreign key check failed after migration")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        if backup is None or error_reason(exc) in ("busy", "full", "readonly", "io"):
            raise
        raise HistoryError(
            f"The history file {path} could not be upgraded to this version of Askshot ({exc}). "
            f"It was left as it was; a copy is at {backup}.",
            reason="migration",
            path=path,
        ) from exc
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _statements(script: str) -> list[str]:
    """Split a script into statements (sqlite3.complete_statement knows about BEGIN...END)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    conn.execute("DROP INDEX IF EXISTS messages_by_conversation")
    conn.execute("ALTER TABLE messages RENAME TO messages_v1")
    conn.execute("ALTER TABLE conversations ADD COLUMN current_leaf_id INTEGER")
    for statement in _statements(SCHEMA_V2):
        if statement.startswith("CREATE TABLE conversations"):
            continue
        conn.execute(statement)
    # v1 was a flat list: each message's parent is the one before it in the same conversation.
    # The FTS insert trigger indexes each copied row.
    conn.execute(
        """INSERT INTO messages (id, conversation_id, parent_id, role, text, model, effort,
               status, error, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens,
               cost_usd, created_at)
           SELECT id, conversation_id,
               LAG(id) OVER (PARTITION BY conversation_id ORDER BY id),
               CASE WHEN role IN ('system', 'user', 'assistant') THEN role ELSE 'user' END,
               coalesce(text, ''), model, effort,
               CASE WHEN status IN ('done', 'streaming', 'cancelled', 'failed') THEN status
                    ELSE 'done' END,
               error, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens,
               cost_usd, created_at
           FROM messages_v1 ORDER BY id"""
    )
    from askshot.core.images import thumbnail_jpeg  # Pillow: only for this rare upgrade

    ids = [r[0] for r in conn.execute("SELECT id FROM messages_v1 WHERE image_png IS NOT NULL")]
    for message_id in ids:  # one image in memory at a time
        (data,) = conn.execute(
            "SELECT image_png FROM messages_v1 WHERE id = ?", (message_id,)
        ).fetchone()
        data = bytes(data)
        thumb = thumbnail_jpeg(data)
        width, height = (thumb[2], thumb[3]) if thumb else (0, 0)
        sha = hashlib.sha256(data).hexdigest()
        conn.execute(
            "INSERT OR IGNORE INTO images (sha256, mime, width, height, byte_size, thumb_mime,"
            " thumb, created_at, data) VALUES (?, 'image/png', ?, ?, ?, ?, ?, ?, ?)",
            (
                sha,
                width,
                height,
                len(data),
                thumb[1] if thumb else None,
                thumb[0] if thumb else None,
                time.time(),
                data,
            ),
        )
        conn.execute(
            "INSERT INTO message_images (message_id, position, sha256, tokens) VALUES (?, 0, ?, ?)",
            (message_id, sha, default_image_tokens(width, height) if thumb else 0),
        )
    conn.execute("DROP TABLE messages_v1")


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    # Nullable with no default: SQLite only rewrites the schema, not the rows, and old rows read
    # as NULL (no kind known: a reopened failure offers Retry alone, as before).
    conn.execute("ALTER TABLE messages ADD COLUMN error_kind TEXT")


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    # Nullable: an old 'streaming' row has no known writer and is recovered as before.
    conn.execute("ALTER TABLE messages ADD COLUMN writer TEXT")


def _v4_to_v5(conn: sqlite3.Connection) -> None:
    # Nullable: an older answer's reason is not known (it offers no Continue, as before).
    conn.execute("ALTER TABLE messages ADD COLUMN finish_reason TEXT")


MIGRATIONS = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5}
# Migrations that copy rows into rebuilt tables: checked for broken references afterwards. Adding
# a column cannot break one, and a file that lived with an orphan row keeps opening.
_REBUILDS = {1}
