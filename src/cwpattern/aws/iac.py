"""Metric filters and alarms from infrastructure as code, before they are deployed.

Two sources are read:

* a Terraform plan or state as ``terraform show -json`` prints it
  (``planned_values.root_module`` or ``values.root_module``, child modules included),
  resources ``aws_cloudwatch_log_metric_filter`` and ``aws_cloudwatch_metric_alarm``;
  values known only after apply (``resource_changes[].change.after_unknown``) become
  :class:`~cwpattern.aws.snapshot.Unknown` ("known after apply");
* a CloudFormation template, JSON or YAML (PyYAML, optional, for YAML only; the short
  tags ``!Ref``, ``!Sub``, ``!GetAtt``, ``!Join`` ... load), resources
  ``AWS::Logs::MetricFilter`` and ``AWS::CloudWatch::Alarm``.  ``Ref`` (parameters with a
  Default, log groups and topics of the template, pseudo parameters you supply),
  ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split`` and ``Fn::FindInMap`` are
  resolved within the template; anything else becomes an ``Unknown`` ("unresolved").

Both yield :class:`IacResources` whose bodies have the shapes of ``describe-metric-filters``
and ``describe-alarms`` entries, so :meth:`IacResources.to_snapshot` feeds them to the same
audit as a live account (the snapshot then lacks the trail and subscription keys, which an
audit reports as "cannot decide").

>>> res = from_cloudformation('''{"Parameters": {"Ns": {"Type": "String", "Default": "CIS"}},
...   "Resources": {"F": {"Type": "AWS::Logs::MetricFilter", "Properties": {
...     "LogGroupName": "trail", "FilterPattern": "{ $.eventName = DisableKey }",
...     "MetricTransformations": [{"MetricName": "Kms", "MetricNamespace": {"Ref": "Ns"},
...                                "MetricValue": "1"}]}}}}''')
>>> res.metric_filters[0].body["metricTransformations"][0]["metricNamespace"]
'CIS'
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from ..documents import MAX_DEPTH, DocumentError, check_depth, loads
from ..errors import CWPatternError
from .snapshot import Snapshot, Unknown, load_snapshot, pointer

__all__ = [
    "IacError",
    "IacResource",
    "IacResources",
    "from_cloudformation",
    "from_terraform_plan",
    "load_iac",
]

AFTER_APPLY: Final = "known after apply"
_MAX_DEPTH: Final = 64
#: Bounds on resolving one template's intrinsic functions: values visited, and characters
#: of the strings that Fn::Join / Fn::Sub produce.  YAML aliases can make a small
#: template expand exponentially ("billion laughs"); past either bound it is an error.
MAX_RESOLVE_NODES: Final = 200_000
MAX_RESOLVE_CHARS: Final = 10_000_000


class IacError(CWPatternError):
    """A document that is not a Terraform plan or CloudFormation template we can read."""

    def __init__(self, msg: str, location: str = "") -> None:
        self.msg = msg
        self.location = location
        super().__init__(f"{location}: {msg}" if location else msg)


@dataclass(frozen=True, slots=True)
class IacResource:
    """One metric filter or alarm found in IaC.

    Attributes:
        address: Terraform address (``module.cis.aws_cloudwatch_metric_alarm.kms[0]``) or
            CloudFormation ``Resources/LogicalId``.
        kind: ``"metric_filter"`` or ``"alarm"``.
        body: the ``describe-metric-filters`` / ``describe-alarms`` entry shape; values
            that are not known are :class:`~cwpattern.aws.snapshot.Unknown`.
        unknown: JSON pointers (inside ``body``) of the unknown values.
        notes: remarks (generated names, conditional resources).
    """

    address: str
    kind: Literal["metric_filter", "alarm"]
    body: Mapping[str, Any]
    unknown: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IacResources:
    """What one IaC document defines."""

    source: Literal["terraform", "cloudformation"]
    metric_filters: tuple[IacResource, ...] = ()
    alarms: tuple[IacResource, ...] = ()

    def to_snapshot(self) -> Snapshot:
        """A snapshot holding these filters and alarms (entries located by address)."""
        labels: dict[str, str] = {}
        for i, r in enumerate(self.metric_filters):
            labels[pointer("metricFilters", "metricFilters", i)] = r.address
        for i, r in enumerate(self.alarms):
            labels[pointer("alarms", "MetricAlarms", i)] = r.address
        doc = {
            "metricFilters": {"metricFilters": [dict(r.body) for r in self.metric_filters]},
            "alarms": {"MetricAlarms": [dict(r.body) for r in self.alarms], "CompositeAlarms": []},
            "metadata": {"source": self.source},
        }
        return load_snapshot(doc, labels=labels)


def _unknown_paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, Unknown):
        return [path or "/"]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _unknown_paths(v, path + pointer(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _unknown_paths(v, path + pointer(i))]
    return []


def _resource(
    address: str, kind: Literal["metric_filter", "alarm"], body: dict[str, Any], notes: list[str]
) -> IacResource:
    return IacResource(address, kind, body, tuple(_unknown_paths(body)), tuple(notes))


# --- Terraform --------------------------------------------------------------------------------


def _marked(flags: Any) -> bool:
    """Whether an ``after_unknown`` subtree marks anything unknown."""
    if flags is True:
        return True
    if isinstance(flags, Mapping):
        return any(_marked(v) for v in flags.values())
    if isinstance(flags, list):
        return any(_marked(v) for v in flags)
    return False


class _TfValues:
    """Attribute access to one resource's planned values, with after_unknown applied."""

    def __init__(self, values: Mapping[str, Any], unknown: Any) -> None:
        self.values = values
        self.unknown = unknown if isinstance(unknown, Mapping) else {}

    def get(self, key: str, *, empty: tuple[Any, ...] = ("",)) -> Any:
        """The value, ``Unknown`` if known after apply, ``None`` when unset or in ``empty``."""
        if _marked(self.unknown.get(key)):
            return Unknown(AFTER_APPLY)
        value = self.values.get(key)
        if value is None or any(type(value) is type(e) and value == e for e in empty):
            return None
        return value

    def block(self, key: str) -> list[_TfValues] | Unknown:
        """A nested block list (``metric_transformation``)."""
        if self.unknown.get(key) is True:
            return Unknown(AFTER_APPLY)
        blocks = self.values.get(key) or []
        flags = self.unknown.get(key)
        flags = flags if isinstance(flags, list) else []
        return [
            _TfValues(b if isinstance(b, Mapping) else {}, flags[i] if i < len(flags) else {})
            for i, b in enumerate(blocks if isinstance(blocks, list) else [])
        ]


