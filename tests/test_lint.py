"""``cwpattern lint`` and the pre-commit hooks (.pre-commit-hooks.yaml)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cwpattern import analyzer, controls
from cwpattern.aws.iaclint import lint_files, named_controls
from cwpattern.cli import main

ROOT = Path(__file__).resolve().parents[1]
KMS_REF = controls.get("cis-aws-3.0.0-4.7").effective_pattern


def _cfn(pattern: str, name: str = "prod-cis-4.7-kms") -> dict[str, object]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "KmsFilter": {
                "Type": "AWS::Logs::MetricFilter",
                "Properties": {
                    "LogGroupName": "trail",
                    "FilterName": name,
                    "FilterPattern": pattern,
                    "MetricTransformations": [
                        {"MetricName": "Kms", "MetricNamespace": "CIS", "MetricValue": "1"}
                    ],
                },
            }
        },
    }


def _tf_json(pattern: str, name: str = "cis-aws-3.0.0-4.7") -> dict[str, object]:
    return {
        "resource": {
            "aws_cloudwatch_log_metric_filter": {
                "kms": {
                    "name": name,
                    "log_group_name": "trail",
                    "pattern": pattern,
                    "metric_transformation": {"name": "Kms", "namespace": "CIS", "value": "1"},
                }
            }
        }
    }


NARROW = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"


def test_named_controls() -> None:
    names = ["cis-4.7-kms", "CIS_AWS_3_0_0_4_7", "CloudWatch.7", "cis-aws-1.2.0-3.1"]
    assert [c.id for c in named_controls(*names)] == [
        "cis-aws-3.0.0-4.7",
        "securityhub-cloudwatch.7",
        "cis-aws-1.2.0-3.1",
    ]
    assert named_controls("cis-9.99", "mycis-4.7x", "kms") == ()
    assert [c.id for c in named_controls("cis-3.1", benchmark="cis-aws-1.2.0")] == [
        "cis-aws-1.2.0-3.1"
    ]


def test_lint_finds_uncovered_and_invalid(tmp_path: Path) -> None:
    bad = tmp_path / "kms.json"
    bad.write_text(json.dumps(_cfn(NARROW), indent=2))
    good = tmp_path / "ok.tf.json"
    good.write_text(json.dumps(_tf_json(KMS_REF)))
    broken = tmp_path / "broken.tf.json"
    broken.write_text(json.dumps(_tf_json("{ $.eventName = ", name="other")))
    report = lint_files([str(bad), str(good), str(broken)])
    codes = [(Path(f.path).name, f.code) for f in report.findings]
    assert codes == [("kms.json", "not-covered"), ("broken.tf.json", "invalid-pattern")]
    (finding,) = [f for f in report.findings if f.code == "not-covered"]
    assert finding.control == "cis-aws-3.0.0-4.7" and finding.line == 9  # FilterPattern
    assert finding.remediation is not None
    assert analyzer.covers(finding.remediation.pattern, KMS_REF).verdict == "yes"
    assert "--filter-name prod-cis-4.7-kms" in finding.remediation.cli


def test_lint_kind_skips_other_files(tmp_path: Path) -> None:
    other = tmp_path / "config.yaml"
    other.write_text("key: value\n")
    cfn = tmp_path / "t.json"
    cfn.write_text(json.dumps(_cfn(KMS_REF)))
    report = lint_files([str(other), str(cfn)], kind="cloudformation")
    assert report.skipped == (str(other),) and report.checked == (str(cfn),)
    assert report.findings == () and report.named == 1
    tf = tmp_path / "main.tf.json"
    tf.write_text(json.dumps(_tf_json(NARROW)))
    assert lint_files([str(tf)], kind="cloudformation").skipped == (str(tf),)


def test_lint_cli_exit_codes_and_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "kms.tf.json"
    bad.write_text(json.dumps(_tf_json(NARROW)))
    assert main(["lint", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "not-covered" in out and "aws logs put-metric-filter" in out
    assert main(["lint", "--format", "github", str(bad)]) == 1
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"::error file={bad},line=")
    assert main(["lint", "--format", "sarif", str(bad)]) == 1
    log = json.loads(capsys.readouterr().out)
    assert log["runs"][0]["results"][0]["ruleId"] == "cis-aws-3.0.0-4.7"
    good = tmp_path / "good.tf.json"
    good.write_text(json.dumps(_tf_json(KMS_REF)))
    assert main(["lint", str(good)]) == 0
    junk = tmp_path / "junk.json"
    junk.write_text("{}")
    assert main(["lint", str(junk)]) == 2


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        },
    )


def test_hook_definitions() -> None:
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {
        "cwpattern-terraform-plan",
        "cwpattern-terraform-json",
        "cwpattern-cloudformation",
    }
    for hook in hooks:
        assert hook["language"] == "python" and hook["entry"].startswith("cwpattern lint")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    """The hooks as users run them: ``pre-commit try-repo`` with this (local) repository,
    in a temporary git repository holding one bad and one good template."""
    pytest.importorskip("pre_commit")
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: try-repo needs one")
    work = tmp_path / "infra"
    work.mkdir()
    _git(work, "init", "-q")
    (work / "bad.tf.json").write_text(json.dumps(_tf_json(NARROW), indent=2))
    (work / "good.tf.json").write_text(json.dumps(_tf_json(KMS_REF)))
    (work / "notes.yaml").write_text("not: cloudformation\n")
    _git(work, "add", ".")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "PIP_DEFAULT_TIMEOUT": "20",
        "PIP_RETRIES": "0",
    }

    def run(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--all-files"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    result = run("cwpattern-terraform-json")
    if "An unexpected error has occurred" in result.stdout + result.stderr and (
        "pip" in result.stdout + result.stderr
    ):
        pytest.skip("pre-commit could not install the hook environment (no package index?)")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bad.tf.json" in result.stdout and "not-covered" in result.stdout
    assert "good.tf.json" not in result.stdout.split("not-covered")[0].split("\n")[-1]
    (work / "bad.tf.json").write_text(json.dumps(_tf_json(KMS_REF)))
    _git(work, "add", ".")
    assert run("cwpattern-terraform-json").returncode == 0
    cloudformation = run("cwpattern-cloudformation")  # skips the .tf.json and the YAML
    assert cloudformation.returncode == 0, cloudformation.stdout + cloudformation.stderr
