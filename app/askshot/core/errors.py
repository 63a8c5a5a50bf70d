"""Typed errors a user can act on. Each carries one sentence meant for people, never the API key.

AskshotError                 .message is the sentence to show; .kind a stable id for --json
├── InputError               bad input from the user (image, arguments): nothing was sent
│   └── ImageError           a file that is missing, empty, corrupt, not an image or too large
├── CredentialError          no key, or the OS keyring failed
│   ├── MissingKey           no key for a provider that needs one
│   └── ReadCancelled        the window closed while a key was being read
├── SetupError               a broken local setting: TLS certificates, a proxy, the settings file
├── HistoryError             the history could not be read or written (.reason says why)
├── CaptureError             the screen could not be captured (platform.capture)
├── Cancelled                the user stopped the request
├── NetworkError             no answer from the server
│   ├── ConnectFailed        could not connect (DNS, refused, TLS)
│   ├── Disconnected         the connection dropped mid-answer
│   └── Stalled              nothing arrived for longer than the read timeout
└── ApiError                 the server answered with an error (HTTP or inside the stream)
    ├── AuthError            401/403: key refused
    ├── ModelNotFound        404 model_not_found: the model was retired or misspelt
    ├── QuotaExceeded        429 insufficient_quota: billing
    ├── RateLimited          429: slow down
    ├── FlexUnavailable      429 "resource unavailable": no flex capacity now, nothing charged
    ├── BadRequest           400 and other 4xx
    ├── ServerError          5xx
    └── StreamError          an error object or finish_reason "error" inside the stream

The kinds ("input", "image", "key", "setup", "history", "capture", "cancelled", "network",
"connect", "disconnected", "timeout", "api", "auth", "model_not_found", "quota", "rate_limit",
"flex_unavailable", "bad_request", "server", "stream") are distinct, so `--json` can tell every
case apart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

_SECRETS = re.compile(r"(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+)")


def scrub(text: str, *secrets: str) -> str:
    """Remove API keys (ours, and anything key-shaped) from text that may be shown or logged."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[key hidden]")
    return _SECRETS.sub("[key hidden]", text)


class AskshotError(Exception):
    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(AskshotError):
    kind = "input"


class ImageError(InputError):
    kind = "image"


class CredentialError(AskshotError):
    kind = "key"


class MissingKey(CredentialError):
    """No key for a provider that needs one: nothing was sent."""


class ReadCancelled(CredentialError):
    """The key was being read from the keyring when the window closed; the reader was stopped."""


class SetupError(AskshotError):
    """A local setting keeps Askshot from working (a missing certificate file, a malformed proxy
    URL, a settings file that cannot be saved); the sentence names it and the fix."""

    kind = "setup"


class Cancelled(AskshotError):
    kind = "cancelled"

    def __init__(self, message: str = "Stopped.") -> None:
        super().__init__(message)


class NetworkError(AskshotError):
    kind = "network"


class ConnectFailed(NetworkError):
    kind = "connect"


class Disconnected(NetworkError):
    kind = "disconnected"


class Stalled(NetworkError):
    kind = "timeout"


class ApiError(AskshotError):
    """The server said no. `status` is the HTTP status (None inside a 200 stream)."""

    kind = "api"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        type_: str | None = None,
        server_message: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.type = type_
        self.server_message = server_message
        self.retry_after = retry_after


class AuthError(ApiError):
    kind = "auth"


class ModelNotFound(ApiError):
    kind = "model_not_found"


class QuotaExceeded(ApiError):
    kind = "quota"


class RateLimited(ApiError):
    kind = "rate_limit"


class FlexUnavailable(ApiError):
    kind = "flex_unavailable"


class BadRequest(ApiError):
    kind = "bad_request"


class ServerError(ApiError):
    kind = "server"


class StreamError(ApiError):
    kind = "stream"


# Why the history failed: a damaged file, a full disk, locked by another process too long, a
# read-only file, another I/O failure, a file from a newer Askshot, a file that is not ours, a
# conversation or message deleted elsewhere, a failed upgrade.
HistoryReason = Literal[
    "corrupt", "full", "busy", "readonly", "io", "newer", "foreign", "missing", "migration"
]


class HistoryError(AskshotError):
    """The history could not be read or written; `reason` says why (HistoryReason)."""

    kind = "history"

    def __init__(self, message: str, *, reason: HistoryReason, path: Path | None = None) -> None:
        super().__init__(message)
        self.reason: HistoryReason = reason
        self.path = path


class CaptureError(AskshotError):
    """The screen could not be captured; `.message` says why and what to do."""

    kind = "capture"
