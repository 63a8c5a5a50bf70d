"""Streams Markdown replies into a QTextDocument without re-rendering the whole reply per token.

`ReplyRenderer` owns one region of a document: an anchor block it creates, then the reply's
blocks. The growing text is split into top-level Markdown blocks; blocks that can no longer
change (see `_commit_point`) are rendered once and kept, and only the open tail is re-rendered
on each update: its old blocks are removed between two stored positions and the new HTML is
inserted there. So an update costs the size of the open block, not of the reply. (A fence that
is still open is drawn without a table: Qt re-scans all frames of a document whenever a table
is inserted or removed, which would make each update cost the size of the reply again.)

Several replies share one document (one scrolling view, selection and search across messages):
each renderer keeps its positions relative to its anchor cursor, which Qt moves when text before
it changes. Regions live in the root frame on purpose: Qt lays out a child frame as a whole on
every change, which would make each update cost the size of the message again.

The view that shows them (links, copying, colour scheme, scrolling) is `reply_view.TranscriptView`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from markdown_it.token import Token
from PySide6.QtCore import QCoreApplication, QTimer, QUrl
from PySide6.QtGui import (
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
)
from PySide6.QtWidgets import QTextEdit

from askshot.ui.conversation import markdown as md

_DUMMY = "\u2063"  # INVISIBLE SEPARATOR: the throw-away first paragraph of every insertion
_DUMMY_HTML = f'<p style="margin:0">{_DUMMY}</p>'
_KEEP = QTextCursor.MoveMode.KeepAnchor
MAX_CHARS_PER_UPDATE = 1500  # new characters per update when throttled: bounds each GUI stall


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReplyRenderer", text)


class _ParseDocument(QTextDocument):
    """Turns HTML into blocks before they are copied into the view; loads nothing."""

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        return None


_scratch: dict[int, _ParseDocument] = {}


def _parse_document() -> _ParseDocument:
    """One scratch document per application, reused (only the GUI thread renders) and owned by
    the application, so that it is gone before Qt shuts down."""
    app = QCoreApplication.instance()
    if app is None:
        return _ParseDocument()
    doc = _scratch.get(id(app))
    if doc is None or not shiboken6.isValid(doc):
        _scratch.clear()
        doc = _scratch[id(app)] = _ParseDocument(app)
    return doc


def insert_html(doc: QTextDocument, pos: int, html: str) -> int:
    """Insert HTML at `pos` (the end of a block) as new blocks after that block; return the
    number of characters added.

    QTextCursor.insertHtml merges the first inserted paragraph into the block at the cursor,
    which loses its heading or list format, and adds empty blocks before lists. So the fragment
    starts with a dummy paragraph that takes that merge, and the dummy character is removed:
    the real blocks keep exactly the formats QTextDocument.setHtml would give them."""
    src = _parse_document()
    src.setHtml(_DUMMY_HTML + html.strip())
    before = doc.characterCount()
    cursor = QTextCursor(doc)
    cursor.setPosition(pos)
    cursor.insertFragment(QTextDocumentFragment(src))
    cursor.setPosition(pos)
    cursor.setPosition(pos + 1, _KEEP)
    if cursor.selectedText() == _DUMMY:
        cursor.removeSelectedText()
    return doc.characterCount() - before


@dataclass
class RenderStats:
    """Work done per update, to prove (in tests and the benchmark) that it does not grow."""

    updates: int = 0
    last_source_chars: int = 0  # Markdown characters parsed and rendered by the last update
    max_source_chars: int = 0
    total_source_chars: int = 0
    last_doc_chars: int = 0  # document characters removed + inserted by the last update
    max_doc_chars: int = 0
    full_renders: int = 0  # whole-reply renders (set_dark, references resolved at the end)
    last_seconds: float = 0.0  # time the last update took (parse, render, edit the document)


class ReplyRenderer:
    """One reply, streamed into a QTextDocument (or a QTextBrowser's, or a TranscriptView's).

    r = view.add_reply()          # or ReplyRenderer(document, dark=False)
    r.append(delta) ...           # as text arrives
    r.finish()                    # the last, open block rendered as final

    With min_interval (seconds) > 0, text that arrives sooner than that after the last update
    waits for a timer (or `flush()`), so a fast stream costs a few dozen updates a second
    instead of one per event-loop turn, and an update takes at most max_chars new characters
    (the rest follows on the next event-loop turns), so a burst never blocks the GUI for long.
    With 0, every append() renders at once. finish() always does.
    """

    def __init__(
        self,
        target: QTextDocument | QTextEdit,
        *,
        dark: bool,
        copy_prefix: str = f"{md.COPY_SCHEME}:",
        labels: md.Labels | None = None,
        min_interval: float = 0.0,
        max_chars: int = MAX_CHARS_PER_UPDATE,
    ) -> None:
        self._doc = target.document() if isinstance(target, QTextEdit) else target
        self._dark = dark
        self._copy_prefix = copy_prefix
        self._labels = labels or md.Labels(copy=_tr("Copy"), image=_tr("Image"))
        self._raw: list[str] = []
        self._src = ""  # normalized text (CRLF and CR -> LF); a trailing CR waits for its LF
        self._pending_cr = False
        self._committed_src = 0  # _src[:_committed_src] is rendered for good...
        self._rendered_to = 0  # ...and _src[:_rendered_to] is in the document
        self._committed_codes: list[md.Copyable] = []
        self._tail_codes: list[md.Copyable] = []
        self._refs: dict[str, Any] = {}
        self._saw_refs = False
        self._finished = False  # finish() was called: no more text
        self._final_done = False  # ...and the final render is in the document
        self._detached = False
        self.stats = RenderStats()
        self._min_interval = min_interval
        self._max_chars = max_chars
        self._last_update = 0.0
        self._timer: QTimer | None = None
        self.on_updated: Callable[[], None] | None = None  # called after each render
        # (latex, display) -> True while the view has no drawing of that formula yet (asking
        # for one): a block holding one stays in the open tail, so it is laid out once, with
        # the formula's real size, instead of being laid out again (with all after it) later.
        self.formula_pending: Callable[[str, bool], bool] | None = None
        if min_interval > 0:
            self._timer = QTimer(self._doc)  # dies with the document
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self._step)

        cursor = QTextCursor(self._doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if not self._doc.isEmpty():
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        anchor_format = QTextBlockFormat()
        anchor_format.setLineHeight(1, QTextBlockFormat.LineHeightTypes.FixedHeight.value)
        cursor.setBlockFormat(anchor_format)
        self._anchor = QTextCursor(self._doc)
        self._anchor.setPosition(cursor.position())
        self._anchor.setKeepPositionOnInsert(True)
        self._committed_len = 0  # document characters after the anchor: committed blocks...
        self._tail_len = 0  # ...then the open tail

    # -- public API -----------------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The raw Markdown received so far."""
        if len(self._raw) > 1:
            self._raw[:] = ["".join(self._raw)]
        return self._raw[0] if self._raw else ""

    @property
    def dark(self) -> bool:
        return self._dark

    @property
    def finished(self) -> bool:
        """finish() was called: the whole reply, rendered as final, is in the document."""
        return self._finished

    @property
    def pending(self) -> int:
        """Characters received but not in the document yet."""
        return len(self._src) - self._rendered_to

    @property
    def code_block_count(self) -> int:
        return len(self._committed_codes) + len(self._tail_codes)

    def code_block(self, n: int) -> md.Copyable:
        """What copy link n names (0-based, in reply order): a code block's exact code, without
        its closing newline, or a table's cells."""
        done = len(self._committed_codes)
        return self._committed_codes[n] if n < done else self._tail_codes[n - done]

    def owns_href(self, href: str) -> int | None:
        """The block number a copy link names, if it is one of this reply's."""
        found = self.parse_href(href)
        return None if found is None else found[0]

    def parse_href(self, href: str) -> tuple[int, str] | None:
        """(block number, "" or a table's format) of one of this reply's copy links."""
        if not href.startswith(self._copy_prefix):
            return None
        number, _, fmt = href[len(self._copy_prefix) :].partition(".")
        if not number.isdigit() or int(number) >= self.code_block_count:
            return None
        if fmt and fmt not in md.TABLE_FORMATS:
            return None
        return int(number), fmt

    def append(self, text: str) -> None:
        if self._detached:
            return
        if self._finished:
            raise RuntimeError("append() after finish(): the reply is complete")
        if not text:
            return
        self._raw.append(text)
        self._add_source(text)
        if self._timer is None:
            self._update(upto=len(self._src))
        elif not self._timer.isActive():
            wait = self._min_interval - (time.monotonic() - self._last_update)
            if wait <= 0:
                self._step()
            else:
                self._timer.start(max(1, round(wait * 1000)))

    def flush(self) -> None:
        """Render everything received now, whatever min_interval and max_chars say."""
        if self._timer is not None:
            self._timer.stop()
        if self._detached:
            return
        if self._finished:
            if not self._final_done:
                self._render_final()
        elif self.pending:
            self._update(upto=len(self._src))

    def finish(self) -> None:
        """The reply is complete: render what is pending and the open tail as final, now (and
        resolve link references defined after their use, which needs the whole text once)."""
        if self._detached or self._finished:
            return
        if self._pending_cr:
            self._pending_cr = False
            self._src += "\n"
        self._finished = True
        self.flush()

    def set_dark(self, dark: bool) -> None:
        if dark != self._dark and not self._detached:
            self._dark = dark
            self._render_all(final=self._final_done)

    def detach(self) -> None:
        """Stop rendering (the document is being cleared or replaced): later calls do
        nothing to it."""
        if self._timer is not None:
            self._timer.stop()
        self._finished = True
        self._detached = True

    def clear(self) -> None:
        """Forget the text and empty the region (the anchor block stays)."""
        if self._detached:
            return
        if self._timer is not None:
            self._timer.stop()
        self._raw.clear()
        self._src = ""
        self._pending_cr = False
        self._committed_src = 0
        self._rendered_to = 0
        self._final_done = False
        self._committed_codes = []
        self._tail_codes = []
        self._refs = {}
        self._saw_refs = False
        self._finished = False
        self._replace(None, "", everything=True)

    # -- source bookkeeping ---------------------------------------------------------------------

    def _add_source(self, text: str) -> None:
        if self._pending_cr:
            text = "\r" + text
            self._pending_cr = False
        if text.endswith("\r"):
            text = text[:-1]
            self._pending_cr = True
        self._src += text.replace("\r\n", "\n").replace("\r", "\n")

    # -- rendering ------------------------------------------------------------------------------

    def _render(self, tokens: list[Token], first_code: int, env: dict[str, Any]) -> md.RenderedHtml:
        return md.render_tokens(
            tokens,
            dark=self._dark,
            first_code_block=first_code,
            copy_prefix=self._copy_prefix,
            labels=self._labels,
            env=env,
        )

    def _step(self) -> None:
        """One throttled update: at most max_chars new characters; more on the next turn."""
        if self._detached or self._finished:
            return
        upto = len(self._src)
        if 0 < self._max_chars < self.pending:
            upto = self._rendered_to + self._max_chars
        if upto > self._rendered_to:
            self._update(upto=upto)
        if self._timer is not None and self.pending:
            self._timer.start(0)

    def _render_final(self) -> None:
        if self._saw_refs:
            self._render_all(final=True)
        else:
            self._update(upto=len(self._src), final=True)

    def _update(self, *, upto: int, final: bool = False) -> None:
        """Render _src[_committed_src:upto]: newly complete blocks for good, the rest as the
        open tail (all of it for good when final)."""
        started = time.perf_counter()
        tail = self._src[self._committed_src : upto]
        env: dict[str, Any] = {"references": dict(self._refs)}
        tokens = md.parser().parse(tail, env)
        split, line = (
            (len(tokens), None)
            if final
            else _commit_point(tail, tokens, self._formulas_limit(tokens, len(tail)))
        )
        last = tokens[-1] if tokens else None
        if not final and last and last.type == "fence" and _fence_open(tail.split("\n"), last):
            last.meta[md.OPEN_FENCE] = True  # drawn without a table while it grows
        commit_html: str | None = None
        first_code = len(self._committed_codes)
        if split:
            committed = self._render(tokens[:split], first_code, env)
            commit_html = committed.html
            first_code += len(committed.code_blocks)
        rest = self._render(tokens[split:], first_code, env)
        self._note_refs(env, line)
        self._replace(commit_html, rest.html)
        if split:
            self._committed_codes.extend(committed.code_blocks)
            self._committed_src = (
                upto if line is None else self._committed_src + (_line_offset(tail, line))
            )
        self._tail_codes = rest.code_blocks
        self._rendered_to = upto
        self._final_done = final
        self.stats.last_seconds = time.perf_counter() - started
        self._count(len(tail))

    def _formulas_limit(self, tokens: list[Token], tail_chars: int) -> int:
        """The index of the first top-level block with a formula not drawn yet (the commit
        stops before it), or len(tokens). A tail grown past HELD_TAIL_CHARS commits anyway."""
        pending = self.formula_pending
        if pending is None or tail_chars > HELD_TAIL_CHARS:
            return len(tokens)
        top = 0
        for i, token in enumerate(tokens):
            if token.level == 0 and token.nesting >= 0:
                top = i
            if token.type.startswith("math") and pending(
                token.content, token.type != "math_inline"
            ):
                return top
            for child in token.children or ():
                if child.type.startswith("math") and pending(
                    child.content, child.type == "math_inline_double"
                ):
                    return top
        return len(tokens)

    def _note_refs(self, env: dict[str, Any], commit_line: int | None) -> None:
        refs: dict[str, Any] = env.get("references") or {}
        for label, ref in refs.items():
            if label in self._refs:
                continue
            self._saw_refs = True
            ref_map = ref.get("map")
            if commit_line is None or (ref_map is not None and ref_map[1] <= commit_line):
                self._refs[label] = ref

    def _render_all(self, *, final: bool) -> None:
        """Render the reply again as a whole, once: the colour scheme changed, or (final)
        link references must be resolved across the whole text."""
        started = time.perf_counter()
        done = self._src if final else self._src[: self._committed_src]
        env: dict[str, Any] = {}
        tokens = md.parser().parse(done, env)
        whole = self._render(tokens, 0, env)
        self._committed_codes = whole.code_blocks
        self._committed_src = len(done)
        self._refs = dict(env.get("references") or {})
        self._tail_codes = []
        self._replace(whole.html, "", everything=True)
        self.stats.full_renders += 1
        if final:
            self._rendered_to = len(self._src)
            self._final_done = True
            self.stats.last_seconds = time.perf_counter() - started
            self._count(len(done))
        else:
            self._update(upto=self._rendered_to)

    def _replace(
        self, commit_html: str | None, tail_html: str, *, everything: bool = False
    ) -> None:
        """Swap the open tail's blocks for new ones, after appending newly committed blocks;
        with everything=True the committed blocks are replaced too."""
        doc = self._doc
        start = self._anchor.position()
        end = start + self._committed_len + self._tail_len
        if everything:
            self._committed_len = 0
        pos = start + self._committed_len
        cursor = QTextCursor(doc)
        cursor.beginEditBlock()
        # removing or inserting at the end of a block can change that block's format (an empty
        # block takes the next one's): remember it and put it back
        keep = doc.findBlock(pos)
        keep_block, keep_char = keep.blockFormat(), keep.charFormat()
        removed = end - pos
        if removed:
            cursor.setPosition(pos)
            cursor.setPosition(end, _KEEP)
            cursor.removeSelectedText()
        inserted = 0
        if commit_html:
            added = insert_html(doc, pos, commit_html)
            self._committed_len += added
            inserted += added
        self._tail_len = 0
        if tail_html:
            self._tail_len = insert_html(doc, start + self._committed_len, tail_html)
        inserted += self._tail_len
        cursor.setPosition(pos)
        cursor.setBlockFormat(keep_block)
        cursor.setBlockCharFormat(keep_char)
        cursor.endEditBlock()
        self.stats.last_doc_chars = removed + inserted
        self.stats.max_doc_chars = max(self.stats.max_doc_chars, removed + inserted)

    def _count(self, source_chars: int) -> None:
        s = self.stats
        s.updates += 1
        s.last_source_chars = source_chars
        s.max_source_chars = max(s.max_source_chars, source_chars)
        s.total_source_chars += source_chars
        self._last_update = time.monotonic()
        if self.on_updated is not None:
            self.on_updated()


