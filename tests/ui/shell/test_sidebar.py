"""The conversation sidebar over a real history file: order, search snippets, rename, pin,
delete with undo."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from askshot.core.history import Store
from askshot.ui.shell.sidebar import Sidebar


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "history.sqlite3")
    yield s
    s.close()


def add(store: Store, title: str, answer: str = "") -> int:
    cid = store.create_conversation()
    qid = store.add_user_message(cid, title)
    if answer:
        rid = store.begin_reply(cid, qid, "o4-mini")
        store.finish_reply(rid, "done", text=answer)
    time.sleep(0.002)
    return cid


@pytest.fixture
def sidebar(qtbot, store):
    w = Sidebar(store)
    qtbot.addWidget(w)
    w.show()
    return w


def titles(sidebar: Sidebar) -> list[str]:
    return [sidebar.list.item(i).text().split("\n")[0] for i in range(sidebar.list.count())]


def test_newest_first_pinned_on_top(qtbot, sidebar, store) -> None:
    a = add(store, "alpha")
    add(store, "beta")
    add(store, "gamma")
    store.pin_conversation(a)
    sidebar.refresh()
    assert titles(sidebar) == ["📌 alpha", "gamma", "beta"]


def test_search_shows_highlighted_snippets_and_opens_the_hit(qtbot, sidebar, store) -> None:
    add(store, "Fix my build", "The linker says undefined reference to inflateReset2 in zlib.")
    add(store, "Weather", "Sunny.")
    sidebar.refresh()
    with qtbot.waitSignal(sidebar.conversationActivated) as sig:
        qtbot.keyClicks(sidebar.search, "inflateRes")
        qtbot.waitUntil(
            lambda: sidebar.list.count() == 1 and sidebar.list.item(0).text() == "Fix my build"
        )
        label = sidebar.list.itemWidget(sidebar.list.item(0))
        assert isinstance(label, QLabel)
        assert "<b>inflateReset2</b>" in label.text()
        qtbot.keyClick(sidebar.search, Qt.Key.Key_Return)
    assert sig.args[1] > 0  # the message that matched


def test_hostile_search_text_is_safe(qtbot, sidebar, store) -> None:
    """FTS syntax and markup typed into the search box neither fail nor reach the list as
    markup: each query finds what its words say, or says there are no matches."""
    add(store, "quotes", 'He said "hi" -- and * left <b>x</b>')
    failures: list[str] = []
    sidebar.failed.connect(failures.append)
    sidebar.refresh()

    def shown(query: str) -> list[str]:
        sidebar.search.setText(query)
        sidebar.refresh()
        out = []
        for i in range(sidebar.list.count()):
            label = sidebar.list.itemWidget(sidebar.list.item(i))
            out.append(label.text() if isinstance(label, QLabel) else sidebar.list.item(i).text())
        return out

    for query in ['"', "*", "-", "AND OR NOT", "(", "NEAR("]:
        assert shown(query) in (["No matches"], [])  # nothing to search for, or nothing found
    found = shown('said "hi')
    assert len(found) == 1 and "<b>said</b>" in found[0] and "<b>hi</b>" in found[0]
    markup = shown("<b>x</b>")
    assert len(markup) == 1 and "&lt;" in markup[0] and "&gt;" in markup[0]  # escaped text
    assert failures == []


def test_rename_and_pin(qtbot, sidebar, store) -> None:
    cid = add(store, "old title")
    sidebar.refresh()
    sidebar.list.setCurrentRow(0)
    sidebar.rename_selected("New title")
    assert store.conversation(cid).title == "New title"
    assert titles(sidebar) == ["New title"]
    sidebar.list.setCurrentRow(0)
    sidebar.toggle_pin()
    assert store.conversation(cid).pinned


def test_delete_then_undo_keeps_everything(qtbot, sidebar, store) -> None:
    cid = add(store, "keep me", "answer")
    sidebar.refresh()
    sidebar.list.setCurrentRow(0)
    sidebar.list.setFocus()
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    assert titles(sidebar) == []
    assert sidebar.undo_bar.isVisible()
    qtbot.mouseClick(sidebar.undo_button, Qt.MouseButton.LeftButton)
    assert titles(sidebar) == ["keep me"]
    assert [m.text for m in store.branch(cid)] == ["keep me", "answer"]


def test_delete_is_carried_out_when_undo_expires(qtbot, sidebar, store, monkeypatch) -> None:
    add(store, "gone")
    sidebar.refresh()
    sidebar._undo_timer.setInterval(50)
    sidebar.list.setCurrentRow(0)
    sidebar.delete_selected()
    qtbot.waitUntil(lambda: not sidebar.undo_bar.isVisible(), timeout=2000)
    assert store.count_conversations() == 0


def test_long_history_loads_more_rows_when_scrolled_to_the_end(qtbot, sidebar, store) -> None:
    for i in range(130):
        cid = store.create_conversation()
        store.add_user_message(cid, f"conversation {i}")
    sidebar.resize(260, 300)
    sidebar.refresh()
    assert sidebar.list.count() == 60
    bar = sidebar.list.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: sidebar.list.count() == 120)
    qtbot.waitUntil(lambda: bar.maximum() > bar.value())
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: sidebar.list.count() == 130)
