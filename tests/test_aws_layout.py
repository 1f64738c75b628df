"""The AWS-side modules live in ``cwpattern.aws``; their old names stay importable for one
release as thin re-exports of the very same objects (README and docs of 0.1 name them)."""

from __future__ import annotations

import importlib

import pytest

#: old module (kept for one release) -> new module
MOVED = {
    "cwpattern.snapshot": "cwpattern.aws.snapshot",
    "cwpattern.audit": "cwpattern.aws.audit",
    "cwpattern.metricfilter": "cwpattern.aws.publish",
    "cwpattern.alarms": "cwpattern.aws.alarms",
    "cwpattern.iac": "cwpattern.aws.iac",
    "cwpattern.checker": "cwpattern.aws.checker",
    "cwpattern.filterdefs": "cwpattern.aws.filterdefs",
    "cwpattern.iaclint": "cwpattern.aws.iaclint",
    "cwpattern.matrix": "cwpattern.aws.matrix",
}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_module_name_re_exports_the_new_objects(old: str) -> None:
    shim, new = importlib.import_module(old), importlib.import_module(MOVED[old])
    assert "Kept for one release" in (shim.__doc__ or "")
    assert set(new.__all__) <= set(shim.__all__)  # every public name is still there
    for name in shim.__all__:
        assert getattr(shim, name) is getattr(new, name), name
    # the shim defines nothing of its own: it only re-exports
    own = [n for n, v in vars(shim).items() if getattr(v, "__module__", None) == old]
    assert own == []


def test_old_names_used_by_0_1_docs_still_work() -> None:
    from cwpattern.alarms import fires_on_single_event
    from cwpattern.audit import audit
    from cwpattern.metricfilter import MetricFilter, MetricTransformation
    from cwpattern.snapshot import load_snapshot, loads_snapshot, trail_findings

    mf = MetricFilter("{ $.a = 1 }", MetricTransformation("M", "NS", "1"))
    assert mf.evaluate('{"a": 1}').matched
    assert callable(audit) and callable(fires_on_single_event)
    assert trail_findings(load_snapshot(loads_snapshot("{}"))) == trail_findings(load_snapshot({}))


def test_the_boto3_capture_is_library_code() -> None:
    from cwpattern.aws import capture
    from cwpattern.commands import snapshot as command

    assert command.build_snapshot is capture.build_snapshot
