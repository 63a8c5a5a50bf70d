"""The streaming reply renderer and its view, driven through real documents and widgets.

Streaming must end in the same document as rendering the whole text at once (checked block by
block, formats included, on inputs that are hard to cut), and each update must cost the size of
the open block, not of the reply (checked by counting work, not by timing)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QPalette,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
    QTextList,
    QTextTable,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTextBrowser
from pytestqt.qtbot import QtBot

from askshot.ui.conversation import markdown as md
from askshot.ui.conversation.renderer import ReplyRenderer
from askshot.ui.conversation.transcript import TranscriptView, is_dark_palette
from tests.helpers import fakeserver as fs

PIXEL = (  # a 1x1 PNG
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQAB"
    "pfZFQAAAAABJRU5ErkJggg=="
)

TRICKY = {
    "fence split everywhere": "Intro.\n\n```python\ndef f(x):\n    return x  # `q`\n```\n\nEnd.",
    "fence with blank lines and a longer close": "````\na\n\n\n```\nb\n````\n\nend\n",
    "unclosed fence": "Text\n\n```js\nlet x = 1;\n\nlet y = 2;\n",
    "table row by row": "| a | b |\n|---|:-:|\n| 1 | 2 |\n| 3 | 4 |\n\nnext\n\n| c |\n|--|\n| 5 |",
    "table after a paragraph line": "some text\n| h1 | h2 |\n| -- | -- |\n| x | y |\n\ntail\n",
    "not a table after all": "some text\n| a |\n|-x| no delimiter\n\nend\n",
    "nested lists": (
        "- one\n  - one.a\n    1. deep\n    2. deeper\n  - one.b\n- two\n\n"
        "  continued\n\n- three\n\n1. x\n2. y\n\n3) z\n"
    ),
    "loose list then text": "- a\n\n- b\n\n  more b\n\nplain\n\n* c\n* d\n",
    "ordered lists that look alike": "1. a\n\n1. b\n\n10. c\n\n1) d\n\nend\n",
    "formulas split everywhere": (
        "The roots of $ax^2+bx+c=0$ are\n\n$$\nx=\\frac{-b\\pm\\sqrt{b^2-4ac}}{2a}\n$$\n\n"
        "with \\(a=1\\), costs $5 and $10, and \\[\n\\sum_i i\n\\]\nafter `$HOME`.\n"
    ),
    "paragraph interrupted by a fence": "para line\n```\ncode\n```\nafter\n\n# H\n",
    "setext headings and rules": "Title\n=====\n\nSub\n---\n\n---\n\ntext\n-\n\n***\n",
    "blockquote and indented code": "> q1\n> q2\n\n> q3\n\n    code1\n\n    code2\n\npara\n",
    "crlf": "Line one\r\nline two\r\n\r\n```\r\ncode\r\n```\r\n\r\n- a\r\n- b\r\n",
    "task lists and rtl": "- [x] done\n- [ ] todo\n\nשלום עולם\n\nHello\n\n> ציטוט\n",
    "html and images": '<div>x</div>\n\n![t](http://e.com/t.png) <img src="x">\n\n[l](https://e.com)\n',
    "references": "[a][ref] and [b]\n\n[ref]: https://e.com/r\n\ntext\n\n[b]: https://e.com/b\n",
    "no trailing newline": "# Head\n\npara without newline",
    "headings then list": "# A\n## B\n- x\n- y\n### C\n",
    "empty": "",
    "only blank lines": "\n\n\n",
}


def block_signature(doc: QTextDocument, start_block: int = 0) -> list[tuple[object, ...]]:
    """Each block's text and the formats that make it look the way it does."""
    lists: dict[int, int] = {}
    out: list[tuple[object, ...]] = []
    block = doc.findBlockByNumber(start_block)
    while block.isValid():
        fmt = block.blockFormat()
        text_list = block.textList()
        list_key: tuple[int, object, str] | None = None
        if isinstance(text_list, QTextList):
            number = lists.setdefault(text_list.objectIndex(), len(lists))
            list_key = (number, text_list.format().style(), text_list.itemText(block))
        frame = QTextCursor(block).currentFrame()
        chars = block.charFormat()
        out.append(
            (
                block.text(),
                fmt.headingLevel(),
                fmt.topMargin(),
                fmt.bottomMargin(),
                fmt.indent(),
                int(fmt.alignment().value),
                list_key,
                type(frame).__name__,
                chars.fontWeight(),
                chars.fontFixedPitch(),
                _fragment_colours(block),
            )
        )
        block = block.next()
    return out


