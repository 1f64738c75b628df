"""Issue 9 item 3: the top-level facade is precisely typed, so a consumer's
``mypy --strict`` catches a misspelt attribute of a result (it accepted anything when the
facade returned ``Any``)."""

from __future__ import annotations

from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api", reason="mypy is in the test and dev extras")

CONSUMER = """\
import cwpattern
from cwpattern import CheckReport, Coverage, Verdict

cov: Coverage = cwpattern.covers("{ $.a = 1 }", "{ $.a = 1 }")
ok: bool = cov.covered
verdict: Verdict = cov.verdict
report: CheckReport = cwpattern.check(["{ $.a = 1 }"], control="4.7")
covered: bool = report.covered
kind: str = cwpattern.relation("{ $.a = 1 }", "{ $.a = 1 }").kind
ident: str = cwpattern.controls.get("4.7").id
for match in cwpattern.scan("{ $.a = 1 }", []):
    text: str = match.message
print(cov.verdikt)
"""


def test_consumer_mypy_strict_reports_a_misspelt_attribute(tmp_path: Path) -> None:
    consumer = tmp_path / "consumer.py"
    consumer.write_text(CONSUMER)
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(consumer)]
    )
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1, out + err
    assert len(errors) == 1, out
    assert 'consumer.py:13: error: "Coverage" has no attribute "verdikt"' in errors[0]


AWS_CONSUMER = """\
from cwpattern import controls
from cwpattern.aws import snapshot
from cwpattern.aws.checks.filters import FilterChecks, FilterEvidence
from cwpattern.aws.checks.trail import LogGroupCandidate

snap = snapshot.load_snapshot({})
for finding in snapshot.trail_findings(snap):
    group: str | None = finding.log_group_name
checks = FilterChecks(snap)
candidate = LogGroupCandidate("trail", "pass", "assumed")
evidence: FilterEvidence = checks.filter_paths(controls.get("4.7"), [candidate]).evidence
groups: list[str] = evidence["logGroups"]
for metric in evidence.get("metrics", []):
    covered: int = metric["coveredCases"]
print(finding.log_group)
print(evidence["logGroup"])
"""


def test_moved_snapshot_names_and_filter_evidence_are_typed(tmp_path: Path) -> None:
    """The checks cwpattern.aws.snapshot still serves lazily have their real types (they
    were ``object``), and the metric-filter evidence is a TypedDict (it was
    ``dict[str, Any]``): misspelt attributes and keys are caught."""
    consumer = tmp_path / "aws_consumer.py"
    consumer.write_text(AWS_CONSUMER)
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(consumer)]
    )
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1, out + err
    assert len(errors) == 2, out
    assert 'aws_consumer.py:15: error: "TrailFinding" has no attribute "log_group"' in errors[0]
    assert (
        'aws_consumer.py:16: error: TypedDict "FilterEvidence" has no key "logGroup"' in (errors[1])
    )
