"""A real X server for end-to-end tests: Xvfb on a free display, driven with xdotool."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import helpers


@dataclass
class XServer:
    display: str
    proc: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DISPLAY"] = self.display
        env.pop("QT_QPA_PLATFORM", None)
        env.pop("WAYLAND_DISPLAY", None)
        env["XDG_SESSION_TYPE"] = "x11"
        return env

    def xdotool(self, *args: str, timeout: float = 20) -> str:
        r = subprocess.run(
            ["xdotool", *args], env=self.env(), capture_output=True, text=True, timeout=timeout
        )
        if r.returncode != 0:
            raise AssertionError(f"xdotool {' '.join(args)} failed: {r.stderr.strip()}")
        return r.stdout.strip()

    def visible(self, name: str) -> str | None:
        """The id of a visible window titled exactly `name`, or None."""
        r = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", f"^{name}$"],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=10,
        )
        return r.stdout.split()[0] if r.stdout.strip() else None

    def wait_window(self, name: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.visible(name)
            if found is not None:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no visible window named {name!r} within {timeout} s")

    def drag(self, start: tuple[int, int], *through: tuple[int, int]) -> None:
        """Press the left button at `start`, move through the points, release at the last."""
        self.xdotool("mousemove", *map(str, start))
        self.xdotool("mousedown", "1")
        for point in through:
            self.xdotool("mousemove", *map(str, point))
        self.xdotool("mouseup", "1")

    def screenshot(self, path: Path) -> Path:
        subprocess.run(
            ["import", "-window", "root", str(path)], env=self.env(), check=True, timeout=30
        )
        return path


def require(*tools: str) -> None:
    helpers.require(*tools, packages="xvfb xdotool imagemagick")


def start_xvfb(width: int = 1280, height: int = 800) -> XServer:
    require("Xvfb", "xdotool")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        raise AssertionError("Xvfb did not start")
    return XServer(f":{number}", proc)


@pytest.fixture
def xserver() -> Iterator[XServer]:
    x = start_xvfb()
    try:
        yield x
    finally:
        x.proc.terminate()
        x.proc.wait(timeout=10)
