"""What a pattern really means, and whether it covers a control: the data behind
``cwpattern explain``.

:func:`explain` returns a plain ``dict`` (the ``--format json`` document, schema in
``docs/cli.md``); :func:`render_text` turns it into the few lines a security engineer
reads.  The expression tree makes the real grouping visible: ``&&`` binds tighter than
``||``, so ``a || b && c`` is ``a || (b && c)``.

>>> report = explain('{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }',
...                  control="cis-aws-3.0.0-4.7")
>>> report["covers"], [c["covered"] for c in report["cases"]]
(False, [True, False])
"""

from __future__ import annotations

import json
from typing import Any

from . import ast
from .errors import PatternSyntaxError
from .printer import json_expr_text, selector_text, unparse, value_text
from .remediation import remediate
from .reporting import Case, Finding, Level, Rule

__all__ = ["ci_results", "explain", "render_text", "tree_lines"]


def explain(
    pattern: str, *, control: str | None = None, any_json_spelling: bool = False
) -> dict[str, Any]:
    """The explanation of ``pattern`` (and its coverage of ``control``) as plain data.
    ``any_json_spelling``: judge every RFC 8259 spelling of the records
    (:func:`cwpattern.analyzer.covers`).

    An invalid pattern gives ``{"valid": False, "error": {...}}`` rather than raising.
    """
    from .pattern import compile

    try:
        compiled = compile(pattern)
    except PatternSyntaxError as err:
        invalid: dict[str, Any] = {
            "valid": False,
            "pattern": pattern,
            "error": err.to_dict(),
            "error_text": str(err),
            "covers": False if control else None,
            "cases": [],
        }
        if control is not None:  # the fix of an invalid pattern: the control's reference
            fix = remediate(pattern, control)
            invalid["remediation"] = None if fix is None else fix.to_dict()
        return invalid
    tree = compiled.ast
    report: dict[str, Any] = {
        "valid": True,
        "pattern": pattern,
        "canonical": unparse(tree),
        "family": compiled.family,
        "grouping": _grouping(tree),
        "tree": tree_lines(tree),
    }
    from .analyzer import relation, warnings

    if control is None:
        report["warnings"] = [w.to_dict() for w in warnings(compiled)]
        return report
    from . import controls
    from .analyzer import covers

    ctrl = controls.get(control)
    reference = ctrl.effective_pattern
    coverage = covers(tree, reference, any_json_spelling=any_json_spelling)
    rel = relation(tree, reference, any_json_spelling=any_json_spelling)
    report.update(
        {
            "control": {
                "id": ctrl.id,
                "title": ctrl.title,
                "reference": reference,
                "reference_canonical": unparse(compile(reference).ast),
            },
            "covers": coverage.verdict == "yes",
            "verdict": coverage.verdict,
            "reason": coverage.reason,
            "relation": rel.kind,
            "relation_reason": rel.reason,
            "example": rel.example,
            "cases": [c.to_dict() for c in coverage.cases],
            "warnings": [w.to_dict() for w in warnings(compiled, reference=reference)],
            "assumptions": list(coverage.assumptions),
        }
    )
    fix = remediate(pattern, ctrl.id)
    report["remediation"] = None if fix is None else fix.to_dict()
    return report


def _grouping(tree: ast.Pattern) -> str:
    if isinstance(tree, ast.JsonPattern):
        return "{ " + json_expr_text(tree.expr, explicit=True) + " }"
    return unparse(tree)


def tree_lines(tree: ast.Pattern) -> list[str]:
    """The pattern as an indented tree, one node per line."""
    if isinstance(tree, ast.MatchAll):
        return ["match every event"]
    if isinstance(tree, ast.JsonPattern):
        return _json_tree(tree.expr, "", True, root=True)
    if isinstance(tree, ast.TermPattern):
        return _term_lines(tree)
    if isinstance(tree, ast.RegexPattern):
        return [f"regex search anywhere in the message: {unparse(tree)}"]
    return _delimited_lines(tree)


