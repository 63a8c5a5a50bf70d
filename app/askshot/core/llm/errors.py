"""Turn an HTTP error response, an in-stream error object or a transport failure into a typed
error with a sentence.

Understands OpenAI's shape (`{"error": {"message", "type", "code"}}`, string codes) and
OpenRouter's (`{"error": {"code": 402, "message", "metadata"}}`, numeric codes), and survives
bodies that are neither.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from askshot.core import errors, providers
from askshot.core.types import Endpoint, Timeouts

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("askshot.client")


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` as seconds or an HTTP date."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            value = float(ms) / 1000
            if value >= 0:
                return value
        except ValueError:
            pass
    ra = headers.get("retry-after")
    if not ra:
        return None
    ra = ra.strip()
    try:
        return max(0.0, float(ra))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime  # rare, and the email package is slow to load

    try:
        when = parsedate_to_datetime(ra)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _error_fields(payload: Any) -> tuple[str, str | None, str | None]:
    """(message, code, type) from whatever the server sent."""
    if isinstance(payload, dict):
        inner = payload.get("error", payload)
        if isinstance(inner, str):
            return inner, None, None
        if isinstance(inner, dict):
            message = inner.get("message") or inner.get("detail") or inner.get("error") or ""
            code = inner.get("code")
            type_ = inner.get("type")
            return (
                str(message),
                None if code is None else str(code),
                None if type_ is None else str(type_),
            )
        detail = payload.get("detail") or payload.get("message")
        if detail:
            return str(detail), None, None
    return "", None, None


def _short(text: str, secret: str, limit: int = 300) -> str:
    text = errors.scrub(" ".join(text.split()), secret)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    endpoint: Endpoint,
    model: str,
    *,
    flex: bool = False,
) -> errors.ApiError:
    """The typed error of a failed response; `flex`: the request asked for flex processing."""
    try:
        payload = json.loads(content.decode("utf-8", "replace")) if content else None
    except ValueError:
        payload = None
    message, code, type_ = _error_fields(payload)
    if not message and content and payload is None:
        message = content.decode("utf-8", "replace")
    return _classify(
        status,
        message,
        code,
        type_,
        endpoint,
        model,
        retry_after=parse_retry_after(headers),
        flex=flex,
    )


def error_from_payload(
    payload: Any, endpoint: Endpoint, model: str, *, flex: bool = False
) -> errors.ApiError:
    """An `error` object that arrived inside a 200 stream (top-level, or in a choice as
    OpenRouter sends it). The sentence always carries what the provider said, keys scrubbed:
    mid-answer, that is the only account of what went wrong."""
    message, code, type_ = _error_fields({"error": payload})
    status = int(code) if code is not None and code.isdigit() else None
    err = _classify(status, message, code, type_, endpoint, model, retry_after=None, flex=flex)
    server = _short(message, endpoint.api_key or "")
    if type(err) in (errors.BadRequest, errors.ServerError, errors.ApiError):
        # Not one of the specific kinds: it is an error reported mid-answer.
        detail = f": {server}" if server else "."
        return errors.StreamError(
            f"{endpoint.host} reported an error during the answer{detail}",
            status=None,
            code=code,
            type_=type_,
            server_message=server or None,
        )
    if server and server not in err.message:
        err.message = f"{err.message} The server said: {server}"
        err.args = (err.message,)
    return err


def _classify(
    status: int | None,
    message: str,
    code: str | None,
    type_: str | None,
    endpoint: Endpoint,
    model: str,
    *,
    retry_after: float | None,
    flex: bool = False,
) -> errors.ApiError:
    host = endpoint.host
    server = _short(message, endpoint.api_key or "")
    said = f" The server said: {server}" if server else ""
    kw: dict[str, Any] = {
        "status": status,
        "code": code,
        "type_": type_,
        "server_message": server or None,
        "retry_after": retry_after,
    }
    lowered = f"{code} {type_} {message}".lower()
    if code == "insufficient_quota" or status == 402 or "insufficient_quota" in lowered:
        prov = providers.PROVIDERS.get(endpoint.provider_id)
        billing = prov.billing_url if prov is not None else ""
        where = f" Add credit at {billing}, then try again." if billing else " Check your billing."
        return errors.QuotaExceeded(
            f"Your account at {host} has run out of credit or quota.{where}", **kw
        )
    if code == "model_not_found" or (status == 404 and model and model.lower() in message.lower()):
        return errors.ModelNotFound(
            f"The model '{model}' is not available at {host}: it may have been retired or "
            f"misspelt, or your account has no access to it. Pick another model.{said}",
            **kw,
        )
    if status == 401 or code in ("invalid_api_key", "401"):
        return errors.AuthError(
            f"{host} refused the API key (HTTP 401). Set a valid key and try again.{said}", **kw
        )
    if status == 403:
        return errors.AuthError(f"{host} denied access (HTTP 403).{said}", **kw)
    if status == 404:
        return errors.BadRequest(
            f"Nothing answers at {endpoint.base_url} (HTTP 404). Check the base URL.{said}", **kw
        )
    if (
        flex  # (without flex, "resource unavailable" is a rate limit like any other)
        and (status == 429 or code == "429")
        and "resource" in lowered
        and "unavailable" in lowered
    ):
        return errors.FlexUnavailable(
            f"{host} has no flex capacity for {model or 'this model'} right now (HTTP 429); "
            "nothing was charged. Send it again at the normal price, or try flex later.",
            **kw,
        )
    if status == 429 or code in ("rate_limit_exceeded", "429"):
        wait = ""
        if retry_after is not None:
            wait = f" The server asks to wait {_duration(retry_after)}."
        return errors.RateLimited(
            f"{host} is rate-limiting requests (HTTP 429).{wait} Wait a moment and try again.",
            **kw,
        )
    if status is not None and status >= 500:
        return errors.ServerError(
            f"{host} had a server error (HTTP {status}). Try again in a moment.{said}", **kw
        )
    if status is not None and 400 <= status < 500:
        return errors.BadRequest(f"{host} rejected the request (HTTP {status}).{said}", **kw)
    return errors.ApiError(f"{host} reported an error.{said}", **kw)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def transport_error(
    exc: httpx.TransportError, endpoint: Endpoint, timeouts: Timeouts
) -> errors.NetworkError:
    import httpx

    host = endpoint.host
    detail = errors.scrub(str(exc) or type(exc).__name__, endpoint.api_key or "")
    if isinstance(exc, httpx.ConnectTimeout):
        return errors.ConnectFailed(
            f"Could not connect to {host} within {timeouts.connect:g} s. "
            "Check your network connection or the base URL."
        )
    if isinstance(exc, httpx.ConnectError):
        return errors.ConnectFailed(
            f"Could not connect to {host} ({detail}). "
            "Check your network connection or the base URL."
        )
    if isinstance(exc, httpx.ReadTimeout):
        return errors.Stalled(
            f"{host} sent nothing for {timeouts.read:g} s, so Askshot stopped waiting. "
            "Try again, or allow a longer wait."
        )
    if isinstance(exc, httpx.WriteTimeout | httpx.PoolTimeout):
        return errors.NetworkError(f"Sending the request to {host} took too long. Try again.")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return errors.ConnectFailed(
            f"The base URL {endpoint.base_url} is not an http:// or https:// address."
        )
    log.info("connection to %s dropped: %s", host, detail)
    return errors.Disconnected(
        f"The connection to {host} dropped before the answer was complete. "
        "The text so far is kept; try again."
    )


_PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "HTTP_PROXY",
    "http_proxy",
)
_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_USERINFO = re.compile(r"(?<=//)[^/@]*@")


def setup_error(exc: BaseException, env: Mapping[str, str]) -> errors.SetupError:
    """The sentence for a client that cannot be made: a certificate bundle that is missing or
    unreadable (SSL_CERT_FILE), or a proxy variable that is not a usable proxy URL. A proxy's
    user and password are never repeated."""
    cert = env.get("SSL_CERT_FILE", "").strip()
    if cert and isinstance(exc, OSError):  # ssl.SSLError is an OSError too
        if not os.path.exists(cert):
            why = "which does not exist"
        elif os.path.isdir(cert):
            why = "which is a folder, not a certificate file"
        else:
            why = "which is not a certificate bundle Askshot can read"
        return errors.SetupError(
            f"SSL_CERT_FILE names {cert}, {why}. Point it at a PEM certificate bundle or unset "
            "it, then try again."
        )
    for name in _PROXY_VARIABLES:
        value = env.get(name, "").strip()
        if not value:
            continue
        shown = _USERINFO.sub("…@", value)
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if scheme and scheme not in _PROXY_SCHEMES:
            why = f"{scheme}:// is not a proxy scheme Askshot knows (http, https, socks5)"
        elif isinstance(exc, ImportError):
            why = "a SOCKS proxy needs the socksio package (pip install 'httpx[socks]')"
        else:
            why = "it is not a valid proxy URL"
        return errors.SetupError(
            f"The proxy setting {name}={shown} cannot be used: {why}. "
            "Fix it or unset it, then try again."
        )
    detail = errors.scrub(_USERINFO.sub("…@", str(exc)) or type(exc).__name__)
    return errors.SetupError(f"Askshot could not set up its network connection: {detail}.")
