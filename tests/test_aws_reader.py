"""cwpattern.aws.snapshot.read_listing: the one reader of describe-metric-filters (and
describe-alarms) pages for check, check --benchmark, lint, simulate and the audit; one
nextToken rule everywhere (the last page carries one: the listing is incomplete)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cwpattern
from cwpattern.aws.audit import audit
from cwpattern.aws.filterdefs import FilterFileError, load_metric_filters
from cwpattern.aws.snapshot import Listing, ListingError, load_snapshot, read_listing
from cwpattern.cli import main

AUDIT = Path(__file__).parent / "data" / "audit"
KMS = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"


def _filter(name: str, pattern: str = KMS) -> dict[str, Any]:
    return {
        "filterName": name,
        "logGroupName": "trail",
        "filterPattern": pattern,
        "metricTransformations": [
            {"metricName": name, "metricNamespace": "CIS", "metricValue": "1"}
        ],
    }


def test_every_shape_of_the_listing() -> None:
    a, b, c = _filter("a"), _filter("b"), _filter("c")
    assert read_listing({"metricFilters": [a]}) == Listing((a,), 1, False)
    assert read_listing([{"metricFilters": [a], "nextToken": "t"}, {"metricFilters": [b]}]) == (
        Listing((a, b), 2, False)
    )
    assert read_listing([a, b]) == Listing((a, b), 0, False)  # --query metricFilters
    assert read_listing([a, {"metricFilters": [b, c], "nextToken": "t"}]).truncated
    alarms = {"MetricAlarms": [{"AlarmName": "x"}], "NextToken": "t"}
    assert read_listing(alarms, "alarms") == Listing(({"AlarmName": "x"},), 1, True)
    with pytest.raises(ListingError, match="an object with a 'metricFilters' list"):
        read_listing({"filters": []})
    with pytest.raises(ListingError, match="'metricFilters' is not a list"):
        read_listing({"metricFilters": {"a": 1}})


def test_check_api_sees_the_next_token_of_a_listing() -> None:
    # cwpattern.check(<describe-metric-filters page>) dropped the nextToken (only the CLI's
    # text reader kept it): a filter page cut short was "not covered" instead of unknown.
    page = {"metricFilters": [_filter("kms")], "nextToken": "more"}
    report = cwpattern.check(page, control="cis-aws-3.0.0-4.7")
    assert report.truncated and report.verdict == "unknown"
    complete = cwpattern.check({"metricFilters": [_filter("kms")]}, control="cis-aws-3.0.0-4.7")
    assert not complete.truncated and complete.verdict == "no"


def test_a_snapshot_listing_whose_last_page_has_a_token_is_incomplete() -> None:
    # Pages used to count as complete unless *every* page carried a token.
    snap = load_snapshot(
        {
            "metricFilters": [
                {"metricFilters": [_filter("a")]},
                {"metricFilters": [_filter("b")], "nextToken": "t"},
            ]
        }
    )
    assert not snap.metric_filters.complete
    assert [str(e) for e in snap.metric_filters.errors] == [
        "/metricFilters: incomplete listing: the last page of aws logs describe-metric-filters "
        "carries a NextToken, so more pages exist; fetch them (or omit --max-items/--no-paginate)"
    ]
    ordered = load_snapshot(
        {
            "metricFilters": [
                {"metricFilters": [_filter("a")], "nextToken": "t"},
                {"metricFilters": [_filter("b")]},
            ]
        }
    )
    assert ordered.metric_filters.complete and len(ordered.metric_filters) == 2


def test_check_lint_and_audit_read_the_same_filters(tmp_path: Path) -> None:
    snap = json.loads((AUDIT / "pass_cis_4_7.json").read_text())
    entries = snap["metricFilters"]["metricFilters"]
    pages = [{"metricFilters": entries[:1], "nextToken": "t"}, {"metricFilters": entries[1:]}]
    names = [e["filterName"] for e in entries]
    assert [f.name for f in cwpattern.check(pages, control="4.7").results] == names
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(pages))
    assert [f.name for f in load_metric_filters(path)] == names
    # a snapshot whose metricFilters section is a list of pages
    path.write_text(json.dumps({**snap, "metricFilters": pages}))
    assert [f.name for f in load_metric_filters(path)] == names
    verdicts = [
        [(c.id, c.status, c.failing_link, c.reason) for c in report.controls]
        for report in (audit({**snap, "metricFilters": pages}), audit(snap))
    ]
    assert verdicts[0] == verdicts[1]
    path.write_text(json.dumps({"metricFilters": 3}))
    with pytest.raises(FilterFileError, match="'metricFilters' is not a list"):
        load_metric_filters(path)


def test_simulate_does_not_pick_a_filter_from_a_listing_cut_short(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    filters = tmp_path / "filters.json"
    filters.write_text(json.dumps({"metricFilters": [_filter("kms")], "nextToken": "more"}))
    logs = tmp_path / "logs.json"
    logs.write_text(json.dumps({"events": []}))
    argv = ["simulate", "--metric-filter", str(filters), "--cis-alarm", str(logs)]
    assert main(argv) == 2
    assert "the listing ends with a nextToken, so more metric filters exist" in (
        capsys.readouterr().err
    )
    assert main([*argv, "--filter-name", "other"]) == 2
    err = capsys.readouterr().err
    assert "no metric filter named 'other' (the listing ends with a nextToken" in err
