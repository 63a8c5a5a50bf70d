"""Typed settings <-> ``settings.json`` in the config dir.

Loading never crashes: a corrupt file is moved aside and defaults are used, a bad value falls
back to its own default, unknown keys are ignored; each case yields one warning sentence.
Saving is atomic (temp file, fsync, rename), private (0600 in a 0700 dir) and holds no API key:
keys live in the OS keyring (core.keys).
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from askshot.core.errors import SetupError
from askshot.core.paths import Paths, free_aside_name
from askshot.core.providers import DEFAULT_MODEL, DEFAULT_PROVIDER, EFFORTS, PROVIDERS
from askshot.core.structured import TABLE_PRESET

if TYPE_CHECKING:  # the value types load after the first paint; settings are read before it
    from askshot.core.types import Effort

FILENAME = "settings.json"
VERSION = 1

Theme = Literal["system", "light", "dark", "high-contrast"]
SendKey = Literal["enter", "ctrl+enter"]
THEMES: tuple[Theme, ...] = ("system", "light", "dark", "high-contrast")
SEND_KEYS: tuple[SendKey, ...] = ("enter", "ctrl+enter")

# The default global shortcut, per system, chosen knowingly (Qt's names: "Meta" is Super or the
# Windows key, "Ctrl" is ⌘ on macOS). Ctrl+Shift+A stays the in-app shortcut: it is the IDEs'
# "Find Action". Ctrl+Alt+letter would eat AltGr characters on Windows; Alt+Space is the window
# menu; Super+Shift+A is free on GNOME, KDE and Windows; ⌘⇧Space on macOS.
DEFAULT_HOTKEYS = {"linux": "Meta+Shift+A", "win32": "Meta+Shift+A", "darwin": "Ctrl+Shift+Space"}


def default_hotkey(system: str = sys.platform) -> str:
    return DEFAULT_HOTKEYS.get("linux" if system.startswith("linux") else system, "Meta+Shift+A")


DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant. The user shares screenshots of their screen and asks about "
    "them. Answer precisely and concisely, quote text from the image when it helps, and say "
    "so when something in the image is unreadable or uncertain."
)


def default_presets() -> list[tuple[str, str]]:
    return [
        ("Explain this", "Explain what this shows."),
        ("Extract the text", "Extract all text from this image, keeping its layout where useful."),
        ("What is wrong here?", "What is wrong here, and how do I fix it?"),
        ("Translate to English", "Translate the text in this image to English."),
        TABLE_PRESET,  # sent as structured output: the table as data (core.structured)
    ]


@dataclass
class Settings:
    provider: str = DEFAULT_PROVIDER
    base_url: str = ""  # empty: the provider's own URL
    model: str = DEFAULT_MODEL
    effort: Effort = "medium"
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    theme: Theme = "system"
    send_key: SendKey = "enter"
    keep_screenshots: bool = True
    max_output_tokens: int | None = None
    timeout_s: float = 300.0  # longest wait for the next byte: o4-mini may think for minutes
    prompt_presets: list[tuple[str, str]] = field(default_factory=default_presets)
    hotkey: str = field(default_factory=default_hotkey)  # the global shortcut; "" is off
    hotkey_keycode: int | None = None  # X11: its keycode when bound (for non-Latin layouts)
    close_to_tray: bool = True  # closing the window leaves Askshot in the tray (if there is one)
    flex: bool = False  # "not urgent, half price": flex processing where the provider offers it
    monthly_budget_usd: float | None = None  # a question that would pass it asks first
    recent_models: list[str] = field(default_factory=list)  # latest first, on top of the picker


def settings_path(paths: Paths) -> Path:
    return paths.config / FILENAME


# -- validation: each returns the cleaned value or raises ValueError --------------------------


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError
    return value


def _nonempty(value: Any) -> str:
    text = _str(value).strip()
    if not text:
        raise ValueError
    return text


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError
        return str(value)

    return check


def _provider(value: Any) -> str:
    return _choice(tuple(PROVIDERS))(value)


def _base_url(value: Any) -> str:
    url = _str(value).strip()
    if url and not url.startswith(("http://", "https://")):
        raise ValueError
    return url


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError
    return value


def _max_tokens(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError
    return value


def _timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError
    return seconds


def _budget(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError
    dollars = float(value)
    if not math.isfinite(dollars) or dollars <= 0:
        raise ValueError
    return dollars


RECENT_MODELS = 8


def _recent(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError
    out: list[str] = []
    for item in value:
        model = _nonempty(item)
        if model not in out:
            out.append(model)
    return out[:RECENT_MODELS]


def with_recent(recent: Sequence[str], model: str) -> list[str]:
    """`model` first, then the others, at most RECENT_MODELS."""
    return [model, *(m for m in recent if m != model)][:RECENT_MODELS]


def _keycode(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 8 <= value <= 255:
        raise ValueError
    return value


def _presets(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        raise ValueError
    presets: list[tuple[str, str]] = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ValueError
        label, text = item
        presets.append((_nonempty(label), _nonempty(text)))
    return presets


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "provider": _provider,
    "base_url": _base_url,
    "model": _nonempty,
    "effort": _choice(EFFORTS),
    "system_prompt": _str,
    "theme": _choice(THEMES),
    "send_key": _choice(SEND_KEYS),
    "keep_screenshots": _bool,
    "max_output_tokens": _max_tokens,
    "timeout_s": _timeout,
    "prompt_presets": _presets,
    "hotkey": _str,
    "hotkey_keycode": _keycode,
    "close_to_tray": _bool,
    "flex": _bool,
    "monthly_budget_usd": _budget,
    "recent_models": _recent,
}


def from_dict(data: Mapping[str, Any]) -> tuple[Settings, list[str]]:
    """Settings from decoded JSON, and the names of fields whose values were unusable."""
    values: dict[str, Any] = {}
    bad: list[str] = []
    for f in fields(Settings):
        if f.name not in data:
            continue
        try:
            values[f.name] = _CHECKS[f.name](data[f.name])
        except ValueError:
            bad.append(f.name)
    return Settings(**values), bad


def to_dict(settings: Settings) -> dict[str, Any]:
    data: dict[str, Any] = {"version": VERSION}
    data.update(asdict(settings))
    data["prompt_presets"] = [list(p) for p in settings.prompt_presets]
    return data


# -- file I/O ---------------------------------------------------------------------------------


def load(paths: Paths) -> tuple[Settings, str | None]:
    """The saved settings (defaults when there is no file) and a warning sentence or None."""
    path = settings_path(paths)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings(), None
    except OSError as exc:
        return Settings(), (
            f"Could not read the settings file {path} ({exc.strerror or exc}); "
            "using default settings."
        )
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        reason = "it is not valid JSON" if str(exc) != "not a JSON object" else str(exc)
        return Settings(), _move_aside(path, reason)
    settings, bad = from_dict(data)
    if not bad:
        return settings, None
    return settings, (
        f"Some settings in {path} were invalid and were reset to their defaults: {', '.join(bad)}."
    )


def _move_aside(path: Path, reason: str) -> str:
    target = free_aside_name(path, "bad")
    try:
        os.replace(path, target)
    except OSError as exc:
        return (
            f"The settings file {path} is damaged ({reason}) and could not be moved aside "
            f"({exc.strerror or exc}); using default settings."
        )
    return (
        f"The settings file was damaged ({reason}); it was moved to {target} and default "
        "settings are used."
    )


def save(settings: Settings, paths: Paths) -> None:
    """Write the settings atomically; on failure the previous file stays as it was."""
    path = settings_path(paths)
    text = json.dumps(to_dict(settings), indent=2, ensure_ascii=False) + "\n"
    tmp: str | None = None
    try:
        directory = paths.ensure(paths.config)
        fd, tmp = tempfile.mkstemp(prefix=".settings.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if os.name == "posix":
                os.fchmod(fh.fileno(), 0o600)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise SetupError(_save_failure(path, exc)) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    with contextlib.suppress(OSError):  # the new file is in place; this only hardens it
        _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _save_failure(path: Path, exc: OSError) -> str:
    why = {
        errno.ENOSPC: "the disk is full",
        getattr(errno, "EDQUOT", -1): "the disk quota is exceeded",
        errno.EROFS: "the disk is read-only",
        errno.EACCES: "permission was denied",
        errno.EPERM: "permission was denied",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return f"Could not save the settings to {path}: {why}. The previous settings were kept."
