"""The semantic analyzer (cwpattern.analyzer): exact coverage and relations, with
counterexamples re-checked by the matcher.

Ground truth is always the matcher (``cwpattern.compile(...).matches``): every event the
analyzer reports is re-checked here, and the property tests draw random events to try to
falsify every "yes" / relation the analyzer proves.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cwpattern
from cwpattern import ast, controls
from cwpattern.analysis import core
from cwpattern.analysis.records import serialize
from cwpattern.analyzer import (
    Coverage,
    covers,
    equivalent,
    is_satisfiable,
    is_strict,
    relation,
    strict_mode,
    warnings,
)
from cwpattern.jsondoc import JsonNumber, decode
from cwpattern.printer import unparse

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "corpus"
KMS_DOC = ROOT / "tests" / "data" / "cloudtrail" / "kms_doc_examples.jsonl"
HAVE_REGEX = importlib.util.find_spec("cwpattern.regex") is not None
needs_regex = pytest.mark.skipif(not HAVE_REGEX, reason="the regex module is not built yet")

REF_47 = controls.get("cis-aws-3.0.0-4.7").effective_pattern


@pytest.fixture(autouse=True)
def strict() -> Iterator[None]:
    """A reported event that fails the matcher's re-check is an analyzer bug: raise."""
    with strict_mode():
        yield


def match(pattern: str | ast.Pattern, message: str) -> bool:
    text = pattern if isinstance(pattern, str) else unparse(pattern)
    return cwpattern.compile(text).matches(message)


def check_counterexample(result: Coverage, pattern: Any, reference: Any) -> None:
    """A counterexample matches the reference and no pattern of the set."""
    assert result.counterexample is not None
    pats = pattern if isinstance(pattern, list) else [pattern]
    refs = reference if isinstance(reference, list) else [reference]
    assert any(match(r, result.counterexample) for r in refs)
    assert not any(match(p, result.counterexample) for p in pats)
    for case in result.cases:
        if case.covered is False:
            assert case.counterexample is not None
            assert any(match(r, case.counterexample) for r in refs)
            assert not any(match(p, case.counterexample) for p in pats)


def kms_doc_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in KMS_DOC.read_text("utf-8").splitlines()[:5]]


# --------------------------------------------------------------------------- CIS 4.7


EQUIVALENT_47 = [
    (
        '{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = "DisableKey") || '
        '($.eventName = "ScheduleKeyDeletion")) }'
    ),
    (
        "{ (($.eventName = ScheduleKeyDeletion) || ($.eventName = DisableKey)) && "
        "($.eventSource = kms.amazonaws.com) }"
    ),
    (
        "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey || "
        "$.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }"
    ),
    "{$.eventSource=kms.amazonaws.com&&($.eventName=DisableKey||$.eventName=ScheduleKeyDeletion)}",
]


@pytest.mark.parametrize("pattern", EQUIVALENT_47)
def test_cis_47_equivalent_forms(pattern: str) -> None:
    result = covers(pattern, REF_47)
    assert result.verdict == "yes" and bool(result)
    assert [c.case for c in result.cases] == [
        '$.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey"',
        '$.eventSource = "kms.amazonaws.com" && $.eventName = "ScheduleKeyDeletion"',
    ]
    assert all(c.covered is True for c in result.cases)
    assert relation(pattern, REF_47).kind == "equivalent"
    assert equivalent(pattern, REF_47) is True


def test_prefix_wildcard_is_broader_because_of_disable_key_rotation() -> None:
    pattern = (
        "{ $.eventSource = kms.amazonaws.com && "
        "($.eventName = DisableKey* || $.eventName = ScheduleKeyDeletion) }"
    )
    assert covers(pattern, REF_47).verdict == "yes"
    rel = relation(pattern, REF_47)
    assert rel.kind == "broader"
    assert rel.example is not None and match(pattern, rel.example)
    assert not match(REF_47, rel.example)
    # the example is the real DisableKeyRotation record, unchanged
    assert decode(rel.example)["eventName"] == "DisableKeyRotation"


