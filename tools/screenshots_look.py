"""Make the "after" screenshots of the conversation's look (docs/look/after-*.png): a two-turn
conversation in the real window against the loopback test server, grabbed with Qt.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots_look.py [OUT_DIR]

- after-light.png, after-dark.png, after-high-contrast.png: the newest answer's actions drawn;
- after-hover.png: the pointer over the first answer, its actions drawn too;
- after-focus.png: the keyboard on the first question's Copy (Tab), its row drawn;
- after-wide.png: 1700 px wide, the conversation a centred column;
- after-light-scale2.png: at QT_SCALE_FACTOR=2 (made by a second run of this script).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.helpers import fakeserver as fs  # noqa: E402
from tools.screenshots import (  # noqa: E402
    ANSWER,
    ask,
    open_window,
    pump,
    start_app,
    use_server,
    wait_idle,
)


def _point_at(w: object, text: str) -> None:
    """Move the pointer over `text` in the conversation (a real mouse-move event)."""
    view = w.view  # type: ignore[attr-defined]
    found = view.document().find(text)
    pos = QPointF(view.cursorRect(found).center())
    event = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        pos,
        QPointF(view.viewport().mapToGlobal(QPoint(round(pos.x()), round(pos.y())))),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), event)
    pump(0.2)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "look"
    scale2 = "--scale2" in sys.argv
    out.mkdir(parents=True, exist_ok=True)
    app = start_app(tempfile.mkdtemp(prefix="askshot-look-"))
    server = fs.FakeServer().start()
    use_server(server)
    try:
        w = open_window(app, "light")
        pieces = [ANSWER[i : i + 40] for i in range(0, len(ANSWER), 40)]
        server.enqueue(
            fs.text_reply(pieces, usage=fs.usage_chunk(1480, 912, 640, 1024)),
            fs.text_reply(
                ["Run `npm cache verify`; it should report no errors."],
                usage=fs.usage_chunk(10, 20),
            ),
        )
        ask(w, "Why does my build fail with EACCES?")
        wait_idle(w)
        ask(w, "And how do I check the cache?")
        wait_idle(w)
        pump(0.3)
        if scale2:
            w.grab().save(str(out / "after-light-scale2.png"))
            return
        w.grab().save(str(out / "after-light.png"))
        _point_at(w, "Fix the owner, then")
        w.grab().save(str(out / "after-hover.png"))
        view = w.view
        QApplication.sendEvent(view.viewport(), QEvent(QEvent.Type.Leave))  # the pointer away
        view.setFocus()
        pump(0.1)
        copy = view._rows[0].block().position()
        for _ in range(30):  # Tab from link to link, to the first question's Copy
            QTest.keyClick(view, Qt.Key.Key_Tab)
            c = view.textCursor()
            if (
                c.hasSelection()
                and view._icon_name_at(c) == "Copy question"
                and c.position() > copy
            ):
                break
        pump(0.2)
        w.grab().save(str(out / "after-focus.png"))
        w.composer.message_box.setFocus()
        w.resize(1700, 720)
        pump(0.4)
        w.grab().save(str(out / "after-wide.png"))
        w.close()

        for theme in ("dark", "high-contrast"):
            w = open_window(app, theme)
            latest = w.store.latest_conversation_id()
            if latest is not None:
                w.open_conversation(latest)
            pump(0.5)
            w.grab().save(str(out / f"after-{theme}.png"))
            w.close()
    finally:
        server.stop()
    if not scale2:
        env = dict(os.environ, QT_SCALE_FACTOR="2")
        env.pop("ASKSHOT_HOME", None)
        subprocess.run([sys.executable, __file__, str(out), "--scale2"], env=env, check=True)
        print(out)


if __name__ == "__main__":
    main()
