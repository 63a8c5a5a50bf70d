"""A loopback OpenAI-compatible server for tests and benchmarks.

Each request to /v1/chat/completions takes the next scripted `Reply` from a queue (or a default
one), records what reached it, and plays the reply step by step: SSE data, keep-alive comments,
delays, raw bytes, an abrupt disconnect or a stall. `/v1/models` lists models.

    server = FakeServer().start()
    server.enqueue(text_reply(["Hel", "lo"]))
    ... point a client at server.base_url ...
    server.requests[0].json["model"]
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Step:
    kind: str  # data | comment | sleep | raw | disconnect | stall
    value: Any = None


def data(obj: Any) -> Step:
    return Step("data", obj)


def comment(text: str = "OPENROUTER PROCESSING") -> Step:
    return Step("comment", text)


def sleep(seconds: float) -> Step:
    return Step("sleep", seconds)


def raw(payload: bytes) -> Step:
    return Step("raw", payload)


DISCONNECT = Step("disconnect")
STALL = Step("stall")  # send nothing until the server stops or the client goes away


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    body: bytes | None = None  # a plain (non-stream) body, for errors
    header_delay: float = 0.0  # silence before the status line (reasoning before headers)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def chunk(
    content: str | None = None,
    *,
    finish_reason: str | None = None,
    model: str = "o4-mini",
    role: str | None = None,
) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def usage_chunk(
    prompt: int = 10, completion: int = 20, reasoning: int = 0, cached: int = 0
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "o4-mini",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        },
    }


def text_reply(
    pieces: Iterable[str],
    *,
    usage: dict[str, Any] | None = None,
    finish_reason: str = "stop",
    think: float = 0.0,
    delay: float = 0.0,
    keepalive_every: float = 0.0,
    done: bool = True,
    service_tier: str | None = None,
) -> Reply:
    """A normal streamed answer: optional thinking silence (with keep-alives), then the pieces.
    `service_tier` goes in every chunk, as OpenAI says which tier served the answer."""
    steps: list[Step] = [data(chunk(role="assistant", content=""))]
    if think:
        if keepalive_every:
            waited = 0.0
            while waited < think:
                step = min(keepalive_every, think - waited)
                steps += [sleep(step), comment()]
                waited += step
        else:
            steps.append(sleep(think))
    for piece in pieces:
        if delay:
            steps.append(sleep(delay))
        steps.append(data(chunk(piece)))
    steps.append(data(chunk(finish_reason=finish_reason)))
    steps.append(data(usage if usage is not None else usage_chunk()))
    if service_tier is not None:
        steps = [
            data({**s.value, "service_tier": service_tier}) if s.kind == "data" else s
            for s in steps
        ]
    if done:
        steps.append(raw(b"data: [DONE]\n\n"))
    return Reply(steps=steps)


def error_reply(
    status: int,
    message: str,
    *,
    type_: str | None = "invalid_request_error",
    code: str | int | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    err: dict[str, Any] = {"message": message, "type": type_, "code": code, "param": None}
    return Reply(
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
        body=json.dumps({"error": err}).encode(),
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> Recorded:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rec = Recorded(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        self.server.owner.record(rec)
        return rec

    def do_GET(self) -> None:
        self._record()
        if self.path.rstrip("/").endswith("/models"):
            reply = self.server.owner.models_reply
            if reply is not None:
                self._play(reply)
                return
            body = json.dumps(
                {
                    "object": "list",
                    "data": [
                        {"id": m, "object": "model", "owned_by": "test"}
                        for m in self.server.owner.models
                    ],
                }
            ).encode()
            self._send_plain(200, {"Content-Type": "application/json"}, body)
        else:
            self._send_plain(404, {"Content-Type": "application/json"}, b'{"error":"not found"}')

    def do_POST(self) -> None:
        self._record()
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_plain(404, {"Content-Type": "application/json"}, b'{"error":"not found"}')
            return
        self._play(self.server.owner.next_reply())

    def _send_plain(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _play(self, reply: Reply) -> None:
        stop = self.server.owner.stopping
        if reply.header_delay and stop.wait(reply.header_delay):
            return
        if reply.body is not None:
            self._send_plain(reply.status, reply.headers, reply.body)
            return
        self.send_response(reply.status)
        headers = {
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            **reply.headers,
        }
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        try:
            for step in reply.steps:
                if step.kind == "sleep":
                    if stop.wait(step.value):
                        return
                    continue
                if step.kind == "stall":
                    stop.wait()
                    return
                if step.kind == "disconnect":
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if step.kind == "data":
                    payload = step.value if isinstance(step.value, str) else json.dumps(step.value)
                    self._chunk(f"data: {payload}\n\n".encode())
                elif step.kind == "comment":
                    self._chunk(f": {step.value}\n\n".encode())
                elif step.kind == "raw":
                    self._chunk(step.value)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _chunk(self, payload: bytes) -> None:
        if not payload:
            return
        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: FakeServer


class FakeServer:
    """Scriptable OpenAI-compatible server on 127.0.0.1, served from a daemon thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Reply] = queue.Queue()
        self._lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.default = text_reply(["Hello ", "from the ", "test server."])
        self.models = ["o4-mini", "gpt-4o-mini"]
        self.models_reply: Reply | None = None
        self.stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.request_arrived = threading.Event()

    def start(self) -> FakeServer:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def enqueue(self, *replies: Reply) -> None:
        for r in replies:
            self._queue.put(r)

    def next_reply(self) -> Reply:
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return self.default

    def record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)
        self.request_arrived.set()

    @property
    def chat_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while len(self.chat_requests) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {n} requests, got {len(self.chat_requests)}")
            time.sleep(0.01)
        return self.chat_requests


def iter_text(text: str, size: int) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


def main() -> None:
    """Run standalone (benchmarks, manual checks): prints the base URL, serves until Ctrl+C."""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.parse_args()
    srv = FakeServer().start()
    print(srv.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()


if __name__ == "__main__":
    main()
