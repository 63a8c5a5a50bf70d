"""The history file over time: migration from versions 1 and 2, refusing a newer file, setting a
damaged one aside."""

from __future__ import annotations

import io
import os
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from askshot.core.errors import HistoryError
from askshot.core.history import Store
from askshot.core.history.schema import SCHEMA_V2, SCHEMA_VERSION
from askshot.core.paths import Paths

# Version 1, written out by hand: a flat message list with one inline PNG per message.
V1_SCHEMA = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    pinned INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    model TEXT,
    effort TEXT,
    status TEXT NOT NULL DEFAULT 'done',
    error TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    reasoning_tokens INTEGER,
    cached_tokens INTEGER,
    cost_usd REAL,
    created_at REAL NOT NULL,
    image_png BLOB
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
PRAGMA user_version = 1;
"""


def db_path() -> Path:
    return Paths.from_env().data / "history.sqlite3"


def png(size: tuple[int, int] = (300, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "purple").save(buf, "PNG")
    return buf.getvalue()


def make_v1(path: Path, *, dangling: bool = False) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = png()
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.execute(
        "INSERT INTO conversations VALUES (1, 'Old chat', 10, 20, 'o4-mini', 'Be terse.', 1)"
    )
    conn.execute("INSERT INTO conversations VALUES (2, 'Other', 30, 40, 'o4-mini', '', 0)")
    rows = [
        (1, 1, "user", "What is in this screenshot?", None, None, "done", None, 10.0, image),
        (2, 1, "assistant", "A purple rectangle.", "o4-mini", "low", "done", None, 11.0, None),
        (3, 2, "user", "Unrelated question", None, None, "done", None, 30.0, image),
        (4, 1, "user", "And the colour code?", None, None, "done", None, 12.0, None),
        (
            5,
            1,
            "assistant",
            "Probably #800080",
            "o4-mini",
            "low",
            "cancelled",
            "Stopped.",
            13.0,
            None,
        ),
    ]
    if dangling:
        rows.append((6, 99, "user", "orphan", None, None, "done", None, 14.0, None))
    conn.executemany(
        "INSERT INTO messages (id, conversation_id, role, text, model, effort, status, error,"
        " created_at, image_png) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("UPDATE messages SET prompt_tokens = 900, completion_tokens = 40 WHERE id = 2")
    conn.commit()
    conn.close()
    return image


def test_migrates_a_version_1_file_after_a_backup() -> None:
    path = db_path()
    image = make_v1(path)
    v1_bytes = path.read_bytes()

    with Store.open() as store:
        conv = store.conversation(1)
        assert (conv.title, conv.system_prompt, conv.pinned) == ("Old chat", "Be terse.", True)
        branch = store.branch(1)
        assert [m.id for m in branch] == [1, 2, 4, 5]
        assert [m.parent_id for m in branch] == [None, 1, 2, 4]
        assert branch[1].usage is not None and branch[1].usage.prompt_tokens == 900
        assert (branch[3].status, branch[3].error) == ("cancelled", "Stopped.")
        assert [m.error_kind for m in branch] == [None, None, None, None]
        first = branch[0]
        assert len(first.images) == 1
        assert (first.images[0].width, first.images[0].height) == (300, 200)
        assert store.image_data(first.images[0].sha256) == image
        assert store.thumbnail(first.images[0].sha256) is not None
        assert store._conn().execute("SELECT count(*) FROM images").fetchone()[0] == 1  # shared
        assert [h.message_id for h in store.search("purple")] == [2]
        assert store._conn().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert "error_kind" in columns(store._conn(), "messages")
        # new rows continue after the old ids, and keep the kind of a failure
        q = store.add_user_message(1, "new question", parent_id=5)
        assert q > 5
        r = store.begin_reply(1, q, "o4-mini")
        store.finish_reply(r, "failed", error="Quota used up.", error_kind="quota")
        assert store.message(r).error_kind == "quota"

    backup = path.with_name("history.sqlite3.v1.bak")
    assert backup.exists()
    check = sqlite3.connect(backup)
    try:
        assert check.execute("PRAGMA user_version").fetchone()[0] == 1
        assert check.execute("SELECT count(*) FROM messages").fetchone()[0] == 5
        assert check.execute("SELECT image_png FROM messages WHERE id = 1").fetchone()[0] == image
    finally:
        check.close()
    if os.name == "posix":
        assert (backup.stat().st_mode & 0o777) == 0o600
    assert len(v1_bytes) > 0
    # 1 -> 2 -> 3 in one go: one copy, of the file as it was
    assert sorted(p.name for p in path.parent.glob("*.bak")) == ["history.sqlite3.v1.bak"]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def make_v2(path: Path, *, dangling: bool = False) -> bytes:
    """A version 2 file as Askshot 2 wrote it: a question with a screenshot, a failed answer
    (partial text and the sentence, no kind) and a cancelled one on a second branch."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = png((64, 48))
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_V2)
    conn.execute("PRAGMA user_version = 2")
    conn.execute(
        "INSERT INTO conversations VALUES (1, 'Retired model', 10, 20, 'o4-mini', '', 0, 3)"
    )
    conn.executemany(
        "INSERT INTO messages (id, conversation_id, parent_id, role, text, model, status, error,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1, 1, None, "user", "What is on screen?", None, "done", None, 10.0),
            (2, 1, 1, "assistant", "A", "o4-mini", "cancelled", "Stopped.", 11.0),
            (3, 1, 1, "assistant", "Half an answ", "o4-mini", "failed", "Model retired.", 12.0),
        ],
    )
    conn.execute(
        "INSERT INTO images (sha256, mime, width, height, byte_size, created_at, data)"
        " VALUES ('abc', 'image/png', 64, 48, ?, 10.0, ?)",
        (len(image), image),
    )
    conn.execute("INSERT INTO message_images VALUES (1, 0, 'abc', 100)")
    if dangling:  # only possible with foreign keys off, as here (sqlite3's default)
        conn.execute(
            "INSERT INTO messages (id, conversation_id, role, text, created_at)"
            " VALUES (4, 99, 'user', 'orphan', 13.0)"
        )
    conn.commit()
    conn.close()
    return image


