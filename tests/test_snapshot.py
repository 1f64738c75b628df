"""The account snapshot model, trail checks, alarm links and `cwpattern snapshot`."""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from cwpattern.aws.checks.alarm import alarm_links
from cwpattern.aws.checks.trail import management_coverage, qualifying_log_groups, trail_findings
from cwpattern.aws.snapshot import (
    AdvancedSelector,
    ClassicSelector,
    EventSelectors,
    FieldSelector,
    Snapshot,
    SnapshotError,
    TrailStatus,
    Unknown,
    load_snapshot,
    log_group_name,
    pointer,
)
from cwpattern.commands import snapshot as snapshot_command

AUDIT = Path(__file__).parent / "data" / "audit"
TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events"
GROUP = "aws-cloudtrail-logs-123456789012-management"
TOPIC = "arn:aws:sns:us-east-1:123456789012:cis-security-alerts"
METRIC = ("KmsKeyDisableOrDeleteCount", "CISBenchmark")
EU_REASONS = (
    "not a multi-region trail (IsMultiRegionTrail is false)",
    "does not deliver to CloudWatch Logs (no CloudWatchLogsLogGroupArn)",
    "does not record read and write management events",
)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((AUDIT / name).read_text())


def main_trail(snap: Snapshot) -> tuple[bool | None, tuple[str, ...]]:
    findings = {f.trail_arn: f for f in trail_findings(snap)}
    finding = findings[TRAIL]
    return finding.qualifies, finding.reasons


def kms_links(snap: Snapshot) -> list[tuple[str | None, bool | None, bool | None]]:
    return [(l.alarm_name, l.fires, l.notifies) for l in alarm_links(snap, *METRIC).links]


# --- the fixtures, one by one ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["pass_cis_4_7.json", "pass_paginated.json", "pass_advanced_selectors.json"]
)
def test_passing_accounts(name: str) -> None:
    snap = load_snapshot(AUDIT / name)
    assert snap.problems == () and snap.warnings == ()
    findings = trail_findings(snap)
    assert [(f.trail_name, f.qualifies, f.reasons) for f in findings] == [
        ("management-events", True, ()),
        ("eu-data-events", False, EU_REASONS),
    ]
    assert qualifying_log_groups(findings) == (GROUP,)
    links = alarm_links(snap, *METRIC)
    assert links.complete and links.problems == ()
    (link,) = links.links
    assert (link.alarm_name, link.fires, link.notifies, link.ok) == (
        "CIS-4.7-KmsKeyDisableOrScheduledDeletion",
        True,
        True,
        True,
    )
    assert link.notify_reason == f"SNS topic {TOPIC} has 1 confirmed subscription(s)"
    assert [(t.arn, t.confirmed, t.pending) for t in link.topics] == [(TOPIC, 1, 1)]


def test_pagination_fragments_merge_to_the_same_content() -> None:
    whole, pages = (
        load_snapshot(AUDIT / "pass_cis_4_7.json"),
        load_snapshot(AUDIT / "pass_paginated.json"),
    )
    assert [f.name for f in pages.metric_filters] == [f.name for f in whole.metric_filters]
    assert [a.alarm for a in pages.alarms] == [a.alarm for a in whole.alarms]
    assert [s.arn for s in pages.subscriptions] == [s.arn for s in whole.subscriptions]
    assert pages.metric_filters.items[1].location == "/metricFilters/1/metricFilters/0"
    assert whole.metric_filters.items[1].location == "/metricFilters/metricFilters/1"


