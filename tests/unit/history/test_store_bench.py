"""The history benchmark still runs (on a small history, so the test stays quick)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from tests.helpers import ROOT

BENCH = ROOT / "bench" / "history.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_history", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_builds_and_measures_a_small_history(tmp_path: Path) -> None:
    bench = load_bench()
    path = tmp_path / "history.sqlite3"
    info = bench.build_history(path, conversations=50, messages=1000)
    assert info["messages"] == 1000
    report = bench.measure_queries(path, runs=1)
    assert set(report["median_ms"]) == {
        "list_newest_100_conversations",
        "open_500_message_conversation",
        "search_rare_word",
        "search_common_word",
        "search_prefix_as_typed",
    }
    assert report["counts"]["rare_word_hits"] == bench.RARE_COUNT
    assert report["counts"]["common_word_messages"] > 0
    assert all(0 < ms < 5_000 for ms in report["median_ms"].values())
    # (window_startup_ms launches the app repeatedly: a benchmark, not run in the suite)
