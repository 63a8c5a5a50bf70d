"""The optional monthly budget: what this calendar month's answers cost, and whether a question
would pass the budget. The history holds the spend (every answer's recorded cost); the month is
the local calendar month. No Qt here: the window, the popup and the CLI share it."""

from __future__ import annotations

import time
from datetime import datetime
from typing import NamedTuple


def month_start(now: float | None = None) -> float:
    """Unix time of the start of the local calendar month that `now` falls in."""
    moment = datetime.fromtimestamp(time.time() if now is None else now)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


def dollars(value: float) -> str:
    """$0.0042 for small sums, $1.23 for the rest."""
    return f"${value:.4f}" if 0 < value < 0.01 else f"${value:.2f}"


class Budget(NamedTuple):
    limit: float  # dollars a month
    spent: float  # dollars this month so far

    def line(self) -> str:
        """'$1.23 of $5.00 this month' for the composer."""
        return f"{dollars(self.spent)} of {dollars(self.limit)} this month"

    def passed_by(self, estimate: float | None) -> str | None:
        """A sentence when a question estimated at `estimate` dollars (None: unknown) would take
        the month past the budget, or the month is already past it; None when it fits."""
        if self.spent >= self.limit:
            return (
                f"This month's answers have cost {dollars(self.spent)}, which is already past "
                f"your monthly budget of {dollars(self.limit)}."
            )
        if estimate is not None and self.spent + estimate > self.limit:
            return (
                f"This question costs about {dollars(estimate)} before its answer, which would "
                f"take this month's {dollars(self.spent)} past your monthly budget of "
                f"{dollars(self.limit)}."
            )
        return None
