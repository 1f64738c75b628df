"""Every guarantee of cwpattern.strategies, checked by a property test.

- events_matching / events_not_matching really match / miss, by the reference evaluator,
  for generated patterns of every family; a claim that no such event exists is checked
  against an independent oracle (the analyzer, the automata, the term rules);
- the compiled matcher agrees with the reference evaluator on those events;
- the printer round-trips every generated pattern; patterns() are valid;
- the analyzer is sound: covers = yes => every event drawn from the reference matches the
  pattern; every counterexample it reports is real;
- generation is fast, rejects (almost) nothing, and shrinks to small readable events;
- cloudtrail_records pins what it is asked to, and varies what it is not;
- required_events yields what a control requires (all identity types, both outcomes);
- hypothesis stays optional.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import cwpattern
from cwpattern import _reference, analyzer, ast, controls
from cwpattern.analysis import automata
from cwpattern.printer import unparse
from cwpattern.strategies import (
    ABSENT,
    IDENTITY_TYPES,
    NoEventsError,
    cloudtrail_records,
    events_matching,
    events_not_matching,
    patterns,
    required_events,
    required_examples,
)
from cwpattern.strategies._choices import Minimal
from cwpattern.strategies._events import plan_for
from cwpattern.strategies._patterns import trees
from cwpattern.values import wildcard_shape

FAST = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
CIS_47 = controls.get("cis-aws-3.0.0-4.7").pattern
REFERENCES = sorted({c.effective_pattern for c in controls.all_controls()})


def _base_for(tree: ast.Pattern, want: str) -> str:
    return "minimal" if isinstance(tree, ast.DelimitedPattern) else want


# --------------------------------------------------------------------------- oracles


def _terms_possible(tree: ast.TermPattern, matching: bool) -> bool:
    required = [t.text for t in tree.terms if t.kind is ast.TermKind.REQUIRED]
    excluded = [t.text for t in tree.terms if t.kind is ast.TermKind.EXCLUDED]
    if not matching:
        return True
    return not any(x in r for x in excluded for r in required)


def _regex_possible(regex: ast.Regex, matching: bool) -> bool:
    """Exact, by the analyzer's automata: is there a (non-empty, when missing) message?"""
    spec = automata.Spec.regex(regex)
    if matching:
        return automata.find([(spec, True)]) is not None
    return automata.find([(spec, False), (automata.Spec("exact", ""), False)]) is not None


def _no_events_is_justified(tree: ast.Pattern, matching: bool) -> bool | None:
    """Whether an independent oracle confirms that no such event exists (``None``: the
    oracle cannot tell)."""
    if isinstance(tree, ast.MatchAll):
        return not matching
    if isinstance(tree, ast.TermPattern):
        return not _terms_possible(tree, matching)
    if isinstance(tree, ast.RegexPattern):
        return not _regex_possible(tree.regex, matching)
    if isinstance(tree, ast.JsonPattern):
        # a JSON pattern always misses non-JSON messages
        return matching and analyzer.is_satisfiable(tree) is not True
    assert isinstance(tree, ast.DelimitedPattern)
    if not matching:
        return not tree.entries
    verdicts = [
        _field_possible(e.condition)
        for e in tree.entries
        if isinstance(e, ast.Field) and e.condition is not None
    ]
    if False in verdicts:
        return True
    return None if None in verdicts else False


def _field_cases(expr: ast.FieldExpr) -> list[list[ast.FieldComparison]]:
    if isinstance(expr, ast.FieldComparison):
        return [[expr]]
    parts = [_field_cases(o) for o in expr.operands]
    if isinstance(expr, ast.FieldOr):
        return [c for part in parts for c in part]
    acc: list[list[ast.FieldComparison]] = [[]]
    for part in parts:
        acc = [a + b for a in acc for b in part]
    return acc


def _field_possible(expr: ast.FieldExpr) -> bool | None:
    verdicts = [_field_case_possible(case) for case in _field_cases(expr)]
    if True in verdicts:
        return True
    return None if None in verdicts else False


def _field_passes(cond: ast.FieldComparison, value: str) -> bool | None:
    """The real matcher's verdict on one field value (a one-entry pattern, a quoted field)."""
    token = f'"{value}"' if '"' not in value else f"[{value}]" if "]" not in value else None
    if token is None:
        return None
    entry = unparse(ast.DelimitedPattern((ast.Field("f", cond),)))
    return cwpattern.compile(entry).matches(token)


