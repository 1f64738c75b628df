"""cwpattern.remediation: every proposed pattern parses and covers its control (re-checked
here with the public analyzer), edits are safe (match nothing beyond the original pattern
and the reference), and the CLI / Terraform / CloudFormation snippets carry the pattern
exactly, whatever characters it holds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

import cwpattern
from cwpattern import analyzer, controls
from cwpattern.remediation import (
    FilterTarget,
    Remediation,
    hcl_string,
    remediate,
    render_cli,
    render_cloudformation,
    render_terraform,
    yaml_string,
)

CIS3 = [c.id for c in controls.by_benchmark("cis-aws-3.0.0")]


def assert_verified(fix: Remediation, control: str) -> None:
    """The re-check every test applies to every remediation it sees."""
    reference = controls.get(control).effective_pattern
    cwpattern.compile(fix.pattern)  # parses (raises otherwise)
    assert analyzer.covers(fix.pattern, reference).verdict == "yes", fix.pattern
    if fix.narrowing is not None:
        assert analyzer.covers(fix.narrowing, reference).verdict == "yes"


def assert_safe(fix: Remediation, control: str) -> None:
    """An edit matches nothing that neither the original nor the reference matches."""
    reference = controls.get(control).effective_pattern
    assert fix.original is not None
    assert analyzer.covers([fix.original, reference], fix.pattern).verdict == "yes"


# --- the search -------------------------------------------------------------------------------


EXAMPLES = [
    # (pattern, control, strategy, drops, adds)
    (
        '{ $.eventSource = kms.amazonaws.com && $.eventName = "DisableKey" }',
        "cis-aws-3.0.0-4.7",
        "edit",
        (),
        ('$.eventName = "ScheduleKeyDeletion"',),
    ),
    (
        "{ $.eventSource = kms.amazonaws.com && ($.eventName = DisableKey || "
        '$.eventName = ScheduleKeyDeletion) && $.errorCode != "AccessDenied" }',
        "cis-aws-3.0.0-4.7",
        "edit",
        ('$.errorCode != "AccessDenied"',),
        (),
    ),
    (
        "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey && "
        '$.userIdentity.type = "IAMUser" }',
        "cis-aws-3.0.0-4.7",
        "edit",
        ('$.userIdentity.type = "IAMUser"',),
        ('$.eventName = "ScheduleKeyDeletion"',),
    ),
    (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && '
        '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") '
        '&& $.userIdentity.type != "AssumedRole" }',
        "cis-aws-3.0.0-4.1",
        "edit",
        ('$.userIdentity.type != "AssumedRole"',),
        (),
    ),
    (
        '{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed = "No" }',
        "cis-aws-3.0.0-4.2",
        "edit",
        ('$.additionalEventData.MFAUsed = "No"',),
        ('$.additionalEventData.MFAUsed != "Yes"',),
    ),
    (
        '{ $.errorCode = "*UnauthorizedOperation" }',
        "cis-aws-3.0.0-4.1",
        "add-branches",
        (),
        (
            '$.errorCode = "AccessDenied*"',
            '$.sourceIPAddress != "delivery.logs.amazonaws.com"',
            '$.eventName != "HeadBucket"',
        ),
    ),
    (
        '{ $.eventName = "DisableKey" }',
        "cis-aws-3.0.0-4.7",
        "add-branches",
        (),
        ('$.eventSource = "kms.amazonaws.com"', '$.eventName = "ScheduleKeyDeletion"'),
    ),
]


@pytest.mark.parametrize("pattern,control,strategy,drops,adds", EXAMPLES)
def test_smallest_fix(
    pattern: str, control: str, strategy: str, drops: tuple[str, ...], adds: tuple[str, ...]
) -> None:
    assert analyzer.covers(pattern, controls.get(control).effective_pattern).verdict == "no"
    fix = remediate(pattern, control)
    assert fix is not None and fix.kind == "fix"
    assert_verified(fix, control)
    assert_safe(fix, control)
    assert (fix.strategy, fix.drops, fix.adds) == (strategy, drops, adds)
    # every condition of the user's pattern is either kept or dropped
    tree = cwpattern.parse(pattern)
    assert isinstance(tree, cwpattern.ast.JsonPattern)
    mine = [cwpattern.printer.json_expr_text(c) for c in cwpattern.ast.conditions(tree.expr)]
    assert sorted(fix.keeps + fix.drops) == sorted(mine)


def test_keeps_the_users_own_conditions() -> None:
    fix = remediate(
        '{ $.eventSource = kms.amazonaws.com && $.eventName = "DisableKey" && '
        '$.awsRegion = "eu-west-1" }',
        "cis-aws-3.0.0-4.7",
    )
    # the region restriction blocks coverage (required events come from every region)
    assert fix is not None and fix.drops == ('$.awsRegion = "eu-west-1"',)
    assert fix.keeps == ('$.eventSource = "kms.amazonaws.com"', '$.eventName = "DisableKey"')


def _without_first_branch(tree: cwpattern.ast.Pattern) -> cwpattern.ast.Pattern:
    """The reference with the first operand of its first ``||`` removed."""
    A = cwpattern.ast

    def cut(expr: A.JsonExpr) -> A.JsonExpr:
        if isinstance(expr, A.Or):
            rest = expr.operands[1:]
            return rest[0] if len(rest) == 1 else A.Or(rest)
        if isinstance(expr, A.And):
            for i, op in enumerate(expr.operands):
                if isinstance(op, (A.And, A.Or)):
                    return A.And(expr.operands[:i] + (cut(op),) + expr.operands[i + 1 :])
        raise AssertionError("no || in the reference")

    assert isinstance(tree, A.JsonPattern)
    return A.JsonPattern(cut(tree.expr))


@pytest.mark.parametrize("control", CIS3)
def test_every_cis_3_control_missing_one_case(control: str) -> None:
    """Take the reference, remove one required event: the fix puts it back, safely."""
    reference = controls.get(control).effective_pattern
    cases = analyzer.covers(reference, reference).cases
    assert analyzer.covers(reference, reference).verdict == "yes"
    assert remediate(reference, control) is None  # nothing to fix
    if len(cases) < 2:
        pytest.skip("a single required case: nothing to remove")
    partial = cwpattern.printer.unparse(_without_first_branch(cwpattern.parse(reference)))
    assert analyzer.covers(partial, reference).verdict == "no"
    fix = remediate(partial, control)
    assert fix is not None
    assert_verified(fix, control)
    assert_safe(fix, control)
    assert fix.strategy in ("edit", "add-branches")


@pytest.mark.parametrize("control", CIS3)
def test_new_filter_is_the_reference(control: str) -> None:
    fix = remediate(None, control)
    assert fix is not None and fix.strategy == "reference" and fix.original is None
    assert_verified(fix, control)
    reference = controls.get(control).effective_pattern
    assert analyzer.equivalent(fix.pattern, reference) is True


@pytest.mark.parametrize(
    "pattern",
    ["{ $.a = ", '"kms.amazonaws.com" DisableKey', "[a, b = DisableKey]", "%DisableKey%"],
)
def test_invalid_or_other_family_falls_back_to_the_reference(pattern: str) -> None:
    fix = remediate(pattern, "cis-aws-3.0.0-4.7")
    assert fix is not None and fix.strategy == "reference" and fix.keeps == ()
    assert_verified(fix, "cis-aws-3.0.0-4.7")


def test_term_pattern_exclusion_is_dropped() -> None:
    # a term pattern is covered once the exclusion that blocks it goes
    fix = remediate('"kms.amazonaws.com" -"AccessDenied"', "cis-aws-3.0.0-4.7")
    assert fix is not None
    assert_verified(fix, "cis-aws-3.0.0-4.7")


def test_over_broad_gets_a_narrowing_suggestion() -> None:
    fix = remediate("{ $.eventSource = kms.amazonaws.com }", "cis-aws-3.0.0-4.7")
    assert fix is not None and fix.kind == "narrow"
    assert_verified(fix, "cis-aws-3.0.0-4.7")
    assert fix.keeps == ('$.eventSource = "kms.amazonaws.com"',)
    assert not [w for w in analyzer.warnings(fix.pattern) if w.code == "over-broad"]
    # a fix that is itself over-broad carries the narrowing too
    fix = remediate(
        '{ $.eventSource = kms.amazonaws.com && $.errorCode != "AccessDenied" }',
        "cis-aws-3.0.0-4.7",
    )
    assert fix is not None and fix.kind == "fix" and fix.narrowing is not None
    assert_verified(fix, "cis-aws-3.0.0-4.7")
    assert_safe(fix, "cis-aws-3.0.0-4.7")


def test_covering_pattern_needs_nothing() -> None:
    assert remediate('{ $.userIdentity.type = "Root" }', "cis-aws-3.0.0-4.3") is None


def test_fix_longer_than_aws_allows_falls_back() -> None:
    """AWS rejects patterns over 1024 characters: a fix must stay within the limit."""
    filler = " && ".join(f"$.x{i} NOT EXISTS" for i in range(40))
    pattern = (
        "{ $.eventSource = organizations.amazonaws.com && $.eventName = CreateAccount && "
        + filler
        + " }"
    )
    assert len(pattern) < 1024
    fix = remediate(pattern, "cis-aws-3.0.0-4.15")
    assert fix is not None
    assert len(fix.pattern) <= 1024
    assert_verified(fix, "cis-aws-3.0.0-4.15")


# --- rendering --------------------------------------------------------------------------------

HOSTILE = [
    '{ $.a = "it\'s" }',
    '{ $.a = "\'; rm -rf / #" }',
    '{ $.a = "$(touch /tmp/pwned) `id` ${HOME} %{x}" }',
    '{ $.a = "back\\\\slash \\"quote\\"" }',
    '{ $.a = "é ü 😀" }',
    '{ $.eventName = "DisableKey" }',
]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("pattern", HOSTILE)
def test_cli_is_shell_safe(pattern: str, tmp_path: object) -> None:
    cwpattern.compile(pattern)
    target = FilterTarget("trail group's", "f 'x'", "Metric $X", "NS")
    command = render_cli(pattern, target)
    script = 'aws() { printf "%s\\0" "$@"; }\n' + command + "\n"
    out = subprocess.run(
        ["bash", "-c", script], capture_output=True, check=True, env={"PATH": os.defpath}
    ).stdout.decode()
    args = out.split("\0")[:-1]
    assert args[:2] == ["logs", "put-metric-filter"]
    opts = dict(zip(args[2::2], args[3::2]))
    assert opts["--filter-pattern"] == pattern
    assert opts["--log-group-name"] == "trail group's"
    assert opts["--filter-name"] == "f 'x'"
    assert json.loads(opts["--metric-transformations"]) == [
        {"metricName": "Metric $X", "metricNamespace": "NS", "metricValue": "1"}
    ]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_cli_unknown_log_group_is_a_variable() -> None:
    command = render_cli('{ $.a = "x" }', FilterTarget())
    script = 'aws() { printf "%s\\0" "$@"; }\n' + command + "\n"
    out = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        check=True,
        env={"PATH": os.defpath, "CLOUDTRAIL_LOG_GROUP": "my trail"},
    ).stdout.decode()
    assert out.split("\0")[3] == "my trail"


def _hcl_unescape(literal: str) -> str:
    """HCL's quoted-template escapes (the subset cwpattern writes), for the round trip."""
    assert literal[0] == literal[-1] == '"'
    body, out, i = literal[1:-1], [], 0
    simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
            elif nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
            else:
                assert nxt == "U"
                out.append(chr(int(body[i + 2 : i + 10], 16)))
                i += 10
        elif body.startswith(("$${", "%%{"), i):
            out.append(ch + "{")
            i += 3
        else:
            assert not body.startswith(("${", "%{"), i), "unescaped interpolation"
            assert ch != '"'
            out.append(ch)
            i += 1
    return "".join(out)


