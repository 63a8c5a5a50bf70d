"""The app icon for Windows (.ico) and macOS (.icns), from the committed hicolor PNGs (rendered
from the SVG by tools/render_icons.py). Pillow only, no Qt; the same bytes on every run.

    python packaging/icons.py OUT_DIR        writes OUT_DIR/askshot.ico and OUT_DIR/askshot.icns
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
APP_ID = "io.github.askshot.Askshot"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"


def png(size: int) -> Image.Image:
    with Image.open(HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png") as image:
        return image.convert("RGBA")


def windows_icon(out_dir: Path) -> Path:
    """16 to 256 px, each drawn at its size (not scaled down from one large image)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sizes = (16, 24, 32, 48, 64, 128, 256)
    images = [png(n) for n in sizes]
    path = out_dir / "askshot.ico"
    images[-1].save(path, format="ICO", sizes=[(n, n) for n in sizes], append_images=images[:-1])
    return path


def macos_icon(out_dir: Path) -> Path:
    """Pillow writes every ICNS size (16 to 1024, @2x) from the largest image given."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "askshot.icns"
    largest = png(512).resize((1024, 1024), Image.Resampling.LANCZOS)
    largest.save(path, format="ICNS", append_images=[png(n) for n in (16, 32, 64, 128, 256, 512)])
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "build/icons")
    print(windows_icon(target))
    print(macos_icon(target))
