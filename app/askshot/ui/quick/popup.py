"""The answer popup: the one gesture's answer, beside what the user asked about.

Hotkey, drag, type, Enter: the popup opens next to the selection (on its screen, inside it) with
the question shown at once, while the screenshot is fitted for the model off the GUI thread; the
question and the answer are in the history from the first byte (the same ConversationController
as the main window's, with a view of its own). It has the thinking counter, Stop, the cost, Copy
answer and a field for follow-ups; "+ Region" and "+ Clipboard" add an area or the clipboard's
text or image, only when asked (the quick-ask popup opens with nothing attached).

Esc stops a running answer, then hides the popup, and the focus goes back to the application
that had it before the hotkey. Unpinned, it also hides when it loses the focus; pinned, it stays
open and above other windows. It moves by its header and resizes by its corner, on Wayland too
(the compositor moves it); where the compositor will not let a window place itself, it opens
where the compositor puts it. "Open in Askshot" hands the conversation, with the answer still
being written, to the main window.

Screen readers hear "Thinking" once as a polite status, and the finished answer once.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QGuiApplication,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPaintEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizeGrip,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from askshot.core import providers
from askshot.core.errors import AskshotError
from askshot.ui.conversation.controller import ConversationController
from askshot.ui.conversation.view import ConversationView
from askshot.ui.qt.a11y import Announcer
from askshot.ui.qt.activation import activation_token
from askshot.ui.qt.threads import run_in_background

if TYPE_CHECKING:
    from askshot.core.history import Store
    from askshot.core.images import PreparedImage
    from askshot.core.llm.client import ChatClient
    from askshot.core.types import Effort
    from askshot.ui.shell.services import Services

log = logging.getLogger("askshot.popup")

SIZE = (540, 440)  # logical pixels, when it first opens
GAP = 12  # between the selection and the popup
THUMB_SIDE = 160


@dataclass(frozen=True)
class Attachment:
    label: str
    image: QImage | None = None
    text: str = ""


def place_beside(area: QRect, size: tuple[int, int], screen: QRect) -> QRect:
    """Where the popup goes: right of `area`, else left, below, above (top edges or left edges
    aligned), else over it in the screen's corner nearest to it; always inside `screen`."""
    w, h = min(size[0], screen.width() - 2 * GAP), min(size[1], screen.height() - 2 * GAP)
    right = area.x() + area.width()
    bottom = area.y() + area.height()

    def fit_y(y: int) -> int:
        return max(screen.y() + GAP, min(y, screen.y() + screen.height() - h - GAP))

    def fit_x(x: int) -> int:
        return max(screen.x() + GAP, min(x, screen.x() + screen.width() - w - GAP))

    candidates = [
        QRect(right + GAP, fit_y(area.y()), w, h),
        QRect(area.x() - GAP - w, fit_y(area.y()), w, h),
        QRect(fit_x(area.x()), bottom + GAP, w, h),
        QRect(fit_x(area.x()), area.y() - GAP - h, w, h),
    ]
    for place in candidates:
        if screen.contains(place):
            return place
    # No room beside it: the corner of the screen farthest from covering the area's centre.
    centre = area.center()
    x = screen.x() + GAP if centre.x() > screen.center().x() else screen.right() - w - GAP + 1
    y = screen.y() + GAP if centre.y() > screen.center().y() else screen.bottom() - h - GAP + 1
    return QRect(x, y, w, h)


