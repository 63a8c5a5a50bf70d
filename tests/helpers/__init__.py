"""Test helpers: the fake OpenAI-compatible server, in-memory keyrings, probes, D-Bus config,
and `require`, the one rule for the system tools a test needs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the repository
DATA = ROOT / "tests" / "data"  # what the tests need besides code (a clone carries it)


def require(*tools: str, packages: str, what: str = "this test") -> list[str]:
    """The tools' absolute paths; when one is missing, skip the test locally and fail it when
    CI is set (the CI machine must have everything), naming the Debian packages that have it."""
    found = [shutil.which(tool) for tool in tools]
    missing = [tool for tool, path in zip(tools, found, strict=True) if path is None]
    if missing:
        message = f"{what} needs {', '.join(missing)} (Debian/Ubuntu: apt-get install {packages})"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return [path for path in found if path is not None]