def _numbers_possible(conds: list[ast.FieldComparison]) -> bool:
    lo, lo_open, hi, hi_open = -math.inf, False, math.inf, False
    equal: list[float] = []
    for c in conds:
        n = float(c.value.text)
        if c.op is ast.Op.EQ:
            equal.append(n)
        elif c.op in (ast.Op.GT, ast.Op.GE):
            if n > lo or (n == lo and c.op is ast.Op.GT):
                lo, lo_open = n, c.op is ast.Op.GT
        elif n < hi or (n == hi and c.op is ast.Op.LT):
            hi, hi_open = n, c.op is ast.Op.LT

    def inside(x: float) -> bool:
        return (lo < x or (x == lo and not lo_open)) and (x < hi or (x == hi and not hi_open))

    if equal:
        return len(set(equal)) == 1 and inside(equal[0])
    return lo < hi or (lo == hi and not lo_open and not hi_open and not math.isinf(lo))


def _field_case_possible(case: list[ast.FieldComparison]) -> bool | None:
    exact = [
        c.value.text
        for c in case
        if c.op is ast.Op.EQ
        and isinstance(c.value, ast.StringValue)
        and wildcard_shape(c.value.text)[0] == "exact"
    ]
    if exact:
        verdicts = [_field_passes(c, exact[0]) for c in case]
        return None if None in verdicts else all(verdicts)
    numeric = [
        c
        for c in case
        if c.op.is_ordering or (c.op is ast.Op.EQ and isinstance(c.value, ast.NumberValue))
    ]
    text = [c for c in case if c not in numeric]
    if numeric:
        if not _numbers_possible(numeric):
            return False
        return True if not text else None
    parts = []
    for c in text:
        if isinstance(c.value, ast.NumberValue):
            return None
        if isinstance(c.value, ast.RegexValue):
            spec = automata.Spec.regex(c.value.regex)
        else:
            shape, core = wildcard_shape(c.value.text)
            spec = automata.Spec.literal(
                core,
                lead=shape in ("suffix", "contains", "any"),
                trail=shape in ("prefix", "contains", "any"),
            )
        parts.append((spec, c.op is ast.Op.EQ))
    return automata.find(parts) is not None


# --------------------------------------------------------------------------- guarantees


@settings(FAST, max_examples=400)
@given(trees(), st.booleans(), st.sampled_from(["minimal", "cloudtrail"]), st.data())
def test_generated_events_have_the_promised_outcome(
    tree: ast.Pattern, matching: bool, base: str, data: st.DataObject
) -> None:
    base = _base_for(tree, base)
    try:
        plan_for(tree, matching, base)
    except NoEventsError:
        if base == "cloudtrail" and not isinstance(tree, ast.JsonPattern):
            return  # e.g. an anchored regex cannot match inside a JSON record
        assert _no_events_is_justified(tree, matching) is not False, unparse(tree)
        return
    strategy = (events_matching if matching else events_not_matching)(tree, base=base)
    compiled = cwpattern.compile(unparse(tree))
    for _ in range(3):
        message = data.draw(strategy)
        assert _reference.matches(tree, message) is matching, (unparse(tree), message)
        assert compiled.matches(message) is _reference.matches(tree, message)
        if base == "cloudtrail":
            assert isinstance(json.loads(message), dict)


@settings(FAST, max_examples=150)
@given(trees("json"), st.data())
def test_json_events_exist_whenever_the_analyzer_finds_some(
    tree: ast.JsonPattern, data: st.DataObject
) -> None:
    if analyzer.is_satisfiable(tree, budget=3000) is not True:
        return
    event = data.draw(events_matching(tree, base="minimal"))
    assert _reference.matches(tree, event)


_SATISFIABLE_FIELD = st.one_of(
    st.builds(
        ast.FieldComparison,
        st.sampled_from([ast.Op.EQ, ast.Op.NE]),
        st.sampled_from(["a", "Disable*", "*x*", "", 'q"r', "a b"]).map(ast.StringValue),
    ),
    st.builds(
        ast.FieldComparison,
        st.sampled_from([ast.Op.LT, ast.Op.GE, ast.Op.EQ]),
        st.sampled_from(["5", "-1.5", "1e3"]).map(ast.NumberValue),
    ),
)


