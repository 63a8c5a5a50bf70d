"""What to send for a follow-up: the current branch as Message values, trimmed to the model's
context window by dropping the oldest turns (a turn = a question and the answers after it).

Tokens are estimated, not counted (no tokenizer dependency): ASCII text at 4 characters a token,
every other character a token of its own (CJK, emoji: close to or above the real count), plus 4 per
message for the role wrapper. Images count what the caller stored with them. The room kept for the
answer, min(max_output, 25k), absorbs the estimate's error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.core.providers import model as model_info
from app.core.store_schema import fallback_image_tokens
from app.core.types import ImagePart, Message

if TYPE_CHECKING:
    from app.core.store import Store, StoredMessage

ANSWER_ROOM_CAP = 25_000
PER_MESSAGE = 4


def estimate_text_tokens(text: str) -> int:
    ascii_chars = len(text.encode("ascii", "ignore"))
    return math.ceil(ascii_chars / 4) + (len(text) - ascii_chars) + PER_MESSAGE


def context_budget(model_id: str) -> int:
    """Input tokens we allow: the context window less room for the answer."""
    info = model_info(model_id)
    return info.context_window - min(info.max_output, ANSWER_ROOM_CAP)


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
    return estimate_text_tokens(m.text) + sum(i.tokens for i in m.images)


def build_context(
    store: Store,
    conversation_id: int,
    leaf_message_id: int | None,
    system_prompt: str,
    model_id: str,
    new_user_message: Message | None = None,
    new_image_tokens: Sequence[int] | None = None,
) -> tuple[tuple[Message, ...], int]:
    history = [m for m in store.branch(conversation_id, leaf_message_id) if _worth_sending(m)]
    turns = _turns(history)
    fixed = estimate_text_tokens(system_prompt) if system_prompt else 0
    keep_at_least = 0
    if new_user_message is not None:
        image_tokens = list(new_image_tokens or ())
        image_tokens += [
            fallback_image_tokens(i.width, i.height)
            for i in new_user_message.images[len(image_tokens) :]
        ]
        fixed += estimate_text_tokens(new_user_message.text) + sum(image_tokens)
    elif turns:
        keep_at_least = 1  # the question being answered is the last turn of the history

    budget = context_budget(model_id)
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
                ImagePart(store.image_data(i.sha256), i.mime, i.width, i.height) for i in m.images
            )
            out.append(Message(role=m.role, text=m.text, images=images))
    if new_user_message is not None:
        out.append(new_user_message)
    return tuple(out), dropped
