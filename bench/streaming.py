"""Streaming benchmark: a 200,000-character Markdown reply into a visible view; prints JSON.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/streaming.py [--runs 3] [--rate 4000]

The real path: the loopback FakeServer sends the reply as SSE deltas (several thousand, at
`--rate` deltas per second), ChatClient parses them, StreamWorker coalesces them and the GUI
thread appends each batch to the ReplyRenderer of a shown TranscriptView, which renders at most
every UPDATE_INTERVAL (an update's time below is its render plus the repaint of the view). A 5 ms
QTimer measures the longest time the GUI thread was unavailable. The reply has many code blocks
(several languages), tables, nested and task lists, quotes and a Hebrew paragraph.

Then, with no network and a fixed schedule (100-character updates), the same text into:
  renderer   ReplyRenderer, as above;
  plain      QTextCursor.insertText at the end (the floor: no Markdown at all);
  naive      setHtml(render_markdown(everything so far)) per update, capped at the first
             `--naive-chars` characters (it is quadratic), plus one such update at full size.
Each reports the mean GUI-thread CPU time per update (update plus repaint) over the first and the
last 10% of its updates, and their ratio. Targets: longest stall < 50 ms; renderer last/first
<= 1.5. Medians over `--runs` runs.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication

from askshot.core.history import Store
from askshot.core.llm.client import ChatClient, RetryPolicy
from askshot.core.session import Ask, Exchange, Question
from askshot.core.types import Endpoint, Timeouts
from askshot.ui.conversation import markdown as md
from askshot.ui.conversation.renderer import ReplyRenderer
from askshot.ui.conversation.transcript import TranscriptView
from askshot.ui.qt.threads import StreamWorker
from tests.helpers import fakeserver as fs

TICK_MS = 5
WIDTH, HEIGHT = 900, 700

_VOCABULARY = (
    "the of and to a in is it you that this for on with as are be at not can or from by have "
    "what an if your when will one would more so about out up use into just like than then "
    "screen window button text error code file function value line image click page python "
    "table list number name data user version problem answer question example output run"
)
_WORDS = _VOCABULARY.split()
_CODE = {
    "python": "def step_{i}(items: list[int]) -> int:\n    total = 0\n    for n in items:\n"
    "        if n % {k} == 0:  # every {k}th\n            total += n * {i}\n    return total\n",
    "javascript": "export function step{i}(items) {{\n  // keep every {k}th\n"
    "  return items.filter((n) => n % {k} === 0).map((n) => n * {i});\n}}\n",
    "bash": "for f in ./data/*.csv; do\n  wc -l \"$f\" | awk '{{print $1 * {k}}}'\ndone\n",
    "json": '{{\n  "step": {i},\n  "every": {k},\n  "enabled": true,\n  "tags": ["a", "b"]\n}}\n',
    "sql": "SELECT name, COUNT(*) AS n\nFROM events\nWHERE kind = {k}\nGROUP BY name\n"
    "ORDER BY n DESC\nLIMIT {i};\n",
}


def make_reply(chars: int, seed: int = 1) -> str:
    """A long, varied, deterministic Markdown answer of about `chars` characters."""
    rng = random.Random(seed)

    def sentence(n: int) -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize() + "."

    def paragraph() -> str:
        return " ".join(sentence(rng.randint(6, 16)) for _ in range(rng.randint(2, 5)))

    parts: list[str] = []
    size = 0
    i = 0
    while size < chars:
        i += 1
        lang = list(_CODE)[i % len(_CODE)]
        code = "".join(_CODE[lang].format(i=i, k=k) for k in range(2, 2 + rng.randint(1, 4)))
        rows = "".join(f"| {sentence(2)} | {rng.randint(1, 999)} | `x{j}` |\n" for j in range(6))
        section = [
            f"## Step {i}: {sentence(3)[:-1]}\n",
            paragraph() + f" See **{sentence(2)}** and `value_{i}`.\n",
            f"```{lang}\n{code}```\n",
            f"| Name | Count | Key |\n|:--|--:|:-:|\n{rows}",
            "".join(f"- {sentence(6)}\n" for _ in range(4)) + f"  - nested {sentence(4)}\n",
            "".join(f"{n}. {sentence(8)}\n" for n in range(1, 4)),
            f"- [x] {sentence(3)}\n- [ ] {sentence(3)}\n",
            f"> {paragraph()}\n",
        ]
        if i % 7 == 0:
            section.append("זוהי פסקה בעברית עם מילה English באמצע, כדי לבדוק כיווניות.\n")
        block = "\n".join(section) + "\n"
        parts.append(block)
        size += len(block)
    return "".join(parts)[:chars]


def split_deltas(text: str, seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    out = []
    i = 0
    while i < len(text):
        n = rng.randint(4, 28)
        out.append(text[i : i + n])
        i += n
    return out


def paced_reply(deltas: list[str], rate: float) -> fs.Reply:
    """SSE steps with a short sleep every ~10 ms worth of deltas: about `rate` deltas/s."""
    per_tick = max(1, round(rate / 100))
    steps: list[fs.Step] = [fs.data(fs.chunk(role="assistant", content=""))]
    for n, piece in enumerate(deltas, 1):
        steps.append(fs.data(fs.chunk(piece)))
        if n % per_tick == 0:
            steps.append(fs.sleep(0.01))
    steps.append(fs.data(fs.chunk(finish_reason="stop")))
    steps.append(fs.data(fs.usage_chunk(10, len(deltas))))
    steps.append(fs.raw(b"data: [DONE]\n\n"))
    return fs.Reply(steps=steps)


def dispose(view: TranscriptView) -> None:
    """Close and delete a view now, so that freeing its document does not land in (and
    stall) the next measurement."""
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QCoreApplication.processEvents()
    gc.collect()


def tenths(values: list[float]) -> tuple[float, float]:
    tenth = max(1, len(values) // 10)
    return statistics.fmean(values[:tenth]), statistics.fmean(values[-tenth:])


class GapMeter:
    """A TICK_MS timer on the GUI thread; the longest gap between ticks is the longest stall."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now


