"""Cost you can steer, from the shell: flex at half price (and its "resource unavailable"),
--max-cost as a hard cap on what reaches the server, and the monthly budget — each as a user
runs `askshot ask` against the loopback test server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli_ask import askshot, cli_env
from tests.helpers import fakeserver as fs

# o4-mini: $1.10 in, $4.40 out per 1M tokens. 1,000 in + 1,000 out = $0.0055 at the normal price.
STANDARD = 0.0055


def flex_reply(text: str = "Later, cheaper.", *, echo: bool = True) -> fs.Reply:
    """A streamed answer whose chunks say the tier that served it, as OpenAI's do (or not)."""
    tier = "flex" if echo else None
    return fs.text_reply([text], usage=fs.usage_chunk(1000, 1000), service_tier=tier)


def write_settings(home: Path, **values: object) -> None:
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(json.dumps({"version": 1, **values}))


@pytest.mark.parametrize("echo", [True, False], ids=["tier-echoed", "tier-not-echoed"])
def test_flex_is_asked_for_and_recorded_at_half_price(server: fs.FakeServer, echo: bool) -> None:
    server.enqueue(flex_reply(echo=echo))
    env = cli_env(server)
    r = askshot("ask", "--flex", "--json", "not urgent", env=env)
    assert r.returncode == 0, r.stderr
    assert server.chat_requests[0].json["service_tier"] == "flex"
    done = json.loads(r.stdout.splitlines()[-1])
    assert done["cost_usd"] == pytest.approx(STANDARD / 2)
    assert "flex, half price" in r.stderr
    shown = json.loads(askshot("history", "show", "latest", "--json", env=env).stdout)
    assert shown["messages"][-1]["cost_usd"] == pytest.approx(STANDARD / 2)


def test_a_server_that_served_the_normal_tier_is_billed_normally(server: fs.FakeServer) -> None:
    server.enqueue(
        fs.text_reply(["At once."], usage=fs.usage_chunk(1000, 1000), service_tier="default")
    )
    r = askshot("ask", "--flex", "--json", "hi", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[-1])["cost_usd"] == pytest.approx(STANDARD)


def test_without_flex_no_service_tier_is_sent(server: fs.FakeServer) -> None:
    server.enqueue(fs.text_reply(["Now."]))
    assert askshot("ask", "hi", env=cli_env(server)).returncode == 0
    assert "service_tier" not in server.chat_requests[0].json


