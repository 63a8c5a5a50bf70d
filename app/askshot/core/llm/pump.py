"""The HTTP exchange on a daemon "pump" thread, and the token that cancels it.

The pump sends the request and hands raw body chunks to the consumer through a queue. A consumer
waiting on that queue wakes at once when its `CancelToken` is cancelled, even while the server
is silent (o4-mini may think for a minute before the first byte), and the pump's socket is shut
down under it, so Stop never waits for the network.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from askshot.core.cancel import CancelToken
from askshot.core.errors import Cancelled
from askshot.core.llm.errors import error_from_response, transport_error
from askshot.core.types import Endpoint, Timeouts

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("askshot.client")


_END = object()


class Pump:
    """Runs the HTTP exchange on a daemon thread and hands raw body chunks to the consumer."""

    def __init__(
        self,
        http: httpx.Client,
        endpoint: Endpoint,
        body: dict[str, Any],
        cancel: CancelToken,
        timeouts: Timeouts,
    ) -> None:
        self._http = http
        self._endpoint = endpoint
        self._body = body
        self._cancel = cancel
        self._timeouts = timeouts
        self._queue: queue.Queue[object] = queue.Queue()
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._aborted = False
        self._thread = threading.Thread(target=self._run, name="askshot-http", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def abort(self) -> None:
        """Stop waiting now: wake the consumer and shut the socket under the pump thread."""
        with self._lock:
            if self._aborted:
                return
            self._aborted = True
            sock = self._socket
        self._queue.put(_END)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _remember_socket(self, stream: Any) -> None:
        try:
            sock = stream.get_extra_info("socket")
        except Exception:
            return
        if isinstance(sock, socket.socket):
            with self._lock:
                self._socket = sock
                aborted = self._aborted
            if aborted:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _trace(self, name: str, info: dict[str, Any]) -> None:
        if name.endswith("connect_tcp.complete") or name.endswith("start_tls.complete"):
            stream = info.get("return_value")
            if stream is not None:
                self._remember_socket(stream)

    def _run(self) -> None:
        import httpx

        t = self._timeouts
        url = self._endpoint.base_url.rstrip("/") + "/chat/completions"
        headers = {**auth_headers(self._endpoint), "Accept": "text/event-stream"}
        try:
            req = self._http.build_request(
                "POST",
                url,
                json=self._body,
                headers=headers,
                timeout=httpx.Timeout(
                    connect=t.connect, read=t.read, write=t.write, pool=t.connect
                ),
                extensions={"trace": self._trace},
            )
            resp = self._http.send(req, stream=True)
        except Exception as exc:
            self._queue.put(exc)
            return
        try:
            stream = resp.extensions.get("network_stream")
            if stream is not None:
                self._remember_socket(stream)
            if resp.status_code >= 400:
                resp.read()
                self._queue.put(_HttpFailure(resp.status_code, resp.headers, resp.content))
                return
            for piece in resp.iter_bytes():
                if self._aborted:
                    return
                self._queue.put(piece)
            self._queue.put(_END)
        except Exception as exc:
            self._queue.put(exc)
        finally:
            resp.close()

    def chunks(self) -> Iterator[bytes]:
        """Body chunks as they arrive; raises the typed error for whatever went wrong."""
        import httpx

        while True:
            item = self._queue.get()
            if self._cancel.cancelled:
                raise Cancelled()
            if item is _END:
                return
            if isinstance(item, bytes):
                yield item
            elif isinstance(item, _HttpFailure):
                raise error_from_response(
                    item.status,
                    item.headers,
                    item.content,
                    self._endpoint,
                    self._body["model"],
                    flex=self._body.get("service_tier") == "flex",
                )
            elif isinstance(item, httpx.TransportError):
                raise transport_error(item, self._endpoint, self._timeouts) from None
            elif isinstance(item, BaseException):
                raise item


@dataclass(frozen=True)
class _HttpFailure:
    status: int
    headers: httpx.Headers
    content: bytes


def auth_headers(endpoint: Endpoint) -> dict[str, str]:
    headers: dict[str, str] = {}
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    if endpoint.provider_id == "openrouter":
        headers["X-Title"] = "Askshot"
    return headers