def test_migrates_a_version_2_file_after_a_backup_keeping_every_row() -> None:
    path = db_path()
    image = make_v2(path)

    with Store.open() as store:
        conn = store._conn()
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
        assert columns(conn, "messages")[-3:] == ["error_kind", "writer", "finish_reason"]
        kinds = conn.execute("SELECT id, error_kind FROM messages ORDER BY id").fetchall()
        assert kinds == [(1, None), (2, None), (3, None)]  # every row kept; no kind known
        branch = store.branch(1)
        assert [(m.id, m.text, m.status, m.error, m.error_kind) for m in branch] == [
            (1, "What is on screen?", "done", None, None),
            (3, "Half an answ", "failed", "Model retired.", None),
        ]
        assert (branch[1].sibling_index, branch[1].sibling_count) == (1, 2)
        assert store.message(2).error == "Stopped."
        assert store.image_data(branch[0].images[0].sha256) == image
        assert [h.message_id for h in store.search("answ")] == [3]  # the FTS index still works
        r = store.begin_reply(1, 1, "o4-mini")
        store.finish_reply(r, "failed", error="Model retired.", error_kind="model_not_found")
        assert store.message(r).error_kind == "model_not_found"

    backup = path.with_name("history.sqlite3.v2.bak")
    assert sorted(p.name for p in path.parent.glob("*.bak")) == [backup.name]
    check = sqlite3.connect(backup)
    try:
        assert check.execute("PRAGMA user_version").fetchone()[0] == 2
        assert "error_kind" not in columns(check, "messages")
        assert check.execute("SELECT count(*) FROM messages").fetchone()[0] == 3
    finally:
        check.close()
    if os.name == "posix":
        assert (backup.stat().st_mode & 0o777) == 0o600

    with Store.open() as store:  # opening again: nothing more to do, no second copy
        assert store.message(r).error_kind == "model_not_found"
    assert sorted(p.name for p in path.parent.glob("*.bak")) == [backup.name]


def test_a_version_2_file_that_lived_with_an_orphan_row_still_opens() -> None:
    """Adding a column breaks no reference: the 2 -> 3 upgrade must not refuse a file over a
    row version 2 was using happily (left behind by a delete with foreign keys off)."""
    path = db_path()
    make_v2(path, dangling=True)
    with Store.open() as store:
        conn = store._conn()
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 4  # all kept
    assert (path.parent / "history.sqlite3.v2.bak").exists()


def test_a_backup_that_cannot_be_written_leaves_the_file_and_no_half_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = db_path()
    make_v2(path)

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("askshot.core.history.schema.os.replace", disk_full)
    with pytest.raises(HistoryError) as err:
        Store.open()
    assert err.value.reason == "migration"
    assert "No space left on device" in err.value.message
    assert "left as it was" in err.value.message
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert "error_kind" not in columns(conn, "messages")
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 3
    finally:
        conn.close()
    assert sorted(p.name for p in path.parent.iterdir() if "bak" in p.name) == []


def test_a_new_file_starts_at_the_current_version_without_a_backup() -> None:
    path = db_path()
    with Store.open() as store:
        conn = store._conn()
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert "error_kind" in columns(conn, "messages")
        c = store.create_conversation()
        r = store.begin_reply(c, store.add_user_message(c, "q"), "o4-mini")
        assert store.message(r).error_kind is None
    assert list(path.parent.glob("*.bak")) == []