def _colours_of(signature: tuple[object, ...]) -> tuple[str, ...]:
    colours = signature[-1]
    assert isinstance(colours, tuple)
    return colours


def _fragment_colours(block: QTextBlock) -> tuple[str, ...]:
    colours = []
    it = block.begin()
    while not it.atEnd():
        colours.append(it.fragment().charFormat().foreground().color().name())
        it += 1
    return tuple(colours)


def render_once(text: str, *, dark: bool = False) -> tuple[QTextDocument, ReplyRenderer]:
    doc = QTextDocument()
    renderer = ReplyRenderer(doc, dark=dark)
    renderer.append(text)
    renderer.finish()
    return doc, renderer


def render_streamed(
    text: str, sizes: list[int], *, seed: int = 0, dark: bool = False
) -> tuple[QTextDocument, ReplyRenderer]:
    doc = QTextDocument()
    renderer = ReplyRenderer(doc, dark=dark)
    for piece in pieces(text, sizes, seed):
        renderer.append(piece)
    renderer.finish()
    return doc, renderer


def pieces(text: str, sizes: list[int], seed: int = 0) -> Iterator[str]:
    rng = random.Random(seed)
    i = 0
    while i < len(text):
        n = rng.choice(sizes)
        yield text[i : i + n]
        i += n


@pytest.fixture(autouse=True)
def _gui(qapp: object) -> None:
    """QTextDocument needs a QGuiApplication to resolve fonts."""


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[TranscriptView]:
    v = TranscriptView(dark=False)
    v.open_links = False
    v.resize(640, 480)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    yield v


# -- streaming equals rendering at once --------------------------------------------------------


@pytest.mark.parametrize("name", list(TRICKY))
def test_streaming_ends_in_the_same_document(name: str) -> None:
    text = TRICKY[name]
    once_doc, once = render_once(text)
    expected = block_signature(once_doc)
    for sizes, seed in (([1], 0), ([1, 2, 3, 5, 8], 1), ([4, 17, 40], 2)):
        doc, streamed = render_streamed(text, sizes, seed=seed)
        assert block_signature(doc) == expected, (name, sizes)
        assert doc.toPlainText() == once_doc.toPlainText()
        assert [streamed.code_block(n) for n in range(streamed.code_block_count)] == [
            once.code_block(n) for n in range(once.code_block_count)
        ]
        assert streamed.text == text


@pytest.mark.parametrize("name", [n for n in TRICKY if TRICKY[n].strip()])
def test_rendering_at_once_matches_qt_setHtml(name: str) -> None:
    text = TRICKY[name]
    doc, _ = render_once(text)
    html = md.render_markdown(text, dark=False).html
    reference = QTextDocument()
    reference.setHtml(html)
    # The renderer's region starts after its (1 px high) anchor block. A document that starts
    # with a table has an empty first block before it: there the anchor block takes its place.
    skip = 1 if html.startswith("<table") else 0
    assert doc.toPlainText() == "\n" * (1 - skip) + reference.toPlainText()
    assert block_signature(doc, start_block=1) == block_signature(reference, start_block=skip)


def test_random_cuts_of_a_long_mixed_reply() -> None:
    text = "\n".join(TRICKY.values()) + "\n"
    once_doc, _ = render_once(text)
    for seed in range(3):
        doc, _ = render_streamed(text, [1, 2, 3, 7, 30, 120], seed=seed)
        assert block_signature(doc) == block_signature(once_doc)


