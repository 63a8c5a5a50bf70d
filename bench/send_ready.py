"""From Enter on the selection to the request body ready, for a full 3840x2160 shot: crop the
frozen capture, flatten the (empty) markup, convert, fit to o4-mini, encode, build the JSON body.
Baseline in the same run: Qt writing the same 4K image as a PNG. Prints JSON (medians).

    QT_QPA_PLATFORM=offscreen python bench/send_ready.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect  # noqa: E402
from PySide6.QtGui import QColor, QFont, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def screenshot_like(w: int, h: int) -> QImage:
    """Flat UI colours with lines of text, like a real desktop."""
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor(246, 246, 248))
    p = QPainter(img)
    p.fillRect(0, 0, w, 64, QColor(40, 44, 52))
    p.fillRect(0, 64, 420, h - 64, QColor(230, 232, 236))
    font = QFont("DejaVu Sans Mono")
    font.setPixelSize(18)
    p.setFont(font)
    p.setPen(QColor(30, 30, 30))
    for i, y in enumerate(range(100, h - 20, 26)):
        p.drawText(460, y, f"{i:4d}  Traceback (most recent call last): File 'app.py', line {i}")
    p.end()
    return img


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    QApplication([])
    from askshot.core.images import prepare_pil
    from askshot.core.llm.client import build_body
    from askshot.core.types import ChatRequest, Message
    from askshot.platform.capture import Capture, ScreenShot
    from askshot.ui.capture.annotations import flatten
    from askshot.ui.composer.attachments import qimage_to_pil

    shot = screenshot_like(3840, 2160)
    capture = Capture([ScreenShot(shot, QRect(0, 0, 3840, 2160), 1.0, "bench")])
    pipeline, baseline, sizes = [], [], None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        crop = capture.crop(QRect(0, 0, 3840, 2160))
        marked = flatten(crop, [])
        prepared = prepare_pil(qimage_to_pil(marked, "Screenshot"), "o4-mini", name="Screenshot")
        body = build_body(
            ChatRequest("o4-mini", (Message("user", "What is wrong?", (prepared.part,)),))
        )
        payload = json.dumps(body)
        pipeline.append((time.perf_counter() - t0) * 1000)
        sizes = (prepared.part.width, prepared.part.height, prepared.part.mime, len(payload))

        t0 = time.perf_counter()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        shot.save(buf, "PNG")
        baseline.append((time.perf_counter() - t0) * 1000)
    print(
        json.dumps(
            {
                "screen": "3840x2160",
                "runs": args.runs,
                "enter_to_body_ready_ms": {
                    "median": round(statistics.median(pipeline), 1),
                    "all": [round(x, 1) for x in pipeline],
                },
                "baseline_qt_png_of_full_4k_ms": round(statistics.median(baseline), 1),
                "sent": {
                    "width": sizes[0] if sizes else None,
                    "height": sizes[1] if sizes else None,
                    "mime": sizes[2] if sizes else None,
                    "body_bytes": sizes[3] if sizes else None,
                },
                "target_ms": 150,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