@pytest.mark.parametrize("pattern", HOSTILE)
def test_terraform_is_valid_hcl_carrying_the_pattern(pattern: str) -> None:
    hcl2 = pytest.importorskip("hcl2")
    text = render_terraform(pattern, FilterTarget("trail", 'f"1', "M", "NS"))
    doc = hcl2.loads(text + "\n")
    (resource,) = doc["resource"]
    (body,) = resource['"aws_cloudwatch_log_metric_filter"'].values()
    assert _hcl_unescape(body["pattern"]) == pattern
    assert _hcl_unescape(body["name"]) == 'f"1'
    assert _hcl_unescape(hcl_string("a\x01\nb")) == "a\x01\nb"


def test_terraform_unknown_log_group_is_a_variable() -> None:
    text = render_terraform('{ $.a = "x" }', FilterTarget())
    assert "log_group_name = var.cloudtrail_log_group_name" in text


@pytest.mark.parametrize("pattern", HOSTILE)
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_cloudformation_round_trips_through_the_iac_reader(pattern: str, fmt: str) -> None:
    pytest.importorskip("yaml")
    from cwpattern.aws.iac import from_cloudformation

    for target in (FilterTarget("trail", "f", "M", "NS"), FilterTarget(filter_name="f")):
        text = render_cloudformation(pattern, target, fmt=fmt)  # type: ignore[arg-type]
        res = from_cloudformation(text, parameters={"CloudTrailLogGroupName": "lg"})
        (mf,) = res.metric_filters
        assert mf.body["filterPattern"] == pattern
        assert mf.body["logGroupName"] == (target.log_group or "lg")


