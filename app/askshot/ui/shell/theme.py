"""Light, dark or the system's scheme. An explicit choice uses Qt's Fusion style with a palette
of our own, so it looks the same on every desktop; "system" follows the platform, including a
switch between light and dark while Askshot runs (the views that draw their own colours follow
the palette, see TranscriptView)."""

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
    pal = QPalette()
    for which, colour in colours.items():
        pal.setColor(which, QColor(colour))
    for disabled in (role.Text, role.ButtonText, role.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, disabled, QColor(_DISABLED_DARK_TEXT))
    return pal


# The platform's style name and palette, saved before an explicit theme replaces them, so that
# going back to "system" restores them (None: nothing was replaced).
_platform: tuple[str, QPalette] | None = None


def apply_theme(app: QApplication, theme: str) -> bool | None:
    """Apply "system", "light" or "dark"; returns True when the result is dark, None for
    "system" (the views follow the palette). "system" at start-up touches nothing: the
    platform's style and palette are already in place."""
    global _platform
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
    app.setPalette(fusion.standardPalette() if fusion is not None else QPalette())
    return False
