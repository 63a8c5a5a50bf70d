"""A table's cells as CSV and TSV, the way spreadsheets read them."""

from __future__ import annotations

import csv
import io

from askshot.core.tables import to_csv, to_tsv

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
