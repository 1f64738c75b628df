"""Event plans: for one pattern, build messages that match it (or do not), by construction.

A plan is made once per (pattern, wanted outcome, base): it analyses the pattern, checks
that such events exist (building the simplest one), and then builds one message per call
from a :class:`~._choices.Choices`.  Every message is re-checked with the compiled matcher
before it is returned; when a choice sequence cannot be built, the plan falls back to the
simplest construction it found at set-up, so hypothesis rejects an example only when even
that fails (``plan.stats`` counts builds, fallbacks and rejections).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from .. import ast
from ..delimited import tokenize
from ..errors import CWPatternError
from ..jsondoc import decode as cwpattern_decode
from ..printer import unparse
from ._choices import Choices, Minimal, Seeded
from ._cloudtrail import ABSENT, IDENTITY_TYPES, build_record, dump
from ._jsongen import base_pins, build_doc, fal_walk, sat_walk
from ._regexgen import UNIVERSE, matches_everything, sample_match, sample_nonmatch
from ._values import NOTHING, Lit, solve_field

__all__ = ["BASES", "NoEventsError", "Plan", "plan_for"]

BASES = ("cloudtrail", "minimal")
_DNF_LIMIT = 256
_SEARCH = 48  # deterministic attempts when looking for a first example
_WORDS = ("INFO", "request", "done", "ok", "user=alice", "took", "12ms", "path=/health")
_NOT_JSON = (
    "ok",
    "INFO request done",
    "[1, 2]",
    '{"eventVersion":"1.08","eventTime":',
    "not a JSON object",
)
_SEPARATORS = (" ", "\t", "  ")
_FIELD_AVOID = ' \t"[]'
#: Realistic field values by space-delimited field name, tried first.
_FIELD_HINTS = {
    "ip": ("192.0.2.10", "10.0.0.1"),
    "host": ("192.0.2.10", "web-1"),
    "user": ("alice", "-"),
    "ident": ("-",),
    "method": ("GET", "POST"),
    "status": ("200", "404", "503"),
    "code": ("200", "404", "503"),
    "status_code": ("200", "404", "503"),
    "bytes": ("512", "0"),
    "size": ("512", "0"),
    "level": ("INFO", "ERROR", "WARN"),
    "lvl": ("INFO", "ERROR", "WARN"),
    "request": ("GET /index.html HTTP/1.1",),
    "timestamp": ("2024-03-04T08:00:00Z",),
}


class NoEventsError(CWPatternError):
    """No message has the wanted outcome (or cwpattern cannot construct one)."""


class Plan:
    """Builds messages with one outcome (``matching``) for one pattern."""

    def __init__(self, tree: ast.Pattern, matching: bool, base: str) -> None:
        from ..pattern import compile

        self.tree = tree
        self.text = unparse(tree)
        self.matching = matching
        self.base = base
        self.oracle: Callable[[str], bool] = compile(self.text).matches
        self.stats: Counter[str] = Counter()
        self.known: str | None = None  # a verified message found at set-up: the last resort

    def describe(self, proven: bool | None = None) -> str:
        """Why there is no event: ``proven`` says whether none exists (``False``: none
        could be constructed; ``None``: ask :meth:`impossible`)."""
        if proven is None:
            proven = self.impossible()
        what = "matches" if self.matching else "does not match"
        kind = "CloudTrail record" if self.base == "cloudtrail" else "message"
        if proven:
            return f"no {kind} {what} {self.text!r}"
        return (
            f"cwpattern could not construct a {kind} that {what} {self.text!r} "
            "(perhaps none exists)"
        )

    def impossible(self) -> bool:
        """Whether no such event exists, as far as this plan can prove."""
        return False

    def build(self, ch: Choices) -> str | None:
        """A verified message, or ``None`` (hypothesis rejects the example)."""
        msg = self._checked(self._build(ch))
        if msg is None:
            self.stats["fallback"] += 1
            msg = self._checked(self._fallback()) or self.known
            if msg is None:
                self.stats["rejected"] += 1
        self.stats["built"] += 1
        return msg

    def _checked(self, msg: str | None) -> str | None:
        if msg is None:
            return None
        return msg if self.oracle(msg) == self.matching else None

    def _build(self, ch: Choices) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fallback(self) -> str | None:
        return self._build(Minimal())

    def sweep(self) -> list[str]:
        """Deterministic examples: here just the simplest one."""
        msg = self.build(Minimal())
        return [] if msg is None else [msg]

    def _first(self) -> None:
        """Fail now, with a clear message, if no example can be built at all."""
        for ch in (Minimal(), *(Seeded(i) for i in range(_SEARCH))):
            self.known = self._checked(self._build(ch))
            if self.known is not None:
                return
        raise NoEventsError(self.describe())


# --------------------------------------------------------------------------- JSON


class JsonPlan(Plan):
    def __init__(self, tree: ast.JsonPattern, matching: bool, base: str) -> None:
        super().__init__(tree, matching, base)
        self.expr = tree.expr
        self.cases: list[list[Lit]] | None = None
        self.fallback_lits: list[Lit] | None = None
        self.json_possible = True
        self.fixed: dict[int, str] = {}  # case index -> an event the analyzer found
        if matching:
            cases = ast.dnf(self.expr, _DNF_LIMIT)
            if cases is not None:
                lits = [[(a, True) for a in case] for case in cases]
                self.cases = []
                for case in lits:
                    if self._feasible(case):
                        self.cases.append(case)
                    else:
                        found = self._analyzer_example(case)
                        if found is not None:
                            self.fixed[len(self.cases)] = found
                            self.cases.append(case)
                if not self.cases:
                    raise NoEventsError(self.describe())
                self.fallback_lits = self.cases[0]
            else:
                self.fallback_lits = self._search(lambda ch: sat_walk(self.expr, ch))
        else:
            self.fallback_lits = self._search(lambda ch: fal_walk(self.expr, ch)[0])
            self.json_possible = self.fallback_lits is not None

    def _feasible(self, lits: list[Lit]) -> bool:
        for ch in (Minimal(), Seeded(0), Seeded(1), Seeded(2)):
            msg = self._checked(self._make(lits, ch))
            if msg is not None:
                self.known = self.known or msg
                return True
        return False

    def _search(self, pick: Callable[[Choices], list[Lit]]) -> list[Lit] | None:
        for ch in (Minimal(), *(Seeded(i) for i in range(_SEARCH))):
            lits = pick(ch)
            if self._feasible(lits):
                return lits
        if self.matching:
            raise NoEventsError(self.describe())
        return None

    def impossible(self) -> bool:
        if not self.matching:
            return False
        try:
            from ..analysis.core import Pat, satisfiable

            answer = satisfiable((Pat(self.tree, self.text),), 20000)[0]
        except Exception:  # noqa: BLE001 - the analyzer is an optional second opinion
            return False
        return answer is False

    def _analyzer_example(self, case: list[Lit]) -> str | None:
        """Last resort for a case the construction cannot build (say, a regex on the text of
        a number in a narrow interval): an example from the analyzer's exact solver, used
        as is.  ``None`` when the analyzer finds none either (or is unavailable)."""
        try:
            from ..analysis.core import Pat, satisfiable

            atoms = [a for a, _ in case]
            tree = ast.JsonPattern(atoms[0] if len(atoms) == 1 else ast.And(tuple(atoms)))
            answer, example, _ = satisfiable((Pat(tree, unparse(tree)),), 20000)
        except Exception:  # noqa: BLE001 - an optional helper must never break generation
            return None
        if (
            answer
            and example is not None
            and self._checked(example) is not None
            and (self.base == "minimal" or isinstance(cwpattern_decode(example), dict))
        ):
            self.stats["analyzer-example"] += 1
            return str(example)
        return None

    def _make(self, lits: Sequence[Lit], ch: Choices) -> str | None:
        record = None
        if self.base == "cloudtrail":
            pins, failed = base_pins(lits)
            record = build_record(ch, pins, failed=failed)
        doc = build_doc(lits, ch, record)
        return None if doc is None else dump(doc)

    def _build(self, ch: Choices) -> str | None:
        if self.matching:
            if self.cases is None:
                return self._make(sat_walk(self.expr, ch), ch)
            k = ch.below(len(self.cases))
            if k in self.fixed:
                return self.fixed[k]
            return self._make(self.cases[k], ch)
        if not self.json_possible:
            return ch.pick(_NOT_JSON)
        hard, soft = fal_walk(self.expr, ch)
        if soft and not ch.coin():
            msg = self._checked(self._make(hard + soft, ch))
            if msg is not None:
                return msg
        return self._make(hard, ch)

    def sweep(self) -> list[str]:
        """One event per case, identity type and outcome (matching plans; simplest choices
        otherwise), duplicates removed."""
        if not self.matching:
            return super().sweep()
        out: dict[str, None] = {}
        for lits in self.cases if self.cases is not None else [self.fallback_lits or []]:
            pins, failed = base_pins(lits)
            for kind in IDENTITY_TYPES:
                for fail in (False, True):
                    record = build_record(
                        Minimal(),
                        {("userIdentity", "type"): kind or ABSENT, **pins},
                        failed=fail if failed is None else failed,
                    )
                    doc = build_doc(lits, Minimal(), record)
                    msg = self._checked(None if doc is None else dump(doc))
                    if msg is not None:
                        out[msg] = None
        return list(out)

    def _fallback(self) -> str | None:
        if self.fallback_lits is None:
            return _NOT_JSON[0]
        return self._make(self.fallback_lits, Minimal())


# --------------------------------------------------------------------------- text families


def _embed(text: str, ch: Choices) -> str | None:
    """A CloudTrail record whose serialised text contains ``text`` verbatim (as a string
    value), or ``None`` when JSON would escape some of its characters."""
    if dump(text)[1:-1] != text:
        return None
    record = build_record(ch)
    params = record.get("requestParameters")
    if not isinstance(params, dict):
        params = record["requestParameters"] = {}
    params[ch.pick(("description", "name", "comment"))] = text
    return dump(record)


class _TextPlan(Plan):
    """Common shape of term and regex plans: build a text, embed it if asked."""

    def _text(self, ch: Choices) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _build(self, ch: Choices) -> str | None:
        text = self._text(ch)
        if self.base != "cloudtrail":
            return text
        msg = _embed(text, ch) if text is not None else None
        if not self.matching and (msg is None or self.oracle(msg)):
            msg = dump(build_record(ch))  # most records miss a text pattern anyway
        return msg


def _words(ch: Choices, banned: Sequence[str], n: int) -> list[str]:
    words = [w for w in _WORDS if not any(b in w for b in banned)]
    return [ch.pick(words) for _ in range(n)] if words else []


def _avoiding(banned: Sequence[str], ch: Choices) -> str:
    """A short word that contains no banned term (it avoids their first characters)."""
    firsts = {b[0] for b in banned if b}
    chars = [c for c in UNIVERSE if c not in firsts and c not in " \t\n"] or ["\u2603"]
    return "".join(ch.pick(chars[:26]) for _ in range(ch.between(1, 4)))


class TermPlan(_TextPlan):
    def __init__(self, tree: ast.TermPattern, matching: bool, base: str) -> None:
        super().__init__(tree, matching, base)
        kinds = {k: [t.text for t in tree.terms if t.kind is k] for k in ast.TermKind}
        self.required = kinds[ast.TermKind.REQUIRED]
        self.excluded = kinds[ast.TermKind.EXCLUDED]
        self.optional = kinds[ast.TermKind.OPTIONAL]
        self._first()

    def impossible(self) -> bool:
        return self.matching and any(x in r for x in self.excluded for r in self.required)

    def _join(self, parts: list[str], ch: Choices, banned: Sequence[str]) -> str | None:
        seps: tuple[str, ...] = (
            (" ", ": ", "|") if self.base == "cloudtrail" else (" ", "\n", ": ", "|")
        )
        for sep in (ch.pick(seps[:3]), *seps):
            text: str = sep.join(p for p in parts if p)
            if text and not any(b in text for b in banned):
                return text
        return None

    def _text(self, ch: Choices) -> str | None:
        r, x = self.required, self.excluded
        if self.matching:
            need = list(r) if (r or x) else [ch.pick(self.optional)]
            fill = _words(ch, x, ch.count(3))
            parts = need + fill if ch.coin() else fill + need
            if not parts:
                parts = [_avoiding(x, ch)]
            return self._join(parts, ch, x)
        if r or x:
            ways = [("omit", t) for t in r] + [("include", t) for t in x]
            way, term = ch.pick(ways)
            if way == "include":
                return self._join([*r, term, *_words(ch, (), ch.count(2))], ch, ())
            keep = [t for t in r if term not in t]
            text = self._join([*keep, *_words(ch, (term,), ch.count(2))], ch, (term,))
            return text if text else _avoiding((term,), ch)
        text = self._join(_words(ch, self.optional, 1 + ch.count(2)), ch, self.optional)
        return text if text else _avoiding(self.optional, ch)


class RegexPlan(_TextPlan):
    def __init__(self, tree: ast.RegexPattern, matching: bool, base: str) -> None:
        super().__init__(tree, matching, base)
        self.regex = tree.regex
        self._first()

    def impossible(self) -> bool:
        if self.matching:
            return sample_match(self.regex, Minimal()) is None
        return matches_everything(self.regex)

    def _text(self, ch: Choices) -> str | None:
        if self.matching:
            return sample_match(self.regex, ch)
        return sample_nonmatch(self.regex, ch)


class MatchAllPlan(Plan):
    def __init__(self, tree: ast.MatchAll, matching: bool, base: str) -> None:
        super().__init__(tree, matching, base)
        if not matching:
            raise NoEventsError(self.describe(True) + " (the empty pattern matches every message)")

    def _build(self, ch: Choices) -> str | None:
        if self.base == "cloudtrail":
            return dump(build_record(ch))
        return " ".join(_words(ch, (), 1 + ch.count(3)))


# --------------------------------------------------------------------------- space-delimited


def field_dnf(expr: ast.FieldExpr, positive: bool = True) -> list[list[Lit]]:
    """Conjunctions of ``(FieldComparison, positive)`` equivalent to ``expr`` (or to its
    negation: a field comparison is negated exactly by flipping it, spec §5.5)."""
    if isinstance(expr, ast.FieldComparison):
        return [[(expr, positive)]]
    parts = [field_dnf(o, positive) for o in expr.operands]
    if isinstance(expr, ast.FieldOr) == positive:  # a union
        return [c for part in parts for c in part][:_DNF_LIMIT]
    acc: list[list[Lit]] = [[]]
    for part in parts:
        acc = [a + b for a in acc for b in part][:_DNF_LIMIT]
    return acc


def encode_token(value: str) -> str | None:
    """Text that tokenizes (spec §5.3) to exactly one field with this value."""
    if value and value[0] not in '"[' and not any(c in value for c in " \t"):
        return value
    if '"' not in value:
        return f'"{value}"'
    if "]" not in value:
        return f"[{value}]"
    return None


def encode_rest(value: str) -> str | None:
    """Text that, as the rest of a line, an absorbing last entry binds to ``value``."""
    tokens = tokenize(value)
    if (
        tokens
        and tokens[0].start == 0
        and tokens[-1].end == len(value)
        and (len(tokens) > 1 or tokens[0].value == value)
    ):
        return value
    return encode_token(value)


class DelimitedPlan(Plan):
    def __init__(self, tree: ast.DelimitedPattern, matching: bool, base: str) -> None:
        super().__init__(tree, matching, base)
        self.entries = tree.entries
        self.ellipsis = tree.ellipsis_index
        self.fields = [e for e in self.entries if isinstance(e, ast.Field)]
        if not self.entries and not matching:
            raise NoEventsError(self.describe(True) + " ([] matches every message)")
        self._first()

    def _value(self, field: ast.Field, ch: Choices, violate: bool, rest: bool) -> str | None:
        hints = _FIELD_HINTS.get(field.name or "", ())
        if field.condition is None:
            if violate:
                return None
            pool = [*hints, "-", "x", "a b c"] if rest else [*hints, "-", "x"]
            return ch.pick(pool)
        cases = field_dnf(field.condition, not violate)
        start = ch.below(len(cases))
        for k in range(len(cases)):
            value = solve_field(
                cases[(start + k) % len(cases)], ch, hints, "" if rest else _FIELD_AVOID
            )
            if value is not NOTHING:
                return str(value)
        return None

    def _build(self, ch: Choices) -> str | None:
        fields, p = self.fields, self.ellipsis
        if not self.entries:
            return " ".join(_words(ch, (), 1 + ch.count(3)))
        violate: int | None = None
        short = False
        if not self.matching:
            ways: list[int | None] = [i for i, f in enumerate(fields) if f.condition is not None]
            ways.append(None)  # too few fields
            violate = ch.pick(ways)
            short = violate is None
        sep = ch.pick(_SEPARATORS)
        if short:
            n = len(fields) - 1
            return sep.join(["-"] * n) if n else " "
        absorbing = p is None
        out: list[str] = []
        for i, field in enumerate(fields):
            last = absorbing and i == len(fields) - 1
            value = self._value(field, ch, violate == i, last)
            if value is None:
                return None
            token = encode_rest(value) if last else encode_token(value)
            if token is None:
                return None
            out.append(token)
        if p is not None:
            extra = [encode_token(w) or "-" for w in _words(ch, (), ch.count(3))]
            out[p:p] = extra
        return sep.join(out)


# --------------------------------------------------------------------------- plans

_PLANS: dict[type, type[Plan]] = {
    ast.JsonPattern: JsonPlan,
    ast.TermPattern: TermPlan,
    ast.RegexPattern: RegexPlan,
    ast.MatchAll: MatchAllPlan,
    ast.DelimitedPattern: DelimitedPlan,
}


@functools.lru_cache(maxsize=256)
def plan_for(tree: ast.Pattern, matching: bool, base: str) -> Plan:
    """The (cached) plan for one pattern tree, outcome and base.

    Raises:
        NoEventsError: no such message exists, or none could be constructed.
    """
    plan_type: Any = _PLANS[type(tree)]
    return plan_type(tree, matching, base)  # type: ignore[no-any-return]
