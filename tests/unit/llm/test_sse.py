"""askshot.core.llm.sse: one test per WHATWG event-stream rule, then chunking and property tests."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askshot.core.llm.sse import ServerSentEvent, SSEDecoder, iter_sse

SSE = ServerSentEvent


def decode(*chunks: bytes | str) -> list[ServerSentEvent]:
    """All events of a whole stream given as chunks (str chunks are UTF-8 encoded)."""
    return list(iter_sse(c.encode() if isinstance(c, str) else c for c in chunks))


def datas(*chunks: bytes | str) -> list[str]:
    return [e.data for e in decode(*chunks)]


# --- line ends ---------------------------------------------------------------------------------


def test_lf_ends_lines() -> None:
    assert decode("data: a\ndata: b\n\ndata: c\n\n") == [SSE(data="a\nb"), SSE(data="c")]


def test_cr_ends_lines() -> None:
    assert decode("data: a\rdata: b\r\rdata: c\r\r") == [SSE(data="a\nb"), SSE(data="c")]


def test_crlf_is_one_line_end() -> None:
    # Were CRLF two line ends, every data line would be its own event.
    assert datas("data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n") == ["a\nb", "c"]


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    assert datas("data: a\r", "\ndata: b\r", "\n\r", "\n") == ["a\nb"]


def test_cr_at_chunk_end_ends_the_line_at_once() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == [SSE(data="a")]  # no waiting for a possible LF
    assert decoder.feed(b"\ndata: b\n\n") == [SSE(data="b")]


def test_mixed_line_ends() -> None:
    assert datas("data: a\rdata: b\ndata: c\r\n\n") == ["a\nb\nc"]


# --- UTF-8 -------------------------------------------------------------------------------------


def test_multibyte_character_split_between_chunks() -> None:
    raw = "data: é漢🙂\n\n".encode()
    chunks = [raw[i : i + 1] for i in range(len(raw))]
    assert datas(*chunks) == ["é漢🙂"]


def test_invalid_utf8_becomes_replacement_character() -> None:
    # Maximal-subpart replacement as in the WHATWG UTF-8 decoder: a lone continuation byte,
    # a truncated 4-byte sequence (split across chunks) and an encoded surrogate.
    assert datas(b"data: \x80 \xf0\x9f", b"\x98x \xed\xa0\x80\n\n") == [
        "\ufffd \ufffdx \ufffd\ufffd\ufffd"
    ]


def test_leading_bom_is_stripped_even_when_split() -> None:
    assert datas(b"\xef", b"\xbb", b"\xbfdata: x\n\n") == ["x"]


def test_only_one_bom_is_stripped_and_only_at_the_start() -> None:
    # A second BOM becomes part of the field name, which is then unknown.
    assert datas(b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n") == ["y"]
    assert datas("data: a\n\ufeffdata: b\n\n") == ["a"]


# --- fields ------------------------------------------------------------------------------------


def test_comments_are_ignored_and_counted() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b": OPENROUTER PROCESSING\n\n:\ndata: x\n: mid-event\n\n")
    assert events == [SSE(data="x")]
    assert decoder.comments == 3


def test_field_without_colon_has_empty_value() -> None:
    assert decode("data\n\n") == [SSE(data="")]
    assert decode("data\ndata\n\n") == [SSE(data="\n")]
    assert decode("event\ndata: x\n\n") == [SSE(event="message", data="x")]


def test_one_leading_space_is_removed_from_the_value() -> None:
    assert datas("data:x\n\ndata: x\n\ndata:  x\n\ndata: x \n\n") == ["x", "x", " x", "x "]


def test_field_splits_at_the_first_colon() -> None:
    assert datas('data: {"a": "b:c"}\n\n') == ['{"a": "b:c"}']


def test_data_lines_are_joined_by_lf_and_one_trailing_lf_removed() -> None:
    assert datas("data: a\ndata:\ndata: b\n\n") == ["a\n\nb"]
    assert datas("data: a\ndata:\n\n") == ["a\n"]


def test_empty_data_buffer_dispatches_nothing_and_resets_event_type() -> None:
    assert decode("event: ping\n\ndata: x\n\n") == [SSE(event="message", data="x")]
    assert decode("\n\n\n") == []


def test_event_sets_the_type_until_dispatch() -> None:
    stream = "event: delta\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n"
    assert [e.event for e in decode(stream)] == ["delta", "message", "message"]


def test_id_sets_the_last_event_id_which_carries_over() -> None:
    stream = "id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"
    assert [e.id for e in decode(stream)] == ["1", "1", None]  # an empty id resets it


def test_id_containing_nul_is_ignored() -> None:
    assert [e.id for e in decode("id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n")] == ["1", "1"]


def test_last_event_id_is_committed_at_each_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 7\n\n") == []
    assert decoder.last_event_id == "7"  # no event, but the stream's last event ID moved
    decoder.feed(b"id: 8\ndata: x\n")
    assert decoder.close() == []
    assert decoder.last_event_id == "7"  # the unterminated event never counted


def test_retry_is_set_only_by_ascii_digits() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: 1500\ndata: a\n\n") == [SSE(data="a", retry=1500)]
    for bad in ("15s", "-1", "1.5", "", " 15", "\u0661\u0662", "1 5"):
        decoder.feed(f"retry: {bad}\n".encode())
    assert decoder.retry == 1500
    assert decoder.feed(b"retry:0\n\ndata: b\n\n") == [SSE(data="b", retry=0)]


def test_unknown_fields_are_ignored() -> None:
    stream = "foo: bar\nData: x\n data: y\ndata : w\nevent2: e\ndata: z\n\n"
    assert decode(stream) == [SSE(data="z")]


# --- end of stream and API ---------------------------------------------------------------------


@pytest.mark.parametrize("tail", ["data: x\n", "data: x", "data: x\r", "event: e\ndata: x\r\n"])
def test_close_discards_an_unterminated_event(tail: str) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\n" + tail.encode()) == [SSE(data="a")]
    assert decoder.close() == []
    assert decoder.close() == []


def test_feed_after_close_raises() -> None:
    decoder = SSEDecoder()
    decoder.close()
    with pytest.raises(ValueError):
        decoder.feed(b"data: x\n\n")


def test_iter_sse_is_lazy() -> None:
    def chunks() -> Iterable[bytes]:
        yield b"data: a\n\n"
        raise AssertionError("read past the first event")

    assert next(iter(iter_sse(chunks()))) == SSE(data="a")


@pytest.mark.parametrize("size", [1, 10])
def test_large_stream_decodes_in_linear_time(size: int) -> None:
    big = "x" * 100_000
    raw = (f"data: {big}\n\n" + "data: é\n\n" * 20_000).encode()  # ~200,000 characters
    start = time.perf_counter()
    events = list(iter_sse(raw[i : i + size] for i in range(0, len(raw), size)))
    elapsed = time.perf_counter() - start
    assert len(events) == 20_001 and events[0].data == big
    assert elapsed < 4, f"{elapsed:.2f}s: quadratic buffering?"


# --- a realistic OpenAI stream, cut everywhere -------------------------------------------------


def _chunk(delta: dict[str, object], finish: str | None = None, **extra: object) -> str:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "o4-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return json.dumps(body, ensure_ascii=False)


OPENAI_DATA = [
    _chunk({"role": "assistant", "content": ""}),
    _chunk({"content": "Café "}),
    _chunk({"content": "漢字 "}),
    _chunk({"content": "🙂\nok"}),
    _chunk({}, "stop"),
    json.dumps({"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 7}}),
    "[DONE]",
]


def _openai_stream(eol: str, bom: bool) -> bytes:
    lines = [": OPENROUTER PROCESSING", ""]
    for i, data in enumerate(OPENAI_DATA):
        lines += [f"data: {data}", ""]
        if i == 2:
            lines += [": OPENROUTER PROCESSING", ""]
    raw = "".join(line + eol for line in lines).encode()
    return b"\xef\xbb\xbf" + raw if bom else raw


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_openai_stream_split_anywhere(eol: str, bom: bool) -> None:
    raw = _openai_stream(eol, bom)
    expected = [SSE(data=d) for d in OPENAI_DATA]
    assert list(iter_sse([raw])) == expected
    assert list(iter_sse(raw[i : i + 1] for i in range(len(raw)))) == expected
    for cut in range(len(raw) + 1):
        decoder = SSEDecoder()
        events = decoder.feed(raw[:cut]) + decoder.feed(raw[cut:]) + decoder.close()
        assert events == expected, f"cut at byte {cut}"
        assert decoder.comments == 2


# --- properties --------------------------------------------------------------------------------

_EOLS = st.sampled_from(["\n", "\r", "\r\n"])
_LINE_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"))


def _split(raw: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(raw)) for c in cuts})
    return [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]


@st.composite
def _events(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    """(stream, expected events): events with types, ids, multi-line data, comments and a line
    end drawn for every line."""
    lines: list[str] = []
    expected: list[ServerSentEvent] = []
    last_id: str | None = None
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.booleans()):
            lines.append(":" + draw(_LINE_TEXT))
        event = draw(st.none() | _LINE_TEXT)
        if event is not None:
            lines.append(f"event: {event}")
        id_ = draw(st.none() | st.text(st.characters(codec="utf-8", exclude_characters="\r\n\0")))
        if id_ is not None:
            lines.append(f"id: {id_}")
            last_id = id_ or None
        data = draw(st.lists(_LINE_TEXT, min_size=1, max_size=3))
        lines += [f"data: {d}" for d in data]
        lines.append("")
        expected.append(SSE(event=event or "message", data="\n".join(data), id=last_id))
    text, eol = "", ""
    for line in lines:
        # CR then an empty line ended by LF would read as one CRLF: that is another stream.
        eols = ["\r", "\r\n"] if eol == "\r" and not line else ["\n", "\r", "\r\n"]
        eol = draw(st.sampled_from(eols))
        text += line + eol
    return text.encode(), expected


@settings(database=None, deadline=None)
@given(_events(), st.lists(st.integers(0, 2_000), max_size=12))
def test_property_events_survive_any_chunking(
    case: tuple[bytes, list[ServerSentEvent]], cuts: list[int]
) -> None:
    raw, expected = case
    assert list(iter_sse(_split(raw, cuts))) == expected


def _reference(raw: bytes) -> tuple[list[ServerSentEvent], int]:
    """The spec read literally on the whole stream at once: an independent oracle."""
    text = raw.decode("utf-8", "replace").removeprefix("\ufeff")
    lines = re.split(r"\r\n|\r|\n", text)[:-1]  # the last piece has no line end
    events, comments = [], 0
    data, event_type, id_buffer, retry = "", "", "", None
    for line in lines:
        if line == "":
            if data:
                events.append(SSE(event_type or "message", data[:-1], id_buffer or None, retry))
            data, event_type = "", ""
        elif line.startswith(":"):
            comments += 1
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data += value + "\n"
            elif name == "event":
                event_type = value
            elif name == "id" and "\0" not in value:
                id_buffer = value
            elif name == "retry" and re.fullmatch(r"[0-9]+", value):
                retry = int(value)
    return events, comments


_TOKENS = [b"\n", b"\r", b"\r\n", b":", b" ", b"data", b"event", b"id", b"retry", b"x", b"7"]
_BYTES = [
    b"\0",
    b"\xef\xbb\xbf",
    b"\xe6\xbc\xa2",
    b"\xf0\x9f\x99\x82",
    b"\xe6",
    b"\xff",
    b"\x80",
    b"\xc3",
]
_NASTY = st.sampled_from([*_TOKENS, *_BYTES])


@settings(database=None, deadline=None)
@given(st.lists(_NASTY, max_size=60).map(b"".join), st.lists(st.integers(0, 300), max_size=20))
def test_property_matches_whole_stream_reference(raw: bytes, cuts: list[int]) -> None:
    decoder = SSEDecoder()
    events = [e for chunk in _split(raw, cuts) for e in decoder.feed(chunk)] + decoder.close()
    assert (events, decoder.comments) == _reference(raw)
