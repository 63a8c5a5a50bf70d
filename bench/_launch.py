"""Started by the benchmarks in a fresh process: build a window the way `askshot` does (or a
bare PySide6 window) and report on it.

    python bench/_launch.py app|bare T0          seconds from process start to the first paint
    python bench/_launch.py app|bare T0 rss      MiB resident after the first paint, with the
                                                 newest conversation open (app), after 2 s idle
"""

from __future__ import annotations

import sys
import time


def rss_mib(pid: int | str = "self") -> float:
    """A process's resident memory (this one by default), from /proc."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    mode, t0 = sys.argv[1], float(sys.argv[2])
    measure_rss = len(sys.argv) > 3 and sys.argv[3] == "rss"
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    if mode == "app":  # as `askshot` makes it (application name, desktop file name)
        from askshot.ui.launch import application

        app = application()
    else:
        app = QApplication([sys.argv[0]])
    window: QWidget

    def after_paint() -> None:
        if not measure_rss:
            app.quit()
            return
        if mode == "app":
            latest = window.store.latest_conversation_id()  # type: ignore[attr-defined]
            if latest is not None:
                window.open_conversation(latest)  # type: ignore[attr-defined]

        def report() -> None:
            print(f"{rss_mib():.1f}", flush=True)
            app.quit()

        QTimer.singleShot(2000, report)

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                if not measure_rss:
                    print(f"{time.time() - t0:.4f}", flush=True)
                QTimer.singleShot(0, after_paint)
                obj.removeEventFilter(self)
            return False

    if mode == "bare":
        window = QWidget()
        window.setWindowTitle("bare")
        window.resize(1040, 720)
    else:  # the steps of askshot.ui.launch.run_gui: the one instance, the resident, its window
        from askshot.platform.instance import Message
        from askshot.ui.launch import become_resident
        from askshot.ui.qt.collector import GuiThreadGarbageCollector
        from askshot.ui.qt.compat import check_pyside
        from askshot.ui.shell.resident import Resident

        assert check_pyside() is None
        resident = become_resident(app, Message("show"))
        assert isinstance(resident, Resident), "another Askshot runs with this ASKSHOT_HOME"
        GuiThreadGarbageCollector(app)
        window = resident.window()
    watcher = FirstPaint()
    window.installEventFilter(watcher)
    if mode == "bare":
        window.show()
    else:
        resident.run("show")
    app.exec()
    window.close()


if __name__ == "__main__":
    main()
