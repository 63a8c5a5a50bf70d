"""Screenshots of the model layer for the README: the composer's retirement notice with its
one-step move (and the ½-price switch and the monthly budget beside the estimate), and the model
picker filtering the provider's long list as you type. The real window against the loopback test
server, grabbed with Qt; the picker's popup is a window of its own, painted in where it opened.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots_models.py [OUT_DIR]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtGui import QPainter  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from tests.helpers import fakeserver as fs  # noqa: E402
from tools.screenshots import (  # noqa: E402
    ask,
    open_window,
    pump,
    start_app,
    use_server,
    wait_idle,
)

VENDORS = ("openai", "anthropic", "google", "meta-llama", "mistralai", "qwen", "x-ai", "deepseek")


def openrouter_like_list() -> dict[str, object]:
    """An OpenAI-shaped list without o4-mini (retired), with prices and a long tail."""
    data: list[dict[str, object]] = [
        {"id": "gpt-6-luna", "pricing": {"prompt": "0.0000004", "completion": "0.0000016"}},
        {"id": "gpt-5.6-terra", "pricing": {"prompt": "0.000001", "completion": "0.000004"}},
        {"id": "gpt-4o-mini", "shutdown_date": "2027-01-14"},
    ]
    for i in range(120):
        vendor = VENDORS[i % len(VENDORS)]
        data.append(
            {
                "id": f"{vendor}/model-{i:03d}",
                "context_length": 128_000,
                "pricing": {"prompt": f"{(i % 7 + 1) / 1e7:.7f}", "completion": "0.000002"},
                "architecture": {"input_modalities": ["text", "image"] if i % 3 else ["text"]},
            }
        )
    return {"data": data}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    out.mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="askshot-shots-")
    config = Path(home) / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"version": 1, "monthly_budget_usd": 5.0}))
    app = start_app(home)

    server = fs.FakeServer().start()
    server.models_reply = fs.Reply(
        headers={"Content-Type": "application/json"},
        body=json.dumps(openrouter_like_list()).encode(),
    )
    use_server(server)
    try:
        w = open_window(app, "light", wait=1.0)
        server.enqueue(
            fs.text_reply(
                [
                    "The chart shows revenue rising 12% quarter on quarter, ",
                    "with a dip in March that the note attributes to a billing change.",
                ],
                usage=fs.usage_chunk(1840, 960, 512),
            )
        )
        ask(w, "What does this chart say?")
        wait_idle(w)
        pump(0.5)  # the list arrives in the background: the notice and the move appear
        pump(0.3)
        w.grab().save(str(out / "retirement-notice.png"))

        box = w.composer.model_box
        line = box.lineEdit()
        assert line is not None
        line.setFocus()
        line.selectAll()
        QTest.keyClicks(line, "qwen")
        pump(0.5)
        shot = w.grab()
        completer = box.completer()
        popup = completer.popup() if completer is not None else None
        if popup is not None and popup.isVisible():
            painter = QPainter(shot)
            at = w.mapFromGlobal(popup.mapToGlobal(popup.rect().topLeft()))
            painter.drawPixmap(at, popup.grab())
            painter.end()
        shot.save(str(out / "model-picker.png"))
        w.close()
    finally:
        server.stop()
    print(out)


if __name__ == "__main__":
    main()
