"""The one token and cost estimator: what a question will cost before it is sent, and how much
of a conversation fits a model's context window. Used by the composer, context trimming and the
history, so all three agree.

Tokens are estimated, not counted (no tokenizer dependency): ASCII text at 4 characters a token,
every other character a token of its own (CJK, emoji: close to or above the real count), plus 4
per message for the role wrapper. Images count exactly what the model bills for the size it reads
(OpenAI "Images and vision" guide, "Calculating costs"); the image itself is fitted to that size
by core.images, with the same rules from here. No Pillow here: the composer estimates before the
image pipeline is loaded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

from askshot.core import providers
from askshot.core.providers import ImageRule

PER_MESSAGE = 4  # the role wrapper around each message
ANSWER_ROOM_CAP = 25_000  # the most we keep free for the answer when trimming a conversation


# "patch" models (o4-mini, gpt-4.1-mini/nano): 32 px patches, at most 1536 per image; the image
# is scaled down until it fits. One patch is one image token.
PATCH_SIZE = 32
PATCH_BUDGET = 1536
# Billing: the guide multiplies image tokens by a per-model factor to get the input tokens that
# are billed (and counted in usage.prompt_tokens): Model.patch_multiplier, kept as data with the
# families in core.providers, apart from the patch count.

# "tile" models: fit within 2048x2048, then shrink so the short side is 768, then count 512 px
# tiles. Tokens = base + per_tile * tiles (these already are the billed numbers); the base and
# per-tile numbers are Model.tile_tokens, these where a model has none.
TILE_BOX = 2048
TILE_SHORT_SIDE = 768
TILE_SIZE = 512
DEFAULT_TILE_TOKENS = (85, 170)

# Models without an image rule get a generic cap, so nothing huge is ever sent.
GENERIC_BOX = 2048


# --- Text --------------------------------------------------------------------------------------


def text_tokens(text: str) -> int:
    """Tokens of a piece of text, without the message wrapper."""
    ascii_chars = len(text.encode("ascii", "ignore"))
    return math.ceil(ascii_chars / 4) + (len(text) - ascii_chars)


def message_tokens(text: str, image_tokens: Iterable[int] = ()) -> int:
    """Input tokens of one message: its text, its images' tokens and the role wrapper."""
    return text_tokens(text) + sum(image_tokens) + PER_MESSAGE


def context_budget(model_id: str) -> int:
    """Input tokens a conversation may use: the context window less room for the answer (at most
    ANSWER_ROOM_CAP, which also absorbs the estimate's error)."""
    info = providers.model(model_id)
    return info.context_window - min(info.max_output, ANSWER_ROOM_CAP)


# --- Images ------------------------------------------------------------------------------------


def _floor(x: float) -> int:
    return max(1, math.floor(x + 1e-6))


def _patches(width: int, height: int) -> int:
    return math.ceil(width / PATCH_SIZE) * math.ceil(height / PATCH_SIZE)


def _fit_patch(width: int, height: int) -> tuple[int, int]:
    if _patches(width, height) <= PATCH_BUDGET:
        return width, height
    shrink = math.sqrt(PATCH_SIZE * PATCH_SIZE * PATCH_BUDGET / (width * height))
    w1, h1 = width * shrink, height * shrink
    whole_w, whole_h = math.floor(w1 / PATCH_SIZE), math.floor(h1 / PATCH_SIZE)
    if whole_w >= 1 and whole_h >= 1:
        adjust = min(whole_w / (w1 / PATCH_SIZE), whole_h / (h1 / PATCH_SIZE))
        size = _floor(w1 * adjust), _floor(h1 * adjust)
        if _patches(*size) <= PATCH_BUDGET:
            return size
    # Extreme aspect ratios (a side under one patch) break the documented formula: take the
    # largest size, same aspect ratio, that fits the budget.
    long_side, short_side = max(width, height), min(width, height)

    def size_for(long_px: int) -> tuple[int, int]:
        other = _floor(short_side * long_px / long_side)
        return (long_px, other) if width >= height else (other, long_px)

    lo, hi = 1, long_side
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _patches(*size_for(mid)) <= PATCH_BUDGET:
            lo = mid
        else:
            hi = mid - 1
    return size_for(lo)


def fit_box(width: int, height: int, box: int) -> tuple[int, int]:
    if max(width, height) <= box:
        return width, height
    if width >= height:
        return box, _floor(height * box / width)
    return _floor(width * box / height), box


def _fit_tile(width: int, height: int) -> tuple[int, int]:
    width, height = fit_box(width, height, TILE_BOX)
    if min(width, height) > TILE_SHORT_SIDE:
        if width <= height:
            width, height = TILE_SHORT_SIDE, _floor(height * TILE_SHORT_SIDE / width)
        else:
            width, height = _floor(width * TILE_SHORT_SIDE / height), TILE_SHORT_SIDE
    return width, height


def fit_size(width: int, height: int, rule: ImageRule) -> tuple[int, int]:
    """The size the model looks at: same aspect ratio, never larger than the input.

    The result is a fixed point (fitting it again changes nothing), so the server will not
    resize what we send."""
    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    if rule == "patch":
        return _fit_patch(width, height)
    if rule == "tile":
        return _fit_tile(width, height)
    return fit_box(width, height, GENERIC_BOX)


def tokens_for_fitted(width: int, height: int, model_id: str, rule: ImageRule) -> int:
    if rule == "patch":
        return min(_patches(width, height), PATCH_BUDGET)
    if rule == "tile":
        base, per_tile = providers.model(model_id).tile_tokens or DEFAULT_TILE_TOKENS
        tiles = math.ceil(width / TILE_SIZE) * math.ceil(height / TILE_SIZE)
        return base + per_tile * tiles
    return 0


def image_tokens(width: int, height: int, model_id: str) -> int:
    """Image tokens for a width x height source once fitted for the model."""
    rule = providers.model(model_id).image_rule
    return tokens_for_fitted(*fit_size(width, height, rule), model_id, rule)


def billed_tokens(tokens: int, model_id: str) -> int:
    """Input tokens billed for `tokens` image tokens (patch models carry a multiplier)."""
    factor = providers.model(model_id).patch_multiplier
    return math.ceil(tokens * factor - 1e-9)


def image_cost_usd(tokens: int, model_id: str) -> float | None:
    """Dollars for an image of `tokens` image tokens; None when the model's price is unknown."""
    price = providers.model(model_id).price
    if price is None:
        return None
    return billed_tokens(tokens, model_id) * price.input / 1_000_000


def default_image_tokens(width: int, height: int) -> int:
    """An image's tokens when the model it was prepared for is not known: o4-mini's patch rule
    (the default model), which never counts less than the real number for patch models."""
    return image_tokens(width, height, providers.DEFAULT_MODEL)


# --- A question --------------------------------------------------------------------------------


class Estimate(NamedTuple):
    """What a message will cost: input tokens (images billed), of which image tokens, and the
    dollars for them (None when the model's price is unknown)."""

    tokens: int
    image_tokens: int
    cost_usd: float | None


def estimate_question(
    model_id: str, text: str, images: Iterable[int], *, flex: bool = False
) -> Estimate:
    """The input tokens and cost of one question: `text` and images of these image tokens each
    for this model (see image_tokens), at the flex price if asked. The system prompt and earlier
    turns come on top."""
    billed = sum(billed_tokens(t, model_id) for t in images)
    tokens = text_tokens(text) + PER_MESSAGE + billed
    price = providers.model(model_id).price
    factor = providers.tier_factor("flex" if flex else None)
    cost = None if price is None else tokens * price.input * factor / 1_000_000
    return Estimate(tokens, billed, cost)
