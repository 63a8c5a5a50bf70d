"""The streaming client against the loopback test server: requests, events, errors, retries,
cancel. Every assertion is on what reached the server or what the caller receives."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator

import jsonschema
import pytest

from askshot.core import errors
from askshot.core.cancel import CancelToken
from askshot.core.llm.client import ChatClient, RetryPolicy, build_body
from askshot.core.types import (
    ChatRequest,
    Delta,
    Endpoint,
    Finished,
    ImagePart,
    Message,
    Retrying,
    Timeouts,
    Usage,
)
from tests.helpers import DATA
from tests.helpers import fakeserver as fs

KEY = "sk-test-SECRET-0123456789abcdef"
SCHEMA_PATH = DATA / "openai-chat-completions.schema.json"  # OpenAI's published schemas


@pytest.fixture
def client() -> Iterator[ChatClient]:
    c = ChatClient(retry=RetryPolicy(initial_delay=0.01, max_delay=0.05), rng=random.Random(1))
    yield c
    c.close()


def ep(server: fs.FakeServer, provider: str = "openai") -> Endpoint:
    return Endpoint(base_url=server.base_url, api_key=KEY, provider_id=provider)


def ask(text: str = "hi", model: str = "o4-mini", **kw: object) -> ChatRequest:
    msgs = (Message("system", "be brief"), Message("user", text))
    return ChatRequest(model=model, messages=msgs, **kw)  # type: ignore[arg-type]


def collect(client: ChatClient, endpoint: Endpoint, req: ChatRequest, **kw: object) -> list[object]:
    return list(client.stream(endpoint, req, **kw))  # type: ignore[arg-type]


def text_of(events: list[object]) -> str:
    return "".join(e.text for e in events if isinstance(e, Delta))


# -- requests --------------------------------------------------------------------------------


def test_reasoning_request_reaches_server_in_the_right_shape(client, server) -> None:
    collect(client, ep(server), ask(effort="high", max_output_tokens=5000))
    req = server.chat_requests[0]
    body = req.json
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert body["model"] == "o4-mini"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["reasoning_effort"] == "high"
    assert body["max_completion_tokens"] == 5000
    for banned in ("temperature", "top_p", "max_tokens"):
        assert banned not in body
    assert body["messages"][0] == {"role": "system", "content": "be brief"}
    assert body["messages"][1] == {"role": "user", "content": "hi"}


def test_non_reasoning_model_gets_no_reasoning_effort(client, server) -> None:
    collect(client, ep(server), ask(model="gpt-4o-mini", effort="low"))
    body = server.chat_requests[0].json
    assert "reasoning_effort" not in body
    assert body["model"] == "gpt-4o-mini"


def test_openrouter_gets_vendor_prefixed_model(client, server) -> None:
    collect(client, ep(server, "openrouter"), ask())
    req = server.chat_requests[0]
    assert req.json["model"] == "openai/o4-mini"
    assert req.headers["x-title"] == "Askshot"


def test_images_are_sent_as_data_urls(client, server) -> None:
    png = b"\x89PNG\r\n\x1a\nfake"
    msg = Message("user", "what is this", images=(ImagePart(png, "image/png", 10, 20),))
    collect(client, ep(server), ChatRequest("o4-mini", (msg,)))
    content = server.chat_requests[0].json["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "what is this"}
    url = content[1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    import base64

    assert base64.b64decode(url.split(",", 1)[1]) == png


def _schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    root = {"$ref": "#/$defs/CreateChatCompletionRequest", "$defs": schema["$defs"]}
    return jsonschema.Draft202012Validator(root)


@pytest.mark.parametrize("model", ["o4-mini", "gpt-4o-mini", "openai/o4-mini", "llama3.2"])
@pytest.mark.parametrize("effort", [None, "low", "medium", "high"])
@pytest.mark.parametrize("with_image", [False, True])
@pytest.mark.parametrize("limit", [None, 1000])
def test_every_request_validates_against_openai_schema(model, effort, with_image, limit) -> None:
    images = (ImagePart(b"\x89PNG..", "image/png", 1, 1),) if with_image else ()
    msgs = (
        Message("system", "sys"),
        Message("user", "q1", images=images),
        Message("assistant", "a1"),
        Message("user", "q2"),
    )
    for provider in ("openai", "openrouter", "custom"):
        body = build_body(ChatRequest(model, msgs, effort, limit), provider)
        errs = sorted(_schema_validator().iter_errors(body), key=str)
        assert not errs, errs[0]


def test_schema_validator_catches_a_bad_request() -> None:
    bad = {"model": "o4-mini", "messages": [{"role": "wizard", "content": "x"}]}
    assert list(_schema_validator().iter_errors(bad))


# -- events ----------------------------------------------------------------------------------


def test_text_usage_and_finish(client, server) -> None:
    server.enqueue(fs.text_reply(["Hel", "lo ", "wörld 漢"], usage=fs.usage_chunk(100, 50, 30, 40)))
    events = collect(client, ep(server), ask())
    assert text_of(events) == "Hello wörld 漢"
    assert Usage(100, 50, 30, 40) in events
    assert events[-1] == Finished("stop", None)


def test_keepalive_comments_are_ignored(client, server) -> None:
    server.enqueue(fs.text_reply(["a", "b"], think=0.3, keepalive_every=0.05))
    events = collect(client, ep(server), ask())
    assert text_of(events) == "ab"


def test_length_without_text_says_reasoning_used_the_budget(client, server) -> None:
    server.enqueue(fs.text_reply([], finish_reason="length", usage=fs.usage_chunk(10, 500, 500)))
    events = collect(client, ep(server), ask(max_output_tokens=500))
    fin = events[-1]
    assert isinstance(fin, Finished) and fin.reason == "length"
    assert fin.note and "reasoning" in fin.note


def test_stream_without_done_but_with_finish_reason_is_complete(client, server) -> None:
    server.enqueue(fs.text_reply(["ok"], done=False))
    assert text_of(collect(client, ep(server), ask())) == "ok"


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "exc_type", "words"),
    [
        (
            fs.error_reply(
                401,
                "Incorrect API key provided: sk-test-SECRET-0123456789abcdef",
                code="invalid_api_key",
            ),
            errors.AuthError,
            "refused the API key",
        ),
        (
            fs.error_reply(404, "The model `o4-mini` does not exist", code="model_not_found"),
            errors.ModelNotFound,
            "'o4-mini'",
        ),
        (
            fs.error_reply(
                429,
                "You exceeded your current quota",
                type_="insufficient_quota",
                code="insufficient_quota",
            ),
            errors.QuotaExceeded,
            "credit",
        ),
        (
            fs.error_reply(402, "Insufficient credits", code=402, type_=None),
            errors.QuotaExceeded,
            "credit",
        ),
        (
            fs.error_reply(400, "Invalid image", code="invalid_image"),
            errors.BadRequest,
            "Invalid image",
        ),
        (
            fs.Reply(status=400, headers={"Content-Type": "text/html"}, body=b"<h1>Bad</h1>"),
            errors.BadRequest,
            "HTTP 400",
        ),
        (
            fs.error_reply(
                403, "Country not supported", code="unsupported_country_region_territory"
            ),
            errors.AuthError,
            "403",
        ),
    ],
)
def test_http_errors_are_typed_with_a_sentence(client, server, reply, exc_type, words) -> None:
    server.enqueue(reply)
    with pytest.raises(exc_type) as info:
        collect(client, ep(server), ask())
    assert words in info.value.message
    assert KEY not in info.value.message and KEY not in repr(info.value)
    assert len(server.chat_requests) == 1, "non-retryable errors are not retried"


def test_openrouter_error_inside_stream(client, server) -> None:
    server.enqueue(
        fs.Reply(
            steps=[
                fs.comment(),
                fs.data(fs.chunk("partial ")),
                fs.data({"error": {"code": 502, "message": "Provider returned error"}}),
            ]
        )
    )
    got: list[object] = []
    with pytest.raises(errors.StreamError) as info:
        for e in client.stream(ep(server, "openrouter"), ask()):
            got.append(e)
    assert text_of(got) == "partial "
    assert "Provider returned error" in info.value.message
    assert len(server.chat_requests) == 1, "no retry after text was produced"


def test_no_flex_capacity_is_judged_by_what_was_sent(client, server) -> None:
    """Flex asked for, turned down by a gateway and so not sent: a 429 "resource unavailable"
    inside the next stream is a rate limit, waited out and asked again, not "no flex
    capacity" (which would offer the normal price the request already had)."""
    server.enqueue(
        fs.error_reply(400, "Unknown parameter: 'service_tier'.", code="unsupported_parameter"),
        fs.Reply(steps=[fs.data({"error": {"code": 429, "message": "Resource unavailable"}})]),
        fs.text_reply(["came"]),
    )
    events = collect(client, ep(server), ask(service_tier="flex"))
    assert text_of(events) == "came"
    assert "service_tier" not in server.chat_requests[1].json
    assert len(server.chat_requests) == 3