def test_and_between_event_names_never_matches() -> None:
    pattern = (
        "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey && "
        "$.eventName = ScheduleKeyDeletion }"
    )
    result = covers(pattern, REF_47)
    assert result.verdict == "no"
    assert [c.covered for c in result.cases] == [False, False]
    check_counterexample(result, pattern, REF_47)
    assert relation(pattern, REF_47).kind == "never"
    assert is_satisfiable(pattern) is False
    assert "never-matches" in {w.code for w in warnings(pattern)}


def test_error_code_exclusion_trap_is_narrower() -> None:
    """`!= "AccessDenied"` is false when errorCode is absent: successful calls are missed."""
    pattern = (
        "{ $.eventSource = kms.amazonaws.com && ($.eventName = DisableKey || "
        '$.eventName = ScheduleKeyDeletion) && $.errorCode != "AccessDenied" }'
    )
    result = covers(pattern, REF_47)
    assert result.verdict == "no"
    check_counterexample(result, pattern, REF_47)
    assert "errorCode" not in decode(result.counterexample)  # a successful call
    assert "is absent" in result.reason
    assert relation(pattern, REF_47).kind == "narrower"


def test_counterexample_is_a_real_record_adjusted_minimally() -> None:
    pattern = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"
    result = covers(pattern, REF_47)
    assert result.verdict == "no"
    assert [c.covered for c in result.cases] == [True, False]
    check_counterexample(result, pattern, REF_47)
    # the missed case is ScheduleKeyDeletion, and the event is one of AWS's own records
    doc = json.loads(result.counterexample)
    assert doc in [r for r in kms_doc_records() if r["eventName"] == "ScheduleKeyDeletion"]
    assert result.counterexample == json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def test_user_agent_exclusion_is_broken_by_the_attacker() -> None:
    pattern = (
        "{ $.eventSource = kms.amazonaws.com && ($.eventName = DisableKey || "
        '$.eventName = ScheduleKeyDeletion) && $.userAgent != "console.amazonaws.com" }'
    )
    result = covers(pattern, REF_47)
    assert result.verdict == "no"
    check_counterexample(result, pattern, REF_47)
    doc = decode(result.counterexample)
    assert doc["userAgent"] == "console.amazonaws.com"
    # everything else is the real record
    base = next(r for r in kms_doc_records() if r["eventName"] == doc["eventName"])
    assert {k: v for k, v in json.loads(result.counterexample).items() if k != "userAgent"} == {
        k: v for k, v in base.items() if k != "userAgent"
    }
    codes = {w.code for w in warnings(pattern, reference=REF_47)}
    assert "attacker-controlled-exclusion" in codes


@pytest.mark.parametrize(
    "pattern, verdict, kind",
    [
        ('"kms.amazonaws.com"', "yes", "broader"),
        ("DisableKey", "no", "overlap"),
        ("?DisableKey ?ScheduleKeyDeletion", "yes", "broader"),
        ("DisableKey ScheduleKeyDeletion", "no", "overlap"),
        ('"\\"eventName\\":\\"DisableKey\\""', "no", "overlap"),
        ('"kms.amazonaws.com" -Console', "no", "overlap"),
        ('"\\"eventSource\\":\\"kms.amazonaws.com\\"" ?x', "yes", "broader"),
        ("[]", "yes", "broader"),
        ("", "yes", "broader"),
        ("[a, b]", "no", "overlap"),
    ],
)
def test_text_patterns_against_json_events(pattern: str, verdict: str, kind: str) -> None:
    result = covers(pattern, REF_47)
    assert result.verdict == verdict, result.reason
    if verdict == "no":
        check_counterexample(result, pattern, REF_47)
    rel = relation(pattern, REF_47)
    assert rel.kind == kind, rel.reason
    if rel.example is not None:
        assert match(pattern, rel.example) and not match(REF_47, rel.example)


def test_excluded_term_is_injected_into_the_user_agent() -> None:
    result = covers('"kms.amazonaws.com" -Console', REF_47)
    assert result.verdict == "no"
    assert "Console" in decode(result.counterexample)["userAgent"]


def test_term_needs_the_pinned_text_not_a_lookalike() -> None:
    """`"eventName":"DisableKey"` is guaranteed for the DisableKey case (compact JSON)."""
    result = covers('"\\"eventName\\":\\"DisableKey\\""', REF_47)
    assert [c.covered for c in result.cases] == [True, False]


