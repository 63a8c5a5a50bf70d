"""Headless commands: `askshot ask`, `askshot key`, `askshot history`.

Exit codes: 0 done; 1 API or network failure (the partial answer stays on stdout); 2 bad usage
or bad input, nothing sent; 130 on Ctrl+C.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from app import __version__
from app.core import errors, providers
from app.core.client import CancelToken, ChatClient, Endpoint, Timeouts
from app.core.paths import Paths
from app.core.providers import EFFORTS
from app.core.target import MissingKey, resolve_endpoint
from app.core.types import ChatRequest, Delta, Finished, Message, Retrying, Usage

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad arguments or input: exit 2, nothing sent."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="askshot",
        description="Ask OpenAI's o4-mini (or any OpenAI-compatible model) about text and images. "
        "Run without a command to open the window.",
    )
    p.add_argument("--version", action="version", version=f"askshot {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = sub.add_parser("ask", help="ask a question and stream the answer to stdout")
    a.add_argument("prompt", nargs="?", help="the question; '-' reads it from stdin")
    a.add_argument("--image", action="append", default=[], metavar="PATH", help="attach an image")
    a.add_argument("--model", help="model id (default from settings: o4-mini)")
    a.add_argument("--effort", choices=EFFORTS, help="reasoning effort for reasoning models")
    a.add_argument("--system", metavar="TEXT", help="system prompt")
    a.add_argument("--provider", choices=sorted(providers.PROVIDERS), help="provider id")
    a.add_argument("--base-url", metavar="URL", help="OpenAI-compatible base URL")
    a.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="SECONDS",
        help="longest wait for the next byte (default 300)",
    )
    a.add_argument("--max-tokens", type=int, metavar="N", help="output token limit")
    a.add_argument("--json", action="store_true", help="JSON lines on stdout")
    a.add_argument("--no-history", action="store_true", help="keep nothing in the history")
    a.add_argument(
        "--continue",
        dest="continue_id",
        nargs="?",
        const="latest",
        metavar="ID",
        help="continue a conversation (the latest without an ID)",
    )

    k = sub.add_parser("key", help="store, check or delete an API key in the OS keyring")
    k.add_argument("action", choices=["set", "status", "delete"])
    k.add_argument("--provider", choices=sorted(providers.PROVIDERS), help="provider id")

    from app.history_cli import add_history_parser

    add_history_parser(sub)
    return p


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the timeout must be more than 0 seconds")
    return value


def run(argv: list[str], *, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    args = build_parser().parse_args(argv)
    ctx = Context.create(env)
    try:
        if args.command == "ask":
            return cmd_ask(args, ctx)
        if args.command == "key":
            return cmd_key(args, ctx)
        from app.history_cli import cmd_history

        return cmd_history(args, ctx)
    except UsageError as exc:
        _err(f"askshot: {exc}")
        return EXIT_USAGE
    except MissingKey as exc:
        _err(f"askshot: {exc.message}")
        return EXIT_USAGE
    except errors.InputError as exc:
        _err(f"askshot: {exc.message}")
        return EXIT_USAGE
    except errors.AskshotError as exc:
        _err(f"askshot: {exc.message}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        _err("askshot: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_FAILED


@dataclass
class Context:
    env: Mapping[str, str]
    paths: Paths
    settings: Any
    settings_warning: str | None

    @classmethod
    def create(cls, env: Mapping[str, str]) -> Context:
        from app.core import settings as settings_mod

        paths = Paths.from_env(env)
        loaded, warning = settings_mod.load(paths)
        return cls(env, paths, loaded, warning)

    def keystore(self) -> Any:
        from app.core.secrets import KeyStore

        return KeyStore(env=self.env)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# -- ask ------------------------------------------------------------------------------------


def _read_prompt(args: argparse.Namespace) -> str:
    text = sys.stdin.read() if args.prompt == "-" else args.prompt or ""
    text = text.strip()
    if not text and not args.image:
        raise UsageError("nothing to ask: give a question, '-' to read it from stdin, or --image")
    return text


def cmd_ask(args: argparse.Namespace, ctx: Context) -> int:
    s = ctx.settings
    model_id: str = args.model or s.model
    effort = args.effort or s.effort
    system = s.system_prompt if args.system is None else args.system
    prompt = _read_prompt(args)
    images = []
    if args.image:
        from app.core.images import prepare_image

        images = [prepare_image(Path(path), model_id) for path in args.image]
    target = resolve_endpoint(
        args.provider or s.provider,
        base_url_override=args.base_url,
        saved_provider=s.provider,
        saved_base_url=s.base_url,
        env=ctx.env,
        keys=ctx.keystore(),
    )
    timeout = args.timeout or s.timeout_s
    user = Message("user", prompt, tuple(i.part for i in images))

    from app.history_cli import HistoryWriter

    if args.continue_id and args.no_history:
        raise UsageError("--continue cannot be combined with --no-history")
    history = None if args.no_history else HistoryWriter.open(ctx, args.continue_id)
    messages: tuple[Message, ...]
    if history is not None:
        messages, dropped = history.context(system, model_id, user, [i.tokens for i in images])
        if dropped:
            _err(
                f"askshot: the conversation is longer than {model_id} can read; "
                f"the {dropped} oldest turn(s) were left out."
            )
    else:
        messages = ((Message("system", system),) if system else ()) + (user,)
    request = ChatRequest(
        model=model_id,
        messages=messages,
        effort=effort if providers.model(model_id).reasoning else None,
        max_output_tokens=args.max_tokens or s.max_output_tokens,
    )
    if history is not None:
        history.begin(user, images, request, system)
    out = JsonOut(sys.stdout) if args.json else TextOut(sys.stdout)
    return _stream_to(out, request, target, timeout, history)


class TextOut:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def delta(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def done(self, fin: Finished, usage: Usage | None, cost: float | None) -> None:
        self.stream.write("\n")
        self.stream.flush()

    def error(self, exc: errors.AskshotError, had_text: bool) -> None:
        if had_text:
            self.stream.write("\n")
            self.stream.flush()


class JsonOut:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def _line(self, obj: dict[str, Any]) -> None:
        self.stream.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.stream.flush()

    def delta(self, text: str) -> None:
        self._line({"type": "delta", "text": text})

    def done(self, fin: Finished, usage: Usage | None, cost: float | None) -> None:
        u = usage or Usage()
        self._line(
            {
                "type": "done",
                "finish_reason": fin.reason,
                "usage": {
                    "prompt_tokens": u.prompt_tokens,
                    "completion_tokens": u.completion_tokens,
                    "reasoning_tokens": u.reasoning_tokens,
                    "cached_tokens": u.cached_tokens,
                },
                "cost_usd": cost,
                **({"note": fin.note} if fin.note else {}),
            }
        )

    def error(self, exc: errors.AskshotError, had_text: bool) -> None:
        self._line(
            {
                "type": "error",
                "kind": exc.kind,
                "message": exc.message,
                "status": getattr(exc, "status", None),
            }
        )


class Ticker:
    """'thinking… 12 s' on stderr, redrawn every second until the first text, only on a TTY."""

    def __init__(self, stream: IO[str], started: float) -> None:
        self._stream = stream
        self._started = started
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._shown = False
        self._thread: threading.Thread | None = None
        if stream.isatty():
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.0 if not self._shown else 1.0):
            with self._lock:
                if self._stop.is_set():
                    return
                secs = int(time.monotonic() - self._started)
                self._stream.write(f"\r\x1b[2Kthinking… {secs} s")
                self._stream.flush()
                self._shown = True

    def stop(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            self._stop.set()
            if self._shown:
                self._stream.write("\r\x1b[2K")
                self._stream.flush()
        if self._thread is not None:
            self._thread.join(timeout=2)


def _stream_to(
    out: TextOut | JsonOut,
    request: ChatRequest,
    endpoint: Endpoint,
    timeout: float,
    history: Any,
) -> int:
    started = time.monotonic()
    ticker = Ticker(sys.stderr, started)
    cancel = CancelToken()
    usage: Usage | None = None
    had_text = False
    first_token: float | None = None
    client = ChatClient()
    try:
        for event in client.stream(
            endpoint, request, cancel=cancel, timeouts=Timeouts(read=timeout)
        ):
            if isinstance(event, Delta):
                if not had_text:
                    ticker.stop()
                    first_token = time.monotonic()
                had_text = True
                out.delta(event.text)
                if history is not None:
                    history.append(event.text)
            elif isinstance(event, Usage):
                usage = event
            elif isinstance(event, Retrying):
                _err(f"askshot: {event.reason} Retrying in {event.delay:.1f} s…")
            elif isinstance(event, Finished):
                ticker.stop()
                cost = providers.cost_usd(request.model, usage) if usage else None
                out.done(event, usage, cost)
                elapsed = time.monotonic() - started
                if history is not None:
                    history.finish("done", usage, cost, None, first_token, started, event)
                _err(_summary(request.model, usage, cost, elapsed))
                if event.note:
                    _err(f"askshot: {event.note}")
                return EXIT_FAILED if event.reason == "length" and not had_text else EXIT_OK
        return EXIT_OK
    except KeyboardInterrupt:
        cancel.cancel()
        ticker.stop()
        if history is not None:
            history.finish("cancelled", usage, None, "Stopped.", first_token, started, None)
        if had_text:
            sys.stdout.write("\n")
            sys.stdout.flush()
        _err("askshot: stopped")
        return EXIT_INTERRUPTED
    except errors.AskshotError as exc:
        ticker.stop()
        out.error(exc, had_text)
        if history is not None:
            history.finish(
                "failed",
                usage,
                None,
                exc.message,
                first_token,
                started,
                None,
                error_kind=exc.kind,
            )
        _err(f"askshot: {exc.message}")
        return EXIT_FAILED
    finally:
        ticker.stop()
        client.close()
        if history is not None:
            history.close()


def _summary(model: str, usage: Usage | None, cost: float | None, elapsed: float) -> str:
    parts = [model]
    if usage is not None:
        cached = f" ({usage.cached_tokens:,} cached)" if usage.cached_tokens else ""
        reasoning = f" ({usage.reasoning_tokens:,} reasoning)" if usage.reasoning_tokens else ""
        parts.append(f"{usage.prompt_tokens:,} in{cached}")
        parts.append(f"{usage.completion_tokens:,} out{reasoning}")
    parts.append("cost unknown" if cost is None else f"${cost:.4f}")
    parts.append(f"{elapsed:.1f} s")
    return " · ".join(parts)


# -- key ------------------------------------------------------------------------------------


def cmd_key(args: argparse.Namespace, ctx: Context) -> int:
    provider_id = args.provider or ctx.settings.provider
    prov = providers.provider(provider_id)
    store = ctx.keystore()
    if args.action == "set":
        key = _read_secret(f"API key for {prov.name}: ")
        source = store.set(provider_id, key)
        if source.kind == "memory":
            # A CLI process ends now: a key kept in memory would be lost. Say so plainly.
            _err(f"askshot: the key was not saved. {source.note or ''}".strip())
            return EXIT_FAILED
        print(f"Saved the {prov.name} key in {source.where}.")
        if source.note:
            _err(f"askshot: {source.note}")
        return EXIT_OK
    if args.action == "status":
        source = store.source(provider_id)
        print(f"{prov.name}: {source.sentence}")
        return EXIT_OK if source.kind != "none" else EXIT_FAILED
    removed = store.delete(provider_id)
    print(f"Deleted the {prov.name} key." if removed else f"No stored {prov.name} key to delete.")
    return EXIT_OK


def _read_secret(prompt: str, reader: Callable[[str], str] = getpass.getpass) -> str:
    if sys.stdin.isatty():
        return reader(prompt)
    return sys.stdin.readline()
