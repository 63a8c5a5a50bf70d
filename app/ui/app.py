"""Start the GUI: one QApplication, the theme, the main window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

import app.ui.pyside_fix  # noqa: F401 - before the app's other modules, see its docstring
from app.ui.gc_guard import GuiThreadGarbageCollector
from app.ui.main_window import MainWindow
from app.ui.services import Services
from app.ui.theme import apply_theme


def run_gui(argv: list[str]) -> int:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("Askshot")
    app.setDesktopFileName("askshot")
    collector = GuiThreadGarbageCollector(app)
    services = Services.create()
    dark = apply_theme(app, services.settings.theme)
    window = MainWindow(services, dark=dark)
    window.show()
    try:
        return int(app.exec())
    finally:
        collector.stop()
