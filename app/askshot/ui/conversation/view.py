"""The conversation: user messages, rendered replies, and under each message its facts and
actions (copy, regenerate, edit, delete, earlier versions) as links in the one scrolling view.

Actions are `askshot:<action>/<message id>[/<arg>]` links; clicking one emits `actionRequested`.
Replies are `ReplyRenderer`s (incremental Markdown); everything else is small HTML blocks.
Nothing here touches the store or the network: the chat controller feeds it.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QWidget

from askshot.core.history import StoredMessage
from askshot.ui.conversation import markdown as md
from askshot.ui.conversation.renderer import ReplyRenderer
from askshot.ui.conversation.transcript import TranscriptView

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

    @property
    def _colours(self) -> md.Theme:
        """The colours for the light or dark scheme (high contrast uses the dark one, checked
        against black in the tests: WCAG AA)."""
        return md.theme(self.dark)

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
        for m in messages:
            if m.role == "user":
                self.add_user(m)
            elif m.role == "assistant":
                renderer = self.begin_reply(m)
                renderer.append(m.text)
                renderer.finish()
                self.end_reply(m, last=m is messages[-1])

    def add_user(self, m: StoredMessage) -> None:
        tr = self.tr
        pics = "".join(self._thumb_html(img.sha256) for img in m.images)
        actions = [_link("edit", m.id, tr("Edit")), _link("copy", m.id, tr("Copy"))]
        actions += self._versions(m)
        self.add_question(m.text, pics, actions)

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
                f"{'&nbsp;&nbsp;'.join(actions)}</p>"
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
            f'<p style="margin-top:14px; font-size:small; color:{muted}">{html.escape(label)}</p>'
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
        facts = usage_line(m, tr)
        actions = [
            _link("copy", m.id, tr("Copy")),
            _link("regenerate", m.id, tr("Regenerate")),
            _link("delete", m.id, tr("Delete")),
            *self._versions(m),
        ]
        line = "&nbsp;&nbsp;".join(actions)
        if facts:
            line = f"{html.escape(facts)}<br>{line}"
        blocks.append(f'<p style="font-size:small; color:{muted}">{line}</p>')
        self.append_html("".join(blocks))

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
