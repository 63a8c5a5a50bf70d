"""Idle memory (RSS) of the window with a 1,000-message conversation open, against a bare
PySide6 window started the same way. Prints JSON (medians of N runs).

    QT_QPA_PLATFORM=offscreen python bench/memory.py [--runs 3] [--messages 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PARAGRAPH = (
    "The build fails because the linker cannot find `libfoo.so`. Check `LD_LIBRARY_PATH`, "
    "then run:\n\n```bash\nldconfig -p | grep foo\nexport LD_LIBRARY_PATH=/opt/foo/lib\n```\n\n"
    "| step | result |\n|---|---|\n| ldconfig | found |\n| build | ok |\n"
)


def build_history(home: Path, messages: int) -> None:
    from app.core.paths import Paths
    from app.core.store import Store

    with Store.open(Paths.from_env({"ASKSHOT_HOME": str(home)})) as store:
        cid = store.create_conversation(model="o4-mini")
        parent = None
        for i in range(messages // 2):
            q = store.add_user_message(
                cid, f"Question {i}: why does step {i} fail?", parent_id=parent
            )
            a = store.begin_reply(cid, q, "o4-mini", "medium")
            store.finish_reply(a, "done", text=f"Answer {i}. " + PARAGRAPH, cost_usd=0.001)
            parent = a


def launch(mode: str, env: dict[str, str]) -> float:
    from startup import launch as run

    return run(mode, env, "rss")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--messages", type=int, default=1000)
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("OPENAI_API_KEY", "sk-bench-not-used")
    with tempfile.TemporaryDirectory() as tmp:
        build_history(Path(tmp), args.messages)
        env["ASKSHOT_HOME"] = tmp
        bare, app = [], []
        for _ in range(args.runs):
            bare.append(launch("bare", env))
            app.append(launch("app", env))
    print(
        json.dumps(
            {
                "messages_open": args.messages,
                "bare_window_rss_mib": {"median": statistics.median(bare), "all": bare},
                "askshot_rss_mib": {"median": statistics.median(app), "all": app},
                "target_mib": 100,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
