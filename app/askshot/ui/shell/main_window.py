"""The main window: conversations on the left, the conversation and the composer on the right.

It wires widgets together and owns their lifetimes; the conversation logic is in the
ConversationController, the wait for the API key in the KeyGate. The window paints first; the
history, the conversation view, the controller and the list are built right after that first
paint (`_build`), or at once when something needs them earlier.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QSettings, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from askshot.core import providers
from askshot.core.errors import HistoryError
from askshot.ui.composer.panel import ComposerPanel
from askshot.ui.composer.presets import PresetBar
from askshot.ui.qt.activation import activation_token
from askshot.ui.qt.compat import drop_source_cache
from askshot.ui.shell.services import Services

# What the first paint does not need: imported for type checking here, loaded in `_build`.
if TYPE_CHECKING:
    import tempfile

    from PySide6.QtGui import QCloseEvent, QImage

    from askshot.core.history import Store
    from askshot.core.images import PreparedImage
    from askshot.core.llm.client import ChatClient
    from askshot.core.settings import Settings
    from askshot.core.types import Effort
    from askshot.ui.capture.controller import CaptureMode
    from askshot.ui.capture.flow import ScreenshotFlow
    from askshot.ui.conversation.controller import ConversationController
    from askshot.ui.conversation.view import ConversationView
    from askshot.ui.quick.popup import AnswerPopup
    from askshot.ui.settings.first_run import FirstRunPanel
    from askshot.ui.shell.catalog_watch import CatalogWatch
    from askshot.ui.shell.global_shortcut import GlobalShortcut
    from askshot.ui.shell.key_gate import KeyGate
    from askshot.ui.shell.sidebar import Sidebar

log = logging.getLogger("askshot.ui")


class MainWindow(QMainWindow):
    ready = Signal()  # after the first paint: history, conversation view and shortcuts are up
    hiddenToTray = Signal()  # closed while Askshot stays resident in the tray

    def __init__(
        self,
        services: Services,
        client: ChatClient | None = None,
        store: Store | None = None,
        *,
        dark: bool | None = None,
        shortcut: GlobalShortcut | None = None,
        screenshots: ScreenshotFlow | None = None,
        open_store: Callable[[], Store] | None = None,
    ) -> None:
        """`screenshots`: the resident app's capture flow, which it wires to this window (a
        window on its own makes one at the first screenshot). `open_store`: the app's history,
        which the window shares and does not close (a window on its own opens its own)."""
        super().__init__()
        self.shortcut = shortcut  # the global shortcut, for Settings (None outside the app)
        self._painted = False  # set by the first paint; heavier work waits for it
        self.is_ready = False  # set (and `ready` emitted) when that work is done
        self._closed = False
        self.services = services
        self._client = client
        self._owns_client = client is None
        self._owns_store = store is None and open_store is None
        self._store_fn = open_store
        self._dark = dark
        # Built by `_build` (after the first paint, or earlier when needed):
        self._store = store
        self._scratch: tempfile.TemporaryDirectory[str] | None = None  # see _open_store
        self._view: ConversationView | None = None
        self._chat: ConversationController | None = None
        self._sidebar: Sidebar | None = None
        self._key_gate: KeyGate | None = None
        self._catalog_watch: CatalogWatch | None = None
        self._shots: ScreenshotFlow | None = screenshots
        self.first_run: FirstRunPanel | None = None
        # Set by the resident app: whether closing hides to the tray (asked at each close)
        self.hide_on_close: Callable[[], bool] | None = None
        self.setWindowTitle("Askshot")
        self.resize(1040, 720)

        central = QWidget(self)
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 6)
        self.splitter = QSplitter(parent=central)  # horizontal; a keyword skips the enum overload
        outer.addWidget(self.splitter)

        # The conversation list (and SQLite behind it) replaces this slot after the first paint.
        self._sidebar_slot = QWidget(self.splitter)
        right = QWidget(self.splitter)
        self.splitter.addWidget(self._sidebar_slot)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 780])
        column = QVBoxLayout(right)
        column.setContentsMargins(6, 0, 0, 0)

        header = QWidget(right)
        column.addWidget(header)
        row = QHBoxLayout(header)
        row.setContentsMargins(0, 0, 0, 0)
        self.title_label = QLabel(self.tr("New chat"), header)
        self.title_label.setAccessibleName(self.tr("Conversation title"))
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.cost_label = QLabel(header)
        self.cost_label.setAccessibleName(self.tr("Conversation cost"))
        self.settings_button = QPushButton(self.tr("Settings"), header)
        self.settings_button.setAccessibleName(self.tr("Settings"))
        self.settings_button.setToolTip(self.tr("Settings (Ctrl+,)"))
        self.settings_button.clicked.connect(self.open_settings)
        self.shot_button = QPushButton(self.tr("Screenshot"), header)
        self.shot_button.setAccessibleName(self.tr("Take a screenshot"))
        self.shot_button.setToolTip(
            self.tr("Select part of the screen to ask about (Ctrl+Shift+A)")
        )
        self.shot_button.clicked.connect(lambda: self.take_screenshot())
        row.addWidget(self.title_label, 1)
        row.addWidget(self.cost_label)
        row.addWidget(self.shot_button)
        row.addWidget(self.settings_button)

        self.stack = QStackedWidget(right)
        column.addWidget(self.stack, 1)
        # The empty state is a plain label: the conversation view (and the Markdown and
        # highlighting libraries behind it) is built right after the first paint.
        self.placeholder = QLabel(self.stack)
        self.placeholder.setAccessibleName(self.tr("Conversation"))
        self.placeholder.setWordWrap(True)
        self.placeholder.setMargin(8)
        hint_font = self.placeholder.font()
        hint_font.setItalic(True)  # plain text: rich text would start Qt's HTML engine (~8 ms)
        self.placeholder.setFont(hint_font)
        self.placeholder.setText(self._hint())
        self.placeholder.setStyleSheet("color: #888")
        self.stack.addWidget(self.placeholder)

        self.edit_banner = QWidget(right)
        column.addWidget(self.edit_banner)
        banner = QHBoxLayout(self.edit_banner)
        banner.setContentsMargins(0, 0, 0, 0)
        banner.addWidget(
            QLabel(self.tr("Editing a question: sending makes a new version."), self.edit_banner),
            1,
        )
        cancel_edit = QPushButton(self.tr("Cancel edit"), self.edit_banner)
        cancel_edit.setAccessibleName(self.tr("Cancel edit"))
        cancel_edit.clicked.connect(self.cancel_edit)
        banner.addWidget(cancel_edit)
        self.edit_banner.hide()

        self.status = QLabel(right)
        self.status.setAccessibleName(self.tr("Status"))
        status_font = self.status.font()
        status_font.setBold(True)
        self.status.setFont(status_font)
        column.addWidget(self.status)
        self.presets = PresetBar(services.settings.prompt_presets, right)
        column.addWidget(self.presets)
        self.composer = ComposerPanel(services.settings, right)
        column.addWidget(self.composer)

        self.composer.sendRequested.connect(self.send)
        self.composer.stopRequested.connect(self.stop)
        self.presets.presetChosen.connect(self.composer.send_preset)
        self._restore_geometry()
        self.composer.focus_text()
        if store is not None:
            self._build()

    # -- what is built after the first paint ----------------------------------------------------

    @property
    def store(self) -> Store:
        self._build()
        assert self._store is not None
        return self._store

    @property
    def view(self) -> ConversationView:
        self._build()
        assert self._view is not None
        return self._view

    @property
    def chat(self) -> ConversationController:
        self._build()
        assert self._chat is not None
        return self._chat

    @property
    def sidebar(self) -> Sidebar:
        self._build()
        assert self._sidebar is not None
        return self._sidebar

    @property
    def key_gate(self) -> KeyGate:
        self._build()
        assert self._key_gate is not None
        return self._key_gate

    def _build(self) -> None:
        """The history, the conversation view and its controller, the conversation list and
        the key gate, once. Runs right after the first paint, so the window appears before
        SQLite, Markdown or the HTTP client are loaded, or earlier when something needs them."""
        if self._chat is not None:
            return
        from askshot.ui.conversation.controller import ConversationController
        from askshot.ui.conversation.view import ConversationView
        from askshot.ui.shell.key_gate import KeyGate
        from askshot.ui.shell.sidebar import Sidebar

        store = self._store if self._store is not None else self._open_store()
        self._store = store
        view = ConversationView(self.stack, dark=self._dark)
        self._view = view
        self.stack.insertWidget(0, view)
        if self.stack.currentWidget() is self.placeholder:
            self.stack.setCurrentWidget(view)
        self.placeholder.hide()
        view.add_notice(self._hint())

        gate = KeyGate(self.services, self)
        self._key_gate = gate
        gate.statusChanged.connect(self.status.setText)
        gate.missing.connect(self.show_first_run)
        gate.failed.connect(lambda text: view.add_notice(text, error=True))

        chat = ConversationController(
            self.services,
            store,
            self.client,
            view,
            key_gate=gate.when_ready,
            choice=self._choice,
            parent=self,
        )
        self._chat = chat
        chat.busyChanged.connect(self.composer.set_busy)
        chat.statusChanged.connect(self.status.setText)
        # Screen readers: "Thinking" once, politely; the finished answer once, whole.
        from askshot.ui.qt.a11y import Announcer

        announcer = Announcer(view)
        chat.statusChanged.connect(lambda text: announcer.status(text, self.tr("Thinking")))
        chat.busyChanged.connect(
            lambda busy: None if busy else announcer.finished(self._last_answer_text())
        )
        chat.costChanged.connect(self._show_cost)
        chat.conversationChanged.connect(self._on_conversation_changed)
        chat.needKey.connect(self.show_first_run)
        chat.fixRequested.connect(self.fix)
        chat.editRequested.connect(self._begin_edit)
        chat.modelMissing.connect(self.composer.mark_gone)
        chat.spendChanged.connect(self.update_budget)
        self.composer.flexChanged.connect(lambda on: self._remember(flex=on))

        side = Sidebar(store)
        self.splitter.replaceWidget(0, side)
        self._sidebar_slot.deleteLater()
        self._sidebar = side
        side.conversationActivated.connect(self.open_conversation)
        side.newChatRequested.connect(self.new_chat)
        side.conversationDeleted.connect(self._on_deleted)
        side.failed.connect(lambda text: view.add_notice(text, error=True))
        self._show_history()
        self._tab_order()
        drop_source_cache()  # what PySide's import hook read of the modules loaded just now

    def _tab_order(self) -> None:
        """Tab goes the way the eye does: the conversations (search, New chat, the list), the
        header (Screenshot, Settings), the conversation, the presets, then the composer."""
        if self._sidebar is None or self._view is None:
            return
        c = self.composer
        chain = [
            self._sidebar.search,
            self._sidebar.new_button,
            self._sidebar.list,
            self.shot_button,
            self.settings_button,
            self._view,
            *self.presets.buttons,
            c.message_box,
            c.attach_button,
            c.model_box,
            c.effort_box,
            c.flex_button,
            c.send_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _open_store(self) -> Store:
        if self._store_fn is not None:
            return self._store_fn()
        from askshot.ui.shell.history_store import open_store

        store, self._scratch = open_store(self.services.paths)
        return store

    def _show_history(self) -> None:
        """The conversation list, and what opening the history had to say."""
        assert self._sidebar is not None and self._view is not None and self._store is not None
        self._sidebar.refresh()
        if self.services.settings_warning:
            self._view.add_notice(self.services.settings_warning)
        try:
            recovered = self._store.recover_interrupted()
        except HistoryError as exc:
            self._view.add_notice(exc.message, error=True)
            recovered = 0
        if self._store.notice:
            self._view.add_notice(self._store.notice, error=True)
        if recovered:
            self._view.add_notice(
                self.tr(
                    "{0} answer(s) were cut off when Askshot last stopped; their text is kept."
                ).format(recovered)
            )

    def client(self) -> ChatClient:
        if self._client is None:
            from askshot.core.llm.client import ChatClient
            from askshot.core.llm.params import ParamMemory

            self._client = ChatClient(params=ParamMemory.in_cache(self.services.paths.cache))
        return self._client

    def _last_answer_text(self) -> str:
        replies = self._view.replies if self._view is not None else []
        return replies[-1].text if replies else ""

    def _choice(self) -> tuple[str, Effort | None]:
        return self.composer.model(), self.composer.effort()

    def _shortcuts(self) -> None:
        from PySide6.QtGui import QKeySequence, QShortcut

        for seq, slot in (
            ("Ctrl+N", self.new_chat),
            ("Ctrl+K", lambda: self.sidebar.focus_search()),
            ("Ctrl+L", self.composer.focus_text),
            ("Ctrl+,", self.open_settings),
            ("Ctrl+Shift+A", self.take_screenshot),
            ("Esc", self._escape),
        ):
            QShortcut(QKeySequence(seq), self, slot)

    def event(self, e: QEvent) -> bool:
        if not self._painted and e.type() == QEvent.Type.Paint:
            self._painted = True
            QTimer.singleShot(0, self._after_first_paint)
        return super().event(e)

    def _after_first_paint(self) -> None:
        """Work that must not delay the first paint: shortcuts, icons, the history and the
        conversation view, then the look for the API key."""
        if self._closed or self.is_ready:
            return
        self._shortcuts()
        self._set_icons()
        self.composer.after_first_paint()
        self._build()
        self.is_ready = True
        self.ready.emit()
        self.key_gate.start_check()
        self._watch_catalog()

    def _watch_catalog(self) -> None:
        """The provider's model list for the picker and the retirement notice (after the first
        paint; its refresh runs in the background)."""
        from askshot.ui.shell.catalog_watch import CatalogWatch

        watch = CatalogWatch(self.services, self)
        self._catalog_watch = watch
        watch.changed.connect(self.composer.set_catalog)
        self.composer.moveRequested.connect(self.move_to_model)
        watch.start()
        self.update_budget()

    def move_to_model(self, model_id: str) -> None:
        """The one-step move off a retiring model: the default model (which the quick ask and
        the popup use too) changes and is saved; the conversation continues with it; past
        answers keep the model and price they had."""
        from askshot.core.settings import with_recent

        recent = with_recent(self.services.settings.recent_models, model_id)
        if self._remember(model=model_id, recent_models=recent):
            self.apply_settings(self.services.settings)
            self.status.setText(self.tr("Now using {0}.").format(model_id))

    def _remember(self, **changes: Any) -> bool:
        """Change these settings now and save them; False (said in the status line, the change
        kept for this session) when they cannot be saved."""
        import dataclasses

        from askshot.core.errors import SetupError
        from askshot.core.settings import save

        new = dataclasses.replace(self.services.settings, **changes)
        if new == self.services.settings:
            return True
        self.services.settings = new
        try:
            save(new, self.services.paths)
        except SetupError as exc:
            self.status.setText(exc.message)
            return False
        return True

    def update_budget(self) -> None:
        """The month's spend against the monthly budget, beside the estimate (none: hidden)."""
        from askshot.core import budget

        limit = self.services.settings.monthly_budget_usd
        if limit is None or self._store is None:
            self.composer.set_budget(None)
            return
        try:
            spent = self._store.spent_since(budget.month_start())
        except HistoryError:
            return
        self.composer.set_budget(budget.Budget(limit, spent))

    def _set_icons(self) -> None:
        from askshot.ui.shell import icons

        self.setWindowIcon(icons.app_icon())
        self.settings_button.setIcon(icons.icon("settings"))
        self.shot_button.setIcon(icons.icon("screenshot"))

    # -- actions --------------------------------------------------------------------------------

    def send(self, text: str, images: list[PreparedImage]) -> None:
        if not self.key_gate.when_ready(self.composer.send_again):
            return
        if self.chat.send(text, images, self.composer.model(), self.composer.effort()):
            self.composer.clear()
            self.edit_banner.hide()
            self._remember(recent_models=self.composer.pickers.recent())

    def take_screenshot(self, mode: CaptureMode = "region") -> None:
        """Capture → select a region → mark it up → the image lands in the composer, the focus
        in the text box, ready for a question."""
        if self._shots is None:
            from askshot.ui.capture.flow import ScreenshotFlow

            self._shots = ScreenshotFlow(self, portal=self.services.portal)
            self._shots.imageReady.connect(self.add_screenshot)
            self._shots.failed.connect(self.show_capture_error)
        self._shots.start(mode)

    @property
    def capturing(self) -> bool:
        """A capture (the frozen screen, the markup) is open."""
        return self._shots is not None and self._shots.active

    def show_capture_error(self, sentence: str) -> None:
        self.bring_forward()
        self.composer.show_error(sentence)

    def add_screenshot(self, image: QImage) -> None:
        from askshot.ui.composer.attachments import qimage_to_pil

        self.composer.add_image_pil(qimage_to_pil(image, "Screenshot"), "Screenshot")
        self.bring_forward()
        self.composer.focus_text()

    def bring_forward(self, token: str = "") -> None:
        """Show the window (also when it was hidden to the tray) and give it the focus, with the
        activation token a launcher or the global shortcut passed on, where there is one."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        with activation_token(token):
            self.raise_()
            self.activateWindow()

    def new_chat(self) -> None:
        self.chat.new_chat()
        self.cancel_edit()
        self.title_label.setText(self.tr("New chat"))
        self.sidebar.current_id = None
        self.sidebar.list.clearSelection()
        self.view.add_notice(self._hint())
        self.composer.focus_text()

    def _hint(self) -> str:
        return self.tr(
            "Ask anything. Attach images with the Attach button, by pasting, or by dropping "
            "files on the message box."
        )

    def stop(self) -> None:
        if self._chat is not None:
            self._chat.stop()

    def continue_from(self, popup: AnswerPopup, token: str = "") -> None:
        """The answer popup's "Open in Askshot": its conversation, and the answer still being
        written, go on here."""
        self.cancel_edit()
        popup.hand_over(self.chat)
        self._update_title()
        self.bring_forward(token)
        self.composer.focus_text()

    def open_conversation(self, conversation_id: int, message_id: int = 0) -> None:
        self.cancel_edit()
        self.chat.open(conversation_id, message_id)
        self._update_title()
        self.composer.focus_text()

    def _update_title(self) -> None:
        cid = self.chat.conversation_id
        title = self.tr("New chat")
        if cid is not None:
            with contextlib.suppress(HistoryError):
                title = self.store.conversation(cid).title or title
        self.title_label.setText(title)

    def _on_conversation_changed(self, conversation_id: int) -> None:
        self.sidebar.current_id = conversation_id
        self.sidebar.refresh()
        self._update_title()

    def _on_deleted(self, conversation_id: int) -> None:
        if self.chat.conversation_id == conversation_id:
            self.new_chat()

    def _show_cost(self, dollars: float) -> None:
        self.cost_label.setText(self.tr("This conversation: ${0}").format(f"{dollars:.4f}"))

    def _escape(self) -> None:
        if self._chat is None:
            return
        if self._chat.busy:
            self._chat.stop()
        elif self._chat.edit_parent is not None:
            self.cancel_edit()

    def _begin_edit(self, text: str) -> None:
        self.composer.set_text(text)
        self.edit_banner.show()
        self.composer.focus_text()

    def cancel_edit(self) -> None:
        if self._chat is None:
            return
        if self._chat.edit_parent is not None:
            self.composer.set_text("")
        self._chat.cancel_edit()
        self.edit_banner.hide()

    def fix(self, action: str) -> None:
        if action == "settings":
            self.open_settings()
        elif action == "pick-model":
            self.composer.model_box.setFocus()
            self.composer.model_box.showPopup()
        elif action == "billing":
            prov = providers.PROVIDERS.get(self.services.settings.provider)
            if prov is not None and prov.billing_url:
                from PySide6.QtCore import QUrl
                from PySide6.QtGui import QDesktopServices

                QDesktopServices.openUrl(QUrl(prov.billing_url))

    def open_settings(self) -> None:
        from askshot.ui.settings.dialog import SettingsDialog

        dialog = SettingsDialog(self.services, self.client, self, shortcut=self.shortcut)
        dialog.settingsChanged.connect(self.apply_settings)
        dialog.modelsFound.connect(self.composer.set_models)
        dialog.exec()
        dialog.deleteLater()

    def apply_settings(self, settings: Settings) -> None:
        from PySide6.QtWidgets import QApplication

        from askshot.ui.shell.theme import apply_theme

        self.services.settings = settings
        self.composer.set_send_key(settings.send_key)
        self.composer.set_provider(settings.provider)
        self.composer.set_model(settings.model)
        self.composer.flex_button.setChecked(settings.flex)
        self.update_budget()
        if self._catalog_watch is not None:
            self._catalog_watch.start()  # the endpoint may have changed
        self.presets.set_presets(settings.prompt_presets)
        self._tab_order()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self._dark = apply_theme(app, settings.theme)  # None: the system's, followed
            if self._view is not None:
                self._view.set_dark(self._dark)
        if self.first_run is not None and self.stack.currentWidget() is self.first_run:
            self._first_run_done()

    def show_first_run(self, _sentence: str = "") -> None:
        from askshot.ui.settings.first_run import FirstRunPanel

        if self.first_run is None:
            self.first_run = FirstRunPanel(self.services, self.client, self.stack)
            self.first_run.completed.connect(self._first_run_done)
            self.first_run.modelsFound.connect(self.composer.set_models)
            self.stack.addWidget(self.first_run)
        self.stack.setCurrentWidget(self.first_run)
        self.composer.setEnabled(False)

    def _first_run_done(self) -> None:
        self.stack.setCurrentWidget(self.view)
        self.placeholder.hide()
        self.composer.setEnabled(True)
        if self.first_run is not None and self.first_run.outcome:
            self.view.add_notice(self.first_run.outcome)
        self.composer.focus_text()

    # -- geometry and closing -------------------------------------------------------------------

    def _window_settings(self) -> QSettings:
        path = self.services.paths.ensure(self.services.paths.config) / "window.ini"
        return QSettings(str(path), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        try:
            qs = self._window_settings()
        except OSError:
            return
        geometry = qs.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = qs.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)

    def _save_geometry(self) -> None:
        try:
            qs = self._window_settings()
        except OSError:
            return
        qs.setValue("geometry", self.saveGeometry())
        qs.setValue("splitter", self.splitter.saveState())
        qs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_on_close is not None and self.hide_on_close():
            # Askshot stays in the tray: the window only hides (and says so, once)
            event.ignore()
            self._save_geometry()
            self.hide()
            self.hiddenToTray.emit()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop what runs and close what is open, keeping every word: an answer being written
        is saved as stopped. Called when the window closes for good, or when Askshot quits."""
        if self._closed:
            return
        self._closed = True
        if self._key_gate is not None:
            self._key_gate.close()  # an unanswered unlock prompt must not hold us
        if self._chat is not None:
            self._chat.stop_and_wait()
        if self._sidebar is not None:
            self._sidebar.commit_delete()
        self.composer.shutdown()
        self._save_geometry()
        if self._owns_store and self._store is not None:
            self._store.close()
        if self._scratch is not None:
            self._scratch.cleanup()
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None
