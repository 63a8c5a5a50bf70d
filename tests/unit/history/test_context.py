"""Follow-ups: the branch becomes Message values with images, trimmed to the context window by
dropping the oldest turns, and the count of dropped turns is reported."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from askshot.core.estimate import context_budget, message_tokens
from askshot.core.history import NewImage, Store
from askshot.core.types import ImagePart, Message


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store.open()
    yield s
    s.close()


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 32), "orange").save(buf, "PNG")
    return buf.getvalue()


def test_estimate_leans_high_for_non_ascii() -> None:
    assert message_tokens("abcd" * 100) == 100 + 4
    assert message_tokens("日本語") == 3 + 4
    assert message_tokens("") == 4


def test_budget_leaves_room_for_the_answer() -> None:
    assert context_budget("o4-mini") == 200_000 - 25_000
    assert context_budget("gpt-4o-mini") == 128_000 - 16_384


def test_context_follows_the_branch_with_images(store: Store) -> None:
    c = store.create_conversation()
    image = png()
    q1 = store.add_user_message(c, "What is this?", [NewImage(image, "image/png", 64, 32, 85)])
    a1 = store.begin_reply(c, q1, "o4-mini")
    store.finish_reply(a1, "done", text="An orange box.")
    other = store.begin_reply(c, q1, "o4-mini")
    store.finish_reply(other, "done", text="A different branch.")
    failed = store.begin_reply(c, q1, "o4-mini")
    store.finish_reply(failed, "failed", error="Server error.")  # empty: not sent
    store.select_branch(a1)
    q2 = store.add_user_message(c, "Which shade?", parent_id=a1)
    store.begin_reply(c, q2, "o4-mini")  # the reply being streamed is not part of the context

    messages, dropped = store.build_context(c, None, "Be brief.", "o4-mini")
    assert dropped == 0
    assert [(m.role, m.text) for m in messages] == [
        ("system", "Be brief."),
        ("user", "What is this?"),
        ("assistant", "An orange box."),
        ("user", "Which shade?"),
    ]
    assert messages[1].images == (ImagePart(image, "image/png", 64, 32),)

    new = Message("user", "And the hex code?")
    messages, dropped = store.build_context(c, a1, "", "o4-mini", new)
    assert [m.text for m in messages] == ["What is this?", "An orange box.", "And the hex code?"]
    assert messages[-1] is new


def test_oldest_turns_are_dropped_to_fit_and_counted(store: Store) -> None:
    model = "gpt-4o-mini"  # budget 111,616 tokens
    c = store.create_conversation()
    parent = None
    for i in range(5):  # five turns of ~30k tokens each (120k ASCII characters)
        parent = store.add_user_message(c, f"question {i} " + "x" * 60_000, parent_id=parent)
        parent = store.begin_reply(c, parent, model)
        store.finish_reply(parent, "done", text=f"answer {i} " + "y" * 60_000)
    new = Message("user", "short follow-up")

    messages, dropped = store.build_context(c, None, "sys", model, new)
    assert dropped == 2  # 5 x 30k = 150k > 111k; 3 x 30k = 90k fits
    assert messages[0].role == "system"
    assert messages[1].text.startswith("question 2 ")
    assert messages[-1] is new
    assert len(messages) == 1 + 3 * 2 + 1

    messages, dropped = store.build_context(c, None, "sys", "o4-mini", new)
    assert dropped == 0  # 175k budget


def test_image_tokens_count_toward_the_budget(store: Store) -> None:
    model = "gpt-4o-mini"
    c = store.create_conversation()
    q = store.add_user_message(c, "old", [NewImage(png(), "image/png", 64, 32, tokens=60_000)])
    a = store.begin_reply(c, q, model)
    store.finish_reply(a, "done", text="ok")
    q2 = store.add_user_message(c, "middle", parent_id=a)
    new = Message("user", "new", (ImagePart(png(), "image/png", 64, 32),))
    _, dropped = store.build_context(c, q2, "", model, new, new_image_tokens=[60_000])
    assert dropped == 1
    _, dropped = store.build_context(c, q2, "", model, new, new_image_tokens=[100])
    assert dropped == 0


def test_the_question_being_answered_is_always_kept(store: Store) -> None:
    model = "gpt-4o-mini"
    c = store.create_conversation()
    q = store.add_user_message(c, "z" * 600_000)  # alone larger than the window
    messages, dropped = store.build_context(c, q, "", model)
    assert dropped == 0
    assert [m.role for m in messages] == ["user"]
