"""`askshot ask`: one question, the answer streamed to stdout, the cost on stderr, the exchange
kept in the history (unless --no-history) through the same session as the window's.

Exit codes: 0 done; 1 API or network failure (the partial answer stays on stdout); 2 bad usage
or bad input, nothing sent; 130 on Ctrl+C.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from askshot.cli._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Context,
    UsageError,
    err,
)
from askshot.cli.history import open_history, resolve_conversation
from askshot.core import budget, catalog, errors, estimate, providers, structured
from askshot.core.cancel import CancelToken
from askshot.core.catalog import Lifecycle
from askshot.core.endpoint import is_own_url, resolve_endpoint
from askshot.core.history import Store
from askshot.core.llm.client import ChatClient
from askshot.core.llm.params import ParamMemory
from askshot.core.session import Ask, Exchange, Prepared, Question
from askshot.core.types import Delta, Endpoint, Finished, Message, Retrying, Timeouts, Usage

if TYPE_CHECKING:
    from askshot.core.images import PreparedImage

# An answer capped below this by --max-cost would say nothing useful: better not to send.
MIN_ANSWER_TOKENS = 16


def add_parser(sub: Any) -> None:
    a = sub.add_parser("ask", help="ask a question and stream the answer to stdout")
    a.add_argument("prompt", nargs="?", help="the question; '-' reads it from stdin")
    a.add_argument("--image", action="append", default=[], metavar="PATH", help="attach an image")
    a.add_argument("--model", help="model id (default from settings: o4-mini)")
    a.add_argument(
        "--effort", choices=providers.EFFORTS, help="reasoning effort for reasoning models"
    )
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
    a.add_argument(
        "--flex",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="not urgent: half price through flex processing, slower (OpenAI; default from "
        "the settings)",
    )
    a.add_argument(
        "--max-cost",
        type=_dollars,
        metavar="USD",
        help="the most this question may cost: nothing is sent when reading it costs more, and "
        "the answer's length is capped to stay within it",
    )
    a.add_argument(
        "--over-budget",
        action="store_true",
        help="send even when the question would pass the monthly budget",
    )
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
    a.add_argument(
        "--format",
        choices=("text", "json", "csv"),
        default="text",
        help="text (streamed), or only validated data on stdout: json (with --schema) or csv "
        "(a table)",
    )
    a.add_argument(
        "--schema",
        metavar="FILE",
        help="with --format json: the JSON Schema the answer must match (sent as structured "
        "output where the server supports it, checked here either way)",
    )
    a.add_argument(
        "--continue-answer",
        dest="continue_answer",
        nargs="?",
        const="latest",
        metavar="ID",
        help="go on with an answer cut off at the output limit (the latest conversation's "
        "without an ID): more of it on stdout, appended to the same answer in the history",
    )


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the timeout must be more than 0 seconds")
    return value


def _dollars(text: str) -> float:
    try:
        value = float(text.lstrip("$"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an amount of US dollars") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("the amount must be more than 0 dollars")
    return value


def _read_prompt(args: argparse.Namespace) -> str:
    text = sys.stdin.read() if args.prompt == "-" else args.prompt or ""
    text = text.strip()
    if not text and not args.image:
        raise UsageError("nothing to ask: give a question, '-' to read it from stdin, or --image")
    return text


def cmd_ask(args: argparse.Namespace, ctx: Context) -> int:
    s = ctx.settings
    if args.continue_id and args.no_history:
        raise UsageError("--continue cannot be combined with --no-history")
    if args.continue_answer:
        clash = [
            flag
            for flag, used in (
                ("a question", args.prompt),
                ("--image", args.image),
                ("--continue", args.continue_id),
                ("--no-history", args.no_history),
            )
            if used
        ]
        if clash:
            raise UsageError(f"--continue-answer cannot be combined with {clash[0]}")
    schema = _schema(args)
    provider_id = args.provider or s.provider
    flex = s.flex if args.flex is None else args.flex
    if flex and not providers.offers_flex(provider_id):
        if args.flex:
            name = providers.provider(provider_id).name
            raise UsageError(f"--flex: {name} does not offer flex processing (OpenAI does)")
        flex = False  # on in the settings, for a provider that has it
    ask = Ask(
        model=args.model or s.model,
        effort=args.effort or s.effort,
        system_prompt=s.system_prompt if args.system is None else args.system,
        max_output_tokens=args.max_tokens or s.max_output_tokens,
        keep_images=s.keep_screenshots,
        flex=flex,
        response_format=None
        if schema is None
        else structured.response_format(schema, "table" if args.format == "csv" else "answer"),
    )
    info = providers.model(ask.model)
    if args.effort and info.reasoning and args.effort not in info.efforts:
        raise UsageError(f"--effort {args.effort}: {ask.model} takes {', '.join(info.efforts)}")
    question = None
    if not args.continue_answer:
        text = _read_prompt(args)
        if schema is not None:  # said in words too, for a server without structured outputs
            rule = (
                structured.TABLE_INSTRUCTION
                if args.format == "csv"
                else structured.json_instruction(schema)
            )
            text = f"{text}\n\n{rule}" if text else rule
        question = Question(text, _prepare_images(args.image, ask.model))
    endpoint = resolve_endpoint(
        provider_id,
        base_url_override=args.base_url,
        saved_provider=s.provider,
        saved_base_url=s.base_url,
        env=ctx.env,
        keys=ctx.keystore(),
    )
    read = args.timeout or s.timeout_s
    if flex and args.timeout is None:  # flex may wait for capacity
        read = max(read, providers.FLEX_READ_TIMEOUT_S)
    timeouts = Timeouts(read=read)
    limits = Limits(args.max_cost, s.monthly_budget_usd, args.over_budget)
    life = lifecycle_of(ask.model, endpoint, ctx)
    notice = life.notice(date.today(), providers.provider(endpoint.provider_id).name)
    if notice:
        err(f"askshot: {notice}")
    out: TextOut | JsonOut | DataOut = (
        DataOut(sys.stdout, args.format, schema)
        if schema is not None
        else JsonOut(sys.stdout)
        if args.json
        else TextOut(sys.stdout)
    )
    # The client first: a broken TLS or proxy setting fails here, before anything is written.
    with ChatClient(params=ParamMemory.in_cache(ctx.paths.cache)) as client:
        if question is not None and args.no_history:  # not recorded, so not budgeted either
            exchange = Exchange.ask(None, limits.apply(ask, question, None), question)
            return _finished(_stream(exchange, client, endpoint, timeouts, out, life), out)
        with open_history(ctx) as history:
            if question is None:
                exchange = _continuation(history, ask, args.continue_answer, limits)
            else:
                exchange = _begin(history, ask, question, args.continue_id, limits)
            return _finished(_stream(exchange, client, endpoint, timeouts, out, life), out)


def _finished(code: int, out: TextOut | JsonOut | DataOut) -> int:
    return EXIT_FAILED if code == EXIT_OK and isinstance(out, DataOut) and out.failed else code


def lifecycle_of(model: str, endpoint: Endpoint, ctx: Context) -> Lifecycle:
    """From the cached list only: a question never waits for the model list. Its prices price
    the question (catalog.learn)."""
    cached = catalog.load_cached(ctx.paths.cache, endpoint.base_url)
    catalog.learn(cached)
    own_url = is_own_url(endpoint.provider_id, endpoint.base_url)
    return catalog.lifecycle(model, endpoint.provider_id, cached, own_url=own_url)


@dataclass(frozen=True)
class Limits:
    """--max-cost and the monthly budget, checked before anything is written or sent."""

    max_cost: float | None
    monthly_budget: float | None
    over_budget: bool = False

    def apply(
        self,
        ask: Ask,
        question: Question,
        history: Store | None,
        conversation_id: int | None = None,
        leaf_id: int | None = None,
    ) -> Ask:
        """`ask`, its answer capped to stay within --max-cost; UsageError when the question
        cannot be asked within it, or would pass the monthly budget."""
        if self.max_cost is None and (self.monthly_budget is None or history is None):
            return ask
        if history is not None and conversation_id is not None:
            messages, _ = history.build_context(
                conversation_id,
                leaf_id,
                ask.system_prompt,
                ask.model,
                question.message(),
                [i.tokens for i in question.images],
            )
        else:
            system = (Message("system", ask.system_prompt),) if ask.system_prompt else ()
            messages = (*system, question.message())
        reading = _input_cost(ask, messages)
        if self.max_cost is not None:
            ask = _capped(ask, reading, self.max_cost)
        if self.monthly_budget is not None and history is not None and not self.over_budget:
            spent = history.spent_since(budget.month_start())
            worst = self.max_cost if self.max_cost is not None else reading
            why = budget.Budget(self.monthly_budget, spent).passed_by(worst)
            if why:
                raise UsageError(f"{why} Nothing was sent; --over-budget sends it anyway.")
        return ask


def _input_cost(ask: Ask, messages: Sequence[Message]) -> float | None:
    """Dollars to read these messages (images billed), at the normal price; None when the
    model's price is unknown."""
    price = providers.model(ask.model).price
    if price is None:
        return None
    tokens = sum(
        estimate.message_tokens(
            m.text,
            [
                estimate.billed_tokens(
                    estimate.image_tokens(i.width, i.height, ask.model), ask.model
                )
                for i in m.images
            ],
        )
        for m in messages
    )
    # At the normal price even with flex: a server may serve (and bill) it normally.
    return tokens * price.input / 1e6


