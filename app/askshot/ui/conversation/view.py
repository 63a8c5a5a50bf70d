"""The conversation: user messages, rendered replies, and under each message its facts and
actions in the one scrolling view.

A message's actions (copy, regenerate, edit, delete) are small icons, links in the document:
shown under the newest message, and under any other while the pointer is over it or the
keyboard is on one of them (Tab goes through them as through any link, Enter does it; each is
named by its tooltip and alt text, and said to a screen reader as it gets the focus). Hidden,
an icon keeps its place, so nothing moves as they come and go. Versions (‹ 2 of 3 ›), Retry,
Continue and an error's fix stay words, always shown.

Actions are `askshot:<action>/<message id>[/<arg>]` links; clicking one emits `actionRequested`.
Replies are `ReplyRenderer`s (incremental Markdown); everything else is small HTML blocks.
Nothing here touches the store or the network: the chat controller feeds it.
"""

from __future__ import annotations

import base64
import html
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QPoint, QUrl, Signal
from PySide6.QtGui import QCursor, QHelpEvent, QMouseEvent, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import QToolTip, QWidget

from askshot.core.history import StoredMessage
from askshot.ui.conversation import icons
from askshot.ui.conversation import markdown as md
from askshot.ui.conversation.renderer import ReplyRenderer
from askshot.ui.conversation.transcript import TranscriptView, image_near

ACTION_SCHEME = "askshot"

# Errors come with the action that fixes them (kind -> (action, label)).
FIXES = {
    "auth": ("settings", "Open settings"),
    "key": ("settings", "Open settings"),
    "model_not_found": ("pick-model", "Pick another model"),
    "quota": ("billing", "Open billing"),
    "flex_unavailable": ("standard", "Send at the normal price"),
}


SHOWN_AT_FIRST = 80  # messages rendered when a conversation opens; the rest on request


def action_href(action: str, message_id: int, arg: str = "") -> str:
    return f"{ACTION_SCHEME}:{action}/{message_id}" + (f"/{arg}" if arg else "")


def _link(action: str, message_id: int, label: str, arg: str = "") -> str:
    href = action_href(action, message_id, arg)
    return f'<a href="{href}" style="text-decoration:none">{html.escape(label)}</a>'


def _icon(action: str, message_id: int, label: str, colour: str) -> str:
    """An action as a small icon link, named by its tooltip and alt text."""
    href = action_href(action, message_id)
    name = html.escape(label, quote=True)
    src = icons.icon_url(action, colour)
    return (
        f'<a href="{href}" style="text-decoration:none"><img src="{src}" alt="{name}" '
        f'title="{name}" width="{icons.SIZE}" height="{icons.SIZE}"></a>'
    )


def usage_line(m: StoredMessage, tr: Callable[[str], str]) -> str:
    """'o4-mini · medium · 1,234 in · 567 out (500 reasoning) · $0.0031 · first text 4.2 s'."""
    parts = [p for p in (m.model, m.effort) if p]
    if m.usage is not None:
        u = m.usage
        parts.append(tr("{0} in").format(f"{u.prompt_tokens:,}"))
        out = tr("{0} out").format(f"{u.completion_tokens:,}")
        if u.reasoning_tokens:
            out += tr(" ({0} reasoning)").format(f"{u.reasoning_tokens:,}")
        parts.append(out)
    if m.cost_usd is not None:
        parts.append(f"${m.cost_usd:.4f}")
    if m.ttft_ms is not None:
        parts.append(tr("first text {0} s").format(f"{m.ttft_ms / 1000:.1f}"))
    return " · ".join(parts)


