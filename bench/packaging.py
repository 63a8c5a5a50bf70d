"""The installed build against the venv, in the same run: start to a visible window (warm, and
cold after dropping the page cache when run as root), `askshot --version` and a headless
`askshot ask` against the loopback test server; package and installed sizes. Prints JSON.

    .venv/bin/python bench/packaging.py [--installed /usr/bin/askshot] [--runs 7] [--cold-runs 5]
    .venv/bin/python bench/packaging.py --headless-only     (what packaging/check.sh gates on)

Run it with the .deb installed (packaging/check.sh installs it, or `apt-get install
./packaging/dist/askshot_*.deb`). The venv's `askshot` is the baseline: same sources, same
machine, interleaved runs, medians. A window counts as visible when xdotool finds it mapped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.xserver import start_xvfb  # noqa: E402
from tests.helpers import fakeserver as fs  # noqa: E402


def clean_env(**extra: str) -> dict[str, str]:
    drop = ("OPENAI", "OPENROUTER", "PYTHON", "VIRTUAL_ENV", "QT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(NO_PROXY="127.0.0.1,localhost", **extra)
    return env


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=60)
    return (time.perf_counter() - t) * 1000


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def time_to_window(cmd: list[str], env: dict[str, str], display_env: dict[str, str]) -> float:
    """Milliseconds from exec to the main window mapped and visible."""
    runtime = tempfile.mkdtemp(prefix="askshot-rt-")
    home = tempfile.mkdtemp(prefix="askshot-home-")
    env = dict(env, **display_env, XDG_RUNTIME_DIR=runtime, ASKSHOT_HOME=home)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t < 30:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "^Askshot$"],
                env=display_env,
                capture_output=True,
            )
            if found.stdout.strip():
                return (time.perf_counter() - t) * 1000
            time.sleep(0.01)
        raise RuntimeError(f"{cmd[0]}: no window in 30 s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(runtime, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


def stats(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(values), 1), "min_ms": round(min(values), 1)}


def sizes(installed: str) -> dict[str, int]:
    out: dict[str, int] = {}
    debs = sorted((ROOT / "packaging" / "dist").glob("askshot_*.deb"))
    if debs:
        out["deb_bytes"] = debs[-1].stat().st_size
    tarballs = sorted((ROOT / "packaging" / "dist").glob("askshot-*.tar.gz"))
    if tarballs:
        out["tarball_bytes"] = tarballs[-1].stat().st_size
    folder = Path(os.path.realpath(installed)).parent
    out["installed_program_bytes"] = sum(
        p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink()
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--installed", default="/usr/bin/askshot")
    ap.add_argument("--venv", default=str(ROOT / ".venv" / "bin" / "askshot"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--headless-only", action="store_true")
    args = ap.parse_args()
    builds = {"installed": [args.installed], "venv": [args.venv]}
    results: dict[str, dict[str, object]] = {name: {} for name in builds}

    with fs.FakeServer() as server:
        env = clean_env(
            OPENAI_API_KEY="sk-bench",
            OPENAI_BASE_URL=server.base_url,
            ASKSHOT_HOME=tempfile.mkdtemp(prefix="askshot-bench-"),
        )
        for label, argv in (
            ("version", ["--version"]),
            ("ask", ["ask", "--no-history", "Say hi"]),
        ):
            samples: dict[str, list[float]] = {name: [] for name in builds}
            for _ in range(args.runs + 1):  # the first of each is a warm-up, not counted
                for name, cmd in builds.items():
                    if label == "ask":
                        server.enqueue(fs.text_reply(["Hi", " there"]))
                    samples[name].append(timed(cmd + argv, env))
            for name in builds:
                results[name][label] = stats(samples[name][1:])

    if not args.headless_only:
        x = start_xvfb(1280, 800)
        try:
            display_env = {"DISPLAY": x.display, "XDG_SESSION_TYPE": "x11"}
            env = clean_env(OPENAI_API_KEY="sk-bench")
            for label, runs, cold in (
                ("window_warm", args.runs, False),
                ("window_cold", args.cold_runs, True),
            ):
                if cold and not drop_caches():
                    results["note"] = {"window_cold": "skipped: dropping caches needs root"}
                    continue
                samples = {name: [] for name in builds}
                for i in range(runs + (0 if cold else 1)):
                    for name, cmd in builds.items():
                        if cold:
                            drop_caches()
                        ms = time_to_window(cmd, env, display_env)
                        if cold or i > 0:
                            samples[name].append(ms)
                for name in builds:
                    results[name][label] = stats(samples[name])
        finally:
            x.proc.terminate()
            x.proc.wait(timeout=10)

    ratios = {
        label: round(
            results["installed"][label]["median_ms"] / results["venv"][label]["median_ms"], 2
        )
        for label in results["installed"]
    }
    out = {
        "runs": args.runs,
        "cold_runs": args.cold_runs,
        **results,
        "ratio_installed_to_venv": ratios,
        "sizes": sizes(args.installed),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
