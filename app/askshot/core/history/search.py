"""Full-text search over the history: what the user types -> a safe FTS5 query -> ranked hits.

Ranking is bm25 (FTS5's relevance) weighted by age: a match loses half its weight after 30 days,
two thirds after 60, and so on. To stay fast at typing speed on a large history, only the newest
CANDIDATES matches are ranked: a rare word is ranked in full, and for a word found in thousands of
messages the newest few thousand are the ones worth showing anyway.

Snippets are cut and highlighted here rather than by FTS5's snippet(): that function runs the
MATCH again for each row, about a millisecond a row for a prefix query on a large history.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from dataclasses import dataclass

CANDIDATES = 2000
HALF_WEIGHT_DAYS = 30.0
SNIPPET_TOKENS = 16
_CHUNK = re.compile(r'"([^"]*)("?)|(\S+)')
_TOKEN = re.compile(r"[^\W_]+")  # close to FTS5's unicode61: runs of letters and digits


@dataclass(frozen=True)
class SearchHit:
    message_id: int
    conversation_id: int
    conversation_title: str
    role: str
    snippet: str  # plain text (not HTML-escaped) with each match between the caller's markers
    created_at: float
    score: float  # lower is better


@dataclass(frozen=True)
class ParsedQuery:
    match: str  # the FTS5 MATCH expression
    terms: frozenset[str]  # folded words to highlight
    prefix: str | None  # the folded last word when it matches as a prefix


def fold(word: str) -> str:
    """Case- and accent-insensitive form, like unicode61 with remove_diacritics."""
    word = word.casefold()
    if word.isascii():
        return word
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch)
    )


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def parse_query(text: str) -> ParsedQuery | None:
    """A safe FTS5 query for what the user typed, or None when there is nothing to look for.

    Every word becomes a quoted FTS5 string, so operators (AND OR NOT NEAR), `*`, `-`, `^`,
    `:`, parentheses and stray quotes are plain text; all words must match. "Quoted words" match
    as a phrase. The last word also matches as a prefix while it is being typed (not after a
    trailing space or a closing quote, nor while it is one letter). Words without a letter or
    digit are dropped: the tokenizer would see nothing in them.
    """
    parts: list[str] = []
    terms: set[str] = set()
    last = ""
    open_end = False
    for m in _CHUNK.finditer(text):
        phrase, closed, word = m.group(1), m.group(2), m.group(3)
        chunk = word if word is not None else phrase
        tokens = _TOKEN.findall(chunk)
        if not tokens:
            continue
        parts.append(_quote(chunk))
        terms.update(fold(t) for t in tokens)
        last = fold(tokens[-1])
        open_end = m.end() == len(text) and not (phrase is not None and closed)
    if not parts:
        return None
    prefix = last if open_end and len(last) >= 2 else None
    if prefix is not None:
        parts[-1] += "*"
    return ParsedQuery(" AND ".join(parts), frozenset(terms), prefix)


def highlight(text: str, query: ParsedQuery, markers: tuple[str, str]) -> str:
    """A window of about SNIPPET_TOKENS words around the first match, matches marked."""
    tokens = list(_TOKEN.finditer(text))

    def hit(m: re.Match[str]) -> bool:
        word = fold(m.group())
        return word in query.terms or (query.prefix is not None and word.startswith(query.prefix))

    first = next((i for i, m in enumerate(tokens) if hit(m)), 0)
    start = max(0, min(first - 3, len(tokens) - SNIPPET_TOKENS))
    window = tokens[start : start + SNIPPET_TOKENS]
    if not window:
        return " ".join(text.split())
    out: list[str] = ["…" if start > 0 else text[: window[0].start()]]
    pos = window[0].start()
    for m in window:
        out.append(text[pos : m.start()])
        out.append(f"{markers[0]}{m.group()}{markers[1]}" if hit(m) else m.group())
        pos = m.end()
    out.append("…" if start + len(window) < len(tokens) else text[pos:])
    return " ".join("".join(out).split())


def search(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int = 50,
    markers: tuple[str, str] = ("«", "»"),
    conversation_id: int | None = None,
    now: float | None = None,
) -> list[SearchHit]:
    parsed = parse_query(query)
    if parsed is None or limit <= 0:
        return []
    if conversation_id is None:
        source, in_conversation = "messages_fts f", ""
    else:
        source = "messages_fts f JOIN messages m ON m.id = f.rowid"
        in_conversation = "AND m.conversation_id = :cid"
    rows = conn.execute(
        f"""
        WITH hits AS (
            SELECT f.rowid AS id, bm25(messages_fts) AS relevance
            FROM {source} WHERE messages_fts MATCH :match {in_conversation}
            ORDER BY f.rowid DESC LIMIT :candidates
        ), best AS (
            SELECT m.id, m.conversation_id, m.role, m.created_at,
                hits.relevance / (1.0 + max(0.0, :now - m.created_at) / 86400.0 / :half) AS score
            FROM hits JOIN messages m ON m.id = hits.id
            ORDER BY score, m.id DESC LIMIT :limit
        )
        SELECT best.id, best.conversation_id, c.title, best.role, best.created_at, best.score,
            m.text
        FROM best JOIN messages m ON m.id = best.id
        JOIN conversations c ON c.id = best.conversation_id
        ORDER BY best.score, best.id DESC
        """,
        {
            "match": parsed.match,
            "cid": conversation_id,
            "candidates": CANDIDATES,
            "now": time.time() if now is None else now,
            "half": HALF_WEIGHT_DAYS,
            "limit": limit,
        },
    ).fetchall()
    return [
        SearchHit(
            message_id=r[0],
            conversation_id=r[1],
            conversation_title=r[2],
            role=r[3],
            snippet=highlight(r[6], parsed, markers),
            created_at=r[4],
            score=r[5],
        )
        for r in rows
    ]
