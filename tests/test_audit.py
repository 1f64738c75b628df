"""The CIS monitoring audit (`cwpattern.aws.audit`, `cwpattern audit`) on the fixtures of
tests/data/audit: the verdict of every control, the failing link and its evidence."""

from __future__ import annotations

import copy
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

import cwpattern
from cwpattern import controls as catalog
from cwpattern.aws.audit import (
    LINKS,
    AuditReport,
    ControlResult,
    audit,
    audit_iac,
    resolve_controls,
)
from cwpattern.aws.iac import from_cloudformation, from_terraform_plan, load_iac
from cwpattern.aws.snapshot import SnapshotError
from cwpattern.cli import main

DATA = Path(__file__).parent / "data"
AUDIT = DATA / "audit"
IAC = DATA / "iac"
GROUP = "aws-cloudtrail-logs-123456789012-management"
NUMBERS = [c.number for c in catalog.by_benchmark("cis-aws-3.0.0")]
ALL = "all"

# Expected verdicts: {fixture: {control number | ALL: (status, failing_link)}}; ALL is the
# verdict of every control not listed.  Fixtures built on the reference account
# (pass_cis_4_7.json) hold filters for 4.3 and 4.7 only; the others build on
# pass_all_controls.json, where every control passes.
FAIL_FILTER = ("fail", "metric-filter")
EXPECTED: dict[str, dict[str, tuple[str, str | None]]] = {
    "pass_all_controls.json": {ALL: ("pass", None)},
    "pass_cis_4_7.json": {ALL: FAIL_FILTER, "4.3": ("pass", None), "4.7": ("pass", None)},
    "pass_paginated.json": {ALL: FAIL_FILTER, "4.3": ("pass", None), "4.7": ("pass", None)},
    "pass_advanced_selectors.json": {
        ALL: FAIL_FILTER,
        "4.3": ("pass", None),
        "4.7": ("pass", None),
    },
    # link 1: the trail
    "fail_trail_not_multi_region.json": {ALL: ("fail", "trail")},
    "fail_trail_not_logging.json": {ALL: ("fail", "trail")},
    "fail_write_only_selectors.json": {ALL: ("fail", "trail")},
    "fail_advanced_read_only.json": {ALL: ("fail", "trail")},
    "fail_no_log_group.json": {ALL: ("fail", "trail")},
    "fail_kms_events_excluded.json": {
        ALL: ("fail", "trail"),
        "4.8": FAIL_FILTER,
        "4.9": FAIL_FILTER,
        "4.15": FAIL_FILTER,
    },
    "fail_kms_excluded_all_controls.json": {
        ALL: ("fail", "trail"),
        "4.8": ("pass", None),
        "4.9": ("pass", None),
        "4.15": ("pass", None),
    },
    # link 2: the metric filters
    "fail_filter_misses_event.json": {ALL: ("pass", None), "4.7": FAIL_FILTER},
    "fail_filter_wrong_log_group.json": {ALL: ("pass", None), "4.7": FAIL_FILTER},
    "fail_filters_on_different_metrics.json": {ALL: ("pass", None), "4.4": FAIL_FILTER},
    "fail_malformed_pattern.json": {ALL: ("pass", None), "4.7": FAIL_FILTER},
    # link 3: the alarm
    "fail_alarm_wrong_namespace.json": {
        ALL: FAIL_FILTER,
        "4.3": ("pass", None),
        "4.7": ("fail", "alarm"),
    },
    "fail_threshold_never_fires.json": {
        ALL: FAIL_FILTER,
        "4.3": ("pass", None),
        "4.7": ("fail", "alarm"),
    },
    "fail_no_alarm.json": {ALL: ("pass", None), "4.5": ("fail", "alarm")},
    # link 4: the notification
    "fail_unconfirmed_subscription.json": {
        ALL: FAIL_FILTER,
        "4.3": ("fail", "notification"),
        "4.7": ("fail", "notification"),
    },
    "fail_alarm_actions_disabled.json": {ALL: ("pass", None), "4.9": ("fail", "notification")},
    "fail_alarm_without_topic.json": {ALL: ("pass", None), "4.10": ("fail", "notification")},
    # cannot decide: never a pass, and a fail only when it does not depend on what is missing
    "undecided_missing_keys.json": {
        ALL: FAIL_FILTER,
        "4.3": ("unknown", "trail"),
        "4.7": ("unknown", "trail"),
    },
    "undecided_malformed.json": {ALL: ("unknown", "trail")},
    "undecided_truncated_alarms.json": {
        ALL: FAIL_FILTER,
        "4.3": ("pass", None),
        "4.7": ("unknown", "alarm"),
    },
    "undecided_truncated_filters.json": {
        ALL: ("unknown", "metric-filter"),
        "4.3": ("pass", None),
        "4.7": ("pass", None),
        "4.1": ("pass", None),
        "4.2": ("pass", None),
        "4.5": ("pass", None),
        "4.6": ("pass", None),
        "4.8": ("pass", None),
    },
    "undecided_transformed_logs.json": {ALL: ("pass", None), "4.7": ("unknown", "metric-filter")},
    "undecided_unreadable_filter.json": {ALL: ("pass", None), "4.7": ("unknown", "metric-filter")},
    "undecided_log_group_other_region.json": {ALL: ("unknown", "metric-filter")},
}