def test_yaml_string_round_trip() -> None:
    yaml = pytest.importorskip("yaml")
    for text in HOSTILE + ["\x85 next line", "\u2028", "tab\there", "a\x00b"]:
        assert yaml.safe_load(yaml_string(text)) == text


def test_to_dict_has_every_rendering() -> None:
    fix = remediate(
        "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }",
        "cis-aws-3.0.0-4.7",
        target=FilterTarget("CloudTrail/logs", "kms-filter", "KmsChanges", "Security"),
    )
    assert fix is not None
    doc = fix.to_dict()
    assert set(doc) >= {"pattern", "cli", "terraform", "cloudformation", "keeps", "drops"}
    assert "--filter-name kms-filter" in doc["cli"]  # type: ignore[operator]
    assert doc["target"] == {
        "log_group": "CloudTrail/logs",
        "filter_name": "kms-filter",
        "metric_name": "KmsChanges",
        "metric_namespace": "Security",
        "metric_value": "1",
    }
    json.dumps(doc)
    # defaults derived from the control
    doc = remediate(None, "cis-aws-3.0.0-4.7").to_dict()  # type: ignore[union-attr]
    assert doc["target"]["filter_name"] == "cis-aws-3.0.0-4.7"  # type: ignore[index]
    assert doc["target"]["metric_name"] == "KmsCmkDisableOrDelete"  # type: ignore[index]
