"""The set of values one JSON node may take: the analyzer's per-path constraint.

A node reached by a selector is *absent*, ``null``, ``true``, ``false``, an object, an
array without / with a direct ``null`` element (the distinction ``IS NULL`` makes,
spec §4.6), a string, or a number.  A :class:`Domain` allows some of those kinds and
restricts strings by a conjunction of regular languages and numbers by a conjunction of
languages on their raw token text plus a set of doubles (:class:`Intervals`).

Every JSON condition maps to a domain (:func:`condition_domain`), and so does its
negation (:meth:`Domain.complement`): ``¬(a = v)`` is *absent, or not a string/number, or
a string/number that does not match* — which is not ``a != v``.

>>> from cwpattern import ast
>>> d = condition_domain(ast.Op.EQ, ast.StringValue("DisableKey"))
>>> d.accepts("DisableKey"), d.accepts("DisableKeyRotation"), d.accepts(ABSENT_VALUE)
(True, False, False)
>>> d.complement().accepts(ABSENT_VALUE)
True
>>> condition_domain(ast.Op.NE, ast.StringValue("AccessDenied")).accepts(ABSENT_VALUE)
False
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .. import ast
from ..jsondoc import JsonNumber
from ..values import wildcard_shape
from .automata import Constraint, LanguageBudgetError, Spec, enumerate_words, find
from .numbers import Intervals, parse_json_number, spellings
from .unknown import BudgetExhausted, Undecided, cached_hash

__all__ = [
    "ABSENT",
    "ABSENT_VALUE",
    "ALL_KINDS",
    "ARRAY",
    "ARRAY_NULL",
    "FALSE",
    "NULL",
    "NUMBER",
    "OBJECT",
    "OTHER_KINDS",
    "PRESENT_KINDS",
    "STRING",
    "TRUE",
    "Domain",
    "NumberPart",
    "condition_domain",
    "kind_of",
    "predicate_domain",
]

ABSENT = "absent"
NULL = "null"
TRUE = "true"
FALSE = "false"
OBJECT = "object"
ARRAY = "array"  # an array with no direct null element
ARRAY_NULL = "array-with-null"  # an array with at least one direct null element
STRING = "string"
NUMBER = "number"
OTHER_KINDS = frozenset({ABSENT, NULL, TRUE, FALSE, OBJECT, ARRAY, ARRAY_NULL})
ALL_KINDS = OTHER_KINDS | {STRING, NUMBER}
PRESENT_KINDS = ALL_KINDS - {ABSENT}
CONTAINERS = frozenset({OBJECT, ARRAY, ARRAY_NULL})
NUMBER_SYNTAX = Spec("number", None)
NUMBER_CHARS = "0123456789.-eE+"
_MINUS = Spec("prefix", "-")


class _Absent:
    """The value of a node that does not exist."""

    def __repr__(self) -> str:
        return "ABSENT_VALUE"


ABSENT_VALUE: Any = _Absent()


def kind_of(value: Any) -> str:
    """The kind of a decoded JSON value (:func:`cwpattern.jsondoc.decode` output)."""
    if value is ABSENT_VALUE:
        return ABSENT
    if value is None:
        return NULL
    if value is True:
        return TRUE
    if value is False:
        return FALSE
    if isinstance(value, str):
        return STRING
    if isinstance(value, JsonNumber):
        return NUMBER
    if isinstance(value, dict):
        return OBJECT
    if isinstance(value, list):
        return ARRAY_NULL if any(v is None for v in value) else ARRAY
    raise TypeError(f"not a decoded JSON value: {value!r}")


_ALL_VALUES = Intervals.all()


@cached_hash
@dataclass(frozen=True)
class NumberPart:
    """Numbers whose raw text satisfies ``texts`` and whose value lies in ``values``."""

    texts: tuple[Constraint, ...] = ()
    values: Intervals = _ALL_VALUES

    def intersect(self, other: NumberPart) -> NumberPart | None:
        texts = _merge(self.texts, other.texts)
        if texts is None:
            return None
        return NumberPart(texts, self.values.intersect(other.values))

    def complement(self) -> NumberPart | None:
        """Numbers outside this part, or ``None`` for no numbers; only for parts built
        from a single condition (a text test or a value test, not both)."""
        if not self.texts:
            if self.values.is_all:
                return None
            return NumberPart((), self.values.complement())
        if len(self.texts) == 1 and self.values.is_all:
            spec, positive = self.texts[0]
            return NumberPart(((spec, not positive),))
        raise ValueError("complement of a compound number constraint")  # pragma: no cover

    def accepts(self, number: JsonNumber) -> bool:
        return self.values.contains(number.value) and all(
            spec.accepts(number.text) == positive for spec, positive in self.texts
        )

    def witness(self, prefer: tuple[str, ...] = ()) -> str | None:
        """A JSON number token in this part, ``None`` if there is none.

        Exact unless a value range and a text condition meet on the same node and
        neither the readable candidates nor a bounded enumeration finds a member: then
        :class:`Undecided`.
        """
        parts = (*self.texts, (NUMBER_SYNTAX, True))
        candidates = [p for p in prefer if _valid_number(p)]
        for text in candidates:
            if self.values.contains(parse_json_number(text)) and all(
                spec.accepts(text) == pos for spec, pos in parts
            ):
                return text
        if self.values.is_empty:
            return None
        try:
            if self.values.is_all:
                return find(parts)
            samples = [t for x in self.values.samples() for t in spellings(x)]
            if not self.texts:
                return samples[0] if samples else None
            for text in samples:
                if all(spec.accepts(text) == pos for spec, pos in parts):
                    return text
            # sign analysis: a token without '-' is >= 0, one with '-' is <= 0
            spans = self.values.spans
            if all(hi < 0 for _, hi in spans):
                parts = (*parts, (_MINUS, True))
            elif all(lo > 0 for lo, _ in spans):
                parts = (*parts, (_MINUS, False))
            if find(parts) is None:
                return None
            words, exhausted = enumerate_words(parts, NUMBER_CHARS, count=3000)
        except LanguageBudgetError as exc:
            raise Undecided(str(exc)) from None
        for text in words:
            if self.values.contains(parse_json_number(text)):
                return text
        if exhausted:
            return None
        raise Undecided(
            "a numeric range and a text condition on the same number field "
            "could not be decided within the search bound"
        )


def _valid_number(text: str) -> bool:
    return NUMBER_SYNTAX.accepts(text)


def _merge(a: tuple[Constraint, ...], b: tuple[Constraint, ...]) -> tuple[Constraint, ...] | None:
    """The conjunction of two constraint lists; ``None`` when it is empty for sure.

    When an exact value is required, the conjunction is that value alone (or nothing):
    this keeps domains small however many ``!=`` conditions pile up on one field.
    """
    if not a:
        return b
    if not b:
        return a
    out = list(a)
    for item in b:
        if item not in out:
            out.append(item)
    exact = next((spec for spec, positive in out if positive and spec.kind == "exact"), None)
    if exact is not None and len(out) > 1:
        text = exact.arg
        assert isinstance(text, str)
        if all(spec.accepts(text) == positive for spec, positive in out):
            return ((exact, True),)
        return None
    return tuple(out)


@cached_hash
@dataclass(frozen=True)
class Domain:
    """Values a node may take.  ``strings``/``numbers`` are ``None`` when no string /
    number is allowed; ``strings == ()`` allows every string."""

    kinds: frozenset[str] = OTHER_KINDS
    strings: tuple[Constraint, ...] | None = ()
    numbers: NumberPart | None = NumberPart()

    # -- algebra
    def intersect(self, other: Domain) -> Domain:
        if self is other:
            return self
        strings = (
            None
            if self.strings is None or other.strings is None
            else _merge(self.strings, other.strings)
        )
        numbers = (
            None
            if self.numbers is None or other.numbers is None
            else self.numbers.intersect(other.numbers)
        )
        return Domain(self.kinds & other.kinds, strings, numbers)

    def complement(self) -> Domain:
        """Every value outside this domain (for condition domains: the negated test)."""
        if self.strings is None:
            strings: tuple[Constraint, ...] | None = ()
        elif not self.strings:
            strings = None
        elif len(self.strings) == 1:
            spec, positive = self.strings[0]
            strings = ((spec, not positive),)
        else:  # pragma: no cover - never built from one condition
            raise ValueError("complement of a compound string constraint")
        numbers = NumberPart() if self.numbers is None else self.numbers.complement()
        return Domain(OTHER_KINDS - self.kinds, strings, numbers)

    @property
    def allows_absent(self) -> bool:
        return ABSENT in self.kinds

    # -- membership of concrete values
    def accepts(self, value: Any) -> bool:
        kind = kind_of(value)
        if kind == STRING:
            return self.strings is not None and all(
                spec.accepts(value) == positive for spec, positive in self.strings
            )
        if kind == NUMBER:
            return self.numbers is not None and self.numbers.accepts(value)
        return kind in self.kinds

    # -- emptiness (cached: domains are hashable)
    def feasible_kinds(self) -> frozenset[str]:
        """The kinds for which some value may exist (an over-approximation: a kind is left
        out only when no value of it exists).  Never raises."""
        return _kinds(self)[1]

    def sure_kinds(self) -> frozenset[str]:
        """The kinds for which a value is known to exist (an under-approximation)."""
        return _kinds(self)[0]

    def doubt(self) -> str | None:
        """Why some kind is in :meth:`feasible_kinds` but not in :meth:`sure_kinds`."""
        return _kinds(self)[2]

    def string_witness(self, prefer: tuple[str, ...] = ()) -> str | None:
        if self.strings is None:
            return None
        try:
            return find(self.strings, prefer=prefer)
        except LanguageBudgetError as exc:
            raise Undecided(str(exc)) from None

    def number_witness(self, prefer: tuple[str, ...] = ()) -> str | None:
        if self.numbers is None:
            return None
        return self.numbers.witness(prefer)


ANY = Domain()
ONLY_ABSENT = Domain(frozenset({ABSENT}), None, None)
PRESENT = Domain(OTHER_KINDS - {ABSENT})


@functools.lru_cache(maxsize=8192)
def _kinds(domain: Domain) -> tuple[frozenset[str], frozenset[str], str | None]:
    """``(sure, maybe, doubt)``: kinds with a value for certain, kinds that may have one, and
    the reason for the difference (a value language the analyzer could not decide)."""
    sure = set(domain.kinds)
    maybe = set(domain.kinds)
    doubt = None
    for kind, present, witness in (
        (STRING, domain.strings is not None, domain.string_witness),
        (NUMBER, domain.numbers is not None, domain.number_witness),
    ):
        if not present:
            continue
        try:
            found = witness() is not None
        except BudgetExhausted:
            raise  # the call's budget, not the domain: never cache it as a doubt
        except Undecided as exc:
            maybe.add(kind)
            doubt = exc.reason
            continue
        if found:
            sure.add(kind)
            maybe.add(kind)
    return frozenset(sure), frozenset(maybe), doubt


# --------------------------------------------------------------------------- conditions


def _text_spec(value: ast.StringValue | ast.RegexValue) -> Spec | None:
    """The language of a string or regex value; ``None`` for "any text" (``*``)."""
    if isinstance(value, ast.RegexValue):
        return Spec.regex(value.regex)
    shape, core = wildcard_shape(value.text)
    if shape == "any":
        return None
    if shape == "exact":
        return Spec("exact", value.text)
    return Spec(shape, core)


def condition_domain(op: ast.Op, value: ast.Value) -> Domain:
    """Values of one node for which ``node op value`` holds (spec §4.5, §4.6)."""
    none: frozenset[str] = frozenset()
    if op.is_ordering:
        assert isinstance(value, ast.NumberValue)
        x = parse_json_number(value.text)
        return Domain(none, None, NumberPart((), Intervals.compare(op.value, x)))
    if isinstance(value, ast.NumberValue):
        strings: tuple[Constraint, ...] = ((Spec("exact", value.text), True),)
        numbers = NumberPart((), Intervals.point(parse_json_number(value.text)))
    else:
        spec = _text_spec(value)
        if spec is None:
            strings, numbers = (), NumberPart()
        else:
            strings, numbers = ((spec, True),), NumberPart(((spec, True),))
    positive = Domain(none, strings, numbers)
    if op is ast.Op.EQ:
        return positive
    # `!=`: a comparable leaf that does not match (never absent/null/boolean/container)
    inverse = positive.complement()
    return Domain(none, inverse.strings, inverse.numbers)


def predicate_domain(kind: ast.PredicateKind) -> Domain:
    """Values for which ``IS NULL`` / ``IS TRUE`` / ``IS FALSE`` / ``NOT EXISTS`` holds."""
    kinds = {
        ast.PredicateKind.IS_NULL: {NULL, ARRAY_NULL},
        ast.PredicateKind.IS_TRUE: {TRUE},
        ast.PredicateKind.IS_FALSE: {FALSE},
        ast.PredicateKind.NOT_EXISTS: {ABSENT},
    }[kind]
    return Domain(frozenset(kinds), None, None)


def number_token(text: str) -> Any:
    """A decoded JSON number for a witness text."""
    return JsonNumber(text)


def describe_kinds(kinds: frozenset[str]) -> str:
    return ", ".join(sorted(kinds))


def sample_value(domain: Domain, kind: str, prefer: tuple[Any, ...] = ()) -> Any:
    """A concrete value of ``kind`` inside ``domain`` (scalars only; containers are built
    by the model)."""
    if kind == STRING:
        text = domain.string_witness(tuple(p for p in prefer if isinstance(p, str)))
        assert text is not None
        return text
    if kind == NUMBER:
        texts = tuple(p.text for p in prefer if isinstance(p, JsonNumber))
        text = domain.number_witness(texts)
        assert text is not None
        return JsonNumber(text)
    return {NULL: None, TRUE: True, FALSE: False}[kind]
