"""The composer with the provider's catalog: the picker lists what it offers (recent first, then
the models that take images, with their prices), typing filters a long list, and a model being
retired shows a notice whose button moves to the replacement. The window end to end: the list
from the test server, the notice, the move saved, the next question sent with the new model."""

from __future__ import annotations

import json
from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from askshot.core import catalog
from askshot.core.catalog import Catalog, CatalogModel
from askshot.core.paths import Paths
from askshot.core.providers import Price
from askshot.ui.composer.panel import ComposerPanel
from tests.helpers import fakeserver as fs
from tests.ui.shell.test_main_window import make_window, send


@pytest.fixture
def env(server: fs.FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-window-catalog")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)


def openai(*models: CatalogModel) -> Catalog:
    return Catalog("openai", "https://api.openai.com/v1", 0.0, models)


def items(panel: ComposerPanel) -> list[str]:
    box = panel.model_box
    return [box.itemText(i) for i in range(box.count())]


def test_the_picker_lists_recent_then_image_models_with_prices(
    qtbot: QtBot, panel: ComposerPanel
) -> None:
    panel.set_catalog(
        openai(
            CatalogModel("a-text", vision=False),
            CatalogModel("z-vision", vision=True, price=Price(0.1, 0.01, 0.5)),
            CatalogModel("o4-mini"),
        ),
        "openai",
        own_url=False,
    )
    assert items(panel) == ["o4-mini", "z-vision", "a-text"]
    tip = panel.model_box.toolTip()  # a list fetched in 1970: its age says so
    assert "3 models listed by the provider," in tip and tip.endswith(" days ago.")
    tip = panel.model_box.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert tip == "z-vision: takes images, $0.1 in / $0.5 out per 1M tokens"
    panel.pickers.set_model("a-text")  # a choice becomes recent: on top next time
    panel.set_catalog(
        openai(*(CatalogModel(i) for i in ("a-text", "o4-mini", "z"))), "openai", False
    )
    assert items(panel)[:2] == ["a-text", "o4-mini"]
    assert panel.model() == "a-text"


# The completer's popup on the offscreen platform (no raise, no keyboard grab there).
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_typing_filters_a_long_list(qtbot: QtBot, panel: ComposerPanel) -> None:
    panel.after_first_paint()
    models = [CatalogModel(f"vendor{i % 20}/model-{i:03d}", vision=True) for i in range(400)]
    panel.set_catalog(openai(*models), "openai", False)
    line = panel.model_box.lineEdit()
    assert line is not None
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, "VENDOR7/")
    completer = panel.model_box.completer()
    assert completer is not None
    qtbot.waitUntil(lambda: completer.popup().isVisible())
    shown = completer.completionModel()
    assert shown.rowCount() == 20  # any part of the id, any case
    assert all("vendor7/" in shown.index(r, 0).data() for r in range(shown.rowCount()))


def test_a_retired_model_shows_the_notice_and_its_move(qtbot: QtBot, panel: ComposerPanel) -> None:
    listed = openai(CatalogModel("gpt-6-luna", vision=True), CatalogModel("gpt-5.6-terra"))
    panel.set_catalog(listed, "openai", own_url=True)
    assert panel.lifecycle_notice() == "OpenAI no longer offers o4-mini since 2026-10-23."
    assert panel.move_button.text() == "Move to gpt-5.6-terra"  # the announced successor
    with qtbot.waitSignal(panel.moveRequested) as moved:
        qtbot.mouseClick(panel.move_button, Qt.MouseButton.LeftButton)
    assert moved.args == ["gpt-5.6-terra"]
    menu = panel.move_button.menu()  # the other replacements: those that take images first
    assert menu is not None
    assert [a.text() for a in menu.actions()] == ["Move to gpt-6-luna"]
    with qtbot.waitSignal(panel.moveRequested) as moved:
        menu.actions()[0].trigger()
    assert moved.args == ["gpt-6-luna"]
    panel.pickers.set_model("gpt-6-luna")
    assert panel.lifecycle_notice() == ""  # a model still offered: no notice


def test_a_coming_shutdown_is_announced_with_its_date(qtbot: QtBot, panel: ComposerPanel) -> None:
    soon = date.fromordinal(date.today().toordinal() + 9)
    panel.set_catalog(
        openai(CatalogModel("o4-mini", shutdown=soon), CatalogModel("gpt-6-luna", vision=True)),
        "openai",
        own_url=False,
    )
    assert panel.lifecycle_notice() == (
        f"OpenAI shuts o4-mini down on {soon.isoformat()} (9 days from now)."
    )
    assert panel.move_button.isVisibleTo(panel)


def test_the_window_lists_the_servers_models_and_moves_in_one_click(
    qtbot: QtBot, server: fs.FakeServer, env: None, client: object
) -> None:
    server.models_reply = fs.Reply(
        headers={"Content-Type": "application/json"},
        body=json.dumps({"data": [{"id": "gpt-6-luna"}, {"id": "text-only"}]}).encode(),
    )
    w = make_window(qtbot, client)
    try:
        qtbot.waitUntil(lambda: "no longer offers o4-mini" in w.composer.lifecycle_notice())
        assert "gpt-6-luna" in items(w.composer)
        paths = Paths.from_env()
        assert catalog.load_cached(paths.cache, server.base_url) is not None  # for next start
        qtbot.mouseClick(w.composer.move_button, Qt.MouseButton.LeftButton)
        assert w.composer.model() == "gpt-6-luna"
        saved = json.loads((paths.config / "settings.json").read_text())
        assert saved["model"] == "gpt-6-luna"
        assert w.composer.lifecycle_notice() == ""
        server.enqueue(fs.text_reply(["Moved."]))
        send(qtbot, w, "Still there?")
        qtbot.waitUntil(lambda: len(server.chat_requests) == 1)
        assert server.chat_requests[0].json["model"] == "gpt-6-luna"
    finally:
        w.close()


def test_the_effort_box_offers_what_each_family_takes(qtbot: QtBot, panel: ComposerPanel) -> None:
    box = panel.effort_box

    def shown() -> list[str]:
        return [box.itemText(i) for i in range(box.count())]

    assert shown() == ["low effort", "medium effort", "high effort"]  # o4-mini
    panel.pickers.set_model("gpt-6-luna")
    assert shown() == [
        "no reasoning",
        "low effort",
        "medium effort",
        "high effort",
        "xhigh effort",
        "max effort",
    ]
    box.setCurrentIndex(box.findData("xhigh"))
    assert panel.effort() == "xhigh"
    panel.pickers.set_model("o4-mini")  # no xhigh in the o-series: the nearest, medium
    assert box.currentData() == "medium" and panel.effort() == "medium"
    panel.pickers.set_model("gpt-6-luna")  # back: the choice comes back
    assert panel.effort() == "xhigh"
    panel.pickers.set_model("gpt-4o-mini")
    assert not box.isVisibleTo(panel) and panel.effort() is None