def test_every_fixture_has_expectations() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in AUDIT.glob("*.json"))


_REPORTS: dict[str, AuditReport] = {}


def report(name: str) -> AuditReport:
    if name not in _REPORTS:
        _REPORTS[name] = audit(AUDIT / name)
    return _REPORTS[name]


def control(name: str, number: str) -> ControlResult:
    wanted = f"cis-aws-3.0.0-{number}"
    return next(c for c in report(name).controls if c.id == wanted)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_verdict_of_every_control(name: str) -> None:
    expected = EXPECTED[name]
    got = {c.id.rsplit("-", 1)[1]: (c.status, c.failing_link) for c in report(name).controls}
    assert list(got) == NUMBERS
    assert got == {n: expected.get(n, expected[ALL]) for n in NUMBERS}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_results_are_consistent(name: str) -> None:
    """A pass has every link pass; a fail names its first failing link; an unknown names
    its first undecided link and has no failing link; links are in chain order."""
    for c in report(name).controls:
        statuses = [link.status for link in c.links]
        assert [link.name for link in c.links] == list(LINKS)
        if c.status == "pass":
            assert c.failing_link is None and set(statuses) <= {"pass", "assumed"}
        else:
            first = statuses.index(c.status)
            assert c.failing_link == LINKS[first]
            assert c.reason.startswith(f"{c.failing_link}: ")
            if c.status == "unknown":
                assert "fail" not in statuses
        for link in c.links:
            assert link.reason, (c.id, link.name)
    json.dumps(report(name).to_dict())  # serializable


# --- link 1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("fail_trail_not_multi_region.json", "management-events: not a multi-region trail"),
        ("fail_trail_not_logging.json", "management-events: not logging (IsLogging is false)"),
        (
            "fail_write_only_selectors.json",
            "management-events: does not record read management events",
        ),
        (
            "fail_advanced_read_only.json",
            "management-events: does not record write management events",
        ),
        ("fail_no_log_group.json", "management-events: does not deliver to CloudWatch Logs"),
        (
            "fail_kms_events_excluded.json",
            "management-events: excludes management events from kms.amazonaws.com",
        ),
    ],
)
def test_trail_failures_explain_the_trail(name: str, why: str) -> None:
    c = control(name, "4.7")
    assert c.reason.startswith("trail: no trail qualifies: ")
    assert why in c.reason
    trails = {t["trail"]: t for t in c.evidence["trail"]["trails"]}
    assert trails["management-events"]["qualifies"] is False
    assert trails["eu-data-events"]["qualifies"] is False


def test_excluded_sources_matter_only_to_controls_that_can_see_them() -> None:
    """A trail excluding KMS events still serves S3, Config and Organizations controls
    (their events come from one other source); root usage may come from KMS."""
    s3 = control("fail_kms_excluded_all_controls.json", "4.8")
    assert s3.link("trail").status == "pass"
    assert (
        "it excludes kms.amazonaws.com, which cannot produce events this control requires"
        in s3.link("trail").reason
    )
    trails = {t["trail"]: t for t in s3.evidence["trail"]["trails"]}
    assert trails["management-events"]["qualifies"] is True
    kms = control("fail_kms_excluded_all_controls.json", "4.7")
    assert "excludes management events from kms.amazonaws.com" in kms.reason
    root = control("fail_kms_excluded_all_controls.json", "4.3")
    assert root.failing_link == "trail"


# --- link 2 ------------------------------------------------------------------------------------


def test_a_control_covered_by_two_filters_together() -> None:
    c = control("pass_all_controls.json", "4.4")
    assert c.link("metric-filter").reason == (
        "filters CIS-4.4-IAMPolicyAttach and CIS-4.4-IAMPolicyDetach on metric "
        "CISBenchmark/IAMPolicyChangeCount together cover the control"
    )
    (metric,) = [
        m
        for m in c.evidence["metric-filter"]["metrics"]
        if m["metricName"] == "IAMPolicyChangeCount"
    ]
    assert metric["verdict"] == "yes"
    assert metric["filterVerdicts"] == {
        "CIS-4.4-IAMPolicyAttach": "no",
        "CIS-4.4-IAMPolicyDetach": "no",
    }
    assert c.link("alarm").reason.startswith("CIS-4.4-IAMPolicyChanges fires on a single event")


def test_filters_on_different_metrics_do_not_add_up() -> None:
    c = control("fail_filters_on_different_metrics.json", "4.4")
    assert (
        "filters CIS-4.4-IAMPolicyAttach and CIS-4.4-IAMPolicyDetach would cover it "
        "together, but they publish to different metrics (CISBenchmark/IAMPolicyChangeCount "
        "and CISBenchmark/IAMPolicyDetachCount) and an alarm watches one metric"
    ) in c.reason
    assert c.evidence["metric-filter"]["togetherOnDifferentMetrics"] == [
        "CIS-4.4-IAMPolicyAttach",
        "CIS-4.4-IAMPolicyDetach",
    ]
    assert "14 other filters match none of the required events" in c.reason


