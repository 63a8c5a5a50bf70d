"""Askshot in the desktop: the launcher entry (checked by desktop-file-validate and launched by
GLib's own parser through `gio launch`), icons and autostart in temporary XDG directories, the
Windows Run value through a fake registry, and the macOS LaunchAgent in a temporary home."""

from __future__ import annotations

import os
import plistlib
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from askshot import APP_ID
from askshot.core.resources import resource
from askshot.platform.desktop import (
    APPROVED_KEY,
    ICON_SIZES,
    RUN_KEY,
    RUN_VALUE,
    LinuxPlaces,
    autostart_enabled,
    autostart_linux,
    autostart_macos,
    autostart_windows,
    desktop_entry,
    executable_command,
    install_linux,
    launch_agent_path,
    set_autostart,
    set_autostart_linux,
    set_autostart_macos,
    set_autostart_windows,
    status_linux,
    uninstall_linux,
    windows_run_value,
)

# -- reading a desktop entry the way the spec says ------------------------------------------------


def groups(text: str) -> dict[str, dict[str, str]]:
    """[group] -> key -> raw value."""
    result: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in text.split("\n"):  # the spec's only line break (not str.splitlines')
        if line.startswith("[") and line.endswith("]"):
            current = result.setdefault(line[1:-1], {})
        elif "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            assert key not in current, f"{key} twice"
            current[key] = value
    return result


def unescape_string(value: str) -> str:
    """The spec's string-value escapes: \\s \\n \\t \\r \\\\."""
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\":
            out.append({"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def split_exec(raw: str) -> list[str]:
    """An Exec value to argv: string escapes first, then the quoting rules (a reserved character
    outside quotes is an error, as are field codes: Askshot's entries have none)."""
    value = unescape_string(raw)
    args: list[str] = []
    current: list[str] | None = None
    i = 0
    while i < len(value):
        c = value[i]
        if c == " ":
            if current is not None:
                args.append("".join(current))
                current = None
            i += 1
            continue
        current = [] if current is None else current
        if c == '"':
            i += 1
            while value[i] != '"':
                if value[i] == "\\":
                    assert value[i + 1] in '"`$\\', f"bad escape in {raw!r}"
                    i += 1
                current.append(value[i])
                i += 1
            i += 1
        else:
            assert c not in RESERVED, f"unquoted {c!r} in {raw!r}"
            assert c != "%", f"field code in {raw!r}"
            current.append(c)
            i += 1
    if current is not None:
        args.append("".join(current))
    return args


# -- executable_command ---------------------------------------------------------------------------


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_executable_command_of_this_checkout_is_absolute() -> None:
    command = executable_command()
    assert Path(command[0]).is_absolute()
    assert Path(command[0]).is_file()


def test_executable_command_prefers_the_script_beside_the_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = _executable(tmp_path / "venv" / "bin" / "python")
    script = _executable(tmp_path / "venv" / "bin" / "askshot")
    _executable(tmp_path / "elsewhere" / "askshot")
    monkeypatch.setattr(sys, "executable", str(python))
    assert executable_command({"PATH": str(tmp_path / "elsewhere")}) == [str(script)]


def test_executable_command_falls_back_to_path_then_to_the_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = _executable(tmp_path / "python" / "bin" / "python3")
    monkeypatch.setattr(sys, "executable", str(python))
    on_path = _executable(tmp_path / "pipx bin" / "askshot")
    assert executable_command({"PATH": str(on_path.parent)}) == [str(on_path)]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert executable_command({"PATH": str(empty)}) == [str(python), "-m", "askshot"]


def test_executable_command_of_a_frozen_build_is_the_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = _executable(tmp_path / "Ask Shot" / "askshot-bin")
    link = tmp_path / "link"
    link.symlink_to(program)
    monkeypatch.setattr(sys, "executable", str(link))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert executable_command({"PATH": ""}) == [str(program.resolve())]


# -- desktop_entry --------------------------------------------------------------------------------


def test_entry_names_the_command_absolutely_and_keeps_the_actions() -> None:
    entry = groups(desktop_entry(["/opt/askshot/bin/askshot"]))
    main = entry["Desktop Entry"]
    assert split_exec(main["Exec"]) == ["/opt/askshot/bin/askshot"]
    assert main["TryExec"] == "/opt/askshot/bin/askshot"
    assert main["Actions"] == "capture;new-chat;"
    assert main["Icon"] == APP_ID
    assert "X-GNOME-Autostart-enabled" not in main
    assert split_exec(entry["Desktop Action capture"]["Exec"]) == [
        "/opt/askshot/bin/askshot",
        "--capture",
    ]
    assert split_exec(entry["Desktop Action new-chat"]["Exec"]) == [
        "/opt/askshot/bin/askshot",
        "--new-chat",
    ]


def test_entry_quotes_a_path_with_spaces_and_keeps_extra_arguments() -> None:
    command = ["/home/a b/.venv/bin/python3", "-m", "askshot"]
    text = desktop_entry(command)
    assert 'Exec="/home/a b/.venv/bin/python3" -m askshot\n' in text
    entry = groups(text)
    assert split_exec(entry["Desktop Action capture"]["Exec"]) == [*command, "--capture"]
    assert entry["Desktop Entry"]["TryExec"] == "/home/a b/.venv/bin/python3"


def test_autostart_entry_starts_in_the_background_without_actions() -> None:
    command = ["/home/a b/bin/askshot"]
    text = desktop_entry(command, autostart=True)
    entry = groups(text)
    assert list(entry) == ["Desktop Entry"]
    main = entry["Desktop Entry"]
    assert split_exec(main["Exec"]) == [*command, "--background"]
    assert main["TryExec"] == command[0]
    assert "Actions" not in main
    assert main["X-GNOME-Autostart-enabled"] == "true"
    assert "[Desktop Action" not in text


AWKWARD = "/tmp/My Apps/a$b`c\"d'e\\f;g&h(i)#j*k?l~m<n>o|p/askshot"


# Any text but control characters (a string value may not hold them; tab, newline and return
# have escapes) and "%" (field codes: Askshot's paths do not have one).
ARGUMENT = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cc"], exclude_characters="%"),
        st.sampled_from("\t\n\r"),
    ),
    min_size=1,
)