def real_path(app: QApplication, text: str, deltas: list[str], reply: fs.Reply) -> dict[str, Any]:
    """FakeServer -> ChatClient -> StreamWorker -> ReplyRenderer in a shown TranscriptView."""
    view = TranscriptView(dark=False)
    view.resize(WIDTH, HEIGHT)
    view.show()
    view.append_html("<p><b>You</b><br>Explain everything, with code.</p>")
    renderer = view.add_reply()  # throttled to UPDATE_INTERVAL, as in the app
    app.processEvents()
    updates: list[tuple[int, float]] = []  # (characters so far, seconds)

    def on_updated() -> None:
        start = time.perf_counter()
        view.viewport().repaint()
        repaint = time.perf_counter() - start
        done = len(renderer.text) - renderer.pending
        updates.append((done, renderer.stats.last_seconds + repaint))

    renderer.on_updated = on_updated
    loop = QEventLoop()
    meter = GapMeter()
    times: dict[str, float] = {}
    with (
        fs.FakeServer() as server,
        ChatClient(retry=RetryPolicy(max_retries=0)) as client,
        tempfile.TemporaryDirectory() as home,
        Store(Path(home) / "history.sqlite3") as store,
    ):
        server.enqueue(reply)
        # As the window asks: the question and the growing answer are saved in the history.
        exchange = Exchange.ask(store, Ask("o4-mini"), Question("Explain everything, with code."))
        worker = StreamWorker(client, Endpoint(server.base_url, "sk-bench"), exchange, Timeouts())

        def on_text() -> None:
            piece = worker.take_text()
            if piece:
                times.setdefault("first_text", time.perf_counter())
                renderer.append(piece)

        def on_done() -> None:
            on_text()
            times["last_text"] = time.perf_counter()
            start = time.perf_counter()
            renderer.finish()  # renders what is still pending, now
            times["finish"] = time.perf_counter() - start
            loop.quit()

        worker.textReady.connect(on_text)
        worker.ended.connect(on_done)
        started = time.perf_counter()
        meter.start()
        worker.start()
        loop.exec()
        meter.stop()
        total = time.perf_counter() - started
        worker.join()
    assert renderer.text == text, "the reply arrived incomplete"
    durations = [d for _, d in updates]
    first, last = tenths(durations)
    streaming_s = times["last_text"] - times["first_text"]
    dispose(view)
    return {
        "deltas": len(deltas),
        "deltas_per_s_received": round(len(deltas) / streaming_s),
        "updates": len(updates),
        "chars_per_update": round(len(text) / len(updates), 1),
        "longest_stall_ms": round(meter.longest * 1000, 1),
        "longest_update_ms": round(max(durations) * 1000, 1),
        "first10_ms_per_update": round(first * 1000, 2),
        "last10_ms_per_update": round(last * 1000, 2),
        "last_over_first": round(last / first, 2),
        "finish_ms": round(times["finish"] * 1000, 1),
        "total_s": round(total, 2),
        "max_markdown_chars_per_update": renderer.stats.max_source_chars,
        "max_document_chars_per_update": renderer.stats.max_doc_chars,
    }