@pytest.mark.parametrize(
    ("name", "qualifies", "reasons"),
    [
        (
            "fail_trail_not_multi_region.json",
            False,
            ("not a multi-region trail (IsMultiRegionTrail is false)",),
        ),
        ("fail_trail_not_logging.json", False, ("not logging (IsLogging is false)",)),
        ("fail_write_only_selectors.json", False, ("does not record read management events",)),
        ("fail_advanced_read_only.json", False, ("does not record write management events",)),
        (
            "fail_no_log_group.json",
            False,
            ("does not deliver to CloudWatch Logs (no CloudWatchLogsLogGroupArn)",),
        ),
        (
            "fail_kms_events_excluded.json",
            False,
            ("excludes management events from kms.amazonaws.com",),
        ),
        (
            "undecided_missing_keys.json",
            None,
            ("event selectors unknown: the snapshot has no eventSelectors key",),
        ),
        (
            "undecided_malformed.json",
            None,
            (
                (
                    "logging status unknown: /trailStatus/arn:aws:cloudtrail:us-east-1:123456789012:"
                    "trail~1management-events/IsLogging: missing"
                ),
            ),
        ),
    ],
)
def test_trail_failures(name: str, qualifies: bool | None, reasons: tuple[str, ...]) -> None:
    snap = load_snapshot(AUDIT / name)
    assert main_trail(snap) == (qualifies, reasons)
    assert qualifying_log_groups(trail_findings(snap)) == ()


def test_excluded_sources_are_exposed_for_control_level_decisions() -> None:
    (finding, _) = trail_findings(load_snapshot(AUDIT / "fail_kms_events_excluded.json"))
    assert finding.coverage is not None
    assert (finding.coverage.read, finding.coverage.write) == (True, True)
    assert finding.coverage.excluded_sources == frozenset({"kms.amazonaws.com"})
    assert finding.to_dict()["excludedEventSources"] == ["kms.amazonaws.com"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fail_alarm_wrong_namespace.json", []),
        (
            "fail_threshold_never_fires.json",
            [("CIS-4.7-KmsKeyDisableOrScheduledDeletion", False, True)],
        ),
        (
            "fail_unconfirmed_subscription.json",
            [("CIS-4.7-KmsKeyDisableOrScheduledDeletion", True, False)],
        ),
        ("undecided_malformed.json", [("CIS-4.7-KmsKeyDisableOrScheduledDeletion", None, None)]),
    ],
)
def test_alarm_failures(name: str, expected: list[tuple[str, bool | None, bool | None]]) -> None:
    snap = load_snapshot(AUDIT / name)
    assert kms_links(snap) == expected
    assert alarm_links(snap, *METRIC).complete


def test_wrong_namespace_alarm_is_found_under_its_own_namespace() -> None:
    snap = load_snapshot(AUDIT / "fail_alarm_wrong_namespace.json")
    (link,) = alarm_links(snap, "KmsKeyDisableOrDeleteCount", "CloudTrailMetrics").links
    assert link.fires is True


def test_reasons_for_alarm_failures() -> None:
    (never,) = alarm_links(load_snapshot(AUDIT / "fail_threshold_never_fires.json"), *METRIC).links
    assert never.fires_reason == "one event gives Sum 1, which is not >= 2"
    (pending,) = alarm_links(
        load_snapshot(AUDIT / "fail_unconfirmed_subscription.json"), *METRIC
    ).links
    assert pending.notify_reason == f"no confirmed subscription on {TOPIC} (1 pending confirmation)"
    (broken,) = alarm_links(load_snapshot(AUDIT / "undecided_malformed.json"), *METRIC).links
    assert broken.location == "/alarms/MetricAlarms/1/Threshold"
    assert (
        broken.fires_reason
        == "unreadable alarm: /alarms/MetricAlarms/1/Threshold: must be a number, got 'one'"
    )


def test_truncated_listing_cannot_prove_absence() -> None:
    snap = load_snapshot(AUDIT / "undecided_truncated_alarms.json")
    links = alarm_links(snap, *METRIC)
    assert links.links == () and links.complete is False
    assert links.problems == (
        (
            "/alarms: incomplete listing: every page of aws cloudwatch describe-alarms carries a "
            "NextToken, so more pages exist; fetch them (or omit --max-items/--no-paginate)"
        ),
    )
    assert snap.alarms.complete is False and len(snap.alarms) == 1