# --------------------------------------------------------------------------- sets of patterns


def test_two_filters_on_one_metric_cover_together() -> None:
    a = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"
    b = "{ $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }"
    assert covers(a, REF_47).verdict == "no"
    assert covers([a, b], REF_47).verdict == "yes"
    assert relation([a, b], REF_47).kind == "equivalent"
    assert equivalent([b, a], REF_47) is True


def test_mixed_set_json_and_terms() -> None:
    a = "{ $.eventName = DisableKey }"
    assert covers([a, "ScheduleKeyDeletion"], REF_47).verdict == "yes"
    result = covers([a, "ScheduleKey -Console"], REF_47)
    assert result.verdict == "no"
    check_counterexample(result, [a, "ScheduleKey -Console"], REF_47)


def test_reference_sets_and_trees_and_compiled_patterns() -> None:
    refs = ["{ $.eventName = DisableKey }", "{ $.eventName = ScheduleKeyDeletion }"]
    tree = cwpattern.parse("{ $.eventName = DisableKey || $.eventName = ScheduleKeyDeletion }")
    assert covers(tree, refs).verdict == "yes"
    assert covers(cwpattern.compile(unparse(tree)), refs).verdict == "yes"
    assert relation(refs, tree).kind == "equivalent"
    with pytest.raises(TypeError):
        covers(42, refs)  # type: ignore[arg-type]
    with pytest.raises(cwpattern.PatternSyntaxError):
        covers("{ $.a == 1 }", refs)


# --------------------------------------------------------------------------- atoms


def sat(text: str) -> bool | None:
    return is_satisfiable(text)


@pytest.mark.parametrize(
    "pattern, expected",
    [
        # comparisons on one field
        ('{ $.a = "x" && $.a = "y" }', False),
        ('{ $.a = x* && $.a = *y && $.a != "xy" }', True),  # e.g. "xay"
        ('{ $.a = x* && $.a = *y && $.a = "x" }', False),
        ("{ $.a = *mid* && $.a != *mid }", True),
        ("{ $.a = * && $.a NOT EXISTS }", False),
        ("{ $.a != * }", False),
        ("{ $.a != x && $.a IS NULL }", False),  # != needs a string/number
        # numbers: value versus text
        ("{ $.a = 7 && $.a != 7 }", False),
        ('{ $.a = 7 && $.a = "7.0" }', True),  # the number 7.0
        ('{ $.a = 7 && $.a = "7" }', True),
        ('{ $.a = 7 && $.a = "7e0" && $.a = "7.0" }', False),
        ("{ $.a > 5 && $.a < 6 }", True),
        ("{ $.a > 5 && $.a < 5 }", False),
        ("{ $.a >= 5 && $.a <= 5 && $.a != 5 }", False),
        ("{ $.a = 5* && $.a > 600 }", True),
        ('{ $.a > 1 && $.a = "x" }', False),  # ordering needs a number
        ("{ $.a < 0 && $.a = -* }", True),
        ("{ $.a < 0 && $.a = 0* }", False),
        # booleans, null, existence
        ("{ $.a IS TRUE && $.a IS FALSE }", False),
        ("{ $.a IS TRUE && $.a = true }", False),  # `= true` is the string
        ("{ $.a IS NULL && $.a NOT EXISTS }", False),
        ("{ $.a IS NULL && $.a = * }", False),
    ],
)
def test_atoms(pattern: str, expected: bool) -> None:
    assert sat(pattern) is expected


