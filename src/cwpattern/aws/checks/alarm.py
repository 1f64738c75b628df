"""Link 3 of the chain, the alarm: which alarms watch a metric and whether one matching
event moves them to ALARM (:func:`alarm_links`, :func:`alarm_options`).

>>> from cwpattern.aws.snapshot import load_snapshot
>>> snap = load_snapshot("tests/data/audit/fail_threshold_never_fires.json")
>>> [(a.alarm_name, a.fires) for a in alarm_links(snap, "KmsKeyDisableOrDeleteCount",
...                                                "CISBenchmark").links]
[('CIS-4.7-KmsKeyDisableOrScheduledDeletion', False)]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..alarms import Alarm, fires_on_single_event
from ..results import LinkResult, not_checked
from ..snapshot import Snapshot
from .notification import TopicCheck, topic_checks

__all__ = [
    "AlarmLink",
    "AlarmLinks",
    "AlarmOption",
    "AlarmStage",
    "PublishConfig",
    "alarm_links",
    "alarm_options",
    "combine_fires",
]


@dataclass(frozen=True, slots=True)
class AlarmLink:
    """An alarm on the metric: does it fire on one event, does it notify someone?"""

    alarm_name: str | None
    alarm_arn: str | None
    location: str
    fires: bool | None
    fires_reason: str
    notifies: bool | None
    notify_reason: str
    topics: tuple[TopicCheck, ...] = ()
    alarm: Alarm | None = None

    @property
    def ok(self) -> bool | None:
        """True when it fires and notifies; None when either is undecided."""
        if self.fires is False or self.notifies is False:
            return False
        if self.fires is None or self.notifies is None:
            return None
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "alarm": self.alarm_name,
            "alarmArn": self.alarm_arn,
            "location": self.location,
            "fires": self.fires,
            "firesReason": self.fires_reason,
            "notifies": self.notifies,
            "notifyReason": self.notify_reason,
            "topics": [
                {"arn": t.arn, "confirmed": t.confirmed, "pending": t.pending} for t in self.topics
            ],
        }


@dataclass(frozen=True, slots=True)
class AlarmLinks:
    """The alarms on one metric; ``complete`` is False when some alarm may be missing."""

    links: tuple[AlarmLink, ...]
    complete: bool
    problems: tuple[str, ...] = ()


def alarm_links(
    snapshot: Snapshot,
    metric_name: str,
    namespace: str,
    *,
    value: float = 1.0,
    default_value: float | None = None,
    dimensions: Collection[str] | None = None,
    unit: str | None = None,
) -> AlarmLinks:
    """The alarms on ``metric_name`` in ``namespace``, with firing and notification checks.

    Args:
        value, default_value: the metric filter's metricValue (when numeric) and
            defaultValue, passed to :func:`~cwpattern.aws.alarms.fires_on_single_event`.
        dimensions: dimension names the metric filter publishes; when given, an alarm
            whose dimension names differ watches another metric and never fires.
        unit: the metric filter's unit; an alarm with a different Unit never fires.

    Unreadable alarm entries that may be on the metric are returned as links with
    ``fires=None``.
    """
    links: list[AlarmLink] = []
    for entry in snapshot.alarms:
        alarm = entry.alarm
        if alarm.metric_name != metric_name or alarm.namespace != namespace:
            continue
        fires, why = _fires(alarm, value, default_value, dimensions, unit)
        notify = topic_checks(snapshot, entry)
        links.append(
            AlarmLink(
                alarm.name,
                alarm.arn,
                entry.location,
                fires,
                why,
                notify.notifies,
                notify.reason,
                notify.topics,
                alarm,
            )
        )
    for err in snapshot.alarms.unreadable:
        name, ns, alarm_name = (
            snapshot.alarms.entry_text(err.location, key)
            for key in ("MetricName", "Namespace", "AlarmName")
        )
        if name is not None and ns is not None and (name, ns) != (metric_name, namespace):
            continue
        links.append(
            AlarmLink(
                alarm_name,
                None,
                err.location,
                None,
                f"unreadable alarm: {err}",
                None,
                "unreadable alarm",
            )
        )
    problems = tuple(str(e) for e in snapshot.alarms.errors)
    return AlarmLinks(tuple(links), not snapshot.alarms.errors, problems)


def _fires(
    alarm: Alarm,
    value: float,
    default_value: float | None,
    dimensions: Collection[str] | None,
    unit: str | None,
) -> tuple[bool, str]:
    if dimensions is not None:
        names = {n for n, _ in alarm.dimensions}
        if names != set(dimensions):
            return False, (
                f"the alarm watches dimensions {sorted(names)} but the metric filter "
                f"publishes {sorted(dimensions)}: a different metric"
            )
    if unit is not None and alarm.unit is not None and alarm.unit != unit:
        return False, f"the alarm's Unit {alarm.unit} differs from the metric's unit {unit}"
    fires, why = fires_on_single_event(alarm, value=value, default_value=default_value)
    if fires and alarm.dimensions:
        fixed = ", ".join(f"{n}={v}" for n, v in alarm.dimensions)
        why += f"; only for events with {fixed}"
    return fires, why


class PublishConfig(NamedTuple):
    """How a metric filter publishes: its metricValue (a number), defaultValue,
    dimension names and unit (``"None"`` when it sets none)."""

    value: float
    default_value: float | None
    dimensions: tuple[str, ...]
    unit: str


@dataclass(frozen=True, slots=True)
class AlarmOption:
    """One way through links 3 and 4: an alarm link and the notification link after it."""

    alarm: LinkResult
    notification: LinkResult


@dataclass(frozen=True, slots=True)
class AlarmStage:
    """The options through links 3 and 4 for one metric, and the alarm evidence."""

    options: tuple[AlarmOption, ...]
    evidence: Mapping[str, object] = field(default_factory=dict)


def combine_fires(links: Sequence[AlarmLink]) -> tuple[bool | None, str]:
    """One verdict for one alarm when the filters of its metric publish differently
    (value, default): it fires when it fires for each, not when it fires for none."""
    verdicts = [link.fires for link in links]
    if all(v is True for v in verdicts):
        return True, links[0].fires_reason
    if all(v is False for v in verdicts):
        return False, links[0].fires_reason
    if None in verdicts:
        bad = next(link for link in links if link.fires is None)
        return None, bad.fires_reason
    bad = next(link for link in links if link.fires is False)
    return None, (
        "the filters of this metric publish different values; for some it fires, for others "
        f"not: {bad.fires_reason}"
    )


def alarm_options(
    snapshot: Snapshot,
    namespace: str,
    name: str,
    configs: Sequence[PublishConfig],
    notify: Callable[[AlarmLink], LinkResult],
) -> AlarmStage:
    """Links 3 and 4 for the metric ``namespace``/``name`` that metric filters publish to
    with ``configs`` (their value, default value, dimension names and unit; none: 1, no
    default): one option per alarm on the metric (its notification link from
    ``notify``), one ``unknown`` option when the alarm listing is incomplete, one ``fail``
    option when no alarm watches the metric."""
    ns = namespace
    metric = f"{ns}/{name}"
    merged: dict[str, list[AlarmLink]] = {}
    complete, problems = True, list[str]()
    for value, default, dims, unit in configs or [PublishConfig(1.0, None, (), "None")]:
        found = alarm_links(
            snapshot, name, ns, value=value, default_value=default, dimensions=dims, unit=unit
        )
        complete = complete and found.complete
        problems = list(found.problems)
        for link in found.links:
            merged.setdefault(link.location, []).append(link)
    evidence: dict[str, Any] = {
        "metric": {"namespace": ns, "metricName": name},
        "alarms": [],
        "locations": list(merged),
    }
    others = [
        {"alarm": e.alarm.name, "namespace": e.alarm.namespace, "location": e.location}
        for e in snapshot.alarms
        if e.alarm.metric_name == name and e.alarm.namespace != ns
    ]
    if others:
        evidence["otherNamespaces"] = others
    if problems:
        evidence["problems"] = problems
    paths: list[AlarmOption] = []
    for location, links in merged.items():
        first = links[0]
        fires, why = combine_fires(links)
        if fires and first.alarm is not None and first.alarm.dimensions:
            fires, why = (
                None,
                (
                    f"{why}; the alarm watches only datapoints with dimensions "
                    f"{dict(first.alarm.dimensions)}, and whether every required event "
                    "carries them is not decided"
                ),
            )
        label = first.alarm_name or location
        alarm_ev = {**first.to_dict(), "fires": fires, "firesReason": why}
        evidence["alarms"].append(alarm_ev)
        if fires is True:
            alarm_link = LinkResult(
                "alarm", "pass", f"{label} fires on a single event: {why}", evidence
            )
        elif fires is False:
            alarm_link = LinkResult(
                "alarm", "fail", f"{label} does not fire on a single event: {why}", evidence
            )
        else:
            alarm_link = LinkResult(
                "alarm",
                "unknown",
                f"cannot decide whether {label} fires on a single event: {why}",
                evidence,
            )
        paths.append(AlarmOption(alarm_link, notify(first)))
    if not complete:
        paths.append(
            AlarmOption(
                LinkResult(
                    "alarm",
                    "unknown",
                    f"the alarm listing is incomplete ({'; '.join(problems)}): an alarm on "
                    f"{metric} may be missing from it",
                    evidence,
                ),
                not_checked("notification", "not checked: no alarm to follow"),
            )
        )
    if not merged:
        why = f"no alarm on metric {metric}"
        if others:
            why += "; " + ", ".join(
                f"alarm {o['alarm']} watches {name} in namespace {o['namespace']}" for o in others
            )
        paths.append(
            AlarmOption(
                LinkResult("alarm", "fail", why, evidence),
                not_checked("notification", "not checked: no alarm to follow"),
            )
        )
    return AlarmStage(tuple(paths), evidence)