def test_a_filter_that_misses_an_event_gives_a_checked_counterexample() -> None:
    c = control("fail_filter_misses_event.json", "4.7")
    assert c.reason == (
        "metric-filter: no metric filter on log group aws-cloudtrail-logs-123456789012-management "
        "covers the control: CIS-4.7-KmsKeyDisableOrScheduledDeletion (metric "
        "CISBenchmark/KmsKeyDisableOrDeleteCount) misses the required case "
        '$.eventSource = "kms.amazonaws.com" && $.eventName = "ScheduleKeyDeletion"; '
        "15 other filters match none of the required events"
    )
    (metric,) = [
        m
        for m in c.evidence["metric-filter"]["metrics"]
        if m["metricName"] == "KmsKeyDisableOrDeleteCount"
    ]
    example = metric["counterexample"]
    reference = cwpattern.compile(c.reference)
    filter_pattern = cwpattern.compile(metric["filters"][0]["pattern"])
    assert reference.matches(example) and not filter_pattern.matches(example)
    assert json.loads(example)["eventName"] == "ScheduleKeyDeletion"
    # every miss has a counterexample in the evidence, checked with the matcher
    misses = c.evidence["metric-filter"]["metrics"]
    assert len(misses) == 15 and [m["coveredCases"] for m in misses].count(0) == 14
    for m in misses:
        patterns = [cwpattern.compile(f["pattern"]) for f in m["filters"]]
        assert reference.matches(m["counterexample"])
        assert not any(p.matches(m["counterexample"]) for p in patterns)


def test_a_filter_on_another_log_group_is_pointed_out() -> None:
    c = control("fail_filter_wrong_log_group.json", "4.7")
    assert c.reason.endswith(
        "filters on other log groups cover it: CIS-4.7-KmsKeyDisableOrScheduledDeletion "
        "(log group /aws/lambda/billing)"
    )
    assert c.evidence["metric-filter"]["elsewhere"] == [
        {
            "name": "CIS-4.7-KmsKeyDisableOrScheduledDeletion",
            "logGroup": "/aws/lambda/billing",
            "location": "/metricFilters/metricFilters/1",
        }
    ]
    assert c.evidence["metric-filter"]["logGroups"] == [GROUP]


def test_a_malformed_pattern_is_reported_invalid_and_cannot_cover() -> None:
    c = control("fail_malformed_pattern.json", "4.7")
    assert (
        "filter CIS-4.7-KmsKeyDisableOrScheduledDeletion is invalid (syntax-error "
        "[INVALID_OPERATOR]: invalid operator '==' (use '=' for equality) at column 17) "
        "and cannot cover"
    ) in c.reason
    (metric,) = [
        m
        for m in c.evidence["metric-filter"]["metrics"]
        if m["metricName"] == "KmsKeyDisableOrDeleteCount"
    ]
    (entry,) = metric["filters"]
    assert entry["valid"] is False
    assert entry["error"] | {"message": ""} == {
        "code": "INVALID_OPERATOR",
        "message": "",
        "position": 16,
        "line": 1,
        "column": 17,
        "expected": [],
        "kind": "pattern",
    }


# --- links 3 and 4 -------------------------------------------------------------------------------


def test_alarm_failures() -> None:
    assert control("fail_threshold_never_fires.json", "4.7").reason == (
        "alarm: CIS-4.7-KmsKeyDisableOrScheduledDeletion does not fire on a single event: one "
        "event gives Sum 1, which is not >= 2"
    )
    assert control("fail_alarm_wrong_namespace.json", "4.7").reason == (
        "alarm: no alarm on metric CISBenchmark/KmsKeyDisableOrDeleteCount; alarm "
        "CIS-4.7-KmsKeyDisableOrScheduledDeletion watches KmsKeyDisableOrDeleteCount in "
        "namespace CloudTrailMetrics"
    )
    c = control("fail_no_alarm.json", "4.5")
    assert c.reason == "alarm: no alarm on metric CISBenchmark/CloudTrailConfigChangesCount"
    assert c.link("notification").status == "not-checked"
    # the threshold fixture still shows that the alarm would notify
    never = control("fail_threshold_never_fires.json", "4.7")
    assert never.link("notification").status == "pass"
    assert never.evidence["alarm"]["alarms"][0]["fires"] is False


def test_notification_failures() -> None:
    assert control("fail_unconfirmed_subscription.json", "4.7").reason == (
        "notification: CIS-4.7-KmsKeyDisableOrScheduledDeletion: no confirmed subscription on "
        "arn:aws:sns:us-east-1:123456789012:cis-security-alerts (1 pending confirmation)"
    )
    topics = control("fail_unconfirmed_subscription.json", "4.7").evidence["notification"]
    assert topics["topics"] == [
        {
            "arn": "arn:aws:sns:us-east-1:123456789012:cis-security-alerts",
            "confirmed": 0,
            "pending": 1,
        }
    ]
    assert control("fail_alarm_actions_disabled.json", "4.9").reason == (
        "notification: CIS-4.9-AWSConfigChanges: alarm actions are disabled (ActionsEnabled is "
        "false)"
    )
    assert control("fail_alarm_without_topic.json", "4.10").reason == (
        "notification: CIS-4.10-SecurityGroupChanges: no SNS topic in AlarmActions"
    )


