"""The analyzer's answers: :class:`Coverage`, :class:`CaseResult`, :class:`Relation`,
:class:`PatternWarning`.  Plain frozen dataclasses with ``to_dict()`` for the CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any, Literal, NoReturn

from ..ast import Span

__all__ = [
    "COMPACT_JSON_SPELLING",
    "AnalyzerInternalError",
    "CaseResult",
    "Coverage",
    "PatternWarning",
    "Relation",
    "Verdict",
]


class Verdict(str, Enum):
    """A three-way answer: ``YES`` (proved), ``NO`` (refuted) or ``UNKNOWN`` (undecided).

    A ``str`` enum, so it compares equal to (and serializes as) ``"yes"``, ``"no"``,
    ``"unknown"``.  It has no truth value: ``if coverage.verdict:`` would be true for
    ``NO`` too, so it raises ``TypeError``; test ``verdict is Verdict.YES`` or use the
    ``bool`` attributes (``Coverage.covered``, ``CheckReport.covered``).

    >>> Verdict("no") is Verdict.NO, Verdict.NO == "no", str(Verdict.NO)
    (True, True, 'no')
    >>> bool(Verdict.NO)
    Traceback (most recent call last):
      ...
    TypeError: a Verdict has no truth value: compare it with Verdict.YES, or use a bool attribute such as .covered
    """

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"

    __hash__ = str.__hash__  # Verdict.YES and "yes" are the same dict key

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __bool__(self) -> NoReturn:
        raise TypeError(
            "a Verdict has no truth value: compare it with Verdict.YES, "
            "or use a bool attribute such as .covered"
        )


RelationKind = Literal[
    "equivalent", "broader", "narrower", "overlap", "disjoint", "never", "unknown"
]


#: The assumption behind a "yes" that a term, regex or space-delimited pattern earns by
#: reading the record's text: the record is spelled as CloudTrail writes it.
COMPACT_JSON_SPELLING = (
    "compact-json-spelling: the term, regex or space-delimited pattern(s) were proved to "
    "match records spelled as CloudTrail writes them (compact JSON, '/' not escaped, "
    "non-ASCII characters as they are, lowercase \\u hex digits); a record spelled "
    'otherwise, such as {"errorCode":"AccessDenied\\/x"}, may escape them '
    "(any_json_spelling=True answers for every RFC 8259 spelling)"
)


class AnalyzerInternalError(AssertionError):
    """An event the analyzer built failed the matcher's re-check: a bug in the analyzer.
    Raised only in strict mode (tests); otherwise the answer becomes ``unknown``."""


@dataclass(frozen=True)
class CaseResult:
    """One disjunct of the reference's disjunctive normal form.

    ``case`` is its canonical text (``$.a = "x" && $.b = "y"``); ``covered`` is ``True``,
    ``False`` or ``None`` (undecided); ``counterexample`` is a record the case matches
    and the pattern does not (only when ``covered is False``); ``assumptions`` what a
    ``True`` rests on beyond the patterns themselves (:data:`COMPACT_JSON_SPELLING`).
    """

    case: str
    covered: bool | None
    reason: str
    counterexample: str | None = None
    assumptions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["assumptions"] = list(self.assumptions)
        return out


@dataclass(frozen=True)
class Coverage:
    """Whether the pattern(s) match every event the reference matches.

    ``verdict`` is ``"yes"`` (proved), ``"no"`` (``counterexample`` is a record the
    reference matches and no pattern matches, re-checked with the matcher) or
    ``"unknown"`` (``reason`` says why); a :class:`Verdict`.  ``covered`` and
    ``bool(coverage)`` are ``True`` only for ``yes``: an ``unknown`` never counts as covered.

    >>> c = Coverage(Verdict.NO, "misses DisableKey")
    >>> c.covered, bool(c), c.verdict is Verdict.NO
    (False, False, True)
    """

    verdict: Verdict
    reason: str
    counterexample: str | None = None
    cases: tuple[CaseResult, ...] = ()
    assumptions: tuple[str, ...] = ()

    def __post_init__(self) -> None:  # accept "yes"/"no"/"unknown"; store the enum
        object.__setattr__(self, "verdict", Verdict(self.verdict))

    def __bool__(self) -> bool:
        return self.verdict is Verdict.YES

    @property
    def covered(self) -> bool:
        """True only when coverage is proved (``verdict is Verdict.YES``)."""
        return self.verdict is Verdict.YES

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "reason": self.reason,
            "counterexample": self.counterexample,
            "cases": [c.to_dict() for c in self.cases],
            "assumptions": list(self.assumptions),
        }


@dataclass(frozen=True)
class Relation:
    """How the events a pattern matches relate to those a reference matches.

    ``kind``: ``equivalent``, ``broader`` (matches every required event and more),
    ``narrower`` (misses some required event, matches nothing else), ``overlap``,
    ``disjoint``, ``never`` (the pattern matches no event at all) or ``unknown``.
    ``example`` is an event the pattern matches and the reference does not (broader,
    overlap, disjoint); ``counterexample`` an event the reference matches and the pattern
    does not (narrower, overlap, disjoint, never).  ``assumptions``: what an
    ``equivalent`` or ``broader`` rests on beyond the patterns (:data:`COMPACT_JSON_SPELLING`).
    """

    kind: RelationKind
    reason: str
    example: str | None = None
    counterexample: str | None = None
    assumptions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["assumptions"] = list(self.assumptions)
        return out


@dataclass(frozen=True)
class PatternWarning:
    """A non-fatal finding about a pattern: stable ``code``, human ``message``, and the
    ``span`` of the offending part of the pattern text (``None`` when unknown)."""

    code: str
    message: str
    span: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        span = None if self.span is None else {"start": self.span.start, "end": self.span.end}
        return {"code": self.code, "message": self.message, "span": span}
