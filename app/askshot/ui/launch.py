"""Start the GUI: check PySide6, become the one instance (or hand the command to the one that
is starting), then the application: theme, tray, global shortcut and the main window as the
command asks."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication, QMessageBox

from askshot import APP_ID
from askshot.platform.instance import Message, Reply, address, exit_code, send_waiting
from askshot.platform.instance_server import InstanceServer
from askshot.ui.qt.collector import GuiThreadGarbageCollector
from askshot.ui.qt.compat import check_pyside
from askshot.ui.shell.resident import Resident
from askshot.ui.shell.services import Services
from askshot.ui.shell.theme import apply_theme


def application(qt_args: Sequence[str] = ()) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    if sys.platform == "win32":
        from askshot.platform.desktop import claim_app_id_windows

        claim_app_id_windows()
    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Askshot")  # WM_CLASS "Askshot": the desktop entry's StartupWMClass
    app.setDesktopFileName(APP_ID)  # the Wayland app id: the desktop entry's name
    return app


def become_resident(app: QApplication, message: Message) -> Resident | Reply | None:
    """The running instance for `message`, or the reply of the one that already runs (None when
    one holds the lock but does not answer)."""
    resident: Resident | None = None
    server = InstanceServer.acquire(
        address(), lambda: resident.status() if resident is not None else {}, app
    )
    if server is None:  # another start holds the lock: it is setting up, hand it the command
        return send_waiting(message, wait=5.0)
    services = Services.create()
    resident = Resident(app, services, server, dark=apply_theme(app, services.settings.theme))
    return resident


def run_gui(message: Message, qt_args: Sequence[str] = ()) -> int:
    app = application(qt_args)
    problem = check_pyside()
    if problem is not None:
        print(f"askshot: {problem}", file=sys.stderr)
        QMessageBox.critical(None, "Askshot", problem)
        return 1
    resident = become_resident(app, message)
    if not isinstance(resident, Resident):
        return exit_code(resident)
    collector = GuiThreadGarbageCollector(app)
    resident.run(message.cmd, message.token)
    if message.cmd in ("capture", "background"):  # no window to paint first
        resident.start_services()
    try:
        return int(app.exec())
    finally:
        collector.stop()
