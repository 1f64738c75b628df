"""cwpattern.aws.checker.read_input: the one reader of ``cwpattern check``'s text input, for
one control (its filters) and for a benchmark (the matrix's filter definitions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwpattern.aws.checker import FilterInputError, read_filters, read_input
from cwpattern.aws.filterdefs import FilterFileError
from cwpattern.aws.matrix import check_benchmark
from cwpattern.cli import main

DATA = Path(__file__).parent / "data"
KMS = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"
ENTRY = {
    "filterName": "kms",
    "logGroupName": "trail",
    "filterPattern": KMS,
    "metricTransformations": [{"metricName": "Kms", "metricNamespace": "CIS", "metricValue": "1"}],
}


def test_lines_are_named_by_rank_to_judge_and_by_line_in_the_matrix() -> None:
    given = read_input(f"# kms\n{KMS}\n\nERROR\n")
    assert [(f.name, f.pattern) for f in given.filters.filters] == [
        ("pattern 1", KMS),
        ("pattern 2", "ERROR"),
    ]
    assert [(d.name, d.pattern, d.line, d.named) for d in given.definitions] == [
        ("line 2", KMS, 2, False),
        ("line 4", "ERROR", 4, False),
    ]
    assert not given.truncated
    assert [d.pattern for d in read_input("[]", mode="lines").definitions] == ["[]"]
    assert read_input("[]").definitions == () and read_input("[]").filters.filters == ()


def test_listing_pages_both_views_and_the_next_token() -> None:
    page = {"metricFilters": [ENTRY]}
    text = json.dumps(page) + "\n" + json.dumps({**page, "nextToken": "more"})
    given = read_input(text)
    assert given.truncated and given.filters.truncated
    assert [f.name for f in given.filters.filters] == ["kms", "kms"]
    assert [(d.name, d.metric_namespace, d.metric_name, d.named) for d in given.definitions] == [
        ("kms", "CIS", "Kms", True),
        ("kms", "CIS", "Kms", True),
    ]
    whole = read_input(json.dumps({**page, "nextToken": "more"}))
    assert whole.truncated and [d.log_group for d in whole.definitions] == ["trail"]


def test_iac_defines_filters_for_the_matrix_but_is_no_listing_to_judge() -> None:
    given = read_input((DATA / "iac" / "cloudformation.json").read_text())
    with pytest.raises(FilterInputError):
        given.filters  # noqa: B018 - the property reads
    assert not given.truncated
    assert given.definitions and all(d.source == "cloudformation" for d in given.definitions)
    with pytest.raises(FilterFileError):
        read_input('{"a": 1}').definitions  # noqa: B018
    with pytest.raises(ValueError, match="mode must be"):
        read_input("x", mode="yaml")  # type: ignore[arg-type]


def test_the_cli_judges_what_read_input_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "filters.json"
    text = json.dumps({"metricFilters": [ENTRY], "nextToken": "more"})
    path.write_text(text)
    given = read_input(text)
    assert read_filters(text) == given.filters
    expected = check_benchmark(
        list(given.definitions), "cis-aws-3.0.0", path=str(path), truncated=given.truncated
    ).to_dict()
    main(["check", "--benchmark", "cis-aws-3.0.0", "--format", "json", str(path)])
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(expected))
    assert expected["summary"]["unknown"] > 0  # cut short: nothing is "not covered" for sure