LINES = [
    "", "", "para", "more text", "- a", "* b", "  - nested", "1. one", "2) two", "10. ten",
    "```", "```py", "~~~", "    indented", "> quote", ">", "| x | y |", "|---|---|", "|-", "# h",
    "---", "===", "- [ ] task", "[r]: https://e.com", "[r] and [s]", "  continued", "<div>",
    "\t tab", "  ", "- ", "1.", "> > deep", "> - in quote", "1. > quoted", "**bold `co", "de` x**",
    "| a \\| b |", "    - code?", "\u05e9\u05dc\u05d5\u05dd", "#", "- # h", "![i](http://e.com/i.png)",
    "``` x`", "````", "#h", "  ```", "   # h", "***", "Setext", "==", "  ~~~",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.sampled_from(LINES), max_size=14),
    cuts=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=8),
    crlf=st.booleans(),
)
def test_streaming_equals_at_once_on_generated_markdown(
    lines: list[str], cuts: list[int], crlf: bool
) -> None:
    text = ("\r\n" if crlf else "\n").join(lines)
    once_doc, _ = render_once(text)
    doc = QTextDocument()
    renderer = ReplyRenderer(doc, dark=False)
    i = k = 0
    while i < len(text):
        n = cuts[k % len(cuts)]
        renderer.append(text[i : i + n])
        i, k = i + n, k + 1
    renderer.finish()
    assert block_signature(doc) == block_signature(once_doc)


def test_crlf_split_between_deltas() -> None:
    doc, r = render_streamed("a\r\nb\r\n\r\nc\rd\r", [1])
    once_doc, _ = render_once("a\nb\n\nc\nd\n")
    assert doc.toPlainText() == once_doc.toPlainText()
    assert r.text == "a\r\nb\r\n\r\nc\rd\r"


def test_a_fence_is_not_committed_by_a_half_received_line() -> None:
    doc = QTextDocument()
    r = ReplyRenderer(doc, dark=False)
    r.append("para\n```")  # could open a fence, or be the start of "```x`" text
    r.append("x`\nmore\n")
    r.finish()
    assert r.code_block_count == 0
    assert "para ```x` more" in doc.toPlainText()


def test_references_defined_after_use_resolve_at_finish() -> None:
    doc = QTextDocument()
    r = ReplyRenderer(doc, dark=False)
    for piece in pieces(TRICKY["references"], [3]):
        r.append(piece)
    r.finish()
    html = doc.toHtml()
    assert 'href="https://e.com/r"' in html and 'href="https://e.com/b"' in html
    assert r.stats.full_renders == 1


def test_append_after_finish_is_refused() -> None:
    r = ReplyRenderer(QTextDocument(), dark=False)
    r.finish()
    with pytest.raises(RuntimeError):
        r.append("more")


# -- the cost of an update does not grow with the reply -----------------------------------------


