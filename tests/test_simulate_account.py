"""cwpattern.aws.simulate.simulate_account: every metric filter of an account (and every
alarm on their metrics) over one read of the logs, each filter's datapoints exactly those
of the one-filter simulation."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from cwpattern import batch
from cwpattern.aws import simulate as sim
from cwpattern.aws.alarms import Alarm
from cwpattern.aws.publish import FilterStats, MetricFilter, MetricTransformation, datapoints
from cwpattern.aws.simulate import cis_alarm, cis_alarms, simulate, simulate_account
from cwpattern.errors import CWPatternError
from cwpattern.sources import LogEvent, ScanStats, iter_events

T0 = 1714640400  # 2024-05-02T09:00:00Z


def _filter(name: str, pattern: str, metric: str, value: str = "1", **kw: object) -> MetricFilter:
    return MetricFilter(
        pattern,
        MetricTransformation(metric, kw.pop("namespace", "App"), value, **kw),  # type: ignore[arg-type]
        name=name,
    )


FILTERS = [
    # JSON: a $.selector metric value and a dimension (some events lack the field, some
    # carry a string: unresolved)
    _filter(
        "latency",
        "{ $.path = * }",
        "Latency",
        "$.ms",
        dimensions=(("Path", "$.path"),),
        unit="Milliseconds",
    ),
    # JSON with a default value: one datapoint per event that does not match
    _filter("errors", '{ $.level = "error" }', "Errors", "1", default_value=0.0),
    # JSON with a numeric comparison and a nested selector value
    _filter("big", "{ $.size.bytes > 100 }", "BigBytes", "$.size.bytes"),
    # space-delimited: $name value and dimension
    _filter(
        "notfound",
        "[ip, user, verb, path, status = 4*, bytes]",
        "NotFoundBytes",
        "$bytes",
        dimensions=(("Status", "$status"),),
    ),
    # space-delimited by position, with a default value
    _filter("posts", "[a, b, verb = POST, ...]", "Posts", "$1", default_value=0.5),
    # terms, a regex and match-all
    _filter("denied", "AccessDenied -Decrypt", "Denied"),
    _filter("sched", "%Sched[A-Za-z]+Deletion%", "Sched", "2"),
    _filter("all", "", "Events", "1"),
    # two filters on one metric (the alarm sees both)
    _filter("kms-a", "{ $.eventName = DisableKey }", "Kms", namespace="CIS"),
    _filter("kms-b", "{ $.eventName = ScheduleKeyDeletion }", "Kms", namespace="CIS"),
]


def _messages(rng: random.Random) -> Iterator[str]:
    while True:
        kind = rng.randrange(6)
        if kind == 0:
            doc: dict[str, object] = {"path": rng.choice(["/a", "/b", "/c d"])}
            if rng.random() < 0.8:
                doc["ms"] = rng.choice([12, 250.5, 900, "slow", -3, 1e3])
            yield json.dumps(doc)
        elif kind == 1:
            yield json.dumps({"level": rng.choice(["error", "info", "warn"]), "n": rng.random()})
        elif kind == 2:
            yield json.dumps({"size": {"bytes": rng.choice([5, 101, 4096, "x"])}})
        elif kind == 3:
            status = rng.choice(["404", "403", "200", "500"])
            verb = rng.choice(["GET", "POST"])
            yield f"10.0.0.{rng.randrange(9)} ana {verb} /x{rng.randrange(3)} {status} {rng.randrange(900)}"
        elif kind == 4:
            yield rng.choice(
                [
                    "AccessDenied for Decrypt",
                    "AccessDenied on PutObject",
                    "ScheduleKeyDeletion requested",
                    '{"eventName":"DisableKey"}',
                    '{"eventName":"ScheduleKeyDeletion","x":"AccessDenied"}',
                ]
            )
        else:
            yield rng.choice(["", "plain text line", "10.0.0.1 bob POST /y 401 77 extra"])


def _events(n: int, seed: int) -> list[LogEvent]:
    rng = random.Random(seed)
    messages = _messages(rng)
    # out of time order now and then: datapoints keep the order of the events
    return [
        LogEvent(next(messages), f"e#{i}", (T0 + i * 7 + rng.randrange(-30, 30)) * 1000)
        for i in range(n)
    ]


ALARMS = [
    Alarm.from_aws(
        {
            "AlarmName": "slow",
            "MetricName": "Latency",
            "Namespace": "App",
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 2,
            "DatapointsToAlarm": 1,
            "Threshold": 500,
            "ComparisonOperator": "GreaterThanThreshold",
            "Dimensions": [{"Name": "Path", "Value": "/a"}],
            "Unit": "Milliseconds",
        }
    ),
    Alarm.from_aws(
        {
            "AlarmName": "error-rate",
            "MetricName": "Errors",
            "Namespace": "App",
            "Statistic": "Average",
            "Period": 120,
            "EvaluationPeriods": 1,
            "Threshold": 0.3,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        }
    ),
    replace(cis_alarm("App", "NotFoundBytes"), name="not-found"),
    replace(cis_alarm("App", "Posts"), name="posts"),
    replace(cis_alarm("App", "Sched"), name="sched"),
    replace(cis_alarm("CIS", "Kms"), name="kms"),
    cis_alarm("Elsewhere", "CPU"),  # no filter publishes it
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("batch_size", [2048, 7])
def test_each_filter_publishes_what_it_publishes_alone(
    seed: int, batch_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sim, "_BATCH", batch_size)  # batch boundaries inside the events
    events = _events(1500, seed)
    result = simulate_account(FILTERS, ALARMS, iter(events))
    assert [f.metric_filter for f in result.filters] == FILTERS
    for mf, got in zip(FILTERS, result.filters):
        stats = FilterStats()
        alone = datapoints(mf, events, stats=stats)
        assert got.datapoints == tuple(alone), mf.name
        assert got.stats == stats, mf.name
        assert got.error is None
    published = {f.metric_filter.name: len(f.datapoints) for f in result.filters}
    assert all(published.values()), published  # the events exercise every filter
    assert result.filters[0].stats.unresolved  # "slow", missing ms
    # an alarm fed by one filter: exactly the one-filter simulation's timeline
    by_name = {a.alarm.name: a for a in result.alarms}
    doc = result.to_dict()
    for alarm in ALARMS[:5]:
        k = next(
            i for i, f in enumerate(FILTERS) if f.transformation.metric_name == alarm.metric_name
        )
        alone_doc = simulate(FILTERS[k], alarm, events)
        entry = next(a for a in doc["alarms"] if a["alarm"]["name"] == alarm.name)
        for key in ("alarm", "datapoints", "periods", "changes", "alarm_state_reached"):
            assert entry[key] == alone_doc[key], (alarm.name, key)
        assert (entry["first_alarm"], entry["start"], entry["end"]) == (
            alone_doc["first_alarm"],
            alone_doc["start"],
            alone_doc["end"],
        )
        assert by_name[alarm.name].filters == (k,)
    # the alarm on a metric two filters publish sees both
    kms = by_name[ALARMS[5].name]
    assert [FILTERS[k].name for k in kms.filters] == ["kms-a", "kms-b"]
    both = datapoints(FILTERS[8], events) + datapoints(FILTERS[9], events)
    assert kms.datapoints == len(both) > 0
    line = sim.timeline(ALARMS[5], both, (kms.timeline.start, kms.timeline.end))
    assert kms.timeline == line
    assert result.other_alarms == ("cis-benchmark-alarm",)  # Elsewhere/CPU
    assert result.alarm_state_reached == any(a.alarm_state_reached for a in result.alarms)
    json.dumps(doc)  # JSON-ready


def test_one_read_of_the_events_and_one_search_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    events = _events(300, 5)
    reads = []

    def once() -> Iterator[LogEvent]:
        reads.append(1)
        yield from events

    searches = []
    real = batch.BatchMatcher.matching

    def counted(self: batch.BatchMatcher, messages: list[str]) -> list[list[int]]:
        searches.append(len(messages))
        return real(self, messages)

    monkeypatch.setattr(batch.BatchMatcher, "matching", counted)
    monkeypatch.setattr(sim, "_BATCH", 100)
    result = simulate_account(FILTERS, [], once())
    assert reads == [1] and searches == [100, 100, 100]
    assert [len(f.datapoints) for f in result.filters] == [
        len(datapoints(mf, events)) for mf in FILTERS
    ]
    assert result.alarms == () and result.warnings == ()


def test_files_read_once_and_skipped_input_reported(tmp_path: Path) -> None:
    events = _events(400, 9)
    logs = tmp_path / "logs.json"
    logs.write_text(
        json.dumps({"events": [{"timestamp": e.timestamp, "message": e.message} for e in events]})
    )
    (tmp_path / "app.log").write_text("AccessDenied without a time\n")
    paths = [str(logs), str(tmp_path / "app.log")]
    scan = ScanStats()
    result = simulate_account(
        FILTERS, cis_alarms(FILTERS), iter_events(paths, stats=scan), scan=scan
    )
    for mf, got in zip(FILTERS, result.filters):
        one = ScanStats()
        alone = simulate(mf, cis_alarm("App", "x"), iter_events(paths, stats=one), scan=one)
        assert len(got.datapoints) == alone["datapoints"]
        assert {f"filter_{k}": v for k, v in got.stats.to_dict().items()} == {
            k: v for k, v in alone["input"].items() if k.startswith("filter_")
        }
        assert result.input == {
            k: v for k, v in alone["input"].items() if not k.startswith("filter_")
        }
    # (the empty messages are not events of filter-log-events output: bad_event)
    assert result.input["skipped"]["untimed_event"] == 1 and result.input["skipped"]["bad_event"]
    assert result.warnings[0].startswith("input left out: {'bad_event': ")
    assert "'untimed_event': 1}" in result.warnings[0]
    # one CIS alarm per metric: the two kms filters share one
    assert len(result.alarms) == len(FILTERS) - 1


def test_filters_that_cannot_be_simulated_are_reported() -> None:
    events = _events(200, 3)
    criteria = MetricFilter(
        "ERROR",
        MetricTransformation("Crit", "App", "1"),
        name="crit",
        field_selection_criteria='@aws.account IN ["1"]',
    )
    system = MetricFilter(
        "{ $.level = error }",
        MetricTransformation("Sys", "App", "1"),
        name="sys",
        system_dimensions=("@aws.account",),
    )
    result = simulate_account(
        [criteria, system, FILTERS[1]],
        [cis_alarm("App", "Sys"), cis_alarm("App", "Errors")],
        events,
        problems=["filters.json: filter 'bad': syntax error"],
    )
    crit, sys_, errors = result.filters
    assert "NOT_SIMULATED" in (crit.error or "") and crit.datapoints == ()
    assert "SYSTEM_FIELD_UNKNOWN" in (sys_.error or "") and sys_.datapoints == ()
    assert errors.error is None and errors.datapoints == tuple(datapoints(FILTERS[1], events))
    assert result.not_simulated[0] == "filters.json: filter 'bad': syntax error"
    assert [n.split(":")[0] for n in result.not_simulated[1:]] == ["filter 'crit'", "filter 'sys'"]
    assert "the alarm misses its datapoints" in result.alarms[0].warnings[0]
    # with the system field given, it publishes as alone
    given = simulate_account([system], [], events, system={"@aws.account": "123456789012"})
    assert given.filters[0].datapoints == tuple(
        datapoints(system, events, system={"@aws.account": "123456789012"})
    )


def test_no_events_and_window_errors() -> None:
    with pytest.raises(CWPatternError, match="no log events were read"):
        simulate_account(FILTERS, ALARMS, [])
    empty = simulate_account(FILTERS, ALARMS[:1], [], start=T0, end=T0 + 600)
    assert empty.alarms[0].timeline.start == T0 and empty.filters[0].datapoints == ()
    with pytest.raises(CWPatternError, match="--end is before --start"):
        simulate_account(FILTERS, ALARMS[:1], [], start=T0, end=T0 - 600)


# --- the command: --metric-filter FILE --all, --snapshot FILE ---------------------------------

AUDIT = Path(__file__).parent / "data" / "audit"
KMS47 = "CIS-4.7-KmsKeyDisableOrScheduledDeletion"
ROOT43 = "CIS-4.3-RootAccountUsage"


def _record(name: str, at: int, **extra: object) -> dict[str, object]:
    return {
        "eventVersion": "1.08",
        "eventTime": sim.iso(at),
        "eventSource": "kms.amazonaws.com",
        "eventName": name,
        **extra,
    }


def _write(tmp_path: Path, name: str, doc: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from cwpattern.cli import main

    code = main(["simulate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def account(tmp_path: Path) -> dict[str, str]:
    snap = json.loads((AUDIT / "pass_cis_4_7.json").read_text())
    records = [
        _record("DisableKey", T0 + 10),
        _record("Encrypt", T0 + 15),
        _record(
            "ConsoleLogin",
            T0 + 400,
            eventSource="signin.amazonaws.com",
            userIdentity={"type": "Root"},
            eventType="AwsConsoleSignIn",
        ),
        _record("ScheduleKeyDeletion", T0 + 1300),
    ]
    return {
        "snapshot": str(AUDIT / "pass_cis_4_7.json"),
        "filters": _write(tmp_path, "filters.json", snap["metricFilters"]),
        "alarms": _write(tmp_path, "alarms.json", snap["alarms"]),
        "logs": _write(tmp_path, "trail.json", {"Records": records}),
    }


def test_every_filter_as_the_one_filter_command_gives_it(
    capsys: pytest.CaptureFixture[str], account: dict[str, str]
) -> None:
    code, out, _ = _cli(
        capsys,
        "--metric-filter",
        account["filters"],
        "--all",
        "--alarm",
        account["alarms"],
        account["logs"],
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    names = [f["filter"]["filterName"] for f in doc["filters"]]
    assert names == [ROOT43, KMS47, "lambda-errors"]
    assert [a["alarm"]["name"] for a in doc["alarms"]] == [
        ROOT43,
        KMS47,
        "billing-lambda-errors",
    ]
    for entry in doc["alarms"]:
        (name,) = entry["filters"]
        code, one, _ = _cli(
            capsys,
            "--metric-filter",
            account["filters"],
            "--filter-name",
            name,
            "--alarm",
            account["alarms"],
            "--alarm-name",
            entry["alarm"]["name"],
            account["logs"],
            "--format",
            "json",
        )
        alone = json.loads(one)
        assert code == (0 if alone["alarm_state_reached"] else 1)
        for key in ("alarm", "datapoints", "periods", "changes", "first_alarm", "start", "end"):
            assert entry[key] == alone[key], (name, key)
        row = doc["filters"][names.index(name)]
        assert row["filter"] == alone["filter"]
        assert {f"filter_{k}": v for k, v in row["input"].items()} == {
            k: v for k, v in alone["input"].items() if k.startswith("filter_")
        }
    by_alarm = {a["alarm"]["name"]: a for a in doc["alarms"]}
    assert by_alarm[KMS47]["first_alarm"] == sim.iso(T0 + 300)
    assert by_alarm[ROOT43]["alarm_state_reached"] is True
    assert by_alarm["billing-lambda-errors"]["alarm_state_reached"] is False
    assert doc["alarm_state_reached"] is True and doc["not_simulated"] == []


def test_snapshot_log_group_and_text(
    capsys: pytest.CaptureFixture[str], account: dict[str, str]
) -> None:
    group = "aws-cloudtrail-logs-123456789012-management"
    code, out, _ = _cli(
        capsys, "--snapshot", account["snapshot"], "--log-group", group, account["logs"]
    )
    assert code == 0
    assert out.startswith("filters: 2 over one read of the logs: 4 event(s) read\n")
    assert (
        f"  {KMS47} -> CISBenchmark/KmsKeyDisableOrDeleteCount: 2 matched, 2 datapoint(s)\n" in out
    )
    assert "lambda-errors" not in out.split("alarms:")[0]
    assert f"  {KMS47}: Sum >= 1 in 1 of 1 period(s) of 300 s on " in out
    assert "(1 other alarm(s) watch metrics no filter publishes)" in out
    assert out.endswith("result: 2 of 2 alarm(s) would have gone to ALARM\n")
    # --cis-alarm: one CIS alarm per metric instead of the snapshot's alarms
    code, out, _ = _cli(
        capsys,
        "--snapshot",
        account["snapshot"],
        "--cis-alarm",
        account["logs"],
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert code == 0 and [a["alarm"]["threshold"] for a in doc["alarms"]] == [1.0, 1.0, 1.0]
    assert [a["filters"] for a in doc["alarms"]] == [[ROOT43], [KMS47], ["lambda-errors"]]


def test_skipped_input_and_unreadable_entries_exit_2_unless_accepted(
    capsys: pytest.CaptureFixture[str], account: dict[str, str], tmp_path: Path
) -> None:
    untimed = tmp_path / "app.log"
    untimed.write_text("DisableKey\n")
    argv = ["--snapshot", account["snapshot"], account["logs"], str(untimed)]
    code, out, err = _cli(capsys, *argv)
    assert code == 2 and "1 piece(s) of input skipped" in err
    assert "warning: input left out: {'untimed_event': 1}" in out
    assert _cli(capsys, *argv, "--skip-ok")[0] == 0
    snap = json.loads((AUDIT / "pass_cis_4_7.json").read_text())
    bad = dict(
        snap["metricFilters"]["metricFilters"][1], filterName="bad", filterPattern="{ $.a = "
    )
    snap["metricFilters"]["metricFilters"].append(bad)
    snap["alarms"]["MetricAlarms"].append(
        {
            "AlarmName": "math",
            "Metrics": [
                {
                    "Id": "m1",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "CISBenchmark",
                            "MetricName": "KmsKeyDisableOrDeleteCount",
                        }
                    },
                }
            ],
        }
    )
    snap["alarms"]["MetricAlarms"].append(
        {
            "AlarmName": "cpu-math",
            "Metrics": [
                {
                    "Id": "m1",
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization"}
                    },
                }
            ],
        }
    )
    path = _write(tmp_path, "snap.json", snap)
    code, out, err = _cli(capsys, "--snapshot", path, account["logs"])
    assert code == 2 and "2 filter(s) or alarm(s) not simulated" in err
    assert f"not simulated: {path}: filter 'bad': " in out
    assert f"not simulated: {path}: alarm 'math': Metrics: metric math" in out
    assert "cpu-math" not in out  # it watches none of the filters' metrics
    assert _cli(capsys, "--snapshot", path, account["logs"], "--skip-ok")[0] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--all", "-p", "ERROR", "--cis-alarm"], "--all: with --metric-filter FILE"),
        (["--metric-filter", "FILTERS", "--all"], "--all: give --alarm FILE"),
        (
            ["--metric-filter", "FILTERS", "--all", "--cis-alarm", "--filter-name", "x"],
            "--filter-name: not with --all or --snapshot",
        ),
        (["--snapshot", "SNAP", "--unit", "Count"], "--unit: not with --all or --snapshot"),
        (["-p", "ERROR", "--log-group", "g", "--cis-alarm"], "--log-group: with --metric-filter"),
        (["-p", "ERROR"], "give --alarm FILE or --cis-alarm"),
        (["--metric-filter", "TRUNCATED", "--all", "--cis-alarm"], "fetch every page"),
        (["--snapshot", "SNAP", "--start", "x"], "expected ISO 8601"),
    ],
)
def test_bad_options_exit_2(
    capsys: pytest.CaptureFixture[str],
    account: dict[str, str],
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    truncated = _write(tmp_path, "t.json", {"metricFilters": [], "nextToken": "more"})
    names = {"FILTERS": account["filters"], "SNAP": account["snapshot"], "TRUNCATED": truncated}
    code, _, err = _cli(capsys, *[names.get(a, a) for a in argv], account["logs"])
    assert code == 2 and message in err, err