@pytest.mark.parametrize(
    "pattern, expected",
    [
        # structure: a path forces its ancestors
        ("{ $.a.b = 1 && $.a NOT EXISTS }", False),
        ('{ $.a = "x" && $.a.b = 1 }', False),
        ("{ $.a.b = 1 && $.a[0] = 1 }", False),  # object and array at once
        ("{ $.a[1] = 1 && $.a[0] NOT EXISTS }", False),  # arrays have no holes
        ("{ $.a[1] NOT EXISTS && $.a[0] = 1 }", True),
        ("{ $.a IS NULL && $.a[0] = 1 }", True),  # [1, null]
        ("{ $.a IS NULL && $.a[0] = 1 && $.a[1] NOT EXISTS }", False),
        ("{ $.a IS NULL && $.a[0] = 1 && $.a[2] NOT EXISTS && $.a[1] = * }", False),
        ("{ $.a[0] IS NULL && $.a[0] NOT EXISTS }", False),
        # wildcards: existential, independent elements, universal NOT EXISTS
        ("{ $.a[*] = 1 && $.a[*] != 1 }", True),
        ('{ $.a[*] = "x" && $.a[*] = "y" && $.a[1] NOT EXISTS }', True),  # an object {p:x, q:y}
        ('{ $.a[0] = * && $.a[*] = "x" && $.a[*] = "y" && $.a[1] NOT EXISTS }', False),
        ('{ $.a[0] = * && $.a[*] = "x" && $.a[*] = x* && $.a[1] NOT EXISTS }', True),  # shared
        ("{ $.a[*] NOT EXISTS && $.a[0] = 1 }", False),
        ("{ $.a[*] NOT EXISTS && $.a.b = 1 }", False),
        ("{ $.a[*] NOT EXISTS && $.a IS NULL }", True),  # a may be null
        ("{ $.a.* = 1 && $.a.b NOT EXISTS }", True),
        ("{ $.a.* = 1 && $.a NOT EXISTS }", False),
        ("{ $.a.*.b = 1 && $.a.x.b != 1 && $.a.y NOT EXISTS }", True),
        ("{ $.a[*].b NOT EXISTS && $.a[0].b = 1 }", False),
        ('{ $.* = "x" && $.a = "y" }', True),
        ("{ $.a.* IS NULL && $.a.* NOT EXISTS }", False),
    ],
)
def test_structure(pattern: str, expected: bool) -> None:
    assert sat(pattern) is expected


def test_satisfiable_patterns_have_matching_examples() -> None:
    for pattern in [
        "{ $.a IS NULL && $.a[0] = 1 }",
        ('{ $.a[0] = * && $.a[*] = "x" && $.a[*] = x* && $.a[1] NOT EXISTS }'),
        "{ $.a = 5* && $.a > 600 }",
        '{ $.a = 7 && $.a = "7.0" }',
        "{ $.a.*.b = 1 && $.a.x.b != 1 }",
    ]:
        rel = relation(pattern, "{ $.a NOT EXISTS }")
        assert rel.kind == "disjoint", pattern
        assert rel.example is not None and match(pattern, rel.example)


@needs_regex
@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("{ $.a = %^ab$% && $.a != ab }", False),
        ("{ $.a = %^a+$% && $.a = *b }", False),
        ("{ $.a = %\\d% && $.a > 5 }", True),
        ("{ $.a = %^[0-9]+$% && $.a < 0 }", False),
        ("{ $.a = %^a.b$% && $.a != %^a[^x]b$% }", True),
    ],
)
def test_regex_atoms(pattern: str, expected: bool) -> None:
    assert sat(pattern) is expected


# --------------------------------------------------------------------------- other answers


def test_unknown_when_the_budget_is_exhausted() -> None:
    """A 13-clause CNF has 8192 DNF cases (more than the 256 the analyzer enumerates): the
    reference is searched as a whole, and proving it covers itself takes real search."""
    cnf = "{ " + " && ".join(f"($.a{i} = x || $.b{i} = y)" for i in range(13)) + " }"
    same = "{ " + " && ".join(f"($.b{i} = y || $.a{i} = x)" for i in range(13)) + " }"
    result = covers(same, cnf, budget=2000)
    assert result.verdict == "unknown"
    assert "budget" in result.reason
    assert len(result.cases) == 1 and result.cases[0].covered is None
    narrower = cnf.replace("$.a12 = x || ", "")
    assert covers(narrower, cnf, budget=2000).verdict == "no"  # a counterexample comes early


def test_unknown_for_a_non_json_reference() -> None:
    result = covers("{ $.a = 1 }", "ERROR")
    assert result.verdict == "unknown" and "not a JSON pattern" in result.reason
    assert relation("{ $.a = 1 }", "ERROR").kind == "unknown"


def test_vacuous_reference_case() -> None:
    ref = "{ ($.a = 1 && $.a = 2) || $.b = 1 }"
    result = covers("{ $.b = 1 }", ref)
    assert result.verdict == "yes"
    assert result.cases[0].covered is True and "contradict" in result.cases[0].reason


