"""An answer cut off at the output limit, continued from the shell: `askshot ask
--continue-answer` sends the conversation and an instruction to go on, streams only the rest,
and the history keeps one answer with the tokens and cost of both parts."""

from __future__ import annotations

import json

import pytest

from askshot.core.session import CONTINUE_PROMPT
from tests.e2e.test_cli_ask import askshot, cli_env
from tests.helpers import fakeserver as fs


def test_a_cut_off_answer_is_continued_into_the_same_message(server: fs.FakeServer) -> None:
    env = cli_env(server)
    server.enqueue(
        fs.text_reply(
            ["The steps are: one, two"], finish_reason="length", usage=fs.usage_chunk(100, 50)
        )
    )
    r = askshot("ask", "--system", "Be brief.", "List the steps", env=env)
    assert r.returncode == 0, r.stderr
    assert "cut off at the output limit" in r.stderr
    shown = json.loads(askshot("history", "show", "latest", "--json", env=env).stdout)
    answer = shown["messages"][-1]
    assert answer["finish_reason"] == "length"
    assert f"`askshot ask --continue-answer {answer['id']}`" in r.stderr

    server.enqueue(fs.text_reply([", three and four."], usage=fs.usage_chunk(180, 30)))
    r = askshot("ask", "--continue-answer", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ", three and four.\n"  # only the rest
    sent = server.chat_requests[-1].json["messages"]
    assert [(m["role"], m["content"]) for m in sent] == [
        ("system", "Be brief."),
        ("user", "List the steps"),
        ("assistant", "The steps are: one, two"),
        ("user", CONTINUE_PROMPT),
    ]
    assert "the whole answer, continued: $0.0007" in r.stderr  # 280 in, 80 out at o4-mini

    shown = json.loads(askshot("history", "show", "latest", "--json", env=env).stdout)
    answers = [m for m in shown["messages"] if m["role"] == "assistant"]
    assert len(answers) == 1  # one message in the history
    whole = answers[0]
    assert whole["text"] == "The steps are: one, two, three and four."
    assert whole["usage"]["prompt_tokens"] == 280 and whole["usage"]["completion_tokens"] == 80
    assert whole["cost_usd"] == pytest.approx((280 * 1.10 + 80 * 4.40) / 1e6)
    assert whole["finish_reason"] == "stop" and whole["status"] == "done"

    r = askshot("ask", "--continue-answer", str(whole["id"]), env=env)
    assert r.returncode == 2
    assert "was not cut off at the output limit" in r.stderr
    assert len(server.chat_requests) == 2


def test_a_continuation_that_fails_keeps_every_word(server: fs.FakeServer) -> None:
    env = cli_env(server)
    server.enqueue(fs.text_reply(["First half"], finish_reason="length"))
    assert askshot("ask", "Write it", env=env).returncode == 0
    server.enqueue(fs.Reply(steps=[fs.data(fs.chunk(" and a bit")), fs.sleep(0.1), fs.DISCONNECT]))
    r = askshot("ask", "--continue-answer", env=env)
    assert r.returncode == 1
    shown = json.loads(askshot("history", "show", "latest", "--json", env=env).stdout)
    answer = shown["messages"][-1]
    assert answer["text"] == "First half and a bit"
    assert answer["status"] == "failed" and answer["finish_reason"] == "length"
    server.enqueue(fs.text_reply([" more."]))
    assert askshot("ask", "--continue-answer", env=env).returncode == 0  # still offered
    shown = json.loads(askshot("history", "show", "latest", "--json", env=env).stdout)
    assert shown["messages"][-1]["text"] == "First half and a bit more."


@pytest.mark.parametrize(
    "args",
    [
        ["--continue-answer", "a question"],
        ["--continue-answer", "--no-history"],
        ["--continue-answer", "nope"],
        ["--continue-answer", "99999"],
    ],
)
def test_continue_answer_misuse_sends_nothing(server: fs.FakeServer, args: list[str]) -> None:
    server.enqueue(fs.text_reply(["x"], finish_reason="length"))
    assert askshot("ask", "q", env=cli_env(server)).returncode == 0
    # (a question after the flag would be read as its ID: put the flag last)
    order = args[::-1] if args[1] == "a question" else args
    r = askshot("ask", *order, env=cli_env(server))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("askshot: ")
    assert len(server.chat_requests) == 1
