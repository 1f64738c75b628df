"""The one way the analyzer says "I cannot decide this": :class:`Undecided`."""

from __future__ import annotations

__all__ = ["BudgetExhausted", "Undecided"]


class Undecided(Exception):
    """A question the analyzer cannot settle exactly (budget, or outside the exact
    fragment).  ``reason`` is a human sentence; the public API turns it into an
    ``unknown`` verdict instead of guessing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BudgetExhausted(Undecided):
    """The search budget ran out: the whole question is undecided (no branch is retried)."""
