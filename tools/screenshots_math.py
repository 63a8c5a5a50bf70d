"""Screenshots of an answer with math, prices, code and a table (its Copy CSV links), light and
dark, for the README: the real window against the loopback test server, grabbed with Qt.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots_math.py [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.helpers import fakeserver as fs  # noqa: E402
from tools.screenshots import ask, pump, wait_idle  # noqa: E402

ANSWER = (
    "The roots of $ax^2 + bx + c = 0$ are\n\n"
    "$$\nx = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}\n$$\n\n"
    "and with \\(a = 1\\) their sum is $-b$ and their product $c$. Prices stay text: it costs "
    "$5 and $10, and `$HOME` is code.\n\n"
    "A formula that cannot be drawn stays its source: $\\frac{a}{$, and a sum in a line: "
    "\\[\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\\]\n\n"
    "| Root | Value |\n|---|--:|\n| x₁ | 2 |\n| x₂ | 3 |\n"
)


def shoot(app: QApplication, server: fs.FakeServer, theme: str, out: Path) -> None:
    from askshot.ui.shell.main_window import MainWindow
    from askshot.ui.shell.services import Services
    from askshot.ui.shell.theme import apply_theme

    w = MainWindow(Services.create(), dark=apply_theme(app, theme))
    w.resize(1000, 640)
    w.show()
    pump(0.8)
    server.enqueue(fs.text_reply([ANSWER[i : i + 9] for i in range(0, len(ANSWER), 9)]))
    ask(w, "Solve the quadratic")
    wait_idle(w)
    end = time.monotonic() + 10
    while time.monotonic() < end and w.view._math_waiting:  # every formula drawn
        pump(0.1)
    pump(0.3)
    w.grab().save(str(out))
    w.close()


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    os.environ["ASKSHOT_HOME"] = tempfile.mkdtemp(prefix="askshot-shots-")
    app = QApplication([sys.argv[0]])
    server = fs.FakeServer().start()
    os.environ["OPENAI_API_KEY"] = "sk-screenshot-not-real"
    os.environ["OPENAI_BASE_URL"] = server.base_url
    try:
        shoot(app, server, "light", out / "math.png")
        shoot(app, server, "dark", out / "math-dark.png")
    finally:
        server.stop()
    print(out)


if __name__ == "__main__":
    main()
