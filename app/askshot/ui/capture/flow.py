"""From the shortcut to an image in the composer: capture → region overlay → markup → composer.

Esc in the markup editor goes back to the region overlay; Esc there cancels. The result is the
flattened, redacted image only: nothing of the original capture is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRect, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from askshot.platform.portal import PortalBus
    from askshot.ui.capture.annotate import MarkupEditor
    from askshot.ui.capture.controller import CaptureController, CaptureMode


def visible_windows() -> list[QWidget]:
    """Our windows on screen now: what a capture hides first."""
    from PySide6.QtWidgets import QApplication

    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


class ScreenshotFlow(QObject):
    imageReady = Signal(QImage)  # the marked-up image, physical pixels
    askRequested = Signal(QImage, QRect, str)  # ask mode: image, area (global logical), question
    failed = Signal(str)
    shown = Signal()  # the frozen screen is painted: the user is choosing now
    finished = Signal()  # accepted, cancelled or failed

    def __init__(
        self,
        parent: QObject | None = None,
        hide: Callable[[], list[QWidget]] = visible_windows,
        portal: Callable[[], PortalBus | None] = lambda: None,
        ask: Callable[[], list[tuple[str, str]]] | None = None,
    ) -> None:
        """`portal`: the app's shared portal connection, asked for at the first capture.
        `ask`: ask mode (the global shortcut's one gesture), with the preset chips it returns:
        the ask bar beside the selection, markup on the frozen screen, no markup window."""
        super().__init__(parent)
        self._hide = hide
        self._portal = portal
        self._ask = ask
        self._asking = False  # this capture is in ask mode
        self._controller: CaptureController | None = None
        self.editor: MarkupEditor | None = None

    @property
    def active(self) -> bool:
        return self.editor is not None or (self._controller is not None and self._controller.active)

    def start(self, mode: CaptureMode = "region", token: str = "", *, ask: bool = False) -> None:
        """Capture, then the overlay takes the focus (with the activation `token`, if any).
        `ask`: the one gesture (needs `ask` at construction): the ask bar beside the selection,
        then `askRequested`; without it, the markup window, then `imageReady`."""
        if self.editor is not None:
            self.editor.raise_()
            self.editor.activateWindow()
            return
        if self._controller is None:
            from askshot.ui.capture.controller import CaptureController

            self._controller = CaptureController(self, portal=self._portal())
            self._controller.accepted.connect(self._on_region)
            self._controller.asked.connect(self._on_asked)
            self._controller.failed.connect(self._on_failed)
            self._controller.cancelled.connect(self.finished)
            self._controller.shown.connect(self.shown)
        self._asking = ask and self._ask is not None
        presets = self._ask() if self._ask is not None and self._asking else None
        self._controller.start(hide=self._hide(), mode=mode, token=token, ask=presets)

    def _on_failed(self, sentence: str) -> None:
        self.failed.emit(sentence)
        self.finished.emit()

    def _on_asked(self, image: QImage, rect: QRect, question: str) -> None:
        self.askRequested.emit(image, rect, question)
        self.finished.emit()

    def _on_region(self, image: QImage, _rect: QRect) -> None:
        if self._asking:  # marked up on the frozen screen already: to the chat
            self.imageReady.emit(image)
            self.finished.emit()
            return
        from PySide6.QtCore import Qt  # its ~100 enums take 70 ms to make: not at start-up

        from askshot.ui.capture.annotate import MarkupEditor

        editor = MarkupEditor(image)
        editor.setWindowFlag(Qt.WindowType.Window, True)
        editor.setWindowTitle(self.tr("Askshot: mark up the screenshot"))
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        editor.accepted.connect(self._on_marked)
        editor.back.connect(self._on_back)
        self.editor = editor
        editor.show()
        editor.raise_()
        editor.activateWindow()

    def _close_editor(self) -> None:
        editor, self.editor = self.editor, None
        if editor is not None:
            editor.close()

    def _on_marked(self, image: QImage) -> None:
        self._close_editor()
        self.imageReady.emit(image)  # whoever takes it brings its window forward
        self.finished.emit()

    def _on_back(self) -> None:
        self._close_editor()
        self.start("region")
