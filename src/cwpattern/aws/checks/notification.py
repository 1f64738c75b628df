"""Link 4 of the chain, the notification: an SNS topic in the alarm's actions with a
confirmed subscription (:func:`topic_checks`), and the link a control's chain gets for
it (:func:`notification_link`).

>>> from cwpattern.aws.snapshot import load_snapshot
>>> snap = load_snapshot("tests/data/audit/fail_unconfirmed_subscription.json")
>>> topic_checks(snap, snap.alarms.items[0]).notifies
False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import AlarmEntry
from ..results import LinkResult
from ..snapshot import Snapshot

if TYPE_CHECKING:
    from .alarm import AlarmLink

__all__ = ["Notification", "TopicCheck", "notification_link", "topic_checks"]


@dataclass(frozen=True, slots=True)
class TopicCheck:
    """One SNS topic in an alarm's AlarmActions and its subscriptions in the snapshot."""

    arn: str
    confirmed: int
    pending: int
    decided: bool


@dataclass(frozen=True, slots=True)
class Notification:
    """Whether an alarm notifies someone: ``notifies`` is True, False or None (cannot
    decide), ``reason`` says why, ``topics`` are the SNS topics in its AlarmActions."""

    notifies: bool | None
    reason: str
    topics: tuple[TopicCheck, ...] = ()


def _region_account(arn: str | None) -> tuple[str, str] | None:
    if not arn:
        return None
    parts = arn.split(":", 5)
    return (parts[3], parts[4]) if len(parts) == 6 and parts[0] == "arn" else None


def topic_checks(snap: Snapshot, entry: AlarmEntry) -> Notification:
    """Whether alarm ``entry`` notifies someone: an SNS topic in its AlarmActions with a
    confirmed subscription in the snapshot."""
    alarm = entry.alarm
    if entry.actions_unknown:
        return Notification(None, f"alarm actions unknown: {entry.actions_unknown}")
    if not alarm.actions_enabled:
        return Notification(False, "alarm actions are disabled (ActionsEnabled is false)")
    topics = [
        a for a in alarm.alarm_actions if a.startswith("arn:") and a.split(":")[2:3] == ["sns"]
    ]
    if not topics:
        referenced = [
            c.get("AlarmName")
            for c in snap.composite_alarms
            if alarm.name and alarm.name in str(c.get("AlarmRule", ""))
        ]
        if referenced:
            return Notification(
                None,
                f"no SNS topic in AlarmActions; composite alarm(s) {referenced} use it "
                "and are not evaluated",
            )
        others = (
            f" (other actions: {', '.join(alarm.alarm_actions)})" if alarm.alarm_actions else ""
        )
        return Notification(False, f"no SNS topic in AlarmActions{others}")
    if not snap.subscriptions.present:
        return Notification(
            None,
            "the snapshot has no subscriptions key",
            tuple(TopicCheck(t, 0, 0, False) for t in topics),
        )
    home = _region_account(alarm.arn)
    checks = []
    for topic in topics:
        subs = [s for s in snap.subscriptions if s.topic_arn == topic]
        confirmed = sum(s.confirmed for s in subs)
        local = home is not None and _region_account(topic) == home
        decided = confirmed > 0 or (local and snap.subscriptions.complete)
        checks.append(TopicCheck(topic, confirmed, len(subs) - confirmed, decided))
    good = [c for c in checks if c.confirmed]
    if good:
        return Notification(
            True,
            f"SNS topic {good[0].arn} has {good[0].confirmed} confirmed subscription(s)",
            tuple(checks),
        )
    undecided = [c for c in checks if not c.decided]
    if undecided:
        why = (
            "the subscriptions listing is incomplete"
            if not snap.subscriptions.complete
            else "the topic is in another account or region than the alarm (or the alarm ARN is unknown)"
        )
        return Notification(
            None, f"no confirmed subscription found for {undecided[0].arn}: {why}", tuple(checks)
        )
    pending = sum(c.pending for c in checks)
    detail = f" ({pending} pending confirmation)" if pending else ""
    return Notification(
        False,
        f"no confirmed subscription on {', '.join(c.arn for c in checks)}{detail}",
        tuple(checks),
    )


def notification_link(
    link: AlarmLink, *, source: str = "snapshot", assumed: bool = False, subscriptions: bool = True
) -> LinkResult:
    """The notification link of a chain through alarm ``link``.

    For IaC (``source`` is ``terraform`` or ``cloudformation``) the subscriptions are not
    in the input (``subscriptions`` False): an alarm that notifies an SNS topic has its link
    ``assumed`` when the audit assumes the account side (``assumed``), else ``unknown``.
    """
    label = link.alarm_name or link.location
    evidence = {
        "alarm": link.alarm_name,
        "topics": [
            {"arn": t.arn, "confirmed": t.confirmed, "pending": t.pending} for t in link.topics
        ],
        "reason": link.notify_reason,
        "locations": [link.location],
    }
    if link.notifies is True:
        return LinkResult("notification", "pass", f"{label}: {link.notify_reason}", evidence)
    if link.notifies is False:
        return LinkResult("notification", "fail", f"{label}: {link.notify_reason}", evidence)
    iac = source != "snapshot"
    if iac and assumed and link.topics:
        topics = ", ".join(t.arn for t in link.topics)
        return LinkResult(
            "notification",
            "assumed",
            f"assumed: {label} notifies SNS topic {topics}; subscriptions are not in the "
            f"{source} input and must be confirmed after deployment",
            evidence,
        )
    reason = link.notify_reason
    if iac and not subscriptions:
        if link.topics and not link.notify_reason.startswith("alarm actions unknown"):
            reason = (
                f"notifies SNS topic {', '.join(t.arn for t in link.topics)}; its "
                f"subscriptions are not in the {source} input"
            )
        else:
            reason = f"{reason} (subscriptions are not in the {source} input)"
    return LinkResult("notification", "unknown", f"{label}: {reason}", evidence)
