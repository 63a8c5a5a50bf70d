"""Qt-free core: HTTP client, SSE, providers, images, history, keys and settings.

Nothing below this package imports PySide6: import-linter's contract and a fresh-process test
prove it.
"""
