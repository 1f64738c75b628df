"""cwpattern.aws.model: one record per thing an account holds, one validated metric
transformation, and one grouping of filters by metric (namespace *and* name)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cwpattern.errors
from cwpattern.aws import model, publish, snapshot
from cwpattern.aws.checker import check
from cwpattern.aws.filterdefs import read_metric_filters
from cwpattern.aws.matrix import check_benchmark
from cwpattern.cli import main

DISABLE = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"
DELETE = "{ $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }"


def _filter(name: str, pattern: str, namespace: str, metric: str) -> dict[str, Any]:
    return {
        "filterName": name,
        "logGroupName": "trail",
        "filterPattern": pattern,
        "metricTransformations": [
            {"metricName": metric, "metricNamespace": namespace, "metricValue": "1"}
        ],
    }


#: Two filters on two different metrics whose "namespace/name" texts are the same.
SPLIT = {
    "metricFilters": [
        _filter("disable", DISABLE, "CIS/x", "y"),
        _filter("delete", DELETE, "CIS", "x/y"),
    ]
}
#: The same two filters on one metric.
SAME = {
    "metricFilters": [
        _filter("disable", DISABLE, "CIS/x", "y"),
        _filter("delete", DELETE, "CIS/x", "y"),
    ]
}


def test_filters_on_different_metrics_do_not_cover_together() -> None:
    # Before the one keyed grouping, check joined namespace and name with "/" and judged
    # these two filters, which feed two different alarms, as covering the control together.
    split = check(SPLIT, control="cis-aws-3.0.0-4.7")
    assert not split.covered and split.groups == ()
    same = check(SAME, control="cis-aws-3.0.0-4.7")
    assert same.covered and [g.metric for g in same.groups] == ["CIS/x/y"]


def test_check_benchmark_groups_by_the_metric_pair() -> None:
    assert check_benchmark(read_metric_filters(json.dumps(SPLIT))).row("4.7").verdict == "no"
    assert check_benchmark(read_metric_filters(json.dumps(SAME))).row("4.7").verdict == "yes"


def test_cli_check_and_benchmark_on_a_listing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    split, same = tmp_path / "split.json", tmp_path / "same.json"
    split.write_text(json.dumps(SPLIT))
    same.write_text(json.dumps(SAME))
    assert main(["check", "--control", "cis-aws-3.0.0-4.7", str(split)]) == 1
    assert main(["check", "--control", "cis-aws-3.0.0-4.7", str(same)]) == 0
    capsys.readouterr()
    args = ["check", "--benchmark", "cis-aws-3.0.0", "--format", "json"]
    main([*args, str(split)])
    rows = {r["control"]: r for r in json.loads(capsys.readouterr().out)["controls"]}
    assert rows["cis-aws-3.0.0-4.7"]["verdict"] == "no"


def test_by_metric_keeps_first_seen_order_and_drops_none() -> None:
    items = [("a", model.MetricKey("n", "m")), ("b", None), ("c", model.MetricKey("n", "m"))]
    grouped = model.by_metric(items, key=lambda i: i[1])
    assert list(grouped) == [("n", "m")] and [i[0] for i in grouped[("n", "m")]] == ["a", "c"]


def test_one_metric_transformation_class() -> None:
    assert publish.MetricTransformation is model.MetricTransformation
    assert snapshot.MetricTransformation is model.MetricTransformation
    assert snapshot.MetricFilter is model.MetricFilter and snapshot.Unknown is model.Unknown


def test_the_snapshot_reader_validates_transformations_as_put_metric_filter() -> None:
    good = _filter("ok", DISABLE, "CIS", "Kms")
    bad = _filter("bad", DISABLE, "CIS", "Kms")
    bad["metricTransformations"][0].update(defaultValue=0, dimensions={"k": "$.k"})
    snap = snapshot.load_snapshot({"metricFilters": {"metricFilters": [good, bad]}})
    ok, rejected = snap.metric_filters
    assert isinstance(ok.transformations[0], model.MetricTransformation)
    assert ok.metric == model.MetricKey("CIS", "Kms")
    assert isinstance(rejected.transformations[0], model.InvalidTransformation)
    error = rejected.transformations[0].error
    assert error is not None and error.code == "DEFAULT_WITH_DIMENSIONS"
    assert rejected.metric == ok.metric  # an invalid filter still names its metric


def test_iac_produces_the_same_model_records() -> None:
    from cwpattern.aws.iac import from_cloudformation

    template = {
        "Resources": {
            "Kms": {
                "Type": "AWS::Logs::MetricFilter",
                "Properties": {
                    "LogGroupName": "trail",
                    "FilterPattern": DISABLE,
                    "MetricTransformations": [
                        {"MetricName": "Kms", "MetricNamespace": "CIS", "MetricValue": "1"}
                    ],
                },
            }
        }
    }
    (record,) = from_cloudformation(template).to_snapshot().metric_filters
    assert isinstance(record, model.MetricFilter)
    assert isinstance(record.transformations[0], model.MetricTransformation)
    assert record.metric == model.MetricKey("CIS", "Kms")


@pytest.mark.parametrize("unit", [None, "Count", "Parsecs"])
def test_transformations_valid_or_not_read_back_in_the_describe_shape(unit: str | None) -> None:
    """The snapshot reader's records give back the entry they were read from: a valid
    transformation without a unit has the default "None" unit (left out), an invalid one
    keeps the unit it was given."""
    entry = _filter("f", DISABLE, "CIS", "Kms")
    shape = dict(entry["metricTransformations"][0], defaultValue=0.0)
    if unit is not None:
        shape["unit"] = unit
    entry["metricTransformations"] = [shape]
    (record,) = snapshot.load_snapshot({"metricFilters": {"metricFilters": [entry]}}).metric_filters
    (t,) = record.transformations
    assert isinstance(t, model.InvalidTransformation) == (unit == "Parsecs")
    assert t.to_aws() == shape
    invalid = model.InvalidTransformation(
        "Kms", "CIS", "1", dimensions=(("k", "$.k"),), unit="None"
    )
    assert invalid.to_aws() == {
        "metricName": "Kms",
        "metricNamespace": "CIS",
        "metricValue": "1",
        "dimensions": {"k": "$.k"},
        "unit": "None",
    }
    assert "unit" not in model.MetricTransformation("Kms", "CIS", "1", unit="None").to_aws()


def _with(change: dict[str, Any], **transformation: Any) -> dict[str, Any]:
    entry = _filter("kms", DISABLE, "CIS", "Kms")
    entry["metricTransformations"][0].update(transformation)
    entry.update(change)
    return entry


#: describe-metric-filters entries the reader reads, valid and not.
ENTRIES = {
    "plain": _with({}),
    "system dimension": _with({"emitSystemFieldDimensions": ["@aws.account"]}),
    "no system dimension": _with({"emitSystemFieldDimensions": []}),
    "bad system dimension": _with({"emitSystemFieldDimensions": ["@aws.bogus"]}),
    "system dimension twice": _with({"emitSystemFieldDimensions": ["@aws.region"] * 2}),
    "too many dimensions": _with(
        {"emitSystemFieldDimensions": ["@aws.region", "@aws.account"]},
        dimensions={"a": "$.a", "b": "$.b"},
    ),
    "system dimension and default": _with(
        {"emitSystemFieldDimensions": ["@aws.region"]}, defaultValue=0
    ),
    "criteria": _with({"fieldSelectionCriteria": '@aws.account IN ["1"]'}),
    "empty criteria": _with({"fieldSelectionCriteria": ""}),
    "transformed logs": _with({"applyOnTransformedLogs": True}),
    "two transformations": _with(
        {"metricTransformations": [_filter("x", "", "CIS", "Kms")["metricTransformations"][0]] * 2}
    ),
    "bad name": _with({"filterName": "a:b"}),
    "empty name": _with({"filterName": ""}),
    "bad unit": _with({}, unit="Parsecs"),
    "bad value": _with({}, metricValue="$.a[*]"),
    "dimensions on a term pattern": _with({"filterPattern": "ERROR"}, dimensions={"k": "$.k"}),
    "bad pattern": _with({"filterPattern": "{ $.a == 1 }"}),
}


def _outcome(build: Any) -> Any:
    try:
        return build().to_aws()
    except cwpattern.errors.MetricFilterError as err:
        return ("invalid", err.code, err.field, str(err))
    except cwpattern.errors.CWPatternError as err:
        return (type(err).__name__, str(err))


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_from_record_validates_as_from_aws_on_the_entry(name: str) -> None:
    """publish.MetricFilter.from_record on the reader's record: the filter (or the error)
    that from_aws makes of the describe-metric-filters entry itself."""
    entry = ENTRIES[name]
    section = snapshot.load_snapshot({"metricFilters": {"metricFilters": [entry]}}).metric_filters
    assert section.complete
    (record,) = section
    expected = _outcome(lambda: publish.MetricFilter.from_aws(entry))
    assert _outcome(lambda: publish.MetricFilter.from_record(record)) == expected
    assert record.unknown is None


def test_the_reader_reads_system_dimensions_and_selection_criteria() -> None:
    (record,) = snapshot.load_snapshot(
        {"metricFilters": {"metricFilters": [ENTRIES["system dimension"]]}}
    ).metric_filters
    assert record.emit_system_field_dimensions == ("@aws.account",)
    assert record.field_selection_criteria is None
    both = snapshot.load_snapshot(
        {"metricFilters": {"metricFilters": [ENTRIES["criteria"], ENTRIES["empty criteria"]]}}
    ).metric_filters
    assert [r.field_selection_criteria for r in both] == ['@aws.account IN ["1"]', None]
    unknown = model.Unknown("known after apply")
    later = _with({"emitSystemFieldDimensions": ["@aws.region", unknown]})
    snap = snapshot.load_snapshot({"metricFilters": {"metricFilters": [later]}})
    (record,) = snap.metric_filters
    assert record.emit_system_field_dimensions == unknown
    assert record.unknown == ("/emitSystemFieldDimensions", unknown)
    with pytest.raises(
        cwpattern.errors.CWPatternError, match="emitSystemFieldDimensions is unknown"
    ):
        publish.MetricFilter.from_record(record)
    # types the describe output never has make the entry unreadable, located
    for change in (
        {"emitSystemFieldDimensions": "@aws.region"},
        {"emitSystemFieldDimensions": [1]},
        {"fieldSelectionCriteria": 1},
        {"filterPattern": None},
    ):
        snap = snapshot.load_snapshot({"metricFilters": {"metricFilters": [_with(change)]}})
        assert not snap.metric_filters.items, change
        (err,) = snap.metric_filters.unreadable
        assert err.location.startswith("/metricFilters/metricFilters/0/" + next(iter(change)))


def test_unreadable_entries_still_tell_their_log_group_or_metric() -> None:
    broken = _with({"logGroupName": "trail"}, metricValue=1)
    snap = snapshot.load_snapshot(
        {
            "metricFilters": {"metricFilters": [ENTRIES["plain"], broken, "not an entry"]},
            "alarms": {"MetricAlarms": [{"AlarmName": "a", "MetricName": "Kms"}]},
        }
    )
    first, second = snap.metric_filters.unreadable
    assert snap.metric_filters.entry_text(first.location, "logGroupName") == "trail"
    assert snap.metric_filters.entry_text(first.location, "filterName") == "kms"
    assert snap.metric_filters.entry_text(second.location, "logGroupName") is None
    assert snap.metric_filters.entry_text("/elsewhere", "logGroupName") is None
    (alarm,) = snap.alarms.unreadable
    assert snap.alarms.entry_text(alarm.location, "MetricName") == "Kms"
    assert snap.alarms.entry_text(alarm.location, "Namespace") is None


def test_the_audit_judges_filters_from_the_records_alone() -> None:
    """The metric-filter link reads model records, not the document: with the raw entries
    gone, the audit of every fixture says the same."""
    from cwpattern.aws.audit import audit

    root = Path(__file__).parent / "data" / "audit"
    for path in sorted(root.glob("*.json")):
        snap = snapshot.load_snapshot(path)
        if snap.metric_filters.unreadable:
            continue  # their log group is read from the raw entry
        expected = audit(snap).to_dict()
        object.__setattr__(snap.metric_filters, "raw", {})
        assert audit(snap).to_dict() == expected, path.name
