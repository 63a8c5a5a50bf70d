"""Plain values that cross module boundaries: what is asked and what streams back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from app.core.providers import Effort

Role = Literal["system", "user", "assistant"]


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
