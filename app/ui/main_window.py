"""The main window: conversations on the left, the conversation and the composer on the right.

It wires widgets together and owns their lifetimes; the conversation logic is in ChatController.
Heavy work (the keyring, the HTTP client) waits until after the first paint.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

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

from app.core import errors, providers
from app.core.errors import HistoryError
from app.ui.composer_panel import ComposerPanel
from app.ui.presets import PresetBar
from app.ui.services import Services

if TYPE_CHECKING:
    import tempfile

    from PySide6.QtGui import QCloseEvent, QImage

    from app.core.client import ChatClient
    from app.core.providers import Effort
    from app.core.settings import Settings
    from app.core.store import Store
    from app.ui.chat import ChatController
    from app.ui.conversation_view import ConversationView
    from app.ui.first_run import FirstRunPanel
    from app.ui.screenshot_flow import ScreenshotFlow
    from app.ui.sidebar import Sidebar
    from app.ui.worker import BackgroundCall

log = logging.getLogger("askshot.ui")


class MainWindow(QMainWindow):
    ready = Signal()  # after the first paint: history, conversation view and shortcuts are up

    def __init__(
        self,
        services: Services,
        client: ChatClient | None = None,
        store: Store | None = None,
        *,
        dark: bool | None = None,
    ) -> None:
        super().__init__()
        self._painted = False  # set by the first paint; heavier work waits for it
        self.is_ready = False  # set (and `ready` emitted) when that work is done
        self.key_check: BackgroundCall | None = None  # the key is looked for after that
        self._key_waiters: list[Callable[[], None]] = []  # what waits for that key
        self._scratch: tempfile.TemporaryDirectory[str] | None = None  # see `store`
        self._closed = False
        self._shots: ScreenshotFlow | None = None
        self.services = services
        self._client = client
        self._owns_client = client is None
        self._owns_store = store is None
        self._store = store  # opened after the first paint (or on first use) when not given
        self.first_run: FirstRunPanel | None = None
        self.setWindowTitle("Askshot")
        self.resize(1040, 720)

        central = QWidget(self)
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 6)
        self.splitter = QSplitter(
            parent=central
        )  # horizontal; a keyword skips the Qt-enum overload
        outer.addWidget(self.splitter)

        # The conversation list (and SQLite behind it) is built right after the first paint.
        self._sidebar: Sidebar | None = None
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
        self._dark = dark
        self._view: ConversationView | None = None
        self._chat: ChatController | None = None
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

        self._connect()
        self._restore_geometry()
        self.composer.focus_text()
        self._opened = False
        if store is not None:
            self._open_history()

    def _open_history(self) -> None:
        """The history file, the conversation list and what start-up has to say about them.
        Runs right after the first paint, so the window appears before SQLite is touched."""
        if self._opened:
            return
        self._opened = True
        self.sidebar.refresh()
        if self.services.settings_warning:
            self.view.add_notice(self.services.settings_warning)
        recovered = self._recover()
        if self.store.notice:
            self.view.add_notice(self.store.notice, error=True)
        if recovered:
            self.view.add_notice(
                self.tr(
                    "{0} answer(s) were cut off when Askshot last stopped; their text is kept."
                ).format(recovered)
            )

    @property
    def store(self) -> Store:
        if self._store is None:
            from app.core.store import Store

            try:
                self._store = Store.open(self.services.paths)
            except HistoryError as exc:
                # The file is left as it is (newer, unreadable, locked…): this window keeps its
                # conversations in a temporary history and says so.
                import tempfile

                self._scratch = tempfile.TemporaryDirectory(prefix="askshot-unsaved-")
                self._store = Store(Path(self._scratch.name) / "history.sqlite3")
                self._store.notice = self.tr(
                    "{0} Conversations in this window will not be kept."
                ).format(exc.message)
        return self._store

    # -- set-up -------------------------------------------------------------------------------

    def client(self) -> ChatClient:
        if self._client is None:
            from app.core.client import ChatClient

            self._client = ChatClient()
        return self._client

    def _recover(self) -> int:
        try:
            return self.store.recover_interrupted()
        except HistoryError as exc:
            self.view.add_notice(exc.message, error=True)
            return 0

    @property
    def view(self) -> ConversationView:
        if self._view is None:
            self._build_conversation()
            assert self._view is not None
        return self._view

    @property
    def chat(self) -> ChatController:
        if self._chat is None:
            self._build_conversation()
            assert self._chat is not None
        return self._chat

    def _build_conversation(self) -> None:
        from app.ui.chat import ChatController
        from app.ui.conversation_view import ConversationView

        view = ConversationView(self.stack, dark=self._dark)
        self._view = view
        self.stack.insertWidget(0, view)
        if self.stack.currentWidget() is self.placeholder:
            self.stack.setCurrentWidget(view)
        self.placeholder.hide()
        view.add_notice(self._hint())
        c = ChatController(self.services, self.store, self.client, view, self)
        self._chat = c
        c.key_gate = self.when_key_ready
        c.choice = lambda: (
            self.composer.model(),
            cast("Effort | None", self.composer.effort()),
        )
        c.busyChanged.connect(self.composer.set_busy)
        c.statusChanged.connect(self.status.setText)
        c.costChanged.connect(self._show_cost)
        c.conversationChanged.connect(self._on_conversation_changed)
        c.needKey.connect(self.show_first_run)
        c.fixRequested.connect(self._fix)
        c.editRequested.connect(self._begin_edit)

    @property
    def sidebar(self) -> Sidebar:
        if self._sidebar is None:
            from app.ui.sidebar import Sidebar

            side = Sidebar(self.store)
            self.splitter.replaceWidget(0, side)
            self._sidebar_slot.deleteLater()
            self._sidebar = side
            side.conversationActivated.connect(self.open_conversation)
            side.newChatRequested.connect(self.new_chat)
            side.conversationDeleted.connect(self._on_deleted)
            side.failed.connect(lambda text: self.view.add_notice(text, error=True))
        return self._sidebar

    def _connect(self) -> None:
        comp = self.composer
        comp.sendRequested.connect(self.send)
        comp.stopRequested.connect(self.stop)
        self.presets.presetChosen.connect(comp.send_preset)

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
        """Work that must not delay the first paint: the history, the conversation view, the
        key check."""
        if self._closed or self.is_ready:
            return
        from app.ui.pyside_fix import protect_singletons

        protect_singletons()
        self._shortcuts()
        self._set_icons()
        self.composer.after_first_paint()
        if self._view is None:
            self._build_conversation()
        self._open_history()
        self.is_ready = True
        self.ready.emit()
        self._start_key_check()

    # -- the API key ----------------------------------------------------------------------------

    def _start_key_check(self) -> None:
        """Is there a key? Reading it from the keyring takes a child process (and maybe an
        unlock prompt): off the GUI thread, never twice at once."""
        if self._closed or (self.key_check is not None and self.key_check.running):
            return
        from app.ui.worker import run_in_background

        self.key_check = run_in_background(
            self.services.endpoint, self._key_found, self._key_failed, daemon=True
        )

    def when_key_ready(self, action: Callable[[], None]) -> bool:
        """True when the API key is at hand: go on now. Otherwise it is read off the GUI thread
        and `action` runs once it is there (nothing runs when there is none: the first-run panel
        or the keyring's sentence says why); returns False. Typed text stays where it is."""
        if self.services.endpoint_ready():
            return True
        self._key_waiters.append(action)
        self.status.setText(self.tr("Reading the API key from the keyring…"))
        self._start_key_check()
        return False

    def _key_found(self, _endpoint: object) -> None:
        waiters, self._key_waiters = self._key_waiters, []
        if self._closed:
            return
        if waiters:
            self.status.setText("")
        for action in waiters:
            action()

    def _key_failed(self, exc: errors.AskshotError) -> None:
        from app.core.key_process import ReadCancelled
        from app.core.target import MissingKey

        waiting, self._key_waiters = bool(self._key_waiters), []
        if self._closed or isinstance(exc, ReadCancelled):
            return
        if waiting:
            self.status.setText("")
        if isinstance(exc, MissingKey):
            self.services.forget_read_keys()  # the next question looks again
            if self._has_key_now():  # saved meanwhile (first run, Settings)
                return
            self.show_first_run(exc.message)
        else:
            self.view.add_notice(exc.message, error=True)

    def _set_icons(self) -> None:
        from app.ui import icons

        self.setWindowIcon(icons.app_icon())
        self.settings_button.setIcon(icons.icon("settings"))
        self.shot_button.setIcon(icons.icon("screenshot"))

    def _has_key_now(self) -> bool:
        """Whether a key can be had without waiting on the keyring (the check's answer may be
        older than a key saved in Settings or the first-run panel)."""
        if not self.services.endpoint_ready():
            return False
        try:
            self.services.endpoint()
        except errors.AskshotError:
            return False
        return True

    # -- actions --------------------------------------------------------------------------------

    def send(self, text: str, images: list) -> None:  # type: ignore[type-arg]
        if not self.when_key_ready(self.composer.send_again):
            return
        model = self.composer.model()
        effort = cast("Effort | None", self.composer.effort())
        if self.chat.send(text, images, model, effort):
            self.composer.clear()
            self.edit_banner.hide()

    def take_screenshot(self, mode: str = "region") -> None:
        """Capture → select a region → mark it up → the image lands in the composer, the focus
        in the text box, ready for a question."""
        if self._shots is None:
            from app.ui.screenshot_flow import ScreenshotFlow

            self._shots = ScreenshotFlow(self, self._own_windows)
            self._shots.imageReady.connect(self._add_screenshot)
            self._shots.failed.connect(lambda text: self.composer.show_error(text))
        self._shots.start(mode)  # type: ignore[arg-type]

    def _own_windows(self) -> list[QWidget]:
        from PySide6.QtWidgets import QApplication

        return [w for w in QApplication.topLevelWidgets() if w.isVisible()]

    def _add_screenshot(self, image: QImage) -> None:
        from app.ui.attachments import qimage_to_pil

        self.composer.add_image_pil(qimage_to_pil(image, "Screenshot"), "Screenshot")
        self.raise_()
        self.activateWindow()
        self.composer.focus_text()

    def new_chat(self) -> None:
        self.chat.new_chat()
        self.cancel_edit()
        self.title_label.setText(self.tr("New chat"))
        self.sidebar.current_id = None
        self.sidebar.list.clearSelection()
        self._show_empty_hint()
        self.composer.focus_text()

    def _hint(self) -> str:
        return self.tr(
            "Ask anything. Attach images with the Attach button, by pasting, or by dropping "
            "files on the message box."
        )

    def _show_empty_hint(self) -> None:
        self.view.add_notice(self._hint())

    def stop(self) -> None:
        if self._chat is not None:
            self._chat.stop()

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

    def _fix(self, action: str) -> None:
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
        from app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.services, self.client(), self)
        dialog.settingsChanged.connect(self.apply_settings)
        dialog.exec()
        dialog.deleteLater()

    def apply_settings(self, settings: Settings) -> None:
        from PySide6.QtWidgets import QApplication

        from app.ui.theme import apply_theme

        self.services.settings = settings
        self.composer.set_send_key(settings.send_key)
        self.composer.set_model(settings.model)
        self.presets.set_presets(settings.prompt_presets)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self._dark = apply_theme(app, settings.theme)  # None: the system's, followed
            if self._view is not None:
                self._view.set_dark(self._dark)
        if self.first_run is not None and self.stack.currentWidget() is self.first_run:
            self._first_run_done()

    def show_first_run(self, _sentence: str = "") -> None:
        from app.ui.first_run import FirstRunPanel

        if self.first_run is None:
            self.first_run = FirstRunPanel(self.services, self.client(), self.stack)
            self.first_run.completed.connect(self._first_run_done)
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
        self._closed = True
        if self.key_check is not None and self.key_check.running:
            self.services.cancel_key_reads()  # an unanswered unlock prompt must not hold us
            self.key_check.join(2.0)
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
        super().closeEvent(event)
