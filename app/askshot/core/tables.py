"""Tables as data a spreadsheet takes: the cells of a Markdown table (markdown-it tokens), and
rows of cell text to CSV (RFC 4180, for files and for the clipboard) and TSV (what spreadsheets
paste into cells). No Qt here."""

from __future__ import annotations

import csv
import io
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


def to_markdown(rows: Rows) -> str:
    """A GFM table: the first row is the header; pipes and line breaks in cells escaped."""

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()

    width = max(len(r) for r in rows)
    padded = [[*(cell(c) for c in r), *([""] * (width - len(r)))] for r in rows]
    lines = ["| " + " | ".join(padded[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in padded[1:]]
    return "\n".join(lines) + "\n"
