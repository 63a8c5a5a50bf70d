"""Headless commands: `askshot ask`, `key`, `history`, `desktop`, `doctor`. None of them loads Qt
(`doctor` does, when it is run, to describe the screens).

Exit codes: 0 done; 1 API or network failure (the partial answer stays on stdout); 2 bad usage
or bad input, nothing sent; 130 on Ctrl+C.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from askshot import __version__
from askshot.cli import ask, desktop, doctor, history, key, models
from askshot.cli._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Context,
    UsageError,
    err,
    silence_stdout,
)
from askshot.core import errors

COMMANDS = {
    "ask": ask.cmd_ask,
    "key": key.cmd_key,
    "history": history.cmd_history,
    "desktop": desktop.cmd_desktop,
    "doctor": doctor.cmd_doctor,
    "models": models.cmd_models,
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="askshot",
        description="Ask OpenAI's o4-mini (or any OpenAI-compatible model) about text and images. "
        "Run without a command to open the window.",
        epilog="The window: askshot [--capture | --quick-ask | --new-chat | --background]. "
        "A second start hands its command to the running Askshot.",
    )
    p.add_argument("--version", action="version", version=f"askshot {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ask.add_parser(sub)
    key.add_parser(sub)
    history.add_parser(sub)
    desktop.add_parser(sub)
    doctor.add_parser(sub)
    models.add_parser(sub)
    return p


def run(argv: list[str], *, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    args = build_parser().parse_args(argv)
    ctx = Context.create(env)
    try:
        return COMMANDS[args.command](args, ctx)
    except UsageError as exc:
        err(f"askshot: {exc}")
        return EXIT_USAGE
    except (errors.InputError, errors.MissingKey) as exc:
        err(f"askshot: {exc.message}")
        return EXIT_USAGE
    except errors.AskshotError as exc:
        err(f"askshot: {exc.message}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        err("askshot: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return EXIT_FAILED
