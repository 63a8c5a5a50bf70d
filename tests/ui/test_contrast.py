"""The text colours pass WCAG 2.1 contrast, computed: the high-contrast theme at least 7:1 for
every pair of its palette (AAA), and the conversation's own colours (code, quotes, links, the
facts under answers, errors, formulas) at least 4.5:1 (AA) on the backgrounds they are drawn on
in the light, the dark and the high-contrast theme."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from askshot.ui.conversation import markdown as md
from askshot.ui.shell.theme import dark_palette, high_contrast_palette

AA, AAA = 4.5, 7.0


def luminance(colour: str) -> float:
    c = QColor(colour)

    def channel(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_the_formula_is_wcags() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just fails AA


R = QPalette.ColorRole
PAIRS = [
    (R.Text, R.Base),
    (R.WindowText, R.Window),
    (R.ButtonText, R.Button),
    (R.HighlightedText, R.Highlight),
    (R.Link, R.Base),
    (R.LinkVisited, R.Base),
    (R.ToolTipText, R.ToolTipBase),
    (R.PlaceholderText, R.Base),
    (R.Text, R.AlternateBase),
]


@pytest.mark.parametrize(("fg", "bg"), PAIRS, ids=lambda r: r.name)
def test_high_contrast_palette_is_aaa(fg: QPalette.ColorRole, bg: QPalette.ColorRole) -> None:
    pal = high_contrast_palette()
    ratio = contrast(pal.color(fg).name(), pal.color(bg).name())
    assert ratio >= AAA, f"{fg.name} on {bg.name}: {ratio:.2f}"


def test_disabled_text_in_high_contrast_is_still_aa() -> None:
    pal = high_contrast_palette()
    disabled = pal.color(QPalette.ColorGroup.Disabled, R.Text).name()
    assert contrast(disabled, pal.color(R.Base).name()) >= AA


@pytest.mark.parametrize(("fg", "bg"), PAIRS[:4], ids=lambda r: r.name)
def test_dark_palette_is_aa(fg: QPalette.ColorRole, bg: QPalette.ColorRole) -> None:
    pal = dark_palette()
    assert contrast(pal.color(fg).name(), pal.color(bg).name()) >= AA


# The backgrounds each conversation theme is drawn on: its page (the palette's Base) and its
# code blocks; the dark one also serves high contrast (black).
BACKGROUNDS = {
    "light": (md.LIGHT, ["#ffffff"]),
    "dark": (md.DARK, [dark_palette().color(R.Base).name()]),
    "high contrast": (md.DARK, [high_contrast_palette().color(R.Base).name()]),
}
TEXT_FIELDS = ("quote_fg", "link", "math_fg", "muted", "error")


@pytest.mark.parametrize("scheme", list(BACKGROUNDS))
def test_conversation_colours_are_aa(scheme: str) -> None:
    theme, pages = BACKGROUNDS[scheme]
    failures = []
    for page in pages:
        for field in TEXT_FIELDS:
            ratio = contrast(getattr(theme, field), page)
            if ratio < AA:
                failures.append(f"{field} {getattr(theme, field)} on {page}: {ratio:.2f}")
    for fg, bg in (
        (theme.code_fg, theme.code_bg),
        (theme.code_header_fg, theme.code_bg),
        (theme.link, theme.code_bg),  # a code block's Copy link
        (theme.code_fg, theme.inline_code_bg),
    ):
        ratio = contrast(fg, bg)
        if ratio < AA:
            failures.append(f"{fg} on {bg}: {ratio:.2f}")
    assert not failures, failures
