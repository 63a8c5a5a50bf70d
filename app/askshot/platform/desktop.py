"""Askshot in the desktop: the launcher entry and icons for a user who installed with pip, and
autostart (opt-in) on each system. No Qt here: `askshot desktop` runs it headless.

    Linux    $XDG_DATA_HOME/applications/<app id>.desktop (with its Capture and New chat actions),
             hicolor icons beside it, $XDG_CONFIG_HOME/autostart/<app id>.desktop to autostart
    Windows  HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run, value "Askshot" (and
             Task Manager's StartupApproved switch, read to tell the truth)
    macOS    ~/Library/LaunchAgents/<app id>.plist

Every Exec line names the executable by its absolute path: a desktop's shortcut daemon and the
session's autostart often lack ~/.local/bin on their PATH. An installed package (the .deb) owns
the system-wide entry; a user install here never touches it.
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from askshot import APP_ID
from askshot.core.resources import resource

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
RUN_VALUE = "Askshot"


def executable_command(env: Mapping[str, str] | None = None) -> list[str]:
    """How to start this Askshot from anywhere, absolute: the frozen program, the `askshot`
    script next to this interpreter (a venv, pipx), or this interpreter with `-m askshot`."""
    if getattr(sys, "frozen", False):
        program = Path(sys.executable).resolve()
        # On Windows the headless commands run from the console twin, askshot-cli.exe; what
        # they register (autostart) must start the GUI program beside it, with no console.
        gui = program.with_name("askshot.exe")
        if sys.platform == "win32" and program.name.lower() != "askshot.exe" and gui.is_file():
            program = gui
        return [str(program)]
    script = Path(sys.executable).with_name("askshot.exe" if sys.platform == "win32" else "askshot")
    if script.is_file():
        return [str(script.absolute())]
    found = shutil.which("askshot", path=(env or os.environ).get("PATH"))
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "askshot"]


def _exec_line(command: list[str], *args: str) -> str:
    """A desktop entry Exec value: each argument quoted by the spec's rules, then the whole
    value escaped as a string value (so a quoted backslash is written as four)."""

    def quote(arg: str) -> str:
        if all(c.isalnum() or c in "/._-+=:@," for c in arg):
            return arg
        escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
        return '"' + escaped.replace("$", "\\$") + '"'

    return _string_value(" ".join(quote(a) for a in [*command, *args]))


def _string_value(text: str) -> str:
    """The spec's escapes for a string value (applied before the Exec quoting rules)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def desktop_entry(command: list[str], *, autostart: bool = False) -> str:
    """The desktop entry (from resources/), with Exec and TryExec made absolute; for autostart,
    started with --background and without actions."""
    template = resource(f"{APP_ID}.desktop").read_text(encoding="utf-8")
    lines = []
    for line in template.splitlines():
        if line.startswith("TryExec="):
            line = f"TryExec={_string_value(command[0])}"
        elif line.startswith("Exec="):
            args = shlex.split(line[len("Exec=") :])[1:]
            if autostart:
                args = ["--background"]
            line = "Exec=" + _exec_line(command, *args)
        lines.append(line)
    text = "\n".join(lines) + "\n"
    if autostart:
        text = text.split("\n[Desktop Action", 1)[0].rstrip("\n") + "\n"
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("Actions=")) + "\n"
        text += "X-GNOME-Autostart-enabled=true\n"
    return text


# -- Linux -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinuxPlaces:
    applications: Path
    icons: Path  # .../icons/hicolor
    autostart: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LinuxPlaces:
        env = os.environ if env is None else env
        home = Path(env.get("HOME") or Path.home())
        data = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
        config = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        return cls(data / "applications", data / "icons" / "hicolor", config / "autostart")

    @property
    def entry(self) -> Path:
        return self.applications / f"{APP_ID}.desktop"

    @property
    def autostart_entry(self) -> Path:
        return self.autostart / f"{APP_ID}.desktop"

    def icon_files(self) -> list[Path]:
        files = [self.icons / "scalable" / "apps" / f"{APP_ID}.svg"]
        files += [self.icons / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in ICON_SIZES]
        return files


