"""What the message actions as icons cost: opening a conversation of 80 messages (40 turns), and
moving the pointer over it (every move asks which message is under it; a move onto another
message shows its icons and hides the last ones).

Baselines in the same run: the same view with the icon rows left as they are drawn (no showing
or hiding: what text links cost), and a bare QTextBrowser holding the same document for the
pointer (Qt's own hover work for links). Prints JSON with medians over --runs.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/actions.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QTextBrowser

from askshot.core.history import StoredMessage
from askshot.ui.conversation.view import ConversationView

ANSWER = (
    "The build fails because the cache belongs to **root**, so `npm` cannot write to it.\n\n"
    '```bash\nsudo chown -R "$USER" ~/.npm\nnpm ci && npm run build\n```\n\n'
    "- check the owner\n- check the cache\n\n"
    + "A longer paragraph that explains the reasoning in a few more words. "
    * 4
)


def messages(turns: int) -> list[StoredMessage]:
    out = []
    for i in range(turns):
        for role, text in (("user", f"Question {i}: why does it fail?"), ("assistant", ANSWER)):
            n = len(out) + 1
            out.append(
                StoredMessage(
                    n, 1, n - 1 or None, role, text, "o4-mini", "medium", "done", None, None,
                    0.001, 1200, 3000, 0.0,
                )
            )  # fmt: skip
    return out


def open_ms(view: ConversationView, msgs: list[StoredMessage]) -> float:
    t = time.perf_counter()
    view.show_messages(msgs)
    QApplication.processEvents()
    return (time.perf_counter() - t) * 1000


def moves(view: QTextBrowser) -> list[float]:
    """Milliseconds per pointer move, down the visible part of the view and back, 4 px a step."""
    port = view.viewport()
    times = []
    ys = list(range(4, port.height() - 4, 4))
    for y in ys + ys[::-1]:
        pos = QPointF(200, y)
        event = QMouseEvent(
            QMouseEvent.Type.MouseMove,
            pos,
            QPointF(port.mapToGlobal(QPoint(200, y))),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
        t = time.perf_counter()
        QApplication.sendEvent(port, event)
        QApplication.processEvents()
        times.append((time.perf_counter() - t) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--turns", type=int, default=40)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    msgs = messages(args.turns)
    result: dict[str, list[float]] = {k: [] for k in ("open", "open_base", "move", "move_max")}
    result |= {"move_base": [], "move_base_max": []}
    for _ in range(args.runs):
        view = ConversationView(dark=False)
        view.resize(900, 700)
        view.show()
        result["open"].append(open_ms(view, msgs))
        view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
        m = moves(view)
        result["move"].append(statistics.median(m))
        result["move_max"].append(max(m))

        bare = QTextBrowser()
        bare.resize(900, 700)
        bare.show()
        bare.setDocument(view.document().clone(bare))
        bare.verticalScrollBar().setValue(bare.verticalScrollBar().maximum() // 2)
        m = moves(bare)
        result["move_base"].append(statistics.median(m))
        result["move_base_max"].append(max(m))
        bare.close()
        view.close()

        plain = ConversationView(dark=False)
        plain.resize(900, 700)
        plain.show()
        plain._add_row = lambda: None  # type: ignore[method-assign]  # rows drawn, never hidden
        result["open_base"].append(open_ms(plain, msgs))
        plain.close()
        app.processEvents()
    med = {k: round(statistics.median(v), 3) for k, v in result.items()}
    out = {
        "messages": len(msgs),
        "runs": args.runs,
        "open_ms": med["open"],
        "open_without_showing_hiding_ms": med["open_base"],
        "open_ratio": round(med["open"] / med["open_base"], 2),
        "pointer_move_ms_median": med["move"],
        "pointer_move_ms_max": med["move_max"],
        "bare_qtextbrowser_move_ms_median": med["move_base"],
        "bare_qtextbrowser_move_ms_max": med["move_base_max"],
        "move_ratio": round(med["move"] / med["move_base"], 2) if med["move_base"] else None,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
