"""cwpattern.aws.simulate: the library behind `cwpattern simulate` gives the command's JSON
document, so the command only parses options, calls it and prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwpattern.aws.publish import MetricFilter, MetricTransformation
from cwpattern.aws.simulate import cis_alarm, iso, simulate
from cwpattern.cli import main
from cwpattern.sources import LogEvent

T0 = 1714640400  # 2024-05-02T09:00:00Z


def test_library_and_command_agree(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pattern = "{ $.eventName = DisableKey }"
    messages = [(T0 + 10, '{"eventName":"DisableKey"}'), (T0 + 400, '{"eventName":"Other"}')]
    logs = tmp_path / "logs.json"
    logs.write_text(
        json.dumps(
            {
                "events": [
                    {"timestamp": int(t * 1000), "message": m, "eventId": str(i)}
                    for i, (t, m) in enumerate(messages)
                ]
            }
        )
    )
    assert main(["simulate", "-p", pattern, "--cis-alarm", "--format", "json", str(logs)]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    mf = MetricFilter(pattern, MetricTransformation("SimulatedCount", "CISBenchmark", "1"))
    events = [LogEvent(m, f"e#{i}", int(t * 1000)) for i, (t, m) in enumerate(messages)]
    doc = simulate(mf, cis_alarm("CISBenchmark", "SimulatedCount"), events)
    for key in ("filter", "alarm", "datapoints", "periods", "changes", "first_alarm", "end"):
        assert doc[key] == from_cli[key], key
    assert doc["first_alarm"] == iso(T0 + 300)
