"""A table's cells as CSV and TSV, the way spreadsheets read them."""

from __future__ import annotations

import csv
import io
import json

import pytest

from askshot.core.structured import table_rows
from askshot.core.tables import JsonTableStream, to_csv, to_markdown, to_tsv

ROWS = (
    ("Item", "Price", "Note"),
    ("Coffee, large", "$4.50", 'the "good" one'),
    ("Tea", "3", "two\nlines"),
)


def test_csv_quotes_what_needs_it_and_reads_back_exactly() -> None:
    text = to_csv(ROWS)
    assert text.splitlines()[0] == "Item,Price,Note"
    assert '"Coffee, large",$4.50,"the ""good"" one"' in text
    assert list(csv.reader(io.StringIO(text))) == [list(r) for r in ROWS]
    assert to_csv([("a", "b")]) == "a,b\r\n"
    assert to_csv([("a", "b")], line_end="\n") == "a,b\n"


def test_tsv_is_one_row_a_line_with_no_tab_or_break_inside_a_cell() -> None:
    text = to_tsv((*ROWS, ("tab\there", "x")))
    lines = text.split("\n")
    assert lines[0] == "Item\tPrice\tNote"
    assert lines[2] == "Tea\t3\ttwo lines"
    assert lines[3] == "tab here\tx"
    assert text.endswith("\n") and len(lines) == 5


TABLE = {
    "columns": ["Item", "Price | note"],
    "rows": [["Tea", "$3"], ['Cake, "lemon" ] {x}', "4\n50"], ["Rows", '[["no"]]']],
}


def _streamed(text: str, size: int) -> tuple[str, list[str]]:
    stream, shown, steps = JsonTableStream(), "", []
    for i in range(0, len(text), size):
        shown += stream.feed(text[i : i + size])
        steps.append(shown)
    return shown, steps


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50, 10_000])
@pytest.mark.parametrize("indent", [None, 2])
def test_a_json_table_streams_as_markdown_rows_never_as_json(size: int, indent) -> None:
    """Whatever the chunks, what is shown grows by whole lines of a Markdown table and ends as
    the table the finished answer is kept as."""
    text = json.dumps(TABLE, indent=indent)
    shown, steps = _streamed(text, size)
    assert shown == to_markdown(table_rows(text) or [])
    for step in steps:
        assert "{" not in step.split("|")[0] and '"columns"' not in step
        assert step == "" or step.endswith("|\n")  # never half a row
    assert (table_rows(shown) or [])[2][1] == "4 50"  # (a line break in a cell: a space)


@pytest.mark.parametrize("size", [1, 2, 5])
def test_a_fenced_json_table_streams_too_and_markdown_passes_through(size: int) -> None:
    fenced = "```json\n" + json.dumps(TABLE) + "\n```"
    assert _streamed(fenced, size)[0] == to_markdown(table_rows(fenced) or [])
    markdown = "Here it is:\n\n| A | B |\n|---|---|\n| 1 | 2 |\n"
    assert _streamed(markdown, 4)[0] == markdown


def test_rows_before_columns_wait_for_the_header() -> None:
    text = json.dumps({"rows": [["1", "2"]], "columns": ["A", "B"]})
    shown, steps = _streamed(text, 3)
    assert shown == "| A | B |\n|---|---|\n| 1 | 2 |\n"
    assert all(s == "" or s.startswith("| A |") for s in steps)


def test_a_long_table_streams_in_time_proportional_to_its_length() -> None:
    """Rows shown are not scanned again: 20,000 rows (750 kB) in 40-character chunks take well
    under a second here, where scanning the whole answer per chunk took many."""
    import time

    rows = [[f"cell {i}", "x" * 10, "y, z"] for i in range(20_000)]
    text = json.dumps({"columns": ["a", "b", "c"], "rows": rows})
    stream = JsonTableStream()
    started = time.perf_counter()
    shown = "".join(stream.feed(text[i : i + 40]) for i in range(0, len(text), 40))
    assert time.perf_counter() - started < 3.0
    assert shown == to_markdown([["a", "b", "c"], *rows])
