"""Metric filters as users keep them: ``aws logs describe-metric-filters`` output, a
Terraform plan (``terraform show -json``), a Terraform JSON configuration (``*.tf.json``)
or a CloudFormation template (JSON, or YAML with PyYAML).

:func:`load_metric_filters` reads any of them into :class:`FilterDef` records: the
pattern and the names a fix needs (log group, filter, metric).

>>> doc = '''{"metricFilters": [{"filterName": "kms", "logGroupName": "trail",
...   "filterPattern": "{ $.eventName = DisableKey }",
...   "metricTransformations": [{"metricName": "Kms", "metricNamespace": "CIS",
...                              "metricValue": "1"}]}]}'''
>>> [(f.name, f.pattern, f.metric) for f in read_metric_filters(doc)]
[('kms', '{ $.eventName = DisableKey }', 'CIS/Kms')]

A value that is not known before deployment (Terraform's "known after apply", an
interpolation, an unresolved CloudFormation function) is ``None``; ``notes`` says why.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..errors import CWPatternError
from ..remediation import FilterTarget

if TYPE_CHECKING:
    from .iac import IacResources
    from .model import FilterDefinition, Unknown

__all__ = ["FilterDef", "FilterFileError", "load_metric_filters", "read_metric_filters"]

Source = Literal["describe", "terraform-plan", "terraform-json", "cloudformation", "lines"]


class FilterFileError(CWPatternError):
    """A file that holds no metric filters cwpattern can read (or is not readable)."""


@dataclass(frozen=True)
class FilterDef:
    """One metric filter.

    Attributes:
        name: the filter name (Terraform: ``name``, else the address; CloudFormation:
            ``FilterName``, else the logical id).
        pattern: the filter pattern, ``None`` when not known before deployment.
        log_group, metric_name, metric_namespace, metric_value: as deployed (``None``
            when absent or unknown).
        source: which kind of document it came from.
        address: where in it (Terraform address, ``Resources/LogicalId``, list index).
        line: the 1-based line of its pattern (or name) in the file, when found.
        notes: why a value is ``None``, and other remarks.
        named: ``False`` when ``name`` is made up (a bare pattern, a filter without a
            name): fixes then use a name of their own.
    """

    name: str
    pattern: str | None
    log_group: str | None = None
    metric_name: str | None = None
    metric_namespace: str | None = None
    metric_value: str | None = None
    source: Source = "describe"
    address: str = ""
    line: int | None = None
    notes: tuple[str, ...] = field(default=())
    named: bool = True

    @property
    def metric(self) -> str | None:
        """``namespace/name`` of the metric (filters on one metric are judged together)."""
        if self.metric_name is None:
            return None
        return f"{self.metric_namespace or ''}/{self.metric_name}"

    def target(self) -> FilterTarget:
        """The names a remediation's snippets use."""
        return FilterTarget(
            self.log_group,
            self.name if self.named else None,
            self.metric_name,
            self.metric_namespace,
            self.metric_value or "1",
        )

    def to_describe(self) -> dict[str, Any]:
        """The ``describe-metric-filters`` entry shape (for :func:`cwpattern.aws.checker.check`)."""
        out: dict[str, Any] = {"filterName": self.name, "filterPattern": self.pattern}
        if self.log_group is not None:
            out["logGroupName"] = self.log_group
        if self.metric_name is not None:
            out["metricTransformations"] = [
                {
                    "metricName": self.metric_name,
                    "metricNamespace": self.metric_namespace or "",
                    "metricValue": self.metric_value or "1",
                }
            ]
        return out


