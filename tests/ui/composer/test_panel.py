"""The composer and its panel, driven by real key presses and clicks: sending, Send/Stop, the
model and effort pickers, the estimate and the tab order."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from askshot.core.images import PreparedImage
from askshot.core.settings import Settings
from askshot.ui.composer.message_box import MessageBox
from askshot.ui.composer.panel import ComposerPanel
from tests.ui.conftest import WAIT_MS, png, ready

# -- the bare MessageBox -------------------------------------------------------------------------


def test_composer_enter_sends_and_shift_enter_adds_a_line(qtbot: QtBot) -> None:
    box = MessageBox()
    qtbot.addWidget(box)
    qtbot.keyClicks(box, "line one")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "line two")
    with qtbot.waitSignal(box.submitted) as sent:
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert sent.args == ["line one\nline two"]


def test_composer_ctrl_enter_mode(qtbot: QtBot) -> None:
    box = MessageBox(send_key="ctrl+enter")
    qtbot.addWidget(box)
    assert "Ctrl+Enter" in box.placeholderText()
    qtbot.keyClicks(box, "a")
    with qtbot.assertNotEmitted(box.submitted):
        qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.keyClicks(box, "b")
    with qtbot.waitSignal(box.submitted) as sent:
        qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent.args == ["a\nb"]
    box.send_key = "enter"
    assert "Shift+Enter" in box.placeholderText()


# -- sending from the panel -----------------------------------------------------------------------


def test_enter_sends_text_and_prepared_images(
    qtbot: QtBot, panel: ComposerPanel, tmp_path: Path
) -> None:
    panel.add_image_paths([png(tmp_path / "shot.png")])
    ready(qtbot, panel)
    qtbot.keyClicks(panel.message_box, "What is this?")
    with qtbot.waitSignal(panel.sendRequested) as sent:
        qtbot.keyClick(panel.message_box, Qt.Key.Key_Return)
    text, images = sent.args
    assert text == "What is this?"
    assert len(images) == 1
    assert isinstance(images[0], PreparedImage)
    assert images[0].source_name == "shot.png"
    assert images[0].part.mime == "image/png"
    assert (images[0].part.width, images[0].part.height) == (320, 200)


def test_an_image_alone_can_be_sent(qtbot: QtBot, panel: ComposerPanel, tmp_path: Path) -> None:
    panel.add_image_paths([png(tmp_path / "only.png")])
    ready(qtbot, panel)
    with qtbot.waitSignal(panel.sendRequested) as sent:
        qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    assert sent.args[0] == ""
    assert [i.source_name for i in sent.args[1]] == ["only.png"]


def test_enter_while_an_image_is_prepared_waits_for_it(
    qtbot: QtBot, panel: ComposerPanel, tmp_path: Path
) -> None:
    panel.add_image_paths([png(tmp_path / "big.png", (3000, 2000))])
    qtbot.keyClicks(panel.message_box, "now")
    with qtbot.waitSignal(panel.sendRequested, timeout=WAIT_MS) as sent:
        qtbot.keyClick(panel.message_box, Qt.Key.Key_Return)
    assert sent.args[0] == "now"
    assert [i.source_name for i in sent.args[1]] == ["big.png"]


def test_nothing_to_send_sends_nothing(qtbot: QtBot, panel: ComposerPanel) -> None:
    qtbot.keyClicks(panel.message_box, "   ")
    with qtbot.assertNotEmitted(panel.sendRequested):
        qtbot.keyClick(panel.message_box, Qt.Key.Key_Return)
        qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)


def test_shift_enter_adds_a_line_and_ctrl_enter_mode(qtbot: QtBot, panel: ComposerPanel) -> None:
    qtbot.keyClicks(panel.message_box, "one")
    qtbot.keyClick(panel.message_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(panel.message_box, "two")
    assert panel.text() == "one\ntwo"

    panel.set_send_key("ctrl+enter")
    assert "Ctrl+Enter" in panel.send_button.toolTip()
    with qtbot.assertNotEmitted(panel.sendRequested):
        qtbot.keyClick(panel.message_box, Qt.Key.Key_Return)
    assert panel.text() == "one\ntwo\n"
    with qtbot.waitSignal(panel.sendRequested) as sent:
        qtbot.keyClick(panel.message_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent.args == ["one\ntwo", []]


def test_busy_turns_send_into_stop(qtbot: QtBot, panel: ComposerPanel) -> None:
    assert panel.send_button.text() == "Send"
    panel.set_busy(True)
    assert panel.send_button.text() == "Stop"
    assert panel.send_button.accessibleName() == "Stop"

    qtbot.keyClicks(panel.message_box, "next question")
    with qtbot.assertNotEmitted(panel.sendRequested):
        qtbot.keyClick(panel.message_box, Qt.Key.Key_Return)
    assert panel.text() == "next question"  # typing goes on while the answer streams

    with qtbot.waitSignal(panel.stopRequested):
        qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)

    panel.set_busy(False)
    assert panel.send_button.text() == "Send"
    with qtbot.waitSignal(panel.sendRequested) as sent:
        qtbot.keyClick(panel.message_box, Qt.Key.Key_Return)
    assert sent.args == ["next question", []]


def test_set_text_clear_and_focus(qtbot: QtBot, panel: ComposerPanel) -> None:
    panel.set_text("edit me")
    assert panel.text() == "edit me"
    qtbot.keyClicks(panel.message_box, "!")
    assert panel.text() == "edit me!"  # the cursor went to the end
    panel.clear()
    assert panel.text() == ""
    assert panel.images() == []
    panel.attach_button.setFocus()
    panel.focus_text()
    assert panel.message_box.hasFocus()


# -- model and effort -----------------------------------------------------------------------------


def test_effort_picker_only_for_reasoning_models(qtbot: QtBot, panel: ComposerPanel) -> None:
    assert panel.model() == "o4-mini"
    assert panel.effort_box.isVisible()
    assert panel.effort() == "medium"

    with qtbot.waitSignal(panel.modelChanged) as changed:
        panel.set_model("gpt-4o-mini")
    assert changed.args == ["gpt-4o-mini"]
    assert not panel.effort_box.isVisible()
    assert panel.effort() is None

    panel.set_model("o4-mini")
    assert panel.effort_box.isVisible()
    panel.effort_box.setCurrentIndex(panel.effort_box.findData("high"))
    assert panel.effort() == "high"


def test_custom_model_typed_in(qtbot: QtBot, panel: ComposerPanel) -> None:
    edit = panel.model_box.lineEdit()
    assert edit is not None
    edit.selectAll()
    with qtbot.waitSignal(panel.modelChanged) as changed:
        qtbot.keyClicks(edit, "llava:13b")
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert changed.args == ["llava:13b"]
    assert panel.model() == "llava:13b"
    assert panel.model_box.findText("llava:13b") >= 0
    assert not panel.effort_box.isVisible()
    qtbot.keyClicks(panel.message_box, "hello")
    assert "cost unknown" in panel.estimate_label.text()


def test_set_models_adds_ids_and_keeps_the_current_one(panel: ComposerPanel) -> None:
    panel.set_models(["gpt-4.1-mini", "o4-mini", "o3"])
    items = [panel.model_box.itemText(i) for i in range(panel.model_box.count())]
    assert items == ["o4-mini", "gpt-4o-mini", "gpt-4.1-mini", "o3"]
    assert panel.model() == "o4-mini"
    assert panel.model_box.currentText() == "o4-mini"


def test_model_from_settings(qtbot: QtBot) -> None:
    p = ComposerPanel(Settings(model="gpt-4o-mini", effort="low"))
    qtbot.addWidget(p)
    assert p.model() == "gpt-4o-mini"
    assert p.effort() is None
    p.set_model("o4-mini")
    assert p.effort() == "low"


# -- estimate -------------------------------------------------------------------------------------


def test_estimate_counts_text_as_context_trimming_does(qtbot: QtBot, panel: ComposerPanel) -> None:
    """The composer and the context trimming use one estimator: CJK text counts a token a
    character in both (the composer used to count a quarter of that)."""
    from askshot.core.estimate import message_tokens

    text = "日本語の質問です" * 5
    panel.message_box.insertPlainText(text)  # as a paste or an input method would
    assert panel.estimate_label.text().startswith(f"≈ {message_tokens(text)} input tokens")
    assert message_tokens(text) == 40 + 4


def test_estimate_shows_tokens_and_dollars_and_follows_the_model(
    qtbot: QtBot, panel: ComposerPanel, tmp_path: Path
) -> None:
    assert panel.estimate_label.text() == ""
    qtbot.keyClicks(panel.message_box, "x" * 40)  # 10 text tokens + 4 for the message wrapper
    assert panel.estimate_label.text() == "≈ 14 input tokens · <$0.0001"

    panel.add_image_paths([png(tmp_path / "s.png", (320, 200))])
    ready(qtbot, panel)
    # o4-mini: 10 x 7 patches = 70 image tokens, billed x1.72 -> 121; 135 x $1.10 / 1M
    assert panel.estimate_label.text() == "≈ 135 input tokens · $0.0001 (images 121 tokens)"

    panel.set_model("gpt-4o-mini")
    # gpt-4o-mini: one 512 px tile = 2,833 + 5,667 tokens; 8,514 x $0.15 / 1M. Right at once,
    # while the image is still being fitted again.
    expected = "≈ 8,514 input tokens · $0.0013 (images 8,500 tokens)"
    assert panel.estimate_label.text() in (expected, expected + " · preparing images…")
    ready(qtbot, panel)
    assert panel.estimate_label.text() == expected


# -- keyboard and accessibility -------------------------------------------------------------------


def tabs_from_the_message(qtbot: QtBot, panel: ComposerPanel, n: int) -> list[QWidget | None]:
    panel.focus_text()
    seen: list[QWidget | None] = []
    for _ in range(n):
        focused = QApplication.focusWidget()
        assert focused is not None, seen  # QTest aborts the process on a None widget
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    return seen


def test_tab_order(qtbot: QtBot, panel: ComposerPanel) -> None:
    seen = tabs_from_the_message(qtbot, panel, 5)
    assert seen == [
        panel.attach_button,
        panel.model_box,
        panel.effort_box,
        panel.flex_button,  # "½ price", for OpenAI (the default provider)
        panel.send_button,
    ]


def test_tab_order_is_kept_once_the_thumbnails_appear(qtbot: QtBot) -> None:
    """In a window with controls before and after the composer (as the main window has)."""
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    before = QPushButton("before", window)
    layout.addWidget(before)
    panel = ComposerPanel(Settings(), window)
    layout.addWidget(panel)
    after = QPushButton("after", window)
    layout.addWidget(after)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert panel.strip is not None  # built with the first attachment
    seen = tabs_from_the_message(qtbot, panel, 6)
    assert seen == [
        panel.attach_button,
        panel.model_box,
        panel.effort_box,
        panel.flex_button,
        panel.send_button,
        after,
    ]


def test_every_control_has_an_accessible_name(panel: ComposerPanel) -> None:
    for widget in (
        panel.message_box,
        panel.attach_button,
        panel.model_box,
        panel.effort_box,
        panel.flex_button,
        panel.send_button,
        panel.estimate_label,
        panel.error_label,
        panel.strip,
    ):
        assert widget.accessibleName(), widget