def test_a_failed_migration_changes_nothing_and_says_where_the_copy_is() -> None:
    path = db_path()
    make_v1(path, dangling=True)  # a message whose conversation is gone: fails the FK check
    with pytest.raises(HistoryError) as err:
        Store.open()
    assert err.value.reason == "migration"
    assert "history.sqlite3.v1.bak" in err.value.message
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 6
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "images" not in tables
    finally:
        conn.close()


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_newer_file_is_refused_and_left_byte_for_byte(journal: str) -> None:
    path = db_path()
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.execute("CREATE TABLE future (x)")
    conn.execute("INSERT INTO future VALUES ('from the future')")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    names_before = sorted(p.name for p in path.parent.iterdir())

    with pytest.raises(HistoryError) as err:
        Store.open()
    assert err.value.reason == "newer"
    assert "newer version of Askshot" in err.value.message
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == names_before


def test_a_file_of_another_program_is_refused_untouched() -> None:
    path = db_path()
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError) as err:
        Store.open()
    assert err.value.reason == "foreign"
    conn = sqlite3.connect(path)
    try:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]
    finally:
        conn.close()


def _healthy_file_with_a_question() -> Path:
    with Store.open() as store:
        c = store.create_conversation("keep me")
        store.add_user_message(c, "precious words " * 2000)
    return db_path()


def _assert_moved_aside(store: Store, original: bytes) -> None:
    assert store.moved_aside is not None
    assert store.moved_aside.name.startswith("history.sqlite3.corrupt-")
    assert store.moved_aside.read_bytes() == original
    assert store.notice is not None and str(store.moved_aside) in store.notice
    assert store.count_conversations() == 0
    c = store.create_conversation("fresh")
    assert store.conversation(c).title == "fresh"


def test_random_bytes_are_set_aside_and_a_new_history_started() -> None:
    path = db_path()
    path.parent.mkdir(parents=True)
    junk = os.urandom(8192)
    path.write_bytes(junk)
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"stale wal")
    with Store.open() as store:
        _assert_moved_aside(store, junk)
        assert store.moved_aside is not None
        kept_wal = store.moved_aside.with_name(store.moved_aside.name + "-wal")
        assert kept_wal.read_bytes() == b"stale wal"


def test_a_valid_header_over_garbage_pages_is_set_aside() -> None:
    path = _healthy_file_with_a_question()
    data = bytearray(path.read_bytes())
    data[100:] = os.urandom(len(data) - 100)  # keep the 100-byte header, wreck every page
    path.write_bytes(bytes(data))
    with Store.open() as store:
        _assert_moved_aside(store, bytes(data))


def test_damage_found_later_is_checked_and_set_aside_at_the_next_start() -> None:
    path = _healthy_file_with_a_question()
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start : start + page_size] = b"\xff" * page_size  # the messages table's root page
    path.write_bytes(bytes(data))

    store = Store.open()  # the schema (page 1) still reads fine
    try:
        assert store.moved_aside is None
        with pytest.raises(HistoryError) as err:
            store.branch(1)
        assert err.value.reason == "corrupt"
        assert "damaged" in err.value.message
    finally:
        store.close()
    assert path.with_name(path.name + ".damaged").exists()
    with Store.open() as store:
        assert store.moved_aside is not None
        assert store.count_conversations() == 0
    assert not path.with_name(path.name + ".damaged").exists()


def test_a_version_3_file_gains_writers_and_its_old_streaming_rows_are_recovered(
    tmp_path: Path,
) -> None:
    """v3 -> v4 adds `messages.writer`; a row left streaming by a v3 Askshot has no writer and
    is recovered as before."""
    path = tmp_path / "history.sqlite3"
    with Store(path) as store:
        c = store.create_conversation()
        r = store.begin_reply(c, store.add_user_message(c, "q"), "o4-mini")
        store.update_reply_text(r, "partial")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE messages SET writer = NULL")
    conn.execute("ALTER TABLE messages DROP COLUMN finish_reason")
    conn.execute("ALTER TABLE messages DROP COLUMN writer")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store._conn().execute("PRAGMA user_version").fetchone()[0] == 5
        assert path.with_name(path.name + ".v3.bak").exists()
        assert store.recover_interrupted() == 1
        assert (store.message(r).status, store.message(r).text) == ("interrupted", "partial")


def test_a_version_4_file_gains_finish_reasons_and_its_answers_stay(tmp_path: Path) -> None:
    """v4 -> v5 adds `messages.finish_reason`: older answers read as not known (no Continue);
    new ones record why the model stopped."""
    path = tmp_path / "history.sqlite3"
    with Store(path) as store:
        c = store.create_conversation()
        q = store.add_user_message(c, "q")
        r = store.begin_reply(c, q, "o4-mini")
        store.finish_reply(r, "done", text="an old answer")
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE messages DROP COLUMN finish_reason")
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store._conn().execute("PRAGMA user_version").fetchone()[0] == 5
        assert path.with_name(path.name + ".v4.bak").exists()
        old = store.message(r)
        assert (old.text, old.finish_reason, old.cut_off) == ("an old answer", None, False)
        r2 = store.begin_reply(c, q, "o4-mini")
        store.finish_reply(r2, "done", text="cut", finish_reason="length")
        assert store.message(r2).cut_off
