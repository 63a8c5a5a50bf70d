"""The history store: conversations, messages, branches, images, streaming saves, errors, and
two processes (or a kill) at the same time as the app."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from askshot.core.errors import AskshotError, HistoryError
from askshot.core.history import NewImage, ReplySaver, Store, title_from
from askshot.core.types import Usage
from tests.helpers import ROOT

REPO = ROOT


def png(color: str = "red", size: tuple[int, int] = (640, 480)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store.open()
    yield s
    s.close()


def count(store: Store, table: str) -> int:
    return int(store._conn().execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# ---- the file --------------------------------------------------------------------------------


def test_opens_under_askshot_home_with_wal_and_safe_settings(
    store: Store, askshot_home: Path
) -> None:
    assert store.path == askshot_home / "data" / "history.sqlite3"
    conn = store._conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
    columns = {r[1] for r in conn.execute("PRAGMA table_info(messages)")}
    assert {"error_kind", "writer", "finish_reason"} <= columns
    assert store.moved_aside is None and store.notice is None


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_directory_is_0700_and_files_0600(store: Store) -> None:
    store.create_conversation("x")  # makes -wal and -shm exist
    assert (store.path.parent.stat().st_mode & 0o777) == 0o700
    files = [store.path, *(store.path.with_name(store.path.name + s) for s in ("-wal", "-shm"))]
    for f in files:
        assert f.exists(), f
        assert (f.stat().st_mode & 0o777) == 0o600, f


# ---- conversations ---------------------------------------------------------------------------


def test_conversations_list_newest_first_pinned_on_top_and_paged(store: Store) -> None:
    ids = [store.create_conversation(f"c{i}") for i in range(5)]
    q = store.add_user_message(ids[1], "makes c1 the most recent")
    assert q > 0
    store.pin_conversation(ids[3])
    titles = [c.title for c in store.list_conversations()]
    assert titles == ["c3", "c1", "c4", "c2", "c0"]
    assert [c.title for c in store.list_conversations(limit=2, offset=2)] == ["c4", "c2"]
    assert store.count_conversations() == 5
    store.pin_conversation(ids[3], pinned=False)
    store.rename_conversation(ids[0], "  renamed  ")
    assert store.conversation(ids[0]).title == "renamed"
    store.delete_conversation(ids[0])
    assert store.count_conversations() == 4
    with pytest.raises(HistoryError) as err:
        store.rename_conversation(ids[0], "gone")
    assert err.value.reason == "missing"


@pytest.mark.parametrize(
    ("text", "has_images", "expected"),
    [
        ("What is this?", False, "What is this?"),
        ("\n  Explain this error.  Then fix it.\nMore", False, "Explain this error."),
        ("", True, "Screenshot"),
        ("   ", True, "Screenshot"),
        (
            "Why does my program crash whenever I open the settings window on a second monitor",
            False,
            "Why does my program crash whenever I open the settings…",
        ),
        ("x" * 80, False, "x" * 59 + "…"),
    ],
)
def test_title_from_first_question(text: str, has_images: bool, expected: str) -> None:
    title = title_from(text, has_images)
    assert title == expected
    assert len(title) <= 60


def test_first_question_titles_an_untitled_conversation_only(store: Store) -> None:
    c = store.create_conversation()
    q = store.add_user_message(c, "", [NewImage(png(), "image/png", 640, 480)])
    assert store.conversation(c).title == "Screenshot"
    store.add_user_message(c, "A later question", parent_id=q)
    assert store.conversation(c).title == "Screenshot"
    named = store.create_conversation("Mine")
    store.add_user_message(named, "Question")
    assert store.conversation(named).title == "Mine"


# ---- images ----------------------------------------------------------------------------------


def test_images_are_stored_once_with_a_thumbnail(store: Store) -> None:
    data = png("blue", (1200, 800))
    c = store.create_conversation()
    a = store.add_user_message(c, "one", [NewImage(data, "image/png", 1200, 800, tokens=765)])
    b = store.add_user_message(
        c,
        "two",
        [NewImage(data, "image/png", 1200, 800), NewImage(png(), "image/png", 640, 480)],
        parent_id=a,
    )
    assert count(store, "images") == 2
    assert count(store, "message_images") == 3
    first, second = store.message(a), store.message(b)
    assert first.images[0].sha256 == second.images[0].sha256
    assert first.images[0].tokens == 765
    assert second.images[0].tokens > 0  # a cautious guess when none was given
    assert [i.width for i in second.images] == [1200, 640]
    assert store.image_data(first.images[0].sha256) == data
    thumb = store.thumbnail(first.images[0].sha256)
    assert thumb is not None and thumb[1] == "image/jpeg"
    with Image.open(io.BytesIO(thumb[0])) as im:
        assert max(im.size) <= 256


def test_deleting_conversations_leaves_nothing_orphaned(store: Store) -> None:
    shared, own = png("green"), png("yellow")
    c1, c2 = store.create_conversation("a"), store.create_conversation("b")
    q1 = store.add_user_message(
        c1, "alpha", [NewImage(shared, "image/png", 640, 480), NewImage(own, "image/png", 640, 480)]
    )
    r1 = store.begin_reply(c1, q1, "o4-mini")
    store.finish_reply(r1, "done", text="alpha answer")
    store.begin_reply(c1, q1, "o4-mini")  # a second branch
    store.add_user_message(c2, "beta", [NewImage(shared, "image/png", 640, 480)])

    store.delete_conversation(c1)
    assert count(store, "images") == 1  # the shared one is still used by c2
    assert count(store, "messages") == 1
    assert store.search("alpha") == []
    store.delete_conversation(c2)
    for table in ("conversations", "messages", "images", "message_images"):
        assert count(store, table) == 0, table
    conn = store._conn()
    assert conn.execute("SELECT count(*) FROM messages_fts_docsize").fetchone()[0] == 0
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")


def test_deleting_a_very_long_conversation_does_not_recurse(store: Store) -> None:
    c = store.create_conversation()
    parent = None
    conn = store._conn()
    conn.execute("BEGIN")
    for i in range(1500):
        parent = conn.execute(
            "INSERT INTO messages (conversation_id, parent_id, role, text, created_at)"
            " VALUES (?, ?, 'user', ?, 0)",
            (c, parent, f"m{i}"),
        ).lastrowid
    conn.execute("COMMIT")
    store.delete_conversation(c)
    assert count(store, "messages") == 0


# ---- branches --------------------------------------------------------------------------------


def test_regenerate_and_edit_make_siblings_and_never_overwrite(store: Store) -> None:
    c = store.create_conversation()
    q1 = store.add_user_message(c, "first question")
    a1 = store.begin_reply(c, q1, "o4-mini", "medium")
    store.finish_reply(a1, "done", text="first answer")
    q2 = store.add_user_message(c, "follow-up", parent_id=a1)
    a2 = store.begin_reply(c, q2, "o4-mini")
    store.finish_reply(a2, "done", text="follow-up answer")

    a1b = store.begin_reply(c, q1, "o4-mini", "high")  # regenerate the first answer
    store.finish_reply(a1b, "done", text="first answer, again")
    assert [m.id for m in store.branch(c)] == [q1, a1b]
    assert [m.text for m in store.siblings(a1)] == ["first answer", "first answer, again"]
    last = store.branch(c)[-1]
    assert (last.sibling_index, last.sibling_count) == (1, 2)

    q1b = store.add_user_message(c, "first question, edited")  # edit the first question
    assert [m.id for m in store.siblings(q1)] == [q1, q1b]
    assert [m.text for m in store.branch(c)] == ["first question, edited"]

    assert store.select_branch(q1) == a1b  # the newest leaf below it
    assert store.select_branch(a1) == a2
    assert [m.text for m in store.branch(c)] == [
        "first question",
        "first answer",
        "follow-up",
        "follow-up answer",
    ]
    assert store.conversation(c).current_leaf_id == a2
    assert [m.id for m in store.branch(c, leaf_id=a1b)] == [q1, a1b]
    every = store.all_messages(c)
    assert len(every) == 6
    assert {m.text for m in every} >= {"first answer", "first answer, again"}


def test_parent_from_another_conversation_is_a_bug(store: Store) -> None:
    c1, c2 = store.create_conversation(), store.create_conversation()
    q = store.add_user_message(c1, "q")
    with pytest.raises(ValueError):
        store.begin_reply(c2, q, "o4-mini")
    with pytest.raises(HistoryError):
        store.begin_reply(c1, 99999, "o4-mini")


# ---- streaming saves -------------------------------------------------------------------------


def test_reply_lifecycle_keeps_text_usage_cost_and_timings(store: Store) -> None:
    c = store.create_conversation()
    q = store.add_user_message(c, "q")
    r = store.begin_reply(c, q, "o4-mini", "low")
    assert store.message(r).status == "streaming"
    store.update_reply_text(r, "partial")
    assert store.message(r).text == "partial"
    usage = Usage(prompt_tokens=1000, completion_tokens=500, reasoning_tokens=300, cached_tokens=0)
    store.finish_reply(r, "done", text="complete", usage=usage, ttft_ms=1200, total_ms=5400)
    m = store.message(r)
    assert (m.status, m.text, m.usage, m.ttft_ms, m.total_ms) == (
        "done",
        "complete",
        usage,
        1200,
        5400,
    )
    assert m.cost_usd == pytest.approx((1000 * 1.10 + 500 * 4.40) / 1e6)
    assert (m.model, m.effort) == ("o4-mini", "low")
    with pytest.raises(ValueError):
        store.finish_reply(r, "streaming")


@pytest.mark.parametrize("status", ["cancelled", "failed"])
def test_cancelled_and_failed_keep_partial_text_and_error(store: Store, status: str) -> None:
    c = store.create_conversation()
    r = store.begin_reply(c, store.add_user_message(c, "q"), "o4-mini")
    store.update_reply_text(r, "half an ans")
    store.finish_reply(r, status, error="The connection dropped.")  # type: ignore[arg-type]
    m = store.message(r)
    assert (m.status, m.text, m.error) == (status, "half an ans", "The connection dropped.")


def test_the_kind_of_a_failure_is_kept_and_read_back_everywhere(store: Store) -> None:
    c = store.create_conversation()
    q = store.add_user_message(c, "q")
    r = store.begin_reply(c, q, "o4-mini")
    store.update_reply_text(r, "half")
    store.finish_reply(
        r, "failed", error="The model o4-mini was retired.", error_kind="model_not_found"
    )
    m = store.message(r)
    assert (m.status, m.text, m.error, m.error_kind) == (
        "failed",
        "half",
        "The model o4-mini was retired.",
        "model_not_found",
    )
    assert [x.error_kind for x in store.branch(c)] == [None, "model_not_found"]
    assert [x.error_kind for x in store.all_messages(c)] == [None, "model_not_found"]
    assert [x.error_kind for x in store.siblings(r)] == ["model_not_found"]
    # a later answer to the same question that succeeds has no kind; the failed one keeps its own
    r2 = store.begin_reply(c, q, "o4-mini")
    ReplySaver(store, r2).finish("done")
    assert store.message(r2).error_kind is None
    assert [x.error_kind for x in store.siblings(r)] == ["model_not_found", None]
    # through the saver, positionally as the callers do, with the kind as a keyword
    r3 = store.begin_reply(c, q, "o4-mini")
    saver = ReplySaver(store, r3)
    saver.append("so far")
    saver.finish("failed", None, None, "The API key was refused.", 10, 20, error_kind="auth")
    m3 = store.message(r3)
    assert (m3.text, m3.error, m3.error_kind, m3.ttft_ms) == (
        "so far",
        "The API key was refused.",
        "auth",
        10,
    )
    raw = store._conn().execute("SELECT error_kind FROM messages WHERE id = ?", (r3,))
    assert raw.fetchone()[0] == "auth"


def test_reply_saver_saves_at_most_once_per_interval(store: Store) -> None:
    c = store.create_conversation()
    r = store.begin_reply(c, store.add_user_message(c, "q"), "o4-mini")
    now = [100.0]
    saver = ReplySaver(store, r, interval=1.0, clock=lambda: now[0])
    assert saver.append("a") is True  # the first piece at once
    now[0] = 100.4
    assert saver.append("b") is False
    assert store.message(r).text == "a"
    now[0] = 101.0
    assert saver.append("c") is True
    assert store.message(r).text == "abc"
    now[0] = 101.5
    assert saver.append("d") is False
    assert saver.flush() is True  # e.g. from a timer
    assert store.message(r).text == "abcd"
    assert saver.flush() is False  # nothing new
    saver.append("e")
    saver.finish("done", Usage(10, 5), ttft_ms=50, total_ms=900)
    m = store.message(r)
    assert (m.text, m.status, m.total_ms) == ("abcde", "done", 900)


def test_reply_saver_keeps_going_when_a_save_fails(store: Store) -> None:
    c = store.create_conversation()
    r = store.begin_reply(c, store.add_user_message(c, "q"), "o4-mini")
    blocker = sqlite3.connect(store.path, timeout=0)
    slow = Store(store.path, busy_timeout=0.05)
    try:
        saver = ReplySaver(slow, r, interval=0.0)
        blocker.execute("BEGIN IMMEDIATE")
        assert saver.append("lost? ") is False
        assert saver.last_error is not None and saver.last_error.reason == "busy"
        blocker.execute("ROLLBACK")
        assert saver.append("no.") is True
        assert saver.last_error is None
        assert store.message(r).text == "lost? no."
    finally:
        blocker.close()
        slow.close()


def test_recover_interrupted_keeps_text(store: Store) -> None:
    c = store.create_conversation()
    q = store.add_user_message(c, "q")
    r = store.begin_reply(c, q, "o4-mini")
    store.update_reply_text(r, "so far")
    done = store.begin_reply(c, q, "o4-mini")
    store.finish_reply(done, "done", text="fine")
    assert store.recover_interrupted() == 0  # this process is its writer, and it runs
    assert store.recover_interrupted(alive=lambda _writer: False) == 1
    m = store.message(r)
    assert (m.status, m.text) == ("interrupted", "so far")
    assert m.error
    assert store.message(done).status == "done"
    assert store.recover_interrupted(alive=lambda _writer: False) == 0
    # a process that is in fact still streaming it takes it back with its next save
    store.update_reply_text(r, "so far, and more")
    assert store.message(r).status == "streaming"


# ---- errors ----------------------------------------------------------------------------------


def test_locked_beyond_busy_timeout_is_a_history_error(store: Store) -> None:
    blocker = sqlite3.connect(store.path, timeout=0)
    slow = Store(store.path, busy_timeout=0.1)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        t0 = time.monotonic()
        with pytest.raises(HistoryError) as err:
            slow.create_conversation("x")
        assert time.monotonic() - t0 >= 0.09
        assert err.value.reason == "busy"
        assert "busy" in err.value.message
        assert isinstance(err.value, AskshotError)
    finally:
        blocker.close()
        slow.close()


def test_disk_full_is_a_history_error(store: Store) -> None:
    c = store.create_conversation()
    conn = store._conn()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(HistoryError) as err:
        store.add_user_message(c, "x" * 200_000)
    assert err.value.reason == "full"
    assert "disk is full" in err.value.message


def test_read_only_is_a_history_error(store: Store) -> None:
    store._conn().execute("PRAGMA query_only = ON")
    with pytest.raises(HistoryError) as err:
        store.create_conversation("x")
    assert err.value.reason == "readonly"


def test_other_sqlite_errors_are_bugs_and_propagate(store: Store) -> None:
    store._conn().execute("DROP TABLE conversations")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        store.list_conversations()


# ---- threads and processes -------------------------------------------------------------------


def test_each_thread_gets_its_own_connection(store: Store) -> None:
    c = store.create_conversation()
    q = store.add_user_message(c, "q")
    seen: list[object] = []

    def worker() -> None:
        r = store.begin_reply(c, q, "o4-mini")
        saver = ReplySaver(store, r, interval=0.0)
        for word in ("from ", "a ", "worker"):
            saver.append(word)
        saver.finish("done")
        seen.append(store._conn())
        store.release_thread()

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen and seen[0] is not store._conn()
    assert store.branch(c)[-1].text == "from a worker"


_WRITER = """
import sys, time
from pathlib import Path
from askshot.core.history import Store
n, go, rounds = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
store = Store.open()
c = store.create_conversation(f"writer {n}")
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
parent = None
for i in range(rounds):
    parent = store.add_user_message(c, f"writer {n} question {i}", parent_id=parent)
    parent = store.begin_reply(c, parent, "o4-mini")
    store.update_reply_text(parent, "partial")
    store.finish_reply(parent, "done", text=f"writer {n} answer {i}")