@settings(FAST, max_examples=200)
@given(
    st.lists(
        st.one_of(
            st.none(),
            _SATISFIABLE_FIELD,
            st.lists(_SATISFIABLE_FIELD, min_size=2, max_size=3).map(
                lambda xs: ast.FieldOr(tuple(xs))
            ),
        ),
        min_size=1,
        max_size=5,
    ),
    st.one_of(st.none(), st.integers(0, 5)),
    st.data(),
)
def test_delimited_events_for_satisfiable_fields(
    conditions: list[Any], ellipsis: int | None, data: st.DataObject
) -> None:
    entries: list[ast.Entry] = [ast.Field(f"f{i}", c) for i, c in enumerate(conditions)]
    if ellipsis is not None:
        entries.insert(min(ellipsis, len(entries)), ast.EllipsisEntry())
    tree = ast.DelimitedPattern(tuple(entries))
    for matching in (True, False):
        if not matching and all(c is None for c in conditions) and len(entries) == 1:
            continue
        message = data.draw((events_matching if matching else events_not_matching)(tree))
        assert _reference.matches(tree, message) is matching, (unparse(tree), message)


@settings(FAST, max_examples=500)
@given(trees())
def test_printer_round_trip(tree: ast.Pattern) -> None:
    text = unparse(tree)
    assert cwpattern.parse(text) == tree
    assert unparse(cwpattern.parse(text)) == text


@settings(FAST, max_examples=300)
@given(st.sampled_from([None, "json", "terms", "regex", "space-delimited", "match-all"]), st.data())
def test_patterns_are_valid_and_of_the_family(family: str | None, data: st.DataObject) -> None:
    text = data.draw(patterns(family))
    compiled = cwpattern.compile(text)
    assert str(compiled) == text
    if family is not None:
        assert compiled.family == family


def test_patterns_rejects_unknown_family() -> None:
    with pytest.raises(InvalidArgument):
        patterns("xml")
    assert (
        cwpattern.compile(find(patterns("delimited"), lambda p: True)).family == "space-delimited"
    )


# --------------------------------------------------------------------------- analyzer


def _mutants(tree: ast.JsonPattern) -> st.SearchStrategy[ast.JsonPattern]:
    """Patterns near a reference: an alternative dropped, a condition added, a value turned
    into a prefix wildcard, or the reference itself."""
    expr = tree.expr

    def drop(k: int) -> ast.JsonPattern:
        if isinstance(expr, ast.And):
            ops = list(expr.operands)
            inner = ops[-1]
            if isinstance(inner, ast.Or) and len(inner.operands) > 2:
                ops[-1] = ast.Or(
                    tuple(o for i, o in enumerate(inner.operands) if i != k % len(inner.operands))
                )
            return ast.JsonPattern(ast.And(tuple(ops)))
        if isinstance(expr, ast.Or) and len(expr.operands) > 2:
            return ast.JsonPattern(
                ast.Or(tuple(o for i, o in enumerate(expr.operands) if i != k % len(expr.operands)))
            )
        return tree

    def add(extra: Any) -> ast.JsonPattern:
        ops = expr.operands if isinstance(expr, ast.And) else (expr,)
        return ast.JsonPattern(ast.And((*ops, extra)))

    def widen(prefix: str) -> ast.JsonPattern:
        return ast.JsonPattern(
            ast.Or(
                (
                    expr,
                    ast.Comparison(
                        ast.Selector((ast.Member("eventName"),)), ast.Op.EQ, ast.StringValue(prefix)
                    ),
                )
            )
        )

    extras = st.sampled_from(
        [
            ast.Predicate(ast.Selector((ast.Member("errorCode"),)), ast.PredicateKind.NOT_EXISTS),
            ast.Comparison(
                ast.Selector((ast.Member("userIdentity"), ast.Member("type"))),
                ast.Op.NE,
                ast.StringValue("AWSService"),
            ),
            ast.Comparison(
                ast.Selector((ast.Member("awsRegion"),)), ast.Op.EQ, ast.StringValue("us-*")
            ),
        ]
    )
    return st.one_of(
        st.just(tree),
        st.integers(0, 20).map(drop),
        extras.map(add),
        st.sampled_from(["Disable*", "Delete*", "Put*"]).map(widen),
    )


