"""cwpattern.aws.model: one record per thing an account holds, one validated metric
transformation, and one grouping of filters by metric (namespace *and* name)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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
