"""Math benchmark: a 50,000-character answer with 200 formulas streamed into a shown view; prints
JSON.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/formulas.py [--runs 3] [--rate 2000]

The real path of bench/streaming.py (loopback server -> ChatClient -> StreamWorker ->
ReplyRenderer in a TranscriptView) at `--rate` deltas per second, for two answers that differ
only in their formulas: `math` holds 200 distinct ones (inline `$…$` and `\\(…\\)`, display
`$$…$$`), `plain` has a word of the same length in place of each (the baseline, today's
streaming). Each variant runs in a fresh process, so its memory is its own. Reported: the longest
GUI stall while streaming and until every formula is drawn, the time per update over the first
and the last 10% of updates and their ratio, the time from the last delta until the last formula
is drawn, and the resident memory once everything is drawn. Targets: longest stall < 50 ms,
last/first within 1.5x of the plain answer's, memory within 10 MiB of the plain answer's.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FORMULAS = 200


def formula(i: int) -> str:
    kinds = (
        "\\frac{{a_{{{i}}}}}{{b_{{{i}}}+1}}",
        "\\sqrt{{x^2+{i}}}",
        "\\sum_{{k=1}}^{{{i}}} k^2",
        "e^{{i\\pi {i}}}",
        "\\int_0^{{{i}}} t\\,dt",
    )
    return kinds[i % len(kinds)].format(i=i)


def make_answer(chars: int, with_math: bool) -> str:
    """The streaming bench's answer, cut to `chars`, with 200 formulas (or same-length words)
    spread through its paragraphs."""
    from bench.streaming import make_reply

    base = make_reply(chars - FORMULAS * 22).split("\n")
    slots, fenced = [], False
    for n, line in enumerate(base):
        fenced ^= line.startswith("```")
        if not fenced and line[:1].isalpha() and "|" not in line:
            slots.append(n)  # a paragraph's line (not code, a table, a list or a heading)
    rng = random.Random(3)
    chosen = sorted(rng.choice(slots) for _ in range(FORMULAS))  # several to a paragraph
    for i, n in enumerate(chosen):
        tex = formula(i)
        if i % 10 == 9:
            piece = f"\n\n$$\n{tex}\n$$\n"
        elif i % 3 == 1:
            piece = f" with \\({tex}\\) here"
        else:
            piece = f" where ${tex}$ holds"
        base[n] += piece if with_math else " " + "w" * (len(piece) - 1)
    return "\n".join(base)


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def one_run(variant: str, chars: int, rate: float) -> dict[str, Any]:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from askshot.core.history import Store
    from askshot.core.llm.client import ChatClient, RetryPolicy
    from askshot.core.session import Ask, Exchange, Question
    from askshot.core.types import Endpoint, Timeouts
    from askshot.ui.conversation import markdown as md
    from askshot.ui.conversation.transcript import TranscriptView
    from askshot.ui.qt.threads import StreamWorker
    from bench.streaming import HEIGHT, WIDTH, GapMeter, paced_reply, split_deltas, tenths
    from tests.helpers import fakeserver as fs

    app = QApplication.instance() or QApplication([sys.argv[0]])
    md.warm_up()
    import PySide6.QtSvg  # noqa: F401  (the window has it loaded already, for its icons)

    text = make_answer(chars, variant == "math")
    deltas = split_deltas(text)
    reply = paced_reply(deltas, rate)
    gc.collect()
    gc.freeze()
    view = TranscriptView(dark=False)
    view.resize(WIDTH, HEIGHT)
    view.show()
    renderer = view.add_reply()
    app.processEvents()
    rss_before = rss_mib()
    updates: list[float] = []

    def on_updated() -> None:
        start = time.perf_counter()
        view.viewport().repaint()
        updates.append(renderer.stats.last_seconds + time.perf_counter() - start)

    renderer.on_updated = on_updated
    loop = QEventLoop()
    meter = GapMeter()
    times: dict[str, float] = {}
    import tempfile

    with (
        fs.FakeServer() as server,
        ChatClient(retry=RetryPolicy(max_retries=0)) as client,
        tempfile.TemporaryDirectory() as home,
        Store(Path(home) / "history.sqlite3") as store,
    ):
        server.enqueue(reply)
        exchange = Exchange.ask(store, Ask("o4-mini"), Question("Derive it."))
        worker = StreamWorker(client, Endpoint(server.base_url, "sk-bench"), exchange, Timeouts())

        def on_text() -> None:
            piece = worker.take_text()
            if piece:
                times.setdefault("first_text", time.perf_counter())
                renderer.append(piece)

        def on_done() -> None:
            on_text()
            times["last_text"] = time.perf_counter()
            renderer.finish()
            loop.quit()

        worker.textReady.connect(on_text)
        worker.ended.connect(on_done)
        meter.start()
        worker.start()
        loop.exec()
        worker.join()
        # Until every formula is drawn (laid out on the worker thread, swapped in in batches).
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline:
            view.viewport().repaint()  # paints ask for the formulas still below the fold
            app.processEvents()
            scroll = view.verticalScrollBar()
            if scroll.value() < scroll.maximum():
                scroll.setValue(scroll.value() + HEIGHT)
                continue
            if not view._math_waiting and not view._math_arrived and not view._math_swap:
                break
            time.sleep(0.005)
        times["all_drawn"] = time.perf_counter()
        meter.stop()
    gc.collect()
    app.processEvents()
    first, last = tenths(updates)
    images = view.document().toHtml().count("askshot-math:")
    return {
        "chars": len(text),
        "formulas_in_view": images,
        "updates": len(updates),
        "longest_stall_ms": round(meter.longest * 1000, 1),
        "first10_ms_per_update": round(first * 1000, 2),
        "last10_ms_per_update": round(last * 1000, 2),
        "last_over_first": round(last / first, 2),
        "last_delta_to_all_drawn_ms": round((times["all_drawn"] - times["last_text"]) * 1000),
        "rss_mib": round(rss_mib(), 1),
        "rss_growth_mib": round(rss_mib() - rss_before, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--chars", type=int, default=50_000)
    ap.add_argument("--rate", type=float, default=2000, help="deltas per second sent")
    ap.add_argument("--one", choices=("math", "plain"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, args.chars, args.rate)))
        return
    results: dict[str, list[dict[str, Any]]] = {"math": [], "plain": []}
    for _ in range(args.runs):
        for variant in ("plain", "math"):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    variant,
                    "--chars",
                    str(args.chars),
                    "--rate",
                    str(args.rate),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results[variant].append(json.loads(out.strip().splitlines()[-1]))
    median = {
        v: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for v, runs in results.items()
    }
    m, p = median["math"], median["plain"]
    print(
        json.dumps(
            {
                "runs": args.runs,
                "rate_deltas_per_s": args.rate,
                "median": median,
                "math_vs_plain": {
                    "last_over_first_ratio": round(m["last_over_first"] / p["last_over_first"], 2),
                    "rss_difference_mib": round(m["rss_mib"] - p["rss_mib"], 1),
                },
                "targets": {
                    "longest_stall_ms": "< 50",
                    "last_over_first": "within 1.5x of plain",
                    "rss_difference_mib": "<= 10",
                },
                "load_average_1min": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
