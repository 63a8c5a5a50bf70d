"""Cost you can steer, in the window: the "½ price" switch (flex) with its estimate, request,
recorded price and "no capacity" fix; the monthly budget beside the estimate and the question
that asks before passing it; a model the server no longer has, moved off in one click; the
recent models kept for the next start. Against the loopback test server and a real history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from askshot.core.paths import Paths
from askshot.ui.shell.main_window import MainWindow
from tests.helpers import fakeserver as fs
from tests.ui.shell.test_main_window import click_link, idle, make_window, send, stored


@pytest.fixture
def env(server: fs.FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-window-cost")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.models_reply = fs.Reply(
        headers={"Content-Type": "application/json"},
        body=json.dumps({"data": [{"id": "o4-mini"}, {"id": "gpt-6-luna"}]}).encode(),
    )


def write_settings(**values: object) -> None:
    path = Paths.from_env().config / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, **values}))


def saved() -> dict[str, object]:
    return json.loads((Paths.from_env().config / "settings.json").read_text())


@pytest.fixture
def window(qtbot: QtBot, env: None, client: object):
    w = make_window(qtbot, client)
    yield w
    w.close()


def test_half_price_is_asked_for_shown_and_recorded(
    qtbot: QtBot, window: MainWindow, server: fs.FakeServer
) -> None:
    c = window.composer
    assert c.flex_button.isVisibleTo(c) and not c.flex_button.isChecked()
    c.message_box.setPlainText("Summarise the chart")
    normal = c.estimate_label.text()
    qtbot.mouseClick(c.flex_button, Qt.MouseButton.LeftButton)
    assert "half price" in c.estimate_label.text() and "half price" not in normal
    assert c.question_estimate().cost_usd is not None
    assert saved()["flex"] is True  # the switch stays for the next start

    server.enqueue(
        fs.text_reply(["Cheaper."], usage=fs.usage_chunk(1000, 1000), service_tier="flex")
    )
    c.message_box.clear()
    send(qtbot, window, "Summarise the chart")
    idle(qtbot, window)
    assert server.chat_requests[0].json["service_tier"] == "flex"
    answer = stored(window)[-1]
    assert answer.cost_usd == pytest.approx(0.0055 / 2)
    assert "half price" in window.view.toPlainText()  # the answer's header says so


def test_no_flex_capacity_offers_the_normal_price_in_one_click(
    qtbot: QtBot, window: MainWindow, server: fs.FakeServer
) -> None:
    window.composer.flex_button.setChecked(True)
    server.enqueue(
        fs.error_reply(429, "Resource unavailable, please retry later.", type_=None),
        fs.text_reply(["At the normal price."]),
    )
    send(qtbot, window, "Later is fine")
    idle(qtbot, window)
    text = window.view.toPlainText()
    assert "no flex capacity for o4-mini right now" in text and "nothing was charged" in text
    assert len(server.chat_requests) == 1
    click_link(qtbot, window, "Send at the normal price")
    idle(qtbot, window)
    assert "At the normal price." in window.view.toPlainText()
    assert "service_tier" not in server.chat_requests[1].json
    assert server.chat_requests[1].json["messages"][-1]["content"] == "Later is fine"
    assert window.composer.flex_button.isChecked()  # the switch itself stays on


def test_flex_is_hidden_where_the_provider_has_none(
    qtbot: QtBot, server: fs.FakeServer, client: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-window")
    write_settings(provider="openrouter", base_url=server.base_url, flex=True)
    w = make_window(qtbot, client)
    try:
        assert not w.composer.flex_button.isVisibleTo(w.composer)
        assert not w.composer.flex()
        server.enqueue(fs.text_reply(["Routed."]))
        send(qtbot, w, "hi")
        idle(qtbot, w)
        assert "service_tier" not in server.chat_requests[0].json
    finally:
        w.close()


def test_the_budget_is_shown_and_a_question_past_it_asks_first(
    qtbot: QtBot,
    server: fs.FakeServer,
    env: None,
    client: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_settings(monthly_budget_usd=0.006)
    asked: list[str] = []
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]

    def question(_parent: object, _title: str, text: str, *_a: object) -> object:
        asked.append(text)
        return answers[len(asked) - 1]

    monkeypatch.setattr(QMessageBox, "question", question)
    w = make_window(qtbot, client)
    try:
        label = w.composer.estimate_label  # the budget, where the estimate goes when empty
        assert label.text() == "$0.00 of $0.0060 this month"
        server.enqueue(fs.text_reply(["Spent."], usage=fs.usage_chunk(1000, 1000)))
        send(qtbot, w, "first")
        idle(qtbot, w)
        assert asked == []
        qtbot.waitUntil(lambda: label.text() == "$0.0055 of $0.0060 this month")
        assert "b26a00" in label.styleSheet()  # past 80 %: amber

        qtbot.keyClicks(w.composer.message_box, "second " * 400)  # ~$0.0005 to read
        assert label.text().endswith("· past the monthly budget")  # said before sending
        qtbot.keyClick(w.composer.message_box, Qt.Key.Key_Return)
        assert len(asked) == 1 and "past your monthly budget of $0.0060" in asked[0]
        assert len(server.chat_requests) == 1  # "No": nothing sent...
        assert w.composer.text().startswith("second")  # ...and nothing lost

        server.enqueue(fs.text_reply(["Anyway."]))
        qtbot.keyClick(w.composer.message_box, Qt.Key.Key_Return)
        idle(qtbot, w)
        assert len(asked) == 2 and len(server.chat_requests) == 2  # "Yes": sent
    finally:
        w.close()


def test_model_not_found_mid_conversation_then_the_move(
    qtbot: QtBot, window: MainWindow, server: fs.FakeServer
) -> None:
    """The server lists o4-mini but answers 404 model_not_found: the composer offers the move,
    one click moves the default model, the next question goes to the new one, and the old
    answer keeps the model it was made with."""
    qtbot.waitUntil(lambda: window.composer.model_box.findText("gpt-6-luna") >= 0)  # the list
    server.enqueue(fs.text_reply(["First answer."]))
    send(qtbot, window, "one")
    idle(qtbot, window)
    assert window.composer.lifecycle_notice() == ""
    server.enqueue(
        fs.error_reply(404, "The model `o4-mini` does not exist", code="model_not_found")
    )
    send(qtbot, window, "two")
    idle(qtbot, window)
    c = window.composer
    qtbot.waitUntil(lambda: "no longer offers o4-mini" in c.lifecycle_notice())
    assert c.move_button.text() == "Move to gpt-6-luna"
    qtbot.mouseClick(c.move_button, Qt.MouseButton.LeftButton)
    assert c.model() == "gpt-6-luna" and c.lifecycle_notice() == ""
    assert saved()["model"] == "gpt-6-luna"

    server.enqueue(fs.text_reply(["From the new model."]))
    send(qtbot, window, "three")
    idle(qtbot, window)
    assert server.chat_requests[-1].json["model"] == "gpt-6-luna"
    models = [m.model for m in stored(window) if m.role == "assistant"]
    assert models == ["o4-mini", "o4-mini", "gpt-6-luna"]


def test_recent_models_are_kept_for_the_next_start(
    qtbot: QtBot, server: fs.FakeServer, env: None, client: object, tmp_path: Path
) -> None:
    w = make_window(qtbot, client)
    try:
        w.composer.pickers.set_model("my-local-vlm")
        server.enqueue(fs.text_reply(["ok"]))
        send(qtbot, w, "hi")
        idle(qtbot, w)
    finally:
        w.close()
    assert saved()["recent_models"][:2] == ["my-local-vlm", "o4-mini"]
    again = make_window(qtbot, client)
    try:
        box = again.composer.model_box
        assert [box.itemText(i) for i in range(2)] == ["my-local-vlm", "o4-mini"]
    finally:
        again.close()