@settings(FAST, max_examples=80)
@given(st.sampled_from(REFERENCES), st.data())
def test_analyzer_is_sound_against_generated_events(reference: str, data: st.DataObject) -> None:
    ref = cwpattern.compile(reference).ast
    assert isinstance(ref, ast.JsonPattern)
    pattern = data.draw(_mutants(ref))
    coverage = analyzer.covers(pattern, ref)
    if coverage.verdict == "yes":
        for _ in range(5):
            event = data.draw(events_matching(ref))
            assert _reference.matches(pattern, event), (unparse(pattern), event)
    elif coverage.verdict == "no":
        assert coverage.counterexample is not None
        assert _reference.matches(ref, coverage.counterexample)
        assert not _reference.matches(pattern, coverage.counterexample)


# --------------------------------------------------------------------------- speed, rejection


SELECTIVE = [
    CIS_47,
    (
        "{ $.requestParameters.pendingWindowInDays >= 7 && $.requestParameters.pendingWindowInDays "
        '< 8 && $.userIdentity.sessionContext.attributes.mfaAuthenticated = "true" }'
    ),
    r"%^ERROR [A-Z]{3}-\d{4}: disk /dev/sd[a-z]\d full$%",
    "[ip, user, ..., status = 5*, bytes > 1000]",
]


@pytest.mark.parametrize("pattern", SELECTIVE)
def test_a_thousand_examples_of_a_selective_pattern_in_seconds(pattern: str) -> None:
    compiled = cwpattern.compile(pattern)
    seen: list[str] = []

    @settings(
        max_examples=1000,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(events_matching(pattern))
    def run(event: str) -> None:
        seen.append(event)

    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    assert len(seen) >= 900  # hypothesis may stop early when it has seen everything
    assert all(compiled.matches(e) for e in seen)
    assert len(set(seen)) > len(seen) // 2  # varied, not one event repeated
    assert elapsed < 15, f"{elapsed:.1f}s for {len(seen)} examples"


def test_construction_rejects_nothing_on_the_catalog() -> None:
    """Every reference of the catalog, matched and missed: the strategy is a construction,
    not a filter; fallbacks to the simplest construction are rare and rejections absent."""
    stats: Counter[str] = Counter()
    for reference in REFERENCES:
        tree = cwpattern.compile(reference).ast
        for matching in (True, False):
            plan = plan_for(tree, matching, "cloudtrail")
            before = Counter(plan.stats)

            @settings(
                max_examples=60,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given((events_matching if matching else events_not_matching)(tree))
            def run(event: str) -> None:
                pass

            run()
            stats.update(Counter(plan.stats) - before)
    assert stats["built"] >= 60 * len(REFERENCES)
    assert stats["rejected"] == 0, stats
    assert stats["fallback"] <= stats["built"] // 100, stats


# --------------------------------------------------------------------------- shrinking


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (
            events_matching('{ $.eventName = "Disable*" }', base="minimal"),
            '{"eventName":"DisableKey"}',
        ),
        (
            events_matching(CIS_47, base="minimal"),
            '{"eventSource":"kms.amazonaws.com","eventName":"DisableKey"}',
        ),
        (events_matching(r"%^WARN\s\d+%"), "WARN 0"),
        (events_matching("ERROR -DEBUG"), "ERROR"),
        (events_matching("[ip, ..., status = 5*, bytes > 1000]"), "192.0.2.10 503 1001"),
        (
            events_matching("{ $.latency > 250 && $.latency <= 260.5 }", base="minimal"),
            '{"latency":251}',
        ),
        (events_not_matching(r"%^WARN\s\d+%"), "a"),
    ],
)
def test_simplest_example(strategy: Any, expected: str) -> None:
    assert find(strategy, lambda e: True, settings=FAST) == expected


def test_a_failing_user_test_reports_a_small_meaningful_counterexample() -> None:
    """Hypothesis shrinks a failure to the simplest record of the case the user missed:
    a successful ScheduleKeyDeletion by an IAM user, every other detail at its simplest."""
    mine = cwpattern.compile(
        '{ $.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey" }'
    )

    @settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(events_matching(CIS_47))
    def test_mine(event: str) -> None:
        assert mine.matches(event), event

    with pytest.raises(AssertionError) as info:
        test_mine()
    shrunk = str(info.value).splitlines()[0]
    doc = json.loads(shrunk)
    assert (doc["eventSource"], doc["eventName"]) == ("kms.amazonaws.com", "ScheduleKeyDeletion")
    assert doc["userIdentity"]["type"] == "IAMUser" and "errorCode" not in doc
    plan = plan_for(cwpattern.parse(CIS_47), True, "cloudtrail")
    assert plan.cases is not None
    assert shrunk == plan.build(_only_case(1))