class ConversationView(TranscriptView):
    actionRequested = Signal(str, int, str)  # action, message id, argument

    def __init__(self, parent: QWidget | None = None, *, dark: bool | None = None) -> None:
        super().__init__(parent, dark=dark)
        self.anchorClicked.connect(self._on_action)
        self._all: list[StoredMessage] = []
        self.thumbnail: Callable[[str], tuple[bytes, str] | None] = lambda sha: None
        # Each message's row of action icons, in document order (a cursor at the row's block
        # keeps its place as the document changes); which rows show, and the icon pointed at.
        self._rows: list[QTextCursor] = []
        self._hover_row: int | None = None
        self._focus_row: int | None = None
        self._hot = ""  # the href of the icon under the pointer: drawn in the link colour
        self._visible: set[int] = set()  # rows drawn shown
        self._opening = False  # showing a whole branch: rows are drawn hidden, shown at the end
        self.highlighted.connect(self._on_highlighted)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled_under_pointer)

    @property
    def _colours(self) -> md.Theme:
        """The colours for the light or dark scheme (high contrast uses the dark one, checked
        against black in the tests: WCAG AA)."""
        return md.theme(self.dark)

    # -- the action icons: shown under the newest message, and where the pointer or focus is --

    def clear(self) -> None:
        super().clear()
        self._rows.clear()
        self._visible.clear()
        self._hover_row = self._focus_row = None
        self._hot = ""

    @property
    def _icon_colour(self) -> str:
        """How a new row's icons are drawn: shown, or hidden while a branch opens."""
        return icons.HIDDEN if self._opening else self._colours.muted

    def _actions_html(self, actions: Sequence[str], before: str = "") -> str:
        """A message's action row: `before` (its facts) over the icons and words."""
        line = "&nbsp;&nbsp;".join(actions)
        if before:
            line = f"{html.escape(before)}<br>{line}"
        return line

    def _add_row(self) -> None:
        """Remember the action row just appended (the last block holding an icon)."""
        block = self.document().lastBlock()
        for _ in range(4):
            if not block.isValid():
                return
            if any(True for _ in _icon_fragments(block)):
                self._rows.append(QTextCursor(block))
                if not self._opening:
                    self._visible.add(len(self._rows) - 1)  # (added in the shown look)
                    self._show_rows()
                return
            block = block.previous()

    def _row_at(self, position: int) -> int | None:
        """The row of the message this document position belongs to: the row it is in, else
        the first after it (a message's actions end it). None after the last row (an answer
        being written)."""
        n = bisect_right(self._rows, position, key=lambda c: c.position()) - 1
        if n >= 0:
            block = self._rows[n].block()
            if position < block.position() + block.length():
                return n
        return n + 1 if n + 1 < len(self._rows) else None

    def _show_rows(self, *, every: bool = False) -> None:
        """Draw each row's icons as they should be now: shown for the newest message, the one
        under the pointer and the one the keyboard is in; hidden (keeping their place) else.
        Only rows whose look changes are touched (`every`: all, for new colours)."""
        last = len(self._rows) - 1
        shown = {n for n in (last, self._hover_row, self._focus_row) if n is not None and n >= 0}
        todo = range(len(self._rows)) if every else sorted(self._visible | shown)
        c = self._colours
        cursor: QTextCursor | None = None
        for n in todo:
            if n > last:
                continue
            for frag, (name, colour) in _icon_fragments(self._rows[n].block()):
                href = frag.charFormat().anchorHref()
                want = (
                    icons.HIDDEN if n not in shown else (c.link if href == self._hot else c.muted)
                )
                if want == colour:
                    continue
                if cursor is None:
                    cursor = QTextCursor(self.document())
                    cursor.beginEditBlock()
                fmt = frag.charFormat().toImageFormat()
                fmt.setName(icons.icon_url(name, want))
                cursor.setPosition(frag.position())
                cursor.setPosition(frag.position() + frag.length(), _KEEP)
                cursor.setCharFormat(fmt)
        if cursor is not None:
            cursor.endEditBlock()
        self._visible = shown

    def _switch(self, dark: bool) -> None:
        super()._switch(dark)
        self._show_rows(every=True)

    def _set_hover(self, row: int | None) -> None:
        if row != self._hover_row:
            self._hover_row = row
            self._show_rows()

    def _hover_at(self, pos: QPoint) -> None:
        """The pointer is at `pos` in the viewport: show the row of the message under it."""
        if self._rows:
            self._set_hover(self._row_at(self.cursorForPosition(pos).position()))

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        super().mouseMoveEvent(e)
        self._hover_at(e.position().toPoint())

    def _on_scrolled_under_pointer(self) -> None:
        """The text moved under a pointer that did not (a wheel, an answer being followed):
        the row under it now is the one to show."""
        port = self.viewport()
        if port.underMouse():
            self._hover_at(port.mapFromGlobal(QCursor.pos()))

    def _set_focus_row(self, row: int | None) -> None:
        if row != self._focus_row:
            self._focus_row = row
            self._show_rows()

    def mousePressEvent(self, e: QMouseEvent) -> None:
        self._set_focus_row(None)  # a click moves the focus off the icon Tab reached
        super().mousePressEvent(e)

    def _on_highlighted(self, url: QUrl) -> None:
        href = url.toString() if url.scheme() == ACTION_SCHEME else ""
        if href != self._hot:
            self._hot = href
            self._show_rows()

    def viewportEvent(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.Leave:
            self._hot = ""  # (Qt says nothing more of the icon it left by leaving the view)
            self._set_hover(None)
        elif e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            name = self._icon_name_at(self.cursorForPosition(e.pos()))
            if name:
                QToolTip.showText(e.globalPos(), name, self)
                return True
        return super().viewportEvent(e)

    def _icon_name_at(self, cursor: QTextCursor) -> str:
        """The name of the action icon at (or just after) this cursor, if there is one."""
        return (
            image_near(
                cursor,
                lambda f: (
                    str(f.property(QTextFormat.Property.ImageAltText) or "")
                    if icons.parse_icon_url(f.name())
                    else None
                ),
            )
            or ""
        )

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab from link to link: the row of an action the keyboard lands on shows, and its
        name is said to a screen reader (the icon has no words of its own)."""
        moved = super().focusNextPrevChild(next)
        cursor = self.textCursor()
        row, name = None, ""
        if moved and cursor.hasSelection():
            start = QTextCursor(cursor)
            start.setPosition(cursor.selectionStart())
            name = self._icon_name_at(start)
            if name:
                row = self._row_at(cursor.selectionStart())
        self._set_focus_row(row)
        if name:
            from askshot.ui.qt.a11y import announce

            announce(self, name)
        return moved

    def focusOutEvent(self, e: Any) -> None:
        super().focusOutEvent(e)
        self._set_focus_row(None)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        if type == QTextDocument.ResourceType.ImageResource:
            found = icons.parse_icon_url(name)
            if found is not None:
                return icons.draw(*found, max(1.0, self.devicePixelRatioF()))
        return super().loadResource(type, name)

    def _on_action(self, url: QUrl) -> None:
        if url.scheme() != ACTION_SCHEME:
            return
        parts = url.path().split("/")
        if parts[0] == "more":
            self.show_messages(self._all, limit=0)
            return
        if len(parts) >= 2 and parts[1].isdigit():
            self.actionRequested.emit(parts[0], int(parts[1]), "/".join(parts[2:]))

    # -- messages -------------------------------------------------------------------------------

    def show_messages(self, messages: list[StoredMessage], *, limit: int | None = None) -> None:
        """Show a branch. Long conversations open with their newest `limit` messages (default
        SHOWN_AT_FIRST) and a link that shows the rest: opening stays quick and light."""
        self.clear()
        limit = SHOWN_AT_FIRST if limit is None else limit
        self._all = messages
        if limit and len(messages) > limit:
            hidden = len(messages) - limit
            messages = messages[hidden:]
            if messages and messages[0].role == "assistant":  # start with a question
                messages = messages[1:]
                hidden += 1
            label = self.tr("Show {0} earlier messages").format(hidden)
            self.append_html(f"<p>{_link('more', 0, label)}</p>")
        self._opening = True  # (one row shown at the end, not each shown and hidden again)
        try:
            for m in messages:
                if m.role == "user":
                    self.add_user(m)
                elif m.role == "assistant":
                    renderer = self.begin_reply(m)
                    renderer.append(m.text)
                    renderer.finish()
                    self.end_reply(m, last=m is messages[-1])
        finally:
            self._opening = False
        self._show_rows()

    def add_user(self, m: StoredMessage) -> None:
        tr = self.tr
        pics = "".join(self._thumb_html(img.sha256) for img in m.images)
        colour = self._icon_colour
        actions = [
            _icon("edit", m.id, tr("Edit question"), colour),
            _icon("copy", m.id, tr("Copy question"), colour),
            *self._versions(m),
        ]
        self.add_question(m.text, pics, actions)
        self._add_row()

    def add_question(self, text: str, pics: str = "", actions: Sequence[str] = ()) -> None:
        """A question as the user sees it: `pics` (HTML images) above the text, `actions`
        (links) under it. Also a question shown before it is saved (no actions yet)."""
        body = html.escape(text).replace("\n", "<br>") if text else ""
        c = self._colours
        # The question in a quiet band of its own, its actions small and right under it.
        self.append_html(
            f'<table width="100%" cellspacing="0" cellpadding="10" bgcolor="{c.band}" '
            f'style="margin-top:16px; margin-bottom:0">'
            f'<tr><td><p style="font-size:small; color:{c.muted}; margin:0">'
            f"{html.escape(self.tr('You'))}</p>"
            + (f"<p>{pics}</p>" if pics else "")
            + (f'<p dir="auto" style="margin-top:4px; margin-bottom:0">{body}</p>' if body else "")
            + "</td></tr></table>"
            + (
                f'<p align="right" style="font-size:small; color:{c.muted}; margin-top:2px">'
                f"{self._actions_html(actions)}</p>"
                if actions
                else ""
            )
        )

    def _thumb_html(self, sha: str) -> str:
        thumb = self.thumbnail(sha)
        if thumb is None:
            return "🖼 "
        data, mime = thumb
        b64 = base64.b64encode(data).decode("ascii")
        return f'<img src="data:{mime};base64,{b64}" height="96"> '

    def begin_reply(self, m: StoredMessage | None, header: str = "") -> ReplyRenderer:
        if not header and m is not None and m.model:
            header = m.model + (f" · {m.effort}" if m.effort else "")
        label = header or self.tr("Answer")
        muted = self._colours.muted
        self.append_html(
            f'<p style="margin-top:8px; margin-bottom:0; font-size:small; color:{muted}">'
            f"{html.escape(label)}</p>"
        )
        return self.add_reply()

    def end_reply(
        self, m: StoredMessage, error_kind: str | None = None, *, last: bool = True
    ) -> None:
        """The facts and actions under a finished (or failed) reply. A failure's kind (given
        live as `error_kind`, else the one saved with the reply) adds the action that fixes it."""
        tr = self.tr
        muted = self._colours.muted
        blocks = []
        if m.status == "failed" and m.error:
            blocks.append(self.error_html(m.error, m.id, error_kind or m.error_kind))
        elif m.status in ("cancelled", "interrupted"):
            note = tr("Stopped.") if m.status == "cancelled" else (m.error or tr("Interrupted."))
            retry = _link("regenerate", m.id, tr("Retry"))
            blocks.append(f'<p style="color:{muted}"><i>{html.escape(note)}</i> {retry}</p>')
        # Stopped at the output limit: go on from there, into this same answer.
        # (only the last answer: going on with an earlier one would hide what followed it)
        go_on = _link("continue", m.id, tr("Continue")) if m.cut_off and last else ""
        if m.status == "done" and m.error:  # a note such as "cut off at the output limit"
            blocks.append(f'<p style="color:{muted}"><i>{html.escape(m.error)}</i> {go_on}</p>')
        elif go_on:
            blocks.append(f"<p>{go_on}</p>")
        actions = [
            _icon("copy", m.id, tr("Copy answer"), self._icon_colour),
            _icon("regenerate", m.id, tr("Regenerate answer"), self._icon_colour),
            _icon("delete", m.id, tr("Delete answer"), self._icon_colour),
            *self._versions(m),
        ]
        line = self._actions_html(actions, usage_line(m, tr))
        blocks.append(f'<p style="font-size:small; color:{muted}">{line}</p>')
        self.append_html("".join(blocks))
        self._add_row()

    def error_html(self, message: str, message_id: int, kind: str | None) -> str:
        links = [_link("regenerate", message_id, self.tr("Retry"))]
        if kind in FIXES:
            action, label = FIXES[kind]
            links.append(_link(action, message_id, self.tr(label)))
        red = self._colours.error
        return f'<p style="color:{red}">⚠ {html.escape(message)}</p><p>{" · ".join(links)}</p>'

    def _versions(self, m: StoredMessage) -> list[str]:
        if m.sibling_count <= 1:
            return []
        tr = self.tr
        here = tr("version {0} of {1}").format(m.sibling_index + 1, m.sibling_count)
        out = []
        if m.sibling_index > 0:
            out.append(_link("version", m.id, "‹", "-1"))
        out.append(html.escape(here))
        if m.sibling_index + 1 < m.sibling_count:
            out.append(_link("version", m.id, "›", "1"))
        return [" ".join(out)]

    def add_notice(self, text: str, *, error: bool = False) -> None:
        colour = self._colours.error if error else self._colours.muted
        self.append_html(f'<p style="color:{colour}"><i>{html.escape(text)}</i></p>')


_KEEP = QTextCursor.MoveMode.KeepAnchor


def _icon_fragments(block: Any) -> Any:
    """(fragment, (name, colour)) of each action icon in a block."""
    it = block.begin()
    while not it.atEnd():
        frag = it.fragment()
        fmt = frag.charFormat()
        if fmt.isImageFormat():
            found = icons.parse_icon_url(fmt.toImageFormat().name())
            if found is not None:
                yield frag, found
        it += 1
