"""Plain values that cross module boundaries: where a request goes, what is asked, and what
streams back. Nothing here does I/O.

Loaded after the window's first paint (a frozen dataclass costs about a millisecond to define);
modules on the path to that paint import these names for type checking only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

Role = Literal["system", "user", "assistant"]
# The reasoning effort an o-series model accepts (`reasoning_effort`).
# A reasoning effort. Which values a model takes depends on its family (providers.FAMILIES):
# the o-series takes low/medium/high, newer families add others.
Effort = str


@dataclass(frozen=True)
class Endpoint:
    """Where to send requests. `api_key` may be None for local servers that need none; it never
    shows in a repr."""

    base_url: str
    api_key: str | None = None
    provider_id: str = "openai"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    def __repr__(self) -> str:
        return f"Endpoint(base_url={self.base_url!r}, provider_id={self.provider_id!r})"


@dataclass(frozen=True)
class Timeouts:
    """Seconds. `read` is the longest wait for the next byte: a reasoning model can be silent for
    minutes before it writes anything."""

    connect: float = 15.0
    read: float = 300.0
    write: float = 60.0


@dataclass(frozen=True)
class ImagePart:
    """An encoded image ready to send: bytes plus their MIME type and pixel size."""

    data: bytes
    mime: str
    width: int
    height: int


@dataclass(frozen=True)
class Message:
    role: Role
    text: str
    images: tuple[ImagePart, ...] = ()


@dataclass(frozen=True)
class ChatRequest:
    """One Chat Completions call: the model, the whole message list and the knobs we expose."""

    model: str
    messages: tuple[Message, ...]
    effort: Effort | None = None
    max_output_tokens: int | None = None
    service_tier: str | None = None  # "flex": half price, slower (providers.offers_flex)
    response_format: dict[str, Any] | None = None  # structured outputs (core.structured)


@dataclass(frozen=True)
class Delta:
    """A piece of answer text."""

    text: str


@dataclass(frozen=True)
class Usage:
    """Token counts as the server reported them. Completion tokens include reasoning tokens."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    # What the provider itself charged, where it says (OpenRouter's usage.cost): authoritative,
    # it beats our price table. Not kept with the tokens; the history keeps the cost it made.
    cost: float | None = None
    # The tier that served the answer, as the response says ("flex", "default"), else the one
    # asked for: it sets the price (providers.cost_usd).
    service_tier: str | None = None

    def to_json(self) -> dict[str, int]:
        """The one JSON form of usage (`ask --json`, `history show --json`, the JSON export)."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "cached_tokens": self.cached_tokens,
        }


@dataclass(frozen=True)
class Finished:
    """The stream ended normally. `note` is a sentence for the user when the end is unusual."""

    reason: str | None
    note: str | None = None


@dataclass(frozen=True)
class Retrying:
    """A transient failure before any text: the client waits `delay` seconds, then tries again."""

    attempt: int
    delay: float
    reason: str


Event = Delta | Usage | Finished | Retrying
