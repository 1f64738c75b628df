"""Assertions for your own test suite: does my metric-filter pattern cover a control?

>>> assert_covers('{ $.eventSource = "kms.amazonaws.com" && '
...               '($.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion") }',
...               "cis-aws-3.0.0-4.7", examples=20)
>>> try:
...     assert_covers('{ $.eventName = "DisableKey" }', "cis-aws-3.0.0-4.7")
... except PatternCheckError as failure:
...     print(str(failure).split("Rejected by:")[1].split("Found by:")[0].strip())
$.eventName = "DisableKey" is false ($.eventName is "ScheduleKeyDeletion")

Each helper asks the analyzer first (:func:`cwpattern.analyzer.covers`: a proof, or a
counterexample) and then, as a second opinion, tries the reference's required events —
one per case, identity type and outcome (:func:`cwpattern.strategies.required_examples`),
then ``examples`` more drawn by hypothesis (:func:`~cwpattern.strategies.events_matching`).
The second opinion needs hypothesis (``pip install cwpattern[hypothesis]``); without it
the analyzer's answer stands alone.

A failure raises :class:`PatternCheckError` (an ``AssertionError``) whose message shows the
counterexample record, the case of the reference it belongs to, and the clause of your
pattern that rejected it.  In pytest, :func:`covers_test` makes a whole test in one line.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from . import ast, whynot
from .aws.filterdefs import FilterDef, load_metric_filters
from .errors import CWPatternError
from .printer import json_expr_text, unparse

__all__ = [
    "CoverageUnprovenWarning",
    "FilterDef",
    "PatternCheckError",
    "assert_covers",
    "Settings",
    "assert_equivalent",
    "configure",
    "configured",
    "covers_test",
    "load_metric_filters",
    "settings",
    "why_not",
]


class PatternCheckError(AssertionError):
    """A pattern check failed; ``counterexample`` is the event that shows it (if any)."""

    def __init__(self, message: str, counterexample: str | None = None) -> None:
        super().__init__(message)
        self.counterexample = counterexample


class CoverageUnprovenWarning(UserWarning):
    """The analyzer could not decide, and the examples found no counterexample."""


@dataclass(frozen=True)
class Settings:
    """The defaults of the helpers: ``examples`` drawn by hypothesis per check, and
    ``strict`` (an undecided analyzer fails the check instead of warning)."""

    examples: int = 200
    strict: bool = False


#: The settings in force, per context (thread, asyncio task): nothing is read or changed
#: at import, and a change made in one context does not leak into another.
_DEFAULT = Settings()
_SETTINGS: contextvars.ContextVar[Settings] = contextvars.ContextVar(
    "cwpattern.testing.settings", default=_DEFAULT
)


def settings() -> Settings:
    """The settings in force (:func:`configure`, :func:`configured`, pytest options).

    >>> settings()
    Settings(examples=200, strict=False)
    """
    return _SETTINGS.get()


def _changed(examples: int | None, strict: bool | None) -> Settings:
    current = _SETTINGS.get()
    if examples is not None:
        if examples < 0:
            raise ValueError("examples must be >= 0")
        current = replace(current, examples=examples)
    if strict is not None:
        current = replace(current, strict=bool(strict))
    return current


def configure(*, examples: int | None = None, strict: bool | None = None) -> Settings:
    """Change the settings of the current context from now on (the pytest plugin does, for
    the session); returns the previous ones.  :func:`configured` changes them for a block."""
    previous = _SETTINGS.get()
    _SETTINGS.set(_changed(examples, strict))
    return previous


@contextlib.contextmanager
def configured(*, examples: int | None = None, strict: bool | None = None) -> Iterator[Settings]:
    """Change the settings for the ``with`` block only (they are restored after it, as are
    changes :func:`configure` makes inside it).

    >>> with configured(examples=0):
    ...     settings().examples
    0
    >>> settings().examples
    200
    """
    token = _SETTINGS.set(_changed(examples, strict))
    try:
        yield _SETTINGS.get()
    finally:
        _SETTINGS.reset(token)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Patterns:
    """One pattern or a set of patterns (their union), compiled."""

    compiled: tuple[Any, ...]
    label: str

    def matches(self, message: str) -> bool:
        return any(p.matches(message) for p in self.compiled)

    @property
    def trees(self) -> tuple[ast.Pattern, ...]:
        return tuple(p.ast for p in self.compiled)


def _patterns(arg: Any) -> _Patterns:
    from .pattern import CompiledPattern, compile

    items = list(arg) if isinstance(arg, (list, tuple, set, frozenset)) else [arg]
    if not items:
        raise ValueError("no pattern given")
    compiled = []
    for item in items:
        if isinstance(item, str):
            compiled.append(compile(item))
        elif hasattr(item, "ast") and hasattr(item, "matches"):
            compiled.append(item)
        elif isinstance(
            item,
            (
                ast.MatchAll,
                ast.TermPattern,
                ast.RegexPattern,
                ast.JsonPattern,
                ast.DelimitedPattern,
            ),
        ):
            compiled.append(CompiledPattern.from_ast(item))
        else:
            raise TypeError(f"expected a filter pattern, not {type(item).__name__}")
    label = " | ".join(unparse(p.ast) for p in compiled)
    return _Patterns(tuple(compiled), label)


def _reference(arg: Any) -> tuple[_Patterns, str]:
    """The reference pattern(s) and how to name them: a control (object or id) or patterns."""
    from . import controls

    if isinstance(arg, controls.Control):
        return _patterns(arg.effective_pattern), f"{arg.id} ({arg.topic})"
    if isinstance(arg, str) and arg.strip()[:1] not in ("{", "[", "%", '"', ""):
        try:
            control = controls.get(arg)
        except controls.UnknownControlError as unknown:
            try:
                return _patterns(arg), "the reference"
            except CWPatternError:
                raise unknown from None
        return _patterns(control.effective_pattern), control.id
    return _patterns(arg), "the reference"


# --------------------------------------------------------------------------- explanations


def why_not(pattern: Any, message: str) -> list[str]:
    """The clauses of ``pattern`` that reject ``message`` (empty when it matches).

    >>> why_not('{ $.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey" }',
    ...         '{"eventSource":"kms.amazonaws.com","eventName":"ScheduleKeyDeletion"}')
    ['$.eventName = "DisableKey" is false ($.eventName is "ScheduleKeyDeletion")']
    >>> why_not('ERROR -DEBUG', 'DEBUG: disk ok')
    ['required term "ERROR" does not occur', 'excluded term "DEBUG" occurs']
    """
    pats = _patterns(pattern)
    if pats.matches(message):
        return []
    lines: list[str] = []
    for compiled in pats.compiled:
        tree = compiled.ast
        if len(pats.compiled) > 1:
            lines.append(f"{unparse(tree)}:")
        part = whynot.why_not(tree, message)
        lines += [("  " if len(pats.compiled) > 1 else "") + line for line in part]
    return lines


def _reference_case(reference: _Patterns, message: str) -> str | None:
    """The first case (alternative) of the reference that holds for ``message``."""
    from .pattern import CompiledPattern

    for tree in reference.trees:
        if isinstance(tree, ast.JsonPattern):
            for case in ast.dnf(tree.expr, whynot.DNF_LIMIT) or []:
                conj = case[0] if len(case) == 1 else ast.And(case)
                if CompiledPattern.from_ast(ast.JsonPattern(conj)).matches(message):
                    return " && ".join(json_expr_text(c) for c in case)
    return None


def _pretty(message: str) -> str:
    from .jsondoc import decode

    if decode(message) is None:
        return message
    try:
        return json.dumps(json.loads(message), indent=2, ensure_ascii=False)
    except ValueError:  # pragma: no cover - decode() accepted it
        return message


def _indent(lines: Iterable[str], by: str = "  ") -> str:
    return "\n".join(by + line for line in lines)


# --------------------------------------------------------------------------- second opinion


def _hypothesis() -> Any:
    try:
        from . import strategies
    except ImportError:
        return None
    return strategies


def _search(
    reference: _Patterns, accept: Callable[[str], bool], examples: int, base: str = "cloudtrail"
) -> tuple[str | None, int]:
    """A message the reference matches for which ``accept`` is false: first among the
    deterministic required examples, then drawn by hypothesis (shrunk).  Returns the
    message (or ``None``) and how many events were tried."""
    strategies = _hypothesis()
    if strategies is None or examples <= 0:
        return None, 0
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    tried = 0
    for tree in reference.trees:
        if base == "cloudtrail" and isinstance(tree, ast.DelimitedPattern):
            continue
        try:
            sweep = strategies.required_examples(tree) if isinstance(tree, ast.JsonPattern) else []
        except strategies.NoEventsError:
            continue
        for message in sweep:
            tried += 1
            if not accept(message):
                return message, tried
        config = settings(
            max_examples=examples,
            database=None,
            deadline=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        try:
            found: str = find(
                strategies.events_matching(tree, base=base),
                lambda m: not accept(m),
                settings=config,
            )
        except (NoSuchExample, Unsatisfiable, strategies.NoEventsError):
            tried += examples
            continue
        return found, tried + examples
    return None, tried


# --------------------------------------------------------------------------- assertions


@dataclass
class _Report:
    title: str
    pattern: str
    reference: str
    reference_name: str
    event: str | None = None
    event_role: str = ""
    case: str | None = None
    clauses: list[str] = field(default_factory=list)
    found_by: str = ""

    def render(self) -> str:
        out = [
            self.title,
            "",
            f"  pattern:   {self.pattern}",
            f"  reference: {self.reference}"
            + ("" if self.reference_name == "the reference" else f"   [{self.reference_name}]"),
        ]
        if self.event is not None:
            out += [
                "",
                f"Counterexample ({self.event_role}):",
                _indent(_pretty(self.event).splitlines()),
            ]
        if self.case:
            out += ["", "Reference case it belongs to:", _indent([self.case])]
        if self.clauses:
            out += ["", "Rejected by:", _indent(self.clauses)]
        if self.found_by:
            out += ["", f"Found by: {self.found_by}"]
        return "\n".join(out)


def assert_covers(
    pattern: Any,
    control_or_reference: Any,
    *,
    examples: int | None = None,
    strict: bool | None = None,
    budget: int | None = None,
) -> None:
    """Assert that ``pattern`` matches every event ``control_or_reference`` matches.

    Args:
        pattern: your pattern (text, compiled or tree), or a list of patterns whose union
            feeds one metric.
        control_or_reference: a control id (``"cis-aws-3.0.0-4.7"``), a
            :class:`~cwpattern.controls.Control`, or a reference pattern.
        examples: events hypothesis draws from the reference (default 200; 0 disables the
            second opinion).
        strict: when the analyzer cannot decide and no counterexample is found, fail
            (``True``) or warn with :class:`CoverageUnprovenWarning` (default).
        budget: the analyzer's search budget.

    Raises:
        PatternCheckError: with the counterexample record, the reference case it belongs to
            and the clause of ``pattern`` that rejected it.
    """
    __tracebackhide__ = True  # pytest: the failure is the user's, not this frame's
    from . import analyzer

    current = settings()
    examples = current.examples if examples is None else examples
    strict = current.strict if strict is None else strict
    pats = _patterns(pattern)
    reference, name = _reference(control_or_reference)
    coverage = analyzer.covers(list(pats.compiled), list(reference.compiled), budget=budget)
    report = _Report(f"the pattern does not cover {name}", pats.label, reference.label, name)

    event, found_by = None, ""
    if coverage.verdict == "no" and coverage.counterexample is not None:
        candidate = coverage.counterexample
        if reference.matches(candidate) and not pats.matches(candidate):
            event, found_by = candidate, 'the analyzer (verdict "no"), re-checked with the matcher'
    if event is None:
        event, tried = _search(reference, pats.matches, examples)
        if event is not None:
            found_by = f"cwpattern.strategies (a required event, {tried} tried)"
            if coverage.verdict == "yes":
                found_by += '; the analyzer had answered "yes": please report this bug'
    if event is not None:
        report.event, report.event_role = event, "matched by the reference, not by the pattern"
        report.case = _reference_case(reference, event)
        report.clauses = why_not(pats.compiled, event)
        report.found_by = found_by
        raise PatternCheckError(report.render(), event)
    if coverage.verdict == "yes":
        return
    detail = f"the analyzer could not decide whether the pattern covers {name}: {coverage.reason}"
    if strict:
        report.title = f"coverage of {name} is unproven"
        report.clauses = [detail]
        raise PatternCheckError(report.render())
    warnings.warn(
        CoverageUnprovenWarning(detail + f"; {examples} examples found no miss"), stacklevel=2
    )


def assert_equivalent(
    a: Any,
    b: Any,
    *,
    examples: int | None = None,
    strict: bool | None = None,
    budget: int | None = None,
) -> None:
    """Assert that two patterns (or sets of patterns) match exactly the same CloudTrail events.

    Arguments as for :func:`assert_covers`; either side may be a control id.

    >>> assert_equivalent('{ $.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion" }',
    ...                   '{ ($.eventName = ScheduleKeyDeletion) || ($.eventName = DisableKey) }',
    ...                   examples=20)
    """
    __tracebackhide__ = True
    from . import analyzer

    current = settings()
    examples = current.examples if examples is None else examples
    strict = current.strict if strict is None else strict
    left, _ = _reference(a)
    right, right_name = _reference(b)
    relation = analyzer.relation(list(left.compiled), list(right.compiled), budget=budget)
    title = "the patterns are not equivalent"
    for source, other, analyzer_event in (
        (right, left, relation.counterexample),
        (left, right, relation.example),
    ):
        event = None
        found_by = ""
        if (
            analyzer_event is not None
            and source.matches(analyzer_event)
            and not other.matches(analyzer_event)
        ):
            event, found_by = analyzer_event, f"the analyzer (relation {relation.kind!r})"
        if event is None:
            event, tried = _search(source, other.matches, examples)
            if event is not None:
                found_by = f"cwpattern.strategies ({tried} events tried)"
                if relation.kind == "equivalent":
                    found_by += '; the analyzer had answered "equivalent": please report this bug'
        if event is not None:
            first = source is left
            report = _Report(title, left.label, right.label, right_name)
            report.event = event
            report.event_role = (
                "matched by the first, not by the second"
                if first
                else "matched by the second, not by the first"
            )
            report.case = _reference_case(source, event)
            report.clauses = why_not(other.compiled, event)
            report.found_by = found_by
            raise PatternCheckError(
                report.render().replace("  reference: ", "  other:     "), event
            )
    if relation.kind == "equivalent":
        return
    detail = f"the analyzer could not decide equivalence: {relation.reason}"
    if strict:
        raise PatternCheckError(f"equivalence is unproven\n\n  {detail}")
    warnings.warn(
        CoverageUnprovenWarning(detail + f"; {examples} examples per side found no difference"),
        stacklevel=2,
    )


def covers_test(pattern: Any, control_or_reference: Any, **options: Any) -> Callable[[], None]:
    """A test function, for a one-line pytest test::

        test_kms_alarm = covers_test(MY_PATTERN, "cis-aws-3.0.0-4.7")

    ``options`` are those of :func:`assert_covers`.
    """

    def test() -> None:
        __tracebackhide__ = True
        assert_covers(pattern, control_or_reference, **options)

    name = str(getattr(control_or_reference, "id", control_or_reference))
    test.__name__ = "test_covers"
    test.__qualname__ = "test_covers"
    test.__doc__ = f"The pattern covers {name}."
    return test
