"""The PySide6 release check: the one known to abort on Python < 3.12 is refused with the fix,
and the release this suite runs on survives the calls that used to wear out None and True."""

from __future__ import annotations

import subprocess
import sys

from askshot.ui.qt.compat import CONSTRAINT, unsupported


def test_the_broken_release_is_refused_on_older_pythons_with_the_fix() -> None:
    sentence = unsupported("6.12.0", (3, 11))
    assert sentence is not None
    assert "6.12.0" in sentence and "3.11" in sentence and CONSTRAINT in sentence


def test_other_releases_and_newer_pythons_pass() -> None:
    assert unsupported("6.12.0", (3, 12)) is None
    assert unsupported("6.11.3", (3, 11)) is None
    assert unsupported("6.12.1", (3, 11)) is None
    assert unsupported("6.12.0a1", (3, 11)) is not None  # pre-releases of it too
    assert unsupported("", (3, 11)) is None


def test_the_installed_pyside_survives_many_calls() -> None:
    """20,000 void calls and emits: with the bug, each took a reference from None and True and
    the interpreter aborted. Run apart, so the bug fails this test instead of the whole run."""
    probe = (
        "import sys\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "class P(QObject):\n"
        "    ping = Signal()\n"
        "p = P()\n"
        "before = sys.getrefcount(None), sys.getrefcount(True)\n"
        "for _ in range(20_000):\n"
        "    p.setObjectName('')\n"
        "    p.ping.emit()\n"
        "after = sys.getrefcount(None), sys.getrefcount(True)\n"
        "print(before[0] - after[0], before[1] - after[1])\n"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-500:]
    lost_none, lost_true = (int(n) for n in r.stdout.split())
    assert lost_none < 100 and lost_true < 100
