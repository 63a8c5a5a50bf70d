"""Run a snippet of Python in a fresh interpreter (what a process loads is only visible there)
and read the JSON object it prints last."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.helpers import ROOT


def run_probe(code: str, env: dict[str, str], *args: str, timeout: float = 60) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])