def _json_tree(expr: ast.JsonExpr, prefix: str, last: bool, root: bool = False) -> list[str]:
    branch = "" if root else ("└── " if last else "├── ")
    if isinstance(expr, (ast.And, ast.Or)):
        label = "ALL of (&&)" if isinstance(expr, ast.And) else "ANY of (||)"
        lines = [prefix + branch + label]
        child_prefix = prefix + ("" if root else ("    " if last else "│   "))
        for i, operand in enumerate(expr.operands):
            lines.extend(_json_tree(operand, child_prefix, i == len(expr.operands) - 1))
        return lines
    return [prefix + branch + _condition_text(expr)]


def _condition_text(cond: ast.Comparison | ast.Predicate) -> str:
    sel = selector_text(cond.selector)
    if isinstance(cond, ast.Predicate):
        return f"{sel} {cond.kind.value}"
    return f"{sel} {cond.op.value} {value_text(cond.value)}"


def _term_lines(tree: ast.TermPattern) -> list[str]:
    kinds = {k: [t for t in tree.terms if t.kind is k] for k in ast.TermKind}
    lines = []
    required, excluded = kinds[ast.TermKind.REQUIRED], kinds[ast.TermKind.EXCLUDED]
    for term in required:
        lines.append(f"message contains {json.dumps(term.text)} (case-sensitive substring)")
    for term in excluded:
        lines.append(f"message does not contain {json.dumps(term.text)}")
    optional = kinds[ast.TermKind.OPTIONAL]
    if optional and (required or excluded):
        lines.append(
            "?-terms ignored (required or excluded terms exist): "
            + ", ".join(json.dumps(t.text) for t in optional)
        )
    elif optional:
        lines.append("message contains ANY of: " + ", ".join(json.dumps(t.text) for t in optional))
    return lines


def _delimited_lines(tree: ast.DelimitedPattern) -> list[str]:
    if not tree.entries:
        return ["every message; every field extracted as $1, $2, ..."]
    lines = []
    p = tree.ellipsis_index
    for i, entry in enumerate(tree.entries):
        if isinstance(entry, ast.EllipsisEntry):
            lines.append("...: any number of fields")
            continue
        where = (
            f"field {i + 1}"
            if p is None or i < p
            else f"field {len(tree.entries) - i} from the end"
        )
        if p is None and i == len(tree.entries) - 1:
            where += " (absorbs the rest of the line)"
        name = f"${entry.name}" if entry.name else "(anonymous)"
        cond = ""
        if entry.condition is not None:
            cond = ": " + unparse(ast.DelimitedPattern((entry,)))[1:-1]
        lines.append(f"{where} {name}{cond}")
    return lines


def render_text(report: dict[str, Any]) -> str:
    """Human-readable text of an :func:`explain` report."""
    if not report["valid"]:
        return f"invalid pattern: {report['error']['code']}\n{report['error_text']}"
    out = [f"pattern:   {report['canonical']}", f"family:    {report['family']}"]
    if report["family"] == "json" and report["grouping"] != report["canonical"]:
        out.append(f"grouping:  {report['grouping']}")
    out.append("meaning:")
    out.extend("  " + line for line in report["tree"])
    if "control" in report:
        ctrl = report["control"]
        out.append(f"control:   {ctrl['id']}: {ctrl['title']}")
        out.append(f"reference: {ctrl['reference_canonical']}")
        verdict = {"yes": "YES", "no": "NO", "unknown": "UNKNOWN"}[report["verdict"]]
        missed = sum(1 for c in report["cases"] if c["covered"] is not True)
        detail = (
            ""
            if report["verdict"] == "yes"
            else (
                f" ({missed} of {len(report['cases'])} required case(s) not covered)"
                if report["verdict"] == "no"
                else f" ({report['reason']})"
            )
        )
        out.append(f"covers:    {verdict}{detail}")
        out.extend(f"assumes:   {a}" for a in report.get("assumptions", ()))
        relation = report["relation"]
        out.append(
            f"relation:  {relation}"
            + (f" ({report['relation_reason']})" if relation in ("unknown", "never") else "")
        )
        out.append("required cases:")
        for case in report["cases"]:
            mark = {True: "covered", False: "MISSED ", None: "unknown"}[case["covered"]]
            out.append(f"  [{mark}] {case['case']}")
            if case["covered"] is not True and case.get("reason"):
                out.append(f"            why: {case['reason']}")
            if case.get("counterexample"):
                out.append(f"            counterexample: {case['counterexample']}")
        if report.get("example") and report["relation"] in ("broader", "overlap", "disjoint"):
            out.append(f"also matches (not required): {report['example']}")
    if report.get("warnings"):
        out.append("warnings:")
        out.extend(f"  - [{w['code']}] {w['message']}" for w in report["warnings"])
    out.extend(_fix_lines(report.get("remediation")))
    return "\n".join(out)