def long_reply(blocks: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "screen", "window", "table", "value", "code"]

    def sentence(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."

    out = []
    for i in range(blocks):
        kind = i % 5
        if kind == 0:
            out.append(f"## Part {i}\n\n{sentence(30)}\n")
        elif kind == 1:
            lines = "\n".join(f"    x{j} = {j} * {i}  # {sentence(3)}" for j in range(6))
            out.append(f"```python\ndef f{i}():\n{lines}\n```\n")
        elif kind == 2:
            rows = "".join(f"| {sentence(2)} | {j} |\n" for j in range(5))
            out.append(f"| name | n |\n|---|--:|\n{rows}")
        elif kind == 3:
            out.append("".join(f"- {sentence(6)}\n" for _ in range(5)))
        else:
            out.append(f"> {sentence(12)}\n> {sentence(9)}\n")
    return "\n".join(out)


def test_work_per_update_does_not_grow_with_the_reply() -> None:
    text = long_reply(400)  # ~75,000 characters
    assert len(text) > 60_000
    doc = QTextDocument()
    r = ReplyRenderer(doc, dark=False)
    source, touched = [], []
    for piece in pieces(text, [5, 20, 60]):
        r.append(piece)
        source.append(r.stats.last_source_chars)
        touched.append(r.stats.last_doc_chars)
    r.finish()
    biggest_block = max(len(b) for b in text.split("\n\n"))
    # an update parses the open block (plus the delta and a few lines), never the reply
    assert max(source) < 3 * biggest_block + 200
    assert max(touched) < 6 * biggest_block + 400
    tenth = len(source) // 10

    def mean(xs: list[int]) -> float:
        return sum(xs) / len(xs)

    assert mean(source[-tenth:]) <= 1.5 * mean(source[:tenth])
    assert mean(touched[-tenth:]) <= 1.5 * mean(touched[:tenth])
    assert r.stats.full_renders == 0
    once_doc, _ = render_once(text)
    assert doc.toPlainText() == once_doc.toPlainText()


# -- code blocks and the clipboard --------------------------------------------------------------


def anchor_point(view: TranscriptView, href: str) -> QPoint:
    """Viewport coordinates of the middle of the link to href."""
    doc = view.document()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().anchorHref() == href:
                cursor = QTextCursor(doc)
                cursor.setPosition(frag.position() + frag.length() // 2)
                view.setTextCursor(cursor)
                view.ensureCursorVisible()
                rect = view.cursorRect(cursor)
                return rect.center()
            it += 1
        block = block.next()
    raise AssertionError(f"no link to {href}")


def click(qtbot: QtBot, view: TranscriptView, href: str) -> None:
    point = anchor_point(view, href)
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


def test_copy_link_copies_the_exact_code(qtbot: QtBot, view: TranscriptView) -> None:
    code_a = 'print("<a> & b")\n\n\tindented\t tab'
    code_b = "SELECT 1;"
    r = view.add_reply()
    for piece in pieces(f"Two blocks:\n\n```python\n{code_a}\n```\n\n```sql\n{code_b}\n```\n", [4]):
        r.append(piece)
    r.finish()
    assert (r.code_block(0), r.code_block(1)) == (code_a, code_b)
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("before")
    with qtbot.waitSignal(view.codeCopied, timeout=2000) as blocker:
        click(qtbot, view, "askshot-copy:0/1")
    assert blocker.args == [code_b]
    assert clipboard.text() == code_b
    click(qtbot, view, "askshot-copy:0/0")
    assert clipboard.text() == code_a


def test_code_is_highlighted_in_the_view(view: TranscriptView) -> None:
    r = view.add_reply()
    r.append("```python\nimport os\n```\n")
    r.finish()
    colours = {c for block in block_signature(view.document()) for c in _colours_of(block)}
    assert len(colours) >= 2


def test_several_replies_share_one_view(qtbot: QtBot, view: TranscriptView) -> None:
    view.append_html("<p><b>You</b><br>first question</p>")
    first = view.add_reply()
    first.append("Answer one.\n\n```\nalpha\n```\n\n- open")
    view.append_html("<p><b>You</b><br>second question</p>")
    second = view.add_reply()
    second.append("Answer two.\n\n```\nbeta\n```\n")
    first.append(" item\n\nmore one")  # the first reply keeps streaming above the second
    first.finish()
    second.finish()
    plain = view.document().toPlainText()
    assert plain.index("Answer one.") < plain.index("open item") < plain.index("more one")
    assert plain.index("more one") < plain.index("second question") < plain.index("Answer two.")
    first.set_dark(True)  # re-rendering the first leaves the second in place
    assert view.document().toPlainText() == plain
    click(qtbot, view, "askshot-copy:1/0")
    assert QGuiApplication.clipboard().text() == "beta"
    click(qtbot, view, "askshot-copy:0/0")
    assert QGuiApplication.clipboard().text() == "alpha"


def test_set_dark_renders_once_with_the_other_colours(view: TranscriptView) -> None:
    r = view.add_reply()
    r.append("# T\n\n```python\nx = 1\n```\n\nstill open")
    before = view.document().toPlainText()
    light = block_signature(view.document())
    view.set_dark(True)
    assert r.dark and r.stats.full_renders == 1
    assert view.document().toPlainText() == before
    assert block_signature(view.document()) != light
    r.append(" and done")
    r.finish()
    assert view.document().toPlainText().endswith("still open and done")


def test_user_blocks_keep_their_own_format(view: TranscriptView) -> None:
    r = view.add_reply()
    r.append("- a list item")
    r.finish()
    view.append_html("<p>a notice</p>")
    last = view.document().lastBlock()
    assert last.text() == "a notice" and last.textList() is None


# -- links ------------------------------------------------------------------------------------


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    urls: list[QUrl] = []

    def fake_open(url: QUrl) -> bool:
        urls.append(QUrl(url))
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(fake_open))
    return urls


def test_links_open_only_when_clicked(
    qtbot: QtBot, view: TranscriptView, opened: list[QUrl]
) -> None:
    view.open_links = True
    r = view.add_reply()
    r.append("See [the docs](https://example.com/docs) or [mail](mailto:a@example.com).\n")
    r.finish()
    point = anchor_point(view, "https://example.com/docs")
    QTest.mouseMove(view.viewport(), point)
    qtbot.wait(50)
    assert opened == []  # hovering opens nothing
    with qtbot.waitSignal(view.linkClicked, timeout=2000) as blocker:
        QTest.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
        )
    assert blocker.args == [QUrl("https://example.com/docs")]
    assert opened == [QUrl("https://example.com/docs")]
    click(qtbot, view, "mailto:a@example.com")
    assert opened[-1] == QUrl("mailto:a@example.com")