def test_missing_keys_are_reported_and_unknown() -> None:
    snap = load_snapshot(AUDIT / "undecided_missing_keys.json")
    assert [str(p) for p in snap.problems] == [
        "/eventSelectors: missing: the snapshot has no eventSelectors key",
        "/alarms: missing: the snapshot has no alarms key",
        "/subscriptions: missing: the snapshot has no subscriptions key",
    ]
    assert snap.alarms.present is False and snap.alarms.complete is False
    assert snap.event_selectors(TRAIL) == Unknown("the snapshot has no eventSelectors key")
    links = alarm_links(snap, *METRIC)
    assert (links.links, links.complete) == ((), False)
    with pytest.raises(SnapshotError, match="/eventSelectors: missing"):
        load_snapshot(AUDIT / "undecided_missing_keys.json", strict=True)


def test_malformed_entries_are_located_and_unknown_fields_tolerated() -> None:
    snap = load_snapshot(AUDIT / "undecided_malformed.json")
    assert [str(p) for p in snap.problems] == [
        "/trailStatus/arn:aws:cloudtrail:us-east-1:123456789012:trail~1management-events/IsLogging: missing",
        "/metricFilters/metricFilters/0/metricTransformations: empty: a metric filter has one transformation",
        "/alarms/MetricAlarms/1/Threshold: must be a number, got 'one'",
    ]
    assert snap.warnings == ("unknown top-level key 'alarm' ignored",)
    assert [t.name for t in snap.trails] == [
        "management-events",
        "eu-data-events",
    ]  # SomeFutureField ignored
    assert [f.name for f in snap.metric_filters] == [
        "CIS-4.7-KmsKeyDisableOrScheduledDeletion",
        "lambda-errors",
    ]


# --- loading ----------------------------------------------------------------------------------


def test_load_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"trails": {"trailList": []},\n  "alarms": [}')
    with pytest.raises(SnapshotError) as info:
        load_snapshot(bad)
    assert info.value.location == f"{bad}:2:14"
    assert info.value.msg.startswith("not valid JSON")
    listing = tmp_path / "list.json"
    listing.write_text("[]")
    with pytest.raises(SnapshotError, match="the snapshot must be a JSON object, got list"):
        load_snapshot(listing)
    with pytest.raises(SnapshotError, match="cannot read the snapshot"):
        load_snapshot(tmp_path / "absent.json")
    binary = tmp_path / "bin.json"
    binary.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(SnapshotError, match="not UTF-8"):
        load_snapshot(binary)


def test_duplicate_json_keys_warn(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"trails": {"trailList": []}, "trails": {"trailList": []}}')
    assert load_snapshot(path).warnings == ("duplicate JSON key 'trails': the last value is used",)