def test_finish_reason_error_is_an_error(client, server) -> None:
    server.enqueue(
        fs.Reply(steps=[fs.data(fs.chunk("x")), fs.data(fs.chunk(finish_reason="error"))])
    )
    with pytest.raises(errors.StreamError):
        collect(client, ep(server), ask())


def openrouter_choice_error(message: str, code: int = 502) -> dict[str, object]:
    """OpenRouter's mid-stream failure: the choice ends with finish_reason "error" and carries
    the provider's error object (https://openrouter.ai/docs/api-reference/streaming)."""
    out = fs.chunk(finish_reason="error")
    out["choices"][0]["error"] = {"code": code, "message": message}
    return out


def test_the_provider_message_of_an_error_inside_a_choice_is_kept(client, server) -> None:
    leaked = "sk-or-v1-0123456789abcdef0123"
    server.enqueue(
        fs.Reply(
            steps=[
                fs.data(fs.chunk("partial ")),
                fs.data(openrouter_choice_error(f"Upstream timed out (key {leaked})")),
            ]
        )
    )
    got: list[object] = []
    with pytest.raises(errors.StreamError) as info:
        for e in client.stream(ep(server, "openrouter"), ask()):
            got.append(e)
    assert text_of(got) == "partial "
    assert "Upstream timed out" in info.value.message
    assert leaked not in info.value.message and KEY not in info.value.message
    assert info.value.code == "502"
    assert len(server.chat_requests) == 1, "no retry after text was produced"