def test_other_schemes_never_open(view: TranscriptView, opened: list[QUrl]) -> None:
    view.open_links = True
    for url in ("file:///etc/passwd", "javascript:alert(1)", "askshot-copy:9/9", "ftp://e.com"):
        view.anchorClicked.emit(QUrl(url))
    assert opened == []


# -- nothing is ever loaded -------------------------------------------------------------------


def test_no_resource_is_loaded(
    qtbot: QtBot, view: TranscriptView, server: fs.FakeServer, tmp_path: Path
) -> None:
    image = tmp_path / "local.png"
    image.write_bytes(bytes.fromhex("89504e470d0a1a0a"))
    remote = f"http://127.0.0.1:{server.port}/pixel.png"
    text = (
        f"![tracker]({remote})\n\n"
        f'<img src="{remote}"> <img src="{image.as_uri()}">\n\n'
        f"![local]({image.as_uri()}) ![rel](pixel.png) ![dot]({PIXEL})\n\n"
        f"[link]({remote})\n"
    )
    r = view.add_reply()
    for piece in pieces(text, [9]):
        r.append(piece)
    r.finish()
    view.grab()  # lay out and paint everything
    qtbot.wait(200)
    assert server.requests == []
    images = []
    block = view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                images.append(QTextImageFormat(fmt).name())
            it += 1
        block = block.next()
    assert images == [PIXEL]  # only the self-contained image is an image
    assert view.blocked_resources == []  # and nothing else was even asked for
    plain = view.document().toPlainText()
    assert "[Image: tracker]" in plain and f'<img src="{remote}">' in plain


