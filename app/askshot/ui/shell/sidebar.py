"""The conversation list: newest first with pinned on top, full-text search with highlighted
snippets, rename, pin, and delete with undo (the delete is carried out only when the undo bar
goes away, so undo never has to rebuild anything)."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from askshot.core.errors import HistoryError
from askshot.ui.shell import icons

if TYPE_CHECKING:
    from askshot.core.history import Conversation, Store

ID_ROLE = Qt.ItemDataRole.UserRole
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
UNDO_MS = 8000
PAGE = 60
_MARK = ("\x02", "\x03")


class Sidebar(QWidget):
    conversationActivated = Signal(int, int)  # conversation id, message id to show (0: none)
    newChatRequested = Signal()
    conversationDeleted = Signal(int)
    failed = Signal(str)  # a sentence for the user (e.g. the history file is locked)

    def __init__(self, store: Store | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._pending_delete: int | None = None
        self.current_id: int | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search (Ctrl+K)"))
        self.search.setAccessibleName(self.tr("Search conversations"))
        self.search.setClearButtonEnabled(True)
        magnifier = self.search.addAction(
            icons.icon("search"), QLineEdit.ActionPosition.LeadingPosition
        )
        magnifier.setText(self.tr("Search"))
        magnifier.triggered.connect(lambda: self.search.setFocus())
        for button in magnifier.associatedObjects():
            if isinstance(button, QWidget):
                button.setAccessibleName(self.tr("Search"))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self._activate_first)

        self.new_button = QPushButton(icons.icon("new"), self.tr("New chat"))
        self.new_button.setAccessibleName(self.tr("New chat"))
        self.new_button.setToolTip(self.tr("Start a new conversation (Ctrl+N)"))
        self.new_button.clicked.connect(self.newChatRequested)

        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Conversations"))
        # One line of title, one of date: every row the same height, so a long history lays
        # out in constant time; more rows load as the list is scrolled to its end.
        self.list.setUniformItemSizes(True)
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._limit = PAGE
        self.list.verticalScrollBar().valueChanged.connect(self._maybe_more)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)

        self.undo_label = QLabel()
        self.undo_button = QPushButton(self.tr("Undo"))
        self.undo_button.setAccessibleName(self.tr("Undo delete"))
        self.undo_button.clicked.connect(self.undo_delete)
        self.undo_bar = QWidget()
        bar = QHBoxLayout(self.undo_bar)
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.undo_label, 1)
        bar.addWidget(self.undo_button)
        self.undo_bar.hide()
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_MS)
        self._undo_timer.timeout.connect(self.commit_delete)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.undo_bar)

        for text, key, slot in (
            (self.tr("Rename"), Qt.Key.Key_F2, self.rename_selected),
            (self.tr("Delete"), Qt.Key.Key_Delete, self.delete_selected),
        ):
            action = QAction(text, self.list)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.list.addAction(action)

    def hideEvent(self, event: QHideEvent) -> None:
        self._debounce.stop()  # no search against a store that may be closing
        super().hideEvent(event)

    @property
    def store(self) -> Store:
        assert self._store is not None, "the sidebar has no history yet"
        return self._store

    def set_store(self, store: Store) -> None:
        self._store = store

    # -- contents ---------------------------------------------------------------------------

    def refresh(self) -> None:
        if self._store is None:
            return
        query = self.search.text().strip()
        try:
            if query:
                self._show_hits(query)
            else:
                self._show_conversations(self.store.list_conversations(limit=self._limit))
        except HistoryError as exc:
            self.failed.emit(exc.message)

    def _show_conversations(self, convs: list[Conversation]) -> None:
        self.list.clear()
        self.list.setUniformItemSizes(True)
        for c in convs:
            if c.id == self._pending_delete:
                continue
            pin = "📌 " if c.pinned else ""
            when = datetime.fromtimestamp(c.updated_at).strftime("%d %b %H:%M")
            item = QListWidgetItem(f"{pin}{c.title or self.tr('New chat')}\n{when}")
            item.setData(ID_ROLE, c.id)
            item.setData(MESSAGE_ROLE, 0)
            item.setToolTip(c.title)
            self.list.addItem(item)
            if c.id == self.current_id:
                item.setSelected(True)
                self.list.setCurrentItem(item)

    def _maybe_more(self, value: int) -> None:
        bar = self.list.verticalScrollBar()
        if self.search.text().strip() or value < bar.maximum() or bar.maximum() == 0:
            return
        if self.list.count() >= self._limit:
            self._limit += PAGE
            self.refresh()
            bar.setValue(value)

    def _show_hits(self, query: str) -> None:
        hits = self.store.search(query, limit=50, markers=_MARK)
        self.list.clear()
        self.list.setUniformItemSizes(False)
        for h in hits:
            if h.conversation_id == self._pending_delete:
                continue
            snippet = html.escape(h.snippet).replace(_MARK[0], "<b>").replace(_MARK[1], "</b>")
            title = html.escape(h.conversation_title or self.tr("New chat"))
            item = QListWidgetItem()
            item.setData(ID_ROLE, h.conversation_id)
            item.setData(MESSAGE_ROLE, h.message_id)
            item.setText(h.conversation_title)  # for keyboard search and screen readers
            label = QLabel(f"<div><b>{title}</b></div><div>{snippet}</div>")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            label.setContentsMargins(4, 3, 4, 3)
            item.setSizeHint(label.sizeHint())
            self.list.addItem(item)
            self.list.setItemWidget(item, label)
            item.setForeground(Qt.GlobalColor.transparent)
        if not hits:
            item = QListWidgetItem(self.tr("No matches"))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        cid = item.data(ID_ROLE)
        if cid is None:
            return
        self.current_id = int(cid)
        self.conversationActivated.emit(int(cid), int(item.data(MESSAGE_ROLE) or 0))

    def _activate_first(self) -> None:
        item = self.list.item(0)
        if item is not None:
            self._activated(item)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        cid = item.data(ID_ROLE) if item is not None else None
        return int(cid) if cid is not None else None

    # -- actions ----------------------------------------------------------------------------

    def _menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None or item.data(ID_ROLE) is None:
            return
        self.list.setCurrentItem(item)
        cid = int(item.data(ID_ROLE))
        try:
            pinned = self.store.conversation(cid).pinned
        except HistoryError as exc:
            self.failed.emit(exc.message)
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Rename…"), self.rename_selected)
        menu.addAction(self.tr("Unpin") if pinned else self.tr("Pin to top"), self.toggle_pin)
        menu.addAction(self.tr("Delete"), self.delete_selected)
        menu.popup(self.list.viewport().mapToGlobal(pos))

    def rename_selected(self, title: str | None = None) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        if not isinstance(title, str):
            current = self.store.conversation(cid).title
            title, ok = QInputDialog.getText(
                self, self.tr("Rename conversation"), self.tr("Title:"), text=current
            )
            if not ok:
                return
        self._guard(lambda: self.store.rename_conversation(cid, title.strip()))

    def toggle_pin(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        self._guard(
            lambda: self.store.pin_conversation(cid, not self.store.conversation(cid).pinned)
        )

    def delete_selected(self) -> None:
        cid = self.selected_id()
        if cid is None:
            return
        self.commit_delete()  # an earlier pending delete happens now
        try:
            title = self.store.conversation(cid).title
        except HistoryError as exc:
            self.failed.emit(exc.message)
            return
        self._pending_delete = cid
        self.undo_label.setText(self.tr("Deleted “{0}”.").format(title or self.tr("New chat")))
        self.undo_bar.show()
        self._undo_timer.start()
        self.refresh()
        self.conversationDeleted.emit(cid)

    def undo_delete(self) -> None:
        self._undo_timer.stop()
        self._pending_delete = None
        self.undo_bar.hide()
        self.refresh()

    def commit_delete(self) -> None:
        """Carry out the pending delete (the undo time ran out, or the app is closing)."""
        self._undo_timer.stop()
        cid, self._pending_delete = self._pending_delete, None
        self.undo_bar.hide()
        if cid is not None:
            self._guard(lambda: self.store.delete_conversation(cid), refresh=False)

    @property
    def pending_delete(self) -> int | None:
        return self._pending_delete

    def _guard(self, fn: Callable[[], object], refresh: bool = True) -> None:
        try:
            fn()
        except HistoryError as exc:
            self.failed.emit(exc.message)
        if refresh:
            self.refresh()
