"""CloudWatch metric alarms, evaluated offline as CloudWatch documents it.

A metric filter turns log events into datapoints; an alarm turns datapoints into states.
This module answers the second half: given an alarm exactly as ``aws cloudwatch
describe-alarms`` prints it and a list of :class:`Datapoint`, which state is the alarm
in at each evaluation, and when does it change?  It also answers the question a CIS
audit asks of every monitoring alarm: *does one matching event set it off?*
(:func:`fires_on_single_event`).

Semantics (AWS CloudWatch User Guide, "Evaluating an alarm" and "Configuring how
CloudWatch alarms treat missing data"):

* Each evaluation looks at the *evaluation range*: the most recent ``R`` periods ending
  at the evaluation time.  AWS documents that it retrieves "a higher number of data
  points than Evaluation Periods" (its example: 5 for 3 evaluation periods) without a
  formula.  **Decided:** ``R = EvaluationPeriods + 2``; override with
  ``evaluation_range=``.
* A period holding no datapoint is *missing*.  If at least ``N`` (EvaluationPeriods)
  periods in the range hold data, the ``N`` most recent of them are evaluated and
  TreatMissingData is not used: ALARM when at least ``M`` (DatapointsToAlarm) of them
  breach, else OK.
* Otherwise all real datapoints in the range are evaluated, and ``N - real`` missing
  ones are filled in as TreatMissingData says:

  - ``breaching``: filled points breach (ALARM when ``breaching + filled >= M``);
  - ``notBreaching``: filled points do not breach;
  - ``missing``: no real point → INSUFFICIENT_DATA;
  - ``ignore``: no real point → the state does not change.

  For ``missing`` and ``ignore`` with *some* real points the documentation gives only
  a table.  **Decided** (this rule reproduces every row of both documented tables):
  ALARM when at least ``M`` real points breach; otherwise, when every real point
  breaches, ``missing`` goes to ALARM and ``ignore`` keeps its state; otherwise OK.

  Consequence worth knowing (and documented by AWS): with ``missing``, a sparse metric
  keeps an alarm in ALARM while its last datapoint is inside the evaluation range, and
  goes to INSUFFICIENT_DATA only after *all* periods of the range are missing.

* A period is ``[start, start + Period)``; a datapoint at ``t`` belongs to the period
  containing ``t``.  Evaluation at time ``t`` uses periods ending at ``t``.  CloudWatch
  evaluates every minute with a sliding window; :func:`evaluate` evaluates every
  ``step`` seconds (default: one period, the "period by period" timeline).

>>> alarm = Alarm.from_aws({
...     "AlarmName": "kms-cmk-disable", "MetricName": "KmsKeyDisable",
...     "Namespace": "CISBenchmark", "Statistic": "Sum", "Period": 300,
...     "EvaluationPeriods": 1, "Threshold": 1.0,
...     "ComparisonOperator": "GreaterThanOrEqualToThreshold"})
>>> [(c.timestamp, c.state) for c in evaluate(alarm, [Datapoint(1000.0, 1.0)],
...                                           start=0, end=3600)]
[(1200.0, 'ALARM'), (2100.0, 'INSUFFICIENT_DATA')]
>>> fires_on_single_event(alarm)[0]
True
"""

from __future__ import annotations

import bisect
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from ..documents import finite_number
from ..errors import CWPatternError

__all__ = [
    "ALARM",
    "INSUFFICIENT_DATA",
    "OK",
    "Alarm",
    "AlarmError",
    "Datapoint",
    "Evaluation",
    "State",
    "StateChange",
    "aggregate",
    "evaluate",
    "evaluations",
    "fires_on_single_event",
    "statistic_value",
]

State = Literal["OK", "ALARM", "INSUFFICIENT_DATA"]
OK: Final = "OK"
ALARM: Final = "ALARM"
INSUFFICIENT_DATA: Final = "INSUFFICIENT_DATA"
_STATES: Final = (OK, ALARM, INSUFFICIENT_DATA)

