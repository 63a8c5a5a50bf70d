"""Chat Completions over one shared httpx client: build the request, stream typed events.

`ChatClient.stream()` yields `Delta`, `Retrying`, `Usage` and finally `Finished`, or raises an
`AskshotError` subclass with a sentence for the user. Each attempt runs in a `Pump`, so
`CancelToken.cancel()` takes effect at once even while the server is silent.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from askshot import __version__
from askshot.core import errors
from askshot.core.cancel import CancelToken
from askshot.core.errors import Cancelled
from askshot.core.llm.errors import (
    error_from_payload,
    error_from_response,
    setup_error,
    transport_error,
)
from askshot.core.llm.params import ParamMemory, rejected_param, without
from askshot.core.llm.pump import Pump, auth_headers
from askshot.core.llm.sse import SSEDecoder
from askshot.core.providers import model as model_info
from askshot.core.providers import wire_model_id
from askshot.core.types import (
    ChatRequest,
    Delta,
    Endpoint,
    Event,
    Finished,
    Message,
    Retrying,
    Timeouts,
    Usage,
)

if TYPE_CHECKING:
    import httpx

# httpx (with h2) is imported on first use, not at module import: the window must paint before
# anything is sent.

__all__ = ["CancelToken", "ChatClient", "RetryPolicy", "build_body"]

log = logging.getLogger("askshot.client")

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 522, 524, 529})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a server asking us to wait longer gets an error instead


def build_body(request: ChatRequest, provider_id: str = "openai") -> dict[str, Any]:
    """The JSON body for a streaming Chat Completions request."""
    info = model_info(request.model)
    body: dict[str, Any] = {
        "model": wire_model_id(provider_id, request.model),
        "messages": [_message_json(m) for m in request.messages],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.max_output_tokens is not None:
        body["max_completion_tokens"] = request.max_output_tokens
    if info.reasoning and request.effort is not None:
        body["reasoning_effort"] = request.effort
    if request.service_tier is not None:
        body["service_tier"] = request.service_tier
    if request.response_format is not None:
        body["response_format"] = request.response_format
    return body


def _message_json(message: Message) -> dict[str, Any]:
    if not message.images or message.role != "user":
        return {"role": message.role, "content": message.text}
    parts: list[dict[str, Any]] = []
    if message.text:
        parts.append({"type": "text", "text": message.text})
    for image in message.images:
        url = f"data:{image.mime};base64,{base64.b64encode(image.data).decode('ascii')}"
        parts.append({"type": "image_url", "image_url": {"url": url, "detail": "high"}})
    return {"role": "user", "content": parts}


class ChatClient:
    """One per process. Thread-safe: several streams may run at once on different threads."""

    def __init__(
        self,
        http: httpx.Client | None = None,
        *,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        params: ParamMemory | None = None,
    ) -> None:
        """Raises SetupError with a sentence when the environment's TLS or proxy settings
        (SSL_CERT_FILE, HTTPS_PROXY, ...) make a client impossible."""
        import httpx

        if http is None:
            try:
                http = httpx.Client(
                    http2=True,
                    follow_redirects=False,
                    headers={"User-Agent": f"askshot/{__version__}"},
                    limits=httpx.Limits(max_connections=10, max_keepalive_connections=4),
                )
            except (OSError, ValueError, ImportError, httpx.InvalidURL) as exc:
                raise setup_error(exc, os.environ) from None
        self._http = http
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self._params = params or ParamMemory()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API -------------------------------------------------------------------------

    def stream(
        self,
        endpoint: Endpoint,
        request: ChatRequest,
        *,
        cancel: CancelToken | None = None,
        timeouts: Timeouts | None = None,
    ) -> Iterator[Event]:
        """Stream one answer. Retries transient failures only before any text was produced."""
        cancel = cancel or CancelToken()
        timeouts = timeouts or Timeouts()
        body = self._params.apply(
            build_body(request, endpoint.provider_id), endpoint, request.model
        )
        attempt = 0
        produced_text = False
        while True:
            try:
                for event in self._one_attempt(endpoint, body, request, cancel, timeouts):
                    if isinstance(event, Delta):
                        produced_text = True
                    elif isinstance(event, Usage) and event.service_tier is None:
                        # The response did not say: it was served at the tier asked for.
                        event = replace(event, service_tier=body.get("service_tier"))
                    yield event
                return
            except errors.AskshotError as exc:
                if cancel.cancelled and not isinstance(exc, Cancelled):
                    raise Cancelled() from None
                param = None if produced_text else rejected_param(exc, body)
                if param is not None:
                    body = without(body, param)
                    self._params.remember(endpoint, request.model, param)
                    log.info(
                        "%s rejected %s for %s: asking without it",
                        endpoint.host,
                        param,
                        request.model,
                    )
                    yield Retrying(
                        attempt=attempt,
                        delay=0.0,
                        reason=f"{endpoint.host} does not accept {param} for {request.model}; "
                        "asking again without it (remembered for this server).",
                    )
                    continue
                delay = None if produced_text else self._retry_delay(exc, attempt)
                if delay is None:
                    raise
                attempt += 1
                log.info("retry %d in %.1f s after %s", attempt, delay, exc.kind)
                yield Retrying(attempt=attempt, delay=delay, reason=exc.message)
                if cancel.wait(delay):
                    raise Cancelled() from None

    def list_models(self, endpoint: Endpoint, *, timeout: float = 20.0) -> list[str]:
        """Model ids the endpoint offers (the settings dialog's "Test connection")."""
        from askshot.core.catalog import parse_models

        payload = self.models_payload(endpoint, timeout=timeout)
        try:
            return [m.id for m in parse_models(payload)]
        except ValueError as exc:
            raise errors.ApiError(
                f"{endpoint.host} answered the model list with something that is not a list."
            ) from exc

    def models_payload(self, endpoint: Endpoint, *, timeout: float = 20.0) -> Any:
        """The endpoint's model list as it answered (`GET {base}/models`), parsed JSON."""
        import httpx

        url = endpoint.base_url.rstrip("/") + "/models"
        try:
            resp = self._http.get(url, headers=auth_headers(endpoint), timeout=timeout)
        except httpx.TransportError as exc:
            raise transport_error(exc, endpoint, timeouts=Timeouts(read=timeout)) from None
        if resp.status_code >= 400:
            raise error_from_response(resp.status_code, resp.headers, resp.content, endpoint, "")
        try:
            payload = resp.json()
            if not isinstance(payload, dict | list):
                raise ValueError
            return payload
        except ValueError as exc:
            raise errors.ApiError(
                f"{endpoint.host} answered the model list with something that is not JSON."
            ) from exc

    # -- internals ---------------------------------------------------------------------------

    def _retry_delay(self, exc: errors.AskshotError, attempt: int) -> float | None:
        if attempt >= self._retry.max_retries:
            return None
        if isinstance(exc, errors.ApiError):
            if isinstance(exc, errors.QuotaExceeded | errors.FlexUnavailable):
                return None  # the user decides: resend at the normal price, or later
            status = exc.status
            if isinstance(exc, errors.StreamError):
                retryable = (
                    exc.code is not None
                    and exc.code.isdigit()
                    and int(exc.code) in (RETRYABLE_STATUS)
                )
            else:
                retryable = status in RETRYABLE_STATUS
            if not retryable:
                return None
            if exc.retry_after is not None:
                if exc.retry_after > self._retry.max_retry_after:
                    return None
                return max(0.0, float(exc.retry_after))
        elif not isinstance(exc, errors.ConnectFailed | errors.Disconnected):
            return None
        backoff = min(self._retry.initial_delay * 2.0**attempt, self._retry.max_delay)
        return backoff * (1 - 0.25 * self._rng.random())

    def _one_attempt(
        self,
        endpoint: Endpoint,
        body: dict[str, Any],
        request: ChatRequest,
        cancel: CancelToken,
        timeouts: Timeouts,
    ) -> Iterator[Event]:
        pump = Pump(self._http, endpoint, body, cancel, timeouts)
        unregister = cancel.on_cancel(pump.abort)
        pump.start()
        try:
            flex = body.get("service_tier") == "flex"  # (as sent: a gateway may not take it)
            yield from _events_from_chunks(pump.chunks(), endpoint, request, cancel, flex=flex)
        finally:
            unregister()
            pump.abort()


_FINISH_NOTES = {
    "content_filter": "The provider's content filter stopped the answer.",
}


def _events_from_chunks(
    chunks: Iterator[bytes],
    endpoint: Endpoint,
    request: ChatRequest,
    cancel: CancelToken,
    *,
    flex: bool = False,
) -> Iterator[Event]:
    decoder = SSEDecoder()
    finish_reason: str | None = None
    usage: Usage | None = None
    tier: str | None = None
    got_text = False
    done = False

    def handle(data: str, event_type: str) -> Iterator[Event]:
        nonlocal finish_reason, usage, tier, got_text, done
        if data.strip() == "[DONE]":
            done = True
            return
        if not data.strip():
            return
        try:
            obj = json.loads(data)
        except ValueError:
            log.warning("ignoring a stream event that is not JSON (%d chars)", len(data))
            return
        if not isinstance(obj, dict):
            return
        if obj.get("error") or event_type == "error":
            raise error_from_payload(obj.get("error", obj), endpoint, request.model, flex=flex)
        for choice in obj.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta") or {}
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str) and content:
                got_text = True
                yield Delta(content)
            if choice.get("error"):  # OpenRouter: the provider failed mid-answer, and says why
                raise error_from_payload(choice["error"], endpoint, request.model, flex=flex)
            reason = choice.get("finish_reason")
            if reason:
                finish_reason = str(reason)
                if finish_reason == "error":
                    raise errors.StreamError(
                        f"{endpoint.host} reported an error before the answer was finished, "
                        "without saying which."
                    )
        raw_usage = obj.get("usage")
        if isinstance(raw_usage, dict):
            usage = _usage_from(raw_usage)
        if isinstance(obj.get("service_tier"), str):
            tier = obj["service_tier"]

    for chunk in chunks:
        for ev in decoder.feed(chunk):
            yield from handle(ev.data, ev.event)
            if done:
                break
        if done:
            break
    if not done:
        for ev in decoder.close():
            yield from handle(ev.data, ev.event)
    if cancel.cancelled:
        raise Cancelled()
    if not done and finish_reason is None:
        raise errors.Disconnected(
            f"The connection to {endpoint.host} closed before the answer was complete."
        )
    if usage is not None:
        yield replace(usage, service_tier=tier) if tier else usage
    yield Finished(reason=finish_reason, note=_finish_note(finish_reason, got_text, request))


def _finish_note(reason: str | None, got_text: bool, request: ChatRequest) -> str | None:
    if reason == "length":
        if not got_text:
            return (
                "The model used its whole output budget on reasoning and wrote no answer. "
                "Lower the reasoning effort or raise the output limit, then try again."
            )
        return "The answer was cut off at the output limit."
    return _FINISH_NOTES.get(reason or "")


def _int(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def _usage_from(raw: dict[str, Any]) -> Usage:
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    return Usage(
        prompt_tokens=_int(raw.get("prompt_tokens")),
        completion_tokens=_int(raw.get("completion_tokens")),
        reasoning_tokens=_int(completion_details.get("reasoning_tokens"))
        if isinstance(completion_details, dict)
        else 0,
        cached_tokens=_int(prompt_details.get("cached_tokens"))
        if isinstance(prompt_details, dict)
        else 0,
        cost=_cost(raw.get("cost")),
    )


def _cost(value: Any) -> float | None:
    """OpenRouter's own charge for the request (usage.cost, in dollars of credit)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1e6:
        return float(value)
    return None