def _capped(ask: Ask, reading: float | None, max_cost: float) -> Ask:
    """The answer's token limit that keeps the question within `max_cost` dollars."""
    price = providers.model(ask.model).price
    if reading is None or price is None:
        raise UsageError(
            f"--max-cost needs the price of {ask.model}, which Askshot does not know; "
            "`askshot models --refresh` reads the provider's prices where it lists them"
        )
    left = max_cost - reading
    per_token = price.output / 1e6  # the normal price: flex is not promised (see above)
    room = int(left / per_token) if left > 0 else 0
    if room < MIN_ANSWER_TOKENS:
        raise UsageError(
            f"reading this question costs about {budget.dollars(reading)}, which leaves no room "
            f"for an answer within --max-cost {budget.dollars(max_cost)}; nothing was sent"
        )
    limit = room if ask.max_output_tokens is None else min(room, ask.max_output_tokens)
    return replace(ask, max_output_tokens=limit)


def _prepare_images(paths: list[str], model: str) -> tuple[PreparedImage, ...]:
    if not paths:
        return ()
    from askshot.core.images import prepare_image  # Pillow: only when there are images

    return tuple(prepare_image(Path(p), model) for p in paths)


def _begin(
    history: Store, ask: Ask, question: Question, continue_id: str | None, limits: Limits
) -> Exchange:
    conversation_id = leaf = None
    if continue_id is not None:
        conversation_id = resolve_conversation(history, continue_id)
        leaf = history.conversation(conversation_id).current_leaf_id
    ask = limits.apply(ask, question, history, conversation_id, leaf)
    return Exchange.ask(history, ask, question, conversation_id=conversation_id, parent_id=leaf)


