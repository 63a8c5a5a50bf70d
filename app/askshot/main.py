"""Entry point: `askshot` with no arguments opens the window; with a command it runs headless.

PySide6 is imported only for the GUI, so headless commands start fast and run without a display.
"""

from __future__ import annotations

import sys

HEADLESS = {"ask", "key", "history", "-h", "--help", "--version"}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "_read-key":  # internal: the window's keyring reader (core.keys.child)
        from askshot.core.keys.child import main as read_key_main

        return read_key_main(args[1:])
    if args and args[0] in HEADLESS:
        from askshot.cli import run

        return run(args)
    from askshot.ui.launch import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
