"""`askshot ask` keeps conversations; `askshot history` lists, shows, searches, exports, deletes.
A reply is saved while it streams: a SIGKILL loses at most about a second of it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from askshot.core.history import Store, StoredMessage
from tests.e2e.test_cli_ask import KEY, ROOT, askshot, cli_env
from tests.helpers import fakeserver as fs


def history(*args: str, env: dict[str, str]):
    r = askshot("history", *args, "--json", env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_ask_is_saved_and_continue_sends_earlier_turns(server) -> None:
    env = cli_env(server)
    server.enqueue(fs.text_reply(["Paris."], usage=fs.usage_chunk(20, 5)), fs.text_reply(["2.1M"]))
    assert askshot("ask", "Capital of France?", env=env).returncode == 0
    r = askshot("ask", "Its population?", "--continue", env=env)
    assert r.returncode == 0, r.stderr
    sent = server.chat_requests[1].json["messages"]
    assert [(m["role"], m["content"]) for m in sent if m["role"] != "system"] == [
        ("user", "Capital of France?"),
        ("assistant", "Paris."),
        ("user", "Its population?"),
    ]
    convs = history("list", env=env)
    assert len(convs) == 1 and convs[0]["title"] == "Capital of France?"
    shown = history("show", "latest", env=env)
    assert [m["text"] for m in shown["messages"]] == [
        "Capital of France?",
        "Paris.",
        "Its population?",
        "2.1M",
    ]
    first_reply = shown["messages"][1]
    assert first_reply["status"] == "done"
    assert first_reply["usage"]["prompt_tokens"] == 20
    assert first_reply["cost_usd"] == pytest.approx((20 * 1.10 + 5 * 4.40) / 1e6)


def test_continue_by_id_and_unknown_id(server) -> None:
    env = cli_env(server)
    askshot("ask", "one", env=env)
    askshot("ask", "two", env=env)
    first = min(c["id"] for c in history("list", env=env))
    assert askshot("ask", "more", "--continue", str(first), env=env).returncode == 0
    assert [m["content"] for m in server.chat_requests[-1].json["messages"]][-3] == "one"
    r = askshot("ask", "x", "--continue", "9999", env=env)
    assert r.returncode == 2 and "no conversation 9999" in r.stderr


def test_no_history_keeps_nothing(server) -> None:
    env = cli_env(server)
    assert askshot("ask", "secret question", "--no-history", env=env).returncode == 0
    assert history("list", env=env) == []
    r = askshot("history", "search", "secret", "--json", env=env)
    assert r.returncode == 1 and json.loads(r.stdout) == []


def test_failed_answer_keeps_partial_text_and_error(server) -> None:
    env = cli_env(server)
    server.enqueue(fs.Reply(steps=[fs.data(fs.chunk("half an ans")), fs.sleep(0.1), fs.DISCONNECT]))
    assert askshot("ask", "q", env=env).returncode == 1
    reply = history("show", "latest", env=env)["messages"][1]
    assert reply["text"] == "half an ans"
    assert reply["status"] == "failed"
    assert "dropped" in reply["error"] or "closed" in reply["error"]
    assert stored_reply(reply["id"]).error_kind == "disconnected"


def stored_reply(message_id: int) -> StoredMessage:
    """The reply as the history file holds it (the CLI ran with this test's ASKSHOT_HOME)."""
    with Store.open() as store:
        return store.message(message_id)


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (
            fs.error_reply(404, "The model `o4-mini` does not exist", code="model_not_found"),
            "model_not_found",
        ),
        (fs.error_reply(401, f"Incorrect API key provided: {KEY}", code="invalid_api_key"), "auth"),
    ],
    ids=["retired-model", "refused-key"],
)
def test_failed_answer_keeps_the_kind_of_error(server, reply: fs.Reply, kind: str) -> None:
    env = cli_env(server)
    server.enqueue(reply)
    assert askshot("ask", "q", env=env).returncode == 1
    shown = history("show", "latest", env=env)["messages"][1]
    assert (shown["status"], shown["error_kind"]) == ("failed", kind)
    m = stored_reply(shown["id"])
    assert (m.status, m.error_kind) == ("failed", kind)
    assert m.error is not None and KEY not in m.error


def test_search_export_delete(server, tmp_path) -> None:
    env = cli_env(server)
    server.enqueue(fs.text_reply(["The flux capacitor needs 1.21 gigawatts."]))
    askshot("ask", "How much power?", env=env)
    hits = history("search", "gigawat", env=env)
    assert hits and "«gigawatts»" in hits[0]["snippet"]
    cid = hits[0]["conversation_id"]

    md = tmp_path / "out.md"
    assert (
        askshot("history", "export", str(cid), "--format", "md", "-o", str(md), env=env).returncode
        == 0
    )
    assert "1.21 gigawatts" in md.read_text()
    js = tmp_path / "out.json"
    assert (
        askshot("history", "export", "all", "--format", "json", "-o", str(js), env=env).returncode
        == 0
    )
    doc = json.loads(js.read_text())
    assert doc["conversations"][0]["messages"][1]["text"].startswith("The flux")

    assert history("delete", str(cid), env=env) == {"deleted": cid}
    assert history("list", env=env) == []


def test_sigkill_mid_stream_loses_at_most_about_a_second(server) -> None:
    env = cli_env(server)
    server.enqueue(fs.text_reply([f"w{i} " for i in range(400)], delay=0.05))
    proc = subprocess.Popen(
        [sys.executable, "-m", "askshot", "ask", "tell me a long story"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    received: list[bytes] = []

    def reader() -> None:
        assert proc.stdout is not None
        while chunk := os.read(proc.stdout.fileno(), 4096):
            received.append(chunk)

    t = threading.Thread(target=reader)
    t.start()
    deadline = time.monotonic() + 20
    while b"w60 " not in b"".join(received):
        assert time.monotonic() < deadline, "the answer did not stream"
        time.sleep(0.01)
    seen_before = b"".join(received).decode()
    time.sleep(1.3)  # everything seen before this pause must be on disk by the kill
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    t.join(timeout=10)
    assert proc.stdout is not None
    proc.stdout.close()

    reply = history("show", "latest", env=env)["messages"][1]
    assert reply["status"] == "interrupted"
    assert reply["text"].startswith(seen_before), "text seen a second before the kill was lost"
    assert b"".join(received).decode().startswith(reply["text"])