def test_dropped_connection_mid_answer_keeps_partial(client, server) -> None:
    server.enqueue(fs.Reply(steps=[fs.data(fs.chunk("part")), fs.sleep(0.05), fs.DISCONNECT]))
    got: list[object] = []
    with pytest.raises(errors.Disconnected) as info:
        for e in client.stream(ep(server), ask()):
            got.append(e)
    assert text_of(got) == "part"
    assert "dropped" in info.value.message or "closed" in info.value.message
    assert len(server.chat_requests) == 1


def test_stalled_stream_times_out(client, server) -> None:
    server.enqueue(fs.Reply(steps=[fs.data(fs.chunk("a")), fs.STALL]))
    t0 = time.monotonic()
    with pytest.raises(errors.Stalled) as info:
        collect(client, ep(server), ask(), timeouts=Timeouts(read=0.5))
    assert 0.4 < time.monotonic() - t0 < 5
    assert "sent nothing for 0.5 s" in info.value.message


def test_connection_refused_is_a_network_error(client) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    endpoint = Endpoint(f"http://127.0.0.1:{port}/v1", KEY)
    with pytest.raises(errors.ConnectFailed) as info:
        collect(client, endpoint, ask())
    assert "Could not connect" in info.value.message
    assert KEY not in info.value.message


# -- retries ---------------------------------------------------------------------------------


def test_retries_429_honouring_retry_after_ms(client, server) -> None:
    server.enqueue(
        fs.error_reply(
            429, "Rate limit", code="rate_limit_exceeded", headers={"retry-after-ms": "300"}
        ),
        fs.text_reply(["ok"]),
    )
    t0 = time.monotonic()
    events = collect(client, ep(server), ask())
    assert time.monotonic() - t0 >= 0.29
    retry = [e for e in events if isinstance(e, Retrying)]
    assert len(retry) == 1 and retry[0].delay == pytest.approx(0.3)
    assert text_of(events) == "ok"
    assert len(server.chat_requests) == 2


def test_retry_after_seconds_and_http_date(client, server) -> None:
    from email.utils import formatdate

    server.enqueue(
        fs.error_reply(503, "busy", headers={"Retry-After": "0"}),
        fs.error_reply(
            503, "busy", headers={"Retry-After": formatdate(time.time() + 0.2, usegmt=True)}
        ),
        fs.text_reply(["ok"]),
    )
    events = collect(client, ep(server), ask())
    delays = [e.delay for e in events if isinstance(e, Retrying)]
    assert delays[0] == 0
    assert 0 <= delays[1] <= 1.5
    assert text_of(events) == "ok"


