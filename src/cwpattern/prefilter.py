r"""Sound literal prefilters: byte strings every matching message must contain.

A pattern implies a formula over literals (``all``/``any``/literal): a message that the
pattern matches always satisfies it, so a line that does not can be dropped without being
decoded.  Scanning a buffer for the rarest literal and evaluating only the lines around
its hits is how :mod:`cwpattern.scanner` approaches the speed of ``grep -F``.

Where literals come from (and why each is sound):

* term patterns: every required term (``t in message``); only-optional patterns need one of
  their terms; excluded terms give nothing.  Terms are searched in the raw bytes.
* regex patterns: per branch, :func:`cwpattern.regex.literal_prefilter`; all branches
  need one, else nothing.
* space-delimited patterns: a field value is a substring of the message, so an ``=``
  condition with a string (core of its wildcards) or regex literal requires it.
* JSON patterns: a selector reaching a node requires each member name as a JSON string
  token ``"name"`` in the text; ``= "v"`` requires the core of ``v`` (with the quotes its
  wildcard shape allows when only a string leaf can match it), a regex its literal, ``IS
  TRUE`` the token ``true`` (``false``, ``null`` likewise).  ``!=`` and ``NOT EXISTS`` give
  nothing but member names, or nothing at all.

JSON escapes can spell any character differently (``\u006b`` is ``k``, ``\/`` is ``/``):
a line in which a backslash is followed by ``u`` (or ``/`` when a literal contains ``/``)
always passes, whatever its literals.  Literal characters that JSON must escape (``"``,
``\``, control characters) and lone surrogates never appear raw, and U+FFFD may come
from any invalid byte; only the longest run of other characters is kept.

>>> from cwpattern import parse
>>> pf = prefilter_for(parse('{ $.eventSource = kms.amazonaws.com && $.eventName = Dis* }'))
>>> pf.requirement
('and', (b'"eventSource"', b'"kms.amazonaws.com"', b'"eventName"', b'"Dis'))
>>> pf.check(b'{"eventSource":"kms.amazonaws.com","eventName":"Encrypt"}')
False
>>> pf.check(b'{"eventSource":"kms.amazonaws.com","eventName":"\\u0044isableKey"}')
True
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Union

from . import ast
from .lazyjson import covers
from .multiliteral import LiteralSet, default_engine
from .regex import literal_prefilter
from .values import wildcard_shape

__all__ = [
    "Plan",
    "Prefilter",
    "Requirement",
    "choose_plan",
    "hit_cost_for",
    "literals_of",
    "prefilter_for",
]

#: ``None`` (no requirement), ``b"literal"``, ``("and", parts)`` or ``("or", parts)``.
Requirement = Union[None, bytes, tuple[str, tuple["Requirement", ...]]]  # noqa: UP007

_NUMBER_CHARS = frozenset("0123456789+-.eE")
#: Per-line cost of evaluating a prefilter hit (line extraction, checks, decoding), used to
#: weigh the hits of a literal against its scan time; measured on the reference machine.
HIT_COST = 4e-6
#: The same for a JSON pattern that :mod:`cwpattern.lazyjson` decodes partially (msgspec
#: decodes only the members the pattern reads: 1 µs where orjson takes 2.5 µs for a 1.3 KB
#: CloudTrail record, measured in one run on the reference machine).
LAZY_HIT_COST = 2.5e-6
#: The part of a hit's cost that only a hit of a needle pays: finding its line's ends and
#: slicing it out (the every-line loop pays ``LINE_COST`` per line instead).
HIT_EXTRACT = 1.5e-6
#: Per-line cost of the every-line loop beyond the check itself (its bookkeeping).
LINE_COST = 1.5e-6
#: The same when only a count is wanted: the scanner splits a region and counts the lines
#: matched in one ``filter``, with no per-line bookkeeping.
COUNT_LINE_COST = 0.7e-6
#: Cost of testing one literal of the line check on a line: a literal found on nearly every
#: line is dropped from the check when testing it costs more than the matches it saves.
LITERAL_COST = 0.25e-6


@dataclass(frozen=True)
class Prefilter:
    """The literal formula of a pattern and the JSON escapes that bypass it."""

    requirement: Requirement
    #: bytes that, after a backslash, make a line pass (``b"u"``, ``b"/"``); JSON only
    escapes: bytes = b""
    #: ``(literal, member token)`` of the literals that only ever come from ``$...name =
    #: "v"`` (or ``"v*"``): a matching line holds each such literal (when it holds it at
    #: all) right after the member name, a colon and JSON whitespace, unless an escape
    #: spells them (:meth:`key_of`); JSON only
    keyed: tuple[tuple[bytes, bytes], ...] = ()

    @property
    def useful(self) -> bool:
        return self.requirement is not None

    def literals(self) -> list[bytes]:
        """Distinct literals of the formula, in first-appearance order."""
        return list(dict.fromkeys(literals_of(self.requirement)))

    def key_of(self, literal: bytes) -> bytes | None:
        """The member token (``b'"eventName"'``) whose value ``literal`` always is in a
        matching line, or None.

        >>> from cwpattern import parse
        >>> pf = prefilter_for(parse('{ $.eventName = DisableKey || $.x.errorCode = "Acc*" }'))
        >>> pf.key_of(b'"DisableKey"'), pf.key_of(b'"Acc'), pf.key_of(b'"eventName"')
        (b'"eventName"', b'"errorCode"', None)
        """
        for lit, key in self.keyed:
            if lit == literal:
                return key
        return None

    def check(self, line: bytes) -> bool:
        """Necessary condition for a match on one line (``False``: cannot match)."""
        return self.compile()(line)

    def compile(self) -> Callable[[bytes], bool]:
        """``check`` as a closure, for hot loops."""
        test = _compile(self.requirement)
        if test is None:
            return lambda line: True
        if not self.escapes:
            return test
        triggers = tuple(b"\\" + bytes([c]) for c in self.escapes)

        def check(line: bytes) -> bool:
            if b"\\" in line and any(t in line for t in triggers):
                return True
            return test(line)

        return check


def _compile(req: Requirement) -> Callable[[bytes], bool] | None:
    """The formula as straight-line closures (no generator per call: this runs on every
    candidate line)."""
    # (line.find(x) >= 0 measures faster than x in line on short haystacks)
    if req is None:
        return None
    if isinstance(req, bytes):
        lit = req
        return lambda line: line.find(lit) >= 0
    kind, parts = req
    lits = [p for p in parts if isinstance(p, bytes)]
    if len(lits) == len(parts) and len(lits) in (2, 3):
        a, b, *rest = lits
        c = rest[0] if rest else b
        if kind == "and":
            return lambda line: line.find(a) >= 0 and line.find(b) >= 0 and line.find(c) >= 0
        return lambda line: line.find(a) >= 0 or line.find(b) >= 0 or line.find(c) >= 0
    tests = tuple(t for t in map(_compile, parts) if t is not None)
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        if kind == "and":
            return lambda line: first(line) and second(line)
        return lambda line: first(line) or second(line)
    if kind == "and":
        return lambda line: all(t(line) for t in tests)
    return lambda line: any(t(line) for t in tests)


def literals_of(req: Requirement) -> Iterable[bytes]:
    if req is None:
        return
    if isinstance(req, bytes):
        yield req
        return
    for part in req[1]:
        yield from literals_of(part)


def _and(parts: Iterable[Requirement]) -> Requirement:
    kept: list[Requirement] = []
    for p in parts:
        if p is None:
            continue
        if isinstance(p, tuple) and p[0] == "and":
            kept.extend(p[1])
        elif p not in kept:
            kept.append(p)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else ("and", tuple(kept))


def _or(parts: Iterable[Requirement]) -> Requirement:
    kept: list[Requirement] = []
    for p in parts:
        if p is None:
            return None  # one alternative needs nothing: neither does the whole
        if isinstance(p, tuple) and p[0] == "or":
            kept.extend(p[1])
        elif p not in kept:
            kept.append(p)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else ("or", tuple(kept))


# --------------------------------------------------------------------------- extraction


def prefilter_for(tree: ast.Pattern) -> Prefilter:
    """The prefilter of a parsed pattern (``requirement`` None: every line is a candidate)."""
    if isinstance(tree, ast.TermPattern):
        return Prefilter(_terms(tree))
    if isinstance(tree, ast.RegexPattern):
        return Prefilter(_regex_text(tree.regex))
    if isinstance(tree, ast.DelimitedPattern):
        return Prefilter(
            _and(
                _field(e.condition)
                for e in tree.entries
                if isinstance(e, ast.Field) and e.condition is not None
            )
        )
    if isinstance(tree, ast.JsonPattern):
        req = _json(tree.expr)
        slash = any(b"/" in lit for lit in literals_of(req))
        return Prefilter(req, b"u/" if slash else b"u", _keyed(tree.expr))
    return Prefilter(None)


def _encode(text: str) -> bytes | None:
    """Bytes a line holds whenever its decoded text contains ``text`` (None: nothing
    can be required).  Invalid UTF-8 decodes to U+FFFD, so a U+FFFD in ``text`` may stand for any
    invalid byte: only the longest run without it is required."""
    if "\ufffd" in text:
        text = max(text.split("\ufffd"), key=len)
    try:
        return text.encode("utf-8") if text else None
    except UnicodeEncodeError:  # a lone surrogate: never in a decoded line
        return None


def _terms(tree: ast.TermPattern) -> Requirement:
    required = [t.text for t in tree.terms if t.kind is ast.TermKind.REQUIRED]
    excluded = [t for t in tree.terms if t.kind is ast.TermKind.EXCLUDED]
    if required:
        return _and(_encode(t) for t in required)
    if excluded:
        return None
    return _or(_encode(t.text) for t in tree.terms)


def _regex_literals(regex: ast.Regex) -> list[str | None]:
    return [literal_prefilter(ast.Regex((b,))) for b in regex.branches]


def _regex_text(regex: ast.Regex) -> Requirement:
    return _or(_encode(lit) if lit else None for lit in _regex_literals(regex))


def _field(expr: ast.FieldExpr) -> Requirement:
    if isinstance(expr, ast.FieldAnd):
        return _and(_field(o) for o in expr.operands)
    if isinstance(expr, ast.FieldOr):
        return _or(_field(o) for o in expr.operands)
    if expr.op is not ast.Op.EQ:
        return None
    value = expr.value
    if isinstance(value, ast.StringValue):
        shape, core = wildcard_shape(value.text)
        return _encode(core) if shape != "any" and core else None
    if isinstance(value, ast.RegexValue):
        return _regex_text(value.regex)
    return None  # numbers compare by value: "200" also matches "2e2"


# JSON ---------------------------------------------------------------------------------


def _plain_run(text: str) -> str:
    """The longest run of characters that JSON writes raw (or escapes with \\u)."""
    best, run = "", ""
    for c in text:
        if c in '"\\' or c < " " or "\ud800" <= c <= "\udfff" or c == "\ufffd":
            best, run = max(best, run, key=len), ""
        else:
            run += c
    return max(best, run, key=len)


def _json_text(text: str, shape: str) -> bytes | None:
    """Raw JSON bytes every comparable leaf matching ``text`` (of that wildcard shape) puts
    in the message, unescaped."""
    plain = _plain_run(text)
    if plain != text:  # characters that need escapes: keep the longest raw run, no quotes
        return plain.encode("utf-8") if plain else None
    string_only = any(c not in _NUMBER_CHARS for c in text) or text == ""
    if string_only:  # a number's raw text cannot match: the leaf is a JSON string token
        text = {"exact": f'"{text}"', "prefix": f'"{text}', "suffix": f'{text}"'}.get(shape, text)
    return text.encode("utf-8") if text else None


def _json(expr: ast.JsonExpr) -> Requirement:
    if isinstance(expr, ast.And):
        return _and(_json(o) for o in expr.operands)
    if isinstance(expr, ast.Or):
        return _or(_json(o) for o in expr.operands)
    if isinstance(expr, ast.Predicate):
        if expr.kind is ast.PredicateKind.NOT_EXISTS:
            return None
        token = {
            ast.PredicateKind.IS_TRUE: b"true",
            ast.PredicateKind.IS_FALSE: b"false",
            ast.PredicateKind.IS_NULL: b"null",
        }[expr.kind]
        return _and([*_members(expr.selector), token])
    return _and([*_members(expr.selector), _json_value(expr)])


def _keyed(expr: ast.JsonExpr) -> tuple[tuple[bytes, bytes], ...]:
    """``(literal, member token)`` for the literals of ``expr`` that every origin puts
    right after one and the same member name: the value of ``$...name = "text"`` or
    ``"text*"`` (a JSON string token starting at its opening quote; ``=`` is false on
    arrays, so the string is the member's value itself).  A literal that also comes from
    anywhere else (a member name, a regex, another member) is left out."""
    origins: dict[bytes, set[bytes | None]] = {}

    def note(req: Requirement, key: bytes | None) -> None:
        for lit in literals_of(req):
            origins.setdefault(lit, set()).add(key)

    def walk(e: ast.JsonExpr) -> None:
        if isinstance(e, (ast.And, ast.Or)):
            for o in e.operands:
                walk(o)
            return
        for member in _members(e.selector):
            note(member, None)
        if isinstance(e, ast.Predicate):
            return
        value = _json_value(e)
        last = e.selector.steps[-1] if e.selector.steps else None
        keyed = (
            isinstance(value, bytes)
            and value[:1] == b'"'
            and isinstance(e.value, ast.StringValue)
            and isinstance(last, ast.Member)
            and _plain_run(last.name) == last.name
        )
        note(value, f'"{last.name}"'.encode() if keyed and isinstance(last, ast.Member) else None)

    walk(expr)
    return tuple(
        (lit, key)
        for lit, keys in origins.items()
        if len(keys) == 1 and (key := next(iter(keys))) is not None
    )


def _members(selector: ast.Selector) -> list[Requirement]:
    out: list[Requirement] = []
    for step in selector.steps:
        if isinstance(step, ast.Member) and _plain_run(step.name) == step.name:
            out.append(f'"{step.name}"'.encode())
    return out


def _json_value(cond: ast.Comparison) -> Requirement:
    if cond.op is not ast.Op.EQ:
        return None
    value = cond.value
    if isinstance(value, ast.StringValue):
        shape, core = wildcard_shape(value.text)
        if shape == "any":
            return None
        return _json_text(core, shape)
    if isinstance(value, ast.RegexValue):
        lits = _regex_literals(value.regex)
        return _or(_json_text(lit, "contains") if lit else None for lit in lits)
    return None  # a number leaf matches in any spelling (7, 7.0, 7e0)


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Plan:
    """How to scan a buffer: the ``needles`` to search for (every match contains one;
    None: examine every line) and the ``filter`` (a weakened, reordered prefilter) a line
    must pass before it is decoded.  Picklable, for worker processes."""

    needles: tuple[bytes, ...] | None
    filter: Prefilter

    def check(self, line: bytes) -> bool:
        return self.filter.check(line)

    def compile_check(self) -> Callable[[bytes], bool] | None:
        """The line check, or None when every line (or needle hit) passes it anyway (no
        requirement left, or the filter is the one literal scanned for)."""
        req = self.filter.requirement
        if req is None:  # nothing to check
            return None
        if self.needles is not None and isinstance(req, bytes) and self.needles == (req,):
            return None
        return self.filter.compile()


def _needle(lit: bytes) -> bytes:
    """The literal without its JSON quotes.  bytes.find checks a needle's last byte first
    and '"' is everywhere in JSON, so the unquoted needle often scans faster; both are
    timed (the quotes always count in the line check)."""
    return lit.strip(b'"') or lit


def choose_plan(
    pf: Prefilter,
    sample: bytes | bytearray,
    hit_cost: float = HIT_COST,
    engine: str = "auto",
    shared: Mapping[bytes, int] | None = None,
    line_cost: float = LINE_COST,
    pass_cost: Mapping[bytes, float] | None = None,
) -> Plan:
    """The plan for data like ``sample``: needles minimising (scan time + hits x
    ``hit_cost``) measured on the sample, or none (every line is examined) when that is
    cheaper, and a line check that tests the rarest literals first and skips those found
    on (nearly) every line (weakening a necessary condition keeps it sound).  ``hit_cost``
    is the pattern's (:func:`hit_cost_for`), ``line_cost`` the every-line loop's
    (:data:`LINE_COST`, or :data:`COUNT_LINE_COST` when only counting).

    ``engine`` is the multi-literal searcher the scan will use
    (:mod:`cwpattern.multiliteral`; ``auto``: the searcher picks per set, one ``memmem``
    pass per literal for a few, one hyperscan pass for more).  With either, each
    candidate set is timed as a whole (an ``||`` of rare literals is then often cheaper than one common
    literal); with ``bytes.find`` each needle is a pass of its own and costs add up.
    ``shared``: the needles are searched in a pass shared with other patterns (one
    hyperscan database for all), which already counted the sample lines holding each
    needle; a set then costs its hits, plus ``pass_cost`` of each of its needles (what
    searching it adds to the shared pass on the sample: nothing for a needle that other
    patterns search anyway), and nothing is timed.

    >>> from cwpattern import parse
    >>> pf = prefilter_for(parse('{ $.kind = "rare" && $.region = "common" }'))
    >>> plan = choose_plan(pf, b'{"kind":"x","region":"common"}\\n' * 1000)
    >>> [n.strip(b'"') for n in plan.needles]  # quoted or not, whichever timed faster
    [b'rare']
    >>> plan.check(b'{"region":"common"}'), plan.check(b'{"kind":"rare"}')
    (False, True)
    """
    sample = bytes(sample)
    lines = sample.count(b"\n") + 1
    if pf.requirement is None or not sample:
        return Plan(None, Prefilter(None, pf.escapes))
    searcher = engine  # "auto": LiteralSet picks per set (memmem for a few literals)
    engine = default_engine() if engine == "auto" else engine
    freq: dict[bytes, int] = {}
    cost: dict[bytes, float] = {}
    needle_of: dict[bytes, bytes] = {}
    for lit in pf.literals():
        if engine != "python":  # one pass for a set: only the sets are timed
            freq[lit] = sample.count(lit)
            continue
        for needle in dict.fromkeys((_needle(lit), lit)):  # with and without JSON quotes
            seconds, hits = _timed(functools.partial(sample.count, needle))
            elapsed = seconds + min(hits, lines) * hit_cost
            if needle == lit:
                freq[lit] = hits
            if lit not in cost or elapsed < cost[lit]:
                cost[lit], needle_of[lit] = elapsed, needle

    def best(req: Requirement) -> tuple[float, tuple[bytes, ...]] | None:
        if req is None:
            return None
        if isinstance(req, bytes):
            return cost[req], (needle_of[req],)
        options = [best(p) for p in req[1]]
        if req[0] == "and":
            found = [o for o in options if o is not None]
            return min(found, key=lambda o: o[0]) if found else None
        if any(o is None for o in options):
            return None
        return (
            sum(o[0] for o in options if o is not None),
            tuple(dict.fromkeys(lit for o in options if o is not None for lit in o[1])),
        )

    found = (
        _best_one_pass(pf.requirement, sample, lines, hit_cost, searcher, shared, pass_cost)
        if engine != "python"
        else best(pf.requirement)
    )
    # A literal on a share s of the lines saves (1 - s) matches per line checked.
    match_cost = hit_cost - HIT_EXTRACT
    frequent = 1 - LITERAL_COST / match_cost if match_cost > LITERAL_COST else 0.0
    common = {lit for lit, n in freq.items() if n >= frequent * lines}
    line_filter = Prefilter(_ordered(pf.requirement, freq, common), pf.escapes)
    if found is None:
        return Plan(None, line_filter)
    if found[0] < lines * line_cost:
        return Plan(found[1], line_filter)  # cheaper than the every-line loop's bookkeeping
    # The alternative: split the sample into lines and check each one.
    check = line_filter.compile()
    seconds, passing = _timed(lambda: sum(1 for line in sample.split(b"\n") if check(line)))
    every_line = seconds + passing * match_cost + lines * line_cost
    return Plan(found[1] if found[0] < every_line else None, line_filter)


def hit_cost_for(tree: ast.Pattern) -> float:
    """The cost of examining one line the prefilter passes, for :func:`choose_plan`:
    :data:`LAZY_HIT_COST` for a JSON pattern :mod:`cwpattern.lazyjson` decodes partially,
    else :data:`HIT_COST`.

    >>> from cwpattern import parse
    >>> hit_cost_for(parse("ERROR")) == HIT_COST
    True
    """
    if isinstance(tree, ast.JsonPattern) and covers(tree.expr):
        return LAZY_HIT_COST
    return HIT_COST


def _best_one_pass(
    req: Requirement,
    sample: bytes,
    lines: int,
    hit_cost: float,
    engine: str,
    shared: Mapping[bytes, int] | None = None,
    pass_cost: Mapping[bytes, float] | None = None,
) -> tuple[float, tuple[bytes, ...]] | None:
    """The needle set of least measured cost when one pass finds them all: an ``&&`` takes
    its cheapest operand, an ``||`` the union of its operands' sets, each set timed whole
    (or, in a ``shared`` pass, weighed by the sample lines holding its needles and by what
    each needle adds to that pass)."""
    measured: dict[tuple[bytes, ...], float] = {}
    added = pass_cost or {}

    def cost(needles: tuple[bytes, ...]) -> float:
        if shared is not None:
            hits = min(sum(shared.get(n, lines) for n in needles), lines) * hit_cost
            return hits + sum(added.get(n, 0.0) for n in needles)
        if needles not in measured:
            searcher = LiteralSet(needles, engine=engine)
            seconds, hits = _timed(lambda: len(searcher.starts(sample, 0, len(sample))))
            measured[needles] = seconds + min(hits, lines) * hit_cost
        return measured[needles]

    def best(req: Requirement) -> tuple[float, tuple[bytes, ...]] | None:
        if req is None:
            return None
        if isinstance(req, bytes):
            needle = (LiteralSet.needle_for(req),)
            return cost(needle), needle
        options = [best(p) for p in req[1]]
        if req[0] == "and":
            found = [o for o in options if o is not None]
            return min(found, key=lambda o: o[0]) if found else None
        if any(o is None for o in options):
            return None
        union = tuple(dict.fromkeys(lit for o in options if o is not None for lit in o[1]))
        return cost(union), union

    return best(req)


def _ordered(req: Requirement, freq: dict[bytes, int], common: set[bytes]) -> Requirement:
    """``req`` without the common literals, rarest conjuncts and likeliest disjuncts first."""
    if req is None or isinstance(req, bytes):
        return None if req in common else req
    kind, parts = req
    kept = [_ordered(p, freq, common) for p in parts]

    def weight(p: Requirement) -> float:
        return min((freq.get(lit, 0) for lit in literals_of(p)), default=0)

    if kind == "and":
        return _and(sorted((p for p in kept if p is not None), key=weight))
    return _or(sorted(kept, key=weight, reverse=True))


def _timed(work: Callable[[], int], runs: int = 3) -> tuple[float, int]:
    """Best time of a few runs, and the result: a time slice lost to another process
    must not decide a plan."""
    best, result = float("inf"), 0
    for _ in range(runs):
        t0 = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - t0)
    return best, result