@dataclass(frozen=True)
class DesktopStatus:
    launcher: bool  # the entry is installed for this user
    autostart: bool  # Askshot starts (in the background) when the user logs in
    where: str  # a sentence: which files or which registry value
    system_entry: bool = False  # an installed package provides the launcher (the .deb)


def install_linux(
    places: LinuxPlaces, command: list[str], *, autostart: bool | None = None
) -> list[Path]:
    """Write the entry and icons (and the autostart entry if asked; None leaves it as it is);
    returns what was written."""
    written = []
    places.applications.mkdir(parents=True, exist_ok=True)
    _write(places.entry, desktop_entry(command))
    written.append(places.entry)
    for target in places.icon_files():
        source = resource("icons", "hicolor", *target.relative_to(places.icons).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_bytes(target, source.read_bytes())
        written.append(target)
    if autostart is not None:
        set_autostart_linux(places, command, autostart)
        if autostart:
            written.append(places.autostart_entry)
    _refresh_caches(places)
    return written


def uninstall_linux(places: LinuxPlaces) -> list[Path]:
    removed = []
    for path in [places.entry, places.autostart_entry, *places.icon_files()]:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # not there: nothing
            path.unlink()
            removed.append(path)
    _refresh_caches(places)
    return removed


def set_autostart_linux(places: LinuxPlaces, command: list[str], on: bool) -> None:
    if on:
        places.autostart.mkdir(parents=True, exist_ok=True)
        _write(places.autostart_entry, desktop_entry(command, autostart=True))
    else:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            places.autostart_entry.unlink()


def autostart_linux(places: LinuxPlaces) -> bool:
    """Whether the autostart entry exists and is not switched off (Hidden=true or the GNOME
    key set to false: the ways desktops disable an entry)."""
    try:
        text = places.autostart_entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    keys: dict[str, str] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            keys[key.strip()] = value.strip()  # spaces around "=" are allowed
    return keys.get("Hidden", "false") != "true" and (
        keys.get("X-GNOME-Autostart-enabled", "true") != "false"
    )


def status_linux(places: LinuxPlaces, env: Mapping[str, str] | None = None) -> DesktopStatus:
    env = os.environ if env is None else env
    dirs = env.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    system = any(
        (Path(d) / "applications" / f"{APP_ID}.desktop").is_file() for d in dirs.split(":")
    )
    launcher = places.entry.is_file()
    where = str(places.entry) if launcher else "not installed for this user"
    return DesktopStatus(launcher, autostart_linux(places), where, system)


def _write(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _refresh_caches(places: LinuxPlaces) -> None:
    """Tell the desktop about the change where its tools exist (both are optional)."""
    for tool, arg in (
        ("update-desktop-database", places.applications),
        ("gtk-update-icon-cache", places.icons),
    ):
        exe = shutil.which(tool)
        if exe and arg.exists():
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    [exe, "-q", str(arg)] if tool.startswith("gtk") else [exe, str(arg)],
                    capture_output=True,
                    timeout=30,
                    check=False,
                )


# -- Windows ---------------------------------------------------------------------------------


class Registry(Protocol):
    """What autostart needs of winreg (a fake in tests)."""

    HKEY_CURRENT_USER: Any
    KEY_READ: int
    KEY_SET_VALUE: int
    REG_SZ: int

    def OpenKey(self, key: Any, sub: str, reserved: int = 0, access: int = ...) -> Any: ...

    def CreateKey(self, key: Any, sub: str) -> Any: ...

    def QueryValueEx(self, key: Any, name: str) -> tuple[Any, int]: ...

    def SetValueEx(self, key: Any, name: str, reserved: int, kind: int, value: Any) -> None: ...

    def DeleteValue(self, key: Any, name: str) -> None: ...


def _winreg() -> Registry:
    import winreg

    return cast(Registry, winreg)


def windows_run_value(command: list[str]) -> str:
    return subprocess.list2cmdline([*command, "--background"])


def set_autostart_windows(command: list[str], on: bool, reg: Registry | None = None) -> None:
    reg = reg or _winreg()
    key = reg.CreateKey(reg.HKEY_CURRENT_USER, RUN_KEY)
    if on:
        reg.SetValueEx(key, RUN_VALUE, 0, reg.REG_SZ, windows_run_value(command))
        with contextlib.suppress(OSError):  # switched off in Task Manager before: on again
            approved = reg.OpenKey(reg.HKEY_CURRENT_USER, APPROVED_KEY, 0, reg.KEY_SET_VALUE)
            reg.DeleteValue(approved, RUN_VALUE)
    else:
        with contextlib.suppress(OSError):
            reg.DeleteValue(key, RUN_VALUE)


def autostart_windows(reg: Registry | None = None) -> bool:
    """On when the Run value exists and Task Manager has not disabled it (StartupApproved:
    the first byte of the value is even when enabled (2, 6), odd when disabled (3, 7))."""
    reg = reg or _winreg()
    try:
        key = reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_READ)
        reg.QueryValueEx(key, RUN_VALUE)
    except OSError:
        return False
    try:
        approved = reg.OpenKey(reg.HKEY_CURRENT_USER, APPROVED_KEY, 0, reg.KEY_READ)
        data, _kind = reg.QueryValueEx(approved, RUN_VALUE)
    except OSError:
        return True
    return not (isinstance(data, bytes | bytearray) and data[:1] != b"" and data[0] & 1)