_OPERATORS: Final[dict[str, tuple[str, Callable[[float, float], bool]]]] = {
    "GreaterThanOrEqualToThreshold": (">=", operator.ge),
    "GreaterThanThreshold": (">", operator.gt),
    "LessThanThreshold": ("<", operator.lt),
    "LessThanOrEqualToThreshold": ("<=", operator.le),
}
_ANOMALY_OPERATORS: Final = frozenset(
    {
        "LessThanLowerOrGreaterThanUpperThreshold",
        "LessThanLowerThreshold",
        "GreaterThanUpperThreshold",
    }
)
_STATISTICS: Final = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_TREAT_MISSING: Final = ("missing", "notBreaching", "breaching", "ignore")
_PERCENTILE: Final = re.compile(r"p(\d{1,3}(?:\.\d+)?)")
_MAX_EVALUATIONS: Final = 1_000_000


class AlarmError(CWPatternError):
    """An alarm definition cwpattern cannot read or does not simulate.

    Attributes:
        field: the ``describe-alarms`` field at fault (``"Threshold"``), or ``None``.
        alarm: the alarm name, when known.
    """

    def __init__(self, msg: str, *, field: str | None = None, alarm: str | None = None) -> None:
        self.msg = msg
        self.field = field
        self.alarm = alarm
        where = f"alarm {alarm!r}: " if alarm else ""
        what = f"{field}: " if field else ""
        super().__init__(f"{where}{what}{msg}")

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.msg, "field": self.field, "alarm": self.alarm}


@dataclass(frozen=True, slots=True)
class Datapoint:
    """One value published to a metric (what a metric filter emits per matching event).

    ``dimensions`` is a tuple of ``(name, value)`` pairs; order does not matter for
    matching an alarm's dimensions.
    """

    timestamp: float
    value: float
    unit: str = "None"
    dimensions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Alarm:
    """One metric alarm, as read from a ``describe-alarms`` ``MetricAlarms`` entry."""

    name: str
    metric_name: str
    namespace: str
    statistic: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison_operator: str
    treat_missing_data: str = "missing"
    dimensions: tuple[tuple[str, str], ...] = ()
    unit: str | None = None
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    actions_enabled: bool = True
    evaluate_low_sample_count_percentile: str | None = None
    arn: str | None = None
    state: State | None = None

    @classmethod
    def from_aws(cls, doc: Mapping[str, Any]) -> Alarm:
        """Read one ``MetricAlarms`` entry of ``aws cloudwatch describe-alarms``.

        Unknown fields are ignored.  Raises :class:`AlarmError` naming the field for
        anything missing, mistyped or not simulated (metric math, anomaly detection).

        >>> Alarm.from_aws({"AlarmName": "a", "MetricName": "m", "Namespace": "n",
        ...     "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1,
        ...     "Threshold": 2, "ComparisonOperator": "Equal"})
        Traceback (most recent call last):
        ...
        cwpattern.aws.alarms.AlarmError: alarm 'a': ComparisonOperator: unknown operator 'Equal'
        """
        return _AlarmReader(doc).read()

    @property
    def operator_symbol(self) -> str:
        """``">="``, ``">"``, ``"<"`` or ``"<="``."""
        return _OPERATORS[self.comparison_operator][0]

    def breaches(self, value: float) -> bool:
        """Whether a period statistic ``value`` breaches the threshold."""
        return _OPERATORS[self.comparison_operator][1](value, self.threshold)

    def metric_key(self) -> tuple[str, str, frozenset[tuple[str, str]]]:
        """Namespace, metric name and dimension set: the identity of the watched metric."""
        return (self.namespace, self.metric_name, frozenset(self.dimensions))


