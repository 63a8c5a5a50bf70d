"""askshot.core must import and work without PySide6 (napari's rule): prove it in a fresh process
where importing PySide6 or shiboken6 fails."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT

PROBE = r"""
import builtins, importlib, pkgutil, sys
real_import = builtins.__import__
def guard(name, *args, **kwargs):
    if name.split(".")[0] in ("PySide6", "shiboken6"):
        raise ImportError("Qt is forbidden in askshot.core")
    return real_import(name, *args, **kwargs)
builtins.__import__ = guard
import askshot.core
names = [m.name for m in pkgutil.iter_modules(askshot.core.__path__, "askshot.core.")]
for name in names:
    importlib.import_module(name)
assert not any(m.split(".")[0] in ("PySide6", "shiboken6") for m in sys.modules)
print(len(names))
"""


def test_core_imports_without_qt() -> None:
    r = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) >= 8


def test_headless_cli_does_not_load_qt() -> None:
    probe = "import sys, askshot.cli; print('PySide6' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"
