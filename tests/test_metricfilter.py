"""Metric filters (spec §7, §8): transformation validation, value and dimension
resolution, datapoints from timestamped events, and the CIS alarm end to end."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, load_jsonl

import cwpattern
from cwpattern.aws.alarms import Alarm, Datapoint, evaluate
from cwpattern.aws.publish import (
    CODES,
    FilterStats,
    MetricFilter,
    MetricTransformation,
    Outcome,
    datapoints,
)
from cwpattern.errors import CWPatternError, MetricFilterError
from cwpattern.sources import LogEvent, iter_events

ROOT = Path(__file__).resolve().parents[1]
APACHE = "[ip, identity, user_id, timestamp, request, status_code, size]"
APACHE_LINES = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
]
KMS = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"


def t(value: str = "1", **kw: Any) -> MetricTransformation:
    return MetricTransformation("Metric", "Space", value, **kw)


def raises(code: str, fn: Any, *args: Any, **kwargs: Any) -> MetricFilterError:
    with pytest.raises(MetricFilterError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


# --- validation (§7.1) ---------------------------------------------------------------------

GOOD = {"metricName": "Errors", "metricNamespace": "App", "metricValue": "1"}


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"metricName": None}, "METRIC_NAME_INVALID", "metricName"),
        ({"metricName": ""}, "METRIC_NAME_INVALID", "metricName"),
        ({"metricName": "a:b"}, "METRIC_NAME_INVALID", "metricName"),
        ({"metricName": "a*"}, "METRIC_NAME_INVALID", "metricName"),
        ({"metricName": "$a"}, "METRIC_NAME_INVALID", "metricName"),
        ({"metricName": "m" * 256}, "METRIC_NAME_INVALID", "metricName"),
        ({"metricName": 7}, "METRIC_NAME_INVALID", "metricName"),
        ({"metricNamespace": "ns:x"}, "METRIC_NAMESPACE_INVALID", "metricNamespace"),
        ({"metricNamespace": None}, "METRIC_NAMESPACE_INVALID", "metricNamespace"),
        ({"metricValue": None}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": ""}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": "one"}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": "$.items[*]"}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": "$.a.*"}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": "$"}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": "$."}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": "$0"}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": "$01"}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": "$1st"}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": " 1"}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": ".5"}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": "1e999"}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": "$." + "a" * 99}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"metricValue": True}, "METRIC_VALUE_INVALID", "metricValue"),
        ({"defaultValue": "0"}, "DEFAULT_VALUE_INVALID", "defaultValue"),
        ({"defaultValue": True}, "DEFAULT_VALUE_INVALID", "defaultValue"),
        ({"defaultValue": float("nan")}, "DEFAULT_VALUE_INVALID", "defaultValue"),
        ({"dimensions": ["$.a"]}, "DIMENSIONS_INVALID", "dimensions"),
        (
            {"dimensions": {"A": "$.a"}, "defaultValue": 0},
            "DEFAULT_WITH_DIMENSIONS",
            "defaultValue",
        ),
        (
            {"dimensions": {"A": "$.a", "B": "$.b", "C": "$.c", "D": "$.d"}},
            "TOO_MANY_DIMENSIONS",
            "dimensions",
        ),
        ({"dimensions": {"": "$.a"}}, "DIMENSION_KEY_INVALID", "dimensions."),
        ({"dimensions": {"   ": "$.a"}}, "DIMENSION_KEY_INVALID", "dimensions.   "),
        ({"dimensions": {":x": "$.a"}}, "DIMENSION_KEY_INVALID", "dimensions.:x"),
        ({"dimensions": {"Ключ": "$.a"}}, "DIMENSION_KEY_INVALID", "dimensions.Ключ"),
        ({"dimensions": {"k" * 256: "$.a"}}, "DIMENSION_KEY_INVALID", "dimensions." + "k" * 256),
        ({"dimensions": {"A": "prod"}}, "DIMENSION_VALUE_INVALID", "dimensions.A"),
        ({"dimensions": {"A": "1"}}, "DIMENSION_VALUE_INVALID", "dimensions.A"),
        ({"dimensions": {"A": "$.a[*]"}}, "DIMENSION_VALUE_INVALID", "dimensions.A"),
        ({"dimensions": {"A": 3}}, "DIMENSION_VALUE_INVALID", "dimensions.A"),
        ({"unit": "Counts"}, "UNIT_INVALID", "unit"),
        ({"unit": "count"}, "UNIT_INVALID", "unit"),
    ],
)
def test_transformation_validation(changes: dict[str, Any], code: str, field: str) -> None:
    doc = {**GOOD, **changes}
    err = raises(code, MetricTransformation.from_aws, doc)
    assert err.field == field
    assert err.to_dict() == {"code": code, "message": err.msg, "field": field}


def test_transformation_validation_on_direct_construction() -> None:
    raises("METRIC_VALUE_INVALID", MetricTransformation, "m", "n", "$.a[0].*")
    raises("TOO_MANY_DIMENSIONS", t, dimensions=(("a", "$.a"),) * 4)
    raises("DIMENSIONS_INVALID", t, dimensions=[("a", "$.a")])
    raises("DIMENSIONS_INVALID", t, dimensions=(("a", "$.a", "x"),))
    raises("DIMENSIONS_INVALID", t, dimensions=(("a", "$.a"), ("a", "$.b")))
    raises("TRANSFORMATION_INVALID", MetricTransformation.from_aws, ["not", "an", "object"])


@pytest.mark.parametrize(
    ("value", "kind", "number"),
    [
        ("1", "number", 1.0),
        ("-3", "number", -3.0),
        ("0.5", "number", 0.5),
        ("2e3", "number", 2000.0),
        ("+4", "number", 4.0),
        ("$.latency", "selector", None),
        ("$.a.b[0]", "selector", None),
        ("$.['a.b']", "selector", None),
        ("$size", "field", None),
        ("$status_code", "field", None),
        ("$7", "field", None),
        ("$12", "field", None),
        ("$." + "a" * 98, "selector", None),
    ],
)
def test_metric_value_forms(value: str, kind: str, number: float | None) -> None:
    ref = t(value).value
    assert (ref.kind, ref.number, ref.text) == (kind, number, value)


def test_from_aws_reads_numbers_and_defaults_and_round_trips() -> None:
    tr = MetricTransformation.from_aws(
        {
            "metricName": "m",
            "metricNamespace": "n",
            "metricValue": 1,
            "defaultValue": 0,
            "unit": "Count",
            "someFutureField": {"x": 1},
        }
    )
    assert (tr.metric_value, tr.default_value, tr.unit) == ("1", 0.0, "Count")
    assert tr.to_aws() == {
        "metricName": "m",
        "metricNamespace": "n",
        "metricValue": "1",
        "defaultValue": 0.0,
        "unit": "Count",
    }
    dims = MetricTransformation.from_aws({**GOOD, "metricValue": "$.b", "dimensions": {"K": "$.k"}})
    assert dims.dimensions == (("K", "$.k"),)
    assert MetricTransformation.from_aws(dims.to_aws()) == dims
    assert MetricTransformation.from_aws({**GOOD, "metricValue": 2.5}).metric_value == "2.5"


@pytest.mark.parametrize("pattern", ["ERROR", "%ERR(O)?R%".replace("(O)?", "O?"), "", "  "])
def test_user_dimensions_need_a_structured_pattern(pattern: str) -> None:
    err = raises("DIMENSIONS_NOT_SUPPORTED", MetricFilter, pattern, t(dimensions=(("A", "$1"),)))
    assert err.field == "dimensions"


def test_system_dimensions() -> None:
    mf = MetricFilter("ERROR", t(), system_dimensions=("@aws.account", "@source.log"))
    assert mf.dimension_names == ("@aws.account", "@source.log")
    raises("SYSTEM_DIMENSION_INVALID", MetricFilter, "ERROR", t(), system_dimensions=("@aws.user",))
    raises(
        "SYSTEM_DIMENSION_INVALID",
        MetricFilter,
        "ERROR",
        t(),
        system_dimensions=("@aws.region", "@aws.region"),
    )
    raises(
        "TOO_MANY_DIMENSIONS",
        MetricFilter,
        "[a, b, c]",
        t(dimensions=(("A", "$a"), ("B", "$b"))),
        system_dimensions=("@aws.account", "@aws.region"),
    )
    raises(
        "DEFAULT_WITH_DIMENSIONS",
        MetricFilter,
        "ERROR",
        t(default_value=0),
        system_dimensions=("@aws.region",),
    )
    events = [(60.0, "ERROR disk"), (61.0, "INFO")]
    points = datapoints(mf, events, system={"@aws.account": "123456789012", "@source.log": "app"})
    assert points == [
        Datapoint(60.0, 1.0, "None", (("@aws.account", "123456789012"), ("@source.log", "app")))
    ]
    named = MetricFilter(
        "ERROR", t(), log_group="/aws/lambda/x", system_dimensions=("@source.log",)
    )
    assert datapoints(named, events)[0].dimensions == (("@source.log", "/aws/lambda/x"),)
    raises("SYSTEM_FIELD_UNKNOWN", datapoints, mf, events)


def test_metric_filter_from_aws() -> None:
    entry = json.loads((DATA / "audit" / "pass_cis_4_7.json").read_text())["metricFilters"][
        "metricFilters"
    ][1]
    mf = MetricFilter.from_aws(entry)
    assert (mf.name, mf.log_group, mf.pattern.family) == (
        "CIS-4.7-KmsKeyDisableOrScheduledDeletion",
        "aws-cloudtrail-logs-123456789012-management",
        "json",
    )
    assert mf.to_aws() == {
        k: v for k, v in entry.items() if k in ("filterName", "filterPattern", "logGroupName")
    } | {"metricTransformations": entry["metricTransformations"]}
    raises("TRANSFORMATION_COUNT", MetricFilter.from_aws, {**entry, "metricTransformations": []})
    raises(
        "TRANSFORMATION_COUNT",
        MetricFilter.from_aws,
        {**entry, "metricTransformations": entry["metricTransformations"] * 2},
    )
    raises("TRANSFORMATION_COUNT", MetricFilter.from_aws, {**entry, "metricTransformations": {}})
    raises("FILTER_NAME_INVALID", MetricFilter.from_aws, {**entry, "filterName": "a:b"})
    raises("FILTER_NAME_INVALID", MetricFilter.from_aws, {**entry, "filterName": ""})
    raises(
        "SYSTEM_DIMENSION_INVALID",
        MetricFilter.from_aws,
        {**entry, "emitSystemFieldDimensions": "@aws.region"},
    )
    with pytest.raises(cwpattern.PatternSyntaxError) as info:
        MetricFilter.from_aws({**entry, "filterPattern": "{ $.a == 1 }"})
    assert info.value.code == "INVALID_OPERATOR"
    with pytest.raises(CWPatternError, match="filterPattern must be a string"):
        MetricFilter.from_aws({k: v for k, v in entry.items() if k != "filterPattern"})
    assert MetricFilter.from_aws({**entry, "filterPattern": ""}).pattern.family == "match-all"


def test_options_that_are_not_simulated() -> None:
    base = {"filterPattern": "ERROR", "metricTransformations": [GOOD]}
    crit = MetricFilter.from_aws({**base, "fieldSelectionCriteria": '@aws.account IN ["1"]'})
    assert raises("NOT_SIMULATED", datapoints, crit, []).field == "fieldSelectionCriteria"
    transformed = MetricFilter.from_aws({**base, "applyOnTransformedLogs": True})
    assert raises("NOT_SIMULATED", datapoints, transformed, []).field == "applyOnTransformedLogs"
    assert MetricFilter.from_aws({**base, "applyOnTransformedLogs": False}).to_aws() == {
        "filterPattern": "ERROR",
        "metricTransformations": [GOOD],
    }


# --- resolution (§7.2, §7.3) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "value", "reason"),
    [
        ('{"latency": 50, "requestType": "GET"}', 50.0, None),
        ('{"latency": 7.25}', 7.25, None),
        ('{"latency": -1e2}', -100.0, None),
        ('{"latency": "42"}', 42.0, None),  # a numeric string (decided, spec §10.49)
        ('{"latency": "42 ms"}', None, "metricValue $.latency: not a number: '42 ms'"),
        ('{"other": 1, "latency": null}', None, "metricValue $.latency: not a number: None"),
        ('{"other": 1, "latency": true}', None, "metricValue $.latency: not a number: True"),
        (
            '{"other": 1, "latency": [5]}',
            None,
            "metricValue $.latency: not a number: [JsonNumber('5')]",
        ),
        ('{"latency": 1e999}', None, "metricValue $.latency: not a number: '1e999'"),
        ('{"other": 1, "latency": {}}', None, "metricValue $.latency: not a number: {}"),
    ],
)
def test_json_selector_value(message: str, value: float | None, reason: str | None) -> None:
    mf = MetricFilter("{ $.latency = * || $.other = 1 }", t("$.latency"))
    assert mf.evaluate(message) == Outcome(True, value, (), reason)


def test_json_selector_missing_field_and_nonmatching() -> None:
    mf = MetricFilter('{ $.type = "GET" }', t("$.latency", default_value=0))
    assert mf.evaluate('{"type": "GET"}') == Outcome(
        True, None, (), "metricValue $.latency: no such field"
    )
    assert mf.evaluate('{"type": "PUT", "latency": 3}') == Outcome(False, 0.0)
    assert mf.evaluate("not json") == Outcome(False, 0.0)


def test_nested_and_bracket_selectors() -> None:
    mf = MetricFilter("{ $.a.b[1] > 0 }", t("$.a.b[1]", dimensions=(("K", "$.['k.x']"),)))
    assert mf.evaluate('{"a": {"b": [0, 3]}, "k.x": "v"}') == Outcome(True, 3.0, (("K", "v"),))


@pytest.mark.parametrize(
    ("message", "dims", "reason"),
    [
        ('{"code": 7.0, "host": "web-1"}', (("Code", "7.0"), ("Host", "web-1")), None),
        ('{"code": 200, "host": "web-1"}', (("Code", "200"), ("Host", "web-1")), None),
        ('{"code": 7, "host": ""}', None, "dimension Host ($.host): not a string or number: ''"),
        (
            '{"code": 7, "host": null}',
            None,
            "dimension Host ($.host): not a string or number: None",
        ),
        (
            '{"code": 7, "host": false}',
            None,
            "dimension Host ($.host): not a string or number: False",
        ),
        ('{"code": 7}', None, "dimension Host ($.host): no such field"),
    ],
)
def test_dimension_values(message: str, dims: tuple[Any, ...] | None, reason: str | None) -> None:
    mf = MetricFilter("{ $.code = * }", t(dimensions=(("Code", "$.code"), ("Host", "$.host"))))
    outcome = mf.evaluate(message)
    assert outcome.matched
    assert (outcome.value, outcome.dimensions, outcome.reason) == (
        (1.0, dims, None) if dims else (None, (), reason)
    )


def test_space_delimited_references() -> None:
    mf = MetricFilter(APACHE, t("$size", dimensions=(("Status", "$status_code"), ("Ip", "$1"))))
    # "$1" is not extracted: the first field is named (a named field never gets a position key)
    assert mf.evaluate(APACHE_LINES[0]) == Outcome(
        True, None, (), "dimension Ip ($1): no such field"
    )
    positional = MetricFilter("[..., size]", t("$size", dimensions=(("Ip", "$1"),)))
    assert positional.evaluate(APACHE_LINES[1]) == Outcome(True, 5324.0, (("Ip", "127.0.0.1"),))
    # the last entry absorbs the rest of the line: "1534 extra" is not a number
    assert MetricFilter(APACHE, t("$size")).evaluate(APACHE_LINES[0] + " extra") == Outcome(
        True, None, (), "metricValue $size: not a number: '1534 extra'"
    )
    assert MetricFilter(APACHE, t("$nope")).evaluate(APACHE_LINES[0]).reason == (
        "metricValue $nope: no such field"
    )


def test_references_of_the_other_family_never_resolve_and_warn() -> None:
    json_ref_on_delimited = MetricFilter(APACHE, t("$.size"))
    assert json_ref_on_delimited.evaluate(APACHE_LINES[0]).reason == (
        "metricValue $.size: needs a json pattern"
    )
    field_ref_on_json = MetricFilter("{ $.size = * }", t("$size"))
    assert field_ref_on_json.evaluate('{"size": 5}').reason == (
        "metricValue $size: needs a space-delimited pattern"
    )
    assert json_ref_on_delimited.warnings() == [
        (
            "metricValue $.size needs a json pattern, but the pattern is space-delimited: matching "
            "events publish nothing"
        )
    ]
    assert MetricFilter(APACHE, t("$bytes")).warnings() == [
        (
            "metricValue $bytes: the pattern has no field named 'bytes': matching events publish "
            "nothing"
        )
    ]
    assert MetricFilter(APACHE, t("$size")).warnings() == []
    assert MetricFilter("ERROR", t("$1")).warnings() == [
        (
            "metricValue $1 needs a space-delimited pattern, but the pattern is terms: matching "
            "events publish nothing"
        )
    ]


# --- documented examples -----------------------------------------------------------------------

DOC_ROWS = [r for r in load_jsonl(DATA / "conformance" / "doc_examples.jsonl") if "extracted" in r]


def test_documented_examples_exist() -> None:
    assert len(DOC_ROWS) >= 15


@pytest.mark.parametrize("row", DOC_ROWS, ids=[r["_where"] for r in DOC_ROWS])
def test_test_metric_filter_reproduces_documented_responses(row: dict[str, Any]) -> None:
    """TestMetricFilter's response shape (spec §8): only matches, 1-based eventNumber, the
    message verbatim, extractedValues as documented."""
    response = cwpattern.test_metric_filter(row["pattern"], [row["event"], row["event"]])
    assert response == [
        {"eventNumber": n, "eventMessage": row["event"], "extractedValues": row["extracted"]}
        for n in (1, 2)
    ]
    assert list(response[0]) == ["eventNumber", "eventMessage", "extractedValues"]


def test_test_metric_filter_lists_only_matches_numbered_from_one() -> None:
    messages = ["INFO start", APACHE_LINES[0], "ERROR", APACHE_LINES[1][:20], APACHE_LINES[2]]
    assert cwpattern.test_metric_filter("[..., status_code=200, size]", messages) == [
        {
            "eventNumber": 2,
            "eventMessage": APACHE_LINES[0],
            "extractedValues": {
                "$1": "127.0.0.1",
                "$2": "-",
                "$3": "frank",
                "$4": "10/Oct/2000:13:25:15 -0700",
                "$5": "GET /apache_pb.gif HTTP/1.0",
                "$status_code": "200",
                "$size": "1534",
            },
        },
        {
            "eventNumber": 5,
            "eventMessage": APACHE_LINES[2],
            "extractedValues": {
                "$1": "127.0.0.1",
                "$2": "-",
                "$3": "frank",
                "$4": "10/Oct/2000:13:50:35 -0700",
                "$5": "GET /apache_pb.gif HTTP/1.0",
                "$status_code": "200",
                "$size": "4355",
            },
        },
    ]
    assert cwpattern.test_metric_filter("{ $.a = 1 }", ['{"a": 1}', "x"]) == [
        {"eventNumber": 1, "eventMessage": '{"a": 1}', "extractedValues": {}}
    ]


def test_documented_apache_size_metric() -> None:
    """The TestMetricFilter documentation example with metricValue $size."""
    mf = MetricFilter(APACHE, t("$size", unit="Bytes"))
    points = datapoints(mf, [(float(i), line) for i, line in enumerate(APACHE_LINES)])
    assert [(p.timestamp, p.value, p.unit) for p in points] == [
        (0.0, 1534.0, "Bytes"),
        (1.0, 5324.0, "Bytes"),
        (2.0, 4355.0, "Bytes"),
    ]


def test_documented_dimensions_example() -> None:
    """AWS 'Using dimensions': IP and server dimensions from a space-delimited pattern."""
    pattern = "[ip, server, username, timestamp, request, status_code, bytes > 1000]"
    mf = MetricFilter(pattern, t("$bytes", dimensions=(("IP", "$ip"), ("Server", "$server"))))
    line = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
    small = line.replace(" 1534", " 999")
    assert datapoints(mf, [(0.0, line), (1.0, small)]) == [
        Datapoint(0.0, 1534.0, "None", (("IP", "127.0.0.1"), ("Server", "Prod")))
    ]


def test_count_404s_with_default_value() -> None:
    """AWS 'Example: Count HTTP 404 responses': metricValue 1, defaultValue 0."""
    mf = MetricFilter(
        "[IP, UserInfo, User, Timestamp, RequestInfo, StatusCode=404, Bytes]",
        t("1", default_value=0),
    )
    lines = [line.replace(" 500 ", " 404 ") for line in APACHE_LINES[1:2]] + APACHE_LINES
    stats = FilterStats()
    points = datapoints(mf, [(60.0 * i, m) for i, m in enumerate(lines)], stats=stats)
    assert [p.value for p in points] == [1.0, 0.0, 0.0, 0.0]
    assert stats.to_dict() == {
        "events": 4,
        "matched": 1,
        "published": 1,
        "defaults": 3,
        "unresolved": {},
    }


# --- events to datapoints (§7.4) -----------------------------------------------------------------


def test_unresolved_match_publishes_nothing_not_even_the_default() -> None:
    mf = MetricFilter("{ $.type = * }", t("$.ms", default_value=0))
    stats = FilterStats()
    events = [(1.0, '{"type": "a", "ms": 5}'), (2.0, '{"type": "b"}'), (3.0, "plain text")]
    assert datapoints(mf, events, stats=stats) == [Datapoint(1.0, 5.0), Datapoint(3.0, 0.0)]
    assert stats.unresolved == {"metricValue $.ms: no such field": 1}
    assert (stats.matched, stats.published, stats.defaults) == (2, 1, 1)


def test_log_events_in_milliseconds_and_untimed_events() -> None:
    mf = MetricFilter("ERROR", t())
    events = [
        LogEvent("ERROR x", "f:1", 1_714_641_123_456),
        LogEvent("ok", "f:2", 1_714_641_124_000),
    ]
    assert datapoints(mf, events) == [Datapoint(1_714_641_123.456, 1.0)]
    with pytest.raises(CWPatternError, match="f:3: the event has no timestamp"):
        datapoints(mf, [LogEvent("ERROR", "f:3", None)])
    for bad in [("x", "ERROR"), (1.0,), (float("inf"), "ERROR"), (True, "ERROR"), "ERROR"]:
        with pytest.raises(CWPatternError, match="expected a LogEvent"):
            datapoints(mf, [bad])  # type: ignore[list-item]


def test_cloudtrail_records_and_filter_log_events_output(tmp_path: Path) -> None:
    """Timestamps come from eventTime (CloudTrail) or timestamp (filter-log-events)."""
    records = {
        "Records": [
            {
                "eventTime": "2024-05-02T09:12:03Z",
                "eventSource": "kms.amazonaws.com",
                "eventName": "DisableKey",
            },
            {
                "eventTime": "2024-05-02T09:13:00Z",
                "eventSource": "kms.amazonaws.com",
                "eventName": "Encrypt",
            },
            {
                "eventTime": "2024-05-02T09:31:59Z",
                "eventSource": "kms.amazonaws.com",
                "eventName": "ScheduleKeyDeletion",
            },
        ]
    }
    trail_file = tmp_path / "trail.json.gz"
    trail_file.write_bytes(gzip.compress(json.dumps(records).encode()))
    logs = {
        "events": [
            {
                "timestamp": 1714641123000,
                "message": json.dumps(records["Records"][0]),
                "logStreamName": "s",
                "ingestionTime": 1714641124000,
                "eventId": "1",
            }
        ]
    }
    (tmp_path / "logs.json").write_text(json.dumps(logs))
    mf = MetricFilter(KMS, MetricTransformation("KmsKeyDisableOrDeleteCount", "CISBenchmark", "1"))
    points = datapoints(mf, iter_events([str(trail_file), str(tmp_path / "logs.json")]))
    assert [p.timestamp for p in points] == [1714641123.0, 1714642319.0, 1714641123.0]


def test_cis_alarm_semantics_end_to_end() -> None:
    """CIS alarms: Sum >= 1 over one 300 s period.  One matching event sets the alarm off
    at the end of its period; unrelated traffic never does."""
    mf = MetricFilter(KMS, MetricTransformation("KmsKeyDisableOrDeleteCount", "CISBenchmark", "1"))
    alarm = Alarm.from_aws(
        {
            "AlarmName": "cis-4.7",
            "MetricName": "KmsKeyDisableOrDeleteCount",
            "Namespace": "CISBenchmark",
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        }
    )
    hit = '{"eventSource":"kms.amazonaws.com","eventName":"DisableKey"}'
    noise = '{"eventSource":"kms.amazonaws.com","eventName":"Decrypt"}'
    events = [(3600.0 + 10 * i, noise) for i in range(50)] + [(4499.0, hit), (4500.0, noise)]
    points = datapoints(mf, events)
    assert points == [Datapoint(4499.0, 1.0)]
    changes = evaluate(alarm, points, start=3600, end=7200)
    assert [(c.timestamp, c.state) for c in changes] == [
        (4500.0, "ALARM"),
        (5400.0, "INSUFFICIENT_DATA"),
    ]
    quiet = datapoints(mf, [e for e in events if e[1] == noise])
    assert quiet == [] and evaluate(alarm, quiet, start=3600, end=7200) == []
    # the event at 4500.0 belongs to the next period: ALARM one period later
    late = datapoints(mf, [(4500.0, hit)])
    assert [c.timestamp for c in evaluate(alarm, late, start=3600, end=7200)][:1] == [4800.0]


# --- the code list is complete and documented --------------------------------------------------

_BASE = {"filterPattern": "ERROR", "metricTransformations": [GOOD]}
CODE_EXAMPLES: dict[str, Any] = {
    "FILTER_NAME_INVALID": lambda: MetricFilter.from_aws({**_BASE, "filterName": "a*"}),
    "TRANSFORMATION_COUNT": lambda: MetricFilter.from_aws({**_BASE, "metricTransformations": []}),
    "TRANSFORMATION_INVALID": lambda: MetricFilter.from_aws(
        {**_BASE, "metricTransformations": [1]}
    ),
    "METRIC_NAME_INVALID": lambda: MetricTransformation("a:b", "n", "1"),
    "METRIC_NAMESPACE_INVALID": lambda: MetricTransformation("m", "", "1"),
    "METRIC_VALUE_INVALID": lambda: t("$.a[*]"),
    "DEFAULT_VALUE_INVALID": lambda: t(default_value=float("inf")),
    "DEFAULT_WITH_DIMENSIONS": lambda: t("$.a", default_value=1, dimensions=(("A", "$.a"),)),
    "DIMENSIONS_INVALID": lambda: MetricTransformation.from_aws({**GOOD, "dimensions": "A"}),
    "TOO_MANY_DIMENSIONS": lambda: t(dimensions=tuple((k, "$.a") for k in "ABCD")),
    "DIMENSION_KEY_INVALID": lambda: t(dimensions=((":A", "$.a"),)),
    "DIMENSION_VALUE_INVALID": lambda: t(dimensions=(("A", "literal"),)),
    "DIMENSIONS_NOT_SUPPORTED": lambda: MetricFilter("ERROR", t(dimensions=(("A", "$1"),))),
    "SYSTEM_DIMENSION_INVALID": lambda: MetricFilter("ERROR", t(), system_dimensions=("x",)),
    "UNIT_INVALID": lambda: t(unit="Parsecs"),
    "SYSTEM_FIELD_UNKNOWN": lambda: datapoints(
        MetricFilter("ERROR", t(), system_dimensions=("@aws.region",)), [(0.0, "ERROR")]
    ),
    "NOT_SIMULATED": lambda: datapoints(
        MetricFilter.from_aws({**_BASE, "applyOnTransformedLogs": True}), []
    ),
}


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_an_example_that_raises_it(code: str) -> None:
    raises(code, CODE_EXAMPLES[code])


def test_every_code_is_documented() -> None:
    assert set(CODE_EXAMPLES) == set(CODES)
    doc = (ROOT / "docs" / "metric-filters.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", doc, re.MULTILINE))
    assert documented == set(CODES)
