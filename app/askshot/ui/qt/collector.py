"""Run Python's cyclic garbage collector on the GUI thread only.

With automatic collection on, a collection can start on any thread that allocates (a stream
worker, an image job) and free Qt widgets caught in reference cycles there; PySide then deletes
them off the GUI thread and may crash. So automatic collection is switched off and a GUI-thread
timer collects instead (the approach calibre and pyqtgraph take). The same timer drops the
module sources PySide's import hook leaves in linecache (see compat.drop_source_cache).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from askshot.ui.qt.compat import drop_source_cache


class GuiThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        drop_source_cache()
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self._threshold
        if c0 > t0:
            gc.collect(0)
            if c1 > t1:
                gc.collect(1)
                if c2 > t2:
                    gc.collect(2)

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
