"""Started by bench/startup.py in a fresh process: build a window the way `askshot` does (or a
bare PySide6 window), print seconds from process start to its first paint, and quit.

    python bench/_launch.py app|bare T0
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    mode, t0 = sys.argv[1], float(sys.argv[2])
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication([sys.argv[0]])

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                print(f"{time.time() - t0:.4f}", flush=True)
                QTimer.singleShot(0, app.quit)
                obj.removeEventFilter(self)
            return False

    if mode == "bare":
        window = QWidget()
        window.setWindowTitle("bare")
        window.resize(760, 620)
        client = None
    else:
        from app.core.client import ChatClient
        from app.ui.main_window import MainWindow
        from app.ui.services import Services

        client = ChatClient()
        window = MainWindow(Services.create(), client)
    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.show()
    app.exec()
    if client is not None:
        client.close()


if __name__ == "__main__":
    main()