@pytest.mark.parametrize(
    ("doc", "location", "message"),
    [
        (
            {"alarms": [{"AlarmName": "x"}]},
            "/alarms/0",
            "expected a page of aws cloudwatch describe-alarms with a MetricAlarms list, got {'AlarmName': 'x'}",
        ),
        (
            {"alarms": "none"},
            "/alarms",
            (
                "expected the output of aws cloudwatch describe-alarms (an object with MetricAlarms) or a list of "
                "its pages, got 'none'"
            ),
        ),
        ({"alarms": []}, "/alarms", "empty list of pages of aws cloudwatch describe-alarms"),
        (
            {"trails": {"Trails": []}},
            "/trails",
            (
                "expected a page of aws cloudtrail describe-trails with a trailList list, got {'Trails': []} "
                "(this is list-trails output; describe-trails is needed)"
            ),
        ),
        (
            {"trailStatus": []},
            "/trailStatus",
            "expected an object mapping trail ARN to output, got []",
        ),
        (
            {"subscriptions": {"Subscriptions": [{"TopicArn": "t"}]}},
            "/subscriptions/Subscriptions/0/SubscriptionArn",
            "missing",
        ),
        (
            {
                "metricFilters": {
                    "metricFilters": [
                        {
                            "filterName": "f",
                            "logGroupName": "g",
                            "metricTransformations": [
                                {"metricName": "m", "metricNamespace": "n", "metricValue": "1"}
                            ],
                        }
                    ]
                }
            },
            "/metricFilters/metricFilters/0/filterPattern",
            "missing",
        ),
        (
            {
                "metricFilters": {
                    "metricFilters": [
                        {
                            "filterName": "f",
                            "logGroupName": "g",
                            "filterPattern": "",
                            "metricTransformations": [
                                {"metricName": "m", "metricNamespace": "n", "metricValue": 1}
                            ],
                        }
                    ]
                }
            },
            "/metricFilters/metricFilters/0/metricTransformations/0/metricValue",
            "must be a string, got 1",
        ),
        (
            {"eventSelectors": {"arn:t/x": {"TrailARN": "arn:t/x"}}},
            "/eventSelectors/arn:t~1x",
            "neither EventSelectors nor AdvancedEventSelectors: not get-event-selectors output",
        ),
        (
            {"eventSelectors": {"a": {"EventSelectors": [{"ReadWriteType": "Write"}]}}},
            "/eventSelectors/a/EventSelectors/0/ReadWriteType",
            "must be ReadOnly, WriteOnly or All, got 'Write'",
        ),
        (
            {
                "trails": {
                    "trailList": [{"Name": "t", "TrailARN": "a", "IsMultiRegionTrail": "yes"}]
                }
            },
            "/trails/trailList/0/IsMultiRegionTrail",
            "must be true or false, got 'yes'",
        ),
    ],
)
def test_malformed_pieces_give_located_errors(
    doc: dict[str, Any], location: str, message: str
) -> None:
    snap = load_snapshot(doc)
    found = [p for p in snap.problems if p.location == location]
    assert [p.msg for p in found] == [message], [str(p) for p in snap.problems]


def test_filter_pattern_empty_string_is_match_all_not_missing() -> None:
    snap = load_snapshot(
        {
            "metricFilters": {
                "metricFilters": [
                    {
                        "filterName": "all",
                        "logGroupName": "g",
                        "filterPattern": "",
                        "metricTransformations": [
                            {
                                "metricName": "m",
                                "metricNamespace": "n",
                                "metricValue": "1",
                                "defaultValue": 0,
                                "dimensions": {"k": "$.k"},
                                "unit": "Count",
                            }
                        ],
                    }
                ]
            }
        }
    )
    (f,) = snap.metric_filters
    assert f.pattern == ""
    assert f.transformations[0].to_aws() == {
        "metricName": "m",
        "metricNamespace": "n",
        "metricValue": "1",
        "defaultValue": 0.0,
        "dimensions": {"k": "$.k"},
        "unit": "Count",
    }


def test_unknown_refuses_truth_testing() -> None:
    with pytest.raises(TypeError, match="undecided: because"):
        bool(Unknown("because"))
    assert repr(Unknown("known after apply")) == "unknown (known after apply)"


def test_pointer_and_log_group_name() -> None:
    assert (
        pointer("trailStatus", "arn:aws:cloudtrail:x:1:trail/a~b", 0)
        == "/trailStatus/arn:aws:cloudtrail:x:1:trail~1a~0b/0"
    )
    assert log_group_name("arn:aws:logs:us-east-1:1:log-group:/aws/x/y:*") == "/aws/x/y"
    assert log_group_name("arn:aws:logs:us-east-1:1:log-group:plain") == "plain"
    assert log_group_name("arn:aws:s3:::bucket") is None


def test_status_and_selectors_lookup_by_arn_then_name() -> None:
    doc = fixture("pass_cis_4_7.json")
    doc["trailStatus"] = {"management-events": doc["trailStatus"][TRAIL]}
    snap = load_snapshot(doc)
    (trail, _) = snap.trails
    assert isinstance(snap.trail_status(trail), TrailStatus)
    assert snap.trail_status(TRAIL) == Unknown(
        f"no get-trail-status output for {TRAIL} under /trailStatus"
    )
    assert main_trail(snap) == (True, ())


