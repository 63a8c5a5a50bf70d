"""`askshot doctor` as a user runs it: a real process in an isolated environment, with and
without a display, a running Askshot, a session bus with a portal, and a key that must never be
printed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from askshot import APP_ID, __version__
from tests.e2e.xserver import XServer, xserver  # noqa: F401 - fixture
from tests.helpers import ROOT, dbus
from tests.helpers.instance import start, stop, wait_status

SECRET = "sk-test-DOCTOR-SECRET-123"
SECRET_OR = "sk-or-v1-DOCTOR-SECRET-456"
KEYS = {
    "askshot",
    "python",
    "system",
    "qt",
    "session",
    "screens",
    "capture",
    "hotkey",
    "tray",
    "running",
    "keyring",
    "portal",
    "paths",
    "settings_warning",
}
SECTIONS = (
    "Askshot ",
    "Qt: ",
    "Session: ",
    "Capture: ",
    "Global shortcut: ",
    "Tray: ",
    "Running instance: ",
    "Keyring: ",
    "Portal: ",
    "Paths:",
)
NOT_RUNNING = "Askshot is not running"
# what would leak a display, a bus, a key or a profile of the machine running the tests
_DROP = ("DISPLAY", "WAYLAND", "DBUS", "XDG_", "QT_QPA", "OPENAI", "OPENROUTER", "PYTHON_KEYRING")


@pytest.fixture
def env(tmp_path: Path, askshot_home: Path) -> Iterator[dict[str, str]]:
    """No display, no session bus, no keyring, no key; HOME, XDG dirs and ASKSHOT_HOME in tmp;
    a short XDG_RUNTIME_DIR (socket paths are limited to ~100 bytes)."""
    runtime = tempfile.mkdtemp(prefix="askshot-rt-")
    os.chmod(runtime, 0o700)
    e = {k: v for k, v in os.environ.items() if not k.startswith(_DROP)}
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        (tmp_path / name.lower()).mkdir()
        e[name] = str(tmp_path / name.lower())
    e.update(
        ASKSHOT_HOME=str(askshot_home),
        XDG_RUNTIME_DIR=runtime,
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        NO_PROXY="127.0.0.1,localhost",
    )
    yield e
    shutil.rmtree(runtime, ignore_errors=True)


def doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "askshot", "doctor", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def report(env: dict[str, str]) -> dict[str, Any]:
    r = doctor(env, "--json")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    found = json.loads(r.stdout)
    assert isinstance(found, dict)
    return found


def text(env: dict[str, str]) -> str:
    r = doctor(env)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return r.stdout


def assert_all_sections(out: str) -> None:
    lines = out.splitlines()
    for heading in SECTIONS:
        assert any(line.startswith(heading) for line in lines), f"no {heading!r} line in:\n{out}"
    assert any(line.startswith(("Screen ", "Screens: ")) for line in lines), out
    for name in ("config", "data", "cache", "logs", "history", "instance_socket"):
        assert f"  {name}: " in out, out


# -- the report -------------------------------------------------------------------------------


def test_json_without_a_display(env: dict[str, str], askshot_home: Path) -> None:
    r = doctor(env, "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    found = json.loads(r.stdout)
    assert set(found) == KEYS
    assert found["askshot"]["version"] == __version__
    assert found["askshot"]["app_id"] == APP_ID
    assert found["qt"]["qt"] and found["qt"]["pyside6"]
    assert found["screens"] == "no display"
    assert found["session"]["kind"] == "" and found["session"]["x11_display"] == ""
    assert found["capture"]["backends"] and found["capture"]["why"]
    assert found["portal"] == {"available": False, "note": "no session bus"}
    assert found["settings_warning"] is None
    paths = found["paths"]
    assert paths["config"] == str(askshot_home / "config")
    assert paths["history"] == str(askshot_home / "data" / "history.sqlite3")
    assert paths["instance_socket"].startswith(env["XDG_RUNTIME_DIR"] + "/askshot/")


def test_json_offscreen_describes_the_screen(env: dict[str, str]) -> None:
    r = doctor({**env, "QT_QPA_PLATFORM": "offscreen"}, "--json")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    screens = json.loads(r.stdout)["screens"]
    assert isinstance(screens, list) and len(screens) == 1, screens
    _, _, width, height = screens[0]["geometry"]
    assert width > 0 and height > 0
    assert screens[0]["primary"] is True
    assert screens[0]["device_pixel_ratio"] == 1


@pytest.mark.parametrize("platform", ["", "offscreen"])
def test_human_readable_renders_every_section(env: dict[str, str], platform: str) -> None:
    out = text({**env, "QT_QPA_PLATFORM": platform} if platform else env)
    assert_all_sections(out)
    assert f"Askshot {__version__} (Python)" in out
    assert ("Screens: no display" in out) == (not platform)
    assert ("Screen " in out and "(primary)" in out) == bool(platform)
    assert f"Tray: unknown ({NOT_RUNNING})" in out
    assert "Running instance: none" in out
    assert "Portal: no session bus" in out


def test_settings_are_read_and_a_broken_file_is_reported(
    env: dict[str, str], askshot_home: Path
) -> None:
    settings = askshot_home / "config" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"hotkey": "Ctrl+Alt+Q"}), encoding="utf-8")
    assert report(env)["hotkey"]["chord"] == "Ctrl+Alt+Q"
    assert "Global shortcut: Ctrl+Alt+Q via none: unknown" in text(env)

    settings.write_text("{not json", encoding="utf-8")
    warning = report(env)["settings_warning"]
    assert warning and "not valid JSON" in warning
    settings.write_text("{not json", encoding="utf-8")  # it was moved aside: break it again
    out = text(env)
    assert_all_sections(out)
    assert "Settings: " in out and "not valid JSON" in out


def free_display() -> str:
    """An X display number nothing listens on (neither its socket file nor abstract name)."""
    for n in range(150, 250):
        path = f"/tmp/.X11-unix/X{n}"
        if os.path.exists(path):
            continue
        with socket.socket(socket.AF_UNIX) as s:
            try:
                s.connect("\0" + path)
            except OSError:
                return f":{n}"
    raise AssertionError("no free X display number")


def test_a_broken_environment_still_gets_a_report(env: dict[str, str], tmp_path: Path) -> None:
    """A stale DISPLAY (ssh, a stopped server) and an XDG_RUNTIME_DIR that is not a folder: the
    report is what the user needs then, not a crash (Qt aborts without a display server)."""
    not_a_folder = tmp_path / "runtime-file"
    not_a_folder.write_text("", encoding="utf-8")
    broken = {**env, "DISPLAY": free_display(), "XDG_RUNTIME_DIR": str(not_a_folder)}
    found = report(broken)
    assert found["screens"] == f"cannot connect to the display (DISPLAY={broken['DISPLAY']})"
    assert found["running"] == {"instance": False, "pid": None}
    assert found["paths"]["instance_socket"].startswith("unavailable (")
    out = text(broken)
    assert_all_sections(out)
    assert "Screens: cannot connect to the display" in out


# -- never a key ------------------------------------------------------------------------------


def test_a_key_in_the_environment_is_never_printed(env: dict[str, str], askshot_home: Path) -> None:
    keyed = {**env, "OPENAI_API_KEY": SECRET, "OPENROUTER_API_KEY": SECRET_OR}
    for args in (["--json"], []):
        r = doctor(keyed, *args)
        assert r.returncode == 0, r.stderr
        for secret in (SECRET, SECRET_OR, SECRET[-12:], SECRET_OR[-12:]):
            assert secret not in r.stdout + r.stderr, f"doctor {args} printed a key"
    keys = report(keyed)["keyring"]["keys"]
    assert keys["openai"] == "The key comes from the OPENAI_API_KEY environment variable."
    assert keys["openrouter"] == "The key comes from the OPENROUTER_API_KEY environment variable."
    assert keys["custom"].startswith("No API key is set.")  # it reads no environment variable
    out = text(keyed)
    assert "  openai: The key comes from the OPENAI_API_KEY environment variable." in out
    for path in [*askshot_home.rglob("*"), *Path(env["HOME"]).rglob("*")]:
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"key written to {path}"


@pytest.mark.keyring
def test_a_key_in_the_keyring_is_never_printed(
    env: dict[str, str], secret_service_env: dict[str, str]
) -> None:
    """Against a real Secret Service: doctor names the keyring the key is in, not the key."""
    keyring_env = {k: v for k, v in env.items() if k != "PYTHON_KEYRING_BACKEND"}
    keyring_env.update(secret_service_env)
    keyring_env["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]
    r = subprocess.run(
        [sys.executable, "-m", "askshot", "key", "set"],
        input=SECRET + "\n",
        env=keyring_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    for args in (["--json"], []):
        r = doctor(keyring_env, *args)
        assert r.returncode == 0, r.stderr
        assert SECRET not in r.stdout + r.stderr
    found = report(keyring_env)["keyring"]
    assert found["backend"] and "Secret Service" in found["backend"]
    assert found["keys"]["openai"].startswith("The key is stored in ")


# -- the running Askshot ----------------------------------------------------------------------


def test_the_running_instance_answers_for_the_shortcut_and_the_tray(
    env: dict[str, str],
) -> None:
    offscreen = {**env, "QT_QPA_PLATFORM": "offscreen", "OPENAI_API_KEY": SECRET}
    before = report(offscreen)
    assert before["running"] == {"instance": False, "pid": None}
    assert before["tray"] == {"available": None, "note": NOT_RUNNING}
    assert before["hotkey"]["status"]["verdict"] is None

    proc = start(offscreen, "--background")
    try:
        live = wait_status(offscreen, proc)
        assert live["pid"] == proc.pid
        found = report(offscreen)
        assert found["running"] == {"instance": True, "pid": proc.pid}
        # what the instance knows, passed on, not doctor's guess
        assert found["hotkey"]["status"] == live["hotkey"]
        assert found["hotkey"]["status"]["verdict"] == "unsupported"  # offscreen: no shortcut
        assert found["tray"] == live["tray"] == {"available": False}
        r = doctor(offscreen)
        assert r.returncode == 0, r.stderr
        assert_all_sections(r.stdout)
        assert f"Running instance: pid {proc.pid}" in r.stdout
        assert "Tray: none" in r.stdout
        assert "via none: unsupported" in r.stdout
        # the way to bind it in the desktop instead, with the command itself
        commands = found["hotkey"]["status"]["instructions"]["commands"]
        assert commands.endswith("--capture")
        assert f"    {commands.splitlines()[-1]}" in r.stdout.splitlines()
        assert NOT_RUNNING not in r.stdout
        assert SECRET not in r.stdout + r.stderr

        # killed: its socket stays behind and answers nobody; doctor says so, at once
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        started = time.monotonic()
        after = report(offscreen)
        assert time.monotonic() - started < 15
        assert after["running"] == {"instance": False, "pid": None}
        assert after["tray"]["note"] == NOT_RUNNING
    finally:
        stop(proc)


@pytest.mark.x11
def test_on_x11_the_verdict_is_the_running_instances(
    env: dict[str, str],
    xserver: XServer,  # noqa: F811 - fixture
) -> None:
    x11 = {**env, "DISPLAY": xserver.display, "XDG_SESSION_TYPE": "x11"}
    before = report(x11)
    assert before["session"]["kind"] == "x11"
    assert before["hotkey"]["backend"] == "x11"
    assert before["hotkey"]["status"]["verdict"] is None
    assert [s["geometry"] for s in before["screens"]] == [[0, 0, 1280, 800]]

    proc = start(x11, "--background")
    try:
        live = wait_status(x11, proc)
        found = report(x11)
        assert found["running"] == {"instance": True, "pid": proc.pid}
        assert found["hotkey"]["status"] == live["hotkey"]
        assert found["hotkey"]["status"]["verdict"] == "bound", live
        chord = found["hotkey"]["chord"]
        out = text(x11)
        assert f"Global shortcut: {chord} via x11: bound" in out
        assert ": 1280x800 at 0,0, pixel ratio 1 (primary)" in out  # Xvfb's one screen
    finally:
        stop(proc)


# -- the portal -------------------------------------------------------------------------------


def test_the_portals_interfaces_and_versions(env: dict[str, str]) -> None:
    with dbus.private_bus() as address:
        on_bus = {**env, "DBUS_SESSION_BUS_ADDRESS": address}
        assert report(on_bus)["portal"] == {
            "available": False,
            "interfaces": {"Screenshot": None, "GlobalShortcuts": None, "Settings": None},
        }
        assert "Portal: none of its interfaces" in text(on_bus)
        with dbus.fake_service("portal", address, "--gs-version", "2", env=on_bus):
            assert report(on_bus)["portal"] == {
                "available": True,
                "interfaces": {"Screenshot": 2, "GlobalShortcuts": 2, "Settings": None},
            }
            assert "Portal: Screenshot v2, GlobalShortcuts v2" in text(on_bus)