def load_metric_filters(
    path: str | os.PathLike[str], *, parameters: Mapping[str, str] | None = None
) -> list[FilterDef]:
    """The metric filters of a file: a ``describe-metric-filters`` dump, a Terraform plan
    (``terraform show -json``), a ``*.tf.json`` configuration or a CloudFormation template.

    Args:
        parameters: CloudFormation parameter values (``{"AWS::Region": "us-east-1"}``).

    Raises:
        FilterFileError: unreadable, or none of these kinds of document.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as err:
        raise FilterFileError(f"{os.fspath(path)}: cannot read: {err}") from None
    try:
        return read_metric_filters(text, parameters=parameters)
    except FilterFileError as err:
        raise FilterFileError(f"{os.fspath(path)}: {err}") from None


def read_metric_filters(
    text: str, *, parameters: Mapping[str, str] | None = None
) -> list[FilterDef]:
    """:func:`load_metric_filters` on a document's text."""
    from ..documents import DocumentError, loads

    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            doc = loads(text)  # strict and depth-bounded: hostile documents fail closed
        except DocumentError as err:
            raise FilterFileError(str(err)) from None
        found = _from_json(doc, text, parameters)
    else:
        found = _cloudformation(text, text, parameters)
    return found


def _from_json(doc: Any, text: str, parameters: Mapping[str, str] | None) -> list[FilterDef]:
    if isinstance(doc, list) or (isinstance(doc, Mapping) and "metricFilters" in doc):
        return _describe(doc, text)
    if isinstance(doc, Mapping):
        if isinstance(doc.get("planned_values"), Mapping) or (
            isinstance(doc.get("values"), Mapping) and "format_version" in doc
        ):
            return _terraform_plan(doc, text)
        if "resource" in doc:
            return _terraform_json(doc, text)
        if "Resources" in doc:
            return _cloudformation(doc, text, parameters)
    raise FilterFileError(
        "not describe-metric-filters output, a Terraform plan or *.tf.json "
        "configuration, or a CloudFormation template"
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _line(text: str, *needles: str | None) -> int | None:
    from ..reporting import line_of

    for needle in needles:
        if needle:
            found = line_of(text, json.dumps(needle)[1:-1]) or line_of(text, needle)
            if found is not None:
                return found
    return None


def _text(value: str | Unknown | None) -> str | None:
    """A definition's field when it is known (else ``None``)."""
    return value if isinstance(value, str) else None


def _metric(d: FilterDefinition) -> tuple[str | None, str | None, str | None]:
    """Metric name, namespace and value of the first transformation, where known."""
    t = d.transformation
    if t is None:
        return None, None, None
    return _text(t.metric_name), _text(t.metric_namespace), _text(t.metric_value)


def _describe(doc: Any, text: str) -> list[FilterDef]:
    from .snapshot import ListingError, read_filter_definitions

    if isinstance(doc, Mapping) and isinstance(doc.get("metricFilters"), (Mapping, list)):
        if not isinstance(doc["metricFilters"], list) or _is_pages(doc["metricFilters"]):
            doc = doc["metricFilters"]  # an account snapshot (docs/audit-snapshot.md)
    try:
        entries = read_filter_definitions(doc).entries
    except ListingError as err:
        raise FilterFileError(str(err)) from None
    out = []
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            out.append(
                FilterDef(
                    f"pattern {i + 1}",
                    entry,
                    address=f"[{i}]",
                    line=_line(text, entry),
                    named=False,
                )
            )
            continue
        pattern = entry.pattern
        if not isinstance(pattern, str):
            raise FilterFileError(
                f"item {i + 1}: expected a metric filter with a 'filterPattern' string"
            )
        name = _text(entry.name)
        metric, namespace, value = _metric(entry)
        out.append(
            FilterDef(
                name or f"filter {i + 1}",
                pattern,
                _text(entry.log_group),
                metric,
                namespace,
                value,
                "describe",
                f"[{i}]",
                _line(text, pattern, name),
                named=name is not None,
            )
        )
    return out


def _is_pages(value: list[Any]) -> bool:
    """A non-empty list of describe-metric-filters pages (a snapshot's section)."""
    return bool(value) and all(isinstance(v, Mapping) and "metricFilters" in v for v in value)


def _from_iac(resources: IacResources, source: Source, text: str) -> list[FilterDef]:
    from .model import Unknown
    from .snapshot import read_filter_definition

    out = []
    for r in resources.metric_filters:
        d = read_filter_definition(r.body, r.address)
        notes = list(r.notes)
        if isinstance(d.pattern, Unknown):
            notes.append(f"filter pattern not known: {d.pattern}")
        metric, namespace, value = _metric(d)
        name = _text(d.name) or r.address
        pattern = _text(d.pattern)
        out.append(
            FilterDef(
                name,
                pattern,
                _text(d.log_group),
                metric,
                namespace,
                value,
                source,
                r.address,
                _line(text, pattern, name),
                tuple(notes),
            )
        )
    return out


def _terraform_plan(doc: Mapping[str, Any], text: str) -> list[FilterDef]:
    from .iac import IacError, from_terraform_plan

    try:
        return _from_iac(from_terraform_plan(doc), "terraform-plan", text)
    except IacError as err:
        raise FilterFileError(str(err)) from None


def _cloudformation(
    doc: Mapping[str, Any] | str, text: str, parameters: Mapping[str, str] | None
) -> list[FilterDef]:
    from .iac import IacError, from_cloudformation

    try:
        return _from_iac(from_cloudformation(doc, parameters=parameters), "cloudformation", text)
    except IacError as err:
        raise FilterFileError(str(err)) from None


_INTERPOLATION = re.compile(r"(?<![$%])[$%]\{")


def _tf_literal(value: Any) -> tuple[str | None, str | None]:
    """A Terraform JSON string's literal value, or ``None`` with why (an interpolation)."""
    if not isinstance(value, str):
        return None, "not a string"
    # `$${` and `%%{` are the escapes of a literal `${` / `%{`
    unescaped = re.sub(r"([$%])\1\{", r"\1{", value)
    probe = re.sub(r"([$%])\1\{", "", value)
    if _INTERPOLATION.search(probe):
        return None, "an interpolation, known only to Terraform"
    return unescaped, None


def _terraform_json(doc: Mapping[str, Any], text: str) -> list[FilterDef]:
    blocks = doc["resource"]
    blocks = blocks if isinstance(blocks, list) else [blocks]
    out = []
    for block in blocks:
        if not isinstance(block, Mapping):
            raise FilterFileError("'resource' must be an object (or a list of objects)")
        filters = block.get("aws_cloudwatch_log_metric_filter", {})
        for label, bodies in filters.items() if isinstance(filters, Mapping) else []:
            for body in bodies if isinstance(bodies, list) else [bodies]:
                if not isinstance(body, Mapping):
                    continue
                address = f"aws_cloudwatch_log_metric_filter.{label}"
                notes: list[str] = []
                values: dict[str, str | None] = {}
                for key in ("name", "pattern", "log_group_name"):
                    literal, why = _tf_literal(body.get(key))
                    if why and key in body:
                        notes.append(f"{key}: {why}")
                    values[key] = literal
                t = body.get("metric_transformation")
                t = t[0] if isinstance(t, list) and t else t
                transform: dict[str, str | None] = {}
                for key in ("name", "namespace", "value"):
                    item = t.get(key) if isinstance(t, Mapping) else None
                    transform[key] = _tf_literal(item)[0]
                name = values["name"] or address
                out.append(
                    FilterDef(
                        name,
                        values["pattern"],
                        values["log_group_name"],
                        transform["name"],
                        transform["namespace"],
                        transform["value"],
                        "terraform-json",
                        address,
                        _line(text, _str(body.get("pattern")), name),
                        tuple(notes),
                    )
                )
    return out


def as_check_input(filters: Sequence[FilterDef]) -> list[dict[str, Any]]:
    """The filters whose pattern is known, in the shape :func:`cwpattern.aws.checker.check` reads."""
    return [f.to_describe() for f in filters if f.pattern is not None]