store.close()
print("done", flush=True)
"""


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    rounds = 150
    go = tmp_path / "go"
    procs = [_python(_WRITER, str(n), str(go), str(rounds)) for n in (1, 2)]
    try:
        for p in procs:
            assert p.stdout is not None
            assert p.stdout.readline().strip() == "ready", p.stderr.read() if p.stderr else ""
        go.touch()
        for p in procs:
            out, err = p.communicate(timeout=90)
            assert p.returncode == 0, err
            assert out.strip() == "done"
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    with Store.open() as store:
        assert store.count_conversations() == 2
        assert count(store, "messages") == 2 * rounds * 2
        for conv in store.list_conversations():
            branch = store.branch(conv.id)
            assert len(branch) == rounds * 2
            assert all(m.status == "done" for m in branch)
        assert len(store.search("answer", limit=1000)) == 2 * rounds


_KILLED = """
import time
from askshot.core.history import ReplySaver, Store
store = Store.open()
c = store.create_conversation()
r = store.begin_reply(c, store.add_user_message(c, "Tell me a story."), "o4-mini", "low")
now = [0.0]
saver = ReplySaver(store, r, interval=1.0, clock=lambda: now[0])
saver.append("Once upon a time, ")
now[0] = 1.2
saver.append("there was a screenshot. ")
now[0] = 1.5
saver.append("This sentence was never saved.")
print(r, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_mid_answer_keeps_text_up_to_last_save() -> None:
    proc = _python(_KILLED)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip().isdigit(), proc.stderr.read() if proc.stderr else ""
        reply_id = int(line)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    with Store.open() as store:
        assert store.message(reply_id).status == "streaming"
        assert store.recover_interrupted() == 1
        m = store.message(reply_id)
        assert m.status == "interrupted"
        assert m.text == "Once upon a time, there was a screenshot. "


_STREAMING = """
import sys
from askshot.core.history import Store
store = Store.open()
c = store.create_conversation()
r = store.begin_reply(c, store.add_user_message(c, "Think hard."), "o4-mini", "high")
store.update_reply_text(r, "Still thinking")
print(r, flush=True)
sys.stdin.readline()  # streaming until told to stop
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_only_answers_whose_writer_is_gone_are_recovered() -> None:
    """A start (the window, `askshot ask`, `askshot history`) while another process streams an
    answer leaves that answer alone; once its writer is gone, it is recovered."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _STREAMING],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip().isdigit(), proc.stderr.read() if proc.stderr else ""
        reply_id = int(line)
        with Store.open() as store:
            assert store.recover_interrupted() == 0
            assert store.message(reply_id).status == "streaming"
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    with Store.open() as store:
        assert store.recover_interrupted() == 1
        m = store.message(reply_id)
        assert (m.status, m.text) == ("interrupted", "Still thinking")


def test_delete_message_removes_its_subtree_and_keeps_the_rest(tmp_path) -> None:
    from askshot.core.history import Store

    with Store(tmp_path / "h.sqlite3") as s:
        cid = s.create_conversation()
        q1 = s.add_user_message(cid, "first")
        a1 = s.begin_reply(cid, q1, "o4-mini")
        s.finish_reply(a1, "done", text="one", cost_usd=0.25)
        q2 = s.add_user_message(cid, "second", parent_id=a1)
        a2 = s.begin_reply(cid, q2, "o4-mini")
        s.finish_reply(a2, "done", text="two", cost_usd=0.5)
        a1b = s.begin_reply(cid, q1, "o4-mini")  # a regenerated first answer
        s.finish_reply(a1b, "done", text="one again", cost_usd=0.125)
        assert s.conversation_cost(cid) == 0.875

        leaf = s.delete_message(a1b)
        assert leaf == a2
        assert [m.text for m in s.branch(cid)] == ["first", "one", "second", "two"]

        leaf = s.delete_message(q2)
        assert leaf == a1
        assert [m.text for m in s.branch(cid)] == ["first", "one"]
        assert s.search("second") == []
        assert s.conversation_cost(cid) == 0.25
