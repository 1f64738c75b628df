"""The analyzer's warnings: likely mistakes and CloudTrail-specific traps.

Spec §9 (pattern-level): ignored ``?`` terms, ``!= *``, ``= true``/``= false`` as strings,
quoted ``"%…%"``, interior ``*``, a standalone regex ending in ``$``, a numeric condition on
the last space-delimited field.  CloudTrail traps: exclusions on attacker-controlled fields
(``userAgent``, ``requestParameters.*``, excluded terms), ``!=`` on a field the required
events may lack, case mismatches (``eventname``, ``DisableKEY``), patterns that fire on
common benign events (``Decrypt``), and patterns that can never match.

(Warnings about ``metricValue``/dimension references and array-valued selectors need the
metric transformation or a schema; they belong to the metric-filter checks.)

>>> from cwpattern.analysis.core import Pat
>>> from cwpattern import parse
>>> text = '{ $.eventname = "DisableKey" && $.userAgent != "console.amazonaws.com" }'
>>> [w.code for w in lint(Pat(parse(text), text), (), 20000)]
['case-mismatch', 'attacker-controlled-exclusion', 'ne-may-be-absent']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import ast
from ..values import wildcard_shape
from .core import Pat, satisfiable
from .formula import condition_lit, disjoin
from .records import base_records, serialize
from .results import PatternWarning
from .solver import Budget, as_budget, leaves
from .unknown import Undecided

__all__ = ["ALWAYS_PRESENT", "ATTACKER_CONTROLLED", "CLOUDTRAIL_FIELDS", "lint"]

# Fields whose content the API caller chooses (an attacker can make `!=` false there).
ATTACKER_CONTROLLED = (
    "userAgent",
    "requestParameters",
    "additionalEventData.userAgent",
    "tlsDetails.clientProvidedHostHeader",
)
# Top-level fields present in every CloudTrail management-event record.
ALWAYS_PRESENT = frozenset(
    {
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "eventID",
        "eventType",
        "recipientAccountId",
    }
)
CLOUDTRAIL_FIELDS = frozenset(
    {
        "eventVersion",
        "userIdentity",
        "type",
        "principalId",
        "arn",
        "accountId",
        "accessKeyId",
        "userName",
        "sessionContext",
        "attributes",
        "mfaAuthenticated",
        "creationDate",
        "sessionIssuer",
        "invokedBy",
        "identityProvider",
        "webIdFederationData",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "errorCode",
        "errorMessage",
        "requestParameters",
        "responseElements",
        "additionalEventData",
        "requestID",
        "eventID",
        "readOnly",
        "resources",
        "ARN",
        "eventType",
        "apiVersion",
        "managementEvent",
        "recipientAccountId",
        "sharedEventID",
        "vpcEndpointId",
        "eventCategory",
        "tlsDetails",
        "sessionCredentialFromConsole",
        "MFAUsed",
        "ConsoleLogin",
        "serviceEventDetails",
        "insightDetails",
        "edgeDeviceDetails",
    }
)
COMMON_BENIGN = ("Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey")


def lint(pat: Pat, references: tuple[Pat, ...], budget: Budget | int) -> list[PatternWarning]:
    """Every warning for one pattern (``references`` sharpen some checks)."""
    tree = pat.tree
    out: list[PatternWarning] = []
    if isinstance(tree, ast.TermPattern):
        out.extend(_terms(tree))
    elif isinstance(tree, ast.RegexPattern):
        out.extend(_standalone_regex(tree))
    elif isinstance(tree, ast.JsonPattern):
        out.extend(_mixed_precedence(pat.text, tree))
        out.extend(_json(pat, tree, references, budget))
    elif isinstance(tree, ast.DelimitedPattern):
        out.extend(_delimited(tree))
    out.extend(_semantic(pat, references, budget))
    return out


# --------------------------------------------------------------------------- families


def _terms(tree: ast.TermPattern) -> Iterator[PatternWarning]:
    kinds = {t.kind for t in tree.terms}
    if ast.TermKind.OPTIONAL in kinds and kinds - {ast.TermKind.OPTIONAL}:
        for term in tree.terms:
            if term.kind is ast.TermKind.OPTIONAL:
                yield PatternWarning(
                    "optional-ignored",
                    f"the optional term ?{term.text} is ignored: a pattern with required or "
                    "excluded terms matches without looking at optional ones",
                    term.span,
                )
    for term in tree.terms:
        if term.kind is ast.TermKind.EXCLUDED:
            yield PatternWarning(
                "attacker-controlled-exclusion",
                f"the excluded term -{term.text} silences the pattern for any record that "
                f"contains it anywhere, e.g. in the caller-chosen userAgent",
                term.span,
            )


def _mixed_precedence(text: str | None, tree: ast.JsonPattern) -> Iterator[PatternWarning]:
    """``&&`` and ``||`` side by side without parentheses: ``&&`` binds tighter (spec
    §4.4), which readers often do not expect; the message shows AWS's grouping.  Needs the
    pattern text (a tree does not record parentheses): the text outside the conditions
    holds only parentheses, operators and blanks, so a depth count finds each level."""
    spans = [c.span for c in ast.conditions(tree.expr)]
    if text is None or any(span is None for span in spans):
        return
    skeleton = list(text)
    for span in spans:
        assert span is not None
        skeleton[span.start : span.end] = " " * (span.end - span.start)
    levels: list[dict[str, list[int]]] = [{}]
    mixed: list[tuple[int, int]] = []
    i = 0
    while i < len(skeleton):
        pair = "".join(skeleton[i : i + 2])
        if skeleton[i] == "(":
            levels.append({})
        elif skeleton[i] == ")" and len(levels) > 1:
            level = levels.pop()
            if len(level) == 2:
                mixed.append(
                    (min(min(v) for v in level.values()), max(max(v) for v in level.values()))
                )
        elif pair in ("&&", "||"):
            levels[-1].setdefault(pair, []).append(i)
            i += 1
        i += 1
    for level in levels:
        if len(level) == 2:
            mixed.append((min(min(v) for v in level.values()), max(max(v) for v in level.values())))
    if mixed:
        from ..printer import json_expr_text

        start, end = min(mixed)
        grouping = "{ " + json_expr_text(tree.expr, explicit=True) + " }"
        yield PatternWarning(
            "mixed-precedence",
            f"&& and || are mixed without parentheses; && binds tighter, so AWS reads the "
            f"pattern as {grouping}",
            ast.Span(start, end + 2),
        )


def _standalone_regex(tree: ast.RegexPattern) -> Iterator[PatternWarning]:
    for branch in tree.regex.branches:
        last = branch.items[-1] if branch.items else None
        if isinstance(last, ast.Anchor) and last.kind is ast.AnchorKind.END:
            yield PatternWarning(
                "regex-end-anchor",
                "a standalone regex ending in $ does not match a message that ends with a "
                "newline ($ is the very end of the message)",
                tree.span,
            )
            return


def _delimited(tree: ast.DelimitedPattern) -> Iterator[PatternWarning]:
    for entry in tree.entries:
        if isinstance(entry, ast.Field) and entry.condition is not None:
            yield from _value_warnings(list(_field_values(entry.condition)))
    last = tree.entries[-1] if tree.entries else None
    if (
        isinstance(last, ast.Field)
        and last.condition is not None
        and tree.ellipsis_index is None
        and any(_numeric(c) for c in ast.field_comparisons(last.condition))
    ):
        yield PatternWarning(
            "delimited-trailing-number",
            "the last field absorbs the rest of the line, so its numeric condition fails "
            "whenever the line has extra trailing fields",
            last.span,
        )


def _field_values(expr: ast.FieldExpr) -> Iterator[tuple[ast.Op, ast.Value, Any]]:
    for comp in ast.field_comparisons(expr):
        yield comp.op, comp.value, comp.span


def _numeric(comp: ast.FieldComparison) -> bool:
    return comp.op.is_ordering or isinstance(comp.value, ast.NumberValue)


def _quoted(pat: Pat, value: ast.Value) -> bool:
    span = value.span
    return bool(pat.text and span is not None and pat.text[span.start : span.start + 1] == '"')


def _value_warnings(
    items: list[tuple[ast.Op, ast.Value, Any]], pat: Pat | None = None
) -> Iterator[PatternWarning]:
    for op, value, span in items:
        if not isinstance(value, ast.StringValue):
            continue
        text = value.text
        if op is ast.Op.NE and wildcard_shape(text)[0] == "any":
            yield PatternWarning(
                "ne-star-never", "`!= *` is never true (every string or number matches *)", span
            )
        if text in ("true", "false") and not (pat is not None and _quoted(pat, value)):
            yield PatternWarning(
                "boolean-as-string",
                f'`= {text}` compares with the string "{text}"; JSON booleans are matched '
                f"only by IS {text.upper()}",
                span,
            )
        if len(text) >= 2 and text.startswith("%") and text.endswith("%"):
            yield PatternWarning(
                "quoted-regex",
                f'"{text}" is literal text, not a regex; write it without quotes',
                span,
            )
        if "*" in text.strip("*"):
            yield PatternWarning(
                "interior-star",
                f'the * inside "{text}" is a literal asterisk; only a leading or trailing * '
                "is a wildcard",
                span,
            )


def _selector_names(selector: ast.Selector) -> list[str]:
    return [s.name for s in selector.steps if isinstance(s, ast.Member)]


def _dotted(selector: ast.Selector) -> str:
    return ".".join(_selector_names(selector))


def _attacker_controlled(selector: ast.Selector) -> bool:
    path = _dotted(selector)
    return any(
        path == f or path.startswith(f + ".") for f in ATTACKER_CONTROLLED
    ) or path.startswith("requestParameters")


def _json(
    pat: Pat, tree: ast.JsonPattern, references: tuple[Pat, ...], budget: Budget | int
) -> Iterator[PatternWarning]:
    conds = list(ast.conditions(tree.expr))
    comparisons = [c for c in conds if isinstance(c, ast.Comparison)]
    yield from _value_warnings([(c.op, c.value, c.value.span or c.span) for c in comparisons], pat)
    ref_names, ref_values = _reference_vocabulary(references)
    known_names = CLOUDTRAIL_FIELDS | ref_names
    known_values = ref_values | _record_values()
    for cond in conds:
        for name in _selector_names(cond.selector):
            if name in known_names:
                continue
            twin = next((k for k in sorted(known_names) if k.lower() == name.lower()), None)
            if twin is not None:
                yield PatternWarning(
                    "case-mismatch",
                    f"field names are case-sensitive: {name!r} never matches the CloudTrail "
                    f"field {twin!r}",
                    cond.selector.span or cond.span,
                )
        if isinstance(cond, ast.Comparison) and isinstance(cond.value, ast.StringValue):
            text = cond.value.text
            if text not in known_values:
                twin = next((v for v in sorted(known_values) if v.lower() == text.lower()), None)
                if twin is not None:
                    yield PatternWarning(
                        "case-mismatch",
                        f'values are case-sensitive: "{text}" does not match "{twin}"',
                        cond.value.span or cond.span,
                    )
    for cond in conds:
        if _attacker_controlled(cond.selector) and (
            (isinstance(cond, ast.Comparison) and cond.op is ast.Op.NE)
            or (isinstance(cond, ast.Predicate) and cond.kind is ast.PredicateKind.NOT_EXISTS)
        ):
            yield PatternWarning(
                "attacker-controlled-exclusion",
                f"{_text(cond)} excludes on a field the caller chooses: an attacker can set "
                f"{_dotted(cond.selector)} to silence the alarm",
                cond.span,
            )
    for cond in comparisons:
        never = (
            isinstance(cond.value, ast.StringValue)
            and set(cond.value.text) <= {"*"}
            and cond.value.text != ""
        )
        if cond.op is ast.Op.NE and not cond.selector.has_wildcard and not never:
            absent = _may_be_absent(cond, references, budget)
            if absent:
                yield PatternWarning(
                    "ne-may-be-absent",
                    f"{_text(cond)} is false when {_dotted(cond.selector) or 'the field'} is "
                    f"absent{absent}, so such records are not matched",
                    cond.span,
                )


def _text(cond: ast.Comparison | ast.Predicate) -> str:
    from ..printer import json_expr_text

    return json_expr_text(cond)


def _reference_vocabulary(references: tuple[Pat, ...]) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    values: set[str] = set()
    for ref in references:
        if isinstance(ref.tree, ast.JsonPattern):
            for cond in ast.conditions(ref.tree.expr):
                names.update(_selector_names(cond.selector))
                if isinstance(cond, ast.Comparison) and isinstance(cond.value, ast.StringValue):
                    values.add(cond.value.text)
    return names, values


def _record_values() -> set[str]:
    out = set()
    for doc in base_records():
        for key in ("eventName", "eventSource", "eventType"):
            if isinstance(doc.get(key), str):
                out.add(doc[key])
    return out


def _may_be_absent(cond: ast.Comparison, references: tuple[Pat, ...], budget: Budget | int) -> str:
    """Non-empty (a short qualifier) when the field may be absent: in some required event
    when references are given, else when it is not an always-present CloudTrail field."""
    absent = condition_lit(ast.Predicate(cond.selector, ast.PredicateKind.NOT_EXISTS))
    if references:
        required = disjoin(
            [r.formula() for r in references if isinstance(r.tree, (ast.JsonPattern, ast.MatchAll))]
        )
        try:
            found = next(leaves([required, absent], as_budget(budget)), None)
        except Undecided:
            return ""
        return " in some events the reference requires" if found is not None else ""
    first = _selector_names(cond.selector)[:1]
    return (
        ""
        if first and first[0] in ALWAYS_PRESENT and len(cond.selector.steps) == 1
        else " (CloudTrail omits it from many records)"
    )


# --------------------------------------------------------------------------- semantic


def _semantic(
    pat: Pat, references: tuple[Pat, ...], budget: Budget | int
) -> Iterator[PatternWarning]:
    if isinstance(pat.tree, (ast.JsonPattern, ast.TermPattern, ast.RegexPattern)):
        try:
            sat = satisfiable((pat,), budget)[0]
        except Undecided:
            sat = None
        if sat is False:
            yield PatternWarning(
                "never-matches",
                "no event can match this pattern (its conditions contradict each other), "
                "so the alarm can never fire",
                pat.tree.span,
            )
            return
    benign = []
    for doc in base_records():
        name = doc.get("eventName")
        if name not in COMMON_BENIGN or name in benign:
            continue
        message = serialize(doc)
        if pat.match(message) and not any(r.match(message) for r in references):
            benign.append(name)
    if benign:
        yield PatternWarning(
            "over-broad",
            f"matches common, benign events such as {', '.join(benign)}; an alarm on this "
            "metric would fire constantly",
            pat.tree.span,
        )
