"""A table in an answer, out of Askshot: Copy CSV and Copy TSV put it on the clipboard as a
spreadsheet takes it, Save CSV… writes a file (or says why it could not) — clicked in the
window, on an answer streamed from the loopback server."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from askshot.ui.shell.main_window import MainWindow
from tests.helpers import fakeserver as fs
from tests.ui.shell.test_continue import window  # noqa: F401 (the window fixture)
from tests.ui.shell.test_main_window import click_link, idle, send, stored

ANSWER = (
    "Here is the receipt:\n\n"
    "| Item | Qty | Price |\n|---|--:|--:|\n"
    "| Coffee, large | 2 | $9.00 |\n| **Cake** | 1 | $4.50 |\n\n"
    "Total: $13.50."
)


@pytest.fixture
def answered(qtbot: QtBot, window: MainWindow, server: fs.FakeServer) -> MainWindow:  # noqa: F811
    pieces = [ANSWER[i : i + 7] for i in range(0, len(ANSWER), 7)]
    server.enqueue(fs.text_reply(pieces))
    send(qtbot, window, "Read the receipt")
    idle(qtbot, window)
    return window


def test_copy_csv_and_tsv(qtbot: QtBot, answered: MainWindow) -> None:
    click_link(qtbot, answered, "Copy CSV")
    text = QGuiApplication.clipboard().text()
    assert list(csv.reader(io.StringIO(text))) == [
        ["Item", "Qty", "Price"],
        ["Coffee, large", "2", "$9.00"],
        ["Cake", "1", "$4.50"],
    ]
    click_link(qtbot, answered, "Copy TSV")
    assert QGuiApplication.clipboard().text() == (
        "Item\tQty\tPrice\nCoffee, large\t2\t$9.00\nCake\t1\t$4.50\n"
    )


def test_save_csv_writes_the_file_or_says_why_not(
    qtbot: QtBot, answered: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "receipt.csv"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV files (*.csv)")
    )
    click_link(qtbot, answered, "Save CSV…")
    assert target.read_bytes() == (b'Item,Qty,Price\r\n"Coffee, large",2,$9.00\r\nCake,1,$4.50\r\n')

    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    missing = tmp_path / "no-such-dir" / "x.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(missing), ""))
    click_link(qtbot, answered, "Save CSV…")
    assert warned == [f"The table could not be saved to {missing}: No such file or directory."]


def test_the_table_preset_asks_for_data_and_keeps_a_table(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    server: fs.FakeServer,
) -> None:
    """ "Table → CSV": sent with the table schema as structured output; the JSON answer is kept
    and shown as a table, whose Copy CSV gives the cells."""
    from askshot.core import structured

    data = '{"columns": ["Item", "Price"], "rows": [["Tea", "$3"], ["Cake, lemon", "$4"]]}'
    server.enqueue(fs.text_reply([data[i : i + 9] for i in range(0, len(data), 9)]))
    button = next(b for b in window.presets.buttons if b.text() == "Table → CSV")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    idle(qtbot, window)
    body = server.chat_requests[0].json
    assert body["response_format"]["json_schema"]["schema"] == structured.TABLE_SCHEMA
    assert body["messages"][0]["role"] == "system"
    assert body["messages"][0]["content"].endswith(structured.TABLE_INSTRUCTION)
    assert body["messages"][-1]["content"] == structured.TABLE_PRESET[1]
    text = window.view.toPlainText()
    assert '"columns"' not in text  # a table, not its JSON
    click_link(qtbot, window, "Copy CSV")
    assert QGuiApplication.clipboard().text() == 'Item,Price\nTea,$3\n"Cake, lemon",$4\n'
    answer = [m for m in stored(window) if m.role == "assistant"][-1]
    assert answer.text.startswith("| Item | Price |")
    assert window.chat.conversation_id is not None  # the rule was this question's only
    conversation = window.store.conversation(window.chat.conversation_id)
    assert structured.TABLE_INSTRUCTION not in conversation.system_prompt


def test_the_table_preset_with_a_server_without_structured_outputs(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    server: fs.FakeServer,
) -> None:
    server.enqueue(
        fs.error_reply(
            400,
            "Unrecognized request argument supplied: response_format",
            code="unsupported_parameter",
        ),
        fs.text_reply(["| A | B |\n|---|---|\n| 1 | 2 |\n"]),
    )
    button = next(b for b in window.presets.buttons if b.text() == "Table → CSV")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    idle(qtbot, window)
    assert "response_format" not in server.chat_requests[1].json
    click_link(qtbot, window, "Copy CSV")
    assert QGuiApplication.clipboard().text() == "A,B\n1,2\n"


def test_the_table_preset_streams_rows_not_json_and_regenerates_as_data(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    server: fs.FakeServer,
) -> None:
    """While the table arrives the user sees its rows as they complete, never the JSON; a
    regenerated answer is asked for as data again."""
    from askshot.core import structured

    data = '{"columns": ["Item", "Price"], "rows": [["Tea", "$3"], ["Cake", "$4"]]}'
    pieces = [data[i : i + 6] for i in range(0, len(data), 6)]
    server.enqueue(fs.text_reply(pieces, delay=0.05), fs.text_reply([data]))
    seen: list[str] = []
    window.view.document().contentsChanged.connect(lambda: seen.append(window.view.toPlainText()))
    button = next(b for b in window.presets.buttons if b.text() == "Table → CSV")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Tea" in window.view.toPlainText() and window.chat.busy)
    assert "Cake" not in window.view.toPlainText()  # the second row is not complete yet
    idle(qtbot, window)
    assert seen and not any('"columns"' in t or '["Tea"' in t for t in seen)
    click_link(qtbot, window, "Regenerate answer")
    idle(qtbot, window)
    again = server.chat_requests[-1].json
    assert again["response_format"]["json_schema"]["schema"] == structured.TABLE_SCHEMA
    assert again["messages"][0]["content"].endswith(structured.TABLE_INSTRUCTION)
    answers = [m for m in stored(window) if m.role == "assistant"]
    assert answers[-1].text.startswith("| Item | Price |")
    assert '"columns"' not in window.view.toPlainText()


def test_a_table_stopped_half_way_is_kept_as_the_rows_that_came(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    server: fs.FakeServer,
) -> None:
    """Stopped while the table arrives: the answer kept (and copied, and reopened) is the rows
    the window showed, as a table, not half a JSON text."""
    head = '{"columns": ["Item", "Price"], "rows": [["Tea", "$3"], ["Ca'
    server.enqueue(fs.text_reply([head, 'ke", "$4"]]}'], delay=0.3, think=0.0))
    server.enqueue(fs.text_reply(["never asked"]))
    button = next(b for b in window.presets.buttons if b.text() == "Table → CSV")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Tea" in window.view.toPlainText())
    window.chat.stop()
    idle(qtbot, window)
    answer = [m for m in stored(window) if m.role == "assistant"][-1]
    assert answer.status == "cancelled"
    assert answer.text == "| Item | Price |\n|---|---|\n| Tea | $3 |\n"
    assert window.chat.conversation_id is not None
    window.open_conversation(window.chat.conversation_id)
    qtbot.waitUntil(lambda: "Tea" in window.view.toPlainText())
    assert '"columns"' not in window.view.toPlainText()
