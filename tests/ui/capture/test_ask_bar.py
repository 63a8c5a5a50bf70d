"""The ask bar on the frozen screen (ask mode, the global shortcut's gesture), driven with real
mouse drags and keys over a synthetic capture: it comes up beside the selection with the focus
in the question, Enter sends exactly that area and that text, Enter alone sends the first preset,
marks drawn on the screen are in the image (redaction destroys the pixels), the selection is
still adjustable (handles, arrows) and Esc steps back before it cancels."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from askshot.platform.capture import Capture
from askshot.ui.capture.controller import CaptureController
from askshot.ui.capture.overlay import RegionOverlay
from tests.ui.capture.test_overlay import BLUE, RAISE, RED, drag, rgb, shot

pytestmark = RAISE

PRESETS = [("Explain this", "Explain what this shows."), ("Extract the text", "Extract it.")]
Alt = Qt.KeyboardModifier.AltModifier


def screen() -> Capture:
    """800x600 logical at DPR 2, blue, with a red block at logical (200, 100, 200, 100)."""
    return Capture(
        [shot(QRect(0, 0, 800, 600), 2.0, BLUE, [(QRect(200, 100, 200, 100), RED)])],
        backend="synthetic",
    )


class Asked:
    def __init__(self, ctl: CaptureController) -> None:
        self.asked: list[tuple[QImage, QRect, str]] = []
        self.accepted: list[tuple[QImage, QRect]] = []
        self.cancelled = 0
        ctl.asked.connect(lambda i, r, q: self.asked.append((i, r, q)))
        ctl.accepted.connect(lambda i, r: self.accepted.append((i, r)))
        ctl.cancelled.connect(self._cancel)

    def _cancel(self) -> None:
        self.cancelled += 1


@pytest.fixture
def ctl(qtbot: QtBot) -> Iterator[CaptureController]:
    controller = CaptureController(grab=screen, settle_ms=0)
    yield controller
    controller.release()


def start(qtbot: QtBot, ctl: CaptureController) -> tuple[RegionOverlay, Asked]:
    seen = Asked(ctl)
    ctl.start([], ask=PRESETS)
    assert ctl.session is not None
    overlay = ctl.session.overlays[0]
    qtbot.waitExposed(overlay)
    return overlay, seen


def test_releasing_the_mouse_shows_the_bar_beside_the_selection_focused(
    qtbot: QtBot, ctl: CaptureController
) -> None:
    overlay, _ = start(qtbot, ctl)
    assert overlay._bar is None or not overlay._bar.isVisible()  # nothing before a selection
    drag(qtbot, overlay, QPoint(150, 80), QPoint(450, 230))
    bar = overlay.bar
    assert bar.isVisible()
    assert bar.geometry().top() >= 230  # below the selection …
    assert abs(bar.geometry().left() - 150) <= 8  # … its left edge aligned
    assert overlay.rect().contains(bar.geometry())
    assert overlay.focusWidget() is bar.question
    assert bar.size_label.text() == "600 × 300"  # physical pixels
    assert [c.text() for c in bar.chips] == ["Explain this", "Extract the text"]
    assert not overlay.toolbar.isVisible()


def test_near_the_bottom_the_bar_goes_above(qtbot: QtBot, ctl: CaptureController) -> None:
    overlay, _ = start(qtbot, ctl)
    drag(qtbot, overlay, QPoint(100, 400), QPoint(500, 590))
    assert overlay.bar.geometry().bottom() < 400


def test_type_and_enter_sends_that_area_and_that_text(qtbot: QtBot, ctl: CaptureController) -> None:
    overlay, seen = start(qtbot, ctl)
    drag(qtbot, overlay, QPoint(150, 80), QPoint(450, 230))
    qtbot.keyClicks(overlay.bar.question, "What is red?")
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Return)
    assert len(seen.asked) == 1 and not seen.accepted
    image, rect, question = seen.asked[0]
    assert question == "What is red?"
    assert rect == QRect(150, 80, 300, 150)
    assert (image.width(), image.height()) == (600, 300)
    assert rgb(image, 10, 10) == (0, 0, 255)
    assert rgb(image, 100, 40) == (255, 0, 0)  # logical (200, 100): the block starts
    assert not overlay.isVisible()


def test_enter_alone_sends_the_first_preset_and_a_chip_sends_its_own(
    qtbot: QtBot, ctl: CaptureController
) -> None:
    overlay, seen = start(qtbot, ctl)
    drag(qtbot, overlay, QPoint(150, 80), QPoint(450, 230))
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Return)
    assert seen.asked[-1][2] == "Explain what this shows."
    overlay, seen = start(qtbot, ctl)
    drag(qtbot, overlay, QPoint(150, 80), QPoint(450, 230))
    qtbot.mouseClick(overlay.bar.chips[1], Qt.MouseButton.LeftButton)
    assert seen.asked[-1][2] == "Extract it."


def test_redaction_drawn_on_the_screen_destroys_those_pixels(
    qtbot: QtBot, ctl: CaptureController
) -> None:
    overlay, seen = start(qtbot, ctl)
    drag(qtbot, overlay, QPoint(150, 80), QPoint(450, 230))
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_R, Alt)  # Alt+R: redact
    assert overlay.state.tool == "redact"
    drag(qtbot, overlay, QPoint(250, 120), QPoint(350, 180))  # over the red block
    assert overlay.focusWidget() is overlay.bar.question  # typing still asks
    qtbot.keyClicks(overlay.bar.question, "hidden?")
    shown = overlay.grab().toImage()
    assert shown.pixelColor(300, 150) == QColor(0, 0, 0)  # what is seen is what is sent
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Return)
    image, _, question = seen.asked[0]
    assert question == "hidden?"
    for x, y in ((200, 80), (399, 199), (300, 140)):  # inside the redaction, physical pixels
        assert rgb(image, x, y) == (0, 0, 0)
    assert rgb(image, 120, 80) == (255, 0, 0)  # outside it, the block is untouched


def test_a_box_and_a_note_are_drawn_into_the_image(qtbot: QtBot, ctl: CaptureController) -> None:
    overlay, seen = start(qtbot, ctl)
    drag(qtbot, overlay, QPoint(150, 80), QPoint(450, 230))
    qtbot.mouseClick(overlay.bar.tools["rectangle"], Qt.MouseButton.LeftButton)
    drag(qtbot, overlay, QPoint(170, 90), QPoint(190, 120))  # on blue
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_N, Alt)
    qtbot.mouseClick(overlay, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    assert overlay._note is not None
    qtbot.keyClicks(overlay._note, "here")
    qtbot.keyClick(overlay._note, Qt.Key.Key_Return)
    assert len(overlay.state.marks) == 2
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Return)
    image = seen.asked[0][0]
    r, g, b = rgb(image, 41, 30)  # the box's left stroke, logical (170.5, 95)
    assert r > 200 and g < 100 and b < 100


def test_the_selection_stays_adjustable(qtbot: QtBot, ctl: CaptureController) -> None:
    overlay, seen = start(qtbot, ctl)
    drag(qtbot, overlay, QPoint(150, 80), QPoint(450, 230))
    drag(qtbot, overlay, QPoint(450, 150), QPoint(500, 150))  # the right edge's handle
    assert overlay.state.rect == QRect(150, 80, 350, 150)
    drag(qtbot, overlay, QPoint(150, 80), QPoint(140, 70))  # the top-left corner
    assert overlay.state.rect == QRect(140, 70, 360, 160)
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Right)  # empty question: arrows move it
    assert overlay.state.rect == QRect(141, 70, 360, 160)
    qtbot.keyClicks(overlay.bar.question, "ab")
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Left)  # now they edit the text
    assert overlay.state.rect == QRect(141, 70, 360, 160)
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Left, Alt | Qt.KeyboardModifier.ShiftModifier)
    assert overlay.state.rect == QRect(141, 70, 359, 160)  # Alt+Shift+arrow resizes
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Return)
    assert seen.asked[0][1] == QRect(141, 70, 359, 160)


def test_esc_steps_back_then_cancels(qtbot: QtBot, ctl: CaptureController) -> None:
    overlay, seen = start(qtbot, ctl)
    drag(qtbot, overlay, QPoint(150, 80), QPoint(450, 230))
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_A, Alt)
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Escape)  # the tool first
    assert overlay.state.tool == "crop" and overlay.state.rect is not None
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Escape)  # then the selection
    assert overlay.state.rect is None and not overlay.bar.isVisible()
    assert overlay.isVisible() and not seen.cancelled
    qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    assert seen.cancelled == 1 and not seen.asked


def test_keys_that_took_an_area_select_it_in_ask_mode(qtbot: QtBot, ctl: CaptureController) -> None:
    overlay, seen = start(qtbot, ctl)
    overlay.state.cursor = QPoint(10, 10)
    qtbot.keyClick(overlay, Qt.Key.Key_F)  # the whole screen: selected, not sent
    assert overlay.state.rect == QRect(0, 0, 800, 600) and not seen.asked
    assert overlay.bar.isVisible()
    qtbot.keyClicks(overlay, "why")  # typing on the overlay goes to the question
    assert overlay.bar.question.text() == "why"


def test_ctrl_enter_sends_the_area_to_the_chat(qtbot: QtBot, ctl: CaptureController) -> None:
    overlay, seen = start(qtbot, ctl)
    drag(qtbot, overlay, QPoint(150, 80), QPoint(450, 230))
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not seen.asked and len(seen.accepted) == 1
    assert seen.accepted[0][1] == QRect(150, 80, 300, 150)


def test_a_reused_overlay_starts_without_the_last_question_or_marks(
    qtbot: QtBot, ctl: CaptureController
) -> None:
    overlay, _ = start(qtbot, ctl)
    drag(qtbot, overlay, QPoint(150, 80), QPoint(450, 230))
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_R, Alt)
    drag(qtbot, overlay, QPoint(250, 120), QPoint(350, 180))
    qtbot.keyClicks(overlay.bar.question, "first")
    qtbot.keyClick(overlay.bar.question, Qt.Key.Key_Return)
    again, seen2 = start(qtbot, ctl)
    assert again is overlay  # reused
    drag(qtbot, again, QPoint(150, 80), QPoint(450, 230))
    assert again.bar.question.text() == "" and again.state.tool == "crop"
    qtbot.keyClick(again.bar.question, Qt.Key.Key_Return)
    assert rgb(seen2.asked[-1][0], 300, 140) == (255, 0, 0)  # no redaction carried over
