"""Opening the history for the running app (the main window and the answer popup share one)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from askshot.core.errors import HistoryError
from askshot.core.history import Store
from askshot.core.paths import Paths


def open_store(paths: Paths) -> tuple[Store, tempfile.TemporaryDirectory[str] | None]:
    """The history, or where it cannot be opened (newer, unreadable, locked…) a temporary one
    whose `notice` says so; the file is left as it is. The second value is that temporary
    directory, to clean up on quitting."""
    try:
        return Store.open(paths), None
    except HistoryError as exc:
        scratch = tempfile.TemporaryDirectory(prefix="askshot-unsaved-")
        store = Store(Path(scratch.name) / "history.sqlite3")
        store.notice = QCoreApplication.translate(
            "MainWindow", "{0} Conversations in this window will not be kept."
        ).format(exc.message)
        return store, scratch
