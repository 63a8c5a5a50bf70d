"""`askshot desktop` as a user runs it: real processes writing into a temporary XDG_DATA_HOME and
XDG_CONFIG_HOME, checked on disk, by desktop-file-validate, and by running the Exec line."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from askshot import APP_ID, __version__
from tests.helpers import ROOT, require

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="desktop entries and XDG folders are Linux's"
)

# the sizes desktops look up in hicolor (written out here: a size dropped from the app fails)
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
_DROP = ("DISPLAY", "WAYLAND", "DBUS", "XDG_", "QT_QPA", "OPENAI", "OPENROUTER")


class Desktop:
    """The user's folders under tmp, and `askshot desktop …` run in them."""

    def __init__(self, root: Path, askshot_home: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.data = root / "data"
        self.config = root / "config"
        self.system = root / "system-data"  # XDG_DATA_DIRS: no package installed there
        for folder in (self.home, self.system):
            folder.mkdir(parents=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP)}
        self.env.update(
            HOME=str(self.home),
            XDG_DATA_HOME=str(self.data),
            XDG_CONFIG_HOME=str(self.config),
            XDG_DATA_DIRS=str(self.system),
            ASKSHOT_HOME=str(askshot_home),
            PYTHONPATH=str(ROOT),
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )

    @property
    def entry(self) -> Path:
        return self.data / "applications" / f"{APP_ID}.desktop"

    @property
    def autostart(self) -> Path:
        return self.config / "autostart" / f"{APP_ID}.desktop"

    def icons(self) -> list[Path]:
        hicolor = self.data / "icons" / "hicolor"
        return [hicolor / "scalable" / "apps" / f"{APP_ID}.svg"] + [
            hicolor / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in ICON_SIZES
        ]

    def ours(self) -> list[Path]:
        """Every file of ours under the temporary folders (caches the tools write are not)."""
        return sorted(p for p in self.root.rglob(f"{APP_ID}*") if p.is_file())

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        r = subprocess.run(
            [sys.executable, "-m", "askshot", "desktop", *args],
            env={**self.env, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "Traceback" not in r.stderr, r.stderr
        return r

    def ok(self, *args: str) -> str:
        r = self.run(*args)
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
        return r.stdout

    def status(self) -> dict[str, Any]:
        found = json.loads(self.ok("status", "--json"))
        assert isinstance(found, dict)
        return found


@pytest.fixture
def desk(tmp_path: Path, askshot_home: Path) -> Desktop:
    return Desktop(tmp_path / "user", askshot_home)


def validate(path: Path) -> None:
    (tool,) = require("desktop-file-validate", packages="desktop-file-utils")
    r = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and not r.stdout.strip(), f"{path}:\n{r.stdout}{r.stderr}"


def groups(path: Path) -> dict[str, dict[str, str]]:
    """The entry's groups and keys, as a reader of the spec sees them."""
    found: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("[") and line.endswith("]"):
            current = found.setdefault(line[1:-1], {})
        elif "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            current[key.strip()] = value.strip()
    return found


def exec_argv(value: str) -> list[str]:
    """An Exec value to argv by the Desktop Entry spec: the string escapes first, then words
    split on spaces, double quotes grouping with \\ escaping " ` $ \\; field codes dropped."""
    unescaped, i = "", 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            unescaped += {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(
                value[i + 1], "\\" + value[i + 1]
            )
            i += 2
        else:
            unescaped += value[i]
            i += 1
    argv: list[str] = []
    word: str | None = None
    quoted = False
    i = 0
    while i < len(unescaped):
        c = unescaped[i]
        if quoted:
            if c == "\\" and i + 1 < len(unescaped) and unescaped[i + 1] in '"`$\\':
                word = (word or "") + unescaped[i + 1]
                i += 1
            elif c == '"':
                quoted = False
            else:
                word = (word or "") + c
        elif c == '"':
            quoted, word = True, word or ""
        elif c == " ":
            if word is not None:
                argv.append(word)
            word = None
        else:
            word = (word or "") + c
        i += 1
    assert not quoted, f"unterminated quote in Exec={value}"
    if word is not None:
        argv.append(word)
    return [a for a in argv if not (len(a) == 2 and a[0] == "%")]


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def launch(argv: list[str], desk: Desktop, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run an Exec line as a launcher does: a bare PATH without the venv, no PYTHONPATH."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(desk.home),
        "ASKSHOT_HOME": desk.env["ASKSHOT_HOME"],
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [*argv, *extra], env=env, cwd="/", capture_output=True, text=True, timeout=60
    )


# -- install ----------------------------------------------------------------------------------


def test_install_writes_a_launcher_that_validates_and_runs(desk: Desktop) -> None:
    out = desk.ok("install")
    lines = out.splitlines()
    assert lines[0].startswith("Installed the launcher for ")
    listed = [Path(line.strip()) for line in lines[1:]]
    assert listed == [desk.entry, *desk.icons()]  # exactly what is on disk, nothing else
    assert desk.ours() == sorted(listed)
    assert not desk.autostart.exists()

    validate(desk.entry)
    entry = groups(desk.entry)
    main = entry["Desktop Entry"]
    assert main["Icon"] == APP_ID
    assert main["Type"] == "Application" and main["Name"] == "Askshot"
    argv = exec_argv(main["Exec"])
    assert Path(argv[0]).is_absolute(), "a launcher's PATH often lacks ~/.local/bin"
    assert os.access(main["TryExec"], os.X_OK) and main["TryExec"] == argv[0]
    assert lines[0] == f"Installed the launcher for {' '.join(argv)}:"
    r = launch(argv, desk, "--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"askshot {__version__}"
    for action, flag in (("capture", "--capture"), ("new-chat", "--new-chat")):
        assert exec_argv(entry[f"Desktop Action {action}"]["Exec"]) == [*argv, flag]

    for icon in desk.icons()[1:]:
        n = int(icon.parent.parent.name.split("x")[0])
        assert png_size(icon) == (n, n), icon
    svg = desk.icons()[0].read_text(encoding="utf-8")
    assert "<svg" in svg and "</svg>" in svg


def test_status_follows_what_is_on_disk(desk: Desktop) -> None:
    before = desk.status()
    assert before["launcher"] is False and before["autostart"] is False
    assert before["system_launcher"] is False
    assert before["where"] == "not installed for this user"
    assert "Launcher: not installed for this user" in desk.ok("status")

    desk.ok("install")
    after = desk.status()
    assert after["launcher"] is True and after["autostart"] is False
    assert after["where"] == str(desk.entry)
    assert after["command"] == exec_argv(groups(desk.entry)["Desktop Entry"]["Exec"])
    text = desk.ok("status")
    assert f"Launcher: installed, {desk.entry}" in text
    assert "Autostart: off" in text
    assert f"Command: {' '.join(after['command'])}" in text

    desk.entry.unlink()  # removed by hand: status tells the truth, not a memory of install
    assert desk.status()["launcher"] is False


def test_uninstall_removes_everything_and_twice_is_fine(desk: Desktop) -> None:
    desk.ok("install", "--autostart")
    assert desk.status()["autostart"] is True
    out = desk.ok("uninstall")
    assert out.splitlines()[0] == "Removed:"
    removed = {Path(line.strip()) for line in out.splitlines()[1:]}
    assert removed == {desk.entry, desk.autostart, *desk.icons()}
    assert desk.ours() == []
    found = desk.status()
    assert found["launcher"] is False and found["autostart"] is False

    assert desk.ok("uninstall") == "Nothing to remove.\n"
    assert desk.ours() == []


# -- autostart --------------------------------------------------------------------------------


def test_autostart_on_and_off(desk: Desktop) -> None:
    assert desk.ok("autostart", "on") == "Askshot starts at login.\n"
    assert desk.autostart.is_file()
    assert not desk.entry.exists(), "autostart alone installs no launcher"
    validate(desk.autostart)
    auto = groups(desk.autostart)
    assert set(auto) == {"Desktop Entry"}, "no actions in an autostart entry"
    argv = exec_argv(auto["Desktop Entry"]["Exec"])
    assert argv[-1] == "--background" and Path(argv[0]).is_absolute()
    assert "Actions" not in auto["Desktop Entry"]
    found = desk.status()
    assert found["autostart"] is True and found["launcher"] is False
    assert argv == [*found["command"], "--background"]
    assert "Autostart: on" in desk.ok("status")

    assert desk.ok("autostart", "off") == "Askshot does not start at login.\n"
    assert not desk.autostart.exists()
    assert desk.status()["autostart"] is False
    assert desk.ok("autostart", "off") == "Askshot does not start at login.\n"  # again: fine


def test_install_with_autostart_and_a_later_install_keeps_it(desk: Desktop) -> None:
    out = desk.ok("install", "--autostart")
    assert str(desk.autostart) in out.splitlines()[-1]
    validate(desk.autostart)
    assert exec_argv(groups(desk.autostart)["Desktop Entry"]["Exec"])[-1] == "--background"
    found = desk.status()
    assert found["launcher"] is True and found["autostart"] is True

    out = desk.ok("install")  # without --autostart: leaves it as the user set it
    assert str(desk.autostart) not in out
    assert desk.status()["autostart"] is True

    desk.ok("autostart", "off")
    found = desk.status()
    assert found["launcher"] is True and found["autostart"] is False


def test_a_package_installed_launcher_is_reported(desk: Desktop) -> None:
    packaged = desk.system / "applications" / f"{APP_ID}.desktop"
    packaged.parent.mkdir(parents=True)
    packaged.write_text("[Desktop Entry]\nType=Application\nName=Askshot\nExec=askshot\n")
    found = desk.status()
    assert found["system_launcher"] is True and found["launcher"] is False
    assert "(an installed package provides one for every user)" in desk.ok("status")


# -- bad input --------------------------------------------------------------------------------


def one_line_error(r: subprocess.CompletedProcess[str], doing: str, path: Path) -> None:
    assert r.returncode == 1, (r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"askshot: could not {doing}: "), lines[0]
    assert str(path) in lines[0], "the error names the path"


def test_a_file_where_the_data_folder_should_be(desk: Desktop) -> None:
    desk.data.write_text("not a folder\n", encoding="utf-8")
    r = desk.run("install")
    one_line_error(r, "install the launcher", desk.data)
    assert "Not a directory" in r.stderr
    assert desk.data.read_text(encoding="utf-8") == "not a folder\n"

    found = desk.status()  # nothing there to read: not installed, no error
    assert found["launcher"] is False

    desk.ok("autostart", "on")  # the config folder is fine: uninstall still reaches it
    out = desk.ok("uninstall")
    assert out == f"Removed:\n  {desk.autostart}\n"
    assert desk.ours() == []


def test_a_file_where_the_config_folder_should_be(desk: Desktop) -> None:
    desk.config.write_text("", encoding="utf-8")
    one_line_error(desk.run("autostart", "on"), "change starting at login", desk.config)
    one_line_error(desk.run("install", "--autostart"), "install the launcher", desk.config)
    assert desk.ok("autostart", "off") == "Askshot does not start at login.\n"
    assert desk.status()["autostart"] is False


@pytest.mark.parametrize(
    "args", [[], ["autostart"], ["autostart", "maybe"], ["install", "--autostrat"]]
)
def test_bad_arguments_are_a_usage_error(desk: Desktop, args: list[str]) -> None:
    r = desk.run(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.startswith("usage: askshot") and "error: " in r.stderr, r.stderr
    assert desk.ours() == []
