"""Waiting for the API key without freezing the window.

Reading the key from the keyring takes a child process and maybe an unlock prompt, so it runs off
the GUI thread, never twice at once. A question asked meanwhile waits for it (its text stays in
the message box) and goes on once the key is there; without a key, `missing` carries the sentence
(the first-run panel shows), and a keyring failure comes as `failed`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from askshot.core.errors import AskshotError, MissingKey, ReadCancelled
from askshot.core.types import Endpoint
from askshot.ui.qt.threads import BackgroundCall, run_in_background
from askshot.ui.shell.services import Services


class KeyGate(QObject):
    statusChanged = Signal(str)  # "Reading the API key…" while something waits; "" after
    missing = Signal(str)  # no key stored for the provider: the sentence
    failed = Signal(str)  # the keyring failed: the sentence

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.check: BackgroundCall[Endpoint] | None = None
        self._waiting: list[Callable[[], None]] = []
        self._closed = False

    def start_check(self) -> None:
        """Look for the key now, in the background (once at a time)."""
        if self._closed or (self.check is not None and self.check.running):
            return
        self.check = run_in_background(
            self.services.endpoint, self._found, self._failed, daemon=True
        )

    def when_ready(self, action: Callable[[], None]) -> bool:
        """True when the key is at hand: go on now. Otherwise `action` runs once it has been
        read (nothing runs when there is none) and this returns False."""
        if self.services.endpoint_ready():
            return True
        self._waiting.append(action)
        self.statusChanged.emit(self.tr("Reading the API key from the keyring…"))
        self.start_check()
        return False

    def has_key_now(self) -> bool:
        """Whether a key can be had without waiting on the keyring (a check's answer may be
        older than a key saved in Settings or the first-run panel meanwhile)."""
        if not self.services.endpoint_ready():
            return False
        try:
            self.services.endpoint()
        except AskshotError:
            return False
        return True

    def close(self) -> None:
        """The window is closing: a read waiting on an unlock prompt stops, its child with it."""
        self._closed = True
        self._waiting = []
        if self.check is not None and self.check.running:
            self.services.cancel_key_reads()
            self.check.join(2.0)

    def _found(self, _endpoint: Endpoint) -> None:
        waiting, self._waiting = self._waiting, []
        if self._closed:
            return
        if waiting:
            self.statusChanged.emit("")
        for action in waiting:
            action()

    def _failed(self, exc: AskshotError) -> None:
        waiting, self._waiting = bool(self._waiting), []
        if self._closed or isinstance(exc, ReadCancelled):
            return
        if waiting:
            self.statusChanged.emit("")
        if isinstance(exc, MissingKey):
            self.services.forget_read_keys()  # the next question looks again
            if not self.has_key_now():  # unless one was saved meanwhile
                self.missing.emit(exc.message)
        else:
            self.failed.emit(exc.message)