def test_passing_control_explains_every_link() -> None:
    c = control("pass_cis_4_7.json", "4.7")
    assert [(link.name, link.status) for link in c.links] == [(n, "pass") for n in LINKS]
    assert c.reason.split("; ")[0] == (
        f"trail: trail management-events is multi-region, logging, records all management "
        f"events and delivers to log group {GROUP}"
    )
    assert "alarm: CIS-4.7-KmsKeyDisableOrScheduledDeletion fires on a single event" in c.reason
    assert c.evidence["notification"]["topics"][0]["confirmed"] == 1


# --- cannot decide ---------------------------------------------------------------------------------


def test_pagination_fragments_give_the_same_verdicts() -> None:
    def verdicts(name: str) -> list[tuple[Any, ...]]:
        return [
            (c.id, c.status, c.failing_link, [(li.name, li.status) for li in c.links])
            for c in report(name).controls
        ]

    assert verdicts("pass_paginated.json") == verdicts("pass_cis_4_7.json")
    kms = control("pass_paginated.json", "4.7")
    assert kms.evidence["alarm"]["alarms"][0]["location"] == "/alarms/0/MetricAlarms/1"
    assert report("pass_paginated.json").problems == ()


def test_truncated_listings_never_prove_absence() -> None:
    c = control("undecided_truncated_filters.json", "4.9")
    assert c.reason.startswith(
        "metric-filter: cannot decide: /metricFilters: incomplete listing: every page of aws "
        "logs describe-metric-filters carries a NextToken"
    )
    c = control("undecided_truncated_alarms.json", "4.7")
    assert c.reason.startswith(
        "alarm: the alarm listing is incomplete (/alarms: incomplete listing"
    )


def test_missing_keys_and_malformed_entries_are_undecided_not_passed() -> None:
    c = control("undecided_missing_keys.json", "4.7")
    assert c.reason == (
        "trail: cannot decide whether trail management-events qualifies: event selectors "
        "unknown: the snapshot has no eventSelectors key"
    )
    assert [link.status for link in c.links] == ["unknown", "pass", "unknown", "not-checked"]
    assert c.link("alarm").reason.startswith(
        "the alarm listing is incomplete (/alarms: missing: the snapshot has no alarms key)"
    )
    problems = [p["location"] for p in report("undecided_missing_keys.json").problems]
    assert problems == ["/eventSelectors", "/alarms", "/subscriptions"]
    bad = control("undecided_malformed.json", "4.7")
    assert "IsLogging: missing" in bad.reason
    assert bad.link("alarm").status == "unknown"
    assert "Threshold: must be a number, got 'one'" in bad.link("alarm").reason
    assert report("undecided_malformed.json").warnings == ("unknown top-level key 'alarm' ignored",)


def test_a_fail_that_does_not_depend_on_the_missing_part_is_still_a_fail() -> None:
    """Event selectors are missing, so the trail is undecided; but no filter on its log
    group (the only one any trail delivers to) covers 4.1: that fails whatever the trail."""
    c = control("undecided_missing_keys.json", "4.1")
    assert (c.status, c.failing_link) == ("fail", "metric-filter")
    assert c.link("trail").status == "unknown"


def test_undecidable_filters() -> None:
    c = control("undecided_transformed_logs.json", "4.7")
    assert c.reason == (
        "metric-filter: on metric CISBenchmark/KmsKeyDisableOrDeleteCount: filter "
        "CIS-4.7-KmsKeyDisableOrScheduledDeletion cannot be judged: it applies to transformed "
        "logs, whose content is not known"
    )
    c = control("undecided_unreadable_filter.json", "4.7")
    assert c.reason == (
        "metric-filter: cannot decide: unreadable metric filter "
        "/metricFilters/metricFilters/1/metricTransformations/0/metricName: missing (a filter "
        "there may cover the control)"
    )
    c = control("undecided_log_group_other_region.json", "4.1")
    assert c.reason == (
        f"metric-filter: the metric filters of log group {GROUP} are not in the snapshot: the "
        "log group is in us-east-1, the snapshot is of eu-west-1"
    )