def _thumb_html(image: QImage) -> str:
    small = image.scaled(
        THUMB_SIDE,
        THUMB_SIDE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    small.save(buffer, "PNG")  # type: ignore[call-overload]  # the stub says bytes; str works
    b64 = base64.b64encode(bytes(data.data())).decode("ascii")
    return f'<img src="data:image/png;base64,{b64}" height="{min(96, small.height())}">'


def _prepare(images: list[tuple[str, QImage]], model: str) -> list[PreparedImage]:
    """Off the GUI thread: fit each image to the model's rules and encode it."""
    from askshot.core.images import prepare_pil
    from askshot.ui.composer.attachments import qimage_to_pil

    return [prepare_pil(qimage_to_pil(image, name), model, name=name) for name, image in images]


class _Header(QFrame):
    """The popup's title row: dragging it moves the window (by the compositor where it can)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("popupHeader")
        self._grab: QPoint | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        handle = self.window().windowHandle()
        if handle is not None and handle.startSystemMove():
            return
        self._grab = event.globalPosition().toPoint() - self.window().pos()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._grab is not None:
            self.window().move(event.globalPosition().toPoint() - self._grab)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._grab = None


class AnswerPopup(QWidget):
    """See the module docstring. `store` and `client` are the app's (shared with the window)."""

    openRequested = Signal()  # continue in the main window (see `hand_over`)
    regionRequested = Signal()  # "+ Region": capture an area for this popup
    dismissed = Signal(bool)  # hidden; True when the focus should go back where it was
    keyNeeded = Signal(str)  # no API key: the sentence
    fixRequested = Signal(str)  # "settings", "pick-model", "billing"
    painted = Signal()  # the first paint after `present`

    def __init__(
        self,
        services: Services,
        store: Store,
        client: Callable[[], ChatClient],
        *,
        dark: bool | None = None,
    ) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.services = services
        self.setObjectName("answerPopup")
        self.setWindowTitle(self.tr("Askshot answer"))
        self.setAccessibleName(self.tr("Askshot answer"))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(
            "#answerPopup { border: 1px solid palette(mid); }"
            "#popupHeader { background: palette(alternate-base);"
            " border-bottom: 1px solid palette(midlight); }"
            "#popupHeader QToolButton { border: none; padding: 3px 6px; border-radius: 4px; }"
            "#popupHeader QToolButton:hover, #popupHeader QToolButton:checked"
            " { background: palette(button); }"
            "QLabel#popupStatus, QLabel#popupCost { color: palette(placeholder-text); }"
        )
        self.pinned = False
        self.attachments: list[Attachment] = []
        self._pending_paint = False
        self._preparing = False
        self._leaving = False  # hiding on purpose: the deactivation that follows is ours

        column = QVBoxLayout(self)
        column.setContentsMargins(1, 1, 1, 1)
        column.setSpacing(0)
        column.addWidget(self._build_header())

        self.view = ConversationView(self, dark=dark)
        self._announcer = Announcer(self.view)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setMinimumHeight(120)
        self.view.open_links = True
        column.addWidget(self.view, 1)

        bottom = QWidget(self)
        rows = QVBoxLayout(bottom)
        rows.setContentsMargins(10, 6, 10, 4)
        rows.setSpacing(6)
        self.chips_row = QHBoxLayout()
        self.chips_row.setSpacing(4)
        self.chips_box = QWidget(bottom)
        self.chips_box.setLayout(self.chips_row)
        self.chips_row.setContentsMargins(0, 0, 0, 0)
        self.chips_box.hide()
        rows.addWidget(self.chips_box)

        ask = QHBoxLayout()
        ask.setSpacing(6)
        self.region_button = QToolButton(bottom)
        self.region_button.setText(self.tr("+ Region"))
        self.region_button.setToolTip(self.tr("Add an area of the screen"))
        self.region_button.clicked.connect(self.regionRequested)
        ask.addWidget(self.region_button)
        self.clipboard_button = QToolButton(bottom)
        self.clipboard_button.setText(self.tr("+ Clipboard"))
        self.clipboard_button.setToolTip(self.tr("Add the clipboard's text or image"))
        self.clipboard_button.clicked.connect(self.add_clipboard)
        ask.addWidget(self.clipboard_button)
        self.field = QLineEdit(bottom)
        self.field.setAccessibleName(self.tr("Question"))
        self.field.setPlaceholderText(self.tr("Ask a follow-up…"))
        self.field.returnPressed.connect(self.send)
        ask.addWidget(self.field, 1)
        self.send_button = QPushButton(self.tr("Send"), bottom)
        self.send_button.setDefault(False)
        self.send_button.setAutoDefault(False)
        self.send_button.clicked.connect(self._send_or_stop)
        ask.addWidget(self.send_button)
        rows.addLayout(ask)

        foot = QHBoxLayout()
        foot.setSpacing(6)
        self.cost_label = QLabel(bottom)
        self.cost_label.setObjectName("popupCost")
        self.cost_label.setAccessibleName(self.tr("Cost of this conversation"))
        foot.addWidget(self.cost_label)
        foot.addStretch(1)
        self.copy_button = QToolButton(bottom)
        self.copy_button.setText(self.tr("Copy answer"))
        self.copy_button.setToolTip(self.tr("Copy the last answer as Markdown"))
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_answer)
        foot.addWidget(self.copy_button)
        grip = QSizeGrip(bottom)
        grip.setAccessibleName(self.tr("Resize"))
        foot.addWidget(grip, 0, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight)
        rows.addLayout(foot)
        column.addWidget(bottom)

        self.chat = ConversationController(
            services,
            store,
            client,
            self.view,
            key_gate=lambda _action: True,  # a missing key is `needKey`, sent to the window
            choice=self.choice,
            parent=self,
        )
        self.chat.busyChanged.connect(self._on_busy)
        self.chat.statusChanged.connect(self._on_status)
        self.chat.costChanged.connect(self._on_cost)
        self.chat.needKey.connect(self._on_need_key)
        self.chat.fixRequested.connect(self.fixRequested)
        self.chat.editRequested.connect(self.field.setText)

        esc = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        esc.setContext(Qt.ShortcutContext.WindowShortcut)
        esc.activated.connect(self.escape)
        self.resize(*SIZE)

    def _build_header(self) -> QWidget:
        header = _Header(self)
        row = QHBoxLayout(header)
        row.setContentsMargins(10, 4, 6, 4)
        row.setSpacing(4)
        self.title_label = QLabel(self.tr("Askshot"), header)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        row.addWidget(self.title_label)
        self.status_label = QLabel(header)
        self.status_label.setObjectName("popupStatus")
        self.status_label.setAccessibleName(self.tr("Status"))
        row.addWidget(self.status_label)
        row.addStretch(1)
        self.pin_button = QToolButton(header)
        self.pin_button.setText(self.tr("Pin"))
        self.pin_button.setCheckable(True)
        self.pin_button.setToolTip(self.tr("Keep this answer open and above other windows"))
        self.pin_button.toggled.connect(self.set_pinned)
        row.addWidget(self.pin_button)
        self.open_button = QToolButton(header)
        self.open_button.setText(self.tr("Open in Askshot"))
        self.open_button.setToolTip(self.tr("Continue this conversation in the main window"))
        self.open_button.clicked.connect(self.openRequested)
        row.addWidget(self.open_button)
        self.close_button = QToolButton(header)
        self.close_button.setText("✕")
        self.close_button.setAccessibleName(self.tr("Close"))
        self.close_button.setToolTip(self.tr("Hide (Esc); the answer is kept in the history"))
        self.close_button.clicked.connect(lambda: self.dismiss(give_back=True))
        row.addWidget(self.close_button)
        return header

    # -- the model -------------------------------------------------------------------------------

    def choice(self) -> tuple[str, Effort | None]:
        s = self.services.settings
        return s.model, providers.effort_for(s.model, s.effort)

    def _header_text(self) -> str:
        model, effort = self.choice()
        return f"Askshot · {model}" + (f" · {effort}" if effort else "")

    # -- opening -----------------------------------------------------------------------------------

    def ask_about(self, image: QImage, area: QRect, question: str, token: str = "") -> None:
        """The gesture's end: a new conversation about `image` (the area `area`, global logical)
        with `question`, shown beside the area at once; sent when the image is fitted."""
        self._start_fresh()
        self.place_near(area)
        self._show_pending(question, [image])
        self.present(token)
        self._send(question, [("Screenshot", image)])

    def compose(self, token: str = "") -> None:
        """Quick ask: an empty popup, the focus in the question, nothing attached."""
        if not self.isVisible() or self.chat.conversation_id is not None:
            self._start_fresh()
            self.view.add_notice(
                self.tr("Ask anything. Add an area of the screen or the clipboard if it helps.")
            )
            self.place_near(None)
        self.present(token)

    def _start_fresh(self) -> None:
        self.chat.new_chat()
        self.attachments.clear()
        self._show_chips()
        self.field.clear()
        self.copy_button.setEnabled(False)
        self.cost_label.clear()
        self.title_label.setText(self._header_text())

    def place_near(self, area: QRect | None) -> None:
        """Beside `area` on its screen; None: centred on the screen under the cursor."""
        from PySide6.QtGui import QCursor

        point = area.center() if area is not None else QCursor.pos()
        screen = QGuiApplication.screenAt(point) or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry()
        if area is None:
            w, h = min(SIZE[0], avail.width()), min(SIZE[1], avail.height())
            place = QRect(0, 0, w, h)
            place.moveCenter(avail.center())
        else:
            place = place_beside(area, (self.width(), self.height()), avail)
        self.setGeometry(place)

    def present(self, token: str = "") -> None:
        self._pending_paint = True
        self._leaving = False
        self.show()
        self.raise_()
        with activation_token(token):
            self.activateWindow()
        self.field.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._pending_paint:
            self._pending_paint = False
            # Logged at the next turn of the event loop: after the children (the question in
            # the view) are painted too and the frame is flushed. bench/popup.py times Enter on
            # the selection to this.
            QTimer.singleShot(0, self._after_paint)

    def _after_paint(self) -> None:
        log.info("popup painted")
        self.painted.emit()

    def _show_pending(self, question: str, images: list[QImage]) -> None:
        """The question as it will show once saved: shown while the image is fitted."""
        self.view.add_question(question, " ".join(_thumb_html(image) for image in images))

    # -- attachments -------------------------------------------------------------------------------

    def add_image(self, image: QImage, label: str) -> None:
        self.attachments.append(Attachment(label, image=image))
        self._show_chips()

    def add_clipboard(self) -> None:
        """The clipboard's image, else its text: attached only when asked, and shown."""
        data = QGuiApplication.clipboard().mimeData()
        if data is not None and data.hasImage():
            image = QImage(data.imageData())
            if not image.isNull():
                self.add_image(image, self.tr("Clipboard image"))
                return
        text = data.text() if data is not None and data.hasText() else ""
        if text.strip():
            self.attachments.append(
                Attachment(self.tr("Clipboard text ({0} characters)").format(len(text)), text=text)
            )
            self._show_chips()
        else:
            self.view.add_notice(self.tr("The clipboard holds no text or image."))
        self.field.setFocus()

    def _show_chips(self) -> None:
        while self.chips_row.count():
            item = self.chips_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for i, att in enumerate(self.attachments):
            chip = QToolButton(self.chips_box)
            chip.setText(f"{att.label}  ✕")
            chip.setAccessibleName(self.tr("Remove {0}").format(att.label))
            chip.clicked.connect(lambda _=False, n=i: self._remove(n))
            self.chips_row.addWidget(chip)
        self.chips_row.addStretch(1)
        self.chips_box.setVisible(bool(self.attachments))

    def _remove(self, index: int) -> None:
        if 0 <= index < len(self.attachments):
            del self.attachments[index]
            self._show_chips()

    # -- sending -----------------------------------------------------------------------------------

    def _send_or_stop(self) -> None:
        if self.chat.busy:
            self.chat.stop()
        else:
            self.send()

    def send(self) -> None:
        """The field's question with what is attached; images are fitted off the GUI thread."""
        if self.chat.busy or self._preparing:
            return
        text = self.field.text().strip()
        quoted = [a.text for a in self.attachments if a.text]
        images = [(a.label, a.image) for a in self.attachments if a.image is not None]
        if not text and not quoted and not images:
            return
        question = "\n\n".join([*(f"```\n{q}\n```" for q in quoted), text]).strip()
        self.field.clear()
        self.attachments.clear()
        self._show_chips()
        if self.chat.conversation_id is None:
            self.view.clear()
            self._show_pending(question, [i for _, i in images])
        self._send(question, images)

    def _send(self, question: str, images: list[tuple[str, QImage]]) -> None:
        model, effort = self.choice()
        if not images:
            self._sent(question, [], model, effort)
            return
        self._preparing = True
        self._on_busy(True)
        self.status_label.setText(self.tr("Preparing the image…"))
        run_in_background(
            lambda: _prepare(images, model),
            lambda prepared: self._sent(question, prepared, model, effort),
            lambda exc: self._not_sent(question, exc),
        )

    def _sent(
        self, question: str, images: list[PreparedImage], model: str, effort: Effort | None
    ) -> None:
        self._preparing = False
        if not self.chat.send(question, images, model, effort):
            self._on_busy(False)
            self.field.setText(question)  # nothing was sent: the question is not lost

    def _not_sent(self, question: str, exc: AskshotError) -> None:
        self._preparing = False
        self._on_busy(False)
        self.status_label.clear()
        self.view.add_notice(exc.message, error=True)
        self.field.setText(question)

    # -- the answer --------------------------------------------------------------------------------

    def _on_busy(self, busy: bool) -> None:
        busy = busy or self._preparing or self.chat.busy
        self.send_button.setText(self.tr("Stop") if busy else self.tr("Send"))
        self.send_button.setToolTip(self.tr("Stop the answer (Esc)") if busy else "")
        self.region_button.setEnabled(not busy)
        self.clipboard_button.setEnabled(not busy)
        if not busy:
            replies = self.view.replies
            self.copy_button.setEnabled(bool(replies and replies[-1].text))
            if replies and replies[-1].text:
                # What the popup shows (the end-to-end test reads this, never the text itself).
                log.info("popup answer shown: %d characters", len(replies[-1].text))
            self._announcer.finished(replies[-1].text if replies else "")

    def _on_status(self, text: str) -> None:
        self.status_label.setText(text)
        self._announcer.status(text, self.tr("Thinking"))

    def _on_cost(self, dollars: float) -> None:
        self.cost_label.setText(f"${dollars:.4f}" if dollars else "")

    def _on_need_key(self, sentence: str) -> None:
        self.view.add_notice(sentence, error=True)
        self.keyNeeded.emit(sentence)

    def copy_answer(self) -> None:
        replies = self.view.replies
        if replies and replies[-1].text:
            QGuiApplication.clipboard().setText(replies[-1].text)

    # -- closing -----------------------------------------------------------------------------------

    def escape(self) -> None:
        """Esc: stop a running answer, else hide (and give the focus back)."""
        if self.chat.busy:
            self.chat.stop()
        else:
            self.dismiss(give_back=True)

    def dismiss(self, *, give_back: bool) -> None:
        if not self.isVisible():
            return
        self._leaving = True
        self.hide()
        self.dismissed.emit(give_back)

    def set_pinned(self, pinned: bool) -> None:
        if pinned == self.pinned:
            return
        self.pinned = pinned
        self.pin_button.setChecked(pinned)
        visible = self.isVisible()
        geometry = self.geometry()
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, pinned)
        if visible:  # changing a flag hides the window
            self.setGeometry(geometry)
            self.show()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and not self.isActiveWindow():
            QTimer.singleShot(0, self._maybe_hide)

    def _maybe_hide(self) -> None:
        """Unpinned, the popup goes when the user goes elsewhere (the answer goes on)."""
        if self.pinned or self._leaving or not self.isVisible() or self.isActiveWindow():
            return
        self.dismiss(give_back=False)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.dismiss(give_back=True)

    def shutdown(self) -> None:
        self.chat.stop_and_wait()

    def hand_over(self, target: ConversationController) -> None:
        """Continue in `target` (the main window's controller): the conversation, and the answer
        still being written, move there; the popup is left empty for the next question."""
        if self.chat.conversation_id is not None:
            self.chat.hand_over(target)
        self._leaving = True
        self.hide()
        self.dismissed.emit(False)
        self._start_fresh()
