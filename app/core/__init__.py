"""Qt-free core: HTTP client, SSE, providers, images, history, keys and settings.

Nothing below this package imports PySide6; `tests/unit/test_core_without_qt.py` proves it.
"""