# -- macOS -----------------------------------------------------------------------------------


def launch_agent_path(home: Path | None = None) -> Path:
    return (home or Path.home()) / "Library" / "LaunchAgents" / f"{APP_ID}.plist"


def launch_agent(command: list[str]) -> bytes:
    return plistlib.dumps(
        {
            "Label": APP_ID,
            "ProgramArguments": [*command, "--background"],
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
    )


def set_autostart_macos(command: list[str], on: bool, home: Path | None = None) -> None:
    path = launch_agent_path(home)
    if on:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_bytes(path, launch_agent(command))
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def autostart_macos(home: Path | None = None) -> bool:
    try:
        agent = plistlib.loads(launch_agent_path(home).read_bytes())
    except (OSError, plistlib.InvalidFileException, ValueError):
        return False
    return bool(agent.get("RunAtLoad")) and not agent.get("Disabled", False)


# -- one switch for every system ---------------------------------------------------------------


def autostart_enabled(system: str = sys.platform, env: Mapping[str, str] | None = None) -> bool:
    """What is on disk (or in the registry) now: the truth a Settings toggle shows."""
    if system == "win32":
        return autostart_windows()
    if system == "darwin":
        return autostart_macos()
    return autostart_linux(LinuxPlaces.from_env(env))


def set_autostart(
    on: bool, system: str = sys.platform, env: Mapping[str, str] | None = None
) -> None:
    command = executable_command(env)
    if system == "win32":
        set_autostart_windows(command, on)
    elif system == "darwin":
        set_autostart_macos(command, on)
    else:
        set_autostart_linux(LinuxPlaces.from_env(env), command, on)


def claim_app_id_windows() -> None:
    """Windows: the process takes the app id as its AppUserModelID, the id the installer also
    writes on its Start-menu shortcut, so the taskbar groups the window with the pinned
    shortcut and shows Askshot's name and icon. Before any window exists."""
    if sys.platform == "win32":
        import ctypes

        shell32 = ctypes.WinDLL("shell32")
        shell32.SetCurrentProcessExplicitAppUserModelID(ctypes.c_wchar_p(APP_ID))
