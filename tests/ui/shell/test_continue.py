"""An answer cut off at the output limit, continued in the window: the Continue link under it,
the rest streaming into the same answer (shown once, saved once, tokens and cost summed), and
the link still there when the conversation is reopened — until the answer is complete."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from askshot.core.session import CONTINUE_PROMPT
from askshot.ui.shell.main_window import MainWindow
from tests.helpers import fakeserver as fs
from tests.ui.shell.test_main_window import click_link, idle, links, make_window, send, stored


@pytest.fixture
def window(qtbot: QtBot, server: fs.FakeServer, client: object, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-window-continue")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    w = make_window(qtbot, client)
    yield w
    w.close()


def test_continue_appends_the_rest_to_the_same_answer(
    qtbot: QtBot, window: MainWindow, server: fs.FakeServer
) -> None:
    server.enqueue(
        fs.text_reply(["Step one. Step tw"], finish_reason="length", usage=fs.usage_chunk(100, 50))
    )
    send(qtbot, window, "Steps?")
    idle(qtbot, window)
    text = window.view.toPlainText()
    assert "cut off at the output limit" in text
    assert "Continue" in links(window)

    server.enqueue(fs.text_reply(["o. Step three."], usage=fs.usage_chunk(170, 20), think=0.3))
    click_link(qtbot, window, "Continue")
    qtbot.waitUntil(lambda: window.chat.busy)
    assert "Step one. Step tw" in window.view.toPlainText()  # the part so far, while it thinks
    idle(qtbot, window)
    sent = server.chat_requests[1].json["messages"]
    assert sent[-2:] == [
        {"role": "assistant", "content": "Step one. Step tw"},
        {"role": "user", "content": CONTINUE_PROMPT},
    ]
    text = window.view.toPlainText()
    assert text.count("Step one. Step two. Step three.") == 1
    assert "cut off" not in text and "Continue" not in links(window)
    answers = [m for m in stored(window) if m.role == "assistant"]
    assert len(answers) == 1 and answers[0].text == "Step one. Step two. Step three."
    assert answers[0].usage is not None
    assert (answers[0].usage.prompt_tokens, answers[0].usage.completion_tokens) == (270, 70)
    assert answers[0].cost_usd == pytest.approx((270 * 1.10 + 70 * 4.40) / 1e6)
    assert "270 in" in text  # the stats line shows the whole answer


def test_a_reopened_cut_off_answer_still_offers_continue(
    qtbot: QtBot, window: MainWindow, server: fs.FakeServer
) -> None:
    server.enqueue(fs.text_reply(["Half"], finish_reason="length"))
    send(qtbot, window, "Write a lot")
    idle(qtbot, window)
    cid = window.chat.conversation_id
    assert cid is not None
    window.new_chat()
    assert "Continue" not in links(window)
    window.open_conversation(cid)
    assert links(window).count("Continue") == 1
    server.enqueue(fs.text_reply([" and the rest."]))
    click_link(qtbot, window, "Continue")
    idle(qtbot, window)
    assert "Half and the rest." in window.view.toPlainText()