def test_delivery_error_is_a_warning() -> None:
    doc = fixture("pass_cis_4_7.json")
    doc["trailStatus"][TRAIL]["LatestCloudWatchLogsDeliveryError"] = "AccessDenied"
    (finding, _) = trail_findings(load_snapshot(doc))
    assert (finding.qualifies, finding.warnings) == (
        True,
        ("latest CloudWatch Logs delivery failed: AccessDenied",),
    )


def test_missing_trails_key_gives_an_undecided_finding() -> None:
    findings = trail_findings(load_snapshot({}))
    assert [(f.qualifies, f.reasons) for f in findings] == [
        (None, ("/trails: missing: the snapshot has no trails key",))
    ]


# --- management coverage -------------------------------------------------------------------------


def classic(*selectors: tuple[str, bool, tuple[str, ...]]) -> EventSelectors:
    return EventSelectors(tuple(ClassicSelector(*s) for s in selectors), (), "")


def advanced(*selectors: tuple[FieldSelector, ...]) -> EventSelectors:
    return EventSelectors(
        (), tuple(AdvancedSelector(f"s{i}", s) for i, s in enumerate(selectors)), ""
    )


MGMT = FieldSelector("eventCategory", equals=("Management",))


@pytest.mark.parametrize(
    ("selectors", "read", "write", "excluded"),
    [
        (classic(("All", True, ())), True, True, set()),
        (classic(("All", False, ())), False, False, set()),
        (classic(("ReadOnly", True, ()), ("WriteOnly", True, ())), True, True, set()),
        (classic(("WriteOnly", True, ())), False, True, set()),
        (classic(("All", True, ("kms.amazonaws.com",)), ("All", True, ())), True, True, set()),
        (
            classic(
                ("All", True, ("kms.amazonaws.com", "rdsdata.amazonaws.com")),
                ("WriteOnly", True, ("kms.amazonaws.com",)),
            ),
            True,
            True,
            {"kms.amazonaws.com", "rdsdata.amazonaws.com"},
        ),
        (EventSelectors((), (), ""), False, False, set()),
        (advanced((MGMT,)), True, True, set()),
        (advanced((MGMT, FieldSelector("readOnly", equals=("true",)))), True, False, set()),
        (advanced((MGMT, FieldSelector("readOnly", not_equals=("true",)))), False, True, set()),
        (
            advanced(
                (MGMT, FieldSelector("readOnly", equals=("true",))),
                (MGMT, FieldSelector("readOnly", equals=("false",))),
            ),
            True,
            True,
            set(),
        ),
        (
            advanced((MGMT, FieldSelector("eventSource", not_equals=("kms.amazonaws.com",)))),
            True,
            True,
            {"kms.amazonaws.com"},
        ),
        (
            advanced((MGMT, FieldSelector("eventName", equals=("ConsoleLogin",)))),
            False,
            False,
            set(),
        ),
        (
            advanced((MGMT, FieldSelector("eventSource", equals=("iam.amazonaws.com",)))),
            False,
            False,
            set(),
        ),
        (advanced((FieldSelector("eventCategory", equals=("Data",)),)), False, False, set()),
        (advanced((FieldSelector("eventCategory", not_equals=("Data",)),)), True, True, set()),
        (advanced((FieldSelector("readOnly", equals=("true",)),)), False, False, set()),
    ],
)
def test_management_coverage(
    selectors: EventSelectors, read: bool, write: bool, excluded: set[str]
) -> None:
    cov = management_coverage(selectors)
    assert (cov.read, cov.write, set(cov.excluded_sources)) == (read, write, excluded)
    assert cov.complete is (read and write and not excluded)


def test_coverage_notes_explain_uncounted_selectors() -> None:
    cov = management_coverage(
        advanced((MGMT, FieldSelector("eventName", equals=("ConsoleLogin",))))
    )
    assert cov.notes == (
        "advanced selector 's0' restricts eventName, so it records only some management events",
    )


# --- alarm links ---------------------------------------------------------------------------------


def kms_alarm(doc: dict[str, Any]) -> dict[str, Any]:
    alarm: dict[str, Any] = doc["alarms"]["MetricAlarms"][1]
    assert alarm["MetricName"] == METRIC[0]
    return alarm


