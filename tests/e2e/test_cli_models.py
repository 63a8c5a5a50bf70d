"""`askshot models` and the lifecycle in `askshot ask`, as a user runs them against the loopback
test server: the list shapes, the cache offline, the move in one step, the shutdown notice and
the 404 model_not_found followed by the move."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from tests.e2e.test_cli_ask import askshot, cli_env
from tests.helpers import fakeserver as fs
from tests.unit.test_catalog import OPENAI_LIST, OPENROUTER_LIST


def models_reply(payload: object) -> fs.Reply:
    return fs.Reply(headers={"Content-Type": "application/json"}, body=json.dumps(payload).encode())


def test_openrouter_list_as_a_table_and_as_json(server: fs.FakeServer) -> None:
    server.models_reply = models_reply(OPENROUTER_LIST)
    r = askshot("models", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == [
        "MODEL",
        "IMAGES",
        "CONTEXT",
        "PRICE",
        "IN/OUT",
        "PER",
        "1M",
        "SHUTDOWN",
    ]
    o4 = next(line for line in lines if "openai/o4-mini" in line)
    assert o4.startswith("*")  # the default model, found under its vendor prefix
    assert "yes" in o4 and "200,000" in o4 and "$1.1 / $4.4" in o4 and "2027-03-01" in o4
    assert lines.index(o4) < next(i for i, x in enumerate(lines) if "meta/text-only" in x)
    assert "2 models at" in r.stdout
    assert server.requests[-1].headers["authorization"] == "Bearer sk-test-cli-SECRET-987654321"

    data = json.loads(askshot("models", "--json", env=cli_env(server)).stdout)
    by_id = {m["id"]: m for m in data["models"]}
    assert by_id["openai/o4-mini"]["price_per_1m"]["input"] == 1.1
    assert by_id["meta/text-only"]["vision"] is False


def test_the_cache_answers_offline_and_says_how_old_it_is(
    server: fs.FakeServer, askshot_home: Path
) -> None:
    server.models_reply = models_reply(OPENAI_LIST)
    env = cli_env(server)
    assert askshot("models", env=env).returncode == 0
    gets = len([r for r in server.requests if r.method == "GET"])
    assert askshot("models", env=env).returncode == 0  # fresh cache: the server is not asked
    assert len([r for r in server.requests if r.method == "GET"]) == gets

    offline = dict(env, OPENAI_BASE_URL=server.base_url)
    server.stop()
    r = askshot("models", "--refresh", env=offline)
    assert r.returncode == 0, r.stderr
    assert "gpt-6-luna" in r.stdout
    assert "Showing the list fetched just now" in r.stderr


def test_no_cache_and_no_server_is_a_clear_sentence(askshot_home: Path) -> None:
    env = cli_env(None, OPENAI_BASE_URL="http://127.0.0.1:9/v1", OPENAI_API_KEY="sk-x")
    r = askshot("models", env=env)
    assert r.returncode == 1
    assert r.stderr.startswith("askshot: ") and "Traceback" not in r.stderr


def test_model_not_found_then_the_move_in_one_step(server: fs.FakeServer) -> None:
    """The provider no longer lists o4-mini and answers 404 model_not_found: the user reads
    which model to move to, moves with one command, and the next question goes there."""
    server.models_reply = models_reply(
        {"data": [{"id": "gpt-6-luna"}, {"id": "gpt-5.6-terra"}, {"id": "text-embedding-3"}]}
    )
    env = cli_env(server)
    assert askshot("models", env=env).returncode == 0  # the list is cached from here on
    server.enqueue(
        fs.error_reply(404, "The model `o4-mini` does not exist.", code="model_not_found")
    )
    r = askshot("ask", "What is this?", env=env)
    assert r.returncode == 1
    assert "no longer offers o4-mini" in r.stderr  # before sending: the list lacks it
    assert "`askshot models use gpt-5.6-terra` moves your default model" in r.stderr

    moved = askshot("models", "use", "gpt-5.6-terra", env=env)
    assert moved.returncode == 0, moved.stderr
    assert "now gpt-5.6-terra (was o4-mini)" in moved.stdout
    server.enqueue(fs.text_reply(["Moved."]))
    r = askshot("ask", "Again?", env=env)
    assert r.returncode == 0, r.stderr
    assert server.chat_requests[-1].json["model"] == "gpt-5.6-terra"
    assert "no longer offers" not in r.stderr

    wrong = askshot("models", "use", "gpt-6", env=env)
    assert wrong.returncode == 2
    assert "Did you mean: gpt-6-luna" in wrong.stderr


def test_a_coming_shutdown_is_said_once_on_stderr(server: fs.FakeServer) -> None:
    soon = (date.today() + timedelta(days=12)).isoformat()
    server.models_reply = models_reply(
        {"data": [{"id": "o4-mini", "shutdown_date": soon}, {"id": "gpt-6-luna"}]}
    )
    env = cli_env(server)
    assert askshot("models", env=env).returncode == 0
    server.enqueue(fs.text_reply(["Still here."]))
    r = askshot("ask", "hi", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Still here.\n"
    assert r.stderr.count(f"shuts o4-mini down on {soon} (12 days from now)") == 1


def test_a_gateway_still_serving_a_retired_model_gets_no_notice(server: fs.FakeServer) -> None:
    """The built-in shutdown date is OpenAI's own: at another base URL only its list counts."""
    server.enqueue(fs.text_reply(["Served."]))
    r = askshot("ask", "hi", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    assert "no longer offers" not in r.stderr and "shuts" not in r.stderr


def test_openrouters_own_cost_is_the_cost_recorded(server: fs.FakeServer) -> None:
    """OpenRouter says what it charged (usage.cost): that, not our price table, is shown and
    kept in the history."""
    usage = fs.usage_chunk(1000, 200)
    usage["usage"]["cost"] = 0.0123
    server.enqueue(fs.text_reply(["Priced."], usage=usage))
    env = cli_env(None, OPENROUTER_API_KEY="sk-or-test")
    r = askshot("ask", "hi", "--provider", "openrouter", "--base-url", server.base_url, env=env)
    assert r.returncode == 0, r.stderr
    assert "$0.0123" in r.stderr  # o4-mini's table price for these tokens would be $0.0020
    assert "usage" not in server.chat_requests[0].json  # no OpenRouter-only field sent
    shown = json.loads(askshot("history", "show", "latest", "--json", env=env).stdout)
    answer = shown["messages"][-1]
    assert answer["cost_usd"] == 0.0123


def test_a_rejected_parameter_is_dropped_once_and_remembered(server: fs.FakeServer) -> None:
    """An old local server turns down max_completion_tokens: the question is asked again with
    max_tokens, the user is told, and the next question goes without the round trip."""
    server.enqueue(
        fs.error_reply(
            400,
            "Unrecognized request argument supplied: max_completion_tokens",
            code="unsupported_parameter",
        ),
        fs.text_reply(["Answered."]),
        fs.text_reply(["Again."]),
    )
    env = cli_env(server)
    r = askshot("ask", "hi", "--max-tokens", "500", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Answered.\n"
    assert "does not accept max_completion_tokens for o4-mini" in r.stderr
    first, retried = (req.json for req in server.chat_requests)
    assert first["max_completion_tokens"] == 500
    assert "max_completion_tokens" not in retried and retried["max_tokens"] == 500
    assert retried["reasoning_effort"] == first["reasoning_effort"]  # only that one dropped

    r = askshot("ask", "hi again", "--max-tokens", "500", env=env)
    assert r.returncode == 0, r.stderr
    assert "does not accept" not in r.stderr
    assert len(server.chat_requests) == 3
    assert "max_completion_tokens" not in server.chat_requests[-1].json


def test_a_rejected_effort_value_is_dropped_and_other_400s_are_not_retried(
    server: fs.FakeServer,
) -> None:
    server.enqueue(
        fs.error_reply(
            400,
            "Unsupported value: 'reasoning_effort' does not support 'high' with this model.",
            code="unsupported_value",
        ),
        fs.text_reply(["Fine."]),
        fs.error_reply(400, "Invalid 'messages': empty content.", code="invalid_value"),
    )
    env = cli_env(server)
    r = askshot("ask", "hi", "--effort", "high", env=env)
    assert r.returncode == 0, r.stderr
    assert "reasoning_effort" not in server.chat_requests[-1].json
    r = askshot("ask", "hi", "--model", "gpt-4o-mini", env=env)
    assert r.returncode == 1  # not a parameter we may drop: the error, once
    assert len(server.chat_requests) == 3