def test_flex_without_capacity_is_a_sentence_and_not_retried(server: fs.FakeServer) -> None:
    server.enqueue(
        fs.error_reply(
            429,
            "Resource unavailable: flex capacity is exhausted. Please retry later.",
            type_="resource_unavailable",
        )
    )
    r = askshot("ask", "--flex", "later", env=cli_env(server))
    assert r.returncode == 1
    assert "no flex capacity for o4-mini right now" in r.stderr
    assert "nothing was charged" in r.stderr
    assert "`--no-flex` sends it at the normal price" in r.stderr
    assert len(server.chat_requests) == 1  # the user decides, not a retry loop

    server.enqueue(fs.text_reply(["Now, at the normal price."]))
    r = askshot("ask", "--no-flex", "later", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    assert "service_tier" not in server.chat_requests[1].json


def test_resource_unavailable_without_flex_is_a_rate_limit_retried(server: fs.FakeServer) -> None:
    """The same 429 on a request at the normal price is no news about flex: it is a rate limit,
    waited out and asked again, and the answer comes."""
    server.enqueue(
        fs.error_reply(
            429, "Resource unavailable. Please retry later.", headers={"retry-after": "0"}
        ),
        fs.text_reply(["Came after a wait."]),
    )
    r = askshot("ask", "--no-flex", "now", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    assert "Came after a wait." in r.stdout
    assert "flex" not in r.stderr
    assert len(server.chat_requests) == 2


def test_flex_for_a_provider_without_it_is_refused(server: fs.FakeServer, tmp_path: Path) -> None:
    env = cli_env(None, OPENROUTER_API_KEY="sk-or-test")
    r = askshot(
        "ask", "--flex", "hi", "--provider", "openrouter", "--base-url", server.base_url, env=env
    )
    assert r.returncode == 2
    assert "OpenRouter does not offer flex processing" in r.stderr
    assert server.chat_requests == []


def test_max_cost_caps_the_answer_so_the_question_stays_within_it(server: fs.FakeServer) -> None:
    server.enqueue(fs.text_reply(["Short."]))
    r = askshot("ask", "--max-cost", "0.01", "--system", "", "hi", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    sent = server.chat_requests[0].json["max_completion_tokens"]
    # reading "hi" costs a few tokens; the rest of $0.01 buys at most this many at $4.40/1M
    assert 2250 <= sent <= 2273
    assert sent * 4.40 / 1e6 <= 0.01


def test_max_cost_keeps_a_smaller_limit_and_holds_at_the_normal_price_with_flex(
    server: fs.FakeServer,
) -> None:
    server.enqueue(fs.text_reply(["a"]), fs.text_reply(["b"]))
    env = cli_env(server)
    assert askshot("ask", "--max-cost", "1", "--max-tokens", "500", "hi", env=env).returncode == 0
    assert server.chat_requests[0].json["max_completion_tokens"] == 500
    r = askshot("ask", "--flex", "--max-cost", "0.01", "--system", "", "hi", env=env)
    assert r.returncode == 0, r.stderr
    # the same cap as without flex: a server may serve it (and bill it) at the normal price
    assert 2250 <= server.chat_requests[1].json["max_completion_tokens"] <= 2273


def test_max_cost_below_what_reading_costs_sends_nothing(
    server: fs.FakeServer, tmp_path: Path
) -> None:
    long = tmp_path / "long.txt"
    long.write_text("word " * 20_000)  # ~20k tokens: $0.02 to read
    r = askshot("ask", "--max-cost", "0.005", "-", env=cli_env(server), stdin=long.read_text())
    assert r.returncode == 2
    assert "leaves no room for an answer within --max-cost $0.0050" in r.stderr
    assert server.chat_requests == []


def test_max_cost_for_a_model_without_a_price_says_so(server: fs.FakeServer) -> None:
    r = askshot("ask", "--max-cost", "0.01", "--model", "mystery-7b", "hi", env=cli_env(server))
    assert r.returncode == 2
    assert "needs the price of mystery-7b" in r.stderr
    assert server.chat_requests == []


def test_max_cost_uses_the_price_the_providers_list_gives(server: fs.FakeServer) -> None:
    server.models_reply = fs.Reply(
        headers={"Content-Type": "application/json"},
        body=json.dumps(
            {
                "data": [
                    {
                        "id": "vendor/priced-9b",
                        "pricing": {"prompt": "0.000001", "completion": "0.000002"},
                    }
                ]
            }
        ).encode(),
    )
    env = cli_env(server)
    assert askshot("models", "--refresh", env=env).returncode == 0
    server.enqueue(fs.text_reply(["Priced by the list."], usage=fs.usage_chunk(1000, 1000)))
    r = askshot(
        "ask", "--max-cost", "0.01", "--model", "vendor/priced-9b", "--system", "", "hi", env=env
    )
    assert r.returncode == 0, r.stderr
    assert 4990 <= server.chat_requests[0].json["max_completion_tokens"] <= 5000  # $2/1M out
    assert "$0.0030" in r.stderr  # 1,000 in at $1/1M + 1,000 out at $2/1M


def test_the_monthly_budget_stops_a_question_past_it(
    server: fs.FakeServer, askshot_home: Path
) -> None:
    env = cli_env(server)
    write_settings(askshot_home, monthly_budget_usd=0.01)
    server.enqueue(fs.text_reply(["Expensive."], usage=fs.usage_chunk(1000, 1000)))
    server.enqueue(fs.text_reply(["Expensive."], usage=fs.usage_chunk(1000, 1000)))
    assert askshot("ask", "first", env=env).returncode == 0  # $0.0055 of $0.01
    r = askshot("ask", "--max-cost", "0.005", "second", env=env)  # could reach $0.0105
    assert r.returncode == 2
    assert "past your monthly budget of $0.01" in r.stderr
    assert "--over-budget sends it anyway" in r.stderr
    assert len(server.chat_requests) == 1
    assert askshot("ask", "second", env=env).returncode == 0  # reading it fits: $0.0055 + ~0
    r = askshot("ask", "third", env=env)  # $0.011 spent: already past
    assert r.returncode == 2 and "already past your monthly budget" in r.stderr
    server.enqueue(fs.text_reply(["Anyway."]))
    assert askshot("ask", "--over-budget", "third", env=env).returncode == 0
    assert len(server.chat_requests) == 3


def test_an_effort_the_model_does_not_take_is_refused_before_sending(
    server: fs.FakeServer,
) -> None:
    r = askshot("ask", "--effort", "xhigh", "hi", env=cli_env(server))
    assert r.returncode == 2
    assert "--effort xhigh: o4-mini takes low, medium, high" in r.stderr
    assert server.chat_requests == []
    server.enqueue(fs.text_reply(["Thought hard."]))
    r = askshot("ask", "--model", "gpt-6-luna", "--effort", "xhigh", "hi", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    assert server.chat_requests[0].json["reasoning_effort"] == "xhigh"