def test_disabled_actions_and_non_sns_actions_do_not_notify() -> None:
    doc = fixture("pass_cis_4_7.json")
    kms_alarm(doc)["ActionsEnabled"] = False
    (link,) = alarm_links(load_snapshot(doc), *METRIC).links
    assert (link.notifies, link.notify_reason) == (
        False,
        "alarm actions are disabled (ActionsEnabled is false)",
    )
    doc = fixture("pass_cis_4_7.json")
    kms_alarm(doc)["AlarmActions"] = ["arn:aws:automate:us-east-1:ec2:stop"]
    (link,) = alarm_links(load_snapshot(doc), *METRIC).links
    assert (link.notifies, link.notify_reason) == (
        False,
        "no SNS topic in AlarmActions (other actions: arn:aws:automate:us-east-1:ec2:stop)",
    )


def test_composite_alarm_makes_notification_undecided() -> None:
    doc = fixture("pass_cis_4_7.json")
    kms_alarm(doc)["AlarmActions"] = []
    doc["alarms"]["CompositeAlarms"] = [
        {
            "AlarmName": "security-rollup",
            "AlarmRule": 'ALARM("CIS-4.7-KmsKeyDisableOrScheduledDeletion") OR ALARM("CIS-4.3-RootAccountUsage")',
        }
    ]
    (link,) = alarm_links(load_snapshot(doc), *METRIC).links
    assert link.notifies is None
    assert "composite alarm(s) ['security-rollup']" in link.notify_reason


def test_topic_in_another_account_is_undecided_but_same_account_without_subscribers_fails() -> None:
    doc = fixture("pass_cis_4_7.json")
    kms_alarm(doc)["AlarmActions"] = ["arn:aws:sns:us-east-1:999999999999:central-security"]
    (link,) = alarm_links(load_snapshot(doc), *METRIC).links
    assert link.notifies is None
    doc = fixture("pass_cis_4_7.json")
    kms_alarm(doc)["AlarmActions"] = ["arn:aws:sns:us-east-1:123456789012:nobody-listens"]
    (link,) = alarm_links(load_snapshot(doc), *METRIC).links
    assert (link.notifies, link.notify_reason) == (
        False,
        "no confirmed subscription on arn:aws:sns:us-east-1:123456789012:nobody-listens",
    )
    del doc["subscriptions"]
    (link,) = alarm_links(load_snapshot(doc), *METRIC).links
    assert (link.notifies, link.notify_reason) == (None, "the snapshot has no subscriptions key")


def test_dimensions_and_unit_must_match_the_metric_filter() -> None:
    doc = fixture("pass_cis_4_7.json")
    kms_alarm(doc)["Dimensions"] = [{"Name": "KeyId", "Value": "1234abcd"}]
    snap = load_snapshot(doc)
    (link,) = alarm_links(snap, *METRIC, dimensions=()).links
    assert (link.fires, link.fires_reason) == (
        False,
        "the alarm watches dimensions ['KeyId'] but the metric filter publishes []: a different metric",
    )
    (link,) = alarm_links(snap, *METRIC, dimensions=("KeyId",)).links
    assert link.fires is True and link.fires_reason.endswith(
        "; only for events with KeyId=1234abcd"
    )
    doc = fixture("pass_cis_4_7.json")
    kms_alarm(doc)["Unit"] = "Seconds"
    (link,) = alarm_links(load_snapshot(doc), *METRIC, unit="Count").links
    assert (link.fires, link.fires_reason) == (
        False,
        "the alarm's Unit Seconds differs from the metric's unit Count",
    )


def test_default_value_reaches_fires_on_single_event() -> None:
    doc = fixture("pass_cis_4_7.json")
    kms_alarm(doc)["Statistic"] = "SampleCount"
    snap = load_snapshot(doc)
    assert [l.fires for l in alarm_links(snap, *METRIC).links] == [True]
    assert [l.fires for l in alarm_links(snap, *METRIC, default_value=0.0).links] == [False]


