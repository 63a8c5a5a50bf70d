"""Light, dark, high contrast or the system's scheme. An explicit choice uses Qt's Fusion style
with a palette of our own, so it looks the same on every desktop; "system" follows the
platform, including a switch between light and dark while Askshot runs (the views that draw
their own colours follow the palette, see TranscriptView)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

_DISABLED_DARK_TEXT = "#6f7378"


def dark_palette() -> QPalette:
    role = QPalette.ColorRole
    colours = {
        role.Window: "#202124",
        role.WindowText: "#e8eaed",
        role.Base: "#17181a",
        role.AlternateBase: "#26272b",
        role.Text: "#e8eaed",
        role.Button: "#2d2e32",
        role.ButtonText: "#e8eaed",
        role.Highlight: "#3d6fd8",
        role.HighlightedText: "#ffffff",
        role.Link: "#8ab4f8",
        role.LinkVisited: "#c58af9",
        role.ToolTipBase: "#2d2e32",
        role.ToolTipText: "#e8eaed",
        role.PlaceholderText: "#9aa0a6",
    }
    return _palette(colours, _DISABLED_DARK_TEXT)


def high_contrast_palette() -> QPalette:
    """White on black, yellow selection, cyan links: every pair at least 7:1 (WCAG AAA for
    text; tests/ui/test_contrast.py computes them)."""
    role = QPalette.ColorRole
    colours = {
        role.Window: "#000000",
        role.WindowText: "#ffffff",
        role.Base: "#000000",
        role.AlternateBase: "#1a1a1a",
        role.Text: "#ffffff",
        role.Button: "#000000",
        role.ButtonText: "#ffffff",
        role.Highlight: "#ffff00",
        role.HighlightedText: "#000000",
        role.Link: "#00ffff",
        role.LinkVisited: "#ff80ff",
        role.ToolTipBase: "#000000",
        role.ToolTipText: "#ffffff",
        role.PlaceholderText: "#c0c0c0",
        role.Mid: "#ffffff",  # Fusion draws frames and focus rings from these: visible edges
        role.Dark: "#ffffff",
        role.Light: "#ffffff",
    }
    return _palette(colours, "#a8a8a8")


def _palette(colours: dict[QPalette.ColorRole, str], disabled_text: str) -> QPalette:
    pal = QPalette()
    for which, colour in colours.items():
        pal.setColor(which, QColor(colour))
    role = QPalette.ColorRole
    for disabled in (role.Text, role.ButtonText, role.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, disabled, QColor(disabled_text))
    return pal


# High contrast: every field and button framed in white, the keyboard focus in a thick yellow
# ring (Fusion draws frames from the window colour, which on black would hide them).
HIGH_CONTRAST_QSS = """
QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QPushButton, QToolButton, QListWidget,
QSpinBox, QDoubleSpinBox, QTabWidget::pane { border: 1px solid #ffffff; }
QPushButton, QToolButton { padding: 3px 8px; }
QPushButton:checked, QToolButton:checked { background: #ffff00; color: #000000; }
*:focus { border: 2px solid #ffff00; }
"""


# The platform's style name and palette, saved before an explicit theme replaces them, so that
# going back to "system" restores them (None: nothing was replaced).
_platform: tuple[str, QPalette] | None = None


def apply_theme(app: QApplication, theme: str) -> bool | None:
    """Apply "system", "light", "dark" or "high-contrast"; returns True when the result is dark
    (high contrast is: white on black), None for
    "system" (the views follow the palette). "system" at start-up touches nothing: the
    platform's style and palette are already in place."""
    global _platform
    app.setStyleSheet(HIGH_CONTRAST_QSS if theme == "high-contrast" else "")
    if theme == "system":
        if _platform is not None:
            name, palette = _platform
            _platform = None
            style = QStyleFactory.create(name)
            if style is not None:
                app.setStyle(style)
            # The platform's palette as it was, with no role set by us: later changes of the
            # system's scheme apply again.
            app.setPalette(palette)
        return None
    if _platform is None:
        _platform = (app.style().name(), QPalette(app.palette()))
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    if theme == "dark":
        app.setPalette(dark_palette())
        return True
    if theme == "high-contrast":
        app.setPalette(high_contrast_palette())
        return True
    app.setPalette(fusion.standardPalette() if fusion is not None else QPalette())
    return False
