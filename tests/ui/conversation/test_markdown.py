"""Markdown -> Qt rich text: what QTextDocument actually makes of the HTML, in both colour
schemes, and that untrusted input stays inert (no raw HTML, no remote images, no odd links)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextDocument, QTextFrame, QTextTable

from askshot.ui.conversation import markdown as md
from askshot.ui.conversation.markdown import Labels, render_markdown
from tests.helpers import ROOT

PIXEL = (  # a 1x1 PNG
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQAB"
    "pfZFQAAAAABJRU5ErkJggg=="
)


@pytest.fixture(autouse=True)
def _gui(qapp: object) -> None:
    """QTextDocument needs a QGuiApplication to resolve fonts."""


def document(text: str, *, dark: bool = False) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(render_markdown(text, dark=dark).html)
    return doc


def tables(doc: QTextDocument) -> list[QTextTable]:
    found: list[QTextTable] = []

    def walk(frame: QTextFrame) -> None:
        for child in frame.childFrames():
            if isinstance(child, QTextTable):
                found.append(child)
            walk(child)

    walk(doc.rootFrame())
    return found


def cell_text(table: QTextTable, row: int, col: int) -> str:
    cell = table.cellAt(row, col)
    block = cell.firstCursorPosition().block()
    return block.text()


def fragments(doc: QTextDocument) -> list[tuple[str, QTextCharFormat]]:
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            out.append((frag.text(), frag.charFormat()))
            it += 1
        block = block.next()
    return out


def test_markdown_module_needs_no_qt() -> None:
    code = (
        "import sys, askshot.ui.conversation.markdown; "
        "assert not [m for m in sys.modules if 'PySide6' in m]"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_gfm_table_becomes_a_qtexttable_with_alignment() -> None:
    doc = document("| Name | Qty |\n|:-----|----:|\n| Apple | 3 |\n| Pear | 10 |\n")
    [table] = tables(doc)
    assert (table.rows(), table.columns()) == (3, 2)
    assert [cell_text(table, r, 0) for r in range(3)] == ["Name", "Apple", "Pear"]
    assert cell_text(table, 2, 1) == "10"
    header = table.cellAt(0, 0).firstCursorPosition().charFormat()
    assert header.fontWeight() >= 600  # <th> is bold
    qty = table.cellAt(1, 1).firstCursorPosition().block().blockFormat().alignment()
    assert qty & Qt.AlignmentFlag.AlignRight


def test_task_list_items_show_boxes_without_bullets() -> None:
    doc = document("- [x] done\n- [ ] to do\n")
    lines = doc.toPlainText().splitlines()
    assert lines == ["☑ done", "☐ to do"]
    block = doc.begin()
    text_list = block.textList()
    assert text_list is not None
    assert text_list.format().style().value == 0  # no bullet: the box is the marker


def test_mixed_list_keeps_its_bullets() -> None:
    html = render_markdown("- [x] done\n- plain item\n", dark=False).html
    assert "list-style-type:none" not in html
    assert "☑ done" in html


def test_strikethrough_and_emphasis() -> None:
    doc = document("~~gone~~ **bold** *it*")
    formats = dict(fragments(doc))
    assert formats["gone"].fontStrikeOut()
    assert formats["bold"].fontWeight() >= 600
    assert formats["it"].fontItalic()


def test_code_is_highlighted_and_kept_exactly() -> None:
    code = 'def f(x):\n    return "<b>" + x  # & done\n\n\tindented'
    rendered = render_markdown(f"```python\n{code}\n```\n", dark=False)
    assert rendered.code_blocks == [code]
    doc = QTextDocument()
    doc.setHtml(rendered.html)
    assert code in doc.toPlainText()
    colours = {f.foreground().color().name() for t, f in fragments(doc) if t.strip()}
    assert len(colours) >= 3  # keyword, string, comment, plain... not all one colour
    def_format = next(f for t, f in fragments(doc) if t == "def")
    assert def_format.foreground().color().name() != QColor("black").name()


def test_light_and_dark_schemes_differ() -> None:
    text = "```python\nimport os\n```\n"
    light, dark = (render_markdown(text, dark=d).html for d in (False, True))
    assert md.LIGHT.code_bg in light and md.DARK.code_bg in dark
    assert light != dark


@pytest.mark.parametrize("scheme", [md.LIGHT, md.DARK], ids=["light", "dark"])
def test_every_code_colour_is_readable_on_its_background(scheme: md.Theme) -> None:
    def luminance(colour: str) -> float:
        c = QColor(colour)

        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    def contrast(a: str, b: str) -> float:
        la, lb = sorted((luminance(a), luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    colours = {scheme.code_fg, scheme.code_header_fg, scheme.link}
    for css in md._token_css(scheme.pygments_style).values():
        colours |= {p.split(":")[1] for p in css.split(";") if p.startswith("color:")}
    worst = min(colours, key=lambda c: contrast(c, scheme.code_bg))
    assert contrast(worst, scheme.code_bg) >= 4.5, worst


@pytest.mark.parametrize(
    ("lang", "highlighted"),
    [
        ("python", True),
        ("py", True),
        ("rs", True),
        ("{.js}", True),
        ("nosuchlang", False),
        ("", False),
    ],
)
def test_language_from_the_fence_info(lang: str, highlighted: bool) -> None:
    html = md.highlight("let x = 1;\n", lang, dark=False)
    assert ("<span" in html) is highlighted
    assert re.sub("<[^>]+>", "", html) == "let x = 1;\n"


def test_copy_links_number_the_code_blocks() -> None:
    text = "```\none\n```\n\ntext\n\n    two\n\n```sh\nthree\n```\n"
    rendered = render_markdown(text, dark=False, first_code_block=5, copy_prefix="askshot-copy:2/")
    assert rendered.code_blocks == ["one", "two", "three"]
    for n in (5, 6, 7):
        assert f'href="askshot-copy:2/{n}"' in rendered.html
    assert rendered.html.count(">Copy</a>") == 3


def test_labels_are_the_callers() -> None:
    html = render_markdown(
        "```\nx\n```\n\n![a](https://e.com/i.png)", dark=False, labels=Labels("Kopieren", "Bild")
    ).html
    assert ">Kopieren</a>" in html and "[Bild: a]" in html


def test_raw_html_is_shown_as_text() -> None:
    text = '<script>alert("x")</script>\n\nInline <img src="http://e.com/t.png"> and <b>b</b>.'
    html = render_markdown(text, dark=False).html
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    plain = document(text).toPlainText()
    assert '<script>alert("x")</script>' in plain
    assert '<img src="http://e.com/t.png">' in plain


def test_remote_images_become_links_and_data_images_stay() -> None:
    pixel = PIXEL
    text = f"![tracker](http://127.0.0.1:9/t.png) ![](https://e.com/x.png) ![dot]({pixel})"
    html = render_markdown(text, dark=False).html
    assert '<a href="http://127.0.0.1:9/t.png"' in html and "[Image: tracker]</a>" in html
    assert "[Image: https://e.com/x.png]</a>" in html
    assert html.count("<img") == 1 and f'src="{pixel}"' in html


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](file:///etc/passwd)",
        "[x](relative/page.html)",
        "[x](ftp://e.com/f)",
        "![x](file:///etc/passwd)",
    ],
)
def test_only_web_and_mail_links_are_clickable(link: str) -> None:
    html = render_markdown(link, dark=False).html
    assert "<a " not in html and "<img" not in html


def test_safe_links_and_autolinks() -> None:
    html = render_markdown(
        "[w](https://e.com/a?b=1&c=2) <mailto:me@e.com> <http://e.com>", dark=False
    ).html
    assert 'href="https://e.com/a?b=1&amp;c=2"' in html
    assert 'href="mailto:me@e.com"' in html and 'href="http://e.com"' in html


def test_image_inside_a_link_makes_one_link() -> None:
    html = render_markdown("[![alt](https://e.com/i.png)](https://e.com/page)", dark=False).html
    assert html.count("<a ") == 1 and 'href="https://e.com/page"' in html


def test_ordered_list_start_and_nesting() -> None:
    doc = document("3. three\n4. four\n   - inner\n")
    first = doc.begin()
    text_list = first.textList()
    assert text_list is not None
    assert text_list.itemText(first) == "3."
    inner = doc.findBlockByNumber(2)
    assert inner.text() == "inner" and inner.textList() is not text_list


def test_a_table_is_numbered_with_the_code_blocks_and_offers_csv_tsv_and_save() -> None:
    text = (
        "```\none\n```\n\n"
        "| Item | **Price** |\n|---|--:|\n| `tea` | $3 |\n| [cake](https://e.com) | $4, or 5 |\n"
    )
    rendered = render_markdown(text, dark=False, copy_prefix="askshot-copy:0/")
    assert rendered.code_blocks == [
        "one",
        (("Item", "Price"), ("tea", "$3"), ("cake", "$4, or 5")),  # plain text, markup gone
    ]
    for fmt, label in (("csv", "Copy CSV"), ("tsv", "Copy TSV"), ("save", "Save CSV…")):
        assert f'href="askshot-copy:0/1.{fmt}"' in rendered.html
        assert f">{label}</a>" in rendered.html
