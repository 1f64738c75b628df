"""cwpattern.testing (assert_covers, assert_equivalent, why_not, covers_test) and the pytest
plugin, including the user's guide example of docs/testing.md run as a user would."""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import cwpattern
from cwpattern import _reference, analyzer, controls, testing
from cwpattern.analyzer import Coverage, Relation
from cwpattern.testing import (
    CoverageUnprovenWarning,
    PatternCheckError,
    assert_covers,
    assert_equivalent,
    covers_test,
    why_not,
)

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
CIS_47 = controls.get("cis-aws-3.0.0-4.7").pattern
GOOD = (
    '{ $.eventSource = "kms.amazonaws.com" && '
    '($.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion") }'
)
NARROW = '{ $.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey" }'


def _failure(call: Any) -> PatternCheckError:
    with pytest.raises(PatternCheckError) as info:
        call()
    return info.value


# --------------------------------------------------------------------------- assert_covers


@pytest.mark.parametrize(
    "pattern",
    [
        GOOD,
        CIS_47,
        '{ $.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion" }',  # broader
        ['{ $.eventName = "DisableKey" }', '{ $.eventName = "ScheduleKeyDeletion" }'],  # a union
        cwpattern.compile('{ $.eventSource = "kms.amazonaws.com" }'),
    ],
)
def test_covering_patterns_pass(pattern: Any) -> None:
    assert_covers(pattern, "cis-aws-3.0.0-4.7", examples=30)
    assert_covers(pattern, controls.get("CloudWatch.7"), examples=0)


def test_a_narrower_pattern_fails_with_record_case_and_clause() -> None:
    err = _failure(lambda: assert_covers(NARROW, "cis-aws-3.0.0-4.7"))
    text = str(err)
    assert text.startswith("the pattern does not cover cis-aws-3.0.0-4.7\n")
    record = err.counterexample
    assert record is not None
    assert _reference.matches(cwpattern.parse(CIS_47), record)
    assert not cwpattern.matches(NARROW, record)
    assert json.dumps(json.loads(record), indent=2) in "\n".join(
        line[2:] for line in text.splitlines()
    )  # the record, pretty-printed
    assert (
        'Reference case it belongs to:\n  $.eventSource = "kms.amazonaws.com" && '
        '$.eventName = "ScheduleKeyDeletion"'
    ) in text
    assert (
        'Rejected by:\n  $.eventName = "DisableKey" is false ($.eventName is "ScheduleKeyDeletion")'
    ) in text


def test_failed_calls_are_required_too() -> None:
    pattern = GOOD.replace(" }", " && $.errorCode NOT EXISTS }")
    err = _failure(lambda: assert_covers(pattern, "cis-aws-3.0.0-4.7", examples=0))
    assert "errorCode" in json.loads(err.counterexample or "{}")
    assert "$.errorCode NOT EXISTS is false ($.errorCode is " in str(err)


def test_reference_may_be_a_pattern_and_unknown_ids_are_reported() -> None:
    assert_covers('{ $.a = "x*" }', '{ $.a = "xy" }', examples=20)
    err = _failure(lambda: assert_covers('{ $.a = "xy" }', '{ $.a = "x*" }', examples=20))
    assert "the pattern does not cover the reference" in str(err)
    with pytest.raises(controls.UnknownControlError):
        assert_covers(GOOD, "cis-aws-3.0.0-4.77")
    with pytest.raises(cwpattern.PatternSyntaxError):
        assert_covers("{ $.a = ", "cis-aws-3.0.0-4.7")


def _undecided(*args: Any, **kwargs: Any) -> Coverage:
    return Coverage("unknown", "pretend the budget ran out")


def test_the_second_opinion_finds_what_an_undecided_analyzer_misses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(analyzer, "covers", _undecided)
    err = _failure(lambda: assert_covers(NARROW, "cis-aws-3.0.0-4.7", examples=50))
    assert "Found by: cwpattern.strategies" in str(err)
    doc = json.loads(err.counterexample or "{}")
    assert doc["eventName"] == "ScheduleKeyDeletion"
    with pytest.warns(CoverageUnprovenWarning, match="pretend the budget ran out"):
        assert_covers(GOOD, "cis-aws-3.0.0-4.7", examples=20)
    err = _failure(lambda: assert_covers(GOOD, "cis-aws-3.0.0-4.7", examples=20, strict=True))
    assert "coverage of cis-aws-3.0.0-4.7 is unproven" in str(err)