def _mutations(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.extend(_mutations(v, (*path, k)))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.extend(_mutations(v, (*path, i)))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_damaged_snapshots_never_crash(seed: int) -> None:
    doc = json.loads((AUDIT / "pass_all_controls.json").read_text())
    rng = random.Random(seed)
    paths = [p for p in _mutations(doc) if p]
    for path in rng.sample(paths, 40):
        damaged = copy.deepcopy(doc)
        parent = damaged
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = rng.choice([None, "x", 0, -1.5, True, [], {}, [{}], {"a": []}])
        result = audit(damaged, controls=["4.4", "4.7"])
        assert [c.status in ("pass", "fail", "unknown") for c in result.controls] == [True, True]
        json.dumps(result.to_dict())
        json.dumps(result.to_sarif())


@pytest.mark.parametrize(
    "key", ["trails", "trailStatus", "eventSelectors", "metricFilters", "alarms", "subscriptions"]
)
def test_any_missing_key_means_no_control_passes(key: str) -> None:
    doc = json.loads((AUDIT / "pass_all_controls.json").read_text())
    del doc[key]
    result = audit(doc)
    assert result.summary()["pass"] == 0
    assert {c.status for c in result.controls} == {"unknown"}
    assert [p["location"] for p in result.problems] == [f"/{key}"]


# --- report shapes ----------------------------------------------------------------------------------


def test_json_schema() -> None:
    doc = json.loads(json.dumps(report("fail_no_alarm.json").to_dict()))
    assert set(doc) == {
        "controls",
        "summary",
        "source",
        "input",
        "problems",
        "warnings",
        "assumptions",
    }
    assert doc["summary"] == {"pass": 14, "fail": 1, "unknown": 0}
    for c in doc["controls"]:
        assert set(c) == {
            "id",
            "title",
            "status",
            "failing_link",
            "reason",
            "evidence",
            "links",
            "reference",
            "warnings",
        }
        assert c["status"] in ("pass", "fail", "unknown")
        assert set(c["evidence"]) == set(LINKS)
        assert [link["name"] for link in c["links"]] == list(LINKS)
        assert all(set(link) == {"name", "status", "reason"} for link in c["links"])
    failing = [c for c in doc["controls"] if c["status"] == "fail"]
    assert [(c["id"], c["failing_link"]) for c in failing] == [("cis-aws-3.0.0-4.5", "alarm")]


def test_sarif() -> None:
    r = report("fail_unconfirmed_subscription.json")
    sarif = json.loads(json.dumps(r.to_sarif()))
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [c.id for c in r.controls]
    assert rules[0]["name"] == "EnsureUnauthorizedAPICallsAreMonitored"
    results = run["results"]
    assert len([x for x in results if x["kind"] != "pass"]) == 15  # 13 filter, 2 notification
    by_id = {res["ruleId"]: res for res in results}
    res = by_id["cis-aws-3.0.0-4.7"]
    assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    assert (res["level"], res["kind"]) == ("error", "fail")
    assert res["message"]["text"].startswith("cis-aws-3.0.0-4.7 fail: notification: ")
    assert res["properties"]["failing_link"] == "notification"
    assert res["properties"]["evidence"]["notification"]["topics"][0]["pending"] == 1
    location = res["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "fail_unconfirmed_subscription.json"
    )
    assert location["logicalLocations"] == [
        {"fullyQualifiedName": "/alarms/MetricAlarms/1", "kind": "resource"}
    ]
    undecided = audit(AUDIT / "undecided_transformed_logs.json").to_sarif()["runs"][0]["results"]
    assert [(x["ruleId"], x["level"], x["kind"]) for x in undecided if x["kind"] != "pass"] == [
        ("cis-aws-3.0.0-4.7", "warning", "review")
    ]
    clean = audit(AUDIT / "pass_all_controls.json").to_sarif()["runs"][0]
    assert len(clean["tool"]["driver"]["rules"]) == 15
    # passing controls appear only as notes, for the analyzer's warnings on their filters
    assert {(x["level"], x["kind"]) for x in clean["results"]} <= {("note", "pass")}


def test_resolve_controls() -> None:
    assert [c.id for c in resolve_controls(None)] == [f"cis-aws-3.0.0-{n}" for n in NUMBERS]
    assert [c.id for c in resolve_controls(["4.7", "CIS-3.0.0-4.7", "4.1"])] == [
        "cis-aws-3.0.0-4.7",
        "cis-aws-3.0.0-4.1",
    ]
    assert [c.id for c in resolve_controls(["5.7"], "cis-aws-6.0.0")] == ["cis-aws-6.0.0-5.7"]
    with pytest.raises(catalog.UnknownControlError):
        resolve_controls(["4.77"])
    with pytest.raises(catalog.UnknownControlError):
        resolve_controls(None, "cis-aws-9.9.9")


def test_other_benchmarks_use_their_own_reference_patterns() -> None:
    r = audit(AUDIT / "pass_all_controls.json", benchmark="securityhub")
    by_id = {c.id: c.status for c in r.controls}
    assert by_id["securityhub-cloudwatch.7"] == "pass"
    assert len(by_id) == len(catalog.by_benchmark("securityhub"))


def test_snapshot_errors_propagate(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError):
        audit(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SnapshotError, match="bad.json:1:2"):
        audit(tmp_path / "bad.json")


# --- infrastructure as code ------------------------------------------------------------------------


def test_terraform_without_an_assumed_log_group_never_passes() -> None:
    r = audit_iac(load_iac(IAC / "terraform_plan.json"), controls=["4.3", "4.7"])
    assert r.source == "terraform" and r.problems == () and r.assumptions == ()
    root, kms = r.controls
    assert (root.status, root.failing_link) == ("fail", "alarm")
    assert "DatapointsToAlarm 2 of 3" in root.reason
    assert (kms.status, kms.failing_link) == ("unknown", "trail")
    assert kms.link("trail").reason.startswith("the trail is not in the terraform input")
    assert [link.status for link in kms.links] == ["unknown", "pass", "pass", "unknown"]
    assert kms.link("notification").reason == (
        "cis-4.7-kms-key-disable-or-deletion: alarm actions unknown: AlarmActions is unknown "
        "(known after apply) (subscriptions are not in the terraform input)"
    )


def test_terraform_with_an_assumed_log_group() -> None:
    plan = json.loads((IAC / "terraform_plan.json").read_text())
    res = from_terraform_plan(plan)
    r = audit_iac(res, controls=["4.3", "4.7"], assume_log_group=GROUP)
    root, kms = r.controls
    assert root.link("trail").status == "assumed"
    assert root.link("notification").status == "assumed"
    assert (kms.status, kms.failing_link) == ("unknown", "notification")
    assert len(r.assumptions) == 2
    # give the KMS alarm a known topic and a 1-period alarm for root: both pass
    for change in plan["resource_changes"]:
        change["change"]["after_unknown"].pop("alarm_actions", None)
    for resource in _tf_resources(plan):
        if resource["type"] == "aws_cloudwatch_metric_alarm":
            resource["values"]["alarm_actions"] = ["arn:aws:sns:us-east-1:123456789012:sec"]
            resource["values"]["evaluation_periods"] = 1
            resource["values"]["datapoints_to_alarm"] = 1
    fixed = audit_iac(from_terraform_plan(plan), controls=["4.3", "4.7"], assume_log_group=GROUP)
    assert [c.status for c in fixed.controls] == ["pass", "pass"]
    assert fixed.passed
    elsewhere = audit_iac(from_terraform_plan(plan), controls=["4.7"], assume_log_group="other")
    assert elsewhere.controls[0].reason == (
        "metric-filter: no metric filter on log group other; filters on other log groups cover "
        "it: cis-4.7-kms-key-disable-or-deletion (log group "
        "aws-cloudtrail-logs-123456789012-management)"
    )
    assert elsewhere.controls[0].evidence["metric-filter"]["elsewhere"][0]["location"] == (
        "aws_cloudwatch_log_metric_filter.kms"
    )


def _tf_resources(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    modules = [plan["planned_values"]["root_module"]]
    while modules:
        module = modules.pop()
        out.extend(module.get("resources", []))
        modules.extend(module.get("child_modules", []))
    return out


def test_cloudformation_with_parameters_resolves_the_topic() -> None:
    text = (IAC / "cloudformation.yaml").read_text()
    params = {
        "AWS::Region": "us-east-1",
        "AWS::AccountId": "123456789012",
        "AlertEmail": "sec@example.com",
    }
    r = audit_iac(
        from_cloudformation(text, parameters=params),
        controls=["4.7", "4.3"],
        assume_log_group=GROUP,
    )
    kms, root = r.controls
    assert kms.status == "pass"
    assert kms.link("notification").reason == (
        "assumed: prod-cis-4.7-kms notifies SNS topic "
        "arn:aws:sns:us-east-1:123456789012:cis-security-alerts; subscriptions are not in the "
        "cloudformation input and must be confirmed after deployment"
    )
    assert (root.status, root.failing_link) == ("unknown", "notification")  # Fn::GetAtt
    assert "Resources/RootUsageAlarm: created only when condition IsProd holds" in r.warnings


def test_iac_without_filters_fails_on_the_filter_link() -> None:
    r = audit_iac(from_cloudformation('{"Resources": {}}'), controls=["4.7"])
    assert r.controls[0].reason == (
        "metric-filter: there is no metric filter in the cloudformation input"
    )
    assert r.controls[0].status == "fail"


# --- the command ---------------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exit_status_and_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, str(AUDIT / "pass_all_controls.json"))
    assert code == 0
    assert out.splitlines()[0].endswith("15 controls, 15 pass, 0 fail, 0 unknown")
    code, out, _ = run_cli(capsys, str(AUDIT / "fail_no_alarm.json"), "-c", "4.5", "-c", "4.1")
    assert code == 1
    assert "FAIL     cis-aws-3.0.0-4.5" in out
    assert (
        "  alarm         FAIL     no alarm on metric CISBenchmark/CloudTrailConfigChangesCount  <-"
    ) in out
    assert "PASS     cis-aws-3.0.0-4.1" in out and "4.1  Ensure" in out
    code, _, _ = run_cli(capsys, str(AUDIT / "undecided_transformed_logs.json"), "-c", "4.7")
    assert code == 1
    code, _, _ = run_cli(capsys, str(AUDIT / "undecided_transformed_logs.json"), "-c", "4.8")
    assert code == 0


def test_cli_json_and_sarif(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys,
        str(AUDIT / "fail_threshold_never_fires.json"),
        "--control",
        "cis-aws-3.0.0-4.7",
        "--format",
        "json",
    )
    assert code == 1
    doc = json.loads(out)
    assert [(c["id"], c["status"], c["failing_link"]) for c in doc["controls"]] == [
        ("cis-aws-3.0.0-4.7", "fail", "alarm")
    ]
    code, out, _ = run_cli(
        capsys, str(AUDIT / "fail_threshold_never_fires.json"), "-c", "4.7", "--format", "sarif"
    )
    assert json.loads(out)["runs"][0]["results"][0]["ruleId"] == "cis-aws-3.0.0-4.7"


def test_cli_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO((AUDIT / "pass_cis_4_7.json").read_text()))
    code, out, _ = run_cli(capsys, "-", "-c", "4.7")
    assert code == 0 and "of stdin (snapshot)" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("[1,"))
    code, _, err = run_cli(capsys, "-")
    assert code == 2 and "<stdin>:1:4: not valid JSON" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.json"], "cannot read the snapshot"),
        ([], "give SNAPSHOT.json, --terraform PLAN.json or --cloudformation TEMPLATE"),
        ([str(AUDIT / "pass_cis_4_7.json"), "-c", "4.77"], "unknown control"),
        ([str(AUDIT / "pass_cis_4_7.json"), "--benchmark", "cis-9"], "unknown benchmark"),
        (
            [str(AUDIT / "pass_cis_4_7.json"), "--assume-trail-log-group", "g"],
            "--assume-trail-log-group applies to --terraform/--cloudformation only",
        ),
        (
            [str(AUDIT / "pass_cis_4_7.json"), "--terraform", str(IAC / "terraform_plan.json")],
            "not both",
        ),
        (["--terraform", str(IAC / "cloudformation.json")], "not `terraform show -json` output"),
        (["--cloudformation", str(IAC / "terraform_plan.json")], "use --terraform"),
        (
            ["--cloudformation", str(IAC / "cloudformation.json"), "--parameter", "x"],
            "expected KEY=VALUE",
        ),
        (
            ["--terraform", str(IAC / "terraform_plan.json"), "--parameter", "a=b"],
            "--parameter applies to --cloudformation only",
        ),
        (["--format", "xml"], None),
    ],
)
def test_cli_errors_exit_2(
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    if message:
        assert message in err


def test_cli_iac(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys,
        "--terraform",
        str(IAC / "terraform_plan.json"),
        "-c",
        "4.7",
        "--assume-trail-log-group",
        GROUP,
    )
    assert code == 1
    assert "trail         assumed  assumed: the trail is not in the terraform input" in out
    assert "\nassumed:\n" in out
    code, out, _ = run_cli(
        capsys,
        "--cloudformation",
        str(IAC / "cloudformation.yaml"),
        "-c",
        "4.7",
        "--assume-trail-log-group",
        GROUP,
        "--parameter",
        "AWS::Region=us-east-1",
        "--parameter",
        "AWS::AccountId=123456789012",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["controls"][0]["status"] == "pass"


# --- chains through several trails, metrics and alarms -----------------------------------------

TRAIL2 = "arn:aws:cloudtrail:us-east-1:123456789012:trail/backup"
GROUP2 = "backup-trail-logs"


def reference_account() -> dict[str, Any]:
    return json.loads((AUDIT / "pass_cis_4_7.json").read_text())


def add_second_trail(doc: dict[str, Any], *, status: bool = True) -> None:
    main_trail = doc["trails"]["trailList"][0]
    second = copy.deepcopy(main_trail)
    second.update(
        Name="backup",
        TrailARN=TRAIL2,
        CloudWatchLogsLogGroupArn=(f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP2}:*"),
    )
    doc["trails"]["trailList"].append(second)
    first_arn = main_trail["TrailARN"]
    if status:
        doc["trailStatus"][TRAIL2] = doc["trailStatus"][first_arn]
    doc["eventSelectors"][TRAIL2] = doc["eventSelectors"][first_arn]


def kms_entry(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["metricFilters"]["metricFilters"][1]


def test_filters_of_one_metric_on_two_qualifying_log_groups_add_up() -> None:
    """Every qualifying trail delivers every management event, so filters of one metric on
    two qualifying log groups see every required event between them."""
    doc = reference_account()
    add_second_trail(doc)
    kms = kms_entry(doc)
    kms["filterPattern"] = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"
    other = copy.deepcopy(kms)
    other.update(
        filterName="kms-deletion",
        logGroupName=GROUP2,
        filterPattern=(
            "{ $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }"
        ),
    )
    doc["metricFilters"]["metricFilters"].append(other)
    c = audit(doc, controls=["4.7"]).controls[0]
    assert c.status == "pass"
    assert c.link("metric-filter").reason == (
        "filters CIS-4.7-KmsKeyDisableOrScheduledDeletion and kms-deletion on metric "
        "CISBenchmark/KmsKeyDisableOrDeleteCount together cover the control"
    )
    assert sorted(c.evidence["metric-filter"]["logGroups"]) == sorted([GROUP, GROUP2])


def test_a_filter_only_on_an_undecided_trails_log_group_is_unknown() -> None:
    doc = reference_account()
    add_second_trail(doc, status=False)  # no get-trail-status output: undecided
    kms_entry(doc)["logGroupName"] = GROUP2
    c = audit(doc, controls=["4.7"]).controls[0]
    assert (c.status, c.failing_link) == ("unknown", "trail")
    assert [link.status for link in c.links] == ["unknown", "pass", "pass", "pass"]
    assert c.link("trail").reason.startswith(
        "cannot decide whether trail backup qualifies: logging status unknown: no "
        "get-trail-status output for arn:aws:cloudtrail:us-east-1:123456789012:trail/backup"
    )
    # remove the filter altogether: no way through either trail, whatever the backup trail is
    del doc["metricFilters"]["metricFilters"][1]
    c = audit(doc, controls=["4.7"]).controls[0]
    assert (c.status, c.failing_link) == ("fail", "metric-filter")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"metricValue": "$.requestParameters.count"},
            "its metricValue $.requestParameters.count is taken from each event",
        ),
        (
            {"metricValue": "$.n", "dimensions": {"Key": "$.requestParameters.keyId"}},
            "its metricValue $.n is taken from each event",
        ),
        ({"metricValue": "$.x[*]"}, "is invalid (error [METRIC_VALUE_INVALID] in metricValue"),
        ({"unit": "Parsecs"}, "is invalid (error [UNIT_INVALID] in unit"),
    ],
)
def test_filters_whose_values_come_from_the_event_or_are_invalid(
    change: dict[str, Any], reason: str
) -> None:
    doc = reference_account()
    kms_entry(doc)["metricTransformations"][0].update(change)
    c = audit(doc, controls=["4.7"]).controls[0]
    assert c.failing_link == "metric-filter" and c.status in ("unknown", "fail")
    assert c.status == ("fail" if "invalid" in reason else "unknown")
    assert reason in c.reason


