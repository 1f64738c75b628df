"""Judge many metric filters against one control at once: ``cwpattern.check``.

Filters on the same metric (name and namespace) feed one alarm, so they are also judged
together: a control is covered when one filter covers it, or when the filters of one
metric do together.  An empty set of filters covers nothing.

>>> report = check(['{ $.eventName = DisableKey }', '{ $.eventName = ScheduleKeyDeletion }'],
...                control="cis-aws-3.0.0-4.7")
>>> [r.verdict.value for r in report.results], report.covered, report.verdict.value
(['no', 'no'], True, 'yes')
>>> check([], control="4.7").covered, check([], control="4.7").reason
(False, 'there are no metric filters in the input')

Text input (a file of patterns, or ``describe-metric-filters`` output) is read with
:func:`read_filters`, which parses JSON as a whole document, never by looking for keys:

>>> read_filters('[]').filters, read_filters('[]', mode="lines").filters[0].pattern
((), '[]')

``cwpattern check``, for one control or a whole benchmark, reads its input with
:func:`read_input`: the filters to judge and the filter definitions of the benchmark matrix
(:mod:`cwpattern.aws.matrix`) of one text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from ..analysis.results import PatternWarning, Verdict
from ..documents import MAX_DEPTH, check_depth
from ..errors import CWPatternError, PatternSyntaxError
from .filterdefs import FilterDef, FilterFileError, read_metric_filters
from .model import FilterDefinition, MetricKey, by_metric
from .snapshot import (
    FilterDefinitions,
    ListingError,
    read_filter_definition,
    read_filter_definitions,
)

__all__ = [
    "CheckInput",
    "CheckReport",
    "FilterInput",
    "FilterInputError",
    "FilterResult",
    "Filters",
    "InputMode",
    "MetricGroup",
    "check",
    "filters_from",
    "read_filters",
    "read_input",
]

#: How :func:`read_filters` reads text: ``lines`` (one pattern per line), ``json``
#: (describe-metric-filters output, pages, a list of filters or of pattern strings), or
#: ``auto``: JSON when the whole input is a JSON array or object, else lines.
InputMode = Literal["auto", "lines", "json"]
_LOOKS_JSON = re.compile(r'\s*(?:\{\s*["}]|\[\s*[\[{"\]])')


class FilterInputError(CWPatternError):
    """Input that is neither patterns nor metric filters (malformed JSON, a JSON document
    of another shape).  The CLI exits 2."""


@dataclass(frozen=True)
class FilterInput:
    """One filter to judge: its ``name``, ``pattern`` and ``metric`` (``namespace/name``,
    ``None`` for a bare pattern).  ``key`` is the metric as a pair (filters on one metric
    are judged together); without it, ``metric`` is the key."""

    name: str
    pattern: str
    metric: str | None = None
    key: MetricKey | None = field(default=None, repr=False)

    @property
    def metric_key(self) -> MetricKey | None:
        """The metric filters are grouped by: ``key``, else ``metric`` as a whole."""
        if self.key is not None:
            return self.key
        return MetricKey("", self.metric) if self.metric else None


@dataclass(frozen=True)
class Filters:
    """The filters read from an input.  ``truncated`` is true when the listing ends with a
    ``nextToken``: more filters exist than the input holds."""

    filters: tuple[FilterInput, ...]
    truncated: bool = False


@dataclass(frozen=True)
class FilterResult:
    """One filter's verdict against the control.

    ``verdict`` is :class:`~cwpattern.analyzer.Verdict` (an invalid pattern matches
    nothing: ``valid`` is false, ``verdict`` is ``NO`` and ``error`` says why);
    ``warnings`` are the analyzer's findings about the pattern (``over-broad``, ...).
    """

    name: str
    pattern: str
    metric: str | None
    valid: bool
    verdict: Verdict
    relation: str | None
    missed: tuple[str, ...] = ()
    counterexample: str | None = None
    error: dict[str, Any] | None = None
    warnings: tuple[PatternWarning, ...] = ()
    assumptions: tuple[str, ...] = ()  # what a YES rests on (Coverage.assumptions)

    @property
    def covered(self) -> bool:
        """True when this filter alone is proved to cover the control."""
        return self.verdict is Verdict.YES

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pattern": self.pattern,
            "metric": self.metric,
            "valid": self.valid,
            "covers": self.covered,
            "verdict": self.verdict.value,
            "relation": self.relation,
            "missed": list(self.missed),
            "counterexample": self.counterexample,
            "error": self.error,
            "warnings": [w.to_dict() for w in self.warnings],
            "assumptions": list(self.assumptions),
        }


@dataclass(frozen=True)
class MetricGroup:
    """The valid filters feeding one metric, judged together (their union)."""

    metric: str
    filters: tuple[str, ...]
    verdict: Verdict
    counterexample: str | None = None
    assumptions: tuple[str, ...] = ()  # what a YES rests on (Coverage.assumptions)

    @property
    def covered(self) -> bool:
        """True when these filters together are proved to cover the control."""
        return self.verdict is Verdict.YES

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "filters": list(self.filters),
            "covers": self.covered,
            "verdict": self.verdict.value,
            "counterexample": self.counterexample,
            "assumptions": list(self.assumptions),
        }


@dataclass(frozen=True)
class CheckReport:
    """The result of :func:`check`.

    ``verdict``: ``YES`` when one filter, or the filters of one metric together, are
    proved to cover the control; ``UNKNOWN`` when none is but one could not be decided
    (or the listing was cut short); ``NO`` otherwise, including when there are no
    filters.  ``covered`` is ``verdict is Verdict.YES``; ``reason`` says why in one line.
    """

    control: str
    reference: str
    results: tuple[FilterResult, ...]
    groups: tuple[MetricGroup, ...] = field(default=())
    truncated: bool = False

    @property
    def verdict(self) -> Verdict:
        units: list[FilterResult | MetricGroup] = list(self.groups)
        grouped = {name for g in self.groups for name in g.filters}
        units += [r for r in self.results if r.name not in grouped]
        if any(r.covered for r in self.results) or any(g.covered for g in self.groups):
            return Verdict.YES
        if self.truncated or any(u.verdict is Verdict.UNKNOWN for u in units):
            return Verdict.UNKNOWN
        return Verdict.NO

    @property
    def covered(self) -> bool:
        """True only when coverage is proved (``verdict is Verdict.YES``)."""
        return self.verdict is Verdict.YES

    @property
    def reason(self) -> str:
        """Why the verdict, in one line."""
        if not self.results:
            more = " (the listing is cut short: it ends with a nextToken)" if self.truncated else ""
            return f"there are no metric filters in the input{more}"
        for r in self.results:
            if r.covered:
                return f"filter {r.name} covers the control"
        for g in self.groups:
            if g.covered:
                what = "the patterns" if g.metric.startswith("(") else f"the filters of {g.metric}"
                return f"{what} cover the control together"
        invalid = sum(not r.valid for r in self.results)
        bad = f"; {invalid} of them invalid" if invalid else ""
        count = f"none of the {len(self.results)} filter(s){bad}"
        if self.verdict is Verdict.UNKNOWN:
            why = (
                "the listing is cut short (it ends with a nextToken), so other filters may"
                if self.truncated
                else "coverage could not be decided for some"
            )
            return f"{count} is proved to cover the control; {why}"
        return f"{count} covers the control"

    @property
    def assumptions(self) -> tuple[str, ...]:
        """What a ``YES`` rests on beyond the patterns (the covering units' assumptions)."""
        units = [r for r in self.results if r.covered] + [g for g in self.groups if g.covered]
        return tuple(sorted({a for u in units for a in u.assumptions}))

    @property
    def warnings(self) -> tuple[tuple[str, PatternWarning], ...]:
        """Every filter's warnings, as ``(filter name, warning)``."""
        return tuple((r.name, w) for r in self.results for w in r.warnings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "reference": self.reference,
            "covers": self.covered,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "truncated": self.truncated,
            "filters": [r.to_dict() for r in self.results],
            "metrics": [g.to_dict() for g in self.groups],
            "assumptions": list(self.assumptions),
        }


# --- reading inputs --------------------------------------------------------------------------


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_documents(text: str) -> list[Any]:
    """Every JSON value of ``text`` (one document, or several concatenated pages), each
    depth-bounded like :func:`cwpattern.documents.loads`.  Raises ``ValueError``."""
    decoder = json.JSONDecoder(parse_constant=_no_constant)
    docs: list[Any] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos == end:
            return docs
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except RecursionError:
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels") from None
        check_depth(doc)
        docs.append(doc)


def read_filters(text: str, *, mode: InputMode = "auto") -> Filters:
    """The filters in ``text``: patterns one per line (blank lines and ``#`` comments
    skipped), or JSON: ``aws logs describe-metric-filters`` output (one or several pages,
    also concatenated), a list of filter objects, or a list of pattern strings.

    ``mode="auto"`` reads JSON when the whole text is JSON arrays or objects, and lines
    otherwise; text that starts like a JSON document but does not parse is an error, not
    a pattern.  The one valid pattern that is also JSON is ``[]``: use ``mode="lines"``.

    Raises:
        FilterInputError: malformed JSON, or JSON that is not filters.

    >>> read_filters('{"metricFilters": [{"filterName": "kms", "filterPattern": "x"}]}')
    Filters(filters=(FilterInput(name='kms', pattern='x', metric=None),), truncated=False)
    """
    if mode not in ("auto", "lines", "json"):
        raise ValueError(f"mode must be auto, lines or json, not {mode!r}")
    if mode != "lines":
        try:
            docs = _json_documents(text)
        except ValueError as err:
            if mode == "json" or _LOOKS_JSON.match(text):
                hint = " (use --input lines if these are patterns)" if mode == "auto" else ""
                raise FilterInputError(f"invalid JSON: {err}{hint}") from None
        else:
            if mode == "json" or (docs and all(isinstance(d, (list, dict)) for d in docs)):
                if not docs:
                    raise FilterInputError("invalid JSON: the input is empty")
                return _from_documents(docs)
    lines = (line.rstrip("\r") for line in text.split("\n"))
    patterns = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return Filters(
        tuple(FilterInput(f"pattern {i}", p) for i, p in enumerate(patterns, 1)),
    )


def _from_documents(docs: Sequence[Any]) -> Filters:
    out: list[FilterInput] = []
    truncated = False
    for doc in docs:
        listing = _definitions(doc)
        if listing.pages:  # the last page read decides
            truncated = listing.truncated
        out.extend(_input(entry, i) for i, entry in enumerate(listing.entries))
    return Filters(tuple(out), truncated)


def _definitions(doc: Any) -> FilterDefinitions:
    """``doc`` read by the one reader of describe-metric-filters output."""
    try:
        return read_filter_definitions(doc)
    except ListingError as err:
        raise FilterInputError(str(err)) from None


def _not_filter(i: int) -> FilterInputError:
    return FilterInputError(
        f"item {i + 1}: expected a pattern string or a metric filter with a 'filterPattern' string"
    )


def _input(entry: FilterDefinition | str, i: int) -> FilterInput:
    """The filter to judge of entry ``i`` of a listing."""
    if isinstance(entry, str):
        return FilterInput(f"pattern {i + 1}", entry)
    if not isinstance(entry.pattern, str):
        raise _not_filter(i)
    t = entry.transformation
    key = t.metric if t is not None else None
    name = entry.name if isinstance(entry.name, str) and entry.name else f"filter {i + 1}"
    return FilterInput(name, entry.pattern, str(key) if key else None, key)


def filters_from(source: Any) -> list[FilterInput]:
    """Normalize decoded input into :class:`FilterInput`: a pattern string, a list of
    pattern strings, a list of metric-filter objects, or ``describe-metric-filters``
    output (``{"metricFilters": [...]}``, or a list of such pages), each entry read by
    :func:`cwpattern.aws.snapshot.read_filter_definitions`.

    Raises:
        FilterInputError: anything else (an object without ``metricFilters``, an item
            that is neither a string nor a filter with a ``filterPattern``).
    """
    if isinstance(source, str):
        source = [source]
    if isinstance(source, (Mapping, list)):
        return [_input(entry, i) for i, entry in enumerate(_definitions(source).entries)]
    if not isinstance(source, Iterable):
        raise FilterInputError(f"expected filters or patterns, not {type(source).__name__}")
    out: list[FilterInput] = []
    for i, item in enumerate(source):
        if isinstance(item, FilterInput):
            out.append(item)
        elif isinstance(item, Mapping) and "metricFilters" in item:  # a page
            out.extend(filters_from(item))
        elif isinstance(item, (str, Mapping)):
            out.append(_input(item if isinstance(item, str) else read_filter_definition(item), i))
        else:
            raise _not_filter(i)
    return out


# --- judging ---------------------------------------------------------------------------------

Source = Filters | Iterable[str | Mapping[str, Any] | FilterInput] | Mapping[str, Any] | str


def check(patterns: Source, *, control: str, any_json_spelling: bool = False) -> CheckReport:
    """Judge each filter, and each metric's filters together, against ``control``.

    Args:
        patterns: pattern strings, metric-filter dicts, describe-metric-filters output,
            or :class:`Filters` from :func:`read_filters`.
        control: a catalog id such as ``cis-aws-3.0.0-4.7``, or a bare number of the
            default benchmark (``4.7``), as :func:`cwpattern.controls.get`.

    Invalid patterns are reported as such (``valid`` false); they never stop the check.
    ``any_json_spelling``: judge every RFC 8259 spelling of the records, not only
    CloudTrail's (see :func:`cwpattern.analyzer.covers`).

    Raises:
        FilterInputError: the input is not filters.
        UnknownControlError: an unknown control id.
    """
    from .. import controls
    from ..analyzer import covers, relation, warnings
    from ..pattern import compile

    ctrl = controls.get(control)
    reference = ctrl.effective_pattern
    if isinstance(patterns, Filters):
        given = patterns
    elif isinstance(patterns, (Mapping, list)):  # a listing: its nextToken counts too
        given = _from_documents([patterns])
    else:
        given = Filters(tuple(filters_from(patterns)))
    results: list[FilterResult] = []
    keyed: list[tuple[MetricKey | None, FilterResult]] = []
    for f in given.filters:
        try:
            tree = compile(f.pattern).ast
        except PatternSyntaxError as err:
            results.append(
                FilterResult(
                    f.name, f.pattern, f.metric, False, Verdict.NO, None, error=err.to_dict()
                )
            )
            continue
        spelling = {"any_json_spelling": any_json_spelling}
        cov = covers(tree, reference, **spelling)
        rel = relation(tree, reference, **spelling)
        missed = tuple(c.case for c in cov.cases if c.covered is not True)
        result = FilterResult(
            f.name,
            f.pattern,
            f.metric,
            True,
            cov.verdict,
            rel.kind,
            missed,
            cov.counterexample,
            warnings=tuple(warnings(f.pattern, reference=reference)),  # text: parentheses
            assumptions=cov.assumptions,
        )
        results.append(result)
        keyed.append((f.metric_key, result))
    metrics = by_metric(keyed, key=lambda pair: pair[0])
    groups = []
    for pairs in metrics.values():
        members = [r for _, r in pairs]
        if len(members) < 2:
            continue
        cov = covers([m.pattern for m in members], reference, any_json_spelling=any_json_spelling)
        groups.append(
            MetricGroup(
                members[0].metric or "",
                tuple(m.name for m in members),
                cov.verdict,
                cov.counterexample,
                cov.assumptions,
            )
        )
    if not metrics and len(results) > 1:  # bare patterns: judge them together too
        valid = [r for r in results if r.valid]
        if len(valid) > 1:
            cov = covers([r.pattern for r in valid], reference, any_json_spelling=any_json_spelling)
            groups.append(
                MetricGroup(
                    "(all patterns together)",
                    tuple(r.name for r in valid),
                    cov.verdict,
                    cov.counterexample,
                    cov.assumptions,
                )
            )
    return CheckReport(ctrl.id, reference, tuple(results), tuple(groups), given.truncated)


# --- one text input, for one control or a benchmark -------------------------------------------


@dataclass(frozen=True)
class CheckInput:
    """The text input of ``cwpattern check``, built by :func:`read_input`.

    Each view is read on first use, because one may reject what the other accepts (an IaC
    template defines filters for the matrix but is not a listing to judge):

    * :attr:`filters`: the filters to judge against one control (:func:`read_filters`);
    * :attr:`definitions`: the filter definitions of the benchmark matrix
      (:func:`cwpattern.aws.matrix.check_benchmark`): a ``describe-metric-filters`` listing,
      an account snapshot or IaC when the whole input is JSON or a YAML CloudFormation
      template (:func:`cwpattern.aws.filterdefs.read_metric_filters`), concatenated listing
      pages, else one pattern per line (``#`` comments and blank lines skipped);
    * :attr:`truncated`: whether a listing ends with a ``nextToken``.

    >>> given = read_input("ERROR\\n\\n# comment\\n{ $.a = 1 }\\n")
    >>> [f.name for f in given.filters.filters], [f.name for f in given.definitions]
    (['pattern 1', 'pattern 2'], ['line 1', 'line 4'])
    """

    text: str
    mode: InputMode = "auto"

    @cached_property
    def filters(self) -> Filters:
        """The filters to judge against one control.  Raises :class:`FilterInputError`."""
        return read_filters(self.text, mode=self.mode)

    @cached_property
    def truncated(self) -> bool:
        """Whether the input is a ``describe-metric-filters`` listing that ends with a
        ``nextToken`` (more filters exist than it holds); false for other inputs."""
        try:
            return self.filters.truncated
        except FilterInputError:
            return False  # IaC or a snapshot: not a paginated listing

    @cached_property
    def definitions(self) -> tuple[FilterDef, ...]:
        """The filter definitions of the benchmark matrix.  Raises
        :class:`~cwpattern.aws.filterdefs.FilterFileError`."""
        text = self.text
        if self.mode != "lines":
            try:  # a JSON string or number on its own is a pattern ("kms.amazonaws.com", 404)
                whole_json = isinstance(json.loads(text), (dict, list))
            except ValueError:
                whole_json = False
            except RecursionError:  # JSON too deep for Python: read_metric_filters reports it
                whole_json = True
            if whole_json or self.mode == "json" or re.search(r"(?m)^Resources\s*:", text):
                return tuple(read_metric_filters(text))
            if _concatenated(text):  # describe-metric-filters pages, one after the other
                return tuple(_page_definitions(text))
        return tuple(
            FilterDef(f"line {i}", line, source="lines", line=i, named=False)
            for i, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")
        )


def read_input(text: str, *, mode: InputMode = "auto") -> CheckInput:
    """The text input of ``cwpattern check`` (``mode``: as :func:`read_filters`), for one
    control (:attr:`CheckInput.filters`) or a benchmark (:attr:`CheckInput.definitions`).

    Raises:
        ValueError: an unknown ``mode``.
    """
    if mode not in ("auto", "lines", "json"):
        raise ValueError(f"mode must be auto, lines or json, not {mode!r}")
    return CheckInput(text, mode)


def _concatenated(text: str) -> bool:
    """Whether ``text`` is several JSON objects/arrays one after the other."""
    decoder = json.JSONDecoder()
    at, count = 0, 0
    try:
        while True:
            while at < len(text) and text[at] in " \t\r\n":
                at += 1
            if at == len(text):
                return count > 1
            doc, at = decoder.raw_decode(text, at)
            if not isinstance(doc, (dict, list)):
                return False
            count += 1
    except (ValueError, RecursionError):
        return False


def _page_definitions(text: str) -> list[FilterDef]:
    """Concatenated ``describe-metric-filters`` pages, as :func:`read_filters` reads them."""
    try:
        listing = read_filters(text, mode="json")
    except FilterInputError as err:
        raise FilterFileError(str(err)) from None
    out = []
    for f in listing.filters:
        namespace, name = f.metric_key or ("", "")
        made_up = re.fullmatch(r"(?:pattern|filter) \d+", f.name) is not None
        out.append(
            FilterDef(f.name, f.pattern, None, name or None, namespace or None, named=not made_up)
        )
    return out