@given(st.lists(ARGUMENT))
def test_exec_quoting_round_trips_any_argument(args: list[str]) -> None:
    command = ["/usr/bin/askshot", *args]
    entry = groups(desktop_entry(command))
    assert split_exec(entry["Desktop Entry"]["Exec"]) == command
    assert split_exec(entry["Desktop Action capture"]["Exec"]) == [*command, "--capture"]
    assert unescape_string(entry["Desktop Entry"]["TryExec"]) == "/usr/bin/askshot"


@pytest.mark.parametrize(
    "command",
    [
        ["/usr/bin/askshot"],
        ["/home/user/.local/bin/askshot"],
        ["/home/a b/.venv/bin/python3", "-m", "askshot"],
        [AWKWARD],
    ],
)
@pytest.mark.parametrize("autostart", [False, True])
def test_every_entry_passes_desktop_file_validate(
    desktop_file_validate: str, tmp_path: Path, command: list[str], autostart: bool
) -> None:
    path = tmp_path / f"{APP_ID}.desktop"
    path.write_text(desktop_entry(command, autostart=autostart), encoding="utf-8")
    done = subprocess.run(
        [desktop_file_validate, str(path)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout + done.stderr == ""  # no warnings or hints either
    argv = split_exec(groups(path.read_text(encoding="utf-8"))["Desktop Entry"]["Exec"])
    assert argv[: len(command)] == command


def _launched_argv(gio: str, entry: Path, out: Path) -> list[str]:
    done = subprocess.run([gio, "launch", str(entry)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 10
    while not (out.exists() and out.read_text().endswith("END\n")):
        assert time.monotonic() < deadline, f"{entry.name} did not start the program"
        time.sleep(0.02)
    return out.read_text().split("\0")[:-1]


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[Path, Path]:
    """A program at an awkward path that writes its argv (NUL-separated) to a file."""
    out = tmp_path / "argv"
    program = tmp_path / "My Apps" / "a$b`c\"d'e\\f;g&h(i)#j*k?l~m|p" / "askshot"
    program.parent.mkdir(parents=True)
    program.write_text(
        f'#!/bin/sh\nfor a in "$0" "$@"; do printf "%s\\0" "$a"; done > "{out}.tmp"\n'
        f'echo END >> "{out}.tmp"; mv "{out}.tmp" "{out}"\n'
    )
    program.chmod(0o755)
    return program, out


def test_glib_launches_the_entry_with_the_exact_arguments(
    gio: str, tmp_path: Path, recorder: tuple[Path, Path]
) -> None:
    """GLib reads Exec and TryExec as the desktop does (a TryExec it cannot find hides the
    entry: `gio launch` fails)."""
    program, out = recorder
    command = [str(program), "two words"]
    entry = tmp_path / "entry.desktop"
    entry.write_text(desktop_entry(command), encoding="utf-8")
    assert _launched_argv(gio, entry, out) == command
    out.unlink()
    autostart = tmp_path / "autostart.desktop"
    autostart.write_text(desktop_entry(command, autostart=True), encoding="utf-8")
    assert _launched_argv(gio, autostart, out) == [*command, "--background"]


def test_glib_launches_the_capture_action_with_the_exact_arguments(
    gio: str, tmp_path: Path, recorder: tuple[Path, Path]
) -> None:
    program, out = recorder
    entry = groups(desktop_entry([str(program)]))
    capture = tmp_path / "capture.desktop"  # the action's Exec as an entry of its own
    capture.write_text(
        "[Desktop Entry]\nType=Application\nName=Capture\n"
        f"Exec={entry['Desktop Action capture']['Exec']}\n",
        encoding="utf-8",
    )
    assert _launched_argv(gio, capture, out) == [str(program), "--capture"]


# -- Linux install, status, autostart -------------------------------------------------------------


@pytest.fixture
def places(tmp_path: Path) -> LinuxPlaces:
    env = {
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    return LinuxPlaces.from_env(env)


COMMAND = ["/opt/Ask Shot/askshot"]


def test_places_follow_xdg_and_default_to_home(tmp_path: Path) -> None:
    places = LinuxPlaces.from_env(
        {"HOME": "/h", "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CONFIG_HOME": "/c"}
    )
    assert places.applications == tmp_path / "d" / "applications"
    assert places.icons == tmp_path / "d" / "icons" / "hicolor"
    assert places.autostart == Path("/c/autostart")
    assert places.entry == tmp_path / "d" / "applications" / f"{APP_ID}.desktop"
    assert places.autostart_entry == Path(f"/c/autostart/{APP_ID}.desktop")
    for env in ({"HOME": "/h"}, {"HOME": "/h", "XDG_DATA_HOME": "", "XDG_CONFIG_HOME": ""}):
        places = LinuxPlaces.from_env(env)
        assert places.applications == Path("/h/.local/share/applications")
        assert places.icons == Path("/h/.local/share/icons/hicolor")
        assert places.autostart == Path("/h/.config/autostart")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_install_writes_the_entry_and_every_icon(places: LinuxPlaces, tmp_path: Path) -> None:
    written = install_linux(places, COMMAND)
    assert places.entry.read_text(encoding="utf-8") == desktop_entry(COMMAND)
    svg = places.icons / "scalable" / "apps" / f"{APP_ID}.svg"
    pngs = [places.icons / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in ICON_SIZES]
    assert written == [places.entry, svg, *pngs]
    source = resource("icons", "hicolor", "scalable", "apps", f"{APP_ID}.svg")
    assert svg.read_bytes() == source.read_bytes()
    assert b"<svg" in svg.read_bytes()
    for size, png in zip(ICON_SIZES, pngs, strict=True):
        assert _png_size(png) == (size, size)
    assert not places.autostart_entry.exists()
    assert not list(tmp_path.rglob("*.tmp"))
    assert not (tmp_path / "home").exists()  # only the XDG directories given


def test_install_with_autostart_and_none_leaves_it(places: LinuxPlaces) -> None:
    written = install_linux(places, COMMAND, autostart=True)
    assert written[-1] == places.autostart_entry
    assert autostart_linux(places)
    install_linux(places, COMMAND)  # None: as it is
    assert autostart_linux(places)
    assert places.autostart_entry not in install_linux(places, COMMAND, autostart=False)
    assert not places.autostart_entry.exists()
    assert places.entry.exists()


def test_uninstall_removes_what_install_wrote(places: LinuxPlaces) -> None:
    written = install_linux(places, COMMAND, autostart=True)
    assert sorted(uninstall_linux(places)) == sorted(written)
    assert all(not path.exists() for path in written)
    assert uninstall_linux(places) == []


def test_status_reports_the_user_entry_the_system_entry_and_autostart(
    places: LinuxPlaces, tmp_path: Path
) -> None:
    system_dirs = f"{tmp_path / 'usr-local'}:{tmp_path / 'usr'}"
    env = {"XDG_DATA_DIRS": system_dirs}
    status = status_linux(places, env)
    assert (status.launcher, status.autostart, status.system_entry) == (False, False, False)
    assert status.where == "not installed for this user"

    install_linux(places, COMMAND, autostart=True)
    system_entry = tmp_path / "usr" / "applications" / f"{APP_ID}.desktop"
    system_entry.parent.mkdir(parents=True)
    system_entry.write_text(desktop_entry(["/usr/bin/askshot"]))
    status = status_linux(places, env)
    assert (status.launcher, status.autostart, status.system_entry) == (True, True, True)
    assert status.where == str(places.entry)


def test_set_autostart_linux_on_and_off(places: LinuxPlaces) -> None:
    assert not autostart_linux(places)
    set_autostart_linux(places, COMMAND, True)
    assert places.autostart_entry.read_text(encoding="utf-8") == desktop_entry(
        COMMAND, autostart=True
    )
    assert autostart_linux(places)
    set_autostart_linux(places, COMMAND, False)
    assert not places.autostart_entry.exists()
    assert not autostart_linux(places)
    set_autostart_linux(places, COMMAND, False)  # off twice is fine


@pytest.mark.parametrize(
    ("line", "on"),
    [
        ("Hidden=true", False),
        ("Hidden = true", False),  # spaces around "=" are allowed
        ("Hidden=false", True),
        ("X-GNOME-Autostart-enabled=false", False),
        ("#Hidden=true", True),
    ],
)
def test_autostart_switched_off_by_the_desktop_counts_as_off(
    places: LinuxPlaces, line: str, on: bool
) -> None:
    set_autostart_linux(places, COMMAND, True)
    text = places.autostart_entry.read_text(encoding="utf-8")
    text = text.replace("X-GNOME-Autostart-enabled=true\n", "")
    places.autostart_entry.write_text(text + line + "\n", encoding="utf-8")
    assert autostart_linux(places) is on


def test_an_unreadable_autostart_entry_counts_as_off(places: LinuxPlaces) -> None:
    places.autostart.mkdir(parents=True)
    places.autostart_entry.write_bytes(b"[Desktop Entry]\nName=Caf\xe9\n")  # Latin-1
    assert autostart_linux(places) is False


def test_set_autostart_and_autostart_enabled_on_linux(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PATH": os.environ.get("PATH", ""),
    }
    assert autostart_enabled("linux", env) is False
    set_autostart(True, "linux", env)
    assert autostart_enabled("linux", env) is True
    entry = groups((tmp_path / "config" / "autostart" / f"{APP_ID}.desktop").read_text())
    argv = split_exec(entry["Desktop Entry"]["Exec"])
    assert argv == [*executable_command(env), "--background"]
    assert Path(argv[0]).is_absolute()
    set_autostart(False, "linux", env)
    assert autostart_enabled("linux", env) is False


# -- Windows --------------------------------------------------------------------------------------


class FakeKey:
    def __init__(self, path: str, writable: bool) -> None:
        self.path = path
        self.writable = writable


class FakeRegistry:
    """winreg's behaviour for HKCU: missing keys and values raise FileNotFoundError (an
    OSError), writing through a key opened for reading raises PermissionError."""

    HKEY_CURRENT_USER = "HKCU"
    KEY_READ = 0x20019
    KEY_SET_VALUE = 0x0002
    REG_SZ = 1
    REG_BINARY = 3

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, tuple[Any, int]]] = {}

    def OpenKey(self, key: Any, sub: str, reserved: int = 0, access: int = KEY_READ) -> FakeKey:
        assert key == self.HKEY_CURRENT_USER
        if sub not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return FakeKey(sub, bool(access & self.KEY_SET_VALUE))

    def CreateKey(self, key: Any, sub: str) -> FakeKey:
        assert key == self.HKEY_CURRENT_USER
        self.keys.setdefault(sub, {})
        return FakeKey(sub, True)

    def QueryValueEx(self, key: FakeKey, name: str) -> tuple[Any, int]:
        try:
            return self.keys[key.path][name]
        except KeyError:
            raise FileNotFoundError(2, "The system cannot find the file specified") from None

    def SetValueEx(self, key: FakeKey, name: str, reserved: int, kind: int, value: Any) -> None:
        if not key.writable:
            raise PermissionError(5, "Access is denied")
        self.keys[key.path][name] = (value, kind)

    def DeleteValue(self, key: FakeKey, name: str) -> None:
        if not key.writable:
            raise PermissionError(5, "Access is denied")
        if name not in self.keys[key.path]:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        del self.keys[key.path][name]

    def approve(self, data: bytes) -> None:
        """What Task Manager writes when the entry is switched."""
        self.keys.setdefault(APPROVED_KEY, {})[RUN_VALUE] = (data, self.REG_BINARY)


WINDOWS_COMMAND = [r"C:\Program Files\Askshot\askshot.exe"]


def test_windows_run_value_quotes_the_program() -> None:
    assert windows_run_value(WINDOWS_COMMAND) == (
        r'"C:\Program Files\Askshot\askshot.exe" --background'
    )


def test_windows_autostart_on_and_off() -> None:
    reg = FakeRegistry()
    assert autostart_windows(reg) is False  # no Run key at all
    set_autostart_windows(WINDOWS_COMMAND, True, reg)
    assert reg.keys[RUN_KEY][RUN_VALUE] == (windows_run_value(WINDOWS_COMMAND), reg.REG_SZ)
    assert autostart_windows(reg) is True
    set_autostart_windows(WINDOWS_COMMAND, False, reg)
    assert RUN_VALUE not in reg.keys[RUN_KEY]
    assert autostart_windows(reg) is False
    set_autostart_windows(WINDOWS_COMMAND, False, reg)  # off twice is fine


def test_windows_autostart_keeps_other_run_values() -> None:
    reg = FakeRegistry()
    reg.keys[RUN_KEY] = {"OneDrive": ("onedrive.exe /background", reg.REG_SZ)}
    set_autostart_windows(WINDOWS_COMMAND, True, reg)
    set_autostart_windows(WINDOWS_COMMAND, False, reg)
    assert reg.keys[RUN_KEY] == {"OneDrive": ("onedrive.exe /background", reg.REG_SZ)}


@pytest.mark.parametrize(
    ("data", "on"),
    [
        (b"\x02" + bytes(11), True),
        (b"\x06" + bytes(11), True),
        (b"\x03\x00\x00\x00\x17\x79\xbd\x01\x17\xd9\xd1\x01", False),
        (b"\x07\x00\x00\x00\x71\xc9\x33\xae\x16\xd9\xd1\x01", False),
        (b"", True),
    ],
)
def test_windows_task_manager_switch_is_read(data: bytes, on: bool) -> None:
    reg = FakeRegistry()
    set_autostart_windows(WINDOWS_COMMAND, True, reg)
    reg.approve(data)
    assert autostart_windows(reg) is on


def test_windows_switching_on_again_clears_task_managers_off() -> None:
    reg = FakeRegistry()
    set_autostart_windows(WINDOWS_COMMAND, True, reg)
    reg.approve(b"\x03" + bytes(11))
    assert autostart_windows(reg) is False
    set_autostart_windows(WINDOWS_COMMAND, True, reg)
    assert RUN_VALUE not in reg.keys[APPROVED_KEY]
    assert autostart_windows(reg) is True


def test_windows_task_managers_value_alone_is_not_autostart() -> None:
    reg = FakeRegistry()
    reg.CreateKey(reg.HKEY_CURRENT_USER, RUN_KEY)
    reg.approve(b"\x02" + bytes(11))
    assert autostart_windows(reg) is False


# -- macOS ----------------------------------------------------------------------------------------


def test_macos_launch_agent(tmp_path: Path) -> None:
    command = ["/Applications/Askshot.app/Contents/MacOS/Askshot"]
    path = launch_agent_path(tmp_path)
    assert path == tmp_path / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
    assert autostart_macos(tmp_path) is False
    set_autostart_macos(command, True, tmp_path)
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == APP_ID
    assert agent["ProgramArguments"] == [*command, "--background"]
    assert agent["RunAtLoad"] is True
    assert autostart_macos(tmp_path) is True
    set_autostart_macos(command, False, tmp_path)
    assert not path.exists()
    assert autostart_macos(tmp_path) is False
    set_autostart_macos(command, False, tmp_path)  # off twice is fine


def test_macos_disabled_or_broken_agent_is_off(tmp_path: Path) -> None:
    set_autostart_macos(["/usr/local/bin/askshot"], True, tmp_path)
    path = launch_agent_path(tmp_path)
    agent = plistlib.loads(path.read_bytes())
    path.write_bytes(plistlib.dumps({**agent, "Disabled": True}))
    assert autostart_macos(tmp_path) is False
    path.write_bytes(b"not a plist")
    assert autostart_macos(tmp_path) is False