def _continuation(history: Store, ask: Ask, ref: str, limits: Limits) -> Exchange:
    """The exchange that goes on with answer `ref` ('latest': the latest conversation's), which
    must have stopped at the output limit; the model, effort and system prompt are the ones it
    was made with."""
    if ref == "latest":
        latest = history.latest_conversation_id()
        leaf = None if latest is None else history.conversation(latest).current_leaf_id
        if leaf is None:
            raise UsageError("the history has no answer to continue")
        answer_id = leaf
    else:
        try:
            answer_id = int(ref)
        except ValueError:
            raise UsageError(f"'{ref}' is not an answer id (a number, or 'latest')") from None
    try:
        answer = history.message(answer_id)
    except errors.HistoryError:
        raise UsageError(f"there is no message {answer_id} in the history") from None
    if not answer.cut_off:
        raise UsageError(
            f"answer {answer_id} was not cut off at the output limit: there is nothing to continue"
        )
    conversation = history.conversation(answer.conversation_id)
    ask = replace(
        ask,
        model=answer.model or ask.model,
        effort=answer.effort or ask.effort,
        system_prompt=conversation.system_prompt or "",
    )
    question = Question(Exchange.continue_message().text)
    ask = limits.apply(ask, question, history, answer.conversation_id, answer.id)
    return Exchange.continue_answer(history, ask, answer)


def _schema(args: argparse.Namespace) -> dict[str, Any] | None:
    """The schema --format asks for (the table's for csv, the file's for json), or None."""
    if args.schema and args.format != "json":
        raise UsageError("--schema goes with --format json")
    if args.format == "text":
        return None
    if args.json:
        raise UsageError("--format cannot be combined with --json")
    if args.continue_answer:
        raise UsageError("--format cannot be combined with --continue-answer")
    if args.format == "csv":
        return structured.TABLE_SCHEMA
    if not args.schema:
        raise UsageError("--format json needs --schema FILE: the JSON Schema of the answer")
    try:
        schema = json.loads(Path(args.schema).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the schema {args.schema}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"the schema {args.schema} is not valid JSON: {exc}") from None
    problem = structured.schema_problem(schema)
    if problem:
        raise UsageError(f"{args.schema}: {problem}")
    return dict(schema)


