"""Test helpers: the fake OpenAI-compatible server, in-memory keyrings, probes, D-Bus config."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
DATA = ROOT / "tests" / "data"  # what the tests need besides code (a clone carries it)
