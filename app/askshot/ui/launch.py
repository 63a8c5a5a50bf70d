"""Start the GUI: check PySide6, one QApplication, the theme, the main window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from askshot.ui.qt.collector import GuiThreadGarbageCollector
from askshot.ui.qt.compat import check_pyside
from askshot.ui.shell.main_window import MainWindow
from askshot.ui.shell.services import Services
from askshot.ui.shell.theme import apply_theme


def run_gui(argv: list[str]) -> int:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("Askshot")
    app.setDesktopFileName("askshot")
    problem = check_pyside()
    if problem is not None:
        print(f"askshot: {problem}", file=sys.stderr)
        QMessageBox.critical(None, "Askshot", problem)
        return 1
    collector = GuiThreadGarbageCollector(app)
    services = Services.create()
    dark = apply_theme(app, services.settings.theme)
    window = MainWindow(services, dark=dark)
    window.show()
    try:
        return int(app.exec())
    finally:
        collector.stop()
