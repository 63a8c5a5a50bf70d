"""The region overlay, driven with real mouse drags and keys over a synthetic capture (an
in-memory pattern, no real grab): the accepted image's size and colours, keyboard-only selection,
Esc, Enter with nothing selected, the size label in physical pixels, two screens with different
pixel ratios, and the controller that hides our windows and brings them back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from askshot.platform.capture import Capture, CaptureError, ScreenShot
from askshot.ui.capture.controller import CaptureController, OverlaySession
from askshot.ui.capture.overlay import RegionOverlay

BLUE = QColor(0, 0, 255)
RED = QColor(255, 0, 0)
GREEN = QColor(0, 255, 0)
YELLOW = QColor(255, 255, 0)


def shot(
    geometry: QRect, dpr: float, fill: QColor, marks: list[tuple[QRect, QColor]]
) -> ScreenShot:
    """A screen frozen as `fill` with `marks` (logical rectangles on the virtual desktop)."""
    w, h = round(geometry.width() * dpr), round(geometry.height() * dpr)
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(fill)
    painter = QPainter(image)
    for rect, color in marks:
        local = rect.translated(-geometry.topLeft())
        painter.fillRect(
            QRect(
                round(local.x() * dpr),
                round(local.y() * dpr),
                round(local.width() * dpr),
                round(local.height() * dpr),
            ),
            color,
        )
    painter.end()
    return ScreenShot(image, QRect(geometry), dpr, "synthetic")


def rgb(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    c = image.pixelColor(x, y)
    return c.red(), c.green(), c.blue()


def one_screen(dpr: float = 2.0, windows: list[QRect] | None = None) -> Capture:
    """400x300 logical, blue, with a red block at logical (100, 50, 100, 50)."""
    return Capture(
        [shot(QRect(0, 0, 400, 300), dpr, BLUE, [(QRect(100, 50, 100, 50), RED)])],
        windows or [],
        backend="synthetic",
    )


@pytest.fixture
def overlay(qtbot: QtBot) -> Iterator[RegionOverlay]:
    widget = RegionOverlay(one_screen())
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def drag(qtbot: QtBot, widget: QWidget, start: QPoint, end: QPoint) -> None:
    left = Qt.MouseButton.LeftButton
    qtbot.mousePress(widget, left, pos=start)
    mid = (start + end) / 2
    qtbot.mouseMove(widget, QPoint(int(mid.x()), int(mid.y())))
    qtbot.mouseMove(widget, end)
    qtbot.mouseRelease(widget, left, pos=end)


def test_drag_then_enter_gives_the_crop_in_physical_pixels(
    qtbot: QtBot, overlay: RegionOverlay
) -> None:
    drag(qtbot, overlay, QPoint(50, 50), QPoint(150, 100))
    assert overlay.state.rect == QRect(50, 50, 100, 50)
    with qtbot.waitSignal(overlay.accepted) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    image, rect = blocker.args
    assert rect == QRect(50, 50, 100, 50)
    assert (image.width(), image.height()) == (200, 100)
    assert image.devicePixelRatio() == 1.0
    assert rgb(image, 10, 10) == (0, 0, 255)  # logical (55, 55): blue
    assert rgb(image, 99, 50) == (0, 0, 255)  # just left of the red block
    assert rgb(image, 100, 0) == (255, 0, 0)  # logical (100, 50): red starts
    assert rgb(image, 199, 99) == (255, 0, 0)


def test_size_label_shows_physical_pixels(qtbot: QtBot, overlay: RegionOverlay) -> None:
    drag(qtbot, overlay, QPoint(50, 50), QPoint(150, 100))
    assert overlay._label_text() == "200 × 100"
    label = overlay._label_rect()
    assert label.top() >= 100  # below the selection
    shown = overlay.grab().toImage()
    edge = shown.pixelColor(label.left() + 2, label.center().y())
    assert max(edge.red(), edge.green(), edge.blue()) < 60  # the label's dark background
    bright = [
        (x, y)
        for x in range(label.left(), label.right())
        for y in range(label.top(), label.bottom())
        if shown.pixelColor(x, y).lightness() > 200
    ]
    assert bright  # its white text


def test_outside_the_selection_is_dimmed_inside_is_not(
    qtbot: QtBot, overlay: RegionOverlay
) -> None:
    drag(qtbot, overlay, QPoint(100, 50), QPoint(200, 100))
    shown = overlay.grab().toImage()
    assert shown.pixelColor(150, 75) == RED
    dimmed = shown.pixelColor(300, 200)
    assert 0 < dimmed.blue() < 255 and dimmed.red() == 0


def test_dragging_inside_the_selection_moves_it(qtbot: QtBot, overlay: RegionOverlay) -> None:
    drag(qtbot, overlay, QPoint(10, 10), QPoint(60, 40))
    drag(qtbot, overlay, QPoint(20, 20), QPoint(120, 60))
    assert overlay.state.rect == QRect(110, 50, 50, 30)


def test_keyboard_only_selection(qtbot: QtBot, overlay: RegionOverlay) -> None:
    overlay.state.cursor = QPoint(200, 150)
    qtbot.keyClick(overlay, Qt.Key.Key_Right)  # first arrow: a centred selection
    assert overlay.state.rect == QRect(100, 75, 200, 150)
    qtbot.keyClick(overlay, Qt.Key.Key_Right)
    qtbot.keyClick(overlay, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert overlay.state.rect == QRect(101, 85, 200, 150)
    qtbot.keyClick(overlay, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(
        overlay,
        Qt.Key.Key_Up,
        Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier,
    )
    assert overlay.state.rect == QRect(101, 85, 199, 140)
    with qtbot.waitSignal(overlay.accepted) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Enter)
    image, rect = blocker.args
    assert rect == QRect(101, 85, 199, 140)
    assert (image.width(), image.height()) == (398, 280)


def test_escape_cancels(qtbot: QtBot, overlay: RegionOverlay) -> None:
    drag(qtbot, overlay, QPoint(50, 50), QPoint(150, 100))
    with qtbot.assertNotEmitted(overlay.accepted), qtbot.waitSignal(overlay.cancelled):
        qtbot.keyClick(overlay, Qt.Key.Key_Escape)


def test_enter_without_selection_gives_the_whole_screen(
    qtbot: QtBot, overlay: RegionOverlay
) -> None:
    with qtbot.waitSignal(overlay.accepted) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    image, rect = blocker.args
    assert rect == QRect(0, 0, 400, 300)
    assert (image.width(), image.height()) == (800, 600)
    assert rgb(image, 250, 150) == (255, 0, 0)
    assert rgb(image, 0, 0) == (0, 0, 255)


def test_window_key_takes_the_window_under_the_cursor(qtbot: QtBot) -> None:
    windows = [QRect(100, 50, 100, 50), QRect(0, 0, 400, 300)]  # topmost first
    widget = RegionOverlay(one_screen(windows=windows))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.mouseMove(widget, QPoint(120, 60))
    with qtbot.waitSignal(widget.accepted) as blocker:
        qtbot.keyClick(widget, Qt.Key.Key_W)
    image, rect = blocker.args
    assert rect == QRect(100, 50, 100, 50)
    assert (image.width(), image.height()) == (200, 100)
    assert rgb(image, 0, 0) == rgb(image, 199, 99) == (255, 0, 0)


def test_window_key_without_window_list_explains(qtbot: QtBot, overlay: RegionOverlay) -> None:
    with qtbot.assertNotEmitted(overlay.accepted):
        qtbot.keyClick(overlay, Qt.Key.Key_W)
    assert "X11" in overlay.hint_label.text()


def test_f_takes_the_screen_and_r_the_last_area(qtbot: QtBot) -> None:
    session = OverlaySession(one_screen(), last_region=QRect(100, 50, 10, 10))
    widget = session.overlays[0]
    qtbot.addWidget(widget)
    widget.show()
    with qtbot.waitSignal(session.accepted) as blocker:
        qtbot.keyClick(widget, Qt.Key.Key_R)
    image, rect = blocker.args
    assert rect == QRect(100, 50, 10, 10)
    assert (image.width(), image.height()) == (20, 20)

    other = RegionOverlay(one_screen(dpr=1.0))
    qtbot.addWidget(other)
    other.show()
    with qtbot.waitSignal(other.accepted) as blocker:
        other.buttons["fullscreen"].click()
    assert blocker.args[1] == QRect(0, 0, 400, 300)
    assert blocker.args[0].size().toTuple() == (400, 300)


def two_screens() -> Capture:
    """Left: 400x300 at DPR 1, green with a yellow strip at x 380-399. Right: 400x300 at DPR 2,
    blue with a red strip at x 400-419 (logical)."""
    left = shot(QRect(0, 0, 400, 300), 1.0, GREEN, [(QRect(380, 0, 20, 300), YELLOW)])
    right = shot(QRect(400, 0, 400, 300), 2.0, BLUE, [(QRect(400, 0, 20, 300), RED)])
    return Capture([left, right], backend="synthetic")


RAISE = pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen only


def test_selection_across_two_screens_with_different_ratios(qtbot: QtBot) -> None:
    session = OverlaySession(two_screens())
    for widget in session.overlays:
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitExposed(widget)
    left, right = session.overlays
    # press on the left screen, drag onto the right one: the left overlay keeps the mouse
    drag(qtbot, left, QPoint(350, 100), QPoint(450, 150))
    assert session.state.rect == QRect(350, 100, 100, 50)
    assert left._label_text() == right._label_text() == "200 × 100"
    with qtbot.waitSignal(session.accepted) as blocker:
        qtbot.keyClick(right, Qt.Key.Key_Return)
    image, rect = blocker.args
    assert rect == QRect(350, 100, 100, 50)
    assert (image.width(), image.height()) == (200, 100)
    assert rgb(image, 0, 0) == (0, 255, 0)  # left screen, scaled up
    assert rgb(image, 60, 50) == (255, 255, 0)  # logical 380..399 -> 60..99
    assert rgb(image, 99, 50) == (255, 255, 0)
    assert rgb(image, 100, 50) == (255, 0, 0)  # the right screen starts at output x 100
    assert rgb(image, 139, 50) == (255, 0, 0)
    assert rgb(image, 140, 50) == (0, 0, 255)
    assert session.overlays == []  # closed


# -- the controller ------------------------------------------------------------------------------


@RAISE
def test_controller_hides_our_window_during_the_grab_and_restores_it(qtbot: QtBot) -> None:
    main = QWidget()
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    seen: list[bool] = []

    def grab() -> Capture:
        seen.append(main.isVisible())
        return one_screen()

    ctl = CaptureController(grab=grab, settle_ms=0)
    ctl.start([main])
    assert seen == [False]
    assert not main.isVisible()  # stays hidden while the user selects
    assert ctl.session is not None
    overlay = ctl.session.overlays[0]
    qtbot.addWidget(overlay)
    drag(qtbot, overlay, QPoint(100, 50), QPoint(150, 75))
    results: list[QRect] = []
    ctl.accepted.connect(lambda _image, rect: results.append(rect))
    with qtbot.waitSignal(ctl.finished):
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    assert main.isVisible()
    assert not ctl.active
    assert results == [QRect(100, 50, 50, 25)]
    assert ctl.last_region == QRect(100, 50, 50, 25)

    # "last" mode: the same area again at once, no overlay
    seen.clear()
    with qtbot.waitSignal(ctl.accepted) as blocker:
        ctl.start([main], mode="last")
    assert seen == [False]
    assert blocker.args[1] == QRect(100, 50, 50, 25)
    assert (blocker.args[0].width(), blocker.args[0].height()) == (100, 50)
    assert ctl.session is None
    assert main.isVisible()


def test_controller_reports_a_failed_grab_and_restores(qtbot: QtBot) -> None:
    main = QWidget()
    qtbot.addWidget(main)
    main.show()

    def grab() -> Capture:
        raise CaptureError("The desktop refused the screenshot.")

    ctl = CaptureController(grab=grab, settle_ms=0)
    with qtbot.waitSignal(ctl.failed) as blocker:
        ctl.start([main])
    assert blocker.args == ["The desktop refused the screenshot."]
    assert main.isVisible()
    assert not ctl.active