def _fence_open(lines: list[str], fence: Token) -> bool:
    """True if the fence has no closing line yet (it runs to the end of the text)."""
    if fence.map is None:
        return False
    body = lines[fence.map[0] : fence.map[1]]
    last = body[-1].strip(" ") if len(body) > 1 else ""
    return not (len(last) >= len(fence.markup) and last == fence.markup[0] * len(last))


def _line_offset(text: str, line: int) -> int:
    """Character offset where `line` (0-based) starts."""
    pos = 0
    for _ in range(line):
        pos = text.index("\n", pos) + 1
    return pos


# top-level blocks that end by their own syntax, and how many tokens each spans
_SELF_CLOSED = {"fence": 1, "hr": 1, "heading_open": 3}
HELD_TAIL_CHARS = 2500  # the most a formula still being drawn holds open (an update's cost)


def _commit_point(
    tail: str, tokens: list[Token], limit: int | None = None
) -> tuple[int, int | None]:
    """Where the tail can be cut: (index of the first token to keep open, its source line),
    at most `limit`.

    Blocks before a top-level block that starts on a complete line right after a blank line
    are final: nothing that follows can pull that line back into an earlier block (lazy
    continuation stops at a blank line; list items and indented code continue only when the
    parser says so, and it said this line starts a new block). So is everything up to the end
    of a top-level fence with its closing line, an ATX or setext heading or a rule, once their
    last line is complete: they end by their own syntax and had already ended what came
    before. Complete lines only: a half-received line ("``" becoming "```x`", "1" becoming
    "1. item") must not decide. Link reference definitions are the one non-local construct:
    finish() handles them."""
    lines = tail.split("\n")
    complete = len(lines) - 1  # lines[:complete] end with a newline
    best: tuple[int, int | None] = (0, None)
    for i, token in enumerate(tokens):
        if token.level != 0 or token.nesting < 0 or token.map is None:
            continue
        start, end = token.map
        if start >= complete:
            break
        if limit is not None and i > limit:
            break
        if i > 0 and start > 0 and not lines[start - 1].strip(" \t"):
            best = (i, start)
        span = _SELF_CLOSED.get(token.type)
        if (
            span
            and end <= complete
            and (limit is None or i + span <= limit)
            and not (token.type == "fence" and _fence_open(lines, token))
        ):
            best = (i + span, end)
    return best