def test_load_resource_answers_only_data_images(view: TranscriptView, tmp_path: Path) -> None:
    image = tmp_path / "real.png"
    from PySide6.QtGui import QImage

    QImage(4, 4, QImage.Format.Format_RGB32).save(str(image))
    kind = QTextDocument.ResourceType.ImageResource
    assert view.loadResource(kind, QUrl.fromLocalFile(str(image))) is None
    assert view.loadResource(kind, QUrl("http://127.0.0.1:9/x.png")) is None
    assert view.loadResource(QTextDocument.ResourceType.StyleSheetResource, QUrl("a.css")) is None
    loaded = view.loadResource(kind, QUrl(PIXEL))
    assert isinstance(loaded, QImage) and loaded.width() == 1
    assert len(view.blocked_resources) == 3


# -- right-to-left ----------------------------------------------------------------------------


def first_line_start_x(block: QTextBlock) -> float:
    x: Any = block.layout().lineAt(0).cursorToX(0)
    return float(x[0] if isinstance(x, tuple) else x)


def test_each_paragraph_takes_its_own_direction(view: TranscriptView) -> None:
    r = view.add_reply()
    r.append("This paragraph is English.\n\nזו פסקה בעברית, עם מילה English באמצע.\n\n")
    r.append("- פריט ברשימה\n- an item\n\nمرحبا بالعالم\n")
    r.finish()
    view.grab()
    doc = view.document()
    found = {}
    block = doc.begin()
    while block.isValid():
        if block.text():
            found[block.text().split()[0]] = block
        block = block.next()
    width = view.viewport().width()
    for first_word in ("This", "-", "an"):
        if first_word in found:
            block = found[first_word]
            assert block.textDirection() == Qt.LayoutDirection.LeftToRight
    for first_word in ("זו", "פריט", "مرحبا"):
        block = found[first_word]
        assert block.textDirection() == Qt.LayoutDirection.RightToLeft
        assert first_line_start_x(block) > width / 2  # starts at the right edge
    english = found["This"]
    assert english.textDirection() == Qt.LayoutDirection.LeftToRight
    assert first_line_start_x(english) < width / 4


# -- odds and ends ----------------------------------------------------------------------------


def test_renderer_accepts_a_plain_text_browser(qtbot: QtBot) -> None:
    browser = QTextBrowser()
    qtbot.addWidget(browser)
    r = ReplyRenderer(browser, dark=False)
    r.append("**hi**")
    r.finish()
    assert browser.toPlainText().strip() == "hi"


def test_dark_palette_detection() -> None:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Base, Qt.GlobalColor.black)
    palette.setColor(QPalette.ColorRole.Text, Qt.GlobalColor.white)
    assert is_dark_palette(palette)
    palette.setColor(QPalette.ColorRole.Base, Qt.GlobalColor.white)
    palette.setColor(QPalette.ColorRole.Text, Qt.GlobalColor.black)
    assert not is_dark_palette(palette)


def test_tables_in_a_streamed_reply_are_qt_tables(view: TranscriptView) -> None:
    r = view.add_reply()
    for line in TRICKY["table row by row"].splitlines(keepends=True):
        r.append(line)
    r.finish()
    tables = [f for f in view.document().rootFrame().childFrames() if isinstance(f, QTextTable)]
    assert [(t.rows(), t.columns()) for t in tables] == [(3, 2), (2, 1)]


def test_a_view_renders_at_most_every_update_interval(qtbot: QtBot, view: TranscriptView) -> None:
    r = view.add_reply(min_interval=0.2)
    r.append("first")  # the first update is immediate
    assert "first" in view.document().toPlainText()
    r.append(" second")  # within the interval: waits for the timer
    assert r.stats.updates == 1 and "second" not in view.document().toPlainText()
    qtbot.waitUntil(lambda: "first second" in view.document().toPlainText(), timeout=2000)
    r.append(" third")
    r.flush()
    assert view.document().toPlainText().endswith("first second third")
    r.append(" last")
    r.finish()  # renders what waits, at once
    assert view.document().toPlainText().endswith("first second third last")
    assert r.stats.updates == 4


