"""Math in answers: the delimiters models write become formulas drawn from vector outlines (not
the source's pixels), in the palette's colour; prices, shell variables and code stay text; a
broken formula stays readable source; a half-written one is text until it is closed; copying
keeps the LaTeX."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QPoint, QUrl
from PySide6.QtGui import QHelpEvent, QImage, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from askshot.ui.conversation import formulas
from askshot.ui.conversation import markdown as md
from askshot.ui.conversation.transcript import TranscriptView

FORMULA = re.compile(r'src="(askshot-math:[0-9a-f]+\?c=[0-9a-f]{6})"')


def formulas_in(text: str) -> list[formulas.Formula]:
    html = md.render_markdown(text, dark=False).html
    found = [formulas.parse_url(u) for u in FORMULA.findall(html)]
    return [f[0] for f in found if f is not None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Euler: $e^{i\\pi}+1=0$.", [("e^{i\\pi}+1=0", False)]),
        ("so $2x+1$ is odd", [("2x+1", False)]),
        ("inline \\(a^2\\) too", [("a^2", False)]),
        ("$$\n\\int_0^1 x\\,dx\n$$", [("\n\\int_0^1 x\\,dx\n", True)]),
        ("\\[\n\\sum_i i\n\\]", [("\n\\sum_i i\n", True)]),
        ("in a line \\[x^2\\] as well", [("x^2", True)]),
        ("or $$y^2$$ inline", [("y^2", True)]),
        ("It costs $5 and $10.", []),
        ("cost $3.50, tax $0.20", []),
        ("echo $HOME", []),
        ("$HOME and $PATH", []),
        ("$10 at `$HOME`", []),
        ("`$x$` in code", []),
        ("```\n$x$\n```", []),
        ("    $x$ indented code", []),
        ("half-written $\\frac{a}{", []),
        ("$E=mc^2$ was published in 1905", [("E=mc^2", False)]),  # a digit at the end
        ("$2 \\times 3 = 6$", [("2 \\times 3 = 6", False)]),  # a number, then TeX
        ("$1 - p$ of them", [("1 - p", False)]),
        ("20$ and $30 each", []),
        ("$x$2 next", []),
        ("see \\[1\\] and \\[2\\]", []),  # Markdown's escaped brackets
        ("\\[x^2\\] and more", [("x^2", True)]),  # not a block: nothing after it is lost
        ("\\[\ny = 1\n\\] (1)", [("\ny = 1\n", True)]),
    ],
)
def test_the_delimiters_models_write(text: str, expected: list[tuple[str, bool]]) -> None:
    assert [(f.latex, f.display) for f in formulas_in(text)] == expected


def test_prices_and_code_around_a_formula_stay_as_they_were() -> None:
    html = md.render_markdown("It costs $5 and $10 at `$HOME`, and $x^2$.", dark=False).html
    assert "It costs $5 and $10 at <code" in html and ">$HOME</code>" in html
    assert html.count("askshot-math:") == 1


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[TranscriptView]:
    v = TranscriptView(dark=False)
    v.resize(640, 400)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    yield v


def image_of(view: TranscriptView, text: str) -> tuple[QUrl, QImage]:
    url = QUrl(FORMULA.findall(md.render_markdown(text, dark=view.dark).html)[0])
    image = view.document().resource(QTextDocument.ResourceType.ImageResource, url)
    assert isinstance(image, QImage)
    return url, image


def settled(qtbot: QtBot, view: TranscriptView) -> None:
    qtbot.waitUntil(
        lambda: not (view._math_waiting or view._math_arrived or view._math_swap), timeout=10_000
    )


def test_a_formula_is_drawn_not_its_source(qtbot: QtBot, view: TranscriptView) -> None:
    text = "The area is $\\frac{a}{b}\\sqrt{c}$ here."
    r = view.add_reply(min_interval=0)
    r.append(text)
    r.finish()
    url, _ = image_of(view, text)
    found = formulas.parse_url(url)
    assert found is not None
    source = view._formula_source(found[0], found[1])
    settled(qtbot, view)
    _, drawn = image_of(view, text)
    assert drawn.size() != source.size() or drawn != source  # the formula, not its source
    assert drawn.height() > source.height()  # a fraction is taller than a line of text
    assert drawn.devicePixelRatio() == view.devicePixelRatioF()
    ink = {
        drawn.pixelColor(x, y).name()
        for x in range(drawn.width())
        for y in range(drawn.height())
        if drawn.pixelColor(x, y).alpha() == 255
    }
    assert ink == {md.LIGHT.math_fg}  # in the text colour (the edges are antialiased)
    assert "The area is" in view.toPlainText()


def test_a_broken_formula_stays_its_source(qtbot: QtBot, view: TranscriptView) -> None:
    text = "Broken: $\\frac{a}{$ end"
    assert formulas_in(text)  # a formula to the parser, but LaTeX that cannot be laid out
    r = view.add_reply(min_interval=0)
    r.append(text)
    r.finish()
    url, _ = image_of(view, text)
    found = formulas.parse_url(url)
    assert found is not None
    settled(qtbot, view)
    _, shown = image_of(view, text)
    assert shown == view._formula_source(found[0], found[1])  # the source, as text


def test_a_half_written_formula_is_text_until_it_is_closed(
    qtbot: QtBot, view: TranscriptView
) -> None:
    r = view.add_reply(min_interval=0)
    r.append("Area: $\\frac{a")
    assert "$\\frac{a" in view.toPlainText()
    assert "askshot-math" not in view.document().toHtml()
    r.append("}{b}$ done")
    r.finish()
    assert "askshot-math" in view.document().toHtml()
    assert "$\\frac" not in view.toPlainText()


def test_copying_keeps_the_latex(
    qtbot: QtBot, view: TranscriptView, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = view.add_reply(min_interval=0)
    r.append("Euler: $e^{i\\pi}+1=0$ and\n\n$$\nx^2\n$$\n")
    r.finish()
    settled(qtbot, view)
    view.selectAll()
    copied = view.createMimeDataFromSelection().text()
    assert "Euler: $e^{i\\pi}+1=0$ and" in copied
    assert "$$x^2$$" in copied
    # the formula under the pointer: what its tooltip and "Copy LaTeX" give
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.toPlainText().index("\ufffc"))
    rect = view.cursorRect(cursor)
    found = view.formula_at(QPoint(rect.x() + 4, rect.center().y()))
    assert found is not None and found.latex == "e^{i\\pi}+1=0"
    shown: list[str] = []
    monkeypatch.setattr(QToolTip, "showText", lambda _pos, text, *_a: shown.append(text))
    at = QPoint(rect.x() + 4, rect.center().y())
    event = QHelpEvent(QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at))
    QApplication.sendEvent(view.viewport(), event)  # as Qt delivers a hover's tooltip
    assert shown == ["e^{i\\pi}+1=0"]


def test_dark_formulas_are_drawn_in_the_dark_palettes_text_colour(qtbot: QtBot) -> None:
    v = TranscriptView(dark=True)
    qtbot.addWidget(v)
    v.show()
    r = v.add_reply(min_interval=0)
    r.append("$x+y$")
    r.finish()
    settled(qtbot, v)
    url, image = image_of(v, "$x+y$")
    assert url.toString().endswith("?c=" + md.DARK.math_fg.lstrip("#"))
    opaque = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    assert {c.name() for c in opaque if c.alpha() == 255} == {md.DARK.math_fg}
