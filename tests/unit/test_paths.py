"""Where the files go. On Linux the XDG directories are computed without platformdirs (it costs
start-up time); they must be exactly the ones platformdirs gives, or an upgrade would lose
the user's history."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from askshot.core.paths import APP, Paths

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux's")

XDG_VARS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


def platformdirs_answer() -> Paths:
    return Paths(
        Path(platformdirs.user_config_dir(APP, appauthor=False)),
        Path(platformdirs.user_data_dir(APP, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP, appauthor=False)),
        Path(platformdirs.user_log_dir(APP, appauthor=False)),
    )


@linux_only
@pytest.mark.parametrize(
    ("home", "xdg"),
    [
        ("/home/ada", {}),
        ("/home/ada/", {}),
        ("/", {}),
        ("/home/ada", {v: f"/srv/{v.lower()}" for v in XDG_VARS}),
        ("/home/ada", {v: f"/srv/{v.lower()}/" for v in XDG_VARS}),
        ("/home/ada", {v: "" for v in XDG_VARS}),
        ("/home/ada", {v: "relative/dir" for v in XDG_VARS}),  # the spec says: ignore
        ("/home/ada", {"XDG_CONFIG_HOME": "/c", "XDG_STATE_HOME": "st"}),
        ("/home/with space", {"XDG_DATA_HOME": "/d ata"}),
    ],
)
def test_linux_directories_are_the_ones_platformdirs_gives(
    monkeypatch: pytest.MonkeyPatch, home: str, xdg: dict[str, str]
) -> None:
    monkeypatch.delenv("ASKSHOT_HOME", raising=False)
    monkeypatch.setenv("HOME", home)
    for var in XDG_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in xdg.items():
        monkeypatch.setenv(var, value)
    assert Paths.from_env() == platformdirs_answer()


@linux_only
def test_a_relative_home_is_left_to_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASKSHOT_HOME", raising=False)
    monkeypatch.setenv("HOME", "not/absolute")
    for var in XDG_VARS:
        monkeypatch.delenv(var, raising=False)
    assert Paths.from_env() == platformdirs_answer()


@linux_only
def test_the_given_environment_is_read_not_the_process_one() -> None:
    paths = Paths.from_env({"HOME": "/home/bo", "XDG_CACHE_HOME": "/var/tmp/cache"})
    assert paths.config == Path("/home/bo/.config/askshot")
    assert paths.data == Path("/home/bo/.local/share/askshot")
    assert paths.cache == Path("/var/tmp/cache/askshot")
    assert paths.logs == Path("/home/bo/.local/state/askshot/log")


def test_askshot_home_holds_everything(tmp_path: Path) -> None:
    paths = Paths.from_env({"ASKSHOT_HOME": str(tmp_path), "HOME": "/home/bo"})
    assert {paths.config, paths.data, paths.cache, paths.logs} == {
        tmp_path / "config",
        tmp_path / "data",
        tmp_path / "cache",
        tmp_path / "logs",
    }
