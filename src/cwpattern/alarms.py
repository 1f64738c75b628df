"""Kept for one release: this module moved to :mod:`cwpattern.aws.alarms`.

Import from ``cwpattern.aws.alarms`` instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.alarms import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    Alarm,
    AlarmError,
    Datapoint,
    Evaluation,
    State,
    StateChange,
    aggregate,
    evaluate,
    evaluations,
    fires_on_single_event,
    statistic_value,
)

__all__ = [
    "ALARM",
    "INSUFFICIENT_DATA",
    "OK",
    "aggregate",
    "Alarm",
    "AlarmError",
    "Datapoint",
    "evaluate",
    "Evaluation",
    "evaluations",
    "fires_on_single_event",
    "State",
    "StateChange",
    "statistic_value",
]