def test_a_wrong_yes_from_the_analyzer_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyzer, "covers", lambda *a, **k: Coverage("yes", "wrong"))
    err = _failure(lambda: assert_covers(NARROW, "cis-aws-3.0.0-4.7", examples=50))
    assert "please report this bug" in str(err)
    assert not cwpattern.matches(NARROW, err.counterexample or "")


def test_a_fake_counterexample_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        analyzer, "covers", lambda *a, **k: Coverage("no", "wrong", counterexample="{}")
    )
    with pytest.warns(CoverageUnprovenWarning):
        assert_covers(GOOD, "cis-aws-3.0.0-4.7", examples=20)


def test_configure_changes_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyzer, "covers", _undecided)
    with testing.configured():  # the settings are restored after the block
        testing.configure(strict=True, examples=10)
        with pytest.raises(PatternCheckError):
            assert_covers(GOOD, "cis-aws-3.0.0-4.7")
        with pytest.raises(ValueError):
            testing.configure(examples=-1)
    assert testing.settings() == testing.Settings()


def test_settings_are_per_context_and_not_global() -> None:
    """A change made in one thread's context does not leak into another (no module state)."""
    import threading

    seen: list[testing.Settings] = []
    with testing.configured(examples=7, strict=True):
        worker = threading.Thread(target=lambda: seen.append(testing.settings()))
        worker.start()
        worker.join()
        assert testing.settings() == testing.Settings(7, True)
    assert seen == [testing.Settings()]


# --------------------------------------------------------------------------- assert_equivalent


def test_equivalent_patterns_pass() -> None:
    assert_equivalent(GOOD, CIS_47, examples=30)
    assert_equivalent('{ $.a = 1 || $.b = "x" }', ['{ $.b = "x" }', "{ $.a = 1 }"], examples=30)


@pytest.mark.parametrize(
    ("a", "b", "role"),
    [
        (NARROW, CIS_47, "matched by the second, not by the first"),
        (CIS_47, NARROW, "matched by the first, not by the second"),
    ],
)
def test_different_patterns_fail_either_way(a: str, b: str, role: str) -> None:
    err = _failure(lambda: assert_equivalent(a, b, examples=30))
    assert role in str(err)
    event = err.counterexample or ""
    assert cwpattern.matches(a, event) != cwpattern.matches(b, event)


def test_equivalence_second_opinion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyzer, "relation", lambda *a, **k: Relation("unknown", "pretend"))
    err = _failure(
        lambda: assert_equivalent(
            '{ $.eventName = "Disable*" }', '{ $.eventName = "DisableKey" }', examples=50
        )
    )
    assert "Found by: cwpattern.strategies" in str(err)
    with pytest.warns(CoverageUnprovenWarning):
        assert_equivalent(GOOD, CIS_47, examples=20)


# --------------------------------------------------------------------------- why_not


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    [
        (
            NARROW,
            '{"eventSource":"kms.amazonaws.com"}',
            ['$.eventName = "DisableKey" is false ($.eventName is absent)'],
        ),
        ("{ $.n > 5 }", '{"n":[1,2]}', ["$.n > 5 is false ($.n is [1,2])"]),
        (
            '{ $.t[*] = "x" }',
            '{"t":["a","b"]}',
            ['$.t[*] = "x" is false ($.t[*] selects ["a","b"])'],
        ),
        (
            "{ $.a = 1 }",
            "not json",
            ["the message is not a JSON object, so no JSON pattern matches it"],
        ),
        (
            "ERROR -DEBUG",
            "DEBUG",
            ['required term "ERROR" does not occur', 'excluded term "DEBUG" occurs'],
        ),
        ("?WARN ?FATAL", "INFO", ['none of the optional terms "WARN", "FATAL" occurs']),
        (r"%^WARN\s\d+%", "WARNING", [r"the regex %^WARN\s\d+% is not found in the message"]),
        (
            "[ip, status = 5*, bytes]",
            "10.0.0.1 200 512",
            ['status = "5*" is false ($status is "200")'],
        ),
        (
            "[ip, status, bytes]",
            "10.0.0.1",
            ["the message has 1 field(s); the pattern needs at least 3"],
        ),
        ("[..., code = 4*]", "a b 200", ['code = "4*" is false ($code is "200")']),
        (GOOD, '{"eventSource":"kms.amazonaws.com","eventName":"DisableKey"}', []),
    ],
)
def test_why_not(pattern: str, message: str, expected: list[str]) -> None:
    assert why_not(pattern, message) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        NARROW,
        '"kms.amazonaws.com" DisableKey',
        '{ $.eventName = "DisableKey" || $.eventName = "Nope" }',
    ],
)
def test_why_not_and_the_analyzer_say_the_same(pattern: str) -> None:
    """One explanation of a miss (cwpattern.whynot): each clause of the analyzer's case
    reason is one of why_not's lines (all of them, for a single alternative)."""
    case = next(c for c in analyzer.covers(pattern, CIS_47).cases if c.covered is False)
    assert case.counterexample is not None
    lines = [line.strip() for line in why_not(pattern, case.counterexample)]
    clauses = case.reason.split("; ")
    assert clauses and set(clauses) <= set(lines)
    if not lines[0].startswith("none of its"):
        assert clauses == lines


