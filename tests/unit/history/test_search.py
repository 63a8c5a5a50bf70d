"""Full-text search: whatever the user types is safe, prefixes match while typing, matches are
marked, newer results rank higher, and streaming saves keep the index current."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from askshot.core.history import Store
from askshot.core.history.search import parse_query


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store.open()
    c = s.create_conversation("Python things")
    q = s.add_user_message(c, "How do I read a CSV file in Python?")
    r = s.begin_reply(c, q, "o4-mini")
    s.finish_reply(
        r, "done", text="Use the csv module: csv.reader(open('data.csv')). Café au lait."
    )
    other = s.create_conversation("Other")
    s.add_user_message(other, 'Quotes "inside" and AND OR NOT operators - * ^ (x) col:umn')
    yield s
    s.close()


HOSTILE = [
    '"',
    '""',
    "*",
    "-",
    "^",
    "'",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(",
    "a AND",
    "OR b",
    "(",
    ")",
    "col:umn",
    "text:foo",
    '"unclosed phrase',
    'in"side',
    "-python",
    "python*",
    "*python",
    "+",
    "{a b}",
    "a OR",
    "NOT NOT",
    "\x00",
    "\\",
    "';DROP TABLE messages;--",
    "   ",
    "",
    "…",
    "🙂",
    'AND OR NOT * - "a',
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(store: Store, query: str) -> None:
    hits = store.search(query)
    assert isinstance(hits, list)
    assert store.count_conversations() == 2


def test_operators_are_plain_words(store: Store) -> None:
    hits = store.search("AND OR NOT operators")
    assert [h.conversation_title for h in hits] == ["Other"]
    assert store.search("python NOT csv") == []  # NOT is a word to find, not an operator
    assert store.search("umn col") != []


def test_last_word_matches_as_a_prefix_while_typing(store: Store) -> None:
    assert [h.role for h in store.search("modu")] == ["assistant"]
    assert store.search("modu ") == []  # a finished word must match whole
    assert store.search("p") == []  # one letter is not yet a prefix
    assert len(store.search("py")) == 1


def test_phrases_and_accents(store: Store) -> None:
    assert len(store.search('"csv module"')) == 1
    assert store.search('"module reader"') == []  # not adjacent
    assert len(store.search("cafe")) == 1  # café


def test_snippets_mark_matches_with_the_callers_markers(store: Store) -> None:
    (hit,) = store.search("csv modul", markers=("\x02", "\x03"))
    assert "\x02csv\x03" in hit.snippet
    assert "\x02module\x03" in hit.snippet
    assert hit.conversation_title == "Python things"
    (hit,) = store.search("CAFÉ")
    assert "«Café»" in hit.snippet


def test_long_text_snippet_is_a_window_around_the_match(store: Store) -> None:
    c = store.create_conversation()
    store.add_user_message(c, " ".join(["filler"] * 200 + ["needle"] + ["tail"] * 200))
    (hit,) = store.search("needle")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "«needle»" in hit.snippet
    assert len(hit.snippet) < 200


def test_newer_messages_rank_higher_at_equal_relevance(store: Store) -> None:
    c = store.create_conversation()
    old = store.add_user_message(c, "zebra crossing")
    new = store.add_user_message(c, "zebra crossing", parent_id=old)
    year = 365 * 86400
    store._conn().execute(
        "UPDATE messages SET created_at = created_at - ? WHERE id = ?", (year, old)
    )
    assert [h.message_id for h in store.search("zebra")] == [new, old]


def test_search_within_one_conversation(store: Store) -> None:
    c = store.create_conversation()
    store.add_user_message(c, "python again")
    assert len(store.search("python")) == 2
    assert [h.conversation_id for h in store.search("python", conversation_id=c)] == [c]


def test_streaming_saves_keep_the_index_current(store: Store) -> None:
    c = store.create_conversation()
    r = store.begin_reply(c, store.add_user_message(c, "q"), "o4-mini")
    store.update_reply_text(r, "first draft mentions giraffes")
    assert [h.message_id for h in store.search("giraffes")] == [r]
    store.update_reply_text(r, "second draft mentions only elephants")
    assert store.search("giraffes") == []
    assert [h.message_id for h in store.search("elephants")] == [r]
    store._conn().execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")


def test_parse_query_quotes_everything() -> None:
    parsed = parse_query('say "hello world" NOT x-yz')
    assert parsed is not None
    assert parsed.match == '"say" AND "hello world" AND "NOT" AND "x-yz"*'
    assert parse_query('in"side ') is not None
    assert parse_query('in"side ').match == '"in""side"'  # type: ignore[union-attr]
    assert parse_query('* - ^ "') is None


def test_search_is_fast_enough_to_type_on_a_thousand_messages(store: Store) -> None:
    c = store.create_conversation()
    conn = store._conn()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO messages (conversation_id, role, text, created_at) VALUES (?, 'user', ?, 0)",
        [(c, f"message {i} about screens and windows and python") for i in range(1000)],
    )
    conn.execute("COMMIT")
    t0 = time.perf_counter()
    for typed in ("s", "sc", "scr", "scre", "scree", "screen"):
        assert store.search(typed) is not None
    assert (time.perf_counter() - t0) / 6 < 0.05
