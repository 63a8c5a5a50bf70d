"""History benchmark: build a large history in a temp dir, time what the user waits for, print JSON.

    .venv/bin/python bench/history.py [--conversations 10000] [--messages 200000] [--runs 7]

Builds 10,000 conversations and 200,000 messages of varied, Zipf-distributed text (one
conversation of 500 messages, a rare word in a few messages) through the real schema and its FTS
triggers, then reports the median of several runs, in milliseconds, of: listing the newest 100
conversations, opening the 500-message conversation, searching a rare word, a common word and a
prefix being typed. Target: each under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from askshot.core.history import Store

TARGET_MS = 50.0
RARE_WORD = "zanzibarite"
RARE_COUNT = 5
COMMON_WORD = "screen"
LONG_CONVERSATION = 500

_COMMON_TEXT = (
    "the of and to a in is it you that this for on with as are be at not can or from by have "
    "what an if your was but how which there we all when will one would do more so about out "
    "up use into just like than then them some could these other time only its also new make "
    "screen window button text error code file function value line image click page python "
    "table list number name data user version problem answer question example output run"
)
_SYLLABLES_TEXT = "ka ro mi tu sen dor pla vek li na qu zo bre tin gar hol fes mun dra pi"


def _vocabulary(rng: random.Random, size: int = 4000) -> tuple[list[str], list[float]]:
    words = _COMMON_TEXT.split()
    syllables = _SYLLABLES_TEXT.split()
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen and word != RARE_WORD:
            seen.add(word)
            words.append(word)
    weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(words))]
    return words, weights


def _texts(rng: random.Random, n: int, low: int, high: int) -> list[str]:
    words, weights = _vocabulary(rng)
    lengths = [rng.randint(low, high) for _ in range(n)]
    pool = rng.choices(words, weights, k=sum(lengths))
    out, i = [], 0
    for length in lengths:
        chunk = pool[i : i + length]
        i += length
        chunk[0] = chunk[0].capitalize()
        out.append(" ".join(chunk) + ".")
    return out


def build_history(path: Path, conversations: int, messages: int, seed: int = 7) -> dict[str, Any]:
    """Create the history at `path`: the schema through Store, the rows in one transaction."""
    started = time.perf_counter()
    Store(path).close()
    rng = random.Random(seed)
    sizes = [2] * conversations
    sizes[0] = LONG_CONVERSATION
    for _ in range(messages - sum(sizes)):
        sizes[rng.randrange(1, conversations)] += 1
    n_questions = sum((size + 1) // 2 for size in sizes)
    questions = _texts(rng, n_questions, 5, 40)
    answers = _texts(rng, messages - n_questions, 20, 160)
    rare = set(rng.sample(range(1, messages + 1), RARE_COUNT))
    now = time.time()
    span = 2 * 365 * 86400.0
    conv_rows, msg_rows = [], []
    mid = 0
    for cid, size in enumerate(sizes, 1):
        created = now - span + span * (mid / messages)
        conv_rows.append((cid, f"Conversation {cid}", created, created, "o4-mini"))
        parent = None
        for k in range(size):
            mid += 1
            role = "user" if k % 2 == 0 else "assistant"
            text = questions.pop() if role == "user" else answers.pop()
            if mid in rare:
                text += f" The {RARE_WORD} sample."
            stamp = now - span + span * (mid / messages)
            msg_rows.append((mid, cid, parent, role, text, stamp))
            parent = mid
        conv_rows[-1] = (cid, f"Conversation {cid}", created, stamp, "o4-mini")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO conversations (id, title, created_at, updated_at, model) VALUES (?,?,?,?,?)",
        conv_rows,
    )
    conn.executemany(
        "INSERT INTO messages (id, conversation_id, parent_id, role, text, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'done', ?)",
        msg_rows,
    )
    conn.execute("UPDATE conversations SET current_leaf_id = NULL")
    conn.execute("COMMIT")
    conn.execute("PRAGMA optimize")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {
        "conversations": conversations,
        "messages": messages,
        "build_s": round(time.perf_counter() - started, 2),
        "db_mb": round(path.stat().st_size / 1e6, 1),
    }


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


def measure_queries(path: Path, runs: int) -> dict[str, Any]:
    """Median milliseconds of the operations a user waits for, on the history at `path`."""
    with Store(path) as store:
        counts = {
            "rare_word_hits": len(store.search(RARE_WORD, limit=1000)),
            "common_word_messages": store._conn()
            .execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?", (COMMON_WORD,))
            .fetchone()[0],
        }
        long_id = 1
        assert len(store.branch(long_id)) == LONG_CONVERSATION
        return {
            "median_ms": {
                "list_newest_100_conversations": _median_ms(
                    lambda: store.list_conversations(limit=100), runs
                ),
                "open_500_message_conversation": _median_ms(lambda: store.branch(long_id), runs),
                "search_rare_word": _median_ms(lambda: store.search(RARE_WORD), runs),
                "search_common_word": _median_ms(lambda: store.search(COMMON_WORD), runs),
                "search_prefix_as_typed": _median_ms(lambda: store.search("scr"), runs),
            },
            "counts": counts,
        }


def window_startup_ms(history_home: Path, empty_home: Path, runs: int = 7) -> dict[str, Any]:
    """The main window's start-up (process start to first paint, see bench/startup.py) with
    the big history and with an empty one, interleaved, medians in ms; target: within 10%."""
    import os
    import statistics

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from startup import ROOT, launch

    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("OPENAI_API_KEY", "sk-bench-not-used")
    homes = {"with_history": history_home, "empty": empty_home}
    times: dict[str, list[float]] = {name: [] for name in homes}
    for home in homes.values():  # warm both (first open of a big file, pyc files)
        launch("app", {**env, "ASKSHOT_HOME": str(home)})
    for _ in range(runs):
        for name, home in homes.items():
            times[name].append(launch("app", {**env, "ASKSHOT_HOME": str(home)}) * 1000)
    med = {name: round(statistics.median(v), 1) for name, v in times.items()}
    return {**med, "ratio": round(med["with_history"] / med["empty"], 3), "target_ratio": 1.10}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="askshot-bench-") as tmp:
        history_home = Path(tmp) / "history"
        empty_home = Path(tmp) / "empty"
        path = history_home / "data" / "history.sqlite3"
        path.parent.mkdir(parents=True, mode=0o700)
        report: dict[str, Any] = {
            "sqlite": sqlite3.sqlite_version,
            "history": build_history(path, args.conversations, args.messages),
            "runs": args.runs,
        }
        report.update(measure_queries(path, args.runs))
        report["target_ms"] = TARGET_MS
        report["within_target"] = all(v < TARGET_MS for v in report["median_ms"].values())
        report["window_startup_ms"] = window_startup_ms(history_home, empty_home, args.runs)
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