def _put(body: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        body[key] = value


def _tf_number(value: Any) -> Any:
    """Terraform strings such as default_value "0" to numbers; others unchanged."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _tf_metric_filter(v: _TfValues) -> dict[str, Any]:
    body: dict[str, Any] = {}
    _put(body, "filterName", v.get("name"))
    pattern = v.get("pattern", empty=())
    _put(body, "filterPattern", pattern)
    _put(body, "logGroupName", v.get("log_group_name"))
    blocks = v.block("metric_transformation")
    if isinstance(blocks, Unknown):
        body["metricTransformations"] = blocks
    else:
        transformations = []
        for b in blocks:
            t: dict[str, Any] = {}
            _put(t, "metricName", b.get("name"))
            _put(t, "metricNamespace", b.get("namespace"))
            _put(t, "metricValue", b.get("value"))
            _put(t, "defaultValue", _tf_number(b.get("default_value")))
            _put(t, "dimensions", b.get("dimensions", empty=("", {})))
            _put(t, "unit", b.get("unit"))
            transformations.append(t)
        body["metricTransformations"] = transformations
    _put(body, "applyOnTransformedLogs", v.get("apply_on_transformed_logs"))
    return body


_TF_ALARM: Final = (
    # (terraform attribute, describe-alarms field)
    ("alarm_name", "AlarmName"),
    ("comparison_operator", "ComparisonOperator"),
    ("evaluation_periods", "EvaluationPeriods"),
    ("metric_name", "MetricName"),
    ("namespace", "Namespace"),
    ("period", "Period"),
    ("statistic", "Statistic"),
    ("extended_statistic", "ExtendedStatistic"),
    ("threshold", "Threshold"),
    ("threshold_metric_id", "ThresholdMetricId"),
    ("treat_missing_data", "TreatMissingData"),
    ("unit", "Unit"),
    ("evaluate_low_sample_count_percentiles", "EvaluateLowSampleCountPercentile"),
    ("actions_enabled", "ActionsEnabled"),
    ("alarm_actions", "AlarmActions"),
    ("ok_actions", "OKActions"),
    ("insufficient_data_actions", "InsufficientDataActions"),
)


def _tf_alarm(v: _TfValues, notes: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for attr, field in _TF_ALARM:
        _put(body, field, v.get(attr))
    m = v.get("datapoints_to_alarm", empty=("", 0))
    _put(body, "DatapointsToAlarm", m)
    dims = v.get("dimensions", empty=("", {}))
    if isinstance(dims, Mapping):
        dims = [{"Name": k, "Value": val} for k, val in dims.items()]
    _put(body, "Dimensions", dims)
    queries = v.get("metric_query", empty=("", []))
    if queries is not None:
        body["Metrics"] = list(queries) if isinstance(queries, list) else queries
    arn = v.get("arn")
    if isinstance(arn, str):
        body["AlarmArn"] = arn
    elif isinstance(arn, Unknown):
        notes.append("AlarmArn known after apply")
    return body


def _tf_modules(module: Any, where: str) -> list[tuple[Mapping[str, Any], str]]:
    """Every resource of a module and its child modules, with its JSON location."""
    if not isinstance(module, Mapping):
        raise IacError(f"expected a module object, got {type(module).__name__}", where)
    out = []
    resources = module.get("resources")
    resources = [] if resources is None else resources
    if not isinstance(resources, list):
        raise IacError("resources must be a list", where + "/resources")
    for i, r in enumerate(resources):
        if isinstance(r, Mapping):
            out.append((r, f"{where}/resources/{i}"))
    children = module.get("child_modules")
    children = [] if children is None else children
    if not isinstance(children, list):
        raise IacError("child_modules must be a list", where + "/child_modules")
    for i, child in enumerate(children):
        out.extend(_tf_modules(child, f"{where}/child_modules/{i}"))
    return out


def from_terraform_plan(doc: Mapping[str, Any] | str | bytes) -> IacResources:
    """Metric filters and alarms of ``terraform show -json`` output (plan or state).

    Raises:
        IacError: the document is not JSON or has no ``planned_values.root_module``
            (plan) / ``values.root_module`` (state).
    """
    if isinstance(doc, (str, bytes)):
        doc = _json(doc)
    else:
        _bounded(doc)
    if not isinstance(doc, Mapping):
        raise IacError("a Terraform JSON document must be an object")
    if isinstance(doc.get("planned_values"), Mapping):
        root, where = doc["planned_values"].get("root_module"), "/planned_values/root_module"
    elif isinstance(doc.get("values"), Mapping):
        root, where = doc["values"].get("root_module"), "/values/root_module"
    else:
        raise IacError("not `terraform show -json` output: no planned_values or values")
    if root is None:  # an empty configuration
        return IacResources("terraform")
    after_unknown = {}
    changes = doc.get("resource_changes")
    for change in changes if isinstance(changes, list) else []:
        if (
            isinstance(change, Mapping)
            and isinstance(change.get("address"), str)
            and isinstance(change.get("change"), Mapping)
        ):
            after_unknown[change["address"]] = change["change"].get("after_unknown")
    filters, alarms = [], []
    for r, loc in _tf_modules(root, where):
        kind, mode = r.get("type"), r.get("mode", "managed")
        if mode != "managed" or kind not in (
            "aws_cloudwatch_log_metric_filter",
            "aws_cloudwatch_metric_alarm",
        ):
            continue
        address = str(r.get("address") or loc)
        values = r.get("values")
        notes: list[str] = []
        if not isinstance(values, Mapping):
            values = {}
            notes.append(f"no values at {loc}")
        v = _TfValues(values, after_unknown.get(address))
        if kind == "aws_cloudwatch_log_metric_filter":
            filters.append(_resource(address, "metric_filter", _tf_metric_filter(v), notes))
        else:
            alarms.append(_resource(address, "alarm", _tf_alarm(v, notes), notes))
    return IacResources("terraform", tuple(filters), tuple(alarms))


# --- CloudFormation -----------------------------------------------------------------------------

_FUNCTIONS: Final = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "GetAtt",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
)


def _json(text: str | bytes) -> Any:
    try:
        return loads(text)
    except DocumentError as e:
        raise IacError(e.msg, e.location) from None


def _bounded(doc: Any) -> None:
    """An already decoded document nests no deeper than a file may (MAX_DEPTH)."""
    try:
        check_depth(doc)
    except DocumentError as e:
        raise IacError(e.msg) from None


class _TooDeep(Exception):
    """A YAML template nests deeper than MAX_DEPTH."""


def _yaml(text: str | bytes) -> Any:
    try:
        import yaml
    except ImportError:
        raise IacError(
            "YAML templates need PyYAML: pip install pyyaml (JSON templates do not)"
        ) from None

    class Loader(yaml.SafeLoader):
        """SafeLoader plus the CloudFormation short-form tags (private: no global effect),
        with nesting bounded while scanning: PyYAML's scanner is quadratic in the depth
        of flow collections (``[[[[...``) and its composer recursive."""

        def fetch_flow_collection_start(self, TokenClass: Any) -> None:
            if self.flow_level >= MAX_DEPTH:
                raise _TooDeep
            super().fetch_flow_collection_start(TokenClass)

        def add_indent(self, column: int) -> bool:
            if len(self.indents) >= MAX_DEPTH:
                raise _TooDeep
            return bool(super().add_indent(column))

    def construct(fn: str) -> Callable[[Any, Any], Any]:
        def build(loader: Any, node: Any) -> Any:
            if isinstance(node, yaml.ScalarNode):
                value: Any = loader.construct_scalar(node)
                if fn == "Fn::GetAtt":
                    value = value.split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            return {fn: value}

        return build

    Loader.add_constructor("!Ref", construct("Ref"))
    Loader.add_constructor("!Condition", construct("Condition"))
    for name in _FUNCTIONS:
        Loader.add_constructor(f"!{name}", construct(f"Fn::{name}"))
    try:
        doc = yaml.load(text, Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise IacError(f"not a valid YAML template: {problem}", where) from None
    except (RecursionError, _TooDeep):
        raise IacError(
            f"not a valid YAML template: nested deeper than {MAX_DEPTH} levels"
        ) from None
    try:
        check_depth(doc)
    except DocumentError as e:
        raise IacError(f"not a valid YAML template: {e.msg}") from None
    return doc


class _NoValue:
    """``Ref: AWS::NoValue``: the property is removed."""


_NOVALUE: Final = _NoValue()
_SUB_VAR: Final = re.compile(r"\$\{([^}]*)\}")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class _Resolver:
    """Resolves intrinsic functions within one template, or returns ``Unknown``."""

    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
        self.params = _mapping(template.get("Parameters"))
        self.mappings = _mapping(template.get("Mappings"))
        self.resources = _mapping(template.get("Resources"))
        self.given = dict(parameters)
        self.nodes = 0
        self.chars = 0

    def _produced(self, text: str) -> str:
        self.chars += len(text)
        if self.chars > MAX_RESOLVE_CHARS:
            raise IacError(
                f"resolving the template produces more than {MAX_RESOLVE_CHARS:,} characters "
                "(YAML aliases expanding without bound?)"
            )
        return text

    def ref(self, name: Any, depth: int) -> Any:
        if not isinstance(name, str):
            return Unknown(f"unresolved: Ref to {name!r}")
        if name == "AWS::NoValue":
            return _NOVALUE
        if name in self.given:
            return self.given[name]
        param = self.params.get(name)
        if isinstance(param, Mapping):
            if "Default" not in param:
                return Unknown(f"unresolved: parameter {name} has no Default")
            default = param["Default"]
            if isinstance(default, str) and str(param.get("Type", "")).startswith(
                ("List<", "CommaDelimitedList")
            ):
                return [part.strip() for part in default.split(",")]
            return self.resolve(default, depth + 1)  # counted: a YAML alias may be huge
        resource = self.resources.get(name)
        if isinstance(resource, Mapping):
            return self.resource_ref(name, resource, depth)
        if name.startswith("AWS::"):
            return Unknown(f"unresolved: pseudo parameter {name} (pass it in parameters=)")
        return Unknown(f"unresolved: Ref {name} names nothing in the template")

    def resource_ref(self, name: str, resource: Mapping[str, Any], depth: int) -> Any:
        """Ref of a log group is its name; of a topic, its ARN when all parts are known."""
        kind = resource.get("Type")
        props = _mapping(resource.get("Properties"))
        if kind == "AWS::Logs::LogGroup" and "LogGroupName" in props:
            return self.resolve(props["LogGroupName"], depth + 1)
        if kind == "AWS::SNS::Topic" and "TopicName" in props:
            parts = [
                self.ref("AWS::Partition", depth) if "AWS::Partition" in self.given else "aws",
                self.ref("AWS::Region", depth),
                self.ref("AWS::AccountId", depth),
                self.resolve(props["TopicName"], depth + 1),
            ]
            if all(isinstance(p, str) for p in parts):
                return f"arn:{parts[0]}:sns:{parts[1]}:{parts[2]}:{parts[3]}"
        return Unknown(f"unresolved: Ref {name} ({kind} created by the stack)")

    def resolve(self, value: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_RESOLVE_NODES:
            raise IacError(
                f"resolving the template visits more than {MAX_RESOLVE_NODES:,} values "
                "(YAML aliases expanding without bound?)"
            )
        if depth > _MAX_DEPTH:
            return Unknown("unresolved: nesting too deep")
        if isinstance(value, list):
            items = [self.resolve(v, depth + 1) for v in value]
            return [v for v in items if v is not _NOVALUE]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((fn, arg),) = value.items()
            if fn == "Ref":
                return self.ref(arg, depth)
            if isinstance(fn, str) and (fn.startswith("Fn::") or fn == "Condition"):
                return self.function(fn, arg, depth)
        out = {}
        for k, v in value.items():
            resolved = self.resolve(v, depth + 1)
            if resolved is not _NOVALUE:
                out[k] = resolved
        return out

    def function(self, fn: str, arg: Any, depth: int) -> Any:
        handler = {
            "Fn::Sub": self.sub,
            "Fn::Join": self.join,
            "Fn::Select": self.select,
            "Fn::Split": self.split,
            "Fn::FindInMap": self.find_in_map,
        }.get(fn)
        if handler is None:
            shown = ".".join(map(str, arg)) if fn == "Fn::GetAtt" and isinstance(arg, list) else ""
            return Unknown(f"unresolved: {fn} {shown}".rstrip())
        return handler(arg, depth)

    def _args(self, fn: str, arg: Any, count: int, depth: int) -> list[Any] | Unknown:
        resolved = self.resolve(arg, depth + 1)
        if isinstance(resolved, Unknown):
            return resolved
        if not isinstance(resolved, list) or len(resolved) < count:
            return Unknown(f"unresolved: malformed {fn} {arg!r}")
        for item in resolved:
            if isinstance(item, Unknown):
                return item
        return resolved

    def sub(self, arg: Any, depth: int) -> Any:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], Mapping):
            text, local = arg[0], {k: self.resolve(v, depth + 1) for k, v in arg[1].items()}
        else:
            text, local = arg, {}
        if not isinstance(text, str):
            return Unknown(f"unresolved: malformed Fn::Sub {arg!r}")
        problems: list[Unknown] = []

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            value = (
                local[name]
                if name in local
                else (
                    Unknown(f"unresolved: Fn::Sub ${{{name}}}")
                    if "." in name
                    else self.ref(name, depth)
                )
            )
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                return str(value)
            problems.append(
                value if isinstance(value, Unknown) else Unknown(f"unresolved: Fn::Sub ${{{name}}}")
            )
            return ""

        result = _SUB_VAR.sub(replace, text)
        return problems[0] if problems else self._produced(result)

    def join(self, arg: Any, depth: int) -> Any:
        args = self._args("Fn::Join", arg, 2, depth)
        if isinstance(args, Unknown):
            return args
        delim, parts = args[0], args[1]
        if not isinstance(delim, str) or not isinstance(parts, list):
            return Unknown(f"unresolved: malformed Fn::Join {arg!r}")
        for p in parts:
            if isinstance(p, Unknown):
                return p
            if not isinstance(p, (str, int, float)) or isinstance(p, bool):
                return Unknown(f"unresolved: Fn::Join of a {type(p).__name__}, not a string")
        return self._produced(delim.join(str(p) for p in parts))

    def select(self, arg: Any, depth: int) -> Any:
        args = self._args("Fn::Select", arg, 2, depth)
        if isinstance(args, Unknown):
            return args
        index, items = args[0], args[1]
        if isinstance(index, str) and index.isdecimal():
            index = int(index)
        if not isinstance(index, int) or isinstance(index, bool) or not isinstance(items, list):
            return Unknown(f"unresolved: malformed Fn::Select {arg!r}")
        if not 0 <= index < len(items):
            # CloudFormation rejects the template (negative indexes included).
            return Unknown(f"unresolved: Fn::Select {arg!r}")
        return items[index]

    def split(self, arg: Any, depth: int) -> Any:
        args = self._args("Fn::Split", arg, 2, depth)
        if isinstance(args, Unknown):
            return args
        if not (isinstance(args[0], str) and isinstance(args[1], str) and args[0]):
            return Unknown(f"unresolved: malformed Fn::Split {arg!r}")
        return args[1].split(args[0])

    def find_in_map(self, arg: Any, depth: int) -> Any:
        args = self._args("Fn::FindInMap", arg, 3, depth)
        if isinstance(args, Unknown):
            return args
        try:
            return self.resolve(self.mappings[args[0]][args[1]][args[2]], depth + 1)
        except (KeyError, TypeError):
            return Unknown(f"unresolved: Fn::FindInMap {args[:3]!r} not in Mappings")


_CFN_INT: Final = ("EvaluationPeriods", "DatapointsToAlarm", "Period")
_CFN_ALARM_FIELDS: Final = (
    "AlarmName",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "ComparisonOperator",
    "DatapointsToAlarm",
    "Dimensions",
    "EvaluateLowSampleCountPercentile",
    "EvaluationPeriods",
    "ExtendedStatistic",
    "MetricName",
    "Metrics",
    "Namespace",
    "Period",
    "Statistic",
    "Threshold",
    "ThresholdMetricId",
    "TreatMissingData",
    "Unit",
)


def _cfn_scalar(field: str, value: Any) -> Any:
    """CloudFormation's string forms ("300", "true") to the describe-* types."""
    if not isinstance(value, str):
        return value
    try:
        if field in _CFN_INT:
            return int(value)
        if field in ("Threshold", "defaultValue"):
            return float(value)
    except ValueError:
        return value
    if field in ("ActionsEnabled", "applyOnTransformedLogs") and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _cfn_metric_filter(props: Mapping[str, Any], logical: str, notes: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if "FilterName" in props:
        body["filterName"] = props["FilterName"]
    else:
        body["filterName"] = logical
        notes.append("FilterName not set: CloudFormation generates it; the logical id stands in")
    _put(body, "filterPattern", props.get("FilterPattern"))
    _put(body, "logGroupName", props.get("LogGroupName"))
    _put(
        body,
        "applyOnTransformedLogs",
        _cfn_scalar("applyOnTransformedLogs", props.get("ApplyOnTransformedLogs")),
    )
    raw = props.get("MetricTransformations")
    if not isinstance(raw, list):
        body["metricTransformations"] = raw
        return body
    transformations = []
    for t in raw:
        if not isinstance(t, Mapping):
            transformations.append(t)
            continue
        out: dict[str, Any] = {}
        _put(out, "metricName", t.get("MetricName"))
        _put(out, "metricNamespace", t.get("MetricNamespace"))
        value = t.get("MetricValue")
        _put(
            out,
            "metricValue",
            str(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else value,
        )
        _put(out, "defaultValue", _cfn_scalar("defaultValue", t.get("DefaultValue")))
        _put(out, "unit", t.get("Unit"))
        dims = t.get("Dimensions")
        if isinstance(dims, list):
            if any(not isinstance(d, Mapping) or "Key" not in d for d in dims):
                out["dimensions"] = dims  # left malformed: the snapshot reader reports it
            elif dims:
                out["dimensions"] = {d["Key"]: d.get("Value") for d in dims}
        elif dims is not None:
            out["dimensions"] = dims
        transformations.append(out)
    body["metricTransformations"] = transformations
    return body


def _cfn_alarm(props: Mapping[str, Any], logical: str, notes: list[str]) -> dict[str, Any]:
    body = {f: _cfn_scalar(f, props[f]) for f in _CFN_ALARM_FIELDS if f in props}
    if "AlarmName" not in body:
        body["AlarmName"] = logical
        notes.append("AlarmName not set: CloudFormation generates it; the logical id stands in")
    return body


def from_cloudformation(
    source: str | bytes | Mapping[str, Any], *, parameters: Mapping[str, Any] | None = None
) -> IacResources:
    """Metric filters and alarms of a CloudFormation template (JSON or YAML text, or a dict).

    Args:
        parameters: values for template parameters and pseudo parameters
            (``{"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}``); they win
            over parameter defaults.

    Raises:
        IacError: not JSON/YAML, PyYAML missing for a YAML template, or no ``Resources``.
    """
    if isinstance(source, (str, bytes)):
        text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
        template = _json(text) if text.lstrip().startswith("{") else _yaml(text)
    else:
        template = source  # (intrinsics are resolved depth-bounded: deep values are Unknown)
    if not isinstance(template, Mapping) or not isinstance(template.get("Resources"), Mapping):
        raise IacError("not a CloudFormation template: no Resources object")
    resolver = _Resolver(template, parameters or {})
    filters, alarms = [], []
    for logical, resource in template["Resources"].items():
        if not isinstance(resource, Mapping):
            continue
        kind = resource.get("Type")
        if kind not in ("AWS::Logs::MetricFilter", "AWS::CloudWatch::Alarm"):
            continue
        address = f"Resources/{logical}"
        notes: list[str] = []
        if "Condition" in resource:
            notes.append(f"created only when condition {resource['Condition']} holds")
        props = resolver.resolve(resource.get("Properties", {}))
        if not isinstance(props, Mapping):
            notes.append("Properties is not an object")
            props = {}
        if kind == "AWS::Logs::MetricFilter":
            filters.append(
                _resource(
                    address, "metric_filter", _cfn_metric_filter(props, logical, notes), notes
                )
            )
        else:
            alarms.append(_resource(address, "alarm", _cfn_alarm(props, logical, notes), notes))
    return IacResources("cloudformation", tuple(filters), tuple(alarms))


def load_iac(
    path: str | os.PathLike[str], *, parameters: Mapping[str, Any] | None = None
) -> IacResources:
    """Read a file: Terraform JSON (``terraform show -json``) or a CloudFormation template.

    JSON with ``planned_values`` or ``values`` plus ``format_version`` is Terraform;
    other JSON, and YAML, is CloudFormation.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise IacError(f"cannot read: {e}", os.fspath(path)) from None
    try:
        if text.lstrip().startswith("{"):
            doc = _json(text)
            if isinstance(doc, Mapping) and (
                "planned_values" in doc or ("values" in doc and "format_version" in doc)
            ):
                return from_terraform_plan(doc)
            return from_cloudformation(doc, parameters=parameters)
        return from_cloudformation(text, parameters=parameters)
    except IacError as e:
        raise IacError(
            e.msg, f"{os.fspath(path)}{':' + e.location if e.location else ''}"
        ) from None