def test_results_serialise_for_the_cli() -> None:
    c = covers("{ $.eventName = DisableKey }", REF_47)
    data = json.loads(json.dumps(c.to_dict()))
    assert data["verdict"] == "no" and len(data["cases"]) == 2
    assert data["cases"][1]["counterexample"] == c.cases[1].counterexample
    r = relation("{ $.eventName = DisableKey }", REF_47)
    assert json.loads(json.dumps(r.to_dict()))["kind"] == "overlap"
    w = warnings("{ $.eventname = x }")[0]
    assert json.loads(json.dumps(w.to_dict()))["span"] == {"start": 2, "end": 13}
    assert not covers("{ $.eventName = DisableKey }", REF_47)
    assert covers(REF_47, REF_47)


def test_an_empty_set_of_patterns_covers_nothing() -> None:
    result = covers([], REF_47)
    assert result.verdict == "no" and match(REF_47, result.counterexample)


def test_disjoint_and_overlap() -> None:
    rel = relation("{ $.eventSource = s3.amazonaws.com }", REF_47)
    assert rel.kind == "disjoint"
    assert rel.example and rel.counterexample
    assert match("{ $.eventSource = s3.amazonaws.com }", rel.example)
    assert match(REF_47, rel.counterexample)
    rel = relation("{ $.eventName = DisableKey }", REF_47)
    assert rel.kind == "overlap"


def test_catalog_versions_are_related_quickly() -> None:
    """Every reference against every version of the same control, within seconds."""
    core._MEMO.clear()
    start = time.perf_counter()
    kinds = set()
    for topic in controls.topics():
        members = controls.by_topic(topic)
        for a in members:
            for b in members:
                if "%" in a.effective_pattern + b.effective_pattern and not HAVE_REGEX:
                    continue
                kinds.add(relation(b.effective_pattern, a.effective_pattern).kind)
    assert time.perf_counter() - start < 10
    assert "unknown" not in kinds


def _reordered(tree: ast.Pattern) -> ast.Pattern:
    """The same pattern with every operand list reversed (a different tree, same meaning)."""

    def flip(expr: ast.JsonExpr) -> ast.JsonExpr:
        if isinstance(expr, ast.And):
            return ast.And(tuple(flip(o) for o in reversed(expr.operands)))
        if isinstance(expr, ast.Or):
            return ast.Or(tuple(flip(o) for o in reversed(expr.operands)))
        return expr

    assert isinstance(tree, ast.JsonPattern)
    return ast.JsonPattern(flip(tree.expr))


@pytest.mark.parametrize(
    "control", ["cis-aws-3.0.0-4.4", "cis-aws-3.0.0-4.15", "cis-aws-3.0.0-4.7", "cis-aws-3.0.0-4.1"]
)
def test_explaining_a_reference_against_itself_is_interactive(control: str) -> None:
    """Coverage of a CIS reference by a reordered copy (the full search, no shortcut)."""
    ref = cwpattern.parse(controls.get(control).effective_pattern)
    copy = _reordered(ref)
    assert copy != ref
    best = 1.0
    for _ in range(3):
        core._MEMO.clear()
        start = time.perf_counter()
        assert covers(copy, ref).verdict == "yes"
        assert relation(copy, ref).kind == "equivalent"
        best = min(best, time.perf_counter() - start)
    assert best < 0.1


def test_analyzer_does_not_import_lark() -> None:
    code = (
        "import sys, cwpattern.analyzer, cwpattern.analysis.automata; "
        "from cwpattern.analyzer import covers; "
        "from cwpattern import ast; "
        "c = ast.Comparison(ast.Selector((ast.Member('a'),)), ast.Op.EQ, ast.StringValue('x')); "
        "p = ast.JsonPattern(c); "
        "assert covers(p, p).verdict == 'yes'; "
        "assert 'lark' not in sys.modules, 'lark imported'"
    )
    env_path = str(ROOT / "src")
    proc = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- warnings


