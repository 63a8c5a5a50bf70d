"""Light, dark and the system's scheme: explicit themes replace the style and palette, going back
to "system" restores the platform's, and the conversation follows the system switching between
light and dark while it runs (judged on the pixels of a rendered code block)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory
from pytestqt.qtbot import QtBot

from askshot.ui.conversation import markdown as md
from askshot.ui.conversation.transcript import TranscriptView, is_dark_palette
from askshot.ui.shell.theme import apply_theme, dark_palette

CODE_REPLY = 'Run this:\n\n```bash\nsudo chown -R "$USER" ~/.npm\nnpm ci\n```\n'


@pytest.fixture
def platform(qapp: QApplication) -> Iterator[tuple[str, QColor]]:
    """The app as the platform set it up (a non-Fusion style, to see it restored); put back
    after the test, whatever it changed."""
    apply_theme(qapp, "system")
    saved_style = qapp.style().name()
    saved_palette = QPalette(QGuiApplication.palette())
    available = list(QStyleFactory.keys())
    if "Windows" in available:
        style = QStyleFactory.create("Windows")
        assert style is not None
        qapp.setStyle(style)
    yield qapp.style().name(), QGuiApplication.palette().color(QPalette.ColorRole.Window)
    apply_theme(qapp, "system")
    restored = QStyleFactory.create(saved_style)
    assert restored is not None
    qapp.setStyle(restored)
    QApplication.setPalette(saved_palette)


def code_pixels(view: TranscriptView, colour: str) -> int:
    image = view.viewport().grab().toImage()
    want = QColor(colour).rgb()
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixel(x, y) == want
    )


@pytest.fixture
def make_view(qtbot: QtBot):
    def make(dark: bool | None) -> TranscriptView:
        view = TranscriptView(dark=dark)
        view.open_links = False
        view.resize(560, 300)
        qtbot.addWidget(view)
        view.show()
        qtbot.waitExposed(view)
        reply = view.add_reply()
        reply.append(CODE_REPLY)
        reply.finish()
        return view

    return make


def test_explicit_themes_then_back_to_the_systems(qapp: QApplication, platform) -> None:
    style, window_colour = platform
    assert apply_theme(qapp, "dark") is True
    assert qapp.style().name() == "fusion"
    assert is_dark_palette(QGuiApplication.palette())
    assert apply_theme(qapp, "light") is False
    assert not is_dark_palette(QGuiApplication.palette())
    assert apply_theme(qapp, "system") is None
    assert qapp.style().name() == style
    assert QGuiApplication.palette().color(QPalette.ColorRole.Window) == window_colour


def test_system_at_start_up_touches_nothing(qapp: QApplication, platform) -> None:
    style, window_colour = platform
    assert apply_theme(qapp, "system") is None
    assert qapp.style().name() == style
    assert QGuiApplication.palette().color(QPalette.ColorRole.Window) == window_colour


def test_the_conversation_follows_the_system_switching_scheme(
    qtbot: QtBot, platform, make_view
) -> None:
    view = make_view(None)
    assert not view.dark
    assert code_pixels(view, md.LIGHT.code_bg) > 200
    QApplication.setPalette(dark_palette())  # what the platform does when the system goes dark
    qtbot.waitUntil(lambda: view.dark)
    qtbot.waitUntil(lambda: code_pixels(view, md.DARK.code_bg) > 200)
    assert code_pixels(view, md.LIGHT.code_bg) == 0
    apply_theme(QApplication.instance(), "system")  # and back
    QApplication.setPalette(QPalette(QApplication.style().standardPalette()))
    qtbot.waitUntil(lambda: not view.dark)
    qtbot.waitUntil(lambda: code_pixels(view, md.LIGHT.code_bg) > 200)


def test_an_explicit_scheme_is_kept_when_the_palette_changes(
    qtbot: QtBot, platform, make_view
) -> None:
    view = make_view(True)
    QApplication.setPalette(QPalette(QApplication.style().standardPalette()))
    qtbot.wait(50)
    assert view.dark
    assert code_pixels(view, md.DARK.code_bg) > 200
    view.set_dark(None)  # the user picks "system" in Settings: follow the palette again
    assert not view.dark
    QApplication.setPalette(dark_palette())
    qtbot.waitUntil(lambda: view.dark)


def test_settings_switch_the_window_between_themes(
    qtbot: QtBot, platform, client, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from askshot.ui.shell.main_window import MainWindow
    from askshot.ui.shell.services import Services

    monkeypatch.setenv("OPENAI_API_KEY", "sk-theme-test-0123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    services = Services.create()
    window = MainWindow(services, client)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.is_ready)
    assert not window.view.dark
    window.apply_settings(dataclasses.replace(services.settings, theme="dark"))
    qtbot.waitUntil(lambda: window.view.dark and is_dark_palette(window.palette()))
    window.apply_settings(dataclasses.replace(services.settings, theme="system"))
    qtbot.waitUntil(lambda: not window.view.dark and not is_dark_palette(window.palette()))
    QApplication.setPalette(dark_palette())  # the system goes dark: the window follows
    qtbot.waitUntil(lambda: window.view.dark)
    window.close()