def test_why_not_lists_the_closest_alternatives() -> None:
    lines = why_not(CIS_47, '{"eventSource":"s3.amazonaws.com","eventName":"DisableKey"}')
    assert lines[0] == "none of its 2 alternatives matched; the closest:"
    assert lines[1] == '$.eventSource = "kms.amazonaws.com" && $.eventName = "DisableKey"'
    assert lines[2] == (
        '  $.eventSource = "kms.amazonaws.com" is false ($.eventSource is "s3.amazonaws.com")'
    )


# --------------------------------------------------------------------------- pytest


test_kms_alarm_covers_47 = covers_test(GOOD, "cis-aws-3.0.0-4.7", examples=20)


def test_covers_test_is_a_test_function() -> None:
    check = covers_test(NARROW, "cis-aws-3.0.0-4.7")
    assert check.__name__ == "test_covers"
    with pytest.raises(PatternCheckError):
        check()


def _plugin() -> list[str]:
    """``-p cwpattern.pytest_plugin``, unless the installed package registers it already."""
    registered = any(
        ep.value == "cwpattern.pytest_plugin" for ep in metadata.entry_points(group="pytest11")
    )
    return [] if registered else ["-p", "cwpattern.pytest_plugin"]


def test_plugin_marker_options_and_header(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest prints untruncated (repeated) failure text when CI is set; count on the
    # interactive layout so that the assertion below means the same everywhere.
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)
    pytester.makepyfile(
        test_user=f"""
        import pytest
        from cwpattern.testing import covers_test

        test_one_line = covers_test({NARROW!r}, "cis-aws-3.0.0-4.7")

        @pytest.mark.cwpattern_covers("cis-aws-3.0.0-4.7")
        def test_marked():
            return {GOOD!r}

        @pytest.mark.cwpattern_covers("cis-aws-3.0.0-4.7")
        def test_marked_narrow(tmp_path):
            (tmp_path / "p.txt").write_text({NARROW!r})
            return (tmp_path / "p.txt").read_text()

        @pytest.mark.cwpattern_covers("cis-aws-3.0.0-4.7")
        def test_forgot_to_return():
            pass
    """
    )
    result = pytester.runpytest(*_plugin(), "--cwpattern-examples=7", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        [
            "cwpattern *: examples=7, strict=False",
            "*test_one_line*",
            "*the pattern does not cover cis-aws-3.0.0-4.7*",
            "*must return the pattern to check*",
        ]
    )
    assert (
        result.stdout.str().count(
            '$.eventName = "DisableKey" is false ($.eventName is "ScheduleKeyDeletion")'
        )
        == 2
    )
    assert "testing.py" not in result.stdout.str()  # our frames are hidden
    assert testing.settings().examples != 7  # the run's options did not leak out


def test_plugin_rejects_negative_examples(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest(*_plugin(), "--cwpattern-examples=-1")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--cwpattern-examples must be >= 0*"])


# --------------------------------------------------------------------------- the user's guide

_GUIDE = ROOT / "docs" / "testing.md"


def _guide_blocks(tag: str) -> list[str]:
    text = _GUIDE.read_text(encoding="utf-8")
    return re.findall(rf"^```{tag}\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("index", [0, 1])
def test_the_guide_examples_run_and_print_what_the_guide_shows(
    pytester: pytest.Pytester, index: int
) -> None:
    test_file = _guide_blocks("py")[index]
    shown = _guide_blocks("text")[index]
    if index == 0:
        assert len([line for line in test_file.splitlines() if line.strip()]) <= 5
    pytester.makepyfile(**{f"test_guide_{index}": test_file})
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str().replace(f"test_guide_{index}.py", "test_kms_alarm.py")
    for line in shown.splitlines():
        assert line.rstrip() in output, line
