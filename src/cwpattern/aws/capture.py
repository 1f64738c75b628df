"""Capture an account snapshot with boto3: the engine of ``cwpattern snapshot``.

Calls the same read-only APIs as the AWS CLI commands of ``docs/audit-snapshot.md``
(describe-trails, get-trail-status, get-event-selectors, describe-metric-filters,
describe-alarms, list-subscriptions) and returns their outputs unchanged under the
snapshot keys (:mod:`cwpattern.aws.snapshot` reads them).  A call that fails leaves its key
(or its trail ARN) out and is listed in ``metadata.errors``, so the audit says "cannot
decide" for what it could not see.  boto3 is optional (the ``aws`` extra): any object with
``.client(name, region_name=)`` and ``.region_name`` works as a session.

>>> class NoAccess:
...     region_name = "us-east-1"
...     def client(self, name, region_name=None):
...         raise PermissionError("AccessDenied")
>>> doc = build_snapshot(NoAccess())
>>> sorted(doc), doc["metadata"]["errors"][0]
(['metadata'], 'cloudtrail describe-trails: PermissionError: AccessDenied')
"""

from __future__ import annotations

import datetime as _dt
import functools
import importlib
from collections.abc import Callable
from typing import Any

from ..errors import CWPatternError

__all__ = ["CaptureError", "build_snapshot", "open_session"]


class CaptureError(CWPatternError):
    """No session to capture with: boto3 is missing, the profile is unknown, no region."""


def open_session(profile: str | None = None, region: str | None = None) -> Any:
    """A boto3 session for ``profile`` and ``region`` (the profile's region by default).

    Raises :class:`CaptureError` when boto3 is not installed, the session cannot be made,
    or it has no region.
    """
    try:
        boto3 = importlib.import_module("boto3")
    except ImportError:
        raise CaptureError(
            "`cwpattern snapshot` needs boto3 (pip install boto3); or build the "
            "snapshot with the AWS CLI as docs/audit-snapshot.md shows"
        ) from None
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except Exception as e:  # noqa: BLE001 - botocore ProfileNotFound and friends
        raise CaptureError(f"{type(e).__name__}: {e}") from e
    if not session.region_name:
        raise CaptureError("no region: pass --region or configure one for the profile")
    return session


def _plain(value: Any) -> Any:
    """A boto3 response as the AWS CLI prints it: datetimes in ISO 8601, no ResponseMetadata."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    return value


def _merge(pages: Any, *keys: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {k: [] for k in keys}
    for page in pages:
        for k in keys:
            out[k].extend(page.get(k) or [])
    return out


def build_snapshot(session: Any, *, now: _dt.datetime | None = None) -> dict[str, Any]:
    """Collect the snapshot with a boto3-like ``session`` (``.client(name, region_name=)``).

    Never raises for an AWS error: the failing part is omitted and recorded in
    ``metadata.errors``.
    """
    region = getattr(session, "region_name", None)
    errors: list[str] = []
    warnings: list[str] = []
    doc: dict[str, Any] = {}

    def call(what: str, fn: Callable[[], Any]) -> Any:
        try:
            return _plain(fn())
        except Exception as e:  # noqa: BLE001 - any AWS/transport failure: recorded, key left out
            errors.append(f"{what}: {type(e).__name__}: {e}")
            return None

    trails = call(
        "cloudtrail describe-trails",
        lambda: session.client("cloudtrail", region_name=region).describe_trails(
            includeShadowTrails=True
        ),
    )
    if trails is not None:
        doc["trails"] = trails
        doc["trailStatus"], doc["eventSelectors"] = {}, {}
        for trail in trails.get("trailList", []):
            arn, home = trail.get("TrailARN"), trail.get("HomeRegion") or region
            if not arn:
                continue
            client = session.client("cloudtrail", region_name=home)
            status = call(
                f"cloudtrail get-trail-status {arn}",
                functools.partial(client.get_trail_status, Name=arn),
            )
            if status is not None:
                doc["trailStatus"][arn] = status
            selectors = call(
                f"cloudtrail get-event-selectors {arn}",
                functools.partial(client.get_event_selectors, TrailName=arn),
            )
            if selectors is not None:
                doc["eventSelectors"][arn] = selectors
            group = str(trail.get("CloudWatchLogsLogGroupArn") or "")
            group_region = group.split(":")[3] if group.count(":") >= 3 else None
            if group_region and region and group_region != region:
                warnings.append(
                    f"trail {arn} delivers to a log group in {group_region}; this "
                    f"snapshot reads metric filters and alarms in {region}"
                )
    filters = call(
        "logs describe-metric-filters",
        lambda: _merge(
            session.client("logs", region_name=region)
            .get_paginator("describe_metric_filters")
            .paginate(),
            "metricFilters",
        ),
    )
    if filters is not None:
        doc["metricFilters"] = filters
    alarms = call(
        "cloudwatch describe-alarms",
        lambda: _merge(
            session.client("cloudwatch", region_name=region)
            .get_paginator("describe_alarms")
            .paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"]),
            "MetricAlarms",
            "CompositeAlarms",
        ),
    )
    if alarms is not None:
        doc["alarms"] = alarms
    subscriptions = call(
        "sns list-subscriptions",
        lambda: _merge(
            session.client("sns", region_name=region)
            .get_paginator("list_subscriptions")
            .paginate(),
            "Subscriptions",
        ),
    )
    if subscriptions is not None:
        doc["subscriptions"] = subscriptions
    try:
        account = session.client("sts", region_name=region).get_caller_identity().get("Account")
    except Exception as e:  # noqa: BLE001 - the account id is informative only
        account = None
        warnings.append(f"sts get-caller-identity: {type(e).__name__}: {e}")
    from ..version import __version__

    created = (now or _dt.datetime.now(_dt.timezone.utc)).isoformat()
    doc["metadata"] = {
        "producer": f"cwpattern snapshot {__version__}",
        "created": created,
        "region": region,
        "account": account,
        "errors": errors,
        "warnings": warnings,
    }
    return doc
