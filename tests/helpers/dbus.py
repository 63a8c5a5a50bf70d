"""A private D-Bus session bus for tests (nothing is activated behind our back), and the fake
services of fakebus.py on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import ROOT, require
from tests.helpers.dbus_config import BUS_CONFIG


def require_dbus() -> None:
    require("dbus-daemon", packages="dbus")


@contextmanager
def private_bus() -> Iterator[str]:
    """A fresh session bus; yields its address."""
    require_dbus()
    sock_dir = tempfile.mkdtemp(prefix="askshot-bus-")  # unix socket paths must stay short
    config = Path(sock_dir) / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket=Path(sock_dir) / "bus"), encoding="utf-8")
    bus = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    bus.stdout.close()
    try:
        yield address
    finally:
        bus.terminate()
        bus.wait(timeout=10)
        shutil.rmtree(sock_dir, ignore_errors=True)


@contextmanager
def fake_service(
    kind: str, address: str, *options: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[str]]:
    """Run fakebus.py's `kind` ("portal" or "watcher") on the bus until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.fakebus", kind, address, *options],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**(env or os.environ), "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