def replay(
    app: QApplication,
    text: str,
    step: int,
    update: Callable[[TranscriptView, str, str], None],
    limit: int | None = None,
) -> dict[str, Any]:
    """Feed `text` in `step`-character updates to `update(view, piece, so_far)`, timing each
    update together with the repaint it causes."""
    view = TranscriptView(dark=False)
    view.resize(WIDTH, HEIGHT)
    view.show()
    app.processEvents()
    end = len(text) if limit is None else min(limit, len(text))
    durations = []
    started = time.perf_counter()
    for i in range(0, end, step):
        t0 = time.thread_time()  # CPU time of this (the GUI) thread: other processes on the
        update(view, text[i : i + step], text[: i + step])  # machine add no noise to it
        view.viewport().repaint()
        durations.append(time.thread_time() - t0)
        app.processEvents()
    total = time.perf_counter() - started
    dispose(view)
    first, last = tenths(durations)
    return {
        "chars": end,
        "updates": len(durations),
        "first10_ms_per_update": round(first * 1000, 2),
        "last10_ms_per_update": round(last * 1000, 2),
        "last_over_first": round(last / first, 2),
        "longest_update_ms": round(max(durations) * 1000, 1),
        "total_s": round(total, 2),
    }


def offline(app: QApplication, text: str, naive_chars: int) -> dict[str, Any]:
    renderers: dict[int, ReplyRenderer] = {}

    def ours(view: TranscriptView, piece: str, _so_far: str) -> None:
        renderer = renderers.get(id(view))
        if renderer is None:
            renderer = renderers[id(view)] = view.add_reply(min_interval=0)
        renderer.append(piece)

    def plain(view: TranscriptView, piece: str, _so_far: str) -> None:
        cursor = QTextCursor(view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(piece)

    def naive(view: TranscriptView, _piece: str, so_far: str) -> None:
        view.setHtml(md.render_markdown(so_far, dark=False).html)

    result = {
        "renderer": replay(app, text, 100, ours),
        "plain_insert_text": replay(app, text, 100, plain),
        "naive_full_rerender": replay(app, text, 100, naive, limit=naive_chars),
    }
    view = TranscriptView(dark=False)
    view.resize(WIDTH, HEIGHT)
    view.show()
    t0 = time.perf_counter()
    naive(view, "", text)
    view.viewport().repaint()
    result["naive_full_rerender"]["ms_per_update_at_full_size"] = round(
        (time.perf_counter() - t0) * 1000, 1
    )
    dispose(view)
    return result


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            out[key] = median_of([r[key] for r in runs])
        else:
            out[key] = round(statistics.median(r[key] for r in runs), 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--chars", type=int, default=200_000)
    ap.add_argument("--rate", type=float, default=4000, help="deltas per second sent")
    ap.add_argument("--naive-chars", type=int, default=20_000)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    md.warm_up()  # what TranscriptView starts on a thread at start-up, done here before timing
    text = make_reply(args.chars)
    deltas = split_deltas(text)
    reply = paced_reply(deltas, args.rate)
    # The scripted reply is ~75,000 small containers that the real app never holds: keep them
    # out of the cyclic GC's full collections, which would otherwise show up as stalls.
    gc.collect()
    gc.freeze()
    load_before = os.getloadavg()[0]
    runs = []
    for _ in range(args.runs):
        runs.append(
            {
                "real_path": real_path(app, text, deltas, reply),
                "offline_100_char_updates": offline(app, text, args.naive_chars),
            }
        )
    result = {
        "reply_chars": len(text),
        "code_blocks": text.count("```") // 2,
        "tables": text.count("|:--|"),
        "runs": args.runs,
        "median": median_of(runs),
        "targets": {"longest_stall_ms": "< 50", "renderer last_over_first": "<= 1.5"},
        "platform": os.environ.get("QT_QPA_PLATFORM", ""),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
