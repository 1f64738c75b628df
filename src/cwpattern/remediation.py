"""Fixes for filters that do not cover a control: the smallest change to the user's own
pattern, re-checked by the analyzer before it is shown.

:func:`remediate` starts from the user's pattern and edits it step by step, each step
kept only when the analyzer proves it safe and it covers more of the control's required
cases:

* **widen** a condition with the value the control also needs (``$.eventName =
  "DisableKey"`` becomes ``($.eventName = "DisableKey" || $.eventName =
  "ScheduleKeyDeletion")``);
* **drop** a condition that excludes required events (``$.errorCode != "AccessDenied"``).

A step is safe when the edited pattern matches nothing that neither the original pattern
nor the control's reference matches: a fix never broadens a filter beyond what the control
asks for.  What no safe step reaches is added as ``||`` branches (the missed cases of the
reference).  The result must parse and :func:`cwpattern.analyzer.covers` must answer
``yes``; otherwise the control's reference pattern is proposed.  Conditions of the user's
pattern that do not block coverage are kept (``keeps``); the others are listed in
``drops``.

>>> fix = remediate('{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey '
...                 '&& $.errorCode != "AccessDenied" }', "cis-aws-3.0.0-4.7")
>>> fix.pattern
'{ $.eventSource = "kms.amazonaws.com" && ($.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion") }'
>>> fix.drops, fix.strategy
(('$.errorCode != "AccessDenied"',), 'edit')

For a filter that covers the control but fires on everyday events (warning
``over-broad``), the remediation is a narrowing suggestion (``kind == "narrow"``):

>>> remediate('{ $.eventSource = kms.amazonaws.com }', "cis-aws-3.0.0-4.7").pattern
'{ $.eventSource = "kms.amazonaws.com" && ($.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion") }'

Each remediation renders as an ``aws logs put-metric-filter`` command, a Terraform
``aws_cloudwatch_log_metric_filter`` and a CloudFormation ``AWS::Logs::MetricFilter``
(:attr:`Remediation.cli`, :attr:`~Remediation.terraform`,
:attr:`~Remediation.cloudformation`), with the filter's log group, filter and metric names
when they are known (:class:`FilterTarget`), and every string escaped for its language.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from . import ast
from .analysis.results import CaseResult
from .errors import CWPatternError
from .printer import json_expr_text, unparse

__all__ = [
    "FilterTarget",
    "Remediation",
    "RemediationError",
    "remediate",
    "render_cli",
    "render_cloudformation",
    "render_terraform",
]

#: How many edit steps the search tries before adding the missed cases as branches.
MAX_STEPS = 64
#: AWS's limit on a filter pattern's length (code points).
MAX_PATTERN_LENGTH = 1024
#: Shell variable, Terraform variable and CloudFormation parameter used when the log group
#: is not known.
LOG_GROUP_VARIABLE = "CLOUDTRAIL_LOG_GROUP"
TERRAFORM_LOG_GROUP = "var.cloudtrail_log_group_name"
CLOUDFORMATION_LOG_GROUP = "CloudTrailLogGroupName"
DEFAULT_NAMESPACE = "CISBenchmark"

Kind = Literal["fix", "narrow"]
Strategy = Literal["edit", "add-branches", "reference"]


class RemediationError(CWPatternError):
    """No verified remediation exists (the control's own reference does not verify)."""


@dataclass(frozen=True)
class FilterTarget:
    """Where the fixed filter goes: the names of the user's filter when known.

    ``None`` fields get defaults derived from the control (filter name = control id,
    metric name from its topic, namespace ``CISBenchmark``); an unknown log group is a
    variable (``"$CLOUDTRAIL_LOG_GROUP"``, ``var.cloudtrail_log_group_name``, a
    ``CloudTrailLogGroupName`` parameter).
    """

    log_group: str | None = None
    filter_name: str | None = None
    metric_name: str | None = None
    metric_namespace: str | None = None
    metric_value: str = "1"


@dataclass(frozen=True)
class Remediation:
    """A verified fix (or narrowing suggestion) for one filter against one control.

    Attributes:
        control: the control id.
        kind: ``"fix"`` (the original does not cover) or ``"narrow"`` (it covers but is
            over-broad; the pattern is a suggestion).
        strategy: ``"edit"`` (the user's pattern, edited), ``"add-branches"`` (the user's
            pattern with the missed cases added as ``||`` branches) or ``"reference"``
            (the control's reference pattern).
        original: the user's pattern text (``None`` for a new filter).
        pattern: the proposed pattern, canonical text; it parses and covers the control.
        keeps / drops: the user's conditions that stay / go (canonical text).
        adds: the conditions the fix adds.
        narrowing: for a fix that is itself over-broad, a narrower pattern that still
            covers the control, as a suggestion (else ``None``).
        target: the names used in the snippets.
    """

    control: str
    kind: Kind
    strategy: Strategy
    original: str | None
    pattern: str
    keeps: tuple[str, ...] = ()
    drops: tuple[str, ...] = ()
    adds: tuple[str, ...] = ()
    narrowing: str | None = None
    target: FilterTarget = field(default_factory=FilterTarget)
    topic: str = ""

    def _target(self) -> FilterTarget:
        return _defaults(self.target, self.control, self.topic)

    @property
    def cli(self) -> str:
        """A ready ``aws logs put-metric-filter`` command (shell-quoted)."""
        return render_cli(self.pattern, self._target())

    @property
    def terraform(self) -> str:
        """A Terraform ``aws_cloudwatch_log_metric_filter`` resource."""
        return render_terraform(self.pattern, self._target())

    @property
    def cloudformation(self) -> str:
        """A CloudFormation template (YAML) with one ``AWS::Logs::MetricFilter``."""
        return render_cloudformation(self.pattern, self._target())

    def to_dict(self) -> dict[str, object]:
        """The ``remediation`` object of the CLI's JSON output."""
        target = self._target()
        return {
            "control": self.control,
            "kind": self.kind,
            "strategy": self.strategy,
            "original": self.original,
            "pattern": self.pattern,
            "keeps": list(self.keeps),
            "drops": list(self.drops),
            "adds": list(self.adds),
            "narrowing": self.narrowing,
            "target": {
                "log_group": target.log_group,
                "filter_name": target.filter_name,
                "metric_name": target.metric_name,
                "metric_namespace": target.metric_namespace,
                "metric_value": target.metric_value,
            },
            "cli": self.cli,
            "terraform": self.terraform,
            "cloudformation": self.cloudformation,
        }


# --- the search -------------------------------------------------------------------------------


def remediate(
    pattern: str | None,
    control: str,
    *,
    target: FilterTarget | None = None,
) -> Remediation | None:
    """The remediation of ``pattern`` for ``control``, or ``None`` when it covers the
    control and is not over-broad.

    Args:
        pattern: the user's filter pattern (an invalid one gets the reference pattern;
            ``None`` asks for a new filter).
        control: a catalog control id (``cis-aws-3.0.0-4.7``, ``CloudWatch.7``).
        target: the filter's names, used in the CLI / Terraform / CloudFormation snippets.

    Every proposed pattern has been parsed and proved to cover the control.

    >>> r = remediate('{ $.eventName = "CreateTrail" || $.eventName = "UpdateTrail" }',
    ...               "cis-aws-3.0.0-4.5")
    >>> r.strategy, r.keeps, len(r.adds)
    ('edit', ('$.eventName = "CreateTrail"', '$.eventName = "UpdateTrail"'), 3)
    >>> remediate(None, "cis-aws-3.0.0-4.7").strategy
    'reference'
    """
    from . import controls
    from .pattern import compile

    ctrl = controls.get(control)
    reference = ctrl.effective_pattern
    target = target or FilterTarget()
    base = Remediation(ctrl.id, "fix", "reference", pattern, "", target=target, topic=ctrl.topic)
    tree: ast.Pattern | None = None
    if pattern is not None:
        try:
            tree = compile(pattern).ast
        except CWPatternError:
            tree = None
    if tree is None:
        return _with_reference(base, reference, tree)
    coverage = _covers(tree, reference)
    if coverage.verdict == "yes":
        return _narrowing(base, tree, reference)
    edited = _search(tree, reference)
    if edited is not None:
        fix = _finish(base, edited, reference)
        if fix is not None:
            return fix
    return _with_reference(base, reference, tree)


@dataclass
class _Edit:
    """The search state: the edited tree and what was dropped or added so far."""

    tree: ast.Pattern
    drops: list[ast.JsonExpr | ast.Term] = field(default_factory=list)
    adds: list[ast.JsonExpr] = field(default_factory=list)
    branches: bool = False


def _covers(tree: ast.Pattern | Sequence[ast.Pattern | str], reference: str | ast.Pattern) -> _Cov:
    from .analyzer import covers

    try:
        cov = covers(tree, reference)
    except CWPatternError:  # e.g. an edited pattern over AWS's 1024-character limit
        return _Cov("unknown", (), ())
    return _Cov(cov.verdict, tuple(c.covered is True for c in cov.cases), cov.cases)


@dataclass(frozen=True)
class _Cov:
    verdict: str
    covered: tuple[bool, ...]
    cases: tuple[CaseResult, ...]

    @property
    def score(self) -> int:
        return sum(self.covered)


def _search(tree: ast.Pattern, reference: str) -> _Edit | None:
    """Greedy safe edits, then the missed cases as branches."""
    from .pattern import compile

    ref_tree = compile(reference).ast
    if not isinstance(ref_tree, ast.JsonPattern):
        return None
    state = _Edit(tree)
    current = _covers(tree, reference)
    for _ in range(MAX_STEPS):
        if current.verdict == "yes":
            return state
        missed = [
            _case_expr(case.case) for case, ok in zip(current.cases, current.covered) if not ok
        ]
        best: tuple[tuple[int, int], _Edit, _Cov] | None = None
        for candidate in _candidates(state, [m for m in missed if m is not None]):
            if len(_text(candidate.tree)) > MAX_PATTERN_LENGTH:
                continue
            cov = _covers(candidate.tree, reference)
            if cov.score <= current.score:
                continue
            if _covers([tree, ref_tree], candidate.tree).verdict != "yes":
                continue  # not safe: it would match events neither pattern matches
            # more cases first; at a tie, keep the user's conditions (widen before drop)
            rank = (cov.score, -len(candidate.drops))
            if best is None or rank > best[0]:
                best = (rank, candidate, cov)
        if best is None:
            break
        state, current = best[1], best[2]
    if current.verdict == "yes":
        return state
    if not isinstance(state.tree, ast.JsonPattern):
        return None
    missed_exprs = [
        _case_expr(case.case) for case, ok in zip(current.cases, current.covered) if not ok
    ]
    if any(m is None for m in missed_exprs):
        return None
    extra = [m for m in missed_exprs if m is not None]
    return _Edit(
        ast.JsonPattern(_or([state.tree.expr, *extra])),
        state.drops,
        state.adds + extra,
        branches=True,
    )


def _case_expr(text: str) -> ast.JsonExpr | None:
    from .pattern import compile

    try:
        tree = compile("{ " + text + " }").ast
    except CWPatternError:
        return None
    return tree.expr if isinstance(tree, ast.JsonPattern) else None


def _candidates(state: _Edit, missed: list[ast.JsonExpr]) -> Iterator[_Edit]:
    tree = state.tree
    if isinstance(tree, ast.TermPattern):
        for i, term in enumerate(tree.terms):
            rest = tree.terms[:i] + tree.terms[i + 1 :]
            if rest:
                yield _Edit(ast.TermPattern(rest), [*state.drops, term], state.adds)
        return
    if not isinstance(tree, ast.JsonPattern):
        return
    for path, node, parent in _nodes(tree.expr):
        if isinstance(parent, ast.And):
            new = _replace(tree.expr, path, None)
            if new is not None:
                yield _Edit(ast.JsonPattern(new), [*state.drops, node], state.adds)
        if parent is None or isinstance(parent, ast.And):
            selector = _single_selector(node)
            if selector is None:
                continue
            additions: list[ast.JsonExpr] = []
            for case in missed:
                on_selector = [c for c in ast.conditions(case) if c.selector == selector]
                if not on_selector:
                    continue
                addition = _and(on_selector)
                if addition not in additions and addition != node:
                    additions.append(addition)
            options = [[a] for a in additions]
            if len(additions) > 1:
                options.append(additions)
            for extra in options:
                widened = _or([node, *extra])
                new = _replace(tree.expr, path, widened)
                if new is not None:
                    yield _Edit(ast.JsonPattern(new), state.drops, [*state.adds, *extra])


def _nodes(
    expr: ast.JsonExpr, path: tuple[int, ...] = (), parent: ast.JsonExpr | None = None
) -> Iterator[tuple[tuple[int, ...], ast.JsonExpr, ast.JsonExpr | None]]:
    yield path, expr, parent
    if isinstance(expr, (ast.And, ast.Or)):
        for i, operand in enumerate(expr.operands):
            yield from _nodes(operand, (*path, i), expr)


def _replace(
    expr: ast.JsonExpr, path: tuple[int, ...], new: ast.JsonExpr | None
) -> ast.JsonExpr | None:
    """``expr`` with the node at ``path`` replaced (``None``: removed)."""
    if not path:
        return new
    assert isinstance(expr, (ast.And, ast.Or))
    head, rest = path[0], path[1:]
    child = _replace(expr.operands[head], rest, new)
    operands = list(expr.operands)
    if child is None:
        del operands[head]
    else:
        operands[head] = child
    if not operands:
        return None
    return _and(operands) if isinstance(expr, ast.And) else _or(operands)


def _flat(kind: type[ast.And | ast.Or], operands: Sequence[ast.JsonExpr]) -> list[ast.JsonExpr]:
    out: list[ast.JsonExpr] = []
    for op in operands:
        items = op.operands if isinstance(op, kind) and isinstance(op, (ast.And, ast.Or)) else (op,)
        for item in items:
            if item not in out:
                out.append(item)
    return out


def _and(operands: Sequence[ast.JsonExpr]) -> ast.JsonExpr:
    flat = _flat(ast.And, operands)
    return flat[0] if len(flat) == 1 else ast.And(tuple(flat))


def _or(operands: Sequence[ast.JsonExpr]) -> ast.JsonExpr:
    flat = _flat(ast.Or, operands)
    return flat[0] if len(flat) == 1 else ast.Or(tuple(flat))


def _conjuncts(expr: ast.JsonExpr) -> tuple[ast.JsonExpr, ...]:
    return expr.operands if isinstance(expr, ast.And) else (expr,)


def _single_selector(node: ast.JsonExpr) -> ast.Selector | None:
    """The selector of a condition, or of an ``||`` of conditions on one selector."""
    conds = list(ast.conditions(node))
    if isinstance(node, ast.And) or not conds:
        return None
    first = conds[0].selector
    if any(c.selector != first for c in conds) or first.has_wildcard:
        return None
    return first


# --- verification and the fallbacks ---------------------------------------------------------


def _text(tree: ast.Pattern) -> str:
    return unparse(tree)


def _verified(text: str, reference: str) -> bool:
    """The text parses (the 1024-character limit included) and covers the reference."""
    from .pattern import compile

    try:
        tree = compile(text).ast
    except CWPatternError:
        return False
    return _covers(tree, reference).verdict == "yes"


def _cond_texts(tree: ast.Pattern | None) -> list[str]:
    if isinstance(tree, ast.JsonPattern):
        return [json_expr_text(c) for c in ast.conditions(tree.expr)]
    if isinstance(tree, ast.TermPattern):
        return [unparse(ast.TermPattern((t,))) for t in tree.terms]
    return []


def _node_text(node: ast.JsonExpr | ast.Term) -> list[str]:
    if isinstance(node, ast.Term):
        return [unparse(ast.TermPattern((node,)))]
    return [json_expr_text(c) for c in ast.conditions(node)]


def _equivalent(a: ast.Pattern, b: ast.Pattern) -> bool:
    from .analyzer import equivalent

    try:
        return equivalent(a, b) is True
    except CWPatternError:
        return False


def _prune(
    tree: ast.Pattern, removable: Callable[[ast.JsonExpr, ast.JsonExpr, ast.JsonExpr], bool]
) -> ast.Pattern:
    """Remove, one at a time, the operands ``removable(node, parent)`` allows whose removal
    leaves the pattern equivalent (proved by the analyzer)."""
    if not isinstance(tree, ast.JsonPattern):
        return tree
    changed = True
    while changed:
        changed = False
        for path, node, parent in _nodes(tree.expr):
            if parent is None or not removable(node, parent, tree.expr):
                continue
            new = _replace(tree.expr, path, None)
            if new is None:
                continue
            candidate = ast.JsonPattern(new)
            if _equivalent(candidate, tree):
                tree, changed = candidate, True
                break
    return tree


def _finish(base: Remediation, edit: _Edit, reference: str) -> Remediation | None:
    added = list(edit.adds)

    def subsumed(node: ast.JsonExpr, parent: ast.JsonExpr, root: ast.JsonExpr) -> bool:
        # an || branch next to one the fix added may have become redundant
        return isinstance(parent, ast.Or) and any(op in added for op in parent.operands)

    pruned = _prune(edit.tree, subsumed)
    if pruned != edit.tree and isinstance(pruned, ast.JsonPattern):
        kept = list(ast.conditions(pruned.expr))
        gone = [
            c
            for c in ast.conditions(edit.tree.expr)  # type: ignore[union-attr]
            if c not in kept and c not in added and c not in edit.drops
        ]
        edit = _Edit(
            pruned,
            [*edit.drops, *gone],
            [a for a in added if any(c in kept for c in ast.conditions(a))],
            edit.branches,
        )
    text = _text(edit.tree)
    if not _verified(text, reference):
        return None
    dropped = [t for node in edit.drops for t in _node_text(node)]
    keeps = _cond_texts(_tree_of(base.original))
    for t in dropped:
        if t in keeps:
            keeps.remove(t)
    adds = []
    for node in edit.adds:
        for t in _node_text(node):
            if t not in adds:
                adds.append(t)
    strategy: Strategy = "add-branches" if edit.branches else "edit"
    fix = Remediation(
        base.control,
        "fix",
        strategy,
        base.original,
        text,
        tuple(keeps),
        tuple(dropped),
        tuple(adds),
        target=base.target,
        topic=base.topic,
    )
    return _with_narrowing(fix, edit.tree, reference)


def _tree_of(pattern: str | None) -> ast.Pattern | None:
    from .pattern import compile

    if pattern is None:
        return None
    try:
        return compile(pattern).ast
    except CWPatternError:
        return None


def _with_reference(base: Remediation, reference: str, tree: ast.Pattern | None) -> Remediation:
    from .pattern import compile

    canonical = _text(compile(reference).ast)
    for text in (canonical, reference):
        if _verified(text, reference):
            return Remediation(
                base.control,
                "fix",
                "reference",
                base.original,
                text,
                (),
                tuple(_cond_texts(tree)),
                tuple(_cond_texts(compile(text).ast)),
                target=base.target,
                topic=base.topic,
            )
    raise RemediationError(f"the reference pattern of {base.control} does not verify")


def _over_broad(tree: ast.Pattern, reference: str) -> bool:
    from .analyzer import warnings

    try:
        return any(w.code == "over-broad" for w in warnings(tree, reference=reference))
    except CWPatternError:
        return False


def _narrowed(tree: ast.Pattern, reference: str) -> str | None:
    """``pattern && reference`` (shared conjuncts once), when it verifies and is not
    over-broad itself; else the reference."""
    from .pattern import compile

    ref_tree = compile(reference).ast
    if not isinstance(tree, ast.JsonPattern) or not isinstance(ref_tree, ast.JsonPattern):
        return None
    both = ast.JsonPattern(_and([*_conjuncts(tree.expr), *_conjuncts(ref_tree.expr)]))
    # the conjunction is the reference's events: drop the conjuncts that do not change it
    narrowed = _prune(both, lambda node, parent, root: parent is root)
    text = _text(narrowed)
    if _verified(text, reference) and not _over_broad(narrowed, reference):
        return text
    return None


def _narrowing(base: Remediation, tree: ast.Pattern, reference: str) -> Remediation | None:
    if not _over_broad(tree, reference):
        return None
    text = _narrowed(tree, reference)
    from .pattern import compile

    if text is None:
        text = _text(compile(reference).ast)
        if not _verified(text, reference):
            return None
        strategy: Strategy = "reference"
        keeps: tuple[str, ...] = ()
        drops = tuple(_cond_texts(tree))
    else:
        strategy = "edit"
        present = _cond_texts(compile(text).ast)
        keeps = tuple(t for t in _cond_texts(tree) if t in present)
        drops = tuple(t for t in _cond_texts(tree) if t not in present)
    new = _cond_texts(compile(text).ast)
    adds = tuple(t for t in dict.fromkeys(new) if t not in keeps)
    return Remediation(
        base.control,
        "narrow",
        strategy,
        base.original,
        text,
        keeps,
        drops,
        adds,
        target=base.target,
        topic=base.topic,
    )


def _with_narrowing(fix: Remediation, tree: ast.Pattern, reference: str) -> Remediation:
    if not _over_broad(tree, reference):
        return fix
    narrowed = _narrowed(tree, reference)
    if narrowed is None:
        return fix
    return Remediation(
        fix.control,
        fix.kind,
        fix.strategy,
        fix.original,
        fix.pattern,
        fix.keeps,
        fix.drops,
        fix.adds,
        narrowed,
        fix.target,
        fix.topic,
    )


# --- rendering --------------------------------------------------------------------------------


def _defaults(target: FilterTarget, control: str, topic: str) -> FilterTarget:
    words = re.split(r"[^A-Za-z0-9]+", topic or control)
    metric = "".join(w[:1].upper() + w[1:] for w in words if w) or "CisControl"
    return FilterTarget(
        log_group=target.log_group,
        filter_name=target.filter_name or control,
        metric_name=target.metric_name or metric,
        metric_namespace=target.metric_namespace or DEFAULT_NAMESPACE,
        metric_value=target.metric_value,
    )


def _names(target: FilterTarget) -> tuple[str, str, str]:
    return (
        target.filter_name or "cwpattern-filter",
        target.metric_name or "CisControl",
        target.metric_namespace or DEFAULT_NAMESPACE,
    )


def render_cli(pattern: str, target: FilterTarget) -> str:
    """``aws logs put-metric-filter`` with every argument shell-quoted (POSIX shells).

    >>> print(render_cli("{ $.a = \\"it's\\" }", FilterTarget("trail", "f", "M", "NS")))
    aws logs put-metric-filter \\
      --log-group-name trail \\
      --filter-name f \\
      --filter-pattern '{ $.a = "it'"'"'s" }' \\
      --metric-transformations '[{"metricName":"M","metricNamespace":"NS","metricValue":"1"}]'
    """
    name, metric, namespace = _names(target)
    group = (
        shlex.quote(target.log_group)
        if target.log_group is not None
        else f'"${LOG_GROUP_VARIABLE}"'
    )
    transformations = json.dumps(
        [{"metricName": metric, "metricNamespace": namespace, "metricValue": target.metric_value}],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    lines = [
        "aws logs put-metric-filter",
        f"--log-group-name {group}",
        f"--filter-name {shlex.quote(name)}",
        f"--filter-pattern {shlex.quote(pattern)}",
        f"--metric-transformations {shlex.quote(transformations)}",
    ]
    return " \\\n  ".join(lines)


def hcl_string(text: str) -> str:
    """A quoted HCL string literal whose value is ``text`` (no interpolation).

    >>> print(hcl_string('a "b" ${c} %{d} \\\\'))
    "a \\"b\\" $${c} %%{d} \\\\"
    """
    out = []
    for i, ch in enumerate(text):
        nxt = text[i + 1 : i + 2]
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch in "$%" and nxt == "{":
            out.append(ch + ch)
        elif not ch.isprintable():
            code = ord(ch)
            out.append(f"\\u{code:04X}" if code < 0x10000 else f"\\U{code:08X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _label(name: str) -> str:
    label = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "filter"
    return label if label[0].isalpha() or label[0] == "_" else "f_" + label


def render_terraform(pattern: str, target: FilterTarget) -> str:
    """An ``aws_cloudwatch_log_metric_filter`` resource (HCL, strings escaped)."""
    name, metric, namespace = _names(target)
    group = hcl_string(target.log_group) if target.log_group is not None else TERRAFORM_LOG_GROUP
    return "\n".join(
        [
            f'resource "aws_cloudwatch_log_metric_filter" "{_label(name)}" {{',
            f"  name           = {hcl_string(name)}",
            f"  log_group_name = {group}",
            f"  pattern        = {hcl_string(pattern)}",
            "",
            "  metric_transformation {",
            f"    name      = {hcl_string(metric)}",
            f"    namespace = {hcl_string(namespace)}",
            f"    value     = {hcl_string(target.metric_value)}",
            "  }",
            "}",
        ]
    )


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar whose value is ``text`` (only printable ASCII is
    written as is).

    >>> print(yaml_string('{ $.a = "x" } é'))
    "{ $.a = \\"x\\" } \\u00E9"
    """
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code:04X}" if code < 0x10000 else f"\\U{code:08X}")
    return '"' + "".join(out) + '"'


def _logical_id(name: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", name)
    ident = "".join(w[:1].upper() + w[1:] for w in words if w) or "Filter"
    if not ident[0].isalpha():
        ident = "Filter" + ident
    return ident + "MetricFilter"


def render_cloudformation(
    pattern: str, target: FilterTarget, *, fmt: Literal["yaml", "json"] = "yaml"
) -> str:
    """A CloudFormation template with one ``AWS::Logs::MetricFilter`` (YAML or JSON);
    an unknown log group becomes a ``CloudTrailLogGroupName`` parameter."""
    name, metric, namespace = _names(target)
    group: object = (
        target.log_group if target.log_group is not None else {"Ref": CLOUDFORMATION_LOG_GROUP}
    )
    properties = {
        "LogGroupName": group,
        "FilterName": name,
        "FilterPattern": pattern,
        "MetricTransformations": [
            {"MetricName": metric, "MetricNamespace": namespace, "MetricValue": target.metric_value}
        ],
    }
    logical = _logical_id(name)
    if fmt == "json":
        doc: dict[str, object] = {}
        if target.log_group is None:
            doc["Parameters"] = {CLOUDFORMATION_LOG_GROUP: {"Type": "String"}}
        doc["Resources"] = {logical: {"Type": "AWS::Logs::MetricFilter", "Properties": properties}}
        return json.dumps(doc, indent=2, ensure_ascii=False)
    lines = []
    if target.log_group is None:
        lines += ["Parameters:", f"  {CLOUDFORMATION_LOG_GROUP}:", "    Type: String"]
    group_text = (
        yaml_string(target.log_group)
        if target.log_group is not None
        else f"!Ref {CLOUDFORMATION_LOG_GROUP}"
    )
    lines += [
        "Resources:",
        f"  {logical}:",
        "    Type: AWS::Logs::MetricFilter",
        "    Properties:",
        f"      LogGroupName: {group_text}",
        f"      FilterName: {yaml_string(name)}",
        f"      FilterPattern: {yaml_string(pattern)}",
        "      MetricTransformations:",
        f"        - MetricName: {yaml_string(metric)}",
        f"          MetricNamespace: {yaml_string(namespace)}",
        f"          MetricValue: {yaml_string(target.metric_value)}",
    ]
    return "\n".join(lines)