@pytest.mark.parametrize(
    "pattern, code",
    [
        ("?WARN ERROR", "optional-ignored"),
        ("{ $.a != * }", "ne-star-never"),
        ("{ $.readOnly = true }", "boolean-as-string"),
        ('{ $.a = "%abc%" }', "quoted-regex"),
        ("{ $.a = a*b }", "interior-star"),
        ("[a, b > 5]", "delimited-trailing-number"),
        ('{ $.userAgent != "console.amazonaws.com" }', "attacker-controlled-exclusion"),
        ("{ $.requestParameters.keyId NOT EXISTS }", "attacker-controlled-exclusion"),
        ("ERROR -DEBUG", "attacker-controlled-exclusion"),
        ("{ $.errorCode != AccessDenied }", "ne-may-be-absent"),
        ("{ $.eventname = DisableKey }", "case-mismatch"),
        ("{ $.eventName = DisableKEY }", "case-mismatch"),
        ("{ $.eventSource = kms.amazonaws.com }", "over-broad"),
        ("{ $.a = 1 && $.a = 2 }", "never-matches"),
    ],
)
def test_warnings(pattern: str, code: str) -> None:
    found = warnings(pattern)
    assert code in {w.code for w in found}, [w.code for w in found]
    spans = [w.span for w in found if w.code == code]
    assert all(s is None or 0 <= s.start <= s.end <= len(pattern) for s in spans)


@needs_regex
def test_regex_end_anchor_warning() -> None:
    assert "regex-end-anchor" in {w.code for w in warnings("%gz$%")}


def test_strict_mode_is_a_context_read_when_asked() -> None:
    """Not read at import: strict_mode() sets it per context; a context that did not set it
    (a new thread) reads CWPATTERN_ANALYZER_STRICT at the time of the check."""
    import os
    import threading

    assert is_strict()  # this module's fixture
    with strict_mode(False):
        assert not is_strict()
    assert is_strict()
    seen: list[bool] = []
    saved = os.environ.get("CWPATTERN_ANALYZER_STRICT")
    try:
        for value in ("0", "1"):
            os.environ["CWPATTERN_ANALYZER_STRICT"] = value
            probe = threading.Thread(target=lambda: seen.append(is_strict()))
            probe.start()
            probe.join()
    finally:
        if saved is None:
            os.environ.pop("CWPATTERN_ANALYZER_STRICT", None)
        else:
            os.environ["CWPATTERN_ANALYZER_STRICT"] = saved
    assert seen == [False, True]


def test_warning_is_a_deprecated_alias_that_shadows_nothing() -> None:
    import cwpattern.analyzer as analyzer_module
    from cwpattern.analysis.results import PatternWarning

    assert "Warning" not in vars(analyzer_module)  # the builtin is not shadowed there
    assert "Warning" not in analyzer_module.__all__
    with pytest.warns(DeprecationWarning, match="PatternWarning"):
        old = analyzer_module.Warning
    assert old is PatternWarning
    with pytest.raises(AttributeError):
        _ = analyzer_module.NoSuchName


def test_clean_reference_has_no_warnings() -> None:
    assert warnings(REF_47, reference=REF_47) == []
    # `!=` on a field every required event has is fine when the reference pins it
    ref = controls.get("cis-aws-3.0.0-4.3").effective_pattern
    assert "ne-may-be-absent" not in {w.code for w in warnings(ref, reference=ref)}
    assert "ne-may-be-absent" in {
        w.code
        for w in warnings(
            "{ $.eventName = ConsoleLogin && $.errorCode != x }",
            reference="{ $.eventName = ConsoleLogin }",
        )
    }


# --------------------------------------------------------------------------- corpus


def corpus_rows(name: str) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in (CORPUS / name).read_text("utf-8").splitlines() if line.strip()
    ]


def _skip_regex(*texts: str) -> None:
    if not HAVE_REGEX and any("%" in t for t in texts):
        pytest.skip("regex patterns need the regex module")


@pytest.mark.parametrize(
    "row", corpus_rows("candidates.jsonl"), ids=lambda r: f"{r['control']}:{r['pattern'][:60]}"
)
def test_corpus_candidates(row: dict[str, Any]) -> None:
    reference = controls.get(row["control"]).effective_pattern
    _skip_regex(row["pattern"], reference)
    result = covers(row["pattern"], reference)
    assert result.verdict == ("yes" if row["covers"] else "no"), result.reason
    rel = relation(row["pattern"], reference)
    assert rel.kind == row["relation"], rel.reason
    if result.verdict == "no":
        check_counterexample(result, row["pattern"], reference)
    if rel.example is not None:
        assert match(row["pattern"], rel.example) and not match(reference, rel.example)