def test_unknown_actions_leave_firing_decidable() -> None:
    doc = fixture("pass_cis_4_7.json")
    kms_alarm(doc)["AlarmActions"] = [Unknown("known after apply")]
    snap = load_snapshot(doc)
    assert snap.problems == ()
    (link,) = alarm_links(snap, *METRIC).links
    assert (link.fires, link.notifies) == (True, None)
    assert (
        link.notify_reason == "alarm actions unknown: AlarmActions/0 is unknown (known after apply)"
    )
    kms_alarm(doc)["Threshold"] = Unknown("known after apply")
    (link,) = alarm_links(load_snapshot(doc), *METRIC).links
    assert (link.fires, link.location) == (None, "/alarms/MetricAlarms/1/Threshold")


def test_labels_name_entries() -> None:
    doc = {"alarms": {"MetricAlarms": [{"AlarmName": "a", "Threshold": 1}]}}
    snap = load_snapshot(doc, labels={"/alarms/MetricAlarms/0": "aws_cloudwatch_metric_alarm.a"})
    assert [str(p) for p in snap.problems if p.location.startswith("aws_")] == [
        "aws_cloudwatch_metric_alarm.a/MetricName: missing"
    ]


# --- `cwpattern snapshot` ---------------------------------------------------------------------------

WHEN = dt.datetime(2024, 5, 2, 9, 15, tzinfo=dt.timezone.utc)


class FakePaginator:
    def __init__(self, pages: list[dict[str, Any]], calls: list[Any]) -> None:
        self.pages, self.calls = pages, calls

    def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(kwargs)
        return copy.deepcopy(self.pages)


class FakeClient:
    """Answers like boto3, from a fixture snapshot (datetimes and ResponseMetadata included)."""

    def __init__(
        self, service: str, region: str | None, source: dict[str, Any], session: FakeSession
    ) -> None:
        self.service, self.region, self.source, self.session = service, region, source, session

    def _meta(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            **copy.deepcopy(body),
            "ResponseMetadata": {"RequestId": "r-1", "HTTPStatusCode": 200},
        }

    def describe_trails(self, includeShadowTrails: bool) -> dict[str, Any]:
        assert includeShadowTrails is True
        return self._meta(self.source["trails"])

    def get_trail_status(self, Name: str) -> dict[str, Any]:
        self.session.calls.append(("get_trail_status", Name, self.region))
        status = self._meta(self.source["trailStatus"][Name])
        status["LatestDeliveryTime"] = WHEN
        return status

    def get_event_selectors(self, TrailName: str) -> dict[str, Any]:
        if TrailName in self.session.failing:
            raise RuntimeError("TrailNotFoundException: Unknown trail")
        return self._meta(self.source["eventSelectors"][TrailName])

    def get_paginator(self, name: str) -> FakePaginator:
        source = self.source
        pages = {
            "describe_metric_filters": [
                {"metricFilters": source["metricFilters"]["metricFilters"][:1], "nextToken": "t"},
                {"metricFilters": source["metricFilters"]["metricFilters"][1:]},
            ],
            "describe_alarms": [self._meta(source["alarms"])],
            "list_subscriptions": [{"Subscriptions": source["subscriptions"]["Subscriptions"]}],
        }[name]
        return FakePaginator(pages, self.session.calls)

    def get_caller_identity(self) -> dict[str, Any]:
        return {
            "Account": "123456789012",
            "Arn": "arn:aws:iam::123456789012:user/auditor",
            "UserId": "AIDA",
        }


class FakeSession:
    def __init__(
        self, source: dict[str, Any], region: str = "us-east-1", failing: tuple[str, ...] = ()
    ) -> None:
        self.source, self.region_name, self.failing = source, region, failing
        self.calls: list[Any] = []

    def client(self, service: str, region_name: str | None = None) -> FakeClient:
        return FakeClient(service, region_name, self.source, self)


