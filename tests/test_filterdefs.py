"""cwpattern.aws.filterdefs / cwpattern.testing.load_metric_filters: every kind of file users
keep metric filters in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwpattern.aws.filterdefs import FilterFileError, load_metric_filters, read_metric_filters
from cwpattern.testing import assert_covers
from cwpattern.testing import load_metric_filters as loader_from_testing

DATA = Path(__file__).parent / "data"
KMS = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"

DESCRIBE = {
    "metricFilters": [
        {
            "filterName": "kms",
            "logGroupName": "trail",
            "filterPattern": KMS,
            "metricTransformations": [
                {"metricName": "Kms", "metricNamespace": "CIS", "metricValue": "1"}
            ],
        },
        {"filterName": "bare", "filterPattern": "{ $.a = 1 }"},
    ]
}


def test_describe_dump_pages_and_bare_lists() -> None:
    text = json.dumps(DESCRIBE, indent=2)
    (kms, bare) = read_metric_filters(text)
    assert (kms.name, kms.pattern, kms.log_group, kms.metric) == ("kms", KMS, "trail", "CIS/Kms")
    assert kms.source == "describe" and kms.line == 6  # the filterPattern line
    assert bare.metric is None and bare.log_group is None
    pages = read_metric_filters(json.dumps([DESCRIBE, DESCRIBE]))
    assert [f.name for f in pages] == ["kms", "bare", "kms", "bare"]
    bare_list = read_metric_filters(json.dumps(DESCRIBE["metricFilters"]))
    assert [f.name for f in bare_list] == ["kms", "bare"]
    strings = read_metric_filters(json.dumps([KMS]))
    assert strings[0].pattern == KMS
    assert read_metric_filters('{"metricFilters": []}') == []


def test_terraform_plan_and_cloudformation() -> None:
    plan = load_metric_filters(DATA / "iac" / "terraform_plan.json")
    assert plan[0].source == "terraform-plan"
    assert plan[0].pattern == KMS and plan[0].metric_name == "KmsKeyDisableOrDeleteCount"
    assert plan[0].address.startswith("aws_cloudwatch_log_metric_filter.") or "module." in (
        plan[0].address
    )
    for name in ("cloudformation.json", "cloudformation.yaml"):
        if name.endswith(".yaml"):
            pytest.importorskip("yaml")
        cfn = load_metric_filters(DATA / "iac" / name)
        assert cfn[0].source == "cloudformation"
        assert cfn[0].name == "prod-cis-4.7-kms" and cfn[0].pattern == KMS
        assert cfn[0].log_group == "aws-cloudtrail-logs-123456789012-management"


def test_terraform_json_configuration() -> None:
    doc = {
        "resource": {
            "aws_cloudwatch_log_metric_filter": {
                "kms": {
                    "name": "cis-4.7",
                    "pattern": KMS,
                    "log_group_name": "${aws_cloudwatch_log_group.trail.name}",
                    "metric_transformation": {
                        "name": "Kms",
                        "namespace": "CIS",
                        "value": "1",
                    },
                },
                "literal": {
                    "name": "lit",
                    "pattern": '{ $.a = "$${x} %%{y}" }',
                    "metric_transformation": [{"name": "M", "namespace": "N", "value": "1"}],
                },
                "interpolated": {"name": "int", "pattern": "${var.pattern}"},
            }
        }
    }
    kms, lit, interp = read_metric_filters(json.dumps(doc))
    assert kms.source == "terraform-json" and kms.address == "aws_cloudwatch_log_metric_filter.kms"
    assert (kms.name, kms.pattern, kms.metric) == ("cis-4.7", KMS, "CIS/Kms")
    assert kms.log_group is None and any("interpolation" in n for n in kms.notes)
    assert lit.pattern == '{ $.a = "${x} %{y}" }'  # Terraform's escapes undone
    assert interp.pattern is None and any("pattern" in n for n in interp.notes)


@pytest.mark.parametrize(
    "text", ["{", '{"something": 1}', "[1, 2]", '{"metricFilters": [{"filterName": "x"}]}']
)
def test_not_filters_is_an_error(text: str) -> None:
    with pytest.raises(FilterFileError):
        read_metric_filters(text)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(FilterFileError, match="cannot read"):
        load_metric_filters(tmp_path / "missing.json")


def test_testing_helper_feeds_assert_covers(tmp_path: Path) -> None:
    path = tmp_path / "filters.json"
    path.write_text(json.dumps(DESCRIBE), encoding="utf-8")
    filters = {f.name: f.pattern for f in loader_from_testing(path)}
    assert_covers(filters["kms"], "cis-aws-3.0.0-4.7", examples=5)
    with pytest.raises(AssertionError):
        assert_covers(filters["bare"], "cis-aws-3.0.0-4.7", examples=5)
