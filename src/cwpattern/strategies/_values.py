"""One value that passes (or fails) every condition placed on it.

A JSON node or a space-delimited field may carry several conditions at once
(``$.a > 5 && $.a < 10``, ``= "Disable*" && != "DisableKeyRotation"``, or a condition that
must be *false* in a non-matching event).  The solver lists candidate values — realistic
hints first (the base record's own value, values CloudTrail puts in a field of that name),
then values built from each condition, then values that satisfy several conditions at once
(a numeric interval, a wildcard prefix + middle + suffix), then type-changing fallbacks —
and returns the first that passes all of them with the exact semantics of spec §4.5–4.6
(JSON) or §5.5 (fields).  Only the candidates, never the answer, depend on the choices.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .. import ast
from ..jsondoc import JsonNumber
from ..regex import compile_search
from ..values import is_number, wildcard_matcher, wildcard_shape
from ._choices import Choices
from ._regexgen import sample_match, sample_nonmatch

__all__ = [
    "NOTHING",
    "JsonCond",
    "Lit",
    "field_holds",
    "json_holds",
    "json_number_text",
    "number_text",
    "solve_field",
    "solve_json",
]

NOTHING: Any = object()  #: no value satisfies the conditions (as far as the solver can tell)

JsonCond = ast.Comparison | ast.Predicate
#: A condition and whether it must hold (``True``) or fail (``False``).
Lit = tuple[Any, bool]

_TAILS = ("", "x", "Example", "-1", ".x", " x")
_HEADS = ("", "x", "Example", "1-")
_ANY = ("x", "", "example", "1")
_OTHER = ("x", "y", "example", "0", "")


# --------------------------------------------------------------------------- semantics


def _order(op: ast.Op, a: float, b: float) -> bool:
    if op is ast.Op.LT:
        return a < b
    if op is ast.Op.LE:
        return a <= b
    if op is ast.Op.GT:
        return a > b
    return a >= b


def _text_equal(value: ast.Value, text: str) -> bool:
    if isinstance(value, ast.RegexValue):
        return compile_search(value.regex)(text)
    return wildcard_matcher(value.text)(text)


def json_holds(cond: JsonCond, node: Any) -> bool:
    """Whether one node satisfies a condition (spec §4.6; ``NOT EXISTS`` is not a node test)."""
    if isinstance(cond, ast.Predicate):
        if cond.kind is ast.PredicateKind.IS_NULL:
            return node is None or (type(node) is list and any(e is None for e in node))
        if cond.kind is ast.PredicateKind.IS_TRUE:
            return node is True
        if cond.kind is ast.PredicateKind.IS_FALSE:
            return node is False
        raise ValueError("NOT EXISTS is not a node test")
    value = cond.value
    if cond.op.is_ordering:
        return isinstance(node, JsonNumber) and _order(cond.op, node.value, float(value.text))  # type: ignore[union-attr]
    if isinstance(node, str):
        text = node
    elif isinstance(node, JsonNumber):
        text = node.text
    else:
        return False
    if isinstance(value, ast.NumberValue):
        equal = (node.value == value.value) if isinstance(node, JsonNumber) else text == value.text
    else:
        equal = _text_equal(value, text)
    return equal if cond.op is ast.Op.EQ else not equal


def field_holds(cond: ast.FieldComparison, s: str) -> bool:
    """Whether a space-delimited field value satisfies a comparison (spec §5.5)."""
    numeric = is_number(s)
    value = cond.value
    if cond.op.is_ordering:
        return numeric and _order(cond.op, float(s), float(value.text))  # type: ignore[union-attr]
    if isinstance(value, ast.NumberValue):
        equal = numeric and float(s) == value.value
    else:
        equal = _text_equal(value, s)
    return equal if cond.op is ast.Op.EQ else not equal


# --------------------------------------------------------------------------- numbers


def number_text(x: float) -> str:
    """Readable number text that is valid in JSON and in the pattern number grammar."""
    x = float(x)
    if math.isinf(x):
        return "1e999" if x > 0 else "-1e999"
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def _spellings(x: float) -> list[str]:
    """Texts of one number value: the plain one first, then others (their raw text is what
    text conditions see)."""
    text = number_text(x)
    out = [text]
    if "e" not in text and "." not in text:
        out += [text + ".0", text + "e0"]
    if x != 0 and not math.isinf(x) and abs(x) < 1e15:
        out.append(number_text(x * 10))
    return out


def _wrapped(text: str) -> list[str]:
    """Number texts around a text a condition wants (``5`` for ``*5`` gives ``105``...)."""
    core = text.strip(" .")
    if not core or not all(c in "0123456789.-+eE" for c in core):
        return [text]
    return [
        text,
        core,
        "1" + core,
        "10" + core,
        "100" + core,
        core + "0",
        core + "00",
        core + "000",
        "-" + core,
        "-1" + core,
        "0." + core,
    ]


def json_number_text(text: str) -> str:
    """A pattern number literal as JSON number text of the same value (no ``+``, no
    leading zeros)."""
    sign = "-" if text.startswith("-") else ""
    body = text.lstrip("+-")
    head, sep, rest = (
        body.partition(".")
        if "." in body
        else body.partition("e")
        if "e" in body
        else body.partition("E")
    )
    head = head.lstrip("0") or "0"
    return sign + head + sep + rest


def _number_variants(text: str) -> list[str]:
    base = json_number_text(text)
    out = [base]
    if "." not in base and "e" not in base.lower():
        out += [base + ".0", base + "e0"]
    return out


class _Interval:
    """Numeric constraints on one number: bounds, required and excluded values."""

    def __init__(self) -> None:
        self.lo, self.lo_open = -math.inf, False
        self.hi, self.hi_open = math.inf, False
        self.equal: list[float] = []
        self.unequal: list[float] = []

    def add(self, op: ast.Op, n: float, positive: bool) -> None:
        if not positive:  # among numbers, "not (x < n)" is "x >= n"
            op = {
                ast.Op.LT: ast.Op.GE,
                ast.Op.LE: ast.Op.GT,
                ast.Op.GT: ast.Op.LE,
                ast.Op.GE: ast.Op.LT,
                ast.Op.EQ: ast.Op.NE,
                ast.Op.NE: ast.Op.EQ,
            }[op]
        if op is ast.Op.EQ:
            self.equal.append(n)
        elif op is ast.Op.NE:
            self.unequal.append(n)
        elif op in (ast.Op.GT, ast.Op.GE):
            if n > self.lo or (n == self.lo and op is ast.Op.GT):
                self.lo, self.lo_open = n, op is ast.Op.GT
        elif n < self.hi or (n == self.hi and op is ast.Op.LT):
            self.hi, self.hi_open = n, op is ast.Op.LT

    def ok(self, x: float) -> bool:
        if x < self.lo or (x == self.lo and self.lo_open):
            return False
        if x > self.hi or (x == self.hi and self.hi_open):
            return False
        return all(x == e for e in self.equal) and all(x != u for u in self.unequal)

    def candidates(self, ch: Choices) -> list[float]:
        if self.equal:
            return [self.equal[0]]
        lo_inf, hi_inf = math.isinf(self.lo), math.isinf(self.hi)
        step = 0 if lo_inf and hi_inf and not self.unequal else ch.between(0, 9)
        out: list[float] = []
        if lo_inf and hi_inf:
            out += [float(step), 0.0, 1.0, -1.0]
        if not lo_inf and abs(self.lo) < 1e15:
            first = math.floor(self.lo) + 1 if self.lo_open or not self.lo.is_integer() else self.lo
            out += [first + step, first, first + 1, first + 2]
        if not hi_inf and abs(self.hi) < 1e15:
            first = math.ceil(self.hi) - 1 if self.hi_open or not self.hi.is_integer() else self.hi
            out += [first - step, first, first - 1, first - 2]
        if not lo_inf and not hi_inf:
            out += [(self.lo + self.hi) / 2, self.lo / 2 + self.hi / 2]
        if not lo_inf:
            out += [
                self.lo * 2 if self.lo > 0 else self.lo / 2,
                self.lo,
                math.nextafter(self.lo, math.inf),
            ]
        elif self.lo == math.inf and not self.lo_open:
            out.append(math.inf)
        if not hi_inf:
            out += [
                self.hi * 2 if self.hi < 0 else self.hi / 2,
                self.hi,
                math.nextafter(self.hi, -math.inf),
            ]
        elif self.hi == -math.inf and not self.hi_open:
            out.append(-math.inf)
        return [x for x in out if not math.isnan(x)]


# --------------------------------------------------------------------------- candidates


def _matching_strings(value: ast.Value, ch: Choices, avoid: str) -> list[str]:
    """Strings that the value matches as text (wildcards, regex, number text)."""
    if isinstance(value, ast.NumberValue):
        return [value.text]
    if isinstance(value, ast.RegexValue):
        s = sample_match(value.regex, ch, avoid)
        return [] if s is None else [s]
    shape, core = wildcard_shape(value.text)
    if shape == "exact":
        return [core]
    if shape == "prefix":
        return [core + ch.pick(_TAILS), core]
    if shape == "suffix":
        return [ch.pick(_HEADS) + core, core]
    if shape == "contains":
        return [ch.pick(_HEADS) + core + ch.pick(_TAILS), core]
    return [ch.pick(_ANY)]


def _other_char(c: str) -> str:
    return "x" if c != "x" else "y"


def _unmatching_strings(value: ast.Value, ch: Choices, avoid: str) -> list[str]:
    """Strings that the value does not match as text."""
    if isinstance(value, ast.NumberValue):
        return [value.text + "x", "x", value.text[:-1] or "x"]
    if isinstance(value, ast.RegexValue):
        s = sample_nonmatch(value.regex, ch, avoid)
        return [] if s is None else [s]
    shape, core = wildcard_shape(value.text)
    word = ch.pick(_OTHER)
    if shape == "any":
        return []
    if shape == "exact":
        return [word, core + "x", core[:-1], "x"]
    if shape == "prefix":
        return [_other_char(core[0]) + core[1:], _other_char(core[0]) + word, core[:-1]]
    if shape == "suffix":
        return [core[:-1] + _other_char(core[-1]), word + _other_char(core[-1]), core[1:]]
    bad = core[0]  # contains: a text without the middle's first character
    return ["".join(c for c in word if c != bad), core[:-1], _other_char(bad)]


def _combined_text(lits: Sequence[Lit], ch: Choices) -> list[str]:
    """Prefix + middles + suffix of every positive wildcard equality, if any."""
    heads: list[str] = []
    mids: list[str] = []
    tails: list[str] = []
    for cond, positive in lits:
        op = getattr(cond, "op", None)
        value = getattr(cond, "value", None)
        if not isinstance(value, ast.StringValue):
            continue
        if (op is ast.Op.EQ) != positive:
            continue
        shape, core = wildcard_shape(value.text)
        if shape == "exact":
            return [core]
        {"prefix": heads, "suffix": tails, "contains": mids}.get(shape, []).append(core)
    if not (heads or mids or tails):
        return []
    head = max(heads, key=len, default="")
    tail = max(tails, key=len, default="")
    return [head + "".join(mids) + tail, head + ch.pick(_TAILS) + "".join(mids) + tail]


def _cond_candidates(
    cond: Any, positive: bool, ch: Choices, json: bool, numbers: _Interval, avoid: str
) -> list[Any]:
    if isinstance(cond, ast.Predicate):
        kind = cond.kind
        if positive:
            return [
                {
                    ast.PredicateKind.IS_NULL: None,
                    ast.PredicateKind.IS_TRUE: True,
                    ast.PredicateKind.IS_FALSE: False,
                }[kind]
            ]
        return [False, "x", None, True]
    op, value = cond.op, cond.value
    wants_equal = (op is ast.Op.EQ) == positive
    out: list[Any] = []
    if op.is_ordering or isinstance(value, ast.NumberValue):
        numbers.add(op, float(value.text), positive)
    if op.is_ordering:
        if not positive:
            out += ["x", None] if json else ["x", "-"]
        return out
    texts = (
        _matching_strings(value, ch, avoid)
        if wants_equal
        else _unmatching_strings(value, ch, avoid)
    )
    if isinstance(value, ast.NumberValue) and wants_equal:
        nums = _number_variants(value.text)
        texts = [value.text, *nums] if not json else texts
        if json:
            out += [JsonNumber(t) for t in nums[:1]]
    out += texts
    if json and not positive:
        out.append(None)
    return out


def _fallbacks(json: bool) -> list[Any]:
    if json:
        return [None, "", "x", JsonNumber("0"), True, False, {}, []]
    return ["-", "x", "", "0"]


def _solve(
    lits: Sequence[Lit],
    ch: Choices,
    hints: Iterable[Any],
    json: bool,
    avoid: str,
    test: Callable[[Any, Any], bool],
) -> Any:
    numbers = _Interval()
    built: list[Any] = []
    for cond, positive in lits:
        built += _cond_candidates(cond, positive, ch, json, numbers, avoid)
    combined = _combined_text(lits, ch)
    numeric = [t for x in numbers.candidates(ch) for t in _spellings(x)]
    numeric += [
        t
        for c in (*built, *combined)
        if isinstance(c, str)
        for t in _wrapped(c)
        if _JSON_NUMBER.fullmatch(t)
    ]
    if json:
        numeric_values: list[Any] = [JsonNumber(t) for t in dict.fromkeys(numeric)]
    else:
        numeric_values = list(dict.fromkeys(numeric))
    hinted = list(hints)
    if ch.coin():
        order = [*built, *combined, *numeric_values, *hinted]
    else:
        order = [*hinted, *built, *combined, *numeric_values]
    for cand in [*order, *_fallbacks(json)]:
        if all(test(cond, cand) == positive for cond, positive in lits):
            return cand
    return NOTHING


def solve_json(lits: Sequence[Lit], ch: Choices, hints: Iterable[Any] = ()) -> Any:
    """A JSON value (``str``, :class:`JsonNumber`, ``None``, ``True``/``False``, ``{}``, ``[]``)
    passing every ``(condition, positive)`` node test, or :data:`NOTHING`."""
    return _solve(lits, ch, hints, True, "", json_holds)


def solve_field(
    lits: Sequence[Lit], ch: Choices, hints: Iterable[str] = (), avoid: str = ""
) -> Any:
    """A field value (``str``) passing every ``(FieldComparison, positive)`` test, or
    :data:`NOTHING`; characters in ``avoid`` are used only when needed."""
    return _solve(lits, ch, hints, False, avoid, field_holds)
