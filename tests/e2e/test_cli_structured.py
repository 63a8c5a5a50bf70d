"""`askshot ask --format csv|json` from the shell: the schema goes to the server as structured
output, only validated data reaches stdout, a server without structured outputs still gets a
table out of a Markdown answer, and an answer that does not fit says so (exit 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from askshot.core import structured
from tests.e2e.test_cli_ask import askshot, cli_env
from tests.helpers import fakeserver as fs

TABLE = {"columns": ["Item", "Price"], "rows": [["Coffee, large", "$4.50"], ["Tea", "$3"]]}


def test_csv_out_of_a_structured_answer(server: fs.FakeServer) -> None:
    text = json.dumps(TABLE)
    server.enqueue(fs.text_reply([text[i : i + 7] for i in range(0, len(text), 7)]))
    r = askshot("ask", "--format", "csv", "Read the receipt", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    assert r.stdout == 'Item,Price\n"Coffee, large",$4.50\nTea,$3\n'
    body = server.chat_requests[0].json
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "table", "strict": True, "schema": structured.TABLE_SCHEMA},
    }
    assert body["messages"][-1]["content"].endswith(structured.TABLE_INSTRUCTION)


def test_csv_from_a_server_without_structured_outputs(server: fs.FakeServer) -> None:
    server.enqueue(
        fs.error_reply(
            400,
            "Unrecognized request argument supplied: response_format",
            code="unsupported_parameter",
        ),
        fs.text_reply(["Sure:\n\n| Item | Price |\n|---|---|\n| Tea | $3 |\n"]),
    )
    r = askshot("ask", "--format", "csv", "Read it", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Item,Price\nTea,$3\n"
    assert "response_format" not in server.chat_requests[1].json


@pytest.fixture
def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "error.json"
    path.write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {"cause": {"type": "string"}, "fix": {"type": "string"}},
                "required": ["cause", "fix"],
                "additionalProperties": False,
            }
        )
    )
    return path


def test_json_that_fits_the_schema_is_all_stdout_gets(
    server: fs.FakeServer, schema_file: Path
) -> None:
    server.enqueue(fs.text_reply(['{"cause": "disk full", ', '"fix": "free space"}']))
    r = askshot(
        "ask", "--format", "json", "--schema", str(schema_file), "Why?", env=cli_env(server)
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"cause": "disk full", "fix": "free space"}
    sent = server.chat_requests[0].json
    assert sent["response_format"]["json_schema"]["schema"]["required"] == ["cause", "fix"]


def test_json_that_does_not_fit_exits_1_with_nothing_on_stdout(
    server: fs.FakeServer, schema_file: Path
) -> None:
    server.enqueue(fs.text_reply(['{"cause": "disk full"}']))
    r = askshot(
        "ask", "--format", "json", "--schema", str(schema_file), "Why?", env=cli_env(server)
    )
    assert r.returncode == 1
    assert r.stdout == ""
    assert "does not match the schema: /: missing 'fix'" in r.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--schema", "x.json"], "--schema goes with --format json"),
        (["--format", "json"], "--format json needs --schema FILE"),
        (["--format", "json", "--schema", "/nonexistent.json"], "cannot read the schema"),
        (["--format", "csv", "--json"], "--format cannot be combined with --json"),
    ],
)
def test_misuse_sends_nothing(server: fs.FakeServer, args: list[str], said: str) -> None:
    r = askshot("ask", *args, "q", env=cli_env(server))
    assert r.returncode == 2 and said in r.stderr
    assert server.chat_requests == []


def test_a_schema_that_is_not_an_object_is_refused(server: fs.FakeServer, tmp_path: Path) -> None:
    bad = tmp_path / "list.json"
    bad.write_text('{"type": "array"}')
    r = askshot("ask", "--format", "json", "--schema", str(bad), "q", env=cli_env(server))
    assert r.returncode == 2 and "must describe an object" in r.stderr


def test_a_schema_the_server_calls_invalid_is_said_and_not_dropped(
    server: fs.FakeServer, tmp_path: Path
) -> None:
    """OpenAI's strict mode turns down a schema without additionalProperties: that is the
    user's to fix, not a server without structured outputs (nothing retried or remembered)."""
    loose = tmp_path / "loose.json"
    loose.write_text('{"type": "object", "properties": {"a": {"type": "string"}}}')
    server.enqueue(
        fs.error_reply(
            400,
            "Invalid schema for response_format 'answer': In context=(), "
            "'additionalProperties' is required to be supplied and to be false.",
            code="invalid_json_schema",
        ),
        fs.text_reply(['{"a": "x"}']),
    )
    env = cli_env(server)
    r = askshot("ask", "--format", "json", "--schema", str(loose), "q", env=env)
    assert r.returncode == 1
    assert "Invalid schema for response_format" in r.stderr
    assert len(server.chat_requests) == 1
    r = askshot("ask", "--format", "json", "--schema", str(loose), "q", env=env)
    assert "response_format" in server.chat_requests[1].json  # not remembered as unsupported
