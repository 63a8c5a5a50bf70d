"""The conversation's QTextBrowser: replies are `ReplyRenderer`s that share its document; this
is the part a user touches.

`TranscriptView` never loads a resource (images come only from `data:` URLs), copies a code
block when its "Copy" link is clicked, opens only http, https and mailto links and only on a
click, follows the palette's light or dark scheme, and keeps the newest text in view while the
user is at the end.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDesktopServices,
    QFontInfo,
    QFontMetrics,
    QGuiApplication,
    QHelpEvent,
    QImage,
    QPainter,
    QPalette,
    QResizeEvent,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
)
from PySide6.QtWidgets import QTextBrowser as _QTextBrowser
from PySide6.QtWidgets import QToolTip, QWidget

from askshot.ui.conversation import markdown as md
from askshot.ui.conversation.formulas import (
    MATH_SCHEME,
    Formula,
    Look,
    layouts,
    parse_url,
    url_for,
)
from askshot.ui.conversation.icons import ICON_SCHEME
from askshot.ui.conversation.renderer import MAX_CHARS_PER_UPDATE, ReplyRenderer, insert_html

T = TypeVar("T")

LINE_CHARS = 100  # the widest a line of the conversation gets, in average characters
SIDE_MARGIN = 12  # px left and right of the text, at the least
MATH_BATCH_MS = 30  # formulas that arrive within this are swapped in with one pass
MATH_SLICE_S = 0.006  # the most one turn of swapping formulas in may take

UPDATE_INTERVAL = 0.03  # seconds: a view renders a streaming reply about 33 times a second


_warm_up_started = threading.Event()


def _warm_up_lexers() -> None:
    """Compile the common lexers once per process, off the GUI thread."""
    if not _warm_up_started.is_set():
        _warm_up_started.set()
        threading.Thread(target=md.warm_up, name="askshot-lexers", daemon=True).start()


def is_dark_palette(palette: QPalette) -> bool:
    """True when the palette draws light text on a dark base (a dark theme)."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    return base.lightnessF() < text.lightnessF()


