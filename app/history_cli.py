"""`askshot history` and the history side of `askshot ask` (filled in with the store)."""

from __future__ import annotations

import argparse
from typing import Any


def add_history_parser(sub: Any) -> None:
    return None


def cmd_history(args: argparse.Namespace, ctx: Any) -> int:
    return 2


class HistoryWriter:
    @classmethod
    def open(cls, ctx: Any, continue_id: str | None) -> HistoryWriter | None:
        return None
