"""What to send for a follow-up: the current branch as Message values, trimmed to the model's
context window by dropping the oldest turns (a turn = a question and the answers after it).

Sizes come from core.estimate, the estimator the composer shows too; images count what was
stored with them. Reading the earlier images' bytes takes time on a long conversation: callers in
the window run this off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from askshot.core import estimate
from askshot.core.history.records import StoredMessage
from askshot.core.types import ImagePart, Message


class BranchSource(Protocol):
    """What building a context reads from the history (Store provides it)."""

    def branch(self, conversation_id: int, leaf_id: int | None = None) -> list[StoredMessage]: ...

    def image_data(self, sha256: str) -> bytes: ...


def _worth_sending(m: StoredMessage) -> bool:
    if m.role == "assistant":
        # An answer still streaming is the one being asked for; an empty one says nothing.
        # A cancelled, failed or interrupted answer is sent with the text it has.
        return m.status != "streaming" and bool(m.text.strip())
    return m.role == "user"


def _turns(messages: Sequence[StoredMessage]) -> list[list[StoredMessage]]:
    turns: list[list[StoredMessage]] = []
    for m in messages:
        if m.role == "user" or not turns:
            turns.append([m])
        else:
            turns[-1].append(m)
    return turns


def _tokens(m: StoredMessage) -> int:
    return estimate.message_tokens(m.text, (i.tokens for i in m.images))


def build_context(
    history: BranchSource,
    conversation_id: int,
    leaf_message_id: int | None,
    system_prompt: str,
    model_id: str,
    new_user_message: Message | None = None,
    new_image_tokens: Sequence[int] | None = None,
) -> tuple[tuple[Message, ...], int]:
    """The messages to send and how many of the oldest turns were left out to fit the model's
    context window (tell the user when it is not 0). Without `new_user_message`, the branch's
    last turn is the question being answered (a regenerated answer) and is always kept."""
    messages = [m for m in history.branch(conversation_id, leaf_message_id) if _worth_sending(m)]
    turns = _turns(messages)
    fixed = estimate.message_tokens(system_prompt) if system_prompt else 0
    keep_at_least = 0
    if new_user_message is not None:
        image_tokens = list(new_image_tokens or ())
        image_tokens += [
            estimate.default_image_tokens(i.width, i.height)
            for i in new_user_message.images[len(image_tokens) :]
        ]
        fixed += estimate.message_tokens(new_user_message.text, image_tokens)
    elif turns:
        keep_at_least = 1

    budget = estimate.context_budget(model_id)
    sizes = [sum(_tokens(m) for m in turn) for turn in turns]
    total = fixed + sum(sizes)
    dropped = 0
    while total > budget and len(turns) - dropped > keep_at_least:
        total -= sizes[dropped]
        dropped += 1

    out: list[Message] = []
    if system_prompt:
        out.append(Message(role="system", text=system_prompt))
    for turn in turns[dropped:]:
        for m in turn:
            images = tuple(
                ImagePart(history.image_data(i.sha256), i.mime, i.width, i.height) for i in m.images
            )
            out.append(Message(role=m.role, text=m.text, images=images))
    if new_user_message is not None:
        out.append(new_user_message)
    return tuple(out), dropped
