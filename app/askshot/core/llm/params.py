"""Optional request parameters a server turned down, dropped once and remembered.

Old local servers reject `max_completion_tokens` (they know `max_tokens`), some models reject a
`reasoning_effort` value or the parameter itself, gateways may refuse `stream_options` or
`service_tier`. A 400 that names one of those (OpenAI's `unsupported_parameter` /
`unsupported_value`, or any server's message naming it) makes the client ask again without it,
say so, and remember it for that model at that base URL — in the cache file, so the next start
does not pay the round trip again. Parameters the question needs (model, messages) are never
dropped.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from askshot.core import errors
from askshot.core.types import Endpoint

OPTIONAL = (
    "reasoning_effort",
    "max_completion_tokens",
    "stream_options",
    "service_tier",
    "response_format",  # no structured outputs: the question also says the shape in words
)


def rejected_param(exc: errors.AskshotError, body: dict[str, Any]) -> str | None:
    """The optional parameter a 400 turned down, if it names one we sent."""
    if not isinstance(exc, errors.BadRequest) or exc.status != 400:
        return None
    said = f"{exc.code or ''} {exc.server_message or ''}".lower()
    named = [p for p in OPTIONAL if p in body and p in said]
    if not named:
        return None
    if named[0] == "response_format" and not _UNSUPPORTED.search(said):
        # "Invalid schema for response_format …": the user's schema, not a server without
        # structured outputs. Said as it is; nothing dropped, nothing remembered.
        return None
    return named[0]


# How a server says it does not know a parameter at all (not that a value in it is wrong).
_UNSUPPORTED = re.compile(r"unsupported_parameter|unrecognized|unknown|not supported|unsupported")


def without(body: dict[str, Any], param: str) -> dict[str, Any]:
    """The body with `param` left out; an output limit falls back to the older `max_tokens`."""
    out = {k: v for k, v in body.items() if k != param}
    if param == "max_completion_tokens" and "max_tokens" not in body:
        out["max_tokens"] = body[param]
    return out


class ParamMemory:
    """What each (base URL, model) turned down. Thread-safe; `path` None keeps it in memory."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._rejected: dict[str, list[str]] = {}
        if path is not None:
            with contextlib.suppress(OSError, ValueError, TypeError):
                data = json.loads(path.read_text(encoding="utf-8"))
                self._rejected = {
                    str(k): [p for p in v if p in OPTIONAL]
                    for k, v in data.items()
                    if isinstance(v, list)
                }

    @classmethod
    def in_cache(cls, cache_dir: Path) -> ParamMemory:
        return cls(cache_dir / "rejected-params.json")

    @staticmethod
    def _key(endpoint: Endpoint, model: str) -> str:
        return f"{endpoint.base_url.rstrip('/')} {model}"

    def apply(self, body: dict[str, Any], endpoint: Endpoint, model: str) -> dict[str, Any]:
        with self._lock:
            params = list(self._rejected.get(self._key(endpoint, model), ()))
        for param in params:
            if param in body:
                body = without(body, param)
        return body

    def remember(self, endpoint: Endpoint, model: str, param: str) -> None:
        with self._lock:
            params = self._rejected.setdefault(self._key(endpoint, model), [])
            if param in params:
                return
            params.append(param)
            snapshot = json.dumps(self._rejected, indent=1)
        if self._path is None:
            return
        with contextlib.suppress(OSError):  # a read-only cache: remembered until exit
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(snapshot, encoding="utf-8")
            os.replace(tmp, self._path)