@pytest.mark.parametrize(
    "row", corpus_rows("versions.jsonl"), ids=lambda r: f"{r['from']}->{r['to']}"
)
def test_corpus_versions(row: dict[str, Any]) -> None:
    old = controls.get(row["from"]).effective_pattern
    new = controls.get(row["to"]).effective_pattern
    _skip_regex(old, new)
    assert relation(new, old).kind == row["relation"]


# --------------------------------------------------------------------------- properties

PATHS = [("a",), ("b",), ("a", "b"), ("c", 0), ("c", 1), ("c", "*"), ("a", "*"), ("d", "*", "b")]
STRINGS = ["x", "xy", "y", "", "1", "1.0"]


def selector(path: tuple[Any, ...]) -> ast.Selector:
    steps: list[ast.Step] = []
    for part in path:
        if part == "*":
            steps.append(ast.Wildcard(bracket=True))
        elif isinstance(part, int):
            steps.append(ast.Index(part))
        else:
            steps.append(ast.Member(part))
    return ast.Selector(tuple(steps))


REGEX_BODIES = ["^x", "y$", "^x+$", "\\d", "[xy]", "^1\\.0$", "^$", "x|^1"]


def _regex_value(body: str) -> ast.RegexValue:
    tree = cwpattern.parse("{ $.a = %" + body + "% }")
    assert isinstance(tree, ast.JsonPattern) and isinstance(tree.expr, ast.Comparison)
    assert isinstance(tree.expr.value, ast.RegexValue)
    return tree.expr.value


values_st = st.one_of(
    st.sampled_from(["x", "y", "xy", "x*", "*y", "*x*", "*", ""]).map(ast.StringValue),
    st.sampled_from(["1", "2", "1.0", "-1"]).map(ast.NumberValue),
    *([st.sampled_from(REGEX_BODIES).map(_regex_value)] if HAVE_REGEX else []),
)


@st.composite
def conditions(draw: st.DrawFn) -> ast.JsonExpr:
    sel = selector(draw(st.sampled_from(PATHS)))
    kind = draw(st.sampled_from(["=", "!=", "<", ">=", "NULL", "TRUE", "FALSE", "NOT EXISTS"]))
    if kind in ("=", "!="):
        return ast.Comparison(sel, ast.Op(kind), draw(values_st))
    if kind in ("<", ">="):
        return ast.Comparison(sel, ast.Op(kind), ast.NumberValue(draw(st.sampled_from(["1", "2"]))))
    pred = {
        "NULL": ast.PredicateKind.IS_NULL,
        "TRUE": ast.PredicateKind.IS_TRUE,
        "FALSE": ast.PredicateKind.IS_FALSE,
        "NOT EXISTS": ast.PredicateKind.NOT_EXISTS,
    }[kind]
    return ast.Predicate(sel, pred)


def _join(kind: type, parts: list[ast.JsonExpr]) -> ast.JsonExpr:
    flat: list[ast.JsonExpr] = []
    for p in parts:
        flat.extend(p.operands if isinstance(p, kind) else [p])  # type: ignore[attr-defined]
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


exprs = st.recursive(
    conditions(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: _join(ast.And, xs)),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: _join(ast.Or, xs)),
    ),
    max_leaves=5,
)


def _count(expr: ast.JsonExpr) -> tuple[int, int]:
    """(wildcard selectors, regex literals) of an expression."""
    if isinstance(expr, (ast.And, ast.Or)):
        parts = [_count(o) for o in expr.operands]
        return sum(p[0] for p in parts), sum(p[1] for p in parts)
    regex = isinstance(expr, ast.Comparison) and isinstance(expr.value, ast.RegexValue)
    return int(expr.selector.has_wildcard), int(regex)


def _within_quotas(expr: ast.JsonExpr) -> bool:
    wildcards, regexes = _count(expr)
    return wildcards <= 3 and regexes <= 2  # AWS rejects more


