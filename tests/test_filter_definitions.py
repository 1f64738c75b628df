"""cwpattern.aws.snapshot.read_filter_definitions: the loose reader of describe-metric-filters
entries that ``cwpattern check`` and ``lint`` use (an entry may lack its log group, its
transformations, even its pattern).  Every field is a value, ``None`` (absent) or an explicit
``Unknown``; garbage is an error or an Unknown, never dropped."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cwpattern.aws.checker import FilterInputError, check, filters_from
from cwpattern.aws.filterdefs import FilterFileError, read_metric_filters
from cwpattern.aws.iac import from_terraform_plan
from cwpattern.aws.model import FilterDefinition, MetricDefinition, MetricKey, Unknown
from cwpattern.aws.snapshot import (
    FilterDefinitions,
    ListingError,
    SnapshotError,
    read_filter_definition,
    read_filter_definitions,
)

KMS = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"


def _entry(name: str = "kms", **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "filterName": name,
        "logGroupName": "trail",
        "filterPattern": KMS,
        "metricTransformations": [
            {"metricName": "Kms", "metricNamespace": "CIS", "metricValue": "1"}
        ],
    }
    entry.update(fields)
    return {k: v for k, v in entry.items() if v is not _ABSENT}


_ABSENT: Any = object()


def test_a_full_entry() -> None:
    (d,) = read_filter_definitions({"metricFilters": [_entry()]}).entries
    assert d == FilterDefinition(KMS, "/0", "kms", "trail", (MetricDefinition("Kms", "CIS", "1"),))
    assert isinstance(d, FilterDefinition) and d.transformation is not None
    assert d.transformation.metric == MetricKey("CIS", "Kms")


def test_an_entry_without_log_group_or_transformations() -> None:
    bare = _entry(logGroupName=_ABSENT, metricTransformations=_ABSENT)
    (d,) = read_filter_definitions([bare]).entries
    assert isinstance(d, FilterDefinition)
    assert (d.pattern, d.name, d.log_group, d.transformations) == (KMS, "kms", None, ())
    assert d.transformation is None
    # check and lint take it: a filter on no known metric, in no known log group
    (f,) = filters_from([bare])
    assert (f.name, f.pattern, f.metric, f.metric_key) == ("kms", KMS, None, None)
    (fd,) = read_metric_filters(json.dumps([bare]))
    assert (fd.name, fd.log_group, fd.metric, fd.named) == ("kms", None, None, True)
    assert check([bare], control="4.7").results[0].name == "kms"


def test_an_empty_list_of_transformations_is_none() -> None:
    (d,) = read_filter_definitions([_entry(metricTransformations=[])]).entries
    assert isinstance(d, FilterDefinition)
    assert d.transformations == () and d.transformation is None


@pytest.mark.parametrize("pattern", [_ABSENT, None])
def test_an_absent_or_null_pattern_is_none_and_check_and_lint_reject_it(pattern: Any) -> None:
    entry = _entry(filterPattern=pattern)
    (d,) = read_filter_definitions([entry]).entries
    assert isinstance(d, FilterDefinition) and d.pattern is None
    with pytest.raises(FilterInputError, match="item 1: .*'filterPattern' string"):
        filters_from([entry])
    with pytest.raises(FilterFileError, match="item 1: .*'filterPattern' string"):
        read_metric_filters(json.dumps({"metricFilters": [entry]}))


def test_an_empty_pattern_is_a_pattern() -> None:
    (d,) = read_filter_definitions([_entry(filterPattern="")]).entries
    assert isinstance(d, FilterDefinition) and d.pattern == ""
    assert filters_from([_entry(filterPattern="")])[0].pattern == ""


def test_pages_and_next_tokens() -> None:
    a, b, c = _entry("a"), _entry("b"), _entry("c")
    listing = read_filter_definitions(
        [{"metricFilters": [a], "nextToken": "t"}, {"metricFilters": [b, c]}]
    )
    assert [(d.name, d.location) for d in listing.entries if isinstance(d, FilterDefinition)] == [
        ("a", "/0"),
        ("b", "/1"),
        ("c", "/2"),
    ]
    assert (listing.pages, listing.truncated) == (2, False)
    cut = read_filter_definitions(
        [{"metricFilters": [a]}, {"metricFilters": [b], "NextToken": "t"}]
    )
    assert (cut.pages, cut.truncated) == (2, True)
    assert read_filter_definitions([a, "ERROR"]) == FilterDefinitions(
        (read_filter_definition(a, "/0"), "ERROR"), 0, False
    )
    # an account snapshot's metricFilters: a list of pages, merged in place
    nested = read_filter_definitions(
        {"metricFilters": [{"metricFilters": [a], "nextToken": "t"}, {"metricFilters": [b]}]}
    )
    assert [d.name for d in nested.entries if isinstance(d, FilterDefinition)] == ["a", "b"]
    assert (nested.pages, nested.truncated) == (3, False)
    last_cut = read_filter_definitions(
        {"metricFilters": [{"metricFilters": [a], "nextToken": "t"}]}
    )
    assert last_cut.truncated is True


def test_check_sees_the_token_of_the_last_page() -> None:
    page = {"metricFilters": [_entry()], "nextToken": "more"}
    assert check(page, control="4.7").truncated is True
    assert check([page, {"metricFilters": []}], control="4.7").truncated is False


@pytest.mark.parametrize(
    "doc",
    [{"filters": []}, {"metricFilters": 5}, {"metricFilters": [{"metricFilters": {}}]}],
)
def test_not_a_listing_is_an_error(doc: Any) -> None:
    with pytest.raises(ListingError):
        read_filter_definitions(doc)


@pytest.mark.parametrize("item", [5, None, True, ["ERROR"], 1.5])
def test_an_entry_that_is_neither_a_pattern_nor_an_object_is_an_error(item: Any) -> None:
    with pytest.raises(ListingError, match="item 2: expected a pattern string or a metric"):
        read_filter_definitions({"metricFilters": [_entry(), item]})
    with pytest.raises(SnapshotError, match="expected an object"):
        read_filter_definition(item, "/x")
    with pytest.raises(FilterInputError, match="item 2"):
        filters_from([_entry(), item])
    with pytest.raises(FilterFileError, match="item 2"):
        read_metric_filters(json.dumps([_entry(), item]))


def test_fields_of_the_wrong_type_are_unknown_saying_why() -> None:
    d = read_filter_definition(
        _entry(filterName=5, logGroupName=["g"], filterPattern={"p": 1}), "/3"
    )
    assert isinstance(d.name, Unknown) and "filterName must be a string, got 5" in d.name.reason
    assert isinstance(d.log_group, Unknown) and "logGroupName" in d.log_group.reason
    assert isinstance(d.pattern, Unknown) and "filterPattern" in d.pattern.reason
    assert d.location == "/3"
    # a made-up name, no metric guessed from garbage
    (f,) = filters_from([_entry(filterName=5, metricTransformations=[{"metricName": 7}])])
    assert (f.name, f.metric) == ("filter 1", None)


@pytest.mark.parametrize(
    ("transformations", "why"),
    [
        ("x", "metricTransformations must be a list, got 'x'"),
        ({"metricName": "Kms"}, "metricTransformations must be a list"),
        (7, "metricTransformations must be a list, got 7"),
    ],
)
def test_transformations_that_are_not_a_list_are_unknown(transformations: Any, why: str) -> None:
    d = read_filter_definition(_entry(metricTransformations=transformations))
    assert isinstance(d.transformations, Unknown) and why in d.transformations.reason
    assert d.transformation is None
    (fd,) = read_metric_filters(json.dumps([_entry(metricTransformations=transformations)]))
    assert fd.metric is None


def test_a_transformation_that_is_not_an_object_is_unknown_in_place() -> None:
    good = {"metricName": "Kms", "metricNamespace": "CIS", "metricValue": "1"}
    d = read_filter_definition(_entry(metricTransformations=["x", good]))
    assert isinstance(d.transformations, tuple) and len(d.transformations) == 2
    first, second = d.transformations
    assert (
        isinstance(first, Unknown) and "metricTransformations/0 must be an object" in first.reason
    )
    assert second == MetricDefinition("Kms", "CIS", "1")
    assert d.transformation is None  # the first one is not readable: no metric is guessed


def test_transformation_fields() -> None:
    def first(**t: Any) -> MetricDefinition:
        d = read_filter_definition(_entry(metricTransformations=[t]))
        assert d.transformation is not None
        return d.transformation

    assert first(metricName="M", metricValue=1).metric_value == "1"
    assert first(metricName="M", metricValue=1.5).metric_value == "1.5"
    assert isinstance(first(metricName="M", metricValue=True).metric_value, Unknown)
    assert first(metricName="M").metric == MetricKey("", "M")
    assert first(metricName="M", metricNamespace=None).metric == MetricKey("", "M")
    assert first(metricName="M", metricNamespace=3).metric is None
    assert first(metricName="", metricNamespace="N").metric is None
    assert first(metricNamespace="N").metric is None
    odd = first(metricName=7, metricNamespace="N")
    assert isinstance(odd.metric_name, Unknown) and odd.metric is None
    assert "metricTransformations/0/metricName must be a string, got 7" in odd.metric_name.reason


def test_unknown_values_stay_the_same_unknown() -> None:
    why = Unknown("known after apply")
    d = read_filter_definition(
        {"filterPattern": why, "filterName": why, "metricTransformations": why}, "aws_x.y"
    )
    assert d.pattern is why and d.name is why and d.transformations is why
    t = read_filter_definition({"metricTransformations": [why, {"metricName": why}]})
    assert isinstance(t.transformations, tuple)
    assert t.transformations[0] is why
    second = t.transformations[1]
    assert isinstance(second, MetricDefinition) and second.metric_name is why


def test_lint_notes_an_unknown_pattern_of_a_terraform_plan() -> None:
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_cloudwatch_log_metric_filter.kms",
                        "mode": "managed",
                        "type": "aws_cloudwatch_log_metric_filter",
                        "name": "kms",
                        "values": {
                            "name": "kms",
                            "log_group_name": "trail",
                            "metric_transformation": [
                                {"name": "Kms", "namespace": "CIS", "value": "1"}
                            ],
                        },
                    }
                ]
            }
        },
        "resource_changes": [
            {
                "address": "aws_cloudwatch_log_metric_filter.kms",
                "type": "aws_cloudwatch_log_metric_filter",
                "change": {"after_unknown": {"pattern": True}},
            }
        ],
    }
    (r,) = from_terraform_plan(plan).metric_filters
    assert isinstance(read_filter_definition(r.body).pattern, Unknown)
    (fd,) = read_metric_filters(json.dumps(plan))
    assert fd.pattern is None and any("filter pattern not known" in n for n in fd.notes)
    assert (fd.name, fd.log_group, fd.metric) == ("kms", "trail", "CIS/Kms")
