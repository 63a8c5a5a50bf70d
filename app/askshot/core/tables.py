"""Tables as data a spreadsheet takes: rows of cell text to CSV (RFC 4180, for files and for the
clipboard) and TSV (what spreadsheets paste into cells). No Qt here."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

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