def test_build_snapshot_with_a_fake_session() -> None:
    source = fixture("pass_cis_4_7.json")
    session = FakeSession(source)
    doc = snapshot_command.build_snapshot(session, now=WHEN)
    assert doc["metadata"]["errors"] == [] and doc["metadata"]["warnings"] == []
    assert doc["metadata"]["account"] == "123456789012"
    assert doc["metadata"]["created"] == "2024-05-02T09:15:00+00:00"
    assert doc["trailStatus"][TRAIL]["LatestDeliveryTime"] == "2024-05-02T09:15:00+00:00"
    assert "ResponseMetadata" not in doc["alarms"] and "ResponseMetadata" not in doc["trails"]
    assert len(doc["metricFilters"]["metricFilters"]) == 3
    assert (
        "get_trail_status",
        "arn:aws:cloudtrail:eu-west-1:123456789012:trail/eu-data-events",
        "eu-west-1",
    ) in session.calls  # asked in the trail's home region
    assert {"AlarmTypes": ["MetricAlarm", "CompositeAlarm"]} in session.calls
    snap = load_snapshot(json.loads(json.dumps(doc)))
    assert snap.problems == () and snap.warnings == ()
    assert qualifying_log_groups(trail_findings(snap)) == (GROUP,)
    assert kms_links(snap) == [("CIS-4.7-KmsKeyDisableOrScheduledDeletion", True, True)]


def test_build_snapshot_records_failures_and_region_mismatch() -> None:
    session = FakeSession(fixture("pass_cis_4_7.json"), region="eu-west-1", failing=(TRAIL,))
    doc = snapshot_command.build_snapshot(session, now=WHEN)
    assert doc["metadata"]["errors"] == [
        f"cloudtrail get-event-selectors {TRAIL}: RuntimeError: TrailNotFoundException: Unknown trail"
    ]
    assert doc["metadata"]["warnings"] == [
        (
            f"trail {TRAIL} delivers to a log group in us-east-1; this snapshot reads metric filters "
            "and alarms in eu-west-1"
        )
    ]
    assert TRAIL not in doc["eventSelectors"]
    assert main_trail(load_snapshot(doc))[0] is None


def test_run_without_boto3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    args = argparse.Namespace(region="us-east-1", profile=None, output="-")
    assert snapshot_command.run(args) == 2
    assert "needs boto3 (pip install boto3)" in capsys.readouterr().err


def test_run_with_a_fake_boto3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = fixture("pass_cis_4_7.json")
    fake = types.ModuleType("boto3")
    seen: dict[str, Any] = {}

    def make_session(
        profile_name: str | None = None, region_name: str | None = None
    ) -> FakeSession:
        seen.update(profile=profile_name, region=region_name)
        return FakeSession(source, region=region_name or "")

    fake.Session = make_session  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "boto3", fake)
    out = tmp_path / "snap.json"
    parser = argparse.ArgumentParser()
    snapshot_command.configure(parser)
    args = parser.parse_args(["--region", "us-east-1", "--profile", "audit", "-o", str(out)])
    assert snapshot_command.run(args) == 0
    assert seen == {"profile": "audit", "region": "us-east-1"}
    assert load_snapshot(out).problems == ()
    assert capsys.readouterr().err == ""
    assert snapshot_command.run(parser.parse_args([])) == 2  # no region configured
    assert "no region" in capsys.readouterr().err


# --- robustness: damaged snapshots never crash ----------------------------------------------------

JUNK: list[Any] = [None, True, 0, "", "x", [], {}, [{}], "PendingConfirmation"]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    "name", ["pass_cis_4_7.json", "pass_paginated.json", "pass_advanced_selectors.json"]
)
def test_damaged_snapshots_never_crash(name: str) -> None:
    """Replace every node of a fixture, one at a time, by junk of every type."""
    base = fixture(name)
    for path in _paths(base)[1:]:
        for junk in JUNK:
            doc = _replace(copy.deepcopy(base), path, copy.deepcopy(junk))
            snap = load_snapshot(doc)  # must not raise
            findings = trail_findings(snap)
            links = alarm_links(snap, *METRIC)
            json.dumps([f.to_dict() for f in findings] + [l.to_dict() for l in links.links])
            json.dumps([p.to_dict() for p in snap.problems])
