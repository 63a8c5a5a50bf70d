# Replaces PyInstaller's PySide6 runtime hook (user hook directories win: "Runtime hooks for
# PySide6 have already been defined. Skipping…"). Theirs runs at every start and, through
# create_embedded_qt_conf(), imports PySide6.QtCore: about 100 ms that `askshot --version`,
# `askshot ask` and the other headless commands never need. This one only sets the paths Qt
# reads when, later, the GUI imports it; PySide6's own __init__ writes the embedded qt.conf that
# makes the bundled Qt relocatable. packaging/check.sh times `--version` to keep this honest.
import os
import sys


def _pyi_rthook() -> None:
    if sys.platform.startswith("win"):
        qt = os.path.join(sys._MEIPASS, "PySide6")
        os.environ["PATH"] = sys._MEIPASS + os.pathsep + os.environ.get("PATH", "")
    else:
        qt = os.path.join(sys._MEIPASS, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt, "plugins")


_pyi_rthook()
del _pyi_rthook
