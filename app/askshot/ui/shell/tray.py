"""The tray icon and its menu (Capture, Quick ask, Show Askshot, Settings, Quit), when the desktop
has a tray, now or later.

Qt answers "is there a tray?" once per process for the D-Bus (StatusNotifierItem) tray and keeps
that answer, so asking before the panel is up (an autostart at login) would hide the icon for
the whole session. So the watcher's name is checked here first, without Qt's cache, and
QSystemTrayIcon is made only once a tray exists; a watcher that appears later (or an XEmbed tray
on X11, polled) brings the icon then. Without a tray, nothing is shown and `available` says so:
the window must then quit when closed, never hide where the user cannot bring it back.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

log = logging.getLogger("askshot.tray")

WATCHER = "org.kde.StatusNotifierWatcher"
XEMBED_POLL_MS = 5000


class Tray(QObject):
    captureRequested = Signal()
    quickAskRequested = Signal()
    showRequested = Signal()
    settingsRequested = Signal()
    quitRequested = Signal()
    availabilityChanged = Signal(bool)

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window_icon = icon
        self.icon: QSystemTrayIcon | None = None
        self.menu = QMenu()
        self.menu.setAccessibleName(self.tr("Askshot"))
        self.actions: dict[str, QAction] = {}
        for key, label, signal in (
            ("capture", self._capture_label(), self.captureRequested),
            ("quick-ask", self.tr("Quick Ask"), self.quickAskRequested),
            ("show", self.tr("Show Askshot"), self.showRequested),
            ("settings", self.tr("Settings…"), self.settingsRequested),
        ):
            action = self.menu.addAction(label)
            action.triggered.connect(signal)
            self.actions[key] = action
        self.menu.addSeparator()
        quit_action = self.menu.addAction(self.tr("Quit Askshot"))
        quit_action.triggered.connect(self.quitRequested)
        self.actions["quit"] = quit_action
        self._watcher: QObject | None = None
        self._poll: QTimer | None = None
        self._check()

    def _capture_label(self) -> str:
        return self.tr("Capture and Ask")

    def show_shortcut(self, chord: str) -> None:
        """Show the global shortcut beside "Capture and Ask" ("" when none works now)."""
        label = self._capture_label()
        self.actions["capture"].setText(f"{label}\t{chord}" if chord else label)

    @property
    def available(self) -> bool:
        return self.icon is not None

    # -- finding a tray -----------------------------------------------------------------------

    def _check(self) -> None:
        if self.icon is None and self._tray_exists():
            self._make_icon()
            return
        if self.icon is None:
            self._watch()

    def _tray_exists(self) -> bool:
        if _dbus_watcher_registered():
            return True
        if QGuiApplication.platformName() in ("xcb", "windows", "cocoa") or not _on_linux():
            # XEmbed (X11), the notification area (Windows), NSStatusItem (macOS): asking Qt
            # is safe here once the D-Bus tray is known to be absent or not applicable.
            return QSystemTrayIcon.isSystemTrayAvailable()
        return False

    def _watch(self) -> None:
        if self._watcher is None and _on_linux():
            try:
                from PySide6.QtDBus import QDBusConnection, QDBusServiceWatcher

                watcher = QDBusServiceWatcher(
                    WATCHER,
                    QDBusConnection.sessionBus(),
                    QDBusServiceWatcher.WatchModeFlag.WatchForRegistration,
                    self,
                )
                watcher.serviceRegistered.connect(lambda _name: self._check())
                self._watcher = watcher
            except ImportError:
                log.info("no QtDBus: the tray is looked for on X11 only")
        if self._poll is None and QGuiApplication.platformName() == "xcb":
            self._poll = QTimer(self)
            self._poll.setInterval(XEMBED_POLL_MS)
            self._poll.timeout.connect(self._check)
            self._poll.start()

    def _make_icon(self) -> None:
        if self._poll is not None:
            self._poll.stop()
        icon = QSystemTrayIcon(self._window_icon, self)
        icon.setToolTip(self.tr("Askshot: capture and ask"))
        icon.setContextMenu(self.menu)
        icon.activated.connect(self._on_activated)
        icon.show()
        self.icon = icon
        log.info("tray icon shown")
        self.availabilityChanged.emit(True)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.showRequested.emit()
        elif reason == QSystemTrayIcon.ActivationReason.MiddleClick:
            self.captureRequested.emit()

    def notify(self, title: str, text: str) -> None:
        if self.icon is not None:
            self.icon.showMessage(title, text, self._window_icon, 8000)

    def close(self) -> None:
        if self._poll is not None:
            self._poll.stop()
        if self.icon is not None:
            self.icon.hide()
            self.icon.deleteLater()
            self.icon = None


def _on_linux() -> bool:
    return sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


def _dbus_watcher_registered() -> bool:
    """Whether a StatusNotifierWatcher (the D-Bus tray's host side) is on the session bus."""
    if not _on_linux():
        return False
    try:
        from PySide6.QtDBus import QDBusConnection
    except ImportError:
        return False
    bus = QDBusConnection.sessionBus()
    interface = bus.interface() if bus.isConnected() else None
    if interface is None:
        return False
    reply = interface.isServiceRegistered(WATCHER)
    return bool(reply.value()) if reply.isValid() else False
