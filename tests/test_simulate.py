"""`cwpattern simulate`: would this metric filter and alarm have gone to ALARM, and when?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cwpattern.cli import main
from cwpattern.commands.simulate import CIS_ALARM, iso

AUDIT = Path(__file__).parent / "data" / "audit"
KMS = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
T0 = 1714640400  # 2024-05-02T09:00:00Z, a multiple of 300


def record(name: str, at: int, source: str = "kms.amazonaws.com") -> dict[str, Any]:
    return {
        "eventVersion": "1.08",
        "eventTime": iso(at),
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
    }


def filter_log_events(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "events": [
            {
                "logStreamName": "123456789012_CloudTrail_us-east-1",
                "eventId": str(i),
                "timestamp": _ms(r["eventTime"]),
                "message": json.dumps(r, separators=(",", ":")),
                "ingestionTime": 0,
            }
            for i, r in enumerate(records)
        ]
    }


def _ms(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def write(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


def simulate(
    capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, dict[str, Any] | str, str]:
    code = main(["simulate", *argv])
    out, err = capsys.readouterr()
    if "--format" in argv and code != 2:
        return code, json.loads(out), err
    return code, out, err


def test_iso() -> None:
    assert iso(T0) == "2024-05-02T09:00:00Z"
    assert iso(T0 + 0.25) == "2024-05-02T09:00:00.250Z"


def test_cis_alarm_goes_to_alarm_at_the_end_of_the_events_period(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    logs = write(
        tmp_path,
        "logs.json",
        filter_log_events(
            [
                record("ListKeys", T0 + 5),
                record("DisableKey", T0 + 723),
                record("Encrypt", T0 + 1500),
            ]
        ),
    )
    code, doc, _ = simulate(capsys, "-p", KMS, "--cis-alarm", logs, "--format", "json")
    assert code == 0
    assert isinstance(doc, dict)
    assert doc["first_alarm"] == iso(T0 + 900)
    assert [(c["time"], c["from"], c["to"]) for c in doc["changes"]] == [
        (iso(T0 + 900), "INSUFFICIENT_DATA", "ALARM"),
        (iso(T0 + 1800), "ALARM", "INSUFFICIENT_DATA"),
    ]
    assert doc["periods"] == [{"start": iso(T0 + 600), "value": 1.0}]
    assert (doc["start"], doc["end"]) == (iso(T0), iso(T0 + 1500 + 4 * 300))
    assert doc["input"]["filter_events"] == 3 and doc["input"]["filter_matched"] == 1
    assert doc["alarm"] | {"name": ""} == {
        "name": "",
        "namespace": "CISBenchmark",
        "metricName": "SimulatedCount",
        "statistic": "Sum",
        "period": 300,
        "evaluationPeriods": 1,
        "datapointsToAlarm": 1,
        "threshold": 1.0,
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "treatMissingData": "missing",
        "dimensions": {},
    }
    assert CIS_ALARM["Threshold"] == 1.0


def test_no_match_means_no_alarm(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    logs = write(tmp_path, "logs.json", filter_log_events([record("Encrypt", T0 + 5)]))
    code, out, _ = simulate(capsys, "-p", KMS, "--cis-alarm", logs)
    assert code == 1
    assert "events:  1 read, 0 matched, 0 datapoint(s) published" in str(out)
    assert str(out).endswith("result: the alarm would not have gone to ALARM\n")


def test_cloudtrail_files_and_text_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trail = write(
        tmp_path,
        "trail.json",
        {
            "Records": [
                record("ScheduleKeyDeletion", T0 + 299),
                record("DisableKey", T0 + 300),
                record("DisableKey", T0 + 301),
            ]
        },
    )
    code, out, _ = simulate(capsys, "-p", KMS, "--cis-alarm", trail)
    assert code == 0
    text = str(out)
    assert (
        "periods with data (Sum):\n  2024-05-02T09:00:00Z  1\n  2024-05-02T09:05:00Z  2\n" in text
    )
    assert (
        "  2024-05-02T09:05:00Z  INSUFFICIENT_DATA -> ALARM: 1 of the last 1 datapoints "
        "breach (1 of 1 needed for ALARM)"
    ) in text
    assert text.endswith("result: ALARM at 2024-05-02T09:05:00Z\n")


def test_describe_outputs_as_filter_and_alarm(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    snap = json.loads((AUDIT / "fail_threshold_never_fires.json").read_text())
    filters = write(tmp_path, "filters.json", snap["metricFilters"])
    alarms = write(tmp_path, "alarms.json", snap["alarms"])
    one = [record("DisableKey", T0 + 10)]
    two = one + [record("ScheduleKeyDeletion", T0 + 20)]
    name = "CIS-4.7-KmsKeyDisableOrScheduledDeletion"
    argv = [
        "--metric-filter",
        filters,
        "--filter-name",
        name,
        "--alarm",
        alarms,
        "--alarm-name",
        name,
        "--format",
        "json",
    ]
    code, doc, _ = simulate(capsys, *argv, write(tmp_path, "one.json", filter_log_events(one)))
    # threshold 2: one event never fires the alarm (the audit's verdict), two in a period do
    assert code == 1 and isinstance(doc, dict) and doc["alarm"]["threshold"] == 2.0
    assert [c["to"] for c in doc["changes"]] == ["OK"]  # TreatMissingData notBreaching
    code, doc, _ = simulate(capsys, *argv, write(tmp_path, "two.json", filter_log_events(two)))
    assert code == 0 and isinstance(doc, dict) and doc["first_alarm"] == iso(T0 + 300)
    # a single entry works without a name; the alarm's metric must be the filter's
    entry = write(tmp_path, "entry.json", snap["metricFilters"]["metricFilters"][0])
    code, doc, _ = simulate(
        capsys,
        "--metric-filter",
        entry,
        "--alarm",
        alarms,
        "--alarm-name",
        name,
        "--format",
        "json",
        write(tmp_path, "two2.json", filter_log_events(two)),
    )
    assert code == 1 and isinstance(doc, dict)
    assert doc["warnings"] == [
        (
            "the alarm watches CISBenchmark/KmsKeyDisableOrDeleteCount but the filter publishes "
            "CISBenchmark/RootAccountUsageCount: the alarm sees none of its datapoints"
        )
    ]


def test_pattern_publishes_to_the_alarms_metric(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    alarm = json.loads((AUDIT / "pass_cis_4_7.json").read_text())["alarms"]["MetricAlarms"][1]
    path = write(tmp_path, "alarm.json", alarm)
    logs = write(tmp_path, "logs.json", filter_log_events([record("DisableKey", T0 + 10)]))
    code, doc, _ = simulate(capsys, "-p", KMS, "--alarm", path, logs, "--format", "json")
    assert code == 0 and isinstance(doc, dict)
    assert doc["filter"]["metricTransformations"] == [
        {
            "metricName": "KmsKeyDisableOrDeleteCount",
            "metricNamespace": "CISBenchmark",
            "metricValue": "1",
        }
    ]
    assert [c["to"] for c in doc["changes"]] == ["ALARM", "OK"]


def test_metric_value_default_and_step(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    alarm = {
        "AlarmName": "slow",
        "MetricName": "Latency",
        "Namespace": "App",
        "Statistic": "Maximum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 500,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    }
    path = write(tmp_path, "alarm.json", {"MetricAlarms": [alarm], "CompositeAlarms": []})
    events = [
        (T0 + 30, {"path": "/a", "ms": 120}),
        (T0 + 200, {"path": "/b", "ms": 900}),
        (T0 + 240, {"path": "/c"}),
    ]
    logs = write(
        tmp_path,
        "logs.json",
        {"events": [{"timestamp": ts * 1000, "message": json.dumps(m)} for ts, m in events]},
    )
    code, doc, _ = simulate(
        capsys,
        "-p",
        "{ $.path = * }",
        "--metric-value",
        "$.ms",
        "--alarm",
        path,
        logs,
        "--format",
        "json",
    )
    assert code == 0 and isinstance(doc, dict)
    assert doc["periods"] == [{"start": iso(T0), "value": 900.0}]
    assert doc["input"]["filter_unresolved"] == {"metricValue $.ms: no such field": 1}
    assert doc["first_alarm"] == iso(T0 + 300)
    # evaluated every minute with a sliding 5-minute window, the alarm fires earlier
    code, doc, _ = simulate(
        capsys,
        "-p",
        "{ $.path = * }",
        "--metric-value",
        "$.ms",
        "--alarm",
        path,
        logs,
        "--format",
        "json",
        "--step",
        "60",
        "--start",
        iso(T0 - 300),
    )
    assert code == 0 and isinstance(doc, dict) and doc["first_alarm"] == iso(T0 + 240)
    code, doc, _ = simulate(
        capsys,
        "-p",
        '{ $.path = "/a" }',
        "--default-value",
        "0",
        "--metric-value",
        "$.ms",
        "--alarm",
        path,
        logs,
        "--format",
        "json",
    )
    assert code == 1 and isinstance(doc, dict)
    assert doc["datapoints"] == 3 and doc["periods"] == [{"start": iso(T0), "value": 120.0}]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-p", "{ $.a == 1 }", "--cis-alarm"], "syntax-error [INVALID_OPERATOR]"),
        (
            ["-p", "ERROR", "--metric-value", "$.a[*]", "--cis-alarm"],
            "error [METRIC_VALUE_INVALID]",
        ),
        (
            ["-p", "ERROR", "--dimension", "A=$.a", "--cis-alarm"],
            "error [DIMENSIONS_NOT_SUPPORTED]",
        ),
        (["-p", "ERROR", "--dimension", "A", "--cis-alarm"], "expected NAME=REFERENCE"),
        (["-p", "ERROR", "--alarm", "missing.json"], "missing.json: cannot read"),
        (["-p", "ERROR", "--cis-alarm", "--start", "yesterday"], "expected ISO 8601"),
        (["-p", "ERROR", "--cis-alarm"], "no log events were read"),
        (
            ["--metric-filter", "f.json", "--unit", "Count", "--cis-alarm"],
            "--unit: with --pattern only",
        ),
        (["-p", "ERROR"], None),  # no alarm: argparse usage error
        (["--cis-alarm", "LOG"], None),  # no filter
    ],
)
def test_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str | None,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.jsonl").write_text("")
    extra = [] if "LOG" in argv or message is None else [str(tmp_path / "empty.jsonl")]
    code, _, err = simulate(capsys, *argv, *extra)
    assert code == 2
    if message:
        assert message in err


def test_untimed_events_and_bad_alarm_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = tmp_path / "app.log"
    text.write_text("ERROR disk full\n")
    code, _, err = simulate(capsys, "-p", "ERROR", "--cis-alarm", str(text))
    assert code == 2 and "app.log:1: untimed_event: the event has no timestamp" in err
    bad = write(
        tmp_path,
        "alarm.json",
        {
            "MetricAlarms": [
                {
                    "AlarmName": "a",
                    "MetricName": "m",
                    "Namespace": "n",
                    "Statistic": "Sum",
                    "Period": 300,
                    "EvaluationPeriods": 1,
                    "Threshold": "one",
                    "ComparisonOperator": "GreaterThanThreshold",
                }
            ]
        },
    )
    logs = write(tmp_path, "logs.json", filter_log_events([record("DisableKey", T0)]))
    code, _, err = simulate(capsys, "-p", "ERROR", "--alarm", bad, logs)
    assert code == 2 and "alarm 'a': Threshold: must be a number, got 'one'" in err
    two = write(tmp_path, "two.json", {"MetricAlarms": [{"AlarmName": "a"}, {"AlarmName": "b"}]})
    code, _, err = simulate(capsys, "-p", "ERROR", "--alarm", two, logs)
    assert code == 2 and "2 alarms (['a', 'b']); choose one by name" in err
    code, _, err = simulate(capsys, "-p", "ERROR", "--alarm", two, "--alarm-name", "c", logs)
    assert code == 2 and "no alarm named 'c'" in err
    notjson = tmp_path / "x.json"
    notjson.write_text("{")
    code, _, err = simulate(capsys, "--metric-filter", str(notjson), "--cis-alarm", logs)
    assert code == 2 and "x.json:1:2: not valid JSON" in err
    crit = write(
        tmp_path,
        "crit.json",
        {
            "filterPattern": "ERROR",
            "metricTransformations": [
                {"metricName": "m", "metricNamespace": "n", "metricValue": "1"}
            ],
            "fieldSelectionCriteria": '@aws.account IN ["1"]',
        },
    )
    code, _, err = simulate(capsys, "--metric-filter", crit, "--cis-alarm", logs)
    assert code == 2 and "error [NOT_SIMULATED]" in err


def test_explicit_window_without_events(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    code, doc, _ = simulate(
        capsys,
        "-p",
        "ERROR",
        "--cis-alarm",
        "--start",
        iso(T0),
        "--end",
        iso(T0 + 900),
        str(tmp_path / "empty.jsonl"),
        "--format",
        "json",
    )
    assert code == 1 and isinstance(doc, dict) and doc["changes"] == []
    code, _, err = simulate(
        capsys,
        "-p",
        "ERROR",
        "--cis-alarm",
        "--start",
        iso(T0 + 900),
        "--end",
        iso(T0),
        str(tmp_path / "empty.jsonl"),
    )
    assert code == 2 and "--end is before --start" in err