def test_filters_of_one_metric_publishing_different_values() -> None:
    """One filter publishes 1, the other 0 for ScheduleKeyDeletion: the alarm (Sum >= 1)
    misses that event when only the second filter matches it."""
    doc = reference_account()
    kms = kms_entry(doc)
    kms["filterPattern"] = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"
    zero = copy.deepcopy(kms)
    zero["filterName"] = "kms-deletion-zero"
    zero["filterPattern"] = "{ $.eventName = ScheduleKeyDeletion }"
    zero["metricTransformations"][0]["metricValue"] = "0"
    doc["metricFilters"]["metricFilters"].append(zero)
    c = audit(doc, controls=["4.7"]).controls[0]
    assert (c.status, c.failing_link) == ("unknown", "alarm")
    assert "the filters of this metric publish different values" in c.reason


def test_alarm_on_dimensions_sees_part_of_the_events() -> None:
    doc = reference_account()
    doc["alarms"]["MetricAlarms"][1]["Dimensions"] = [{"Name": "Key", "Value": "k-1"}]
    c = audit(doc, controls=["4.7"]).controls[0]
    assert (c.status, c.failing_link) == ("fail", "alarm")
    assert "the alarm watches dimensions ['Key'] but the metric filter publishes []" in c.reason


def test_iac_values_known_only_after_apply_make_a_filter_undecidable() -> None:
    plan = json.loads((IAC / "terraform_plan.json").read_text())
    res = from_terraform_plan(plan)
    body = dict(res.metric_filters[0].body)
    from cwpattern.aws.snapshot import Unknown

    body["emitSystemFieldDimensions"] = Unknown("known after apply")
    import dataclasses

    first = dataclasses.replace(res.metric_filters[0], body=body)
    res = dataclasses.replace(res, metric_filters=(first, *res.metric_filters[1:]))
    c = audit_iac(res, controls=["4.7"], assume_log_group=GROUP).controls[0]
    assert (c.status, c.failing_link) == ("unknown", "metric-filter")
    assert c.reason.endswith(
        "cannot be judged: /emitSystemFieldDimensions is unknown (known after apply)"
    )


