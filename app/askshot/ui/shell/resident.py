"""The running Askshot: the one instance's command server, the global shortcut, the tray, and the
main window, built when first needed (a background start shows nothing until asked).

Every door leads here: `askshot`, `askshot --capture`, `--quick-ask`, `--new-chat` from a second
start or a desktop action (through the instance server), the global shortcut, the tray menu.
Closing the window hides it to the tray when there is one (with a one-time notice); without a
tray, or with that setting off, it quits, so no window is ever hidden where the user cannot bring
it back, and Askshot never lingers with a window closed for good.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from askshot import __version__
from askshot.platform.instance import COMMANDS, Message
from askshot.ui.qt.compat import drop_source_cache
from askshot.ui.shell.services import Services

if TYPE_CHECKING:
    from askshot.platform.hotkey import Status
    from askshot.platform.instance import Command
    from askshot.platform.instance_server import InstanceServer
    from askshot.ui.capture.flow import ScreenshotFlow
    from askshot.ui.shell.global_shortcut import GlobalShortcut
    from askshot.ui.shell.main_window import MainWindow
    from askshot.ui.shell.tray import Tray

log = logging.getLogger("askshot.resident")


class Resident(QObject):
    def __init__(
        self,
        app: QApplication,
        services: Services,
        server: InstanceServer | None = None,
        *,
        dark: bool | None = None,
    ) -> None:
        super().__init__(app)
        self.app = app
        self.services = services
        self.server = server
        self._dark = dark
        self._window: MainWindow | None = None
        self._flow: ScreenshotFlow | None = None
        self.tray: Tray | None = None
        self.shortcut: GlobalShortcut | None = None
        self._quitting = False
        self.last_command: dict[str, Any] = {}  # for `askshot doctor`: what came in last
        if server is not None:
            server.commandReceived.connect(self.handle)
        app.aboutToQuit.connect(self._shut_down)

    # -- the parts, made when needed ----------------------------------------------------------

    def window(self) -> MainWindow:
        if self._window is None:
            from askshot.ui.shell.main_window import MainWindow

            window = MainWindow(
                self.services,
                dark=self._dark,
                shortcut=self.shortcut,
                screenshots=self.screenshots(),
            )
            window.hide_on_close = self._close_to_tray
            window.hiddenToTray.connect(self._hidden_to_tray)
            self._window = window
        return self._window

    def screenshots(self) -> ScreenshotFlow:
        """The one capture flow: the shortcut, the tray, `askshot --capture` and the window's
        own button all go through it, and it needs no window until an image is ready."""
        if self._flow is None:
            from askshot.ui.capture.flow import ScreenshotFlow

            flow = ScreenshotFlow(self, portal=self.services.portal)
            flow.imageReady.connect(lambda image: self.window().add_screenshot(image))
            flow.failed.connect(lambda sentence: self.window().show_capture_error(sentence))
            # The window is built while the user chooses an area (a person takes longer to
            # start dragging than the window takes to build), so the image lands at once.
            flow.shown.connect(lambda: QTimer.singleShot(0, self.window))
            self._flow = flow
        return self._flow

    def start_services(self) -> None:
        """The tray and the global shortcut: after the first paint when a window is shown, at
        once in the background (they load the tray's D-Bus watch and the shortcut's backend)."""
        from askshot.ui.shell import icons
        from askshot.ui.shell.global_shortcut import GlobalShortcut
        from askshot.ui.shell.tray import Tray

        if self.tray is None:
            tray = Tray(icons.app_icon(), self)
            tray.captureRequested.connect(lambda: self.capture())
            tray.quickAskRequested.connect(lambda: self.quick_ask())
            tray.showRequested.connect(lambda: self.show())
            tray.settingsRequested.connect(self.settings)
            tray.quitRequested.connect(self.quit)
            tray.availabilityChanged.connect(self._tray_changed)
            self.tray = tray
            self._tray_changed(tray.available)
        if self.shortcut is None:
            shortcut = GlobalShortcut(self.services, self.services.portal(), self)
            shortcut.activated.connect(self._on_hotkey)
            shortcut.statusChanged.connect(self._shortcut_changed)
            self.shortcut = shortcut
            if self._window is not None:
                self._window.shortcut = shortcut
            shortcut.start()
        # At once, as the window does after its build, not at the collector's next round:
        # leaving it to the collector cost 5 MiB with a 1,000-message conversation open.
        drop_source_cache()

    # -- commands -------------------------------------------------------------------------------

    def handle(self, message: Message) -> None:
        if message.cmd not in COMMANDS:
            log.warning("ignored an unknown command %r", message.cmd)
            return
        log.info("command %s", message.cmd)
        self.last_command = {"cmd": message.cmd, "token": bool(message.token)}
        self.run(message.cmd, message.token)

    def run(self, cmd: Command, token: str = "") -> None:
        if cmd == "show":
            self.show(token)
        elif cmd == "new-chat":
            self.show(token)
            self.window().new_chat()
        elif cmd == "capture":
            self.capture(token)
        elif cmd == "quick-ask":
            self.quick_ask(token)
        elif cmd == "background":
            QTimer.singleShot(0, self.start_services)

    def show(self, token: str = "") -> None:
        window = self.window()
        first = not window.isVisible() and not window.is_ready
        window.bring_forward(token)
        if first and self.shortcut is None:
            window.ready.connect(self.start_services)

    def quick_ask(self, token: str = "") -> None:
        """Until the quick-ask popup: the main window's message box, ready to type."""
        self.show(token)
        self.window().composer.focus_text()

    def capture(self, token: str = "") -> None:
        """Select a region now; the image lands in the message box of the window, shown."""
        if self._capturing():
            return
        self.screenshots().start(token=token)

    def settings(self) -> None:
        self.show()
        self.window().open_settings()

    def _capturing(self) -> bool:
        return self._flow is not None and self._flow.active

    def _shortcut_changed(self, status: Status) -> None:
        if self.tray is not None:
            self.tray.show_shortcut(status.chord if status.verdict == "bound" else "")

    def _on_hotkey(self) -> None:
        token = self.shortcut.activation_token if self.shortcut is not None else ""
        self.capture(token)

    # -- closing and quitting ---------------------------------------------------------------

    def _close_to_tray(self) -> bool:
        """Asked as the window closes: hide it to the tray, or let it close for good and quit,
        so Askshot never lingers with a window that is gone (no tray, or the setting off)."""
        if self._hides_on_close():
            return True
        if not self._quitting:
            QTimer.singleShot(0, self, self.quit)
        return False

    def _hides_on_close(self) -> bool:
        return (
            not self._quitting
            and self.tray is not None
            and self.tray.available
            and self.services.settings.close_to_tray
        )

    def _tray_changed(self, available: bool) -> None:
        # With a tray, the app lives on without windows; without one, closing the window quits.
        self.app.setQuitOnLastWindowClosed(not available)

    def _hidden_to_tray(self) -> None:
        state = QSettings(
            str(self.services.paths.ensure(self.services.paths.config) / "window.ini"),
            QSettings.Format.IniFormat,
        )
        if state.value("tray_notice_shown", False, bool):
            return
        state.setValue("tray_notice_shown", True)
        state.sync()
        if self.tray is not None:
            self.tray.notify(
                self.tr("Askshot is still running"),
                self.tr(
                    "It stays in the tray, ready for the shortcut. Quit it from the tray's menu, "
                    "or turn this off in Settings."
                ),
            )

    def quit(self) -> None:
        self._quitting = True
        self._shut_down()
        self.app.quit()

    def _shut_down(self) -> None:
        self._quitting = True
        if self._window is not None:
            self._window.shutdown()
            self._window.hide()
        if self.shortcut is not None:
            self.shortcut.close()
        if self.tray is not None:
            self.tray.close()
        if self.server is not None:
            self.server.close()
            self.server = None
        self.services.close()

    # -- for `askshot doctor` ---------------------------------------------------------------------

    def _instructions(self, verdict: str) -> dict[str, str] | None:
        """Where Askshot cannot bind the chord itself: how to bind it in the desktop."""
        if self.shortcut is None or verdict not in ("unsupported", "taken"):
            return None
        found = self.shortcut.instructions()
        if found is None:
            return None
        return {"desktop": found.desktop, "steps": found.steps, "commands": found.commands}

    def status(self) -> dict[str, Any]:
        """What the running instance knows that a fresh process cannot: never a key."""
        shortcut = self.shortcut.status if self.shortcut is not None else None
        return {
            "version": __version__,
            "pid": os.getpid(),
            "platform": QApplication.platformName(),
            "window": {
                "built": self._window is not None,
                "visible": bool(self._window is not None and self._window.isVisible()),
            },
            "tray": {"available": bool(self.tray is not None and self.tray.available)},
            "hotkey": None
            if shortcut is None
            else {
                "backend": shortcut.backend,
                "chord": shortcut.chord,
                "verdict": shortcut.verdict,
                "sentence": shortcut.sentence,
                "observed": shortcut.observed,
                "instructions": self._instructions(shortcut.verdict),
            },
            "python": sys.version.split()[0],
            "last_command": self.last_command,
        }
