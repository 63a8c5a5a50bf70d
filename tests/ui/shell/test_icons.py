"""The SVG icons: drawn at the physical resolution of the screen (crisp at any device pixel
ratio), in the palette's colour, and on the buttons once the window is up."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from askshot.ui.composer.panel import ComposerPanel
from askshot.ui.shell import icons


def opaque(image: QImage, alpha: int = 200) -> list[QColor]:
    return [
        image.pixelColor(x, y)
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() > alpha
    ]


def main_colour(image: QImage) -> str:
    counts = Counter(c.name() for c in opaque(image))
    return counts.most_common(1)[0][0]


@pytest.fixture
def palette(qapp: QApplication) -> Iterator[QPalette]:
    saved = QGuiApplication.palette()
    pal = QPalette(saved)
    yield pal
    QApplication.setPalette(saved)


@pytest.mark.parametrize("name", icons.NAMES)
@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0, 3.0])
def test_each_icon_is_drawn_at_the_screens_resolution(
    qapp: QApplication, name: str, scale: float
) -> None:
    icon = icons.icon(name)
    gc.collect()  # the engine belongs to the icon, not to Python
    pix = icon.pixmap(QSize(16, 16), scale)
    assert pix.devicePixelRatio() == scale
    assert (pix.width(), pix.height()) == (round(16 * scale), round(16 * scale))
    drawn = opaque(pix.toImage(), alpha=60)
    # The line drawing covers a similar share of the area at every scale: it was rendered at
    # that resolution, not a 16-px picture scaled up.
    share = len(drawn) / (pix.width() * pix.height())
    assert 0.04 < share < 0.5


def test_a_larger_rendering_has_finer_edges_than_a_scaled_small_one(qapp: QApplication) -> None:
    icon = icons.icon("attach")
    sharp = icon.pixmap(QSize(16, 16), 3.0).toImage()
    scaled = icon.pixmap(QSize(16, 16), 1.0).toImage().scaled(48, 48)
    assert sharp.size() == scaled.size()
    assert sharp != scaled


def test_icons_take_the_palettes_button_text_colour(qapp: QApplication, palette: QPalette) -> None:
    for colour in ("#000000", "#ffffff", "#e8eaed"):
        palette.setColor(QPalette.ColorRole.ButtonText, QColor(colour))
        QApplication.setPalette(palette)
        image = icons.icon("stop").pixmap(QSize(24, 24), 2.0).toImage()
        assert main_colour(image) == colour


def test_disabled_icons_use_the_disabled_colour(qapp: QApplication, palette: QPalette) -> None:
    palette.setColor(QPalette.ColorRole.ButtonText, QColor("#000000"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#999999"))
    QApplication.setPalette(palette)
    image = icons.icon("stop").pixmap(QSize(24, 24), 1.0, QIcon.Mode.Disabled).toImage()
    assert main_colour(image) == "#999999"


def test_the_app_icon_keeps_its_own_colours(qapp: QApplication, palette: QPalette) -> None:
    palette.setColor(QPalette.ColorRole.ButtonText, QColor("#ff0000"))
    QApplication.setPalette(palette)
    image = icons.app_icon().pixmap(QSize(64, 64), 1.0).toImage()
    assert main_colour(image) == "#3d6fd8"
    assert "#ff0000" not in {c.name() for c in opaque(image)}


def test_unknown_names_are_refused() -> None:
    with pytest.raises(KeyError):
        icons.icon("no-such-icon")


def test_send_becomes_stop_with_its_icon(qtbot: QtBot, panel: ComposerPanel) -> None:
    assert panel.attach_button.icon().isNull()  # icons come after the first paint
    panel.after_first_paint()
    assert not panel.attach_button.icon().isNull()
    send = panel.send_button.icon().pixmap(QSize(16, 16), 1.0).toImage()
    panel.set_busy(True)
    stop = panel.send_button.icon().pixmap(QSize(16, 16), 1.0).toImage()
    assert panel.send_button.text() == "Stop"
    assert send != stop
    panel.set_busy(False)
    assert panel.send_button.icon().pixmap(QSize(16, 16), 1.0).toImage() == send


def test_an_icon_can_be_changed_after_it_was_made(qapp: QApplication) -> None:
    """Changing an icon makes Qt copy its engine; the copy must stay alive (it used to be freed
    at once, and the next paint crashed)."""
    from PySide6.QtGui import QPixmap

    changed = QIcon(icons.icon("send"))
    extra = QPixmap(16, 16)
    extra.fill(QColor("#00ff00"))
    changed.addPixmap(extra)
    masked = QIcon(icons.icon("stop"))
    masked.setIsMask(True)
    gc.collect()
    assert not changed.pixmap(QSize(16, 16), 1.0).isNull()
    assert not masked.pixmap(QSize(20, 20), 2.0).isNull()
    assert not icons.icon("send").pixmap(QSize(16, 16), 1.0).isNull()  # the original is intact
