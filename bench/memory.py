"""Idle memory (RSS) of the window with a 1,000-message conversation open, against a bare
PySide6 window started the same way. Prints JSON (medians of N runs).

Two ways to get the key: OPENAI_API_KEY, and a real Secret Service (gnome-keyring on a private
D-Bus session, started here as the tests start it) holding the key, which is how most people
will run Askshot. The second is skipped, with a note, where gnome-keyring is not installed.

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
    from askshot.core.history import Store
    from askshot.core.paths import Paths

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


def keyring_env(root: Path) -> tuple[dict[str, str], object] | str:
    """Start a Secret Service holding a key; (its environment, the service) or why not."""
    try:
        from tests.e2e.conftest import start_secret_service
    except ImportError as exc:  # pytest is a test extra
        return f"no Secret Service: {exc}"
    try:
        service = start_secret_service(root)
    except BaseException as exc:  # pytest's skip is a BaseException
        return f"no Secret Service: {exc}"
    saved = {k: os.environ.get(k) for k in service.env}
    os.environ.update(service.env)
    try:
        from keyring.backends import SecretService

        from askshot.core.keys.store import KeyStore

        KeyStore(backend=SecretService.Keyring(), env={}).set("openai", "sk-bench-in-keyring")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return dict(service.env), service


def summary(values: list[float]) -> dict[str, object]:
    return {"median": statistics.median(values), "all": values}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--messages", type=int, default=1000)
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("OPENAI_API_KEY", "sk-bench-not-used")
    out: dict[str, object] = {"messages_open": args.messages}
    with tempfile.TemporaryDirectory() as tmp:
        build_history(Path(tmp) / "home", args.messages)
        env["ASKSHOT_HOME"] = str(Path(tmp) / "home")
        found = keyring_env(Path(tmp) / "keyring")
        bare, app, app_keyring = [], [], []
        try:
            for _ in range(args.runs):
                bare.append(launch("bare", env))
                app.append(launch("app", env))
                if not isinstance(found, str):
                    without_key = {k: v for k, v in env.items() if k != "OPENAI_API_KEY"}
                    app_keyring.append(launch("app", {**without_key, **found[0]}))
        finally:
            if not isinstance(found, str):
                found[1].close()  # type: ignore[attr-defined]
        out["bare_window_rss_mib"] = summary(bare)
        out["askshot_rss_mib"] = summary(app)  # the key from OPENAI_API_KEY
        if isinstance(found, str):
            out["askshot_key_in_keyring_rss_mib"] = found
        else:
            out["askshot_key_in_keyring_rss_mib"] = summary(app_keyring)
    out["target_mib"] = 100
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
