"""`askshot ask` as a user runs it: a real process against the loopback test server."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.helpers import fakeserver as fs

KEY = "sk-test-cli-SECRET-987654321"


def cli_env(server: fs.FakeServer | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "OPENROUTER"))}
    env["PYTHONPATH"] = str(ROOT)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    if server is not None:
        env["OPENAI_BASE_URL"] = server.base_url
        env["OPENAI_API_KEY"] = KEY
    env.update(extra)
    return env


def askshot(*args: str, env: dict[str, str], stdin: str = "", timeout: float = 30):
    return subprocess.run(
        [sys.executable, "-m", "askshot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=ROOT,
    )


def test_answer_streams_to_stdout_with_summary_on_stderr(server) -> None:
    server.enqueue(fs.text_reply(["Hello", " there"], usage=fs.usage_chunk(1000, 200, 150, 800)))
    r = askshot("ask", "Say hi", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Hello there\n"
    assert "1,000 in (800 cached)" in r.stderr and "200 out (150 reasoning)" in r.stderr
    # (200*1.10 + 800*0.275 + 200*4.40) / 1e6
    assert "$0.0013" in r.stderr
    assert "thinking" not in r.stderr, "no live counter when stderr is not a terminal"
    assert KEY not in r.stdout + r.stderr
    assert server.chat_requests[0].json["messages"][-1]["content"] == "Say hi"


def test_dash_reads_prompt_from_stdin(server) -> None:
    r = askshot("ask", "-", "--system", "", env=cli_env(server), stdin="from stdin\nline 2\n")
    assert r.returncode == 0, r.stderr
    assert server.chat_requests[0].json["messages"] == [
        {"role": "user", "content": "from stdin\nline 2"}
    ]


def test_options_reach_the_request(server) -> None:
    r = askshot(
        "ask",
        "q",
        "--model",
        "o4-mini",
        "--effort",
        "high",
        "--system",
        "Be terse.",
        env=cli_env(server),
    )
    assert r.returncode == 0, r.stderr
    body = server.chat_requests[0].json
    assert body["reasoning_effort"] == "high"
    assert body["messages"][0] == {"role": "system", "content": "Be terse."}


def test_json_lines(server) -> None:
    server.enqueue(fs.text_reply(["a", "b"], usage=fs.usage_chunk(10, 20, 5, 0)))
    r = askshot("ask", "q", "--json", env=cli_env(server))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert lines[:2] == [{"type": "delta", "text": "a"}, {"type": "delta", "text": "b"}]
    done = lines[2]
    assert done["type"] == "done" and done["finish_reason"] == "stop"
    assert done["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": 20,
        "reasoning_tokens": 5,
        "cached_tokens": 0,
    }
    assert done["cost_usd"] == pytest.approx((10 * 1.10 + 20 * 4.40) / 1e6)


def test_failure_mid_answer_keeps_partial_and_exits_1(server) -> None:
    server.enqueue(fs.Reply(steps=[fs.data(fs.chunk("partial")), fs.sleep(0.1), fs.DISCONNECT]))
    r = askshot("ask", "q", env=cli_env(server))
    assert r.returncode == 1
    assert r.stdout == "partial\n"
    assert "dropped" in r.stderr or "closed" in r.stderr


def test_json_error_line(server) -> None:
    server.enqueue(
        fs.error_reply(404, "The model `o4-mini` does not exist", code="model_not_found")
    )
    r = askshot("ask", "q", "--json", env=cli_env(server))
    assert r.returncode == 1
    err = json.loads(r.stdout.splitlines()[-1])
    assert err["type"] == "error" and err["kind"] == "model_not_found" and err["status"] == 404
    assert "'o4-mini'" in err["message"] and "retired" in err["message"]


def test_refused_key_never_echoes_the_key(server) -> None:
    server.enqueue(
        fs.error_reply(401, f"Incorrect API key provided: {KEY}", code="invalid_api_key")
    )
    r = askshot("ask", "q", env=cli_env(server))
    assert r.returncode == 1
    assert "refused the API key" in r.stderr
    assert KEY not in r.stdout + r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["ask"],
        ["ask", "q", "--image", "/nonexistent/shot.png"],
        ["ask", "q", "--effort", "extreme"],
        ["ask", "q", "--timeout", "-1"],
    ],
)
def test_bad_usage_exits_2_and_sends_nothing(server, args) -> None:
    r = askshot(*args, env=cli_env(server))
    assert r.returncode == 2, r.stderr
    assert server.chat_requests == []


def test_missing_image_names_the_file(server) -> None:
    r = askshot("ask", "q", "--image", "/nonexistent/shot.png", env=cli_env(server))
    assert "shot.png" in r.stderr


def test_no_key_exits_2_with_a_fix(server) -> None:
    env = cli_env(None)
    r = askshot("ask", "q", env=env)
    assert r.returncode == 2
    assert "No API key for OpenAI" in r.stderr and "askshot key set" in r.stderr


def test_base_url_flag_beats_env(server) -> None:
    env = cli_env(server, OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    r = askshot("ask", "q", "--base-url", server.base_url, env=env)
    assert r.returncode == 0, r.stderr
    assert len(server.chat_requests) == 1


def test_stalled_stream_respects_timeout(server) -> None:
    server.enqueue(fs.Reply(steps=[fs.data(fs.chunk("x")), fs.STALL]))
    t0 = time.monotonic()
    r = askshot("ask", "q", "--timeout", "1", env=cli_env(server))
    assert r.returncode == 1
    assert time.monotonic() - t0 < 15
    assert "sent nothing for 1 s" in r.stderr
    assert r.stdout == "x\n"


def test_ctrl_c_stops_at_once_with_130(server) -> None:
    server.enqueue(fs.text_reply(["late"], think=60))
    proc = subprocess.Popen(
        [sys.executable, "-m", "askshot", "ask", "q"],
        env=cli_env(server),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server.wait_for_requests(1)
    time.sleep(0.3)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=10)
    assert time.monotonic() - t0 < 2
    assert proc.returncode == 130, err


def test_thinking_counter_on_a_terminal(server) -> None:
    server.enqueue(fs.text_reply(["done"], think=1.6))
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "askshot", "ask", "q"],
        env=cli_env(server),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
    )
    os.close(slave)
    out, _ = proc.communicate(timeout=20)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    tty_err = b"".join(chunks).decode()
    assert proc.returncode == 0
    assert out == "done\n"
    assert "thinking… 0 s" in tty_err and "thinking… 1 s" in tty_err


def test_image_is_fitted_and_sent_as_png(server, tmp_path) -> None:
    import base64
    import io

    from PIL import Image

    path = tmp_path / "wide.png"
    Image.new("RGB", (3840, 2160), (12, 200, 40)).save(path)
    r = askshot("ask", "what colour?", "--image", str(path), env=cli_env(server))
    assert r.returncode == 0, r.stderr
    parts = server.chat_requests[0].json["messages"][-1]["content"]
    assert parts[0] == {"type": "text", "text": "what colour?"}
    url = parts[1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    img = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    w, h = img.size
    assert (w // 32 + (w % 32 > 0)) * (h // 32 + (h % 32 > 0)) <= 1536
    assert abs(w / h - 3840 / 2160) < 0.02
    assert img.convert("RGB").getpixel((w // 2, h // 2)) == (12, 200, 40)


def test_corrupt_image_exits_2_naming_it(server, tmp_path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    r = askshot("ask", "q", "--image", str(path), env=cli_env(server))
    assert r.returncode == 2
    assert "broken.png" in r.stderr
    assert server.chat_requests == []


def test_openai_base_url_does_not_redirect_a_custom_server(tmp_path: Path) -> None:
    """OPENAI_BASE_URL is the OpenAI provider's; a custom server's saved URL (and its key) stay
    where the user set them."""
    with fs.FakeServer() as saved, fs.FakeServer() as elsewhere:
        saved.enqueue(fs.text_reply(["from the saved server"]))
        home = tmp_path / "home"
        (home / "config").mkdir(parents=True)
        (home / "config" / "settings.json").write_text(
            json.dumps({"provider": "custom", "base_url": saved.base_url})
        )
        env = cli_env(None, ASKSHOT_HOME=str(home), OPENAI_BASE_URL=elsewhere.base_url)
        env["OPENAI_API_KEY"] = KEY
        r = askshot("ask", "where?", "--no-history", env=env)
        assert r.returncode == 0, r.stderr
        assert r.stdout == "from the saved server\n"
        assert len(saved.chat_requests) == 1 and not elsewhere.requests
        assert "authorization" not in {k.lower() for k in saved.chat_requests[0].headers}


def test_an_error_inside_an_openrouter_stream_says_what_the_provider_said(server) -> None:
    bad = fs.chunk(finish_reason="error")
    bad["choices"][0]["error"] = {"code": 429, "message": "Rate limit exceeded upstream: try later"}
    server.enqueue(fs.Reply(steps=[fs.data(fs.chunk("Half an ")), fs.data(bad)]))
    r = askshot("ask", "q", "--json", env=cli_env(server))
    assert r.returncode == 1
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert lines[0] == {"type": "delta", "text": "Half an "}
    assert lines[-1]["type"] == "error"
    assert "Rate limit exceeded upstream: try later" in lines[-1]["message"]
    assert "Rate limit exceeded upstream" in r.stderr


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SSL_CERT_FILE", "/nonexistent/ca.pem", "SSL_CERT_FILE"),
        ("SSL_CERT_FILE", "__not_pem__", "SSL_CERT_FILE"),
        ("HTTPS_PROXY", "bogus://proxy:8080", "HTTPS_PROXY"),
        ("HTTPS_PROXY", "http://user:hunter2@[::1:8080", "HTTPS_PROXY"),
    ],
)
def test_a_broken_tls_or_proxy_setting_gets_a_sentence_and_a_prompt_exit(
    server, tmp_path: Path, variable: str, value: str, named: str
) -> None:
    if value == "__not_pem__":
        value = str(tmp_path / "ca.pem")
        Path(value).write_text("this is not a certificate\n")
    env = cli_env(server, **{variable: value})
    env.pop("NO_PROXY", None)
    started = time.monotonic()
    r = askshot("ask", "q", env=env, timeout=20)  # with the history on, as a user runs it
    assert time.monotonic() - started < 15
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("askshot: ") and named in lines[0], r.stderr
    assert "hunter2" not in r.stderr  # a proxy password is never shown
    assert not server.requests
