"""Render the app icon (resources/icons/hicolor/scalable/apps/<app id>.svg) to the PNG sizes of
the hicolor theme, beside it. Run after changing the SVG; the PNGs are committed.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/render_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

from askshot import APP_ID
from askshot.platform.desktop import ICON_SIZES

HICOLOR = Path(__file__).resolve().parents[1] / "resources" / "icons" / "hicolor"


def main() -> None:
    app = QGuiApplication(sys.argv[:1])
    svg = (HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg").read_bytes()
    renderer = QSvgRenderer(QByteArray(svg))
    for n in ICON_SIZES:
        image = QImage(n, n, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, n, n))
        painter.end()
        target = HICOLOR / f"{n}x{n}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(target), "PNG")
        print(target.relative_to(HICOLOR.parents[2]))
    del app


if __name__ == "__main__":
    main()