class _AlarmReader:
    """Field-by-field validation of a describe-alarms entry (one error per bad field)."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        if not isinstance(doc, Mapping):
            raise AlarmError(f"expected an object, got {_show(doc)}")
        self.doc = doc
        name = doc.get("AlarmName")
        self.name = name if isinstance(name, str) else None

    def fail(self, field: str, msg: str) -> AlarmError:
        return AlarmError(msg, field=field, alarm=self.name)

    def string(self, field: str, *, required: bool = True) -> str | None:
        value = self.doc.get(field)
        if value is None:
            if required:
                raise self.fail(field, "missing")
            return None
        if not isinstance(value, str) or (required and not value):
            raise self.fail(field, f"must be a non-empty string, got {_show(value)}")
        return value

    def integer(self, field: str, default: int | None = None) -> int:
        value = self.doc.get(field)
        if value is None:
            if default is None:
                raise self.fail(field, "missing")
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(field, f"must be an integer, got {_show(value)}")
        return value

    def strings(self, field: str) -> tuple[str, ...]:
        value = self.doc.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(field, f"must be a list of strings, got {_show(value)}")
        return tuple(value)

    def read(self) -> Alarm:
        if self.name is None:
            self.string("AlarmName")  # raises the precise error
        if self.doc.get("Metrics"):
            raise self.fail("Metrics", "metric math alarms are not supported")
        if self.doc.get("ThresholdMetricId"):
            raise self.fail("ThresholdMetricId", "anomaly detection alarms are not supported")
        metric_name = self.string("MetricName")
        namespace = self.string("Namespace")
        assert metric_name is not None and namespace is not None
        period = self.integer("Period")
        if period <= 0 or (period not in (10, 20, 30) and period % 60):
            raise self.fail("Period", f"must be 10, 20, 30 or a multiple of 60, got {period}")
        n = self.integer("EvaluationPeriods")
        if n < 1:
            raise self.fail("EvaluationPeriods", f"must be at least 1, got {n}")
        m = self.integer("DatapointsToAlarm", default=n)
        if not 1 <= m <= n:
            raise self.fail(
                "DatapointsToAlarm", f"must be between 1 and EvaluationPeriods ({n}), got {m}"
            )
        actions_enabled = self.doc.get("ActionsEnabled", True)
        if not isinstance(actions_enabled, bool):
            raise self.fail(
                "ActionsEnabled", f"must be true or false, got {_show(actions_enabled)}"
            )
        low = self.string("EvaluateLowSampleCountPercentile", required=False) or None
        if low is not None and low not in ("evaluate", "ignore"):
            raise self.fail(
                "EvaluateLowSampleCountPercentile", f"must be evaluate or ignore, got {low!r}"
            )
        state = self.doc.get("StateValue")
        if state is not None and state not in _STATES:
            raise self.fail("StateValue", f"unknown state {_show(state)}")
        return Alarm(
            name=self.name or "",
            metric_name=metric_name,
            namespace=namespace,
            statistic=self.statistic(),
            period=period,
            evaluation_periods=n,
            datapoints_to_alarm=m,
            threshold=self.threshold(),
            comparison_operator=self.operator(),
            treat_missing_data=self.treat_missing(),
            dimensions=self.dimensions(),
            unit=self.string("Unit", required=False),
            alarm_actions=self.strings("AlarmActions"),
            ok_actions=self.strings("OKActions"),
            insufficient_data_actions=self.strings("InsufficientDataActions"),
            actions_enabled=actions_enabled,
            evaluate_low_sample_count_percentile=low,
            arn=self.string("AlarmArn", required=False),
            state=state,
        )

    def statistic(self) -> str:
        stat, ext = self.doc.get("Statistic"), self.doc.get("ExtendedStatistic")
        if stat and ext:
            raise self.fail("ExtendedStatistic", "give Statistic or ExtendedStatistic, not both")
        if stat:
            if stat not in _STATISTICS:
                raise self.fail("Statistic", f"unknown statistic {_show(stat)}")
            return str(stat)
        if ext:
            if not isinstance(ext, str):
                raise self.fail("ExtendedStatistic", f"must be a string, got {_show(ext)}")
            try:
                _percentile(ext)
            except ValueError as e:
                raise self.fail("ExtendedStatistic", str(e)) from None
            return ext
        raise self.fail("Statistic", "missing (neither Statistic nor ExtendedStatistic is set)")

    def threshold(self) -> float:
        value = self.doc.get("Threshold")
        if value is None:
            raise self.fail("Threshold", "missing")
        number = finite_number(value)
        if number is None:
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            what = "a finite number" if numeric else "a number"
            raise self.fail("Threshold", f"must be {what}, got {_show(value)}")
        return number

    def operator(self) -> str:
        op = self.doc.get("ComparisonOperator")
        if op is None:
            raise self.fail("ComparisonOperator", "missing")
        if not isinstance(op, str):
            raise self.fail("ComparisonOperator", f"must be a string, got {_show(op)}")
        if op in _ANOMALY_OPERATORS:
            raise self.fail(
                "ComparisonOperator", f"anomaly detection operator {op} is not supported"
            )
        if op not in _OPERATORS:
            raise self.fail("ComparisonOperator", f"unknown operator {_show(op)}")
        return str(op)

    def treat_missing(self) -> str:
        value = self.doc.get("TreatMissingData", "missing")
        if value not in _TREAT_MISSING:
            raise self.fail(
                "TreatMissingData",
                f"must be one of {', '.join(_TREAT_MISSING)}, got {_show(value)}",
            )
        return str(value)

    def dimensions(self) -> tuple[tuple[str, str], ...]:
        value = self.doc.get("Dimensions", [])
        if not isinstance(value, list):
            raise self.fail("Dimensions", f"must be a list, got {_show(value)}")
        out = []
        for i, dim in enumerate(value):
            if not (
                isinstance(dim, Mapping)
                and isinstance(dim.get("Name"), str)
                and isinstance(dim.get("Value"), str)
            ):
                raise self.fail(
                    f"Dimensions[{i}]", f"must be {{Name, Value}} strings, got {_show(dim)}"
                )
            out.append((dim["Name"], dim["Value"]))
        return tuple(out)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _percentile(stat: str) -> float:
    """The percentile of ``pNN`` / ``pNN.N``; ValueError for other extended statistics."""
    match = _PERCENTILE.fullmatch(stat)
    if not match:
        raise ValueError(
            f"{stat!r} is not supported (only percentiles pNN are; trimmed and "
            "winsorized statistics are not simulated)"
        )
    p = float(match.group(1))
    if p > 100:
        raise ValueError(f"percentile {stat!r} is above 100")
    return p


def statistic_value(values: Sequence[float], statistic: str) -> float:
    """One statistic over the raw values of one period (``values`` must be non-empty).

    Percentiles use the nearest-rank definition over the raw values (**decided**:
    CloudWatch computes percentiles from a sketch, exact for the few values metric
    filters produce per period in tests).

    >>> statistic_value([1, 1, 4], "Average"), statistic_value([1, 2, 3, 4], "p50")
    (2.0, 2.0)
    """
    if not values:
        raise ValueError("no values")
    if statistic == "Sum":
        return float(math.fsum(values))
    if statistic == "SampleCount":
        return float(len(values))
    if statistic == "Average":
        return float(math.fsum(values) / len(values))
    if statistic == "Minimum":
        return float(min(values))
    if statistic == "Maximum":
        return float(max(values))
    try:
        p = _percentile(statistic)
    except ValueError as e:
        raise AlarmError(str(e), field="Statistic") from None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


def aggregate(
    datapoints: Iterable[Datapoint], period: int, statistic: str, *, origin: float = 0.0
) -> dict[float, float]:
    """Per-period statistic: ``{period start: value}`` for the periods holding data.

    Periods are ``[origin + k*period, origin + (k+1)*period)``.

    >>> pts = [Datapoint(10, 1), Datapoint(70, 1), Datapoint(80, 3)]
    >>> aggregate(pts, 60, "Sum")
    {0.0: 1.0, 60.0: 4.0}
    """
    if period <= 0:
        raise AlarmError(f"must be positive, got {period}", field="Period")
    buckets: dict[float, list[float]] = {}
    for dp in datapoints:
        start = origin + math.floor((dp.timestamp - origin) / period) * period
        buckets.setdefault(float(start), []).append(dp.value)
    return {k: statistic_value(v, statistic) for k, v in sorted(buckets.items())}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of one evaluation at ``timestamp``.

    ``values`` holds the evaluation range, oldest first, ``None`` for a missing period.
    """

    timestamp: float
    state: State
    values: tuple[float | None, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class StateChange:
    """A transition of the alarm state at evaluation time ``timestamp``."""

    timestamp: float
    previous: State
    state: State
    reason: str


def _decide(flags: Sequence[bool | None], alarm: Alarm, current: State) -> tuple[State, str]:
    """The state for one evaluation range of breach flags (``None`` = missing)."""
    n, m, mode = alarm.evaluation_periods, alarm.datapoints_to_alarm, alarm.treat_missing_data
    real = [f for f in flags if f is not None]
    need = f"{m} of {n} needed for ALARM"
    if len(real) >= n:
        breaching = sum(real[-n:])
        state: State = ALARM if breaching >= m else OK
        return state, f"{breaching} of the last {n} datapoints breach ({need})"
    fill = n - len(real)
    breaching = sum(real)
    counted = f"{len(real)} datapoint(s) in the evaluation range ({len(flags)} periods), {breaching} breaching"
    if mode == "breaching":
        total = breaching + fill
        state = ALARM if total >= m else OK
        return state, f"{counted}, {fill} missing filled as breaching: {total} breach ({need})"
    if mode == "notBreaching":
        state = ALARM if breaching >= m else OK
        return state, f"{counted}, {fill} missing filled as not breaching ({need})"
    if not real:
        if mode == "missing":
            return INSUFFICIENT_DATA, f"no datapoint in the evaluation range ({len(flags)} periods)"
        return (
            current,
            f"no datapoint in the evaluation range; TreatMissingData=ignore keeps {current}",
        )
    if breaching >= m:
        return ALARM, f"{counted} ({need})"
    if breaching == len(real):
        if mode == "missing":
            return ALARM, f"{counted}: every datapoint present breaches (TreatMissingData=missing)"
        return (
            current,
            f"{counted}: all present breach but fewer than {m}; TreatMissingData=ignore keeps {current}",
        )
    return OK, f"{counted} ({need})"


def _check_simulated(alarm: Alarm) -> None:
    if alarm.evaluate_low_sample_count_percentile == "ignore" and alarm.statistic.startswith("p"):
        raise AlarmError(
            "EvaluateLowSampleCountPercentile=ignore is not simulated",
            field="EvaluateLowSampleCountPercentile",
            alarm=alarm.name,
        )


def evaluations(
    alarm: Alarm,
    datapoints: Iterable[Datapoint],
    *,
    start: float,
    end: float,
    step: float | None = None,
    evaluation_range: int | None = None,
    initial_state: State = INSUFFICIENT_DATA,
) -> list[Evaluation]:
    """Every evaluation of ``alarm`` at ``start + Period``, then every ``step`` seconds up to ``end``.

    Only datapoints of the alarm's metric count: the same dimension set as the alarm
    (order ignored) and, when the alarm sets ``Unit``, that unit.  Datapoints before
    ``start`` count when they fall inside an evaluation range.

    Args:
        step: seconds between evaluations (default ``Period``; CloudWatch uses 60).
        evaluation_range: periods retrieved per evaluation (default ``N + 2``).
        initial_state: the state before the first evaluation (new alarms start in
            INSUFFICIENT_DATA).

    Raises:
        AlarmError: bad arguments, or an alarm option that is not simulated.
    """
    _check_simulated(alarm)
    step = float(alarm.period if step is None else step)
    rng = alarm.evaluation_periods + 2 if evaluation_range is None else evaluation_range
    if not (math.isfinite(start) and math.isfinite(end)) or end < start:
        raise AlarmError(f"need finite start <= end, got {start!r}..{end!r}")
    if not (math.isfinite(step) and step > 0):
        raise AlarmError(f"step must be a positive number of seconds, got {step!r}")
    if rng < alarm.evaluation_periods:
        raise AlarmError(f"evaluation_range ({rng}) is shorter than EvaluationPeriods")
    if initial_state not in _STATES:
        raise AlarmError(f"unknown initial state {initial_state!r}")
    count = (
        math.floor((end - start - alarm.period) / step) + 1 if end - start >= alarm.period else 0
    )
    if count > _MAX_EVALUATIONS:
        raise AlarmError(f"{count} evaluations requested; at most {_MAX_EVALUATIONS}")

    wanted = frozenset(alarm.dimensions)
    points = sorted(
        (
            dp
            for dp in datapoints
            if frozenset(dp.dimensions) == wanted and (alarm.unit is None or dp.unit == alarm.unit)
        ),
        key=lambda dp: dp.timestamp,
    )
    times = [dp.timestamp for dp in points]
    out: list[Evaluation] = []
    state: State = initial_state
    for i in range(count):
        t = start + alarm.period + i * step
        values: list[float | None] = []
        for j in range(rng - 1, -1, -1):
            lo = bisect.bisect_left(times, t - (j + 1) * alarm.period)
            hi = bisect.bisect_left(times, t - j * alarm.period)
            chunk = [dp.value for dp in points[lo:hi]]
            values.append(statistic_value(chunk, alarm.statistic) if chunk else None)
        flags = [None if v is None else alarm.breaches(v) for v in values]
        state, why = _decide(flags, alarm, state)
        out.append(Evaluation(t, state, tuple(values), why))
    return out


def evaluate(
    alarm: Alarm,
    datapoints: Iterable[Datapoint],
    *,
    start: float,
    end: float,
    step: float | None = None,
    evaluation_range: int | None = None,
    initial_state: State = INSUFFICIENT_DATA,
) -> list[StateChange]:
    """The state changes of ``alarm`` over ``[start, end]`` (see :func:`evaluations`).

    Below, the alarm stays in ALARM for three periods although TreatMissingData is
    notBreaching: while the datapoint is inside the evaluation range (3 periods for
    1 evaluation period) there are enough real datapoints, so missing data is not
    filled in at all.

    >>> alarm = Alarm.from_aws({"AlarmName": "a", "MetricName": "m", "Namespace": "n",
    ...     "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
    ...     "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    ...     "TreatMissingData": "notBreaching"})
    >>> for c in evaluate(alarm, [Datapoint(130, 1)], start=0, end=600):
    ...     print(c.timestamp, c.previous, "->", c.state)
    60.0 INSUFFICIENT_DATA -> OK
    180.0 OK -> ALARM
    360.0 ALARM -> OK
    """
    changes: list[StateChange] = []
    previous: State = initial_state
    for ev in evaluations(
        alarm,
        datapoints,
        start=start,
        end=end,
        step=step,
        evaluation_range=evaluation_range,
        initial_state=initial_state,
    ):
        if ev.state != previous:
            changes.append(StateChange(ev.timestamp, previous, ev.state, ev.reason))
            previous = ev.state
    return changes


# --- fires_on_single_event -------------------------------------------------------------

_UP: Final = frozenset({">=", ">"})


def _linear_always(alarm: Alarm, base: float, slopes: Sequence[float]) -> bool:
    """Whether ``base + sum(s_i * n_i)`` breaches for every ``n_i >= 0``."""
    up = alarm.operator_symbol in _UP
    return alarm.breaches(base) and all(s == 0 or (s > 0) == up for s in slopes)


def _linear_never(alarm: Alarm, base: float, slopes: Sequence[float]) -> bool:
    """Whether ``base + sum(s_i * n_i)`` breaches for no ``n_i >= 0``."""
    up = alarm.operator_symbol in _UP
    return not alarm.breaches(base) and all(s == 0 or (s > 0) != up for s in slopes)


def _event_period_breaches(alarm: Alarm, v: float, d: float | None) -> tuple[bool, str]:
    """Does every period holding >= 1 matching event (value ``v``) breach?

    With a default value ``d`` the period may also hold any number of unmatched events
    (each a datapoint ``d``); without one it holds only the matching events.
    """
    stat, op, t = alarm.statistic, alarm.operator_symbol, alarm.threshold
    single = 1.0 if stat == "SampleCount" else v
    if not alarm.breaches(single):
        return False, f"one event gives {stat} {single:g}, which is not {op} {t:g}"
    head = f"one event gives {stat} {single:g} {op} {t:g}"
    if stat in ("Sum", "SampleCount") and not _linear_always(alarm, single, [single]):
        return False, f"{head}, but several events in one period give a {stat} that is not"
    if d is None or d == v:
        return True, head
    mixed = f"with DefaultValue {d:g}, unmatched events in the same period"
    if stat == "Sum":
        ok = _linear_always(alarm, v, [v, d])
    elif stat == "SampleCount":
        ok = True  # already checked: the count only grows
    elif stat == "Average":
        # Averages of v and d: every value between them, v included, d approached.
        ok = d >= t if op in _UP else d <= t
    else:
        other = min(v, d) if stat == "Minimum" else max(v, d) if stat == "Maximum" else d
        ok = alarm.breaches(other)
    if ok:
        return True, f"{head}, whatever the other traffic ({mixed} keep it breaching)"
    return False, f"{head}, but {mixed} can move {stat} to the non-breaching side"


def _quiet_period(alarm: Alarm, d: float | None) -> tuple[bool | None, str]:
    """Breach flag of a period without matching events: None (missing), False, True.

    Returns (``None``, reason) also when it depends on the amount of other traffic,
    which the caller reports as "not guaranteed".
    """
    if d is None:
        return None, "missing"
    stat = alarm.statistic
    if stat == "Sum":
        base, slopes = d, [d]
    elif stat == "SampleCount":
        base, slopes = 1.0, [1.0]
    else:
        base, slopes = d, []
    if _linear_never(alarm, base, slopes):
        return False, "not breaching"
    if _linear_always(alarm, base, slopes):
        return True, "breaching"
    return None, "depends"


def fires_on_single_event(
    alarm: Alarm, *, value: float = 1.0, default_value: float | None = None
) -> tuple[bool, str]:
    """Can one matching log event drive ``alarm`` into ALARM — reliably?

    The metric filter publishes ``value`` per matching event and, if ``default_value``
    is set, that value per unmatched event (assumed: every period has some log
    traffic).  True means: from its quiet state (no matching events) the alarm is not
    in ALARM, and a period holding one matching event — or any larger number of them,
    mixed with any number of unmatched events — drives it to ALARM.  Bursts matter: a
    ``LessThanThreshold`` alarm on ``Sum`` breaches on one event but not on many.

    Returns ``(verdict, reason)``.

    >>> a = Alarm.from_aws({"AlarmName": "a", "MetricName": "m", "Namespace": "n",
    ...     "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 2,
    ...     "ComparisonOperator": "GreaterThanOrEqualToThreshold"})
    >>> fires_on_single_event(a)
    (False, 'one event gives Sum 1, which is not >= 2')
    """
    if alarm.evaluate_low_sample_count_percentile == "ignore" and alarm.statistic.startswith("p"):
        return False, (
            "EvaluateLowSampleCountPercentile=ignore: a period with one event has too few "
            "samples to change the alarm state"
        )
    ok, why = _event_period_breaches(alarm, value, default_value)
    if not ok:
        return False, why
    quiet, quiet_why = _quiet_period(alarm, default_value)
    if quiet_why == "depends":
        return False, (
            f"with DefaultValue {default_value:g}, whether a period without matching events "
            "breaches depends on the amount of other log traffic"
        )
    if quiet is True:
        return False, (
            f"every period without matching events already breaches ({alarm.statistic} of the "
            f"DefaultValue {default_value:g} datapoints), so the alarm sits in ALARM and an "
            "event causes no transition"
        )
    n, m, mode = alarm.evaluation_periods, alarm.datapoints_to_alarm, alarm.treat_missing_data
    runs = [_single_event_run(alarm, quiet, initial) for initial in (INSUFFICIENT_DATA, OK)]
    for initial, run in zip((INSUFFICIENT_DATA, OK), runs):
        if run.before == ALARM:
            return False, (
                f"without matching events the alarm already sits in ALARM ({run.before_reason}; "
                f"TreatMissingData={mode}), so an event causes no transition"
            )
        if run.reached is None:
            return False, (
                f"{why}, but one breaching period does not move the alarm from {initial} to "
                f"ALARM (DatapointsToAlarm {m} of {n}, TreatMissingData={mode}: "
                f"{run.event_reason})"
            )
    run = runs[0]
    when = (
        "at the end of the event's period"
        if run.reached == 0
        else f"{run.reached} period(s) after the event's period"
    )
    stays = (
        "stays there until a non-breaching datapoint arrives"
        if run.final == ALARM
        else f"stays for {run.alarm_periods} period(s), then goes to {run.final}"
    )
    return True, (
        f"{why}; from {run.before} the alarm goes to ALARM {when} and {stays} "
        f"(DatapointsToAlarm {m} of {n}, TreatMissingData={mode})"
    )


@dataclass(frozen=True, slots=True)
class _Run:
    before: State
    before_reason: str
    event_reason: str
    reached: int | None
    alarm_periods: int
    final: State


def _single_event_run(alarm: Alarm, quiet: bool | None, initial: State) -> _Run:
    """Evaluate quiet periods, one breaching period, then quiet periods again."""
    window = alarm.evaluation_periods + 2
    pad: list[bool | None] = [quiet] * (2 * window)
    series = [*pad, True, *pad]
    event = len(pad)
    state, reason = initial, "initial state"
    before, before_reason, event_reason = initial, reason, ""
    reached: int | None = None
    alarm_periods = 0
    for end in range(window, len(series) + 1):
        state, reason = _decide(series[end - window : end], alarm, state)
        newest = end - 1
        if newest < event:
            before, before_reason = state, reason
            continue
        if newest == event:
            event_reason = reason
        if state == ALARM:
            alarm_periods += 1
            if reached is None:
                reached = newest - event
    return _Run(before, before_reason, event_reason, reached, alarm_periods, state)
