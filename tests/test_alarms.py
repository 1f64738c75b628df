"""CloudWatch alarm evaluation (cwpattern.aws.alarms)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from cwpattern.aws.alarms import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    Alarm,
    AlarmError,
    Datapoint,
    aggregate,
    evaluate,
    evaluations,
    fires_on_single_event,
    statistic_value,
)
from cwpattern.errors import CWPatternError

# The CIS alarm as `aws cloudwatch describe-alarms` prints it (AWS CLI v2).
CIS_ALARM: dict[str, Any] = {
    "AlarmName": "CIS-4.7-KmsKeyDisableOrScheduledDeletion",
    "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:CIS-4.7-KmsKeyDisableOrScheduledDeletion",
    "AlarmConfigurationUpdatedTimestamp": "2023-05-10T16:02:11.871000+00:00",
    "ActionsEnabled": True,
    "OKActions": [],
    "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:cis-security-alerts"],
    "InsufficientDataActions": [],
    "StateValue": "OK",
    "StateReason": "Threshold Crossed: no datapoints were received for 1 period.",
    "MetricName": "KmsKeyDisableOrDeleteCount",
    "Namespace": "CISBenchmark",
    "Statistic": "Sum",
    "Dimensions": [],
    "Period": 300,
    "EvaluationPeriods": 1,
    "DatapointsToAlarm": 1,
    "Threshold": 1.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "TreatMissingData": "notBreaching",
}


def make(**changes: Any) -> Alarm:
    doc = {**CIS_ALARM, **changes}
    return Alarm.from_aws({k: v for k, v in doc.items() if v is not None})


# --- parsing -------------------------------------------------------------------------------


def test_from_aws_reads_every_field() -> None:
    alarm = Alarm.from_aws(
        {
            **CIS_ALARM,
            "Dimensions": [{"Name": "Env", "Value": "prod"}],
            "Unit": "Count",
            "SomeFutureField": {"x": 1},
        }
    )
    assert alarm.name == "CIS-4.7-KmsKeyDisableOrScheduledDeletion"
    assert alarm.arn == CIS_ALARM["AlarmArn"]
    assert (alarm.metric_name, alarm.namespace) == ("KmsKeyDisableOrDeleteCount", "CISBenchmark")
    assert (alarm.statistic, alarm.period, alarm.evaluation_periods, alarm.datapoints_to_alarm) == (
        "Sum",
        300,
        1,
        1,
    )
    assert (alarm.threshold, alarm.operator_symbol) == (1.0, ">=")
    assert alarm.treat_missing_data == "notBreaching"
    assert alarm.dimensions == (("Env", "prod"),)
    assert alarm.unit == "Count"
    assert alarm.alarm_actions == ("arn:aws:sns:us-east-1:123456789012:cis-security-alerts",)
    assert alarm.actions_enabled is True
    assert alarm.state == "OK"


def test_from_aws_defaults() -> None:
    alarm = make(
        DatapointsToAlarm=None,
        TreatMissingData=None,
        EvaluationPeriods=4,
        ActionsEnabled=None,
        AlarmActions=None,
        Dimensions=None,
    )
    assert alarm.datapoints_to_alarm == 4
    assert alarm.treat_missing_data == "missing"
    assert alarm.actions_enabled is True
    assert alarm.alarm_actions == ()
    assert alarm.dimensions == ()


def test_extended_statistic() -> None:
    alarm = make(Statistic=None, ExtendedStatistic="p99.9")
    assert alarm.statistic == "p99.9"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"Threshold": None}, "Threshold", "missing"),
        ({"Threshold": "one"}, "Threshold", "must be a number, got 'one'"),
        ({"Threshold": True}, "Threshold", "must be a number, got True"),
        ({"Period": 45}, "Period", "must be 10, 20, 30 or a multiple of 60, got 45"),
        ({"Period": 0}, "Period", "must be 10, 20, 30 or a multiple of 60, got 0"),
        ({"Period": "300"}, "Period", "must be an integer, got '300'"),
        ({"EvaluationPeriods": 0}, "EvaluationPeriods", "must be at least 1, got 0"),
        (
            {"DatapointsToAlarm": 2},
            "DatapointsToAlarm",
            "must be between 1 and EvaluationPeriods (1), got 2",
        ),
        (
            {"ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"},
            "ComparisonOperator",
            "anomaly detection operator LessThanLowerOrGreaterThanUpperThreshold is not supported",
        ),
        ({"ComparisonOperator": "Equal"}, "ComparisonOperator", "unknown operator 'Equal'"),
        ({"ComparisonOperator": None}, "ComparisonOperator", "missing"),
        (
            {"TreatMissingData": "zero"},
            "TreatMissingData",
            "must be one of missing, notBreaching, breaching, ignore, got 'zero'",
        ),
        ({"Statistic": "Median"}, "Statistic", "unknown statistic 'Median'"),
        (
            {"Statistic": None},
            "Statistic",
            "missing (neither Statistic nor ExtendedStatistic is set)",
        ),
        (
            {"ExtendedStatistic": "p90"},
            "ExtendedStatistic",
            "give Statistic or ExtendedStatistic, not both",
        ),
        (
            {"Statistic": None, "ExtendedStatistic": "tm99"},
            "ExtendedStatistic",
            "'tm99' is not supported (only percentiles pNN are; trimmed and winsorized statistics are not simulated)",
        ),
        (
            {"Statistic": None, "ExtendedStatistic": "p101"},
            "ExtendedStatistic",
            "percentile 'p101' is above 100",
        ),
        (
            {"Metrics": [{"Id": "m1", "Expression": "SUM(METRICS())"}]},
            "Metrics",
            "metric math alarms are not supported",
        ),
        (
            {"ThresholdMetricId": "ad1"},
            "ThresholdMetricId",
            "anomaly detection alarms are not supported",
        ),
        ({"MetricName": None}, "MetricName", "missing"),
        ({"Namespace": ""}, "Namespace", "must be a non-empty string, got ''"),
        (
            {"Dimensions": [{"Name": "Env"}]},
            "Dimensions[0]",
            "must be {Name, Value} strings, got {'Name': 'Env'}",
        ),
        ({"ActionsEnabled": "true"}, "ActionsEnabled", "must be true or false, got 'true'"),
        (
            {"AlarmActions": "arn:aws:sns:us-east-1:1:t"},
            "AlarmActions",
            "must be a list of strings, got 'arn:aws:sns:us-east-1:1:t'",
        ),
        ({"StateValue": "FIRING"}, "StateValue", "unknown state 'FIRING'"),
        (
            {"EvaluateLowSampleCountPercentile": "skip"},
            "EvaluateLowSampleCountPercentile",
            "must be evaluate or ignore, got 'skip'",
        ),
    ],
)
def test_from_aws_errors_name_the_field(changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(AlarmError) as info:
        make(**changes)
    assert info.value.field == field
    assert info.value.msg == message
    assert (
        str(info.value) == f"alarm 'CIS-4.7-KmsKeyDisableOrScheduledDeletion': {field}: {message}"
    )
    assert isinstance(info.value, CWPatternError)


def test_from_aws_rejects_non_objects_and_missing_name() -> None:
    with pytest.raises(AlarmError, match="expected an object"):
        Alarm.from_aws(["not", "an", "alarm"])  # type: ignore[arg-type]
    with pytest.raises(AlarmError) as info:
        Alarm.from_aws({k: v for k, v in CIS_ALARM.items() if k != "AlarmName"})
    assert info.value.field == "AlarmName"


# --- statistics -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statistic", "expected"),
    [
        ("Sum", 15.0),
        ("SampleCount", 5.0),
        ("Average", 3.0),
        ("Minimum", 1.0),
        ("Maximum", 5.0),
        ("p0", 1.0),
        ("p20", 1.0),
        ("p21", 2.0),
        ("p50", 3.0),
        ("p90", 5.0),
        ("p100", 5.0),
    ],
)
def test_statistic_value(statistic: str, expected: float) -> None:
    assert statistic_value([5, 1, 4, 2, 3], statistic) == expected


def test_statistic_value_rejects_unknown_and_empty() -> None:
    with pytest.raises(AlarmError):
        statistic_value([1.0], "wm90")
    with pytest.raises(ValueError):
        statistic_value([], "Sum")


def test_aggregate_per_period() -> None:
    points = [Datapoint(0, 1), Datapoint(299.9, 2), Datapoint(300, 5), Datapoint(1000, 1)]
    assert aggregate(points, 300, "Sum") == {0.0: 3.0, 300.0: 5.0, 900.0: 1.0}
    assert aggregate(points, 300, "SampleCount") == {0.0: 2.0, 300.0: 1.0, 900.0: 1.0}
    assert aggregate(points, 300, "Maximum", origin=100) == {-200.0: 1.0, 100.0: 5.0, 1000.0: 1.0}
    assert aggregate([], 60, "Sum") == {}
    with pytest.raises(AlarmError):
        aggregate(points, 0, "Sum")


# --- the CIS alarm on a timeline ---------------------------------------------------------------


def changes(alarm: Alarm, points: list[Datapoint], **kw: Any) -> list[tuple[float, str, str]]:
    return [(c.timestamp, c.previous, c.state) for c in evaluate(alarm, points, **kw)]


def test_cis_alarm_timeline() -> None:
    # Sum >= 1 over 300 s, 1 of 1, notBreaching.  Events at 12:07:30 and 12:42:00 (t=450, 2520).
    alarm = make()
    points = [Datapoint(450, 1), Datapoint(2520, 1), Datapoint(2530, 1)]
    assert changes(alarm, points, start=0, end=3600) == [
        (300.0, INSUFFICIENT_DATA, OK),  # no data, missing filled as not breaching
        (600.0, OK, ALARM),  # the period [300, 600) holds Sum 1
        # the datapoint stays in the 3-period evaluation range through 1200: enough real
        # data, so TreatMissingData is not applied and the newest real datapoint decides
        (1500.0, ALARM, OK),
        (2700.0, OK, ALARM),
        (3600.0, ALARM, OK),
    ]


def test_evaluations_report_the_range_and_reason() -> None:
    alarm = make()
    evs = evaluations(alarm, [Datapoint(450, 1), Datapoint(460, 2)], start=0, end=900)
    assert [(e.timestamp, e.state, e.values) for e in evs] == [
        (300.0, OK, (None, None, None)),
        (600.0, ALARM, (None, None, 3.0)),
        (900.0, ALARM, (None, 3.0, None)),
    ]
    assert evs[1].reason == "1 of the last 1 datapoints breach (1 of 1 needed for ALARM)"
    assert evs[0].reason == (
        "0 datapoint(s) in the evaluation range (3 periods), 0 breaching, 1 missing filled as "
        "not breaching (1 of 1 needed for ALARM)"
    )


def test_sparse_metric_with_missing_goes_insufficient_only_when_the_whole_range_is_empty() -> None:
    alarm = make(TreatMissingData="missing")
    assert changes(alarm, [Datapoint(450, 1)], start=0, end=3000) == [
        (600.0, INSUFFICIENT_DATA, ALARM),
        (1500.0, ALARM, INSUFFICIENT_DATA),
    ]
    # A longer evaluation range keeps the ALARM longer.
    assert changes(alarm, [Datapoint(450, 1)], start=0, end=3000, evaluation_range=5) == [
        (600.0, INSUFFICIENT_DATA, ALARM),
        (2100.0, ALARM, INSUFFICIENT_DATA),
    ]


def test_evaluation_every_minute_with_a_sliding_window() -> None:
    alarm = make(TreatMissingData="missing")
    assert changes(alarm, [Datapoint(130, 1)], start=0, end=1500, step=60) == [
        (300.0, INSUFFICIENT_DATA, ALARM),
        (1080.0, ALARM, INSUFFICIENT_DATA),
    ]


def test_m_out_of_n() -> None:
    # 2 of 3, notBreaching, period 60: breaching minutes need not be consecutive.
    alarm = make(
        Period=60, EvaluationPeriods=3, DatapointsToAlarm=2, TreatMissingData="notBreaching"
    )
    points = [Datapoint(t, v) for t, v in [(0, 1), (60, 0), (120, 1), (180, 0), (240, 0), (300, 0)]]
    assert changes(alarm, points, start=0, end=360) == [
        (60.0, INSUFFICIENT_DATA, OK),
        (180.0, OK, ALARM),  # [1, 0, 1]
        (240.0, ALARM, OK),  # [0, 1, 0]: one breaching datapoint among the last three
    ]
    # A single breaching minute among zeros never alarms.
    single = [Datapoint(t, 1 if t == 120 else 0) for t in range(0, 600, 60)]
    assert changes(alarm, single, start=0, end=600) == [(60.0, INSUFFICIENT_DATA, OK)]


def test_only_the_alarms_dimensions_and_unit_count() -> None:
    alarm = make(
        Dimensions=[{"Name": "Env", "Value": "prod"}, {"Name": "App", "Value": "api"}], Unit="Count"
    )
    good = Datapoint(450, 1, "Count", (("App", "api"), ("Env", "prod")))  # order does not matter
    assert changes(alarm, [good], start=0, end=600)[-1] == (600.0, OK, ALARM)
    for other in [
        Datapoint(450, 1, "Count", (("Env", "prod"),)),  # a different dimension set
        Datapoint(450, 1, "Count", ()),
        Datapoint(450, 1, "None", (("App", "api"), ("Env", "prod"))),  # a different unit
    ]:
        assert changes(alarm, [other], start=0, end=600) == [(300.0, INSUFFICIENT_DATA, OK)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": 10, "end": 0}, "need finite start <= end"),
        ({"start": 0, "end": float("inf")}, "need finite start <= end"),
        ({"start": 0, "end": 600, "step": 0}, "step must be a positive number of seconds"),
        ({"start": 0, "end": 600, "evaluation_range": 0}, "shorter than EvaluationPeriods"),
        ({"start": 0, "end": 600, "initial_state": "ON"}, "unknown initial state 'ON'"),
        ({"start": 0, "end": 10**9, "step": 60}, "evaluations requested; at most 1000000"),
    ],
)
def test_evaluate_rejects_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(AlarmError, match=message):
        evaluate(make(), [], **kwargs)


def test_low_sample_count_ignore_is_not_simulated() -> None:
    alarm = make(Statistic=None, ExtendedStatistic="p99", EvaluateLowSampleCountPercentile="ignore")
    with pytest.raises(
        AlarmError, match="EvaluateLowSampleCountPercentile=ignore is not simulated"
    ):
        evaluate(alarm, [], start=0, end=600)


def test_no_evaluation_before_the_first_period_ends() -> None:
    assert evaluations(make(), [Datapoint(1, 5)], start=0, end=299) == []


# --- treat missing data: the documented tables ----------------------------------------------------
#
# The two tables of "Configuring how CloudWatch alarms treat missing data" (CloudWatch User
# Guide): 5 datapoints retrieved (the evaluation range), oldest first; 0 = not breaching,
# X = breaching, - = missing.  RETAIN = "Retain current state".

RETAIN = "retain"
MODES = ("missing", "ignore", "breaching", "notBreaching")
TABLE_3_OF_3 = [
    ("0 - X - X", (OK, OK, OK, OK)),
    ("- - - - 0", (OK, OK, OK, OK)),
    ("- - - - -", (INSUFFICIENT_DATA, RETAIN, ALARM, OK)),
    ("0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("- - X - -", (ALARM, RETAIN, ALARM, OK)),
]
TABLE_2_OF_3 = [
    ("0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 - X - -", (OK, OK, ALARM, OK)),
    ("- - - - 0", (OK, OK, ALARM, OK)),
    ("- - - X -", (ALARM, RETAIN, ALARM, OK)),
]


def evaluate_row(row: str, m: int, mode: str, initial: str) -> str:
    alarm = make(Period=60, EvaluationPeriods=3, DatapointsToAlarm=m, TreatMissingData=mode)
    points = [
        Datapoint(i * 60 + 30, 5.0 if c == "X" else 0.0)
        for i, c in enumerate(row.split())
        if c != "-"
    ]
    (only,) = evaluations(
        alarm, points, start=240, end=300, evaluation_range=5, initial_state=initial
    )  # type: ignore[arg-type]
    return only.state


@pytest.mark.parametrize(
    ("m", "row", "expected"),
    [(3, r, e) for r, e in TABLE_3_OF_3] + [(2, r, e) for r, e in TABLE_2_OF_3],
)
def test_documented_missing_data_tables(m: int, row: str, expected: tuple[str, ...]) -> None:
    for mode, want in zip(MODES, expected):
        for initial in (OK, ALARM, INSUFFICIENT_DATA):
            got = evaluate_row(row, m, mode, initial)
            assert got == (initial if want == RETAIN else want), (row, mode, initial)


def test_breaching_fill_is_used_as_few_times_as_possible() -> None:
    # The documented note on "- - - - 0" with 3 of 3: OK now, ALARM once the real
    # non-breaching point leaves the evaluation range.
    alarm = make(Period=60, EvaluationPeriods=3, DatapointsToAlarm=3, TreatMissingData="breaching")
    states = [
        e.state
        for e in evaluations(alarm, [Datapoint(270, 0)], start=240, end=600, evaluation_range=5)
    ]
    # evaluations at 300..600; the datapoint of [240, 300) is in range through 540
    assert states == [OK, OK, OK, OK, OK, ALARM]


# --- fires_on_single_event -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "kwargs", "fires", "reason"),
    [
        (
            {},
            {},
            True,
            (
                "one event gives Sum 1 >= 1; from OK the alarm goes to ALARM at the end of "
                "the event's period and stays for 3 period(s), then goes to OK"
            ),
        ),
        ({"Threshold": 2.0}, {}, False, "one event gives Sum 1, which is not >= 2"),
        (
            {"ComparisonOperator": "GreaterThanThreshold"},
            {},
            False,
            "one event gives Sum 1, which is not > 1",
        ),
        (
            {"ComparisonOperator": "GreaterThanThreshold", "Threshold": 0.0},
            {},
            True,
            "one event gives Sum 1 > 0",
        ),
        (
            {"ComparisonOperator": "LessThanThreshold", "Threshold": 5.0},
            {},
            False,
            "one event gives Sum 1 < 5, but several events in one period give a Sum that is not",
        ),
        (
            {"EvaluationPeriods": 3, "DatapointsToAlarm": 2},
            {},
            False,
            "but one breaching period does not move the alarm from INSUFFICIENT_DATA to ALARM",
        ),
        (
            {"EvaluationPeriods": 3, "DatapointsToAlarm": 2, "TreatMissingData": "missing"},
            {},
            True,
            "from INSUFFICIENT_DATA the alarm goes to ALARM at the end of the event's period",
        ),
        (
            {"EvaluationPeriods": 3, "DatapointsToAlarm": 2, "TreatMissingData": "ignore"},
            {},
            False,
            "TreatMissingData=ignore keeps INSUFFICIENT_DATA",
        ),
        (
            {"TreatMissingData": "ignore"},
            {},
            True,
            "stays there until a non-breaching datapoint arrives",
        ),
        (
            {"TreatMissingData": "breaching"},
            {},
            False,
            "without matching events the alarm already sits in ALARM",
        ),
        ({"Statistic": "Average", "Threshold": 0.5}, {}, True, "one event gives Average 1 >= 0.5"),
        (
            {"Statistic": "Average", "Threshold": 0.5},
            {"default_value": 0.0},
            False,
            "with DefaultValue 0, unmatched events in the same period can move Average to the non-breaching side",
        ),
        ({"Statistic": "Maximum"}, {"default_value": 0.0}, True, "whatever the other traffic"),
        ({"Statistic": "Minimum"}, {"default_value": 0.0}, False, "can move Minimum"),
        ({"Statistic": "SampleCount"}, {}, True, "one event gives SampleCount 1 >= 1"),
        (
            {"Statistic": "SampleCount"},
            {"default_value": 0.0},
            False,
            "every period without matching events already breaches (SampleCount of the DefaultValue 0 datapoints)",
        ),
        ({}, {"default_value": 0.0}, True, "from OK the alarm goes to ALARM"),
        (
            {},
            {"default_value": 1.0},
            False,
            "every period without matching events already breaches",
        ),
        (
            {"Threshold": 3.0},
            {"default_value": 0.5, "value": 3.0},
            False,
            "depends on the amount of other log traffic",
        ),
        ({}, {"value": 0.0}, False, "one event gives Sum 0, which is not >= 1"),
        ({"Statistic": None, "ExtendedStatistic": "p99"}, {}, True, "one event gives p99 1 >= 1"),
        (
            {
                "Statistic": None,
                "ExtendedStatistic": "p99",
                "EvaluateLowSampleCountPercentile": "ignore",
            },
            {},
            False,
            "too few samples",
        ),
    ],
)
def test_fires_on_single_event(
    changes: dict[str, Any], kwargs: dict[str, Any], fires: bool, reason: str
) -> None:
    got, why = fires_on_single_event(make(**changes), **kwargs)
    assert got is fires, why
    assert reason in why


STATS = ("Sum", "SampleCount", "Average", "Minimum", "Maximum", "p50")
OPERATORS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)


def _reaches_alarm(
    alarm: Alarm, matching: int, unmatched: int, default: float | None, initial: str
) -> bool:
    """Simulate a quiet stretch, then `matching` events in one period, with evaluate()."""
    p = alarm.period
    points: list[Datapoint] = []
    for k in range(20):
        start = k * p
        if default is not None:
            points += [Datapoint(start + 1 + i * 0.01, default) for i in range(unmatched)]
        if k == 10:
            points += [Datapoint(start + 2 + i * 0.01, 1.0) for i in range(matching)]
    evs = evaluations(alarm, points, start=0, end=20 * p, initial_state=initial)  # type: ignore[arg-type]
    before = [e.state for e in evs if e.timestamp <= 10 * p]
    after = [e.state for e in evs if e.timestamp > 10 * p]
    return before[-1] != ALARM and ALARM in after


@pytest.mark.parametrize("stat", STATS)
def test_fires_on_single_event_agrees_with_simulation(stat: str) -> None:
    """Cross-check the analytic verdict against evaluate() over traffic scenarios."""
    for op, threshold, (n, m), mode, default in itertools.product(
        OPERATORS, (0.0, 1.0, 2.0), ((1, 1), (3, 2), (2, 2)), MODES, (None, 0.0)
    ):
        alarm = make(
            Statistic=None if stat.startswith("p") else stat,
            ExtendedStatistic=stat if stat.startswith("p") else None,
            ComparisonOperator=op,
            Threshold=threshold,
            EvaluationPeriods=n,
            DatapointsToAlarm=m,
            TreatMissingData=mode,
            Period=60,
        )
        fires, why = fires_on_single_event(alarm, default_value=default)
        scenarios = [
            (matching, unmatched, initial)
            for matching in (1, 7)
            for unmatched in ((0,) if default is None else (1, 40))
            for initial in (INSUFFICIENT_DATA, OK)
        ]
        results = [_reaches_alarm(alarm, a, b, default, c) for a, b, c in scenarios]
        label = (stat, op, threshold, n, m, mode, default, why)
        if fires:
            assert all(results), label
        else:
            assert not all(results), label