def _fix_lines(fix: dict[str, Any] | None) -> list[str]:
    if not fix:
        return []
    label = "fix" if fix["kind"] == "fix" else "suggestion (over-broad)"
    how = {"edit": "your pattern, edited", "add-branches": "your pattern, with branches added"}
    lines = [f"{label}:     {how.get(fix['strategy'], 'the reference pattern')}"]
    lines.append(f"  pattern: {fix['pattern']}")
    if fix["drops"]:
        lines.append(f"  drops:   {'; '.join(fix['drops'])}")
    if fix.get("narrowing"):
        lines.append(f"  narrower (suggestion): {fix['narrowing']}")
    lines.append("  " + fix["cli"].replace("\n", "\n  "))
    return lines


def ci_results(report: dict[str, Any]) -> tuple[list[Rule], list[Finding], list[Case]]:
    """The report as SARIF rules, findings (GitHub annotations too) and JUnit cases:
    an invalid pattern is an error, a control not covered an error, an undecided one a
    warning, an over-broad fix suggestion a note; each lint warning is a warning."""
    rules: list[Rule] = []
    findings: list[Finding] = []
    cases: list[Case] = []
    fix = report.get("remediation")
    props: dict[str, object] = {"pattern": report["pattern"]}
    if fix:
        props["remediation"] = fix
    if not report["valid"]:
        err = report["error"]
        rules.append(Rule("syntax-error", "Invalid filter pattern"))
        message = f"syntax-error [{err['code']}]: {err['message']}"
        findings.append(Finding("syntax-error", "error", message, properties=props))
        cases.append(Case("pattern", "fail", message, report["error_text"]))
        return rules, findings, cases
    control = report.get("control")
    if control is None:
        cases.append(Case("pattern", "pass"))  # valid; its warnings are findings below
    else:
        rules.append(Rule(control["id"], control["title"], control["reference"]))
        verdict = report["verdict"]
        if verdict != "yes":
            missed = [c["case"] for c in report["cases"] if c["covered"] is not True]
            message = f"{control['id']}: the pattern does not cover the control"
            if verdict == "unknown":
                message = f"{control['id']}: cannot decide ({report['reason']})"
            elif missed:
                message += ": misses " + "; ".join(missed)
            if fix:
                message += f"; fix: {fix['pattern']}"
            level: Level = "error" if verdict == "no" else "warning"
            findings.append(Finding(control["id"], level, message, properties=props))
            cases.append(Case(control["id"], "fail" if verdict == "no" else "error", message))
        else:
            cases.append(Case(control["id"], "pass"))
            if fix:
                message = f"{control['id']}: over-broad; narrower: {fix['pattern']}"
                findings.append(Finding(control["id"], "note", message, properties=props))
    for w in report.get("warnings", []):
        if not any(r.id == w["code"] for r in rules):
            rules.append(Rule(w["code"], f"cwpattern warning {w['code']}"))
        findings.append(Finding(w["code"], "warning", w["message"]))
    return rules, findings, cases