class _only_case(Minimal):
    """The simplest choices, except the first one (the reference case)."""

    def __init__(self, case: int) -> None:
        self.first: int | None = case

    def between(self, lo: int, hi: int) -> int:
        if self.first is not None:
            value, self.first = self.first, None
            return value
        return lo


def test_near_misses_keep_the_other_conditions() -> None:
    found = find(
        events_not_matching(CIS_47, base="minimal"),
        lambda e: "eventSource" in e and "eventName" in e,
        settings=FAST,
    )
    doc = json.loads(found)
    assert doc["eventSource"] != "kms.amazonaws.com" or doc["eventName"] not in (
        "DisableKey",
        "ScheduleKeyDeletion",
    )
    assert (
        find(events_not_matching("ERROR -DEBUG"), lambda e: "DEBUG" in e, settings=FAST)
        == "ERROR DEBUG"
    )
    near = find(events_not_matching(r"%^WARN\s\d+%"), lambda e: e.startswith("WARN"), settings=FAST)
    assert not cwpattern.matches(r"%^WARN\s\d+%", near) and len(near) <= 6


def test_impossible_requests_fail_clearly() -> None:
    proven = [
        events_matching("{ $.a = 1 && $.a = 2 }"),
        events_not_matching(""),
        events_not_matching("[]"),
        events_matching("a -a"),
        events_matching("%a^b%"),
        events_not_matching("%x*%"),
    ]
    for strategy in proven:
        with pytest.raises(NoEventsError, match="^no (message|CloudTrail record) "):
            find(strategy, lambda e: True, settings=FAST)
    with pytest.raises(NoEventsError, match="could not construct a CloudTrail record"):
        find(events_matching("%^ERROR%", base="cloudtrail"), lambda e: True, settings=FAST)
    with pytest.raises(InvalidArgument):
        events_matching("[a, b]", base="cloudtrail")
    with pytest.raises(InvalidArgument):
        events_matching("{ $.a = 1 }", base="json")
    with pytest.raises(InvalidArgument):
        events_matching(42)


def test_a_tautological_json_pattern_is_missed_by_non_json_messages() -> None:
    pattern = (
        "{ $.a NOT EXISTS || $.a = * || $.a IS NULL || $.a IS TRUE || $.a IS FALSE || "
        "$.a.b NOT EXISTS }"
    )
    assert analyzer.is_satisfiable(pattern)
    message = find(events_not_matching(pattern), lambda e: True, settings=FAST)
    assert not cwpattern.compile(pattern).matches(message)


# --------------------------------------------------------------------------- CloudTrail records


@settings(FAST, max_examples=200)
@given(cloudtrail_records())
def test_records_are_cloudtrail_shaped(record: str) -> None:
    doc = json.loads(record)
    for key in (
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "requestParameters",
        "responseElements",
        "eventID",
        "eventType",
        "recipientAccountId",
    ):
        assert key in doc, key
    assert doc["eventSource"].endswith(".amazonaws.com")
    if "errorCode" in doc:
        assert doc["responseElements"] is None
    assert record == json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def test_records_vary_what_is_not_pinned() -> None:
    def has(pred: Any) -> str:
        return find(
            cloudtrail_records(),
            lambda r: pred(json.loads(r)),
            settings=settings(FAST, max_examples=2000),
        )

    for kind in IDENTITY_TYPES:
        has(lambda d, k=kind: d["userIdentity"].get("type") == k)
    has(lambda d: "errorCode" in d)
    has(lambda d: d["responseElements"] is None and "errorCode" not in d)
    has(lambda d: "tlsDetails" in d)
    has(lambda d: "managementEvent" not in d)
    has(lambda d: d["awsRegion"] != "us-east-1")
    has(lambda d: "invokedBy" in d["userIdentity"] and d["userIdentity"].get("type") == "Root")


