"""Hypothesis strategies for filter patterns and CloudTrail events (``pip install
cwpattern[hypothesis]``).

Verify your own metric-filter patterns the way hypothesis users expect:

* :func:`events_matching` / :func:`events_not_matching` — messages guaranteed to match (or
  not to match) a pattern of any family, *built* from the pattern's structure rather than
  filtered from random data, so selective patterns cost nothing; they shrink to small,
  readable events;
* :func:`cloudtrail_records` — realistic CloudTrail records with chosen fields pinned;
* :func:`required_events` — the records a CIS control requires (every identity type,
  successful and failed calls); :func:`required_examples` lists their shapes without
  hypothesis;
* :func:`patterns` — valid filter patterns, for fuzzing tools that embed cwpattern.

>>> from hypothesis import given
>>> import cwpattern
>>> mine = cwpattern.compile('{ $.eventSource = "kms.amazonaws.com" && '
...                          '($.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion") }')
>>> @given(required_events("cis-aws-3.0.0-4.7"))
... def test_my_filter_sees_every_required_event(event):
...     assert mine.matches(event)
>>> test_my_filter_sees_every_required_event()

The simplest event is what a failing test reports (hypothesis shrinks towards it):

>>> from hypothesis import find
>>> find(events_matching('{ $.eventName = "Disable*" }', base="minimal"), lambda e: True)
'{"eventName":"DisableKey"}'
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
    from hypothesis import reject
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as _err:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "cwpattern.strategies needs hypothesis: pip install 'cwpattern[hypothesis]'"
    ) from _err

from collections.abc import Mapping
from typing import Any

from .. import ast
from ._choices import Drawn
from ._cloudtrail import ABSENT, IDENTITY_TYPES, build_record, dump, pin_problem
from ._events import BASES, NoEventsError, Plan, plan_for
from ._patterns import FAMILIES, trees

__all__ = [
    "ABSENT",
    "IDENTITY_TYPES",
    "NoEventsError",
    "cloudtrail_records",
    "events_matching",
    "events_not_matching",
    "patterns",
    "required_events",
    "required_examples",
]


def _tree(pattern: Any) -> ast.Pattern:
    """A pattern tree from text, a tree or a compiled pattern."""
    if isinstance(pattern, str):
        from ..pattern import compile

        return compile(pattern).ast
    if isinstance(
        pattern,
        (ast.MatchAll, ast.TermPattern, ast.RegexPattern, ast.JsonPattern, ast.DelimitedPattern),
    ):
        return pattern
    tree = getattr(pattern, "ast", None)
    if tree is not None:
        return _tree(tree)
    raise InvalidArgument(
        f"expected a filter pattern (text, tree or compiled pattern), got {type(pattern).__name__}"
    )


def _base(tree: ast.Pattern, base: str | None) -> str:
    if base is None:
        return "cloudtrail" if isinstance(tree, ast.JsonPattern) else "minimal"
    if base not in BASES:
        raise InvalidArgument(f"base must be one of {', '.join(BASES)}, not {base!r}")
    if base == "cloudtrail" and isinstance(tree, ast.DelimitedPattern):
        raise InvalidArgument(
            "space-delimited patterns describe text lines, not CloudTrail "
            "records: use base='minimal'"
        )
    return base


@st.composite
def _from_plan(draw: Any, plan: Plan) -> str:
    message = plan.build(Drawn(draw))
    if message is None:
        reject()
    return message


def _events(pattern: Any, base: str | None, matching: bool) -> st.SearchStrategy[str]:
    tree = _tree(pattern)
    chosen = _base(tree, base)
    return st.deferred(lambda: _from_plan(plan_for(tree, matching, chosen)))


def events_matching(pattern: Any, *, base: str | None = None) -> st.SearchStrategy[str]:
    """Messages the pattern matches (checked with the compiled matcher).

    Args:
        pattern: pattern text, tree or compiled pattern, of any family.
        base: ``"cloudtrail"`` (default for JSON patterns) embeds the conditions in a
            realistic CloudTrail record; ``"minimal"`` (default otherwise) builds only what
            the pattern needs: a bare object, a short line, a regex match.

    Raises (when the strategy is first drawn from):
        NoEventsError: no message matches the pattern (``{ $.a = 1 && $.a = 2 }``), or none
            can be built.

    >>> from hypothesis import find
    >>> find(events_matching(r'[ip, ..., status = 5*, bytes > 1000]'), lambda e: True)
    '192.0.2.10 503 1001'
    >>> find(events_matching(r'%^WARN\\s\\d+%'), lambda e: True)
    'WARN 0'
    """
    return _events(pattern, base, True)


def events_not_matching(pattern: Any, *, base: str | None = None) -> st.SearchStrategy[str]:
    """Messages the pattern does not match (checked), near misses first.

    A JSON event misses the pattern by one condition of each alternative while keeping the
    others true where it can; a term, regex or space-delimited message drops a required term,
    includes an excluded one, changes one character, or fails one field.  When no JSON
    object can miss a JSON pattern, the messages are not JSON objects at all.  Arguments as
    for :func:`events_matching`.

    >>> from hypothesis import find
    >>> find(events_not_matching('ERROR -DEBUG'), lambda e: "DEBUG" in e)
    'ERROR DEBUG'
    >>> find(events_not_matching('{ $.eventName = "DisableKey" && $.readOnly IS FALSE }',
    ...                          base="minimal"), lambda e: "readOnly" in e)
    '{"readOnly":false}'
    """
    return _events(pattern, base, False)


def _pins(pinned: Mapping[str, Any]) -> dict[tuple[str, ...], Any]:
    out: dict[tuple[str, ...], Any] = {}
    for key, value in pinned.items():
        path = tuple(part for part in key.replace("__", ".").split(".") if part)
        if not path:
            raise InvalidArgument(f"bad field name {key!r}")
        problem = pin_problem(path)
        if problem is not None:
            raise InvalidArgument(problem)
        out[path] = value
    return out


def cloudtrail_records(**pinned: Any) -> st.SearchStrategy[str]:
    """Realistic CloudTrail records as compact JSON strings (one CloudWatch Logs event each).

    Records vary the identity type (every type in :data:`IDENTITY_TYPES`, including the
    untyped identity of AWS-internal events), region, success or failure (``errorCode`` and
    ``errorMessage`` only on failures, ``responseElements`` then ``null``), event version
    (older records lack ``managementEvent``), request and response data and optional fields
    (``tlsDetails``, ``sessionCredentialFromConsole``, ``sharedEventID``, ``invokedBy``).

    Args:
        **pinned: field values to force.  Nested fields use ``__`` (``userIdentity__type``);
            a value may be a JSON value, a strategy (drawn), or :data:`ABSENT` to remove the
            field.  ``eventSource``, ``eventName``, ``userIdentity__type``, ``errorCode`` and
            ``awsRegion`` also choose a matching template, caller and outcome.

    Raises:
        InvalidArgument: a pin that is not a CloudTrail record field (``event_source``
            for ``eventSource``); the message names the accepted fields.

    >>> import json
    >>> from hypothesis import find
    >>> r = json.loads(find(cloudtrail_records(eventSource="kms.amazonaws.com",
    ...                                        userIdentity__type="Root"), lambda r: True))
    >>> r["eventSource"], r["userIdentity"]["type"], "errorCode" in r
    ('kms.amazonaws.com', 'Root', False)
    """
    pins = _pins(pinned)
    strategies = {p: v for p, v in pins.items() if isinstance(v, st.SearchStrategy)}
    for path, value in pins.items():
        if path not in strategies and value is not ABSENT:
            try:
                dump(_jsonify(value))
            except TypeError as err:
                raise InvalidArgument(f"{'.'.join(path)}: {err}") from None

    @st.composite
    def records(draw: Any) -> str:
        concrete = {p: (draw(strategies[p]) if p in strategies else v) for p, v in pins.items()}
        return dump(build_record(Drawn(draw), concrete))

    return records()


def _jsonify(value: Any) -> Any:
    from ._cloudtrail import jsonify as convert

    return convert(value)


def _control_pattern(control: Any) -> str:
    from .. import controls

    if isinstance(control, controls.Control):
        return control.effective_pattern
    return controls.get(control).effective_pattern


def required_events(control_id: Any) -> st.SearchStrategy[str]:
    """CloudTrail records a control requires: records its reference pattern matches (for
    CIS 4.7, every shape of KMS ``DisableKey`` and ``ScheduleKeyDeletion`` call, successful
    and failed, from every identity type).

    Args:
        control_id: a catalog id (``"cis-aws-3.0.0-4.7"``, ``"CloudWatch.7"``) or a
            :class:`cwpattern.controls.Control`.

    Raises:
        UnknownControlError: the id is not in the catalog.
    """
    return events_matching(_control_pattern(control_id), base="cloudtrail")


def required_examples(control_or_pattern: Any) -> list[str]:
    """Without hypothesis: one record per case of the reference pattern (each alternative of
    its disjunctive normal form), per identity type, successful and failed — the shapes a
    pattern must catch, as deterministic JSON strings (duplicates removed).

    >>> len(required_examples("cis-aws-3.0.0-4.7"))  # 2 event names x 10 identities x 2
    40
    """
    from .. import controls

    if isinstance(control_or_pattern, str):
        try:
            text = _control_pattern(control_or_pattern)
        except controls.UnknownControlError as unknown:
            from ..errors import PatternSyntaxError
            from ..pattern import compile

            try:
                compile(control_or_pattern)
            except PatternSyntaxError:
                raise unknown from None
            text = control_or_pattern
    elif isinstance(control_or_pattern, controls.Control):
        text = control_or_pattern.effective_pattern
    else:
        text = control_or_pattern
    tree = _tree(text)
    plan = plan_for(tree, True, "cloudtrail" if isinstance(tree, ast.JsonPattern) else "minimal")
    return plan.sweep()


def patterns(family: str | None = None) -> st.SearchStrategy[str]:
    """Valid filter patterns (canonical text), for fuzzing tools that embed cwpattern.

    Args:
        family: ``"json"``, ``"terms"``, ``"regex"``, ``"space-delimited"`` or
            ``"match-all"``; ``None`` for all.

    >>> from hypothesis import find
    >>> find(patterns("terms"), lambda p: True)
    'ERROR'
    """
    if family == "delimited":
        family = "space-delimited"
    if family is not None and family not in FAMILIES:
        raise InvalidArgument(
            f"family must be one of {', '.join(FAMILIES)} or None, not {family!r}"
        )
    from ..printer import unparse

    return trees(family).map(unparse)
