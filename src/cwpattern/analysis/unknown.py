"""The one way the analyzer says "I cannot decide this": :class:`Undecided`.

Also :func:`cached_hash`, a small helper for the analyzer's immutable value objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["BudgetExhausted", "Undecided", "cached_hash"]

T = TypeVar("T")


class Undecided(Exception):
    """A question the analyzer cannot settle exactly (budget, or outside the exact
    fragment).  ``reason`` is a human sentence; the public API turns it into an
    ``unknown`` verdict instead of guessing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BudgetExhausted(Undecided):
    """The search budget ran out: the whole question is undecided (no branch is retried)."""


def cached_hash(cls: type[T]) -> type[T]:
    """Class decorator for frozen dataclasses: compute the (deep) field hash once.

    The analyzer keys caches by formulas and domains, which nest tuples of tuples; hashing
    them afresh on every lookup would dominate the running time.
    """
    field_hash: Callable[[Any], int] = cls.__hash__

    def __hash__(self: Any) -> int:
        try:
            cached: int = self.__dict__["_hash"]
        except KeyError:
            cached = field_hash(self)
            object.__setattr__(self, "_hash", cached)
        return cached

    setattr(cls, "__hash__", __hash__)  # noqa: B010 - mypy rejects assigning a method
    return cls