@settings(FAST, max_examples=100)
@given(
    cloudtrail_records(
        eventSource="kms.amazonaws.com",
        eventName="ScheduleKeyDeletion",
        userIdentity__type=st.sampled_from(["Root", "AssumedRole"]),
        **{"additionalEventData.note": "x", "recipientAccountId": ABSENT},
    )
)
def test_records_honour_pins(record: str) -> None:
    doc = json.loads(record)
    assert doc["eventSource"] == "kms.amazonaws.com"
    assert doc["eventName"] == "ScheduleKeyDeletion"
    assert doc["userIdentity"]["type"] in ("Root", "AssumedRole")
    assert doc["additionalEventData"]["note"] == "x"
    assert "recipientAccountId" not in doc
    assert "pendingWindowInDays" in doc["requestParameters"]  # the real template


def test_unknown_record_pins_are_errors_naming_the_accepted_ones() -> None:
    """Issue 9 item 11: ``event_source=`` used to add a key named ``event_source``."""
    with pytest.raises(InvalidArgument, match=r"event_source.*did you mean 'eventSource'") as e:
        cloudtrail_records(event_source="kms.amazonaws.com")
    assert "accepted: " in str(e.value) and "eventName" in str(e.value)
    with pytest.raises(InvalidArgument, match="userIdentity__type"):
        cloudtrail_records(userIdentity__kind="Root")
    with pytest.raises(InvalidArgument, match="no fields below"):
        cloudtrail_records(eventName__x="y")
    # free-form objects take any nested pin
    cloudtrail_records(requestParameters__keyId="k", userIdentity__sessionContext__x=1)


def test_record_pins_are_validated() -> None:
    with pytest.raises(InvalidArgument):
        cloudtrail_records(eventName=object())
    with pytest.raises(InvalidArgument):
        cloudtrail_records(**{"": "x"})
    failed = json.loads(
        find(cloudtrail_records(errorCode="AccessDenied"), lambda r: True, settings=FAST)
    )
    assert failed["errorCode"] == "AccessDenied" and "errorMessage" in failed


# --------------------------------------------------------------------------- required events


@settings(FAST, max_examples=60)
@given(st.sampled_from(sorted({c.id for c in controls.all_controls()})), st.data())
def test_required_events_match_the_control(control_id: str, data: st.DataObject) -> None:
    reference = controls.get(control_id).effective_pattern
    event = data.draw(required_events(control_id))
    assert _reference.matches(cwpattern.parse(reference), event)


def test_required_events_cover_every_identity_and_outcome() -> None:
    seen = set()
    for event in required_examples("cis-aws-3.0.0-4.7"):
        doc = json.loads(event)
        assert cwpattern.matches(CIS_47, event)
        seen.add((doc["eventName"], doc["userIdentity"].get("type"), "errorCode" in doc))
    assert seen == {
        (name, kind, failed)
        for name in ("DisableKey", "ScheduleKeyDeletion")
        for kind in IDENTITY_TYPES
        for failed in (False, True)
    }
    for kind in IDENTITY_TYPES:
        find(
            required_events("cis-aws-3.0.0-4.7"),
            lambda e, k=kind: (
                json.loads(e)["userIdentity"].get("type") == k and "errorCode" in json.loads(e)
            ),
            settings=settings(FAST, max_examples=2000),
        )


def test_required_examples_for_every_control() -> None:
    for control in controls.all_controls():
        reference = cwpattern.compile(control.effective_pattern)
        examples = required_examples(control)
        assert examples, control.id
        assert all(reference.matches(e) for e in examples), control.id
    with pytest.raises(controls.UnknownControlError):
        required_events("cis-aws-3.0.0-4.77")


# --------------------------------------------------------------------------- optional extra


def test_hypothesis_is_optional() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'hypothesis' or name.startswith('hypothesis.'):\n"
        "            raise ImportError('blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import cwpattern, cwpattern.testing\n"
        "assert cwpattern.compile('{ $.a = 1 }').matches('{\"a\": 1}')\n"
        "cwpattern.testing.assert_covers('{ $.eventName = DisableKey || "
        "$.eventName = ScheduleKeyDeletion }', 'cis-aws-3.0.0-4.7')\n"
        "try:\n"
        "    import cwpattern.strategies\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'cwpattern[hypothesis]'" in out.stdout