class DataOut:
    """--format json|csv: nothing while it streams; at the end, only the answer's data, checked
    against the schema, or a sentence on stderr and exit 1 (the answer stays in the history)."""

    def __init__(self, stream: IO[str], fmt: str, schema: dict[str, Any]) -> None:
        self.stream = stream
        self.fmt = fmt
        self.schema = schema
        self.parts: list[str] = []
        self.failed = False

    def delta(self, text: str) -> None:
        self.parts.append(text)

    def done(self, fin: Finished, usage: Usage | None, cost: float | None) -> None:
        answer = "".join(self.parts)
        if self.fmt == "csv":
            rows = structured.table_rows(answer)
            if not rows:
                self._fail("the answer holds no table")
                return
            from askshot.core.tables import to_csv  # (csv: only for --format csv)

            self.stream.write(to_csv(rows, line_end="\n"))
        else:
            try:
                data = structured.parse_json(answer)
            except ValueError:
                self._fail("the answer is not JSON")
                return
            found = structured.problems(data, self.schema)
            if found:
                self._fail("the answer does not match the schema: " + "; ".join(found[:5]))
                return
            self.stream.write(json.dumps(data, ensure_ascii=False) + "\n")
        self.stream.flush()

    def _fail(self, why: str) -> None:
        self.failed = True
        err(f"askshot: {why}; nothing was written to stdout (the answer is in the history)")

    def error(self, exc: errors.AskshotError, had_text: bool) -> None:
        pass


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
        self._line(
            {
                "type": "done",
                "finish_reason": fin.reason,
                "usage": (usage or Usage()).to_json(),
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


def _stream(
    exchange: Exchange,
    client: ChatClient,
    endpoint: Endpoint,
    timeouts: Timeouts,
    out: TextOut | JsonOut | DataOut,
    life: Lifecycle,
) -> int:
    started = time.monotonic()
    ticker = Ticker(sys.stderr, started)
    cancel = CancelToken()
    had_text = False
    model = exchange.ask_with.model
    events = exchange.stream(client, endpoint, cancel=cancel, timeouts=timeouts)
    try:
        for event in events:
            if isinstance(event, Prepared) and event.dropped:
                err(
                    f"askshot: the conversation is longer than {model} can read; "
                    f"the {event.dropped} oldest turn(s) were left out."
                )
            elif isinstance(event, Delta):
                if not had_text:
                    ticker.stop()
                had_text = True
                out.delta(event.text)
            elif isinstance(event, Retrying):
                wait = f" Retrying in {event.delay:.1f} s…" if event.delay else ""
                err(f"askshot: {event.reason}{wait}")
            elif isinstance(event, Finished):
                ticker.stop()
                out.done(event, exchange.usage, exchange.cost_usd)
                _report_unsaved(exchange)
                err(_summary(model, exchange.usage, exchange.cost_usd, time.monotonic() - started))
                if exchange.continued is not None:
                    _, whole = exchange.totals()
                    cost = "cost unknown" if whole is None else f"${whole:.4f}"
                    err(f"askshot: the whole answer, continued: {cost}")
                if event.note:
                    err(f"askshot: {event.note}")
                if event.reason == "length" and had_text and exchange.reply_id is not None:
                    err(
                        "askshot: `askshot ask --continue-answer "
                        f"{exchange.reply_id}` goes on from where it stopped."
                    )
                return EXIT_FAILED if event.reason == "length" and not had_text else EXIT_OK
        return EXIT_OK
    except KeyboardInterrupt:
        cancel.cancel()
        events.close()  # records the answer as stopped, its text kept
        ticker.stop()
        if had_text:
            sys.stdout.write("\n")
            sys.stdout.flush()
        _report_unsaved(exchange)
        err("askshot: stopped")
        return EXIT_INTERRUPTED
    except errors.AskshotError as exc:
        ticker.stop()
        out.error(exc, had_text)
        _report_unsaved(exchange)
        err(f"askshot: {exc.message}")
        if isinstance(exc, errors.FlexUnavailable):
            err("askshot: `--no-flex` sends it at the normal price.")
        if isinstance(exc, errors.ModelNotFound):
            move = f"askshot models use {life.successor}" if life.successor else "askshot models"
            err(f"askshot: `{move}` moves your default model; `askshot models` lists the others.")
        return EXIT_FAILED
    finally:
        ticker.stop()
        events.close()


def _report_unsaved(exchange: Exchange) -> None:
    if exchange.outcome.save_error is not None:
        err(f"askshot: the answer could not be saved: {exchange.outcome.save_error.message}")


def _summary(model: str, usage: Usage | None, cost: float | None, elapsed: float) -> str:
    parts = [model]
    if usage is not None:
        cached = f" ({usage.cached_tokens:,} cached)" if usage.cached_tokens else ""
        reasoning = f" ({usage.reasoning_tokens:,} reasoning)" if usage.reasoning_tokens else ""
        parts.append(f"{usage.prompt_tokens:,} in{cached}")
        parts.append(f"{usage.completion_tokens:,} out{reasoning}")
    parts.append("cost unknown" if cost is None else f"${cost:.4f}")
    if usage is not None and usage.service_tier == "flex":
        parts.append("flex, half price")
    parts.append(f"{elapsed:.1f} s")
    return " · ".join(parts)
