"""The running Askshot: the one instance's command server, the global shortcut, the tray, and the
main window, built when first needed (a background start shows nothing until asked).

Every door leads here: `askshot`, `askshot --capture`, `--quick-ask`, `--new-chat` from a second
start or a desktop action (through the instance server), the global shortcut, the tray menu.

The shortcut (and `--capture`, and the tray's capture) is the one gesture: the frozen screen, a
drag, the ask bar beside it, Enter, and the answer in the popup beside the selection; when the
popup goes, the focus goes back to the window that had it before the shortcut. The window and the
popup share one history.
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
    import tempfile

    from PySide6.QtCore import QRect
    from PySide6.QtGui import QImage

    from askshot.core.history import Store
    from askshot.core.llm.client import ChatClient
    from askshot.platform.focus import Focus
    from askshot.platform.hotkey import Status
    from askshot.platform.instance import Command
    from askshot.platform.instance_server import InstanceServer
    from askshot.ui.capture.flow import ScreenshotFlow
    from askshot.ui.quick.popup import AnswerPopup
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
        self._popup: AnswerPopup | None = None
        self._store: Store | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._client: ChatClient | None = None
        self._return_focus: Focus | None = None  # the window to give the focus back to
        self._region_for_popup = False  # the capture running is the popup's "+ Region"
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
                open_store=self.store,
            )
            window.hide_on_close = self._close_to_tray
            window.hiddenToTray.connect(self._hidden_to_tray)
            self._window = window
        return self._window

    def store(self) -> Store:
        """The history, opened once for the window and the popup."""
        if self._store is None:
            from askshot.ui.shell.history_store import open_store

            self._store, self._scratch = open_store(self.services.paths)
        return self._store

    def client(self) -> ChatClient:
        if self._client is None:
            from askshot.core.llm.client import ChatClient
            from askshot.core.llm.params import ParamMemory

            self._client = ChatClient(params=ParamMemory.in_cache(self.services.paths.cache))
        return self._client

    def popup(self) -> AnswerPopup:
        """The answer popup of the one gesture and of quick ask, built when first needed."""
        if self._popup is None:
            from askshot.ui.quick.popup import AnswerPopup

            popup = AnswerPopup(self.services, self.store(), self.client, dark=self._dark)
            popup.openRequested.connect(self._open_popup_in_window)
            popup.regionRequested.connect(self._popup_region)
            popup.dismissed.connect(self._popup_dismissed)
            popup.keyNeeded.connect(self._key_needed)
            popup.fixRequested.connect(self._fix_requested)
            # The model is gone for the popup too: the window's composer offers the move (the
            # popup asks with the default model, so the move covers it).
            popup.chat.modelMissing.connect(lambda m: self.window().composer.mark_gone(m))
            # What the popup spends shows in the window's budget at once (no query per focus).
            popup.chat.spendChanged.connect(
                lambda: self._window.update_budget() if self._window is not None else None
            )
            self._popup = popup
        return self._popup

    def screenshots(self) -> ScreenshotFlow:
        """The one capture flow: the shortcut, the tray, `askshot --capture` (in ask mode) and
        the window's own button all go through it; it needs no window until an image is for
        the window."""
        if self._flow is None:
            from askshot.ui.capture.flow import ScreenshotFlow

            flow = ScreenshotFlow(
                self,
                portal=self.services.portal,
                ask=lambda: list(self.services.settings.prompt_presets),
            )
            flow.imageReady.connect(self._image_ready)
            flow.askRequested.connect(self._asked)
            flow.failed.connect(self._capture_failed)
            flow.finished.connect(self._capture_finished)
            # The popup is built while the user chooses an area (a person takes longer to
            # start dragging than it takes to build), so Enter shows the answer's place at once.
            flow.shown.connect(lambda: QTimer.singleShot(0, self.popup))
            self._flow = flow
        return self._flow

    def _image_ready(self, image: QImage) -> None:
        if self._region_for_popup:
            popup = self.popup()
            popup.add_image(image, self.tr("Screenshot"))
            popup.present()
        else:
            self.window().add_screenshot(image)

    def _asked(self, image: QImage, area: QRect, question: str) -> None:
        popup = self.popup()
        if self._region_for_popup:  # "+ Region": the area joins what the popup holds
            popup.add_image(image, self.tr("Screenshot"))
            if not popup.field.text().strip():
                popup.field.setText(question)
            popup.present()
            popup.send()
        else:
            popup.ask_about(image, area, question)

    def _capture_failed(self, sentence: str) -> None:
        if self._region_for_popup:
            self.popup().view.add_notice(sentence, error=True)
            self.popup().present()
        else:
            self.window().show_capture_error(sentence)

    def _capture_finished(self) -> None:
        if self._region_for_popup:
            self._region_for_popup = False
            popup = self.popup()
            if not popup.isVisible():  # cancelled: back to the popup as it was
                popup.present()

    def _popup_region(self) -> None:
        if self._capturing():
            return
        self._region_for_popup = True
        self.popup().dismiss(give_back=False)
        self.screenshots().start(ask=True)

    def _popup_dismissed(self, give_back: bool) -> None:
        if give_back and self._return_focus is not None:
            from askshot.platform import focus

            focus.restore(self._return_focus)
        self._return_focus = None

    def _open_popup_in_window(self) -> None:
        self._return_focus = None
        window = self.window()
        first = not window.isVisible() and not window.is_ready
        window.continue_from(self.popup())
        if first and self.shortcut is None:
            window.ready.connect(self.start_services)

    def _key_needed(self, sentence: str) -> None:
        self.show()
        self.window().show_first_run(sentence)

    def _fix_requested(self, action: str) -> None:
        self.show()
        self.window().fix(action)

    def _warm_focus(self) -> None:
        from askshot.platform import focus

        focus.warm_up(QApplication.platformName())

    def _remember_focus(self) -> None:
        """The window the user was in, to give the focus back when the popup goes (X11)."""
        if self._popup is not None and self._popup.isVisible():
            return  # the popup is up: the focus to return to is still the one from before
        from askshot.platform import focus

        self._return_focus = focus.remember(QApplication.platformName())

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
        # The connection that gives the focus back after the popup, opened now: opening it at
        # the shortcut would put tens of milliseconds before the overlay.
        QTimer.singleShot(0, self._warm_focus)
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
        """The popup without a capture: type, add a region or the clipboard if it helps."""
        if self._capturing():
            return
        self._remember_focus()
        self.popup().compose(token)

    def capture(self, token: str = "") -> None:
        """The one gesture: select an area, ask beside it, the answer in the popup."""
        if self._capturing():
            return
        self._remember_focus()
        self._region_for_popup = False
        self.screenshots().start(token=token, ask=True)

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
        if self._popup is not None:
            self._popup.shutdown()
            self._popup.hide()
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
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
        if self._client is not None:
            self._client.close()
            self._client = None
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
            "popup": {
                "built": self._popup is not None,
                "visible": bool(self._popup is not None and self._popup.isVisible()),
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
