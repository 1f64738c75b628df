"""Sets of IEEE-754 doubles as unions of closed intervals (the numeric side of a domain).

JSON numbers are compared as doubles (spec §4.3, §4.5): ``float(raw)``, huge exponents
becoming ±inf.  An open bound is normalised to the next representable double, so a set
is empty exactly when no double lies in it.

>>> s = Intervals.compare(">", 5.0).intersect(Intervals.compare("<=", 7.0))
>>> s.contains(6.5), s.contains(5.0), s.contains(7.0)
(True, False, True)
>>> Intervals.point(7.0).complement().contains(7.0)
False
>>> Intervals.compare(">", 5.0).intersect(Intervals.compare("<", 5.0)).is_empty
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .unknown import cached_hash

__all__ = ["Intervals", "number_text", "parse_json_number", "spellings"]

_INF = math.inf
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def _up(x: float) -> float:
    return math.nextafter(x, _INF)


def _down(x: float) -> float:
    return math.nextafter(x, -_INF)


@cached_hash
@dataclass(frozen=True)
class Intervals:
    """A finite union of closed intervals ``[lo, hi]`` of doubles (sorted, disjoint)."""

    spans: tuple[tuple[float, float], ...]

    @classmethod
    def all(cls) -> Intervals:
        return _ALL

    @classmethod
    def empty(cls) -> Intervals:
        return _EMPTY

    @classmethod
    def point(cls, x: float) -> Intervals:
        return cls(((x, x),))

    @classmethod
    def compare(cls, op: str, x: float) -> Intervals:
        """Doubles ``v`` with ``v op x`` (op one of ``< <= > >=``)."""
        if op == "<":
            return cls(((-_INF, _down(x)),)) if x > -_INF else _EMPTY
        if op == "<=":
            return cls(((-_INF, x),))
        if op == ">":
            return cls(((_up(x), _INF),)) if x < _INF else _EMPTY
        if op == ">=":
            return cls(((x, _INF),))
        raise ValueError(f"not an ordering operator: {op!r}")

    @property
    def is_empty(self) -> bool:
        return not self.spans

    @property
    def is_all(self) -> bool:
        return self.spans == _ALL.spans

    def contains(self, x: float) -> bool:
        return any(lo <= x <= hi for lo, hi in self.spans)

    def intersect(self, other: Intervals) -> Intervals:
        if self.is_all:
            return other
        if other.is_all:
            return self
        out = []
        for a_lo, a_hi in self.spans:
            for b_lo, b_hi in other.spans:
                lo, hi = max(a_lo, b_lo), min(a_hi, b_hi)
                if lo <= hi:
                    out.append((lo, hi))
        return Intervals(tuple(sorted(out)))

    def complement(self) -> Intervals:
        out = []
        cur = -_INF
        open_start = False  # whether `cur` itself is excluded
        for lo, hi in self.spans:
            start = _up(cur) if open_start else cur
            if lo > -_INF:
                end = _down(lo)
                if start <= end:
                    out.append((start, end))
            cur, open_start = hi, True
            if hi == _INF:
                return Intervals(tuple(out))
        start = _up(cur) if open_start else cur
        out.append((start, _INF))
        return Intervals(tuple(out))

    def samples(self) -> Iterator[float]:
        """A few readable members: small integers, bounds, midpoints."""
        for lo, hi in self.spans:
            if lo <= 0.0 <= hi:
                yield 0.0
            for x in (lo, hi):
                if math.isfinite(x):
                    for r in (math.ceil(x), math.floor(x), x):
                        if lo <= r <= hi:
                            yield float(r)
            if not math.isfinite(lo) and math.isfinite(hi):
                yield float(math.floor(hi) - 1) if math.floor(hi) - 1 >= lo else hi
            if math.isfinite(lo) and not math.isfinite(hi):
                yield float(math.ceil(lo) + 1)
            if lo == -_INF and hi == _INF:
                yield 1.0
            if math.isfinite(lo) and math.isfinite(hi):
                yield lo / 2 + hi / 2
            for x in (lo, hi):
                if math.isinf(x):
                    yield x


_ALL = Intervals(((-_INF, _INF),))
_EMPTY = Intervals(())


def number_text(x: float) -> str:
    """A JSON number token whose double value is exactly ``x`` (``1e999`` for inf).

    >>> number_text(7.0), number_text(0.5), number_text(-math.inf), number_text(1e16)
    ('7', '0.5', '-1e999', '1e+16')
    """
    if math.isinf(x):
        return "1e999" if x > 0 else "-1e999"
    if x == int(x) and abs(x) < 1e15:
        text = str(int(x))
        return "-0" if text == "0" and math.copysign(1.0, x) < 0 else text
    return repr(x)


def spellings(x: float) -> list[str]:
    """Several JSON number tokens whose value is exactly ``x``: plain, with a fraction, in
    exponent notation, with the decimal point shifted.

    >>> spellings(1.0)[:8]
    ['1', '1.0', '1.00', '1e0', '1E0', '1e+0', '1.0e0', '0.1e1']
    """
    first = number_text(x)
    out = [first]
    if math.isfinite(x):
        sign = "-" if math.copysign(1.0, x) < 0 else ""
        mag = abs(x)
        body = number_text(mag)
        fixed = mag == 0 or 1e-6 < mag < 1e15  # fixed-point forms stay short
        forms = [f"{mag:.1f}", f"{mag:.2f}"] if fixed else []
        forms += [f"{body}e0", f"{body}E0", f"{body}e+0"] + ([f"{mag:.1f}e0"] if fixed else [])
        for shift in range(1, 4):
            forms.append(f"{number_text(mag / 10**shift)}e{shift}")
            forms.append(f"{number_text(mag * 10**shift)}e-{shift}")
        for form in forms:
            text = sign + form
            if (
                _JSON_NUMBER.fullmatch(text)
                and float(text) == x
                and text not in out
                and math.copysign(1.0, float(text)) == math.copysign(1.0, x)
            ):
                out.append(text)
    return out


def parse_json_number(text: str) -> float:
    """The double value of a JSON number token (``float`` saturates to ±inf)."""
    return float(text)