class TranscriptView(_QTextBrowser):
    """A read-only conversation view whose replies are `ReplyRenderer`s sharing its document.

    Clicking a reply's "Copy" link copies that code block; clicking an http, https or mailto
    link emits `linkClicked` and, when `open_links` is set, opens it with QDesktopServices.
    Nothing is opened on hover and no other scheme is ever opened. No resource is loaded:
    `loadResource` answers only `data:` images."""

    linkClicked = Signal(QUrl)
    codeCopied = Signal(str)  # the code (or a table's CSV/TSV) that went to the clipboard
    tableSaved = Signal(str)  # the path a table was saved to as CSV

    def __init__(self, parent: QWidget | None = None, *, dark: bool | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setUndoRedoEnabled(False)
        self.setAccessibleName(self.tr("Conversation"))
        self.document().setUndoRedoEnabled(False)
        self.open_links = True
        self.blocked_resources: list[QUrl] = []  # what a document asked for and did not get
        # None: follow the palette (the system's scheme), now and when it changes.
        self._follow_palette = dark is None
        self._dark = is_dark_palette(self.palette()) if dark is None else dark
        self._renderers: list[ReplyRenderer] = []
        self._follow = True
        self._math_waiting: dict[str, set[str]] = {}  # formula key -> image names shown as source
        self._math_arrived: set[str] = set()  # keys whose layout came, not yet swapped in
        self._math_swap: set[str] = set()  # image names whose blocks are still to lay out
        self._math_timer: QTimer | None = None
        self.anchorClicked.connect(self._on_anchor)
        _warm_up_lexers()
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range)

    @property
    def dark(self) -> bool:
        return self._dark

    @property
    def replies(self) -> list[ReplyRenderer]:
        return list(self._renderers)

    def add_reply(
        self, *, min_interval: float = UPDATE_INTERVAL, max_chars: int = MAX_CHARS_PER_UPDATE
    ) -> ReplyRenderer:
        """A renderer for a new reply, placed after everything in the view. By default it
        renders at most every UPDATE_INTERVAL seconds (call its flush() to render now)."""
        renderer = ReplyRenderer(
            self,
            dark=self._dark,
            copy_prefix=f"{md.COPY_SCHEME}:{len(self._renderers)}/",
            labels=md.Labels(
                copy=self.tr("Copy"),
                image=self.tr("Image"),
                copy_csv=self.tr("Copy CSV"),
                copy_tsv=self.tr("Copy TSV"),
                save_csv=self.tr("Save CSV…"),
            ),
            min_interval=min_interval,
            max_chars=max_chars,
        )
        renderer.formula_pending = self._formula_pending
        self._renderers.append(renderer)
        return renderer

    def append_html(self, html: str) -> None:
        """Add blocks (a user's message, a notice) after everything, in clean block formats
        (QTextEdit.append would continue the previous block's list or heading format)."""
        doc = self.document()
        if doc.isEmpty() and not self._renderers:
            doc.setHtml(html.strip())  # no empty first line above it
            self._fit_line_length()  # (setHtml resets the page's margins)
            return
        cursor = QTextCursor(doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        insert_html(doc, cursor.position(), html)

    def clear(self) -> None:
        """Empty the view and forget its replies (a new conversation). Do not setHtml() or
        setPlainText() a view that has replies: their renderers would write into nothing."""
        for renderer in self._renderers:
            renderer.detach()
        self._renderers.clear()
        super().clear()
        self._fit_line_length()

    def set_dark(self, dark: bool | None) -> None:
        """Switch the colour scheme (None: follow the palette from now on); each reply is
        rendered again once if the scheme changed."""
        self._follow_palette = dark is None
        self._switch(is_dark_palette(self.palette()) if dark is None else dark)

    def _switch(self, dark: bool) -> None:
        self._dark = dark
        for renderer in self._renderers:
            renderer.set_dark(dark)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._follow_palette:
            dark = is_dark_palette(self.palette())
            if dark != self._dark:
                self._switch(dark)

    def copy_code(self, href: str) -> bool:
        """Do what a copy link says: a code block's code to the clipboard, or a table as CSV or
        TSV (pastes into a spreadsheet's cells), or saved as a CSV file."""
        for renderer in self._renderers:
            found = renderer.parse_href(href)
            if found is None:
                continue
            n, fmt = found
            block = renderer.code_block(n)
            if isinstance(block, str):
                text = block
            elif fmt == "save":
                self.save_table(block)
                return True
            else:
                from askshot.core.tables import to_csv, to_tsv

                text = to_tsv(block) if fmt == "tsv" else to_csv(block, line_end="\n")
            QGuiApplication.clipboard().setText(text)
            self.codeCopied.emit(text)
            return True
        return False

    def save_table(self, rows: md.Table) -> None:
        """Ask where, then write the table as a CSV file (UTF-8, RFC 4180); a sentence when the
        file cannot be written."""
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from askshot.core.tables import to_csv

        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the table as CSV"), "table.csv", self.tr("CSV files (*.csv)")
        )
        if not path:
            return
        try:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(to_csv(rows))
        except OSError as exc:
            QMessageBox.warning(
                self,
                self.tr("Not saved"),
                self.tr("The table could not be saved to {0}: {1}.").format(
                    path, exc.strerror or exc
                ),
            )
            return
        self.tableSaved.emit(path)

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == md.COPY_SCHEME:
            self.copy_code(url.toString())
        elif url.scheme().lower() in ("http", "https", "mailto"):
            self.linkClicked.emit(url)
            if self.open_links:
                QDesktopServices.openUrl(url)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        url = QUrl(name)
        if type == QTextDocument.ResourceType.ImageResource and url.scheme() == MATH_SCHEME:
            return self._formula_image(url)
        if type == QTextDocument.ResourceType.ImageResource and url.scheme() == "data":
            image = _data_image(url, max(64, self.viewport().width() - 32))
            if image is not None:
                return image
        self.blocked_resources.append(url)
        return None

    # -- math: formulas as images, laid out off the GUI thread (formulas.py) ----------------------

    def _formula_image(self, url: QUrl) -> QImage | None:
        found = parse_url(url)
        if found is None:
            return None
        formula, colour = found
        lays = layouts()
        image = lays.image(formula, self._look(colour))
        if isinstance(image, QImage):
            return image
        if image is False:  # being laid out: the source until it comes
            if not self._math_waiting:
                lays.ready.connect(self._on_formula_ready, Qt.ConnectionType.UniqueConnection)
            self._math_waiting.setdefault(url.path(), set()).add(url.toString())
        return self._formula_source(formula, colour)

    def _formula_pending(self, latex: str, display: bool) -> bool:
        """Whether this formula has no drawing in this view's look yet (asking for one)."""
        colour = md.theme(self._dark).math_fg
        image = layouts().image(Formula(latex, display), self._look(colour))
        if isinstance(image, QImage):
            # Drawn since its source was shown: in place now, as the open tail is rendered
            # again, rather than swapped in (and laid out again) later.
            url = url_for(latex, display, colour)
            names = self._math_waiting.pop(QUrl(url).path(), set())
            for name in names:
                self.document().addResource(
                    QTextDocument.ResourceType.ImageResource, QUrl(name), image
                )
            if names:  # the same formula in a block already committed: laid out again there
                self._math_swap |= names
                self._schedule_swap(0)
        return image is False

    def _look(self, colour: str) -> Look:
        return (
            colour,
            max(8, QFontInfo(self.font()).pixelSize()),
            max(1.0, self.devicePixelRatioF()),
        )

    def _formula_source(self, formula: Formula, colour: str) -> QImage:
        """The formula's source as text: until its drawing comes, and for good if it fails."""
        dpr = max(1.0, self.devicePixelRatioF())
        text = ("$$%s$$" if formula.display else "$%s$") % formula.latex.strip()
        metrics = QFontMetrics(self.font())
        w, h = max(1, metrics.horizontalAdvance(text)), metrics.height()
        image = QImage(round(w * dpr), round(h * dpr), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        image.setDevicePixelRatio(dpr)
        painter = QPainter(image)
        painter.setFont(self.font())
        painter.setPen(QColor(colour))
        painter.drawText(0, metrics.ascent(), text)
        painter.end()
        return image

    def _on_formula_ready(self, key: str) -> None:
        if key in self._math_waiting or self._math_swap:
            self._math_arrived.add(key)
            self._schedule_swap(MATH_BATCH_MS)

    def _schedule_swap(self, delay_ms: int) -> None:
        if self._math_timer is None:
            self._math_timer = QTimer(self)
            self._math_timer.setSingleShot(True)
            self._math_timer.timeout.connect(self._swap_in_formulas)
        if not self._math_timer.isActive():
            self._math_timer.start(delay_ms)

    def _swap_in_formulas(self) -> None:
        """Put the formulas that arrived in place of their source, a block at a time within a
        time slice (each changed block is laid out again, and a long answer has many): what is
        left waits for the next turn of the event loop, so the view never stalls for long."""
        doc = self.document()
        for key in self._math_arrived:
            for name in self._math_waiting.pop(key, set()):
                url = QUrl(name)
                found = parse_url(url)
                if found is None:
                    continue
                formula, colour = found
                image = layouts().image(formula, self._look(colour))
                if image is False:  # another look was asked for meanwhile: wait for it
                    self._math_waiting.setdefault(url.path(), set()).add(name)
                    continue
                if image is None:  # it cannot be drawn: it stays its source
                    continue
                doc.addResource(QTextDocument.ResourceType.ImageResource, url, image)
                self._math_swap.add(name)
        self._math_arrived.clear()
        started = time.perf_counter()
        block = doc.begin()
        while block.isValid() and self._math_swap:
            if "\ufffc" in block.text():  # an object: maybe an image of ours
                it = block.begin()
                hit = False
                while not it.atEnd():
                    fmt = it.fragment().charFormat()
                    if fmt.isImageFormat():
                        name = fmt.toImageFormat().name()
                        if name in self._math_swap:
                            self._math_swap.discard(name)
                            hit = True
                    it += 1
                if hit:
                    doc.markContentsDirty(block.position(), block.length())
                    if time.perf_counter() - started > MATH_SLICE_S:
                        self._schedule_swap(0)  # the rest on the next turn of the loop
                        return
            block = block.next()
        self._math_swap.clear()  # the rest is no longer in the document (a re-rendered tail)

    def formula_at(self, pos: QPoint) -> Formula | None:
        """The formula drawn at this point of the viewport, if any."""
        found = image_near(self.cursorForPosition(pos), lambda f: parse_url(f.name()))
        return found[0] if found is not None else None

    def viewportEvent(self, e: QEvent) -> bool:
        """A formula's tooltip is its LaTeX (tooltips go to the viewport, not the view)."""
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            formula = self.formula_at(e.pos())
            if formula is not None:
                QToolTip.showText(e.globalPos(), formula.latex.strip(), self)
                return True
        return super().viewportEvent(e)

    def contextMenuEvent(self, e: QContextMenuEvent) -> None:
        # e.pos() is in the viewport; the standard menu wants the document's coordinates.
        scrolled = QPoint(self.horizontalScrollBar().value(), self.verticalScrollBar().value())
        menu = self.createStandardContextMenu(e.pos() + scrolled)
        formula = self.formula_at(e.pos())
        if formula is not None:
            action = menu.addAction(self.tr("Copy LaTeX"))
            latex = formula.latex.strip()
            action.triggered.connect(lambda: QGuiApplication.clipboard().setText(latex))
            menu.insertAction(menu.actions()[0], action)
        menu.exec(e.globalPos())
        menu.deleteLater()

    def createMimeDataFromSelection(self) -> QMimeData:
        """A selection copies with each formula as its LaTeX ($…$, $$…$$), as text; and
        without the object characters of other images (a screenshot's thumbnail, an action's
        icon), its rich formats kept but for the icons."""
        data = super().createMimeDataFromSelection()
        cursor = self.textCursor()
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        doc = self.document()
        parts: list[str] = []
        math = pictures = False
        block = doc.findBlock(start)
        while block.isValid() and block.position() <= end:
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                lo, hi = max(start, frag.position()), min(end, frag.position() + frag.length())
                if lo < hi:
                    fmt = frag.charFormat()
                    found = parse_url(fmt.toImageFormat().name()) if fmt.isImageFormat() else None
                    if found is not None:
                        math = True
                        f = found[0]
                        parts.append(("$$%s$$" if f.display else "$%s$") % f.latex.strip())
                    elif fmt.isImageFormat():
                        pictures = True  # a picture or an icon: no text of its own to copy
                    else:
                        parts.append(frag.text()[lo - frag.position() : hi - frag.position()])
                it += 1
            if block.position() + block.length() <= end:
                parts.append("\n")
            block = block.next()
        if not (math or pictures):
            return data
        text = "".join(parts).replace("\u2028", "\n")
        text = "\n".join(line.rstrip(" \xa0") for line in text.split("\n")).strip("\n")
        out = QMimeData()  # (Qt's own is computed on demand: setText on it does nothing)
        if not math:  # the rich formats too (a formula's would be an image nobody can load)
            for name in data.formats():
                if name != "text/plain":
                    out.setData(name, _without_icons(name, bytes(data.data(name).data())))
        out.setText(text)
        return out

    # -- a comfortable line length -----------------------------------------------------------

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        self._fit_line_length()

    def _fit_line_length(self) -> None:
        """Lines of at most about LINE_CHARS characters: in a wide window the conversation is a
        centred column (long lines are hard to follow back), in a narrow one it fills it."""
        column = QFontMetrics(self.font()).averageCharWidth() * LINE_CHARS
        # left and right only; never flush against the frame (a narrow popup keeps a gutter)
        side = max(SIDE_MARGIN, (self.viewport().width() - column) // 2)
        root = self.document().rootFrame()
        fmt = root.frameFormat()
        if round(fmt.leftMargin()) != side:
            fmt.setLeftMargin(side)
            fmt.setRightMargin(side)
            root.setFrameFormat(fmt)

    # -- keep the newest text in view while the user is at the end ------------------------------

    def _on_scrolled(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - 4

    def _on_range(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(maximum)


def image_near(cursor: QTextCursor, match: Callable[[QTextImageFormat], T | None]) -> T | None:
    """What `match` finds in the image just before this cursor, else just after it (a point on
    an image puts the cursor on either side of it)."""
    probe = QTextCursor(cursor)
    for step in (False, True):
        if step:
            probe.movePosition(QTextCursor.MoveOperation.NextCharacter)
        fmt = probe.charFormat()
        if fmt.isImageFormat():
            found = match(fmt.toImageFormat())
            if found is not None:
                return found
    return None


_ICON = re.escape(ICON_SCHEME).encode()
# An action's icon as Qt writes it out, with the link around it: in HTML and in Markdown.
_ICON_HTML = re.compile(rb'(?:<a [^>]*>\s*)?<img [^>]*src="' + _ICON + rb":[^>]*>(?:\s*</a>)?")
_ICON_MD = re.compile(rb"\[?!\[[^\]]*\]\(" + _ICON + rb":[^)]*\)(?:\]\([^)]*\))?[ \t]*\n?")
_BLANK_MD = re.compile(rb"(?m)^(?:\xc2\xa0| )+\n")


def _without_icons(mime: str, data: bytes) -> bytes:
    """A copied rich format without the action icons (images only Askshot can draw)."""
    if mime == "text/html":
        return _ICON_HTML.sub(b"", data)
    if mime == "text/markdown":  # (and the lines left holding only the spaces between them)
        return _BLANK_MD.sub(b"", _ICON_MD.sub(b"", data))
    return data


def _data_image(url: QUrl, max_width: int) -> QImage | None:
    text = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
    header, _, payload = text.partition(",")
    if not header.startswith("data:image/") or not header.endswith(";base64"):
        return None
    image = QImage.fromData(QByteArray.fromBase64(payload.encode("ascii")))
    if image.isNull():
        return None
    return image.scaledToWidth(max_width) if image.width() > max_width else image
