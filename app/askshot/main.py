"""Entry point: `askshot` with no arguments opens the window; with a command it runs headless.

PySide6 is imported only for the GUI, so headless commands start fast and run without a display.
A window command (`askshot`, `--capture`, `--quick-ask`, `--new-chat`, `--background`) first goes
to the running instance, if there is one, through a standard-library socket: no Qt is loaded
for that either.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # no typing import on the way to a forwarded command
if TYPE_CHECKING:
    from askshot.platform.instance import Command

HEADLESS = {"ask", "key", "history", "desktop", "doctor", "models", "-h", "--help", "--version"}
WINDOW_FLAGS: dict[str, Command] = {
    "--show": "show",
    "--capture": "capture",
    "--quick-ask": "quick-ask",
    "--new-chat": "new-chat",
    "--background": "background",
}
USAGE = "usage: askshot [--capture | --quick-ask | --new-chat | --background] or askshot COMMAND …"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "_read-key":  # internal: the window's keyring reader (core.keys.child)
        from askshot.core.keys.child import main as read_key_main

        return read_key_main(args[1:])
    if args and args[0] == "_math":  # internal: the window's formula layout (core.mathlayout)
        from askshot.core.mathlayout import serve

        return serve()
    if args and args[0] in HEADLESS:
        from askshot.cli import run

        return run(args)
    flags = [a for a in args if a.startswith("--")]
    if len(flags) > 1 or any(f not in WINDOW_FLAGS for f in flags):
        print(USAGE, file=sys.stderr)
        print("Run `askshot --help` for the commands.", file=sys.stderr)
        return 2
    from askshot.platform.instance import Message, activation_token, exit_code, send

    message = Message(WINDOW_FLAGS[flags[0]] if flags else "show", activation_token(os.environ))
    reply = send(message)  # the running instance takes it, if there is one
    if reply is not None:
        return exit_code(reply)
    setup_logging(os.environ)
    from askshot.ui.launch import run_gui

    return run_gui(message, [a for a in args if not a.startswith("--")])  # Qt's own options


def setup_logging(env: os._Environ[str] | dict[str, str]) -> None:
    """Warnings go to stderr; ASKSHOT_LOG=info or debug says more (what a bug report needs),
    with Unix timestamps (bench/resident.py reads them). Never a key: nothing logs one."""
    import logging

    level = getattr(logging, env.get("ASKSHOT_LOG", "warning").upper(), logging.WARNING)
    logging.basicConfig(
        level=level, format="%(created).6f %(name)s %(levelname)s: %(message)s", stream=sys.stderr
    )


if __name__ == "__main__":
    sys.exit(main())
