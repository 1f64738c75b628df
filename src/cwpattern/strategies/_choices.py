"""Where the generators' decisions come from.

Every builder in this package takes its decisions from a :class:`Choices` object instead
of a random source, so that one builder serves three purposes:

* :class:`Drawn` asks hypothesis (``draw(st.integers(lo, hi))``): the examples shrink,
  because hypothesis shrinks every decision towards its lower bound;
* :class:`Minimal` always takes the lower bound: the example hypothesis shrinks to, built
  directly (used to check up front that a pattern has events at all);
* :class:`Seeded` uses ``random.Random``: deterministic sweeps without hypothesis.

Builders put the simplest, most readable option first (index 0, ``False``, the smallest
count), so the lower bound *is* the readable example.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["Choices", "Drawn", "Minimal", "Seeded"]


class Choices:
    """A source of bounded integer decisions; everything else derives from :meth:`between`."""

    def between(self, lo: int, hi: int) -> int:  # pragma: no cover - abstract
        """An integer in ``[lo, hi]``; ``lo`` is the simplest choice."""
        raise NotImplementedError

    def below(self, n: int) -> int:
        """An index in ``[0, n)`` (``n >= 1``)."""
        return 0 if n <= 1 else self.between(0, n - 1)

    def coin(self) -> bool:
        """``False`` is the simplest choice."""
        return self.between(0, 1) == 1

    def pick(self, items: Sequence[T]) -> T:
        """One item; the first is the simplest."""
        return items[self.below(len(items))]

    def count(self, hi: int) -> int:
        """A small count in ``[0, hi]``; 0 is the simplest."""
        return self.between(0, hi)

    def fork(self) -> Choices:
        """Choices for cosmetic details, from a single decision: the simplest choices when it
        is 0, a seeded sequence otherwise.  Fewer hypothesis draws, at the price of shrinking
        those details together rather than one by one."""
        seed = self.between(0, 1 << 20)
        return Minimal() if seed == 0 else Seeded(seed)


class Minimal(Choices):
    """Always the simplest choice: what hypothesis shrinks to."""

    def between(self, lo: int, hi: int) -> int:
        return lo


class Seeded(Choices):
    """Random choices from a seeded ``random.Random``."""

    def __init__(self, seed: int | random.Random = 0) -> None:
        self.rng = seed if isinstance(seed, random.Random) else random.Random(seed)

    def between(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


class Drawn(Choices):
    """Choices drawn by hypothesis (``draw`` is the argument of an ``@st.composite``)."""

    def __init__(self, draw: Callable[[Any], Any]) -> None:
        self.draw = draw

    def between(self, lo: int, hi: int) -> int:
        if lo >= hi:
            return lo
        return int(self.draw(_integers(lo, hi)))


@functools.lru_cache(maxsize=4096)
def _integers(lo: int, hi: int) -> Any:
    from hypothesis import strategies as st

    return st.integers(lo, hi)
