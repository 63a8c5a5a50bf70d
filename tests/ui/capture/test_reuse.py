"""Captures in a burst: the second one shows the new screen in the first one's overlays (already
there, so it paints at once), with a fresh selection, and gives the right crop; a hidden overlay
keeps no frozen screen; after the warm period everything is given back."""

from __future__ import annotations

import os

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from askshot.platform import memory
from askshot.platform.capture import Capture
from askshot.ui.capture.controller import CaptureController
from askshot.ui.capture.overlay import RegionOverlay
from tests.ui.capture.test_overlay import (
    BLUE,
    GREEN,
    RAISE,
    RED,
    YELLOW,
    drag,
    one_screen,
    rgb,
    shot,
    two_screens,
)


def tone(colour: QColor) -> tuple[int, int, int]:
    return (colour.red(), colour.green(), colour.blue())


def green_screen() -> Capture:
    """The same 400x300 screen later: green now, a yellow block at logical (10, 10, 50, 50)."""
    return Capture(
        [shot(QRect(0, 0, 400, 300), 2.0, GREEN, [(QRect(10, 10, 50, 50), YELLOW)])],
        backend="synthetic",
    )


@RAISE
def test_a_second_capture_reuses_the_overlay_with_the_new_screen(qtbot: QtBot) -> None:
    screens = [one_screen(), green_screen()]
    ctl = CaptureController(grab=lambda: screens.pop(0), settle_ms=0)
    results: list[tuple[tuple[int, int, int], QRect]] = []
    ctl.accepted.connect(lambda image, rect: results.append((rgb(image, 5, 5), rect)))

    ctl.start([])
    assert ctl.session is not None
    first = ctl.session.overlays[0]
    drag(qtbot, first, QPoint(100, 50), QPoint(150, 75))
    with qtbot.waitSignal(ctl.finished):
        qtbot.keyClick(first, Qt.Key.Key_Return)
    assert not first.isVisible()
    assert first.shot.image.isNull()  # hidden, it holds no frozen screen

    ctl.start([])
    assert ctl.session is not None
    (again,) = ctl.session.overlays
    assert again is first  # the same window, its pixel buffers already there
    assert again.state.rect is None  # a fresh selection, not the last one
    assert again.buttons["last"].isEnabled()  # but R can take the last area again
    drag(qtbot, again, QPoint(10, 10), QPoint(60, 60))
    with qtbot.waitSignal(ctl.finished):
        qtbot.keyClick(again, Qt.Key.Key_Return)
    assert [colour for colour, _rect in results] == [tone(RED), tone(YELLOW)]
    assert [rect for _colour, rect in results] == [QRect(100, 50, 50, 25), QRect(10, 10, 50, 50)]
    ctl.release()


@RAISE
def test_fewer_screens_drop_the_spare_overlay_and_the_warm_period_gives_all_back(
    qtbot: QtBot,
) -> None:
    screens = [two_screens(), one_screen()]
    ctl = CaptureController(grab=lambda: screens.pop(0), settle_ms=0, keep_warm_ms=200)
    ctl.start([])
    assert ctl.session is not None
    left, right = ctl.session.overlays
    with qtbot.waitSignal(ctl.finished):
        qtbot.keyClick(left, Qt.Key.Key_Escape)

    ctl.start([])  # one screen now: the first overlay shows it, the second goes
    assert ctl.session is not None
    assert ctl.session.overlays == [left]
    assert rgb(left.shot.image, 5, 5) == tone(BLUE)
    qtbot.waitUntil(lambda: not shiboken6.isValid(right), timeout=2000)
    with qtbot.waitSignal(ctl.finished):
        qtbot.keyClick(left, Qt.Key.Key_Escape)

    qtbot.waitUntil(lambda: not shiboken6.isValid(left), timeout=3000)  # the warm period ended


def test_memory_is_held_during_a_burst_and_given_back_after() -> None:
    held = memory.hold()
    assert memory.hold() == held  # once is enough
    try:
        if held:  # glibc: large blocks come from, and go back to, the heap
            block = bytearray(64 << 20)
            del block
    finally:
        memory.release()
    assert not memory._held
    memory.release()  # twice is harmless


@RAISE
def test_the_overlay_takes_the_focus_with_the_activation_token(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []
    monkeypatch.setattr(
        RegionOverlay,
        "activateWindow",
        lambda self: seen.append(os.environ.get("XDG_ACTIVATION_TOKEN")),
    )
    monkeypatch.delenv("XDG_ACTIVATION_TOKEN", raising=False)
    ctl = CaptureController(grab=one_screen, settle_ms=0)
    ctl.start([], token="token-from-the-compositor")
    assert seen == ["token-from-the-compositor"]
    assert "XDG_ACTIVATION_TOKEN" not in os.environ  # good for that one activation only
    assert ctl.session is not None
    with qtbot.waitSignal(ctl.finished):
        qtbot.keyClick(ctl.session.overlays[0], Qt.Key.Key_Escape)
    ctl.release()