json_patterns = exprs.filter(_within_quotas).map(ast.JsonPattern)

scalars = st.one_of(
    st.sampled_from(STRINGS),
    st.sampled_from(["1", "2", "1.0", "-1", "1e0"]).map(JsonNumber),
    st.sampled_from([None, True, False]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)
events = st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), json_values, max_size=4).map(
    serialize
)


def _holds_on_samples(p: ast.Pattern, r: ast.Pattern, samples: list[str], verdict: str) -> None:
    for message in samples:
        if match(r, message) and not match(p, message):
            assert verdict != "yes", (unparse(p), unparse(r), message)


mutations = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]), st.one_of(st.none(), json_values)),
    min_size=1,
    max_size=3,
)


def _mutants(seed: str | None, plans: list[list[tuple[str, Any]]]) -> list[str]:
    """Variants of an event: each plan sets (or, for ``None``, deletes) a few members."""
    if seed is None:
        return []
    out = []
    for plan in plans:
        doc = decode(seed)
        assert doc is not None
        for key, value in plan:
            if value is None:
                doc.pop(key, None)
            else:
                doc[key] = value
        out.append(serialize(doc))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    json_patterns,
    json_patterns,
    st.lists(events, min_size=5, max_size=25),
    st.lists(mutations, min_size=5, max_size=20),
)
def test_covers_is_sound_and_exact_on_json_patterns(
    p: ast.Pattern, r: ast.Pattern, samples: list[str], plans: list[list[tuple[str, Any]]]
) -> None:
    # events near the reference: a reference event built by the analyzer, then mutated
    seed = covers(
        ast.JsonPattern(ast.Predicate(selector(("zz",)), ast.PredicateKind.IS_NULL)), r
    ).counterexample
    samples = samples + _mutants(seed, plans)
    result = covers(p, r)
    assert result.verdict in ("yes", "no"), result.reason  # the JSON fragment is exact
    if result.verdict == "no":
        check_counterexample(result, p, r)
    _holds_on_samples(p, r, samples, result.verdict)
    rel = relation(p, r)
    assert rel.kind != "unknown", rel.reason
    _relation_holds_on_samples(p, r, rel, samples)


def _relation_holds_on_samples(
    p: ast.Pattern, r: ast.Pattern, rel: Any, samples: list[str]
) -> None:
    for message in samples:
        in_p, in_r = match(p, message), match(r, message)
        if rel.kind == "equivalent":
            assert in_p == in_r, message
        elif rel.kind == "broader":
            assert in_p or not in_r, message
        elif rel.kind == "narrower":
            assert in_r or not in_p, message
        elif rel.kind == "disjoint":
            assert not (in_p and in_r), message
        elif rel.kind == "never":
            assert not in_p, message
    if rel.example is not None:
        assert match(p, rel.example) and not match(r, rel.example)
    if rel.counterexample is not None:
        assert match(r, rel.counterexample) and not match(p, rel.counterexample)


TERMS = ["x", "xy", '"a":"x"', '"a":', "1", '{"', "y"]


@st.composite
def term_patterns(draw: st.DrawFn) -> ast.Pattern:
    if HAVE_REGEX and draw(st.booleans()):
        body = draw(
            st.sampled_from(
                ["\\x22a\\x22:\\x22x", "x|y", "^\\{\\x22", "1\\.0", "\\x22b\\x22", "x\\x22\\}$"]
            )
        )
        tree = cwpattern.parse("%" + body + "%")
        return tree
    terms = draw(
        st.lists(
            st.tuples(st.sampled_from(TERMS), st.sampled_from(list(ast.TermKind))),
            min_size=1,
            max_size=3,
        )
    )
    return ast.TermPattern(tuple(ast.Term(t, k) for t, k in terms))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(term_patterns(), json_patterns, st.lists(events, min_size=5, max_size=25))
def test_covers_is_sound_on_term_patterns(
    p: ast.Pattern, r: ast.Pattern, samples: list[str]
) -> None:
    result = covers(p, r)
    if result.verdict == "no":
        check_counterexample(result, p, r)
    _holds_on_samples(p, r, samples, result.verdict)
    _relation_holds_on_samples(p, r, relation(p, r), samples)
