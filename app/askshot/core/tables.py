"""Tables as data a spreadsheet takes: the cells of a Markdown table (markdown-it tokens), and
rows of cell text to CSV (RFC 4180, for files and for the clipboard) and TSV (what spreadsheets
paste into cells). No Qt here."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

Rows = Sequence[Sequence[str]]


def to_csv(rows: Rows, *, line_end: str = "\r\n") -> str:
    """Comma-separated, quoted where a cell needs it (a comma, a quote, a line break)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return out.getvalue()


def to_tsv(rows: Rows) -> str:
    """Tab-separated, one row a line: a tab or a line break inside a cell becomes a space, as a
    pasted cell cannot hold them."""
    return "".join(
        "\t".join(" ".join(cell.split("\t")).replace("\r", " ").replace("\n", " ") for cell in row)
        + "\n"
        for row in rows
    )


def cells(tokens: Sequence[Any], idx: int) -> tuple[tuple[str, ...], ...]:
    """The plain text of each cell of the table opened at tokens[idx], row by row (markup
    dropped, code kept)."""
    rows: list[tuple[str, ...]] = []
    row: list[str] = []
    for token in tokens[idx + 1 :]:
        if token.type == "table_close":
            break
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            rows.append(tuple(row))
        elif token.type == "inline":
            row.append(plain(token))
    return tuple(rows)


def plain(inline: Any) -> str:
    """An inline token's text without its markup."""
    parts: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def first_markdown_table(text: str) -> list[list[str]] | None:
    """The first GFM table in a text, row by row (the header first), or None."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    for n, token in enumerate(tokens):
        if token.type == "table_open":
            return [list(row) for row in cells(tokens, n)]
    return None


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _md_row(row: Sequence[str], width: int) -> str:
    cells = [*(_md_cell(c) for c in row[:width]), *([""] * (width - len(row)))]
    return "| " + " | ".join(cells) + " |\n"


def to_markdown(rows: Rows) -> str:
    """A GFM table: the first row is the header; pipes and line breaks in cells escaped."""
    width = max(len(r) for r in rows)
    return (
        _md_row(rows[0], width)
        + "|"
        + "---|" * width
        + "\n"
        + "".join(_md_row(r, width) for r in rows[1:])
    )


class JsonTableStream:
    """A table asked for as data (core.structured.TABLE_SCHEMA's JSON) shown as it streams:
    `feed` takes the answer's text as it comes and gives back Markdown to append: the header
    once the column names are complete, then each row once it is complete. Never the half of
    a row, never the JSON itself. An answer that is not such JSON (a server that answered in
    Markdown) passes through unchanged."""

    _COLUMNS = re.compile(r'"columns"\s*:\s*(?=\[)')
    _ROWS = re.compile(r'"rows"\s*:\s*\[')

    def __init__(self) -> None:
        self._text = ""  # what is not consumed yet (whole rows are dropped as they are shown)
        self._mode = ""  # "" undecided, "json", "text"
        self._columns: list[str] | None = None
        self._rows_at = -1  # where the next row may start, once "rows": [ is seen
        self._searched = 0  # how far the keys were looked for (a key may straddle a chunk)
        self._columns_at = -1  # where the column names start, once their key is seen
        self._waiting: list[list[str]] = []  # rows complete before the columns were
        self._ended = False
        self._decoder = json.JSONDecoder()

    def feed(self, text: str) -> str:
        self._text += text
        if not self._mode:
            head = self._text.lstrip()
            if head.startswith("`") or not head:  # maybe a fence: decide after its first line
                if "\n" not in head:
                    return ""
                if head.startswith("```"):
                    head = head.split("\n", 1)[1].lstrip()
                    if not head:
                        return ""
            self._mode = "json" if head.startswith("{") else "text"
            if self._mode == "text":
                out, self._text = self._text, ""
                return out
        if self._mode == "text":
            self._text = ""
            return text
        return self._scan()

    def _find(self, pattern: re.Pattern[str]) -> int:
        """Where the value after this key starts, or -1 (only new text is looked at)."""
        m = pattern.search(self._text, max(0, self._searched - 16))
        return m.end() if m is not None else -1

    def _scan(self) -> str:
        out = ""
        if self._columns is None:
            if self._columns_at < 0:
                self._columns_at = self._find(self._COLUMNS)
            value = self._decode(self._columns_at) if self._columns_at >= 0 else None
            if value is not None:
                self._columns = [str(c) for c in value[0]] if isinstance(value[0], list) else []
                width = max(1, len(self._columns))
                out += _md_row(self._columns, width) + "|" + "---|" * width + "\n"
        if self._rows_at < 0 and not self._ended:
            self._rows_at = self._find(self._ROWS)
        while self._rows_at >= 0 and not self._ended:
            i = self._rows_at
            while i < len(self._text) and self._text[i] in " \t\r\n,":
                i += 1
            if i >= len(self._text):
                break
            if self._text[i] == "]":
                self._ended = True
                self._rows_at = i + 1
                break
            value = self._decode(i)
            if value is None:
                break
            row, self._rows_at = value
            self._waiting.append([str(c) for c in row] if isinstance(row, list) else [str(row)])
        if self._rows_at > 0:
            # Rows shown (or decoded, waiting for the columns that follow them) are not looked
            # at again: each chunk costs its own length, not the whole answer's. The columns,
            # when they come first, are complete before "rows" begins.
            self._text = self._text[self._rows_at :]
            self._rows_at = 0 if not self._ended else -1
        self._searched = len(self._text)
        if self._columns is not None and self._waiting:
            width = max(1, len(self._columns))
            out += "".join(_md_row(r, width) for r in self._waiting)
            self._waiting.clear()
        return out

    def _decode(self, at: int) -> tuple[Any, int] | None:
        """The JSON value starting at `at` and where it ends; None while it is incomplete."""
        try:
            return self._decoder.raw_decode(self._text, at)
        except json.JSONDecodeError:
            return None
