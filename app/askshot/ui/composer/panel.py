"""Everything below the conversation: the message box, attached images, the model and effort
pickers, an estimate of what the message will cost, and Send/Stop.

The images are prepared and refitted off the GUI thread by an AttachmentQueue; while an image is
being fitted to a newly chosen model, the estimate uses the core's size rule, so it is right at
once. A Send while images are still being prepared waits for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from askshot.core import estimate
from askshot.core.settings import Settings
from askshot.ui.composer.message_box import MessageBox
from askshot.ui.composer.pickers import ModelPicker
from askshot.ui.qt.lazy import Qt

# The image pipeline, the thumbnail strip and the worker thread load with the first image (or
# right after the first paint, see `after_first_paint`), not before the window is on screen.
if TYPE_CHECKING:
    from PIL import Image
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

    from askshot.core.budget import Budget
    from askshot.core.catalog import Catalog
    from askshot.core.images import PreparedImage
    from askshot.core.types import Effort
    from askshot.ui.composer.attachments import AttachmentStrip, ImagePreview, Load
    from askshot.ui.composer.queue import AttachmentQueue

MIN_LINES, MAX_LINES = 3, 10


def _dollars(amount: float) -> str:
    if 0 < amount < 0.0001:
        return "<$0.0001"
    return f"${amount:.4f}"


MOVE_CHOICES = 8  # replacements offered in the move button's menu, besides the successor


class ComposerPanel(QWidget):
    """The composer with attachments, model and effort pickers, estimate and Send/Stop."""

    sendRequested = Signal(str, list)  # text, list[PreparedImage]
    stopRequested = Signal()
    modelChanged = Signal(str)
    effortChanged = Signal(str)
    attachmentsChanged = Signal()  # added, removed, re-fitted, or preparation finished
    moveRequested = Signal(str)  # the retirement notice's "Move to …": the replacement model id
    flexChanged = Signal(bool)  # "not urgent, half price" switched on or off

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._busy = False
        self._queue: AttachmentQueue | None = None  # made with the first image (see `queue`)
        self._send_queued = False
        self._errors: list[str] = []
        self._last_dir = ""
        self.preview: ImagePreview | None = None
        self.setAcceptDrops(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.error_label = QLabel()
        self.error_label.setAccessibleName(self.tr("Error"))
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.hide()

        # A shutdown coming for the chosen model, or the model gone: the sentence and the move.
        self._catalog: Catalog | None = None
        self._provider = settings.provider
        self._own_url = True
        self._successor: str | None = None
        self._gone: set[str] = set()  # models the server answered with model_not_found
        self.lifecycle_label = QLabel()
        self.lifecycle_label.setAccessibleName(self.tr("Model notice"))
        self.lifecycle_label.setWordWrap(True)
        # The successor at a click; the other replacements the provider lists in its menu.
        self.move_button = QToolButton()
        self.move_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.move_button.clicked.connect(self._on_move_clicked)
        self.lifecycle_row = QFrame()
        self.lifecycle_row.setObjectName("lifecycle")
        # A warning band, amber see-through: it reads on the light and the dark palette alike.
        self.lifecycle_row.setStyleSheet(
            "#lifecycle { background: rgba(255, 167, 38, 0.16);"
            " border: 1px solid rgba(255, 167, 38, 0.6); border-radius: 4px; }"
        )
        notice_row = QHBoxLayout(self.lifecycle_row)
        notice_row.setContentsMargins(8, 4, 4, 4)
        notice_row.addWidget(self.lifecycle_label, 1)
        notice_row.addWidget(self.move_button)
        self.lifecycle_row.hide()

        self._strip: AttachmentStrip | None = None  # built with the first attachment
        self._icons = False  # icons are set after the first paint (QtSvg is not needed before)

        self.message_box = MessageBox(send_key=settings.send_key, accept_attachments=True)
        self.message_box.submitted.connect(self._request_send)
        self.message_box.attachmentsReceived.connect(self._on_incoming)
        self.message_box.textChanged.connect(self._on_text_changed)
        self.message_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self.attach_button = QPushButton()
        self.attach_button.setText(self.tr("Attach…"))
        self.attach_button.setAccessibleName(self.tr("Attach images"))
        self.attach_button.setToolTip(
            self.tr("Attach images (you can also paste them or drop them on the message)")
        )
        self.attach_button.clicked.connect(self._pick_files)

        self.pickers = ModelPicker(settings.model, settings.effort, settings.recent_models)
        self.pickers.modelChanged.connect(self._on_model_changed)
        self.pickers.effortChanged.connect(self.effortChanged)
        self.model_box = self.pickers.model_box
        self.effort_box = self.pickers.effort_box

        # "Not urgent, half price": flex processing, where the provider offers it.
        self.flex_button = QToolButton()
        self.flex_button.setText(self.tr("½ price"))
        self.flex_button.setCheckable(True)
        self.flex_button.setChecked(settings.flex)
        self.flex_button.setAccessibleName(self.tr("Not urgent, half price"))
        self.flex_button.setToolTip(
            self.tr(
                "Not urgent: ask at half price (flex processing). Answers come slower, and "
                "when the provider has no capacity you can send again at the normal price."
            )
        )
        self.flex_button.toggled.connect(self._on_flex_toggled)

        self._budget: Budget | None = None  # the month's spend against the monthly budget

        self.estimate_label = QLabel()
        self.estimate_label.setAccessibleName(self.tr("Estimate"))
        self.estimate_label.setToolTip(
            self.tr(
                "Input tokens and cost of this message; the system prompt and the "
                "conversation so far add to it."
            )
        )
        self.estimate_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.send_button = QPushButton()
        self.send_button.setAutoDefault(False)
        self.send_button.clicked.connect(self._on_send_clicked)

        controls = QHBoxLayout()
        controls.addWidget(self.attach_button)
        controls.addWidget(self.pickers)
        controls.addWidget(self.flex_button)
        controls.addWidget(self.estimate_label, 1)
        controls.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)  # given more height than it needs, the panel hugs the bottom
        layout.addWidget(self.lifecycle_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.message_box)  # the strip of thumbnails goes in between
        self._layout = layout
        layout.addLayout(controls)

        QWidget.setTabOrder(self.message_box, self.attach_button)
        QWidget.setTabOrder(self.attach_button, self.model_box)
        QWidget.setTabOrder(self.model_box, self.effort_box)
        QWidget.setTabOrder(self.effort_box, self.flex_button)
        QWidget.setTabOrder(self.flex_button, self.send_button)
        self._update_flex()

        self._update_send_button()
        self._fit_composer()
        self._update_estimate()

    def after_first_paint(self) -> None:
        """What can wait for the window to be on screen: the icons, and the image pipeline
        loaded ahead of the first paste or drop."""
        import askshot.ui.composer.queue  # noqa: F401
        from askshot.ui.shell import icons

        self._icons = True
        self.pickers.after_first_paint()
        self.attach_button.setIcon(icons.icon("attach"))
        self._update_send_button()

    @property
    def strip(self) -> AttachmentStrip:
        """The thumbnails (hidden while there are none), built when first needed."""
        if self._strip is None:
            from askshot.ui.composer.attachments import AttachmentStrip

            strip = AttachmentStrip(self)
            self._layout.insertWidget(self._layout.indexOf(self.message_box), strip)
            strip.removeRequested.connect(self.remove_attachment)
            strip.previewRequested.connect(self._show_preview)
            # Into the chain right before the message box (the box keeps its place in it).
            QWidget.setTabOrder(self.message_box, strip)
            QWidget.setTabOrder(strip, self.message_box)
            self._strip = strip
        return self._strip

    @property
    def queue(self) -> AttachmentQueue:
        """The images and their preparation, made when first needed."""
        if self._queue is None:
            from askshot.ui.composer.queue import AttachmentQueue

            queue = AttachmentQueue(self.model(), self)
            queue.added.connect(self._on_added)
            queue.refitted.connect(self._on_refitted)
            queue.failed.connect(self._on_failed)
            queue.progressed.connect(self._on_progress)
            queue.settled.connect(self._on_idle)
            self._queue = queue
        return self._queue

    # -- public API -----------------------------------------------------------------------------

    def text(self) -> str:
        return self.message_box.toPlainText()

    def set_text(self, text: str) -> None:
        self.message_box.setPlainText(text)
        self.message_box.moveCursor(self.message_box.textCursor().MoveOperation.End)

    def focus_text(self) -> None:
        self.message_box.setFocus()

    def images(self) -> list[PreparedImage]:
        """The prepared images; while `preparing`, some may still be fitted for the last model."""
        return [] if self._queue is None else self._queue.images()

    def model(self) -> str:
        return self.pickers.model()

    def effort(self) -> Effort | None:
        """The reasoning effort, or None when the model does not reason."""
        return self.pickers.effort()

    def set_model(self, model_id: str) -> None:
        self.pickers.set_model(model_id)

    def set_models(self, model_ids: list[str]) -> None:
        """Offer more ids in the picker (the models a connection test found)."""
        self.pickers.set_models(model_ids)

    def set_send_key(self, send_key: str) -> None:
        self.message_box.set_send_key(send_key)
        self._update_send_button()

    def set_busy(self, busy: bool) -> None:
        """While busy, Send is Stop and Enter does not send; typing goes on."""
        self._busy = busy
        if busy:
            self._send_queued = False
        self._update_send_button()
        self._update_estimate()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def preparing(self) -> bool:
        """True while images are being added or fitted to the model."""
        return self._queue is not None and self._queue.preparing

    def clear(self) -> None:
        """Forget the text and the attachments (after a send)."""
        if self._queue is not None:
            self._queue.clear()
        if self._strip is not None:
            self._strip.clear()
        self._send_queued = False
        self.message_box.clear()
        self._set_errors([])
        self._update_estimate()
        self.attachmentsChanged.emit()

    def show_error(self, message: str) -> None:
        self._set_errors([message] if message else [])

    def add_image_paths(self, paths: list[Path]) -> None:
        from askshot.ui.composer.attachments import Load

        self._add(*(Load(name=path.name or str(path), path=path) for path in paths))

    def add_image_bytes(self, data: bytes, name: str) -> None:
        from askshot.ui.composer.attachments import Load

        self._add(Load(name=name, data=bytes(data)))

    def add_image_pil(self, img: Image.Image, name: str) -> None:
        """Attach an image in memory (a screen capture); the panel keeps `img`: don't modify it."""
        from askshot.ui.composer.attachments import Load

        self._add(Load(name=name, pil=img))

    def _add(self, *jobs: Load) -> None:
        self._set_errors([])
        for job in jobs:
            self.queue.add(job)

    def remove_attachment(self, key: int) -> None:
        if self._queue is not None:
            self._queue.remove(key)
        if self._strip is not None:
            self._strip.remove(key)
        self._set_errors([])
        self.message_box.setFocus()
        self._update_estimate()
        self.attachmentsChanged.emit()

    def attachment_names(self) -> list[str]:
        return [] if self._queue is None else [item.name for item in self._queue.items]

    def shutdown(self) -> None:
        """Drop queued images and wait for the one being prepared (call before quitting)."""
        if self._queue is not None:
            self._queue.shutdown()

    # -- sending --------------------------------------------------------------------------------

    def send_again(self) -> None:
        """Ask to send what is in the composer, as Enter would (after waiting for the key)."""
        self._request_send()

    def _on_send_clicked(self) -> None:
        if self._busy:
            self.stopRequested.emit()
        else:
            self._request_send()

    def send_preset(self, prompt: str) -> None:
        """One-click preset: send `prompt` (followed by anything already typed) with the
        attached images, as if it had been typed and Enter pressed."""
        if self._busy:
            return
        typed = self.text().strip()
        self.set_text(f"{prompt}\n\n{typed}" if typed else prompt)
        self._request_send()

    def _request_send(self) -> None:
        if self._busy:
            return
        self.pickers.commit()
        if self.preparing:
            self._send_queued = True
            self._update_estimate()
            return
        self._emit_send()

    def _emit_send(self) -> None:
        text = self.text().strip()
        failed = [] if self._queue is None else self._queue.failed_for_model()
        if failed:
            self.show_error(
                self.tr("Remove {0} to send: it could not be prepared for {1}.").format(
                    ", ".join(failed), self.model()
                )
            )
            return
        pictures = self.images()
        if not text and not pictures:
            return
        self._set_errors([])
        self.sendRequested.emit(text, pictures)

    def _update_send_button(self) -> None:
        if self._icons:
            from askshot.ui.shell.icons import icon

            self.send_button.setIcon(icon("stop" if self._busy else "send"))
        if self._busy:
            self.send_button.setText(self.tr("Stop"))
            self.send_button.setAccessibleName(self.tr("Stop"))
            self.send_button.setToolTip(self.tr("Stop the answer (Esc)"))
        else:
            key = "Ctrl+Enter" if self.message_box.send_key == "ctrl+enter" else "Enter"
            self.send_button.setText(self.tr("Send"))
            self.send_button.setAccessibleName(self.tr("Send"))
            self.send_button.setToolTip(self.tr("Send ({0})").format(key))

    # -- model ----------------------------------------------------------------------------------

    def set_catalog(self, catalog: Catalog | None, provider_id: str, own_url: bool) -> None:
        """What the provider offers (core.catalog), for the picker and the retirement notice;
        `own_url` False for a gateway, where only its own list counts."""
        self._catalog, self._provider, self._own_url = catalog, provider_id, own_url
        self.pickers.set_catalog(catalog.models if catalog is not None else ())
        if catalog is not None:  # offline, the cached list stays: say how old it is
            from askshot.core.catalog import age_text

            self.model_box.setToolTip(
                self.tr(
                    "Model (type any model id your endpoint offers). {0} models listed by "
                    "the provider, {1}."
                ).format(len(catalog.models), age_text(catalog.age_s()))
            )
        self._update_lifecycle()
        self._update_flex()
        self._update_estimate()

    def set_provider(self, provider_id: str) -> None:
        """The provider changed in the settings: flex shows only where it is offered."""
        if provider_id != self._provider:
            self._provider = provider_id
            self._catalog = None
            self._update_lifecycle()
            self._update_flex()

    def flex(self) -> bool:
        """Ask at the flex tier: switched on, and offered by the provider."""
        from askshot.core import providers

        return self.flex_button.isChecked() and providers.offers_flex(self._provider)

    def set_budget(self, spend: Budget | None) -> None:
        """The month's spend against the monthly budget (None: no budget). Shown where the
        estimate goes while the message is empty; while typing, the estimate says when this
        question would pass the budget."""
        self._budget = spend
        self._update_estimate()

    def _budget_colour(self, over: bool) -> str:
        """Amber from 80 % of the budget, red past it (AA on the light and the dark palette)."""
        b = self._budget
        if b is None:
            return ""
        dark = self.palette().window().color().lightness() < 128
        red, amber = ("#ff7b72", "#e3b341") if dark else ("#c62828", "#b26a00")
        return red if over or b.spent >= b.limit else amber if b.spent >= 0.8 * b.limit else ""

    def mark_gone(self, model_id: str) -> None:
        """The server said the model is not there (404 model_not_found): offer the move."""
        self._gone.add(model_id)
        self._update_lifecycle()

    def _on_flex_toggled(self, on: bool) -> None:
        self._update_estimate()
        self.flexChanged.emit(on)

    def _update_flex(self) -> None:
        from askshot.core import providers

        self.flex_button.setVisible(providers.offers_flex(self._provider))

    def lifecycle_notice(self) -> str:
        """The notice as it reads (without its sign), or "" when none shows."""
        shown = self.lifecycle_row.isVisibleTo(self)
        return self.lifecycle_label.text().removeprefix("⚠ ") if shown else ""

    def _update_lifecycle(self) -> None:
        from datetime import date

        from askshot.core import catalog, providers

        life = catalog.lifecycle(self.model(), self._provider, self._catalog, own_url=self._own_url)
        if self.model() in self._gone:
            life = life._replace(listed=False)
        prov = providers.PROVIDERS.get(self._provider)
        notice = life.notice(date.today(), prov.name if prov else self._provider)
        self._successor = life.successor
        if notice is None:
            self.lifecycle_row.hide()
            return
        # The CLI's sentence names the command; here the button is the move.
        self.lifecycle_label.setText("⚠ " + notice.split(" Move to ")[0].split(" Pick another")[0])
        self.move_button.setVisible(life.successor is not None)
        if life.successor:
            self.move_button.setText(self.tr("Move to {0}").format(life.successor))
            self.move_button.setToolTip(
                self.tr("Use {0} from now on (the default model); past answers keep theirs").format(
                    life.successor
                )
            )
            self._fill_move_menu(life.successor)
        self.lifecycle_row.show()

    def _fill_move_menu(self, successor: str) -> None:
        """The other models to move to: the provider's, those that take images first."""
        from PySide6.QtWidgets import QMenu

        from askshot.core import catalog

        others = [] if self._catalog is None else catalog.replacements(self._catalog, self.model())
        choices = [m.id for m in others if m.id != successor][:MOVE_CHOICES]
        old = self.move_button.menu()
        menu = None
        if choices:
            menu = QMenu(self.move_button)
            for model_id in choices:
                action = menu.addAction(self.tr("Move to {0}").format(model_id))
                action.triggered.connect(lambda _=False, to=model_id: self.moveRequested.emit(to))
        self.move_button.setMenu(menu)  # type: ignore[arg-type]  # None: a plain button
        if old is not None:
            old.deleteLater()

    def _on_move_clicked(self) -> None:
        if self._successor:
            self.moveRequested.emit(self._successor)

    def _on_model_changed(self, model_id: str) -> None:
        self._update_lifecycle()
        self._set_errors([])
        self._update_estimate()
        if self._queue is not None:
            self._queue.set_model(model_id)
        self.modelChanged.emit(model_id)

    # -- typing ---------------------------------------------------------------------------------

    def _on_text_changed(self) -> None:
        self._fit_composer()
        self._update_estimate()

    def _fit_composer(self) -> None:
        """Grow with the text from MIN_LINES to MAX_LINES, then scroll."""
        lines = int(self.message_box.document().size().height())
        lines = min(MAX_LINES, max(MIN_LINES, lines))
        frame = 2 * self.message_box.frameWidth()
        margin = 2 * round(self.message_box.document().documentMargin())
        height = lines * self.message_box.fontMetrics().lineSpacing() + frame + margin
        if self.message_box.height() != height:
            self.message_box.setFixedHeight(height)

    def question_estimate(self) -> estimate.Estimate:
        """The input tokens and cost of the message as it stands, at the tier it would go."""
        model_id = self.model()
        items = [] if self._queue is None else self._queue.items
        return estimate.estimate_question(
            model_id,
            self.text().strip(),
            [
                item.prepared.tokens
                if item.prepared_for == model_id
                else estimate.image_tokens(*item.original_size, model_id)
                for item in items
            ],
            flex=self.flex(),
        )

    def _update_estimate(self) -> None:
        text = self.text().strip()
        waiting = self.preparing
        items = [] if self._queue is None else self._queue.items
        if not text and not items and not waiting:
            if self._budget is None:
                self.estimate_label.clear()
                self.estimate_label.setStyleSheet("")
            else:
                self.estimate_label.setText(self._budget.line())
                self.estimate_label.setToolTip(
                    self.tr("What answers cost this calendar month, against your budget")
                )
                colour = self._budget_colour(False)
                self.estimate_label.setStyleSheet(f"color: {colour};" if colour else "")
            return
        found = self.question_estimate()
        parts = [self.tr("≈ {0} input tokens").format(f"{found.tokens:,}")]
        parts.append(
            self.tr("cost unknown") if found.cost_usd is None else _dollars(found.cost_usd)
        )
        if self.flex():
            parts.append(self.tr("half price"))
        line = " · ".join(parts)
        if items:
            line += " " + self.tr("(images {0} tokens)").format(f"{found.image_tokens:,}")
        over = self._budget is not None and self._budget.passed_by(found.cost_usd) is not None
        if over:
            line += " · " + self.tr("past the monthly budget")
        colour = self._budget_colour(over) if over else ""
        self.estimate_label.setStyleSheet(f"color: {colour};" if colour else "")
        if self._send_queued:
            line += " · " + self.tr("sending when the images are ready…")
        elif waiting:
            line += " · " + self.tr("preparing images…")
        self.estimate_label.setText(line)
        self.estimate_label.setToolTip(line)

    # -- errors ---------------------------------------------------------------------------------

    def _set_errors(self, messages: list[str]) -> None:
        self._errors = list(messages)
        if self._errors:  # plain text: file names must never be read as markup
            self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setText("\n".join(self._errors))
        self.error_label.setVisible(bool(self._errors))

    def _add_error(self, message: str) -> None:
        self._send_queued = False  # let the user see what failed before anything is sent
        self._set_errors([*self._errors, message])

    # -- incoming images ------------------------------------------------------------------------

    def _on_incoming(self, incoming: object, dropped: bool) -> None:
        from askshot.ui.composer.attachments import Incoming, Load

        if not isinstance(incoming, Incoming):
            return
        if incoming.files:
            self.add_image_paths(list(incoming.files))
        elif incoming.data is not None:
            self.add_image_bytes(incoming.data, self._data_name(dropped))
        elif incoming.image is not None:
            self._add(Load(name=self._data_name(dropped), qimage=incoming.image))
        elif incoming.remote:
            self.show_error(
                self.tr(
                    "Askshot does not download images from the web. "
                    "Drag the image file itself, or copy the image and paste it."
                )
            )

    def _data_name(self, dropped: bool) -> str:
        return self.tr("Dropped image") if dropped else self.tr("Pasted image")

    def _pick_files(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from askshot.core import images

        patterns = " ".join(f"*{suffix} *{suffix.upper()}" for suffix in images.SUPPORTED_SUFFIXES)
        filters = self.tr("Images ({0})").format(patterns) + ";;" + self.tr("All files (*)")
        names, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Attach images"), self._last_dir, filters
        )
        if names:
            self._last_dir = str(Path(names[0]).parent)
            self.add_image_paths([Path(name) for name in names])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        from askshot.ui.composer.attachments import might_attach

        if might_attach(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        from askshot.ui.composer.attachments import might_attach

        if might_attach(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        from askshot.ui.composer.attachments import read_mime

        incoming = read_mime(event.mimeData())
        if incoming.attachable or incoming.remote:
            event.acceptProposedAction()
            self._on_incoming(incoming, True)

    # -- what the queue reports ----------------------------------------------------------------

    def _on_added(self, key: int, name: str, thumb: bytes, details: str) -> None:
        self.strip.add(key, name, thumb, details)
        self._update_estimate()
        self.attachmentsChanged.emit()

    def _on_refitted(self, key: int, details: str) -> None:
        if self._strip is not None:
            self._strip.set_details(key, details)
        self._update_estimate()

    def _on_failed(self, message: str) -> None:
        self._add_error(message)
        self._update_estimate()

    def _on_progress(self) -> None:
        self._update_estimate()
        if not self.preparing:
            self.attachmentsChanged.emit()

    def _on_idle(self) -> None:
        self._update_estimate()
        if self._send_queued and not self._busy:
            self._send_queued = False
            self._update_estimate()
            self._emit_send()

    def _show_preview(self, key: int) -> None:
        item = None if self._queue is None else self._queue.item(key)
        if item is None:
            return
        from askshot.ui.composer.attachments import ImagePreview

        caption = self.queue.details(item).replace("\n", " · ")
        self.preview = ImagePreview(item.name, item.prepared.part.data, caption, self)
        self.preview.finished.connect(self._forget_preview)
        self.preview.open()

    def _forget_preview(self) -> None:
        self.preview = None
