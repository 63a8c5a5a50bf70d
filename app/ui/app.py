"""Start the GUI: one QApplication, one ChatClient, the main window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from app.core.client import ChatClient
from app.ui.main_window import MainWindow
from app.ui.services import Services


def run_gui(argv: list[str]) -> int:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("Askshot")
    app.setDesktopFileName("askshot")
    services = Services.create()
    with ChatClient() as client:
        window = MainWindow(services, client)
        window.show()
        return int(app.exec())