@pytest.mark.parametrize("status", [408, 409, 500, 502, 503])
def test_retryable_statuses_are_retried_at_most_twice(client, server, status) -> None:
    server.enqueue(*[fs.error_reply(status, "try later") for _ in range(5)])
    with pytest.raises(errors.ApiError):
        collect(client, ep(server), ask())
    assert len(server.chat_requests) == 3


@pytest.mark.parametrize(
    "reply",
    [
        fs.error_reply(401, "bad key"),
        fs.error_reply(403, "forbidden"),
        fs.error_reply(404, "no model", code="model_not_found"),
        fs.error_reply(400, "bad"),
        fs.error_reply(429, "quota", code="insufficient_quota", headers={"Retry-After": "0"}),
    ],
)
def test_never_retried(client, server, reply) -> None:
    server.enqueue(reply, fs.text_reply(["no"]))
    with pytest.raises(errors.ApiError):
        collect(client, ep(server), ask())
    assert len(server.chat_requests) == 1


def test_retry_after_too_long_is_not_waited_for(client, server) -> None:
    server.enqueue(fs.error_reply(429, "slow down", headers={"Retry-After": "3600"}))
    with pytest.raises(errors.RateLimited) as info:
        collect(client, ep(server), ask())
    assert "60 min" in info.value.message
    assert len(server.chat_requests) == 1


def test_disconnect_before_text_is_retried(client, server) -> None:
    server.enqueue(fs.Reply(steps=[fs.comment(), fs.DISCONNECT]), fs.text_reply(["ok"]))
    assert text_of(collect(client, ep(server), ask())) == "ok"
    assert len(server.chat_requests) == 2


def test_backoff_without_retry_after_grows_and_is_capped() -> None:
    c = ChatClient(retry=RetryPolicy(max_retries=10, initial_delay=0.5, max_delay=8.0))
    try:
        exc = errors.ServerError("x", status=503)
        delays = [c._retry_delay(exc, n) for n in range(8)]
    finally:
        c.close()
    assert all(d is not None for d in delays)
    assert 0.375 <= delays[0] <= 0.5  # type: ignore[operator]
    assert delays[3] > delays[1]  # type: ignore[operator]
    assert max(delays) <= 8.0  # type: ignore[type-var]


# -- cancel ----------------------------------------------------------------------------------


def _cancel_after(token: CancelToken, seconds: float) -> threading.Thread:
    t = threading.Thread(target=lambda: (time.sleep(seconds), token.cancel()))
    t.start()
    return t


def test_cancel_while_model_is_silent_is_immediate(client, server) -> None:
    server.enqueue(fs.text_reply(["late"], think=60))
    token = CancelToken()
    t = _cancel_after(token, 0.3)
    t0 = time.monotonic()
    with pytest.raises(errors.Cancelled):
        collect(client, ep(server), ask(), cancel=token)
    assert time.monotonic() - t0 < 1.0
    t.join()


def test_cancel_before_response_headers_is_immediate(client, server) -> None:
    server.enqueue(fs.Reply(header_delay=60, steps=[fs.data(fs.chunk("x"))]))
    token = CancelToken()
    t = _cancel_after(token, 0.3)
    t0 = time.monotonic()
    with pytest.raises(errors.Cancelled):
        collect(client, ep(server), ask(), cancel=token)
    assert time.monotonic() - t0 < 1.0
    t.join()


def test_cancel_mid_text_keeps_what_arrived(client, server) -> None:
    server.enqueue(fs.text_reply([f"w{i} " for i in range(1000)], delay=0.01))
    token = CancelToken()
    got: list[object] = []
    with pytest.raises(errors.Cancelled):
        for e in client.stream(ep(server), ask(), cancel=token):
            got.append(e)
            if len(got) == 5:
                token.cancel()
    assert text_of(got).startswith("w0 w1")


def test_cancel_during_retry_wait_is_immediate(client, server) -> None:
    server.enqueue(fs.error_reply(503, "busy", headers={"Retry-After": "30"}))
    token = CancelToken()
    t = _cancel_after(token, 0.3)
    t0 = time.monotonic()
    with pytest.raises(errors.Cancelled):
        collect(client, ep(server), ask(), cancel=token)
    assert time.monotonic() - t0 < 1.0
    t.join()


def test_list_models(client, server) -> None:
    assert client.list_models(ep(server)) == ["gpt-4o-mini", "o4-mini"]
    assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
