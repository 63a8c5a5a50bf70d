"""The answer popup against the loopback test server and a real history file: the question
shows at once, the request carries that image and that text, the answer streams in, Esc stops
then hides, follow-ups stay in the conversation, quick ask attaches only what is asked for, and
"Open in Askshot" hands the conversation over with the answer still being written."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from pytestqt.qtbot import QtBot

from askshot.core.history import Store
from askshot.ui.quick.popup import AnswerPopup, place_beside
from askshot.ui.shell.main_window import MainWindow
from askshot.ui.shell.services import Services
from tests.helpers import fakeserver as fs
from tests.ui.capture.test_overlay import RAISE

pytestmark = RAISE

KEY = "sk-test-popup-0123456789"
WAIT = 10_000


@pytest.fixture
def env(server: fs.FakeServer, monkeypatch: pytest.MonkeyPatch) -> fs.FakeServer:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    return server


@pytest.fixture
def store(services: Services) -> Iterator[Store]:
    s = Store.open(services.paths)
    yield s
    s.close()


@pytest.fixture
def popup(
    qtbot: QtBot, env: fs.FakeServer, services: Services, store: Store, client
) -> Iterator[AnswerPopup]:
    p = AnswerPopup(services, store, lambda: client)
    qtbot.addWidget(p)
    yield p
    p.shutdown()


def red_image() -> QImage:
    image = QImage(120, 60, QImage.Format.Format_RGB32)
    image.fill(QColor(220, 30, 30))
    return image


def sent_parts(req: fs.Recorded) -> tuple[str, list[Image.Image]]:
    parts = req.json["messages"][-1]["content"]
    if isinstance(parts, str):
        return parts, []
    text = "".join(p["text"] for p in parts if p["type"] == "text")
    images = [
        Image.open(io.BytesIO(base64.b64decode(p["image_url"]["url"].split(",", 1)[1])))
        for p in parts
        if p["type"] == "image_url"
    ]
    return text, images


def requests(qtbot: QtBot, server: fs.FakeServer, n: int) -> list[fs.Recorded]:
    """Wait with the event loop running (the image is fitted off the GUI thread)."""
    qtbot.waitUntil(lambda: len(server.chat_requests) >= n, timeout=WAIT)
    return server.chat_requests


def idle(qtbot: QtBot, popup: AnswerPopup) -> None:
    qtbot.waitUntil(lambda: not popup.chat.busy and not popup._preparing, timeout=WAIT)


def test_the_question_shows_at_once_then_the_answer_streams_in(
    qtbot: QtBot, popup: AnswerPopup, env: fs.FakeServer, store: Store
) -> None:
    env.enqueue(fs.text_reply(["It is ", "**red**."]))
    popup.ask_about(red_image(), QRect(100, 100, 120, 60), "What colour?")
    assert popup.isVisible()
    assert "What colour?" in popup.view.toPlainText()  # before the image is even fitted
    req = requests(qtbot, env, 1)[0]
    text, images = sent_parts(req)
    assert text == "What colour?"
    assert len(images) == 1 and images[0].size == (120, 60)
    assert images[0].convert("RGB").getpixel((60, 30)) == (220, 30, 30)
    assert req.headers["authorization"] == f"Bearer {KEY}"
    idle(qtbot, popup)
    assert "It is red." in popup.view.toPlainText()
    assert popup.copy_button.isEnabled()
    cid = popup.chat.conversation_id
    assert cid is not None
    messages = store.branch(cid)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].text == "It is **red**."
    assert len(messages[0].images) == 1


def test_esc_stops_a_silent_answer_then_hides_and_gives_the_focus_back(
    qtbot: QtBot, popup: AnswerPopup, env: fs.FakeServer, store: Store
) -> None:
    env.enqueue(fs.Reply(steps=[fs.data(fs.chunk(role="assistant", content="")), fs.STALL]))
    popup.ask_about(red_image(), QRect(0, 0, 120, 60), "Think hard")
    qtbot.waitUntil(lambda: popup.chat.busy, timeout=WAIT)
    qtbot.waitUntil(lambda: popup.status_label.text().startswith("Thinking"), timeout=WAIT)
    assert popup.send_button.text() == "Stop"
    popup.escape()  # Esc while the model is silent: stops
    idle(qtbot, popup)
    assert popup.isVisible()
    cid = popup.chat.conversation_id
    assert cid is not None and store.branch(cid)[-1].status == "cancelled"
    with qtbot.waitSignal(popup.dismissed) as hidden:
        popup.escape()  # then hides
    assert hidden.args == [True]
    assert not popup.isVisible()


def test_a_follow_up_stays_in_the_conversation(
    qtbot: QtBot, popup: AnswerPopup, env: fs.FakeServer
) -> None:
    env.enqueue(fs.text_reply(["Red."]), fs.text_reply(["Darker."]))
    popup.ask_about(red_image(), QRect(0, 0, 120, 60), "Colour?")
    idle(qtbot, popup)
    qtbot.keyClicks(popup.field, "And the shade?")
    qtbot.keyClick(popup.field, Qt.Key.Key_Return)
    idle(qtbot, popup)
    second = requests(qtbot, env, 2)[1]
    roles = [m["role"] for m in second.json["messages"]]
    assert roles[-3:] == ["user", "assistant", "user"]
    assert second.json["messages"][-1]["content"] in (
        "And the shade?",
        [{"type": "text", "text": "And the shade?"}],
    )
    assert "Darker." in popup.view.toPlainText()


def test_quick_ask_sends_only_what_was_attached(
    qtbot: QtBot, popup: AnswerPopup, env: fs.FakeServer
) -> None:
    env.enqueue(fs.text_reply(["Fine."]), fs.text_reply(["Seen."]))
    QGuiApplication.clipboard().setText("secret clipboard text")
    popup.compose()
    assert popup.attachments == [] and popup.isVisible()
    qtbot.keyClicks(popup.field, "Hello?")
    qtbot.keyClick(popup.field, Qt.Key.Key_Return)
    idle(qtbot, popup)
    first = requests(qtbot, env, 1)[0]
    assert "secret clipboard text" not in str(first.json)  # not attached unless asked

    qtbot.mouseClick(popup.clipboard_button, Qt.MouseButton.LeftButton)
    assert len(popup.attachments) == 1 and popup.chips_box.isVisible()
    qtbot.keyClicks(popup.field, "Fix this")
    qtbot.keyClick(popup.field, Qt.Key.Key_Return)
    idle(qtbot, popup)
    second = requests(qtbot, env, 2)[1]
    text, images = sent_parts(second)
    assert text == "```\nsecret clipboard text\n```\n\nFix this" and images == []

    image = red_image()
    QGuiApplication.clipboard().setImage(image)
    popup.add_clipboard()
    assert popup.attachments[0].image is not None


def test_pinned_it_stays_on_top_and_open(qtbot: QtBot, popup: AnswerPopup) -> None:
    popup.compose()
    qtbot.waitExposed(popup)
    popup.pin_button.click()
    assert popup.pinned
    assert popup.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert popup.isVisible()
    QGuiApplication.sendEvent(popup, QEvent(QEvent.Type.ActivationChange))
    popup._maybe_hide()
    assert popup.isVisible()
    popup.pin_button.click()
    assert not popup.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    popup._maybe_hide()  # unpinned and not the active window: it goes
    assert not popup.isVisible()


def test_open_in_askshot_hands_over_the_answer_being_written(
    qtbot: QtBot, popup: AnswerPopup, env: fs.FakeServer, store: Store, client
) -> None:
    pieces = [f"word{i} " for i in range(60)]
    env.enqueue(fs.text_reply(pieces, delay=0.02))
    popup.ask_about(red_image(), QRect(0, 0, 120, 60), "Count")
    qtbot.waitUntil(lambda: "word3" in popup.view.toPlainText(), timeout=WAIT)
    window = MainWindow(popup.services, client, store)
    qtbot.addWidget(window)
    cid = popup.chat.conversation_id
    window.continue_from(popup)
    assert not popup.isVisible() and popup.chat.conversation_id is None
    assert window.chat.conversation_id == cid and window.chat.busy
    qtbot.waitUntil(lambda: not window.chat.busy, timeout=WAIT)
    assert cid is not None
    messages = store.branch(cid)
    assert [m.role for m in messages] == ["user", "assistant"]  # one answer, not two
    assert messages[1].text == "".join(pieces)
    shown = window.view.toPlainText()
    assert "".join(pieces).strip() in shown  # every word, none twice
    assert shown.count("word0 ") == 1
    window.close()


def test_place_beside_prefers_right_then_left_below_above_and_stays_on_screen() -> None:
    screen = QRect(0, 0, 1600, 1000)
    size = (500, 400)
    assert place_beside(QRect(100, 100, 300, 200), size, screen) == QRect(412, 100, 500, 400)
    assert place_beside(QRect(1200, 100, 300, 200), size, screen) == QRect(688, 100, 500, 400)
    wide = QRect(100, 100, 1400, 200)
    assert place_beside(wide, size, screen) == QRect(100, 312, 500, 400)
    low = QRect(100, 500, 1400, 450)
    assert place_beside(low, size, screen) == QRect(100, 88, 500, 400)
    full = QRect(0, 0, 1600, 1000)
    got = place_beside(full, size, screen)
    assert screen.contains(got) and got.size().toTuple() == size
    tall = place_beside(QRect(100, 900, 100, 90), size, screen)
    assert screen.contains(tall)  # pushed up to stay inside


def test_screen_readers_hear_thinking_once_and_the_answer_once(
    qtbot: QtBot, popup: AnswerPopup, env: fs.FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

    heard: list[tuple[str, QAccessible.AnnouncementPoliteness]] = []

    def update(event: QAccessibleAnnouncementEvent) -> None:
        heard.append((event.message(), event.politeness()))

    monkeypatch.setattr(QAccessible, "isActive", staticmethod(lambda: True))
    monkeypatch.setattr(QAccessible, "updateAccessibility", staticmethod(update))
    pieces = [f"part{i} " for i in range(30)]
    env.enqueue(fs.text_reply(pieces, think=0.6, delay=0.01))
    popup.compose()
    qtbot.keyClicks(popup.field, "Go")
    qtbot.keyClick(popup.field, Qt.Key.Key_Return)
    idle(qtbot, popup)
    polite = QAccessible.AnnouncementPoliteness.Polite
    assert heard[0] == ("Thinking", polite)
    answers = [m for m, _ in heard[1:]]
    assert answers == ["".join(pieces)]  # once, whole: never token by token


def test_the_header_moves_the_popup(qtbot: QtBot, popup: AnswerPopup) -> None:
    popup.compose()
    qtbot.waitExposed(popup)
    before = popup.pos()
    header = popup.title_label.parentWidget()
    assert header is not None
    left = Qt.MouseButton.LeftButton
    qtbot.mousePress(header, left, pos=QPoint(200, 10))
    qtbot.mouseMove(header, QPoint(260, 40))
    qtbot.mouseRelease(header, left, pos=QPoint(260, 40))
    assert popup.pos() != before


def test_a_cut_off_answer_is_continued_in_the_popup(
    qtbot: QtBot, popup: AnswerPopup, env: fs.FakeServer, store: Store
) -> None:
    from tests.ui.shell.test_main_window import click_link, links

    env.enqueue(fs.text_reply(["The error means the fi"], finish_reason="length"))
    popup.ask_about(red_image(), QRect(0, 0, 120, 60), "What does it mean?")
    idle(qtbot, popup)
    assert "Continue" in links(popup)
    env.enqueue(fs.text_reply(["le is locked."]))
    click_link(qtbot, popup, "Continue")
    idle(qtbot, popup)
    assert "The error means the file is locked." in popup.view.toPlainText()
    assert popup.chat.conversation_id is not None
    answers = [m for m in store.branch(popup.chat.conversation_id) if m.role == "assistant"]
    assert [m.text for m in answers] == ["The error means the file is locked."]
