"""Askshot as a real process for the tests of the one instance: start it, ask the running one
for its status over the instance socket, stop it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from askshot.platform.instance import Message, send
from tests.helpers import ROOT


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`askshot ARGS` (stderr kept for `stop` to return)."""
    return subprocess.Popen(
        [sys.executable, "-m", "askshot", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def status(env: dict[str, str]) -> dict[str, object] | None:
    """What the running instance says of itself, or None when none answers."""
    reply = send(Message("status"), env)
    if reply is None or not reply.ok:
        return None
    found = json.loads(reply.text)
    assert isinstance(found, dict)
    return found


def wait_status(
    env: dict[str, str], proc: subprocess.Popen[str] | None = None, timeout: float = 30
) -> dict[str, object]:
    """The status once an instance answers; fails at once if `proc` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = status(env)
        if found is not None:
            return found
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"Askshot exited ({proc.returncode}): {stop(proc)}")
        time.sleep(0.05)
    raise AssertionError("no instance answered")


def stop(proc: subprocess.Popen[str]) -> str:
    """SIGTERM (then kill); what it wrote to stderr."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    _, err = proc.communicate(timeout=10)
    return err
