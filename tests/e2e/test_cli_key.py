"""`askshot key` against a real Secret Service (gnome-keyring in a private D-Bus session), and
`askshot ask` using the stored key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT
from tests.helpers import fakeserver as fs

KEY = "sk-proj-stored-in-keyring-0123456789"

pytestmark = pytest.mark.keyring


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "OPENROUTER"))}
    env["PYTHONPATH"] = str(ROOT)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return subprocess.run(
        [sys.executable, "-m", "askshot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


def secret_tool_lookup(provider: str) -> str:
    r = subprocess.run(
        ["secret-tool", "lookup", "service", "askshot", "username", provider],
        capture_output=True,
        text=True,
        timeout=20,
    )
    return r.stdout


def test_set_status_ask_delete(secret_service_env, askshot_home) -> None:
    r = run("key", "set", stdin=KEY + "\n")
    assert r.returncode == 0, r.stderr
    assert "Secret Service" in r.stdout
    assert KEY not in r.stdout + r.stderr
    assert secret_tool_lookup("openai") == KEY

    r = run("key", "status")
    assert r.returncode == 0
    assert "Secret Service (GNOME Keyring)" in r.stdout
    assert KEY not in r.stdout + r.stderr

    with fs.FakeServer() as server:
        r = run("ask", "hi", "--base-url", server.base_url)
        assert r.returncode == 0, r.stderr
        assert server.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"

    files = [p for p in askshot_home.rglob("*") if p.is_file()]
    for path in files:
        assert KEY.encode() not in path.read_bytes(), f"key found in {path}"

    r = run("key", "delete")
    assert r.returncode == 0
    assert secret_tool_lookup("openai") == ""
    r = run("key", "status")
    assert r.returncode == 1
    assert "No API key" in r.stdout


def test_key_per_provider(secret_service_env) -> None:
    assert (
        run("key", "set", "--provider", "openrouter", stdin="sk-or-v1-abcdef123456\n").returncode
        == 0
    )
    assert secret_tool_lookup("openrouter") == "sk-or-v1-abcdef123456"
    assert secret_tool_lookup("openai") == ""


def test_environment_variable_overrides(secret_service_env, monkeypatch) -> None:
    run("key", "set", stdin=KEY + "\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "sk-from-env-999999"}
    r = subprocess.run(
        [sys.executable, "-m", "askshot", "key", "status"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert "OPENAI_API_KEY" in r.stdout
    assert "sk-from-env" not in r.stdout


def test_no_keyring_refuses_to_save_and_says_how_to_fix(monkeypatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-m", "askshot", "key", "set"],
        input=KEY + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 1
    assert "not saved" in r.stderr
    assert "OPENAI_API_KEY" in r.stderr
    assert KEY not in r.stdout + r.stderr
