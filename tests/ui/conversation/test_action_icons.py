"""A message's actions as a user meets them: small icons, drawn under the newest message and
under any other only while the pointer is over it or the keyboard is on one of its icons; each
named (tooltip, alt text, said to a screen reader), each doing its action from a click or Enter.
Judged on the view's pixels, in the window, on answers streamed from the loopback server."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QTextCursor
from pytestqt.qtbot import QtBot

from askshot.ui.conversation import icons
from askshot.ui.conversation import markdown as md
from askshot.ui.shell.main_window import MainWindow
from tests.helpers import fakeserver as fs
from tests.ui.shell.test_continue import window  # noqa: F401 (the window fixture)
from tests.ui.shell.test_main_window import idle, link_positions, links, send


def _two_turns(qtbot: QtBot, w: MainWindow, server: fs.FakeServer) -> None:
    server.enqueue(
        fs.text_reply(["The first answer, long enough to point at."]),
        fs.text_reply(["The second answer."]),
    )
    send(qtbot, w, "first question")
    idle(qtbot, w)
    send(qtbot, w, "second question")
    idle(qtbot, w)


def _icon_rects(w: MainWindow) -> list[list[QRect]]:
    """Each action row's icons, where they are drawn in the viewport (row by row)."""
    view = w.view
    rows: list[list[QRect]] = []
    for row in view._rows:
        rects = []
        block = row.block()
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            fmt = frag.charFormat()
            if fmt.isImageFormat() and icons.parse_icon_url(fmt.toImageFormat().name()):
                c = QTextCursor(view.document())
                c.setPosition(frag.position())
                r = view.cursorRect(c)
                rects.append(QRect(r.x(), r.bottom() - icons.SIZE + 1, icons.SIZE, icons.SIZE))
            it += 1
        rows.append(rects)
    return rows


def _pixels(image: QImage, rect: QRect) -> Iterator[QColor]:
    """The colours of the image's pixels in `rect` (logical coordinates)."""
    dpr = image.devicePixelRatio()
    for y in range(round(rect.top() * dpr), round((rect.bottom() + 1) * dpr)):
        for x in range(round(rect.left() * dpr), round((rect.right() + 1) * dpr)):
            yield image.pixelColor(x, y)


def _ink(image: QImage, rect: QRect, background: QColor) -> int:
    """How many pixels in `rect` differ clearly from the background."""
    return sum(
        abs(c.red() - background.red()) + abs(c.green() - background.green()) > 60
        for c in _pixels(image, rect)
    )


def _shown(w: MainWindow) -> list[bool]:
    """Per action row: are its icons drawn (ink where they are)?"""
    QGuiApplication.processEvents()
    w.view.viewport().repaint()
    image = w.view.viewport().grab().toImage()
    background = w.view.viewport().palette().color(w.view.viewport().backgroundRole())
    return [all(_ink(image, r, background) > 8 for r in rects) for rects in _icon_rects(w)]


def test_icons_show_under_the_newest_message_and_where_the_pointer_is(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    server: fs.FakeServer,
) -> None:
    _two_turns(qtbot, window, server)
    view = window.view
    assert (
        links(window).count("Regenerate answer") == 2 and links(window).count("Edit question") == 2
    )
    # question, answer, question, answer: only the newest answer's actions are drawn
    assert _shown(window) == [False, False, False, True]
    # ...also when the conversation is opened again from the history
    assert window.chat.conversation_id is not None
    window.open_conversation(window.chat.conversation_id)
    qtbot.waitUntil(lambda: len(view._rows) == 4)
    assert _shown(window) == [False, False, False, True]
    row_ys = [view.cursorRect(QTextCursor(r)).y() for r in view._rows]

    # The pointer over the first answer's text: its actions come, the others stay hidden.
    first = view.document().find("long enough to point at")
    point = view.cursorRect(first).center()
    qtbot.mouseMove(view.viewport(), point)
    qtbot.waitUntil(lambda: _shown(window) == [False, True, False, True])
    # Nothing moved as they came.
    assert [view.cursorRect(QTextCursor(r)).y() for r in view._rows] == row_ys

    # Over the first question's band: its Edit and Copy, not the answer's.
    question = view.document().find("first question")
    qtbot.mouseMove(view.viewport(), view.cursorRect(question).center())
    qtbot.waitUntil(lambda: _shown(window) == [True, False, False, True])

    # On an icon itself: drawn in the link colour, and named in its tooltip.
    edit = _icon_rects(window)[0][0]
    qtbot.mouseMove(view.viewport(), edit.center())
    link = QColor(md.theme(view.dark).link)

    def blue() -> bool:
        view.viewport().repaint()
        image = view.viewport().grab().toImage()
        return any(
            c.blue() > c.red() + 80 and abs(c.hue() - link.hue()) < 20 for c in _pixels(image, edit)
        )

    qtbot.waitUntil(blue)
    assert _shown(window) == [True, False, False, True]  # its own row, while on it
    assert view._icon_name_at(view.cursorForPosition(edit.center())) == "Edit question"


def test_a_clicked_icon_does_its_action(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    server: fs.FakeServer,
) -> None:
    _two_turns(qtbot, window, server)
    view = window.view
    question = view.document().find("first question")
    qtbot.mouseMove(view.viewport(), view.cursorRect(question).center())
    qtbot.waitUntil(lambda: _shown(window)[0])
    copy = _icon_rects(window)[0][1]
    qtbot.mouseMove(view.viewport(), copy.center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=copy.center())
    assert QGuiApplication.clipboard().text() == "first question"


def test_the_keyboard_reaches_every_icon_shows_it_and_says_its_name(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    server: fs.FakeServer,
    monkeypatch,
) -> None:
    from askshot.ui.qt import a11y

    said: list[str] = []
    monkeypatch.setattr(a11y, "announce", lambda source, text, polite=False: said.append(text))
    _two_turns(qtbot, window, server)
    view = window.view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    # Tab from link to link until the first question's Copy has the focus.
    target = link_positions(view, "Copy question")[0]
    for _ in range(20):
        qtbot.keyClick(view, Qt.Key.Key_Tab)
        if view.textCursor().selectionStart() == target:
            break
    assert view.textCursor().selectionStart() == target, "Tab never reached the icon"
    assert said[-2:] == [
        "Edit question",
        "Copy question",
    ]  # each icon said as the keyboard landed on it
    assert _shown(window) == [True, False, False, True]  # its row shows while it has the focus
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert QGuiApplication.clipboard().text() == "first question"
    # The focus leaving the conversation hides the row again.
    window.composer.message_box.setFocus()
    qtbot.waitUntil(lambda: _shown(window) == [False, False, False, True])


def test_hidden_icons_are_not_copied_with_a_selection(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    server: fs.FakeServer,
) -> None:
    _two_turns(qtbot, window, server)
    view = window.view
    view.selectAll()
    data = view.createMimeDataFromSelection()
    text = data.text()
    assert "first question" in text and "The second answer." in text
    assert "\ufffc" not in text and "\xa0" not in text
    # the rich formats stay (a paste into a word processor keeps bold and tables), iconless
    for name in ("text/html", "text/markdown"):
        rich = bytes(data.data(name).data())
        assert b"The second answer." in rich and b"askshot-icon" not in rich, name
    assert b"\xc2\xa0\xc2\xa0" not in bytes(data.data("text/markdown").data())
