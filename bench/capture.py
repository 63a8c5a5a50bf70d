"""Capture latency on a 3840x2160 screen under Xvfb: from `CaptureController.start()` (what the
shortcut calls) to the overlay painted and flushed to the X server, and the grab alone. Prints
JSON with the median of N runs (target: overlay < 150 ms).

    python bench/capture.py [--runs 5]

It starts its own Xvfb (-screen 0 3840x2160x24) and measures in a child process with DISPLAY
set, so the real xcb platform plugin is used. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_MS = 150


def child(runs: int) -> dict[str, object]:
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QWidget

    from askshot.platform.capture import capture_all, grab_qt, x11_windows
    from askshot.ui.capture.controller import CaptureController

    app = QApplication([sys.argv[0]])
    screen = QGuiApplication.primaryScreen()
    ctl = CaptureController()

    def overlay_ms() -> float:
        """One capture: start() to the overlay painted and flushed, then Esc."""
        t0 = time.perf_counter()
        result: list[float] = []

        def painted() -> None:
            QGuiApplication.sync()  # the X server has the pixels
            result.append((time.perf_counter() - t0) * 1000)
            assert ctl.session is not None
            ctl.session.overlays[0].cancel()
            QTimer.singleShot(150, app.quit)  # let the uncovered screen settle between runs

        ctl.start()
        assert ctl.session is not None, "the overlay did not open"
        ctl.session.overlays[0].firstPainted.connect(lambda: QTimer.singleShot(0, painted))
        app.exec()
        return result[0]

    def timed(fn: object) -> float:
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        return (time.perf_counter() - t0) * 1000

    def stats(values: list[float]) -> dict[str, object]:
        return {
            "median": round(statistics.median(values), 1),
            "all": [round(v, 1) for v in values],
        }

    first = overlay_ms()  # cold: imports, fonts, style sheet
    warm = [overlay_ms() for _ in range(runs)]
    grab = [timed(lambda: capture_all(hide=[])) for _ in range(runs)]
    qt_only = [timed(grab_qt) for _ in range(runs)]
    windows = [timed(x11_windows) for _ in range(runs)]

    main = QWidget()  # with a window of ours to hide first (adds the settle wait)
    main.resize(800, 600)
    main.show()
    QTimer.singleShot(300, app.quit)
    app.exec()
    hidden = []
    for _ in range(runs):
        hidden.append(overlay_ms())
        main.show()
        QTimer.singleShot(200, app.quit)
        app.exec()
    main.close()
    return {
        "screen": f"{screen.size().width()}x{screen.size().height()}",
        "platform": QGuiApplication.platformName(),
        "runs": runs,
        "start_to_overlay_painted_ms": stats(warm),
        "first_run_cold_ms": round(first, 1),
        "with_our_window_hidden_first_ms": stats(hidden),
        "capture_all_ms": stats(grab),
        "qt_grab_only_ms": stats(qt_only),
        "x11_window_list_ms": stats(windows),
        "target_ms": TARGET_MS,
        "meets_target": statistics.median(warm) < TARGET_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.runs)), flush=True)
        return
    from tests.e2e.xserver import start_xvfb  # the same Xvfb start-up the tests use

    xserver = start_xvfb(3840, 2160)
    xvfb, display = xserver.proc, xserver.display
    try:
        env = {
            k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")
        }
        env.update(DISPLAY=display, XDG_SESSION_TYPE="x11", PYTHONPATH=str(ROOT))
        out = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", "--runs", str(args.runs)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    if out.returncode != 0:
        raise SystemExit(f"the measurement failed:\n{out.stderr}")
    print(json.dumps(json.loads(out.stdout.strip().splitlines()[-1]), indent=2))


if __name__ == "__main__":
    main()
