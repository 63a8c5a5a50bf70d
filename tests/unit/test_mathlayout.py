"""The formula layout child: a request a line, an answer a line; bad lines and bad LaTeX get
no crash; the window's side starts it, and starts it again when it dies."""

from __future__ import annotations

import io
import json

from askshot.core import mathlayout
from askshot.ui.conversation.formulas import Child, Formula


def test_serve_answers_each_request_and_skips_what_is_not_one() -> None:
    requests = "\n".join(
        [
            json.dumps({"id": "a", "latex": "\\frac{a}{b}", "display": False}),
            "not json",
            json.dumps({"id": "b"}),
            json.dumps({"id": "c", "latex": "\\frac{a}{", "display": True}),
            json.dumps({"id": "d", "latex": "x" * (mathlayout.MAX_LATEX + 1), "display": False}),
        ]
    )
    out = io.StringIO()
    assert mathlayout.serve(io.StringIO(requests + "\n"), out) == 0
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [a["id"] for a in answers] == ["a", "c", "d"]
    assert answers[0]["svg"].startswith("<svg") and mathlayout.INK in answers[0]["svg"]
    assert answers[1]["svg"] == "" and answers[2]["svg"] == ""  # broken, too long: the source


def test_the_child_is_started_again_when_it_dies() -> None:
    child = Child()
    try:
        assert child.lay_out(Formula("x^2", False)).startswith("<svg")
        first = child._process
        assert first is not None
        first.kill()
        first.wait()
        assert child.lay_out(Formula("y^2", True)).startswith("<svg")
        assert child._process is not None and child._process is not first
    finally:
        process = child._process
        child._stop()
        assert process is not None and process.poll() is not None
