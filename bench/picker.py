"""The model picker with 400 models (OpenRouter's list is that long): time per keystroke while
typing a filter, from the key press to the filtered popup updated, against a bare editable
QComboBox with the same 400 items (Qt's default inline completion) in the same run. Prints JSON.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/picker.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox

from askshot.core.catalog import Catalog, CatalogModel
from askshot.core.providers import Price
from askshot.core.settings import Settings
from askshot.ui.composer.panel import ComposerPanel

TYPED = "openai/gpt"
MODELS = [
    CatalogModel(
        f"{vendor}/{name}-{i:03d}",
        vision=i % 3 != 0,
        context=128_000,
        price=Price(0.5, 0.05, 1.5),
    )
    for i in range(400)
    for vendor, name in [(("openai", "anthropic", "google", "meta", "mistral")[i % 5], "gpt")]
]


def keystrokes(app: QApplication, box: QComboBox) -> list[float]:
    line = box.lineEdit()
    assert line is not None
    line.setFocus()
    line.clear()
    app.processEvents()
    times = []
    for ch in TYPED:
        t = time.perf_counter()
        QTest.keyClick(line, ch)
        app.processEvents()  # the completer filters and shows its popup in this turn
        times.append((time.perf_counter() - t) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    app = QApplication(sys.argv[:1])
    panel = ComposerPanel(Settings())
    panel.resize(900, 300)
    panel.show()
    panel.after_first_paint()
    t = time.perf_counter()
    panel.set_catalog(Catalog("openrouter", "u", 0.0, tuple(MODELS)), "openrouter", False)
    load_ms = (time.perf_counter() - t) * 1000
    bare = QComboBox()
    bare.setEditable(True)
    bare.addItems([m.id for m in MODELS])
    bare.show()

    ours: list[float] = []
    base: list[float] = []
    for _ in range(args.runs):
        ours += keystrokes(app, panel.model_box)
        base += keystrokes(app, bare)
    completer = panel.model_box.completer()
    shown = completer.completionModel().rowCount() if completer else -1

    def stats(v: list[float]) -> dict[str, float]:
        return {"median_ms": round(statistics.median(v), 2), "max_ms": round(max(v), 2)}

    print(
        json.dumps(
            {
                "models": len(MODELS),
                "typed": TYPED,
                "matches_shown": shown,
                "catalog_into_picker_ms": round(load_ms, 1),
                "picker_keystroke": stats(ours),
                "bare_combobox_keystroke": stats(base),
                "ratio_median": round(statistics.median(ours) / statistics.median(base), 2),
            },
            indent=2,
        )
    )
    panel.shutdown()


if __name__ == "__main__":
    main()
