"""Bytes -> server-sent events, by the WHATWG HTML "event stream interpretation" rules.

Knows nothing of JSON or of HTTP: feed it the response body in chunks of any size and it returns
the events each chunk completes. One decoder reads one stream (one response).

End of stream: as the spec says, an event not terminated by a blank line is discarded, so
`close()` dispatches nothing. A stream cut off mid-event therefore never yields a half-received
`data` line; the caller sees the stream end without its final event (e.g. without `[DONE]`).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# CRLF first, so a CR followed by LF in the same text is one line end, not two.
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event.

    `id` is the stream's last event ID when the event was dispatched (it carries over from
    earlier events); None when it is empty: never set, or reset by an empty `id` field.
    `retry` is the reconnection time in milliseconds the stream last set, None if it set none.
    """

    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Incremental event-stream decoder.

    `comments` counts comment lines (e.g. OpenRouter's `: OPENROUTER PROCESSING` keep-alives),
    so a caller can tell a live but silent connection from a stalled one.
    """

    def __init__(self) -> None:
        # utf-8-sig strips one BOM at the very start only (also when split across chunks);
        # "replace" turns invalid bytes into U+FFFD the way the WHATWG UTF-8 decoder does.
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._partial: list[str] = []  # pieces of the current, not yet terminated line
        self._skip_lf = False  # the last text ended in CR: an LF starting the next one is its pair
        self._data: list[str] = []  # data lines of the pending event, joined by LF at dispatch
        self._event_type = ""
        self._id_buffer = ""
        self._closed = False
        self.last_event_id = ""  # spec: the event source's last event ID string
        self.retry: int | None = None  # spec: the reconnection time (ms), if the stream set one
        self.comments = 0

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one chunk; return the events whose blank line it contained."""
        if self._closed:
            raise ValueError("SSEDecoder.feed() after close()")
        return self._feed_text(self._decoder.decode(chunk))

    def close(self) -> list[ServerSentEvent]:
        """End the stream. Per spec a pending, unterminated event is discarded: returns []."""
        if not self._closed:
            self._closed = True
            self._decoder.decode(b"", final=True)
            self._partial.clear()
            self._data.clear()
            self._event_type = ""
        return []

    def _feed_text(self, text: str) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        if not text:
            return events
        if self._skip_lf:
            self._skip_lf = False
            if text[0] == "\n":
                text = text[1:]
        start = 0
        for match in _LINE_END.finditer(text):
            piece = text[start : match.start()]
            if self._partial:
                self._partial.append(piece)
                piece = "".join(self._partial)
                self._partial.clear()
            self._process_line(piece, events)
            start = match.end()
        if start < len(text):
            self._partial.append(text[start:])
        elif text.endswith("\r"):
            self._skip_lf = True
        return events

    def _process_line(self, line: str, events: list[ServerSentEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line[0] == ":":
            self.comments += 1
            return
        field, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._event_type = value
        elif field == "id" and "\0" not in value:
            self._id_buffer = value
        elif field == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)
        # any other field, an id containing NUL and a retry not all ASCII digits are ignored

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        self.last_event_id = self._id_buffer
        if self._data:
            events.append(
                ServerSentEvent(
                    event=self._event_type or "message",
                    data="\n".join(self._data),
                    id=self.last_event_id or None,
                    retry=self.retry,
                )
            )
        self._data.clear()
        self._event_type = ""


def iter_sse(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    """Events from an iterable of byte chunks, such as `httpx.Response.iter_bytes()`."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.close()