def test_clear_empties_the_reply_only(view: TranscriptView) -> None:
    view.append_html("<p>question</p>")
    r = view.add_reply(min_interval=0)
    r.append("```\ncode\n```\n\nanswer")
    r.clear()
    assert view.document().toPlainText() == "question\n"
    assert r.text == "" and r.code_block_count == 0
    r.append("again")
    r.finish()
    assert view.document().toPlainText() == "question\n\nagain"


def test_clearing_the_view_detaches_its_replies(view: TranscriptView) -> None:
    r = view.add_reply(min_interval=0)
    r.append("old answer")
    view.clear()
    r.append(" late delta")  # a worker may still deliver after the conversation was cleared
    r.finish()
    assert view.document().toPlainText() == "" and view.replies == []
    fresh = view.add_reply()
    fresh.append("new")
    fresh.finish()
    assert view.document().toPlainText() == "\nnew"  # after its anchor block


def test_a_burst_is_rendered_in_bounded_steps(qtbot: QtBot, view: TranscriptView) -> None:
    text = long_reply(60)
    r = view.add_reply(min_interval=0.01, max_chars=500)
    steps: list[int] = []
    r.on_updated = lambda: steps.append(r.pending)
    r.append(text[:100])
    r.append(text[100:])  # one burst of ~11,000 characters
    assert r.pending > 0  # catching up over the next event-loop turns, not blocking
    qtbot.waitUntil(lambda: r.pending == 0, timeout=10_000)
    assert len(steps) >= len(text) // 500
    r.finish()
    assert all(a - b <= 500 for a, b in itertools.pairwise(steps) if b)
    once_doc, _ = render_once(text)
    assert block_signature(view.document()) == block_signature(once_doc)


def test_an_open_fence_streams_without_a_table(view: TranscriptView) -> None:
    def tables() -> int:
        frames = view.document().rootFrame().childFrames()
        return sum(isinstance(f, QTextTable) for f in frames)

    r = view.add_reply(min_interval=0)
    r.append("Code:\n\n```python\nimport os\n")
    assert tables() == 0 and "import os" in view.document().toPlainText()
    assert r.code_block(0) == "import os"  # already copyable as it streams
    r.append("print(os.sep)\n```\n")
    assert tables() == 1  # closed: the framed block with its Copy link
    r.append("\n")
    assert r.stats.last_source_chars == 1  # and final at once: the open tail is empty
    r.append("\nmore\n\n```\nunclosed")
    assert tables() == 1
    r.finish()  # a reply that ends inside a fence gets the framed block too
    assert tables() == 2


def test_lines_stay_readable_in_a_wide_window(qtbot: QtBot) -> None:
    """In a wide view the conversation is a centred column of about LINE_CHARS characters; in a
    narrow one it fills the width; clearing the view keeps the column."""
    from PySide6.QtGui import QFontMetrics

    from askshot.ui.conversation.transcript import LINE_CHARS, SIDE_MARGIN

    v = TranscriptView(dark=False)
    qtbot.addWidget(v)
    v.resize(1800, 400)
    v.show()
    qtbot.waitExposed(v)
    r = v.add_reply(min_interval=0)
    r.append("word " * 400)
    r.finish()
    column = QFontMetrics(v.font()).averageCharWidth() * LINE_CHARS
    side = v.document().rootFrame().frameFormat().leftMargin()
    assert side == pytest.approx((v.viewport().width() - column) / 2, abs=1)
    block = v.document().findBlock(v.toPlainText().index("word") + 1)
    lines = block.layout().lineCount()
    widest = max(block.layout().lineAt(i).naturalTextWidth() for i in range(lines))
    assert widest <= column + 1 and lines > 1
    v.clear()
    assert v.document().rootFrame().frameFormat().leftMargin() == side
    v.resize(500, 400)
    # narrow: it fills the width but for a gutter, never flush against the frame
    qtbot.waitUntil(lambda: v.document().rootFrame().frameFormat().leftMargin() == SIDE_MARGIN)
    assert v.cursorRect(QTextCursor(v.document())).x() >= SIDE_MARGIN
