"""Settings file: defaults, round trip, damaged files, per-field fallback, atomic private saves."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail

from askshot.core.errors import AskshotError, SetupError
from askshot.core.keys.store import KeyStore
from askshot.core.paths import Paths
from askshot.core.settings import (
    DEFAULT_SYSTEM_PROMPT,
    FILENAME,
    Settings,
    load,
    save,
    settings_path,
)

KEY = "sk-settings-Secret0123456789abcdef"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture
def paths() -> Paths:
    return Paths.from_env()


def write(paths: Paths, content: str | bytes) -> Path:
    path = paths.ensure(paths.config) / FILENAME
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def write_json(paths: Paths, data: Any) -> Path:
    return write(paths, json.dumps(data))


def test_defaults() -> None:
    s = Settings()
    assert (s.provider, s.base_url, s.model, s.effort) == ("openai", "", "o4-mini", "medium")
    assert (s.theme, s.send_key, s.keep_screenshots) == ("system", "enter", True)
    assert s.max_output_tokens is None
    assert s.timeout_s == 300.0
    assert s.system_prompt == DEFAULT_SYSTEM_PROMPT and "screenshot" in s.system_prompt
    assert [label for label, _ in s.prompt_presets] == [
        "Explain this",
        "Extract the text",
        "What is wrong here?",
        "Translate to English",
        "Table → CSV",
    ]
    assert all(text for _, text in s.prompt_presets)
    Settings().prompt_presets.append(("x", "y"))
    assert len(Settings().prompt_presets) == 5  # no shared mutable default


def test_missing_file_gives_defaults_without_a_warning(paths: Paths) -> None:
    assert load(paths) == (Settings(), None)
    assert not paths.config.exists()  # loading creates nothing


def test_round_trip(paths: Paths) -> None:
    s = Settings(
        provider="openrouter",
        base_url="https://example.test/v1",
        model="gpt-4o-mini",
        effort="high",
        system_prompt="Be brief. Ünïcode ✓",
        theme="dark",
        send_key="ctrl+enter",
        keep_screenshots=False,
        max_output_tokens=2048,
        timeout_s=42.5,
        prompt_presets=[("Summarise", "Summarise this.")],
    )
    save(s, paths)
    assert load(paths) == (s, None)
    data = json.loads(settings_path(paths).read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert data["prompt_presets"] == [["Summarise", "Summarise this."]]


@posix_only
def test_file_is_0600_in_a_0700_dir(paths: Paths) -> None:
    save(Settings(), paths)
    assert stat.S_IMODE(os.stat(paths.config).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(settings_path(paths)).st_mode) == 0o600
    # an existing looser file is replaced by a private one
    os.chmod(settings_path(paths), 0o644)
    save(Settings(theme="light"), paths)
    assert stat.S_IMODE(os.stat(settings_path(paths)).st_mode) == 0o600


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"[1, 2]", b'"text"', b"\xff\xfe\x00garbage", b'{"theme": "dark"'],
    ids=["syntax", "empty", "list", "string", "not-utf8", "truncated"],
)
def test_damaged_file_is_moved_aside(paths: Paths, content: bytes) -> None:
    path = write(paths, content)
    settings, warning = load(paths)
    assert settings == Settings()
    assert warning is not None and "moved to" in warning and warning.endswith(".")
    assert not path.exists()
    aside = list(paths.config.glob(f"{FILENAME}.bad-*"))
    assert len(aside) == 1
    assert re.fullmatch(rf"{re.escape(FILENAME)}\.bad-\d{{8}}-\d{{6}}", aside[0].name)
    assert aside[0].read_bytes() == content
    assert str(aside[0]) in warning
    # the next load is clean, and a second damaged file does not overwrite the first
    assert load(paths) == (Settings(), None)
    write(paths, b"{")
    load(paths)
    assert len(list(paths.config.glob(f"{FILENAME}.bad-*"))) == 2


def test_damaged_file_that_cannot_be_moved(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    write(paths, b"{")

    def refuse(*args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    settings, warning = load(paths)
    assert settings == Settings()
    assert warning is not None and "could not be moved aside" in warning


def test_unreadable_file_gives_a_warning(paths: Paths) -> None:
    paths.ensure(paths.config)
    settings_path(paths).mkdir()  # a directory where the file should be
    settings, warning = load(paths)
    assert settings == Settings()
    assert warning is not None and "Could not read" in warning


def test_bad_values_fall_back_per_field(paths: Paths) -> None:
    write_json(
        paths,
        {
            "version": 1,
            "provider": "nowhere",
            "base_url": "ftp://example.test",
            "model": "gpt-4o-mini",
            "effort": "extreme",
            "system_prompt": 7,
            "theme": "dark",
            "send_key": "shift+enter",
            "keep_screenshots": "yes",
            "max_output_tokens": 0,
            "timeout_s": True,
            "prompt_presets": [["Only a label"]],
            "some_future_option": {"x": 1},
        },
    )
    settings, warning = load(paths)
    assert settings == Settings(model="gpt-4o-mini", theme="dark")
    assert warning is not None and warning.endswith(".")
    named = warning.rsplit(": ", 1)[1].rstrip(".").split(", ")
    assert named == [
        "provider",
        "base_url",
        "effort",
        "system_prompt",
        "send_key",
        "keep_screenshots",
        "max_output_tokens",
        "timeout_s",
        "prompt_presets",
    ]
    assert settings_path(paths).exists()  # bad values do not move the file aside


def test_unknown_keys_are_ignored_silently(paths: Paths) -> None:
    write_json(paths, {"theme": "light", "window": {"w": 800}, "api_key": KEY})
    assert load(paths) == (Settings(theme="light"), None)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("timeout_s", 60, 60.0),
        ("max_output_tokens", None, None),
        ("max_output_tokens", 100, 100),
        ("base_url", " http://localhost:11434/v1 ", "http://localhost:11434/v1"),
        ("system_prompt", "", ""),
        ("prompt_presets", [], []),
    ],
)
def test_good_values_are_accepted(
    paths: Paths, field: str, value: object, expected: object
) -> None:
    write_json(paths, {field: value})
    settings, warning = load(paths)
    assert warning is None
    assert getattr(settings, field) == expected


def test_no_field_can_hold_an_api_key() -> None:
    key_like = re.compile(r"api_?key|secret|password|credential|bearer|auth|^key$|^token$")
    names = [f.name for f in dataclasses.fields(Settings)]
    assert not [name for name in names if key_like.search(name)]


def test_an_api_key_never_ends_up_in_the_file(paths: Paths) -> None:
    # A key held by the KeyStore (here only in memory), plus a file that someone put one in.
    store = KeyStore(backend=fail.Keyring(), env={})
    store.set("openai", KEY)
    write_json(paths, {"api_key": KEY, "openai_api_key": KEY, "theme": "dark"})
    settings, _ = load(paths)
    save(settings, paths)
    text = settings_path(paths).read_text(encoding="utf-8")
    assert KEY not in text
    assert "api_key" not in text
    assert store.get("openai") == KEY


@pytest.mark.parametrize(
    ("where", "code", "phrase"),
    [
        ("replace", errno.ENOSPC, "the disk is full"),
        ("fsync", errno.ENOSPC, "the disk is full"),
        ("replace", errno.EROFS, "the disk is read-only"),
        ("mkstemp", errno.EACCES, "permission was denied"),
        ("replace", errno.EIO, "Input/output error"),
    ],
)
def test_failed_save_keeps_the_previous_file(
    paths: Paths, monkeypatch: pytest.MonkeyPatch, where: str, code: int, phrase: str
) -> None:
    save(Settings(theme="dark"), paths)
    before = settings_path(paths).read_bytes()

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    with monkeypatch.context() as patch, pytest.raises(AskshotError) as caught:
        patch.setattr(tempfile if where == "mkstemp" else os, where, boom)
        save(Settings(theme="light"), paths)

    assert type(caught.value) is SetupError  # a sentence about a local setting, kind "setup"
    message = caught.value.message
    assert phrase in message
    assert str(settings_path(paths)) in message
    assert "previous settings were kept" in message
    assert settings_path(paths).read_bytes() == before
    assert sorted(p.name for p in paths.config.iterdir()) == [FILENAME]  # no temp file left
    assert load(paths) == (Settings(theme="dark"), None)