def test_analyzer_failures_and_internal_errors_are_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cwpattern.analyzer

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RecursionError("too deep")

    monkeypatch.setattr(cwpattern.analyzer, "covers", broken)
    c = audit(AUDIT / "pass_cis_4_7.json", controls=["4.7"]).controls[0]
    assert (c.status, c.failing_link) == ("unknown", "metric-filter")
    assert "the analyzer failed: RecursionError: too deep" in c.reason
    monkeypatch.undo()

    def bug(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("oops")

    monkeypatch.setattr("cwpattern.aws.audit._Auditor.alarm_paths", bug)
    c = audit(AUDIT / "pass_cis_4_7.json", controls=["4.7"]).controls[0]
    assert (c.status, c.failing_link) == ("unknown", None)
    assert c.reason.startswith("internal error while auditing: KeyError")


def test_an_invalid_reference_pattern_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    import cwpattern.aws.audit as audit_module

    broken = dataclasses.replace(catalog.get("cis-aws-3.0.0-4.7"), pattern="{ $.a == 1 }")
    monkeypatch.setattr(audit_module, "resolve_controls", lambda ids, bench: (broken,))
    c = audit(AUDIT / "pass_cis_4_7.json").controls[0]
    assert (c.status, c.failing_link) == ("unknown", "metric-filter")
    assert c.reason == "metric-filter: the control's reference pattern is invalid: { $.a == 1 }"


def test_audit_accepts_a_path_a_document_or_a_snapshot() -> None:
    from cwpattern.aws.snapshot import load_snapshot

    path = AUDIT / "fail_no_alarm.json"
    by_path = audit(str(path), controls=["4.5"])
    by_doc = audit(json.loads(path.read_text()), controls=["4.5"])
    by_snapshot = audit(load_snapshot(path), controls=["4.5"])
    assert by_path.path == str(path) and by_doc.path is None
    assert by_path.controls == by_doc.controls == by_snapshot.controls
