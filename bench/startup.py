"""Start-up: process start to the first painted main window, against a bare PySide6 window
started the same way. Prints JSON with medians of N runs each (interleaved, so machine noise hits
both alike) and the ratio.

    QT_QPA_PLATFORM=offscreen python bench/startup.py [--runs 5] [--home DIR]

--home points ASKSHOT_HOME at an existing history (e.g. one built by bench/history.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def launch(mode: str, env: dict[str, str], *extra: str) -> float:
    """Run bench/_launch.py in a fresh process and return the number it prints last."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "_launch.py"), mode, repr(time.time()), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    if out.returncode != 0:
        raise SystemExit(f"{mode} failed: {out.stderr}")
    return float(out.stdout.strip().splitlines()[-1])


def compile_bytecode() -> None:
    """Both windows start from compiled bytecode, as installed: PySide6 from pip's compile at
    install time, Askshot from scripts/run's compileall (this machine may set
    PYTHONDONTWRITEBYTECODE, which would otherwise make every Askshot start compile its source)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "app")],
        check=True,
        capture_output=True,
    )


def measure(runs: int, home: str | None) -> dict[str, object]:
    compile_bytecode()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("OPENAI_API_KEY", "sk-bench-not-used")
    with tempfile.TemporaryDirectory() as tmp:
        env["ASKSHOT_HOME"] = home or tmp
        launch("bare", env)  # warm the OS file cache for both
        launch("app", env)
        bare, app = [], []
        for _ in range(runs):
            bare.append(launch("bare", env))
            app.append(launch("app", env))
    mb, ma = statistics.median(bare), statistics.median(app)
    return {
        "runs": runs,
        "bare_window_s": {"median": round(mb, 4), "all": [round(x, 4) for x in bare]},
        "askshot_window_s": {"median": round(ma, 4), "all": [round(x, 4) for x in app]},
        "ratio": round(ma / mb, 3),
        "bytecode": "compiled (python -m compileall app, as scripts/run does)",
        "target_ratio": 1.5,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--home", help="ASKSHOT_HOME with an existing history")
    args = ap.parse_args()
    print(json.dumps(measure(args.runs, args.home), indent=2))


if __name__ == "__main__":
    main()
