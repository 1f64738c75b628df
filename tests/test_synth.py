"""cwpattern.synth: determinism, realistic shapes, the KMS alarm share, write() and the CLI."""

from __future__ import annotations

import gzip
import io
import json
import re
import statistics
import time
from collections import Counter
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from cwpattern import synth
from cwpattern.cli import main
from cwpattern.commands.synth import parse_size
from cwpattern.sources import iter_events

ALARMS = {"DisableKey", "ScheduleKeyDeletion"}
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
DATA = Path(__file__).parent / "data" / "cloudtrail"


@pytest.fixture(scope="module")
def sample() -> list[str]:
    return list(synth.generate(20000, seed=11, kms_alarm_share=0.01))


@pytest.fixture(scope="module")
def records(sample: list[str]) -> list[dict[str, Any]]:
    return [json.loads(r) for r in sample]


def test_deterministic_per_seed_and_seed_matters() -> None:
    a = list(synth.generate(300, seed=5))
    assert a == list(synth.generate(300, seed=5))
    assert a != list(synth.generate(300, seed=6))
    assert list(synth.generate(0)) == []
    assert list(synth.generate(100, seed=5))[:100] == a[:100]  # a prefix of a longer run


def test_records_are_compact_single_line_json(
    sample: list[str], records: list[dict[str, Any]]
) -> None:
    for text, rec in zip(sample, records):
        assert "\n" not in text
        assert json.dumps(rec, separators=(",", ":"), ensure_ascii=False) == text


def test_envelope_fields_and_types(records: list[dict[str, Any]]) -> None:
    always = [
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "responseElements",
        "eventID",
        "readOnly",
        "eventType",
        "managementEvent",
        "recipientAccountId",
        "eventCategory",
    ]
    for rec in records:
        assert all(k in rec for k in always), rec
        assert list(rec)[:3] == ["eventVersion", "userIdentity", "eventTime"]
        assert isinstance(rec["readOnly"], bool) and rec["managementEvent"] is True
        assert rec["eventSource"].endswith(".amazonaws.com") and ISO.fullmatch(rec["eventTime"])
        assert ("requestID" in rec) == (rec["eventType"] == "AwsApiCall")
        assert ("errorMessage" in rec) >= ("errorCode" in rec)
        if "errorCode" in rec:
            assert rec["responseElements"] is None
        assert rec["eventID"] != rec.get("requestID")
    assert len({r["eventID"] for r in records}) == len(records)
    times = [r["eventTime"] for r in records]
    assert times == sorted(times) and times[0] == "2024-03-04T08:00:00Z"


def test_identity_shapes(records: list[dict[str, Any]]) -> None:
    types = Counter(r["userIdentity"].get("type") for r in records)
    assert {"IAMUser", "AssumedRole", "Root", "AWSService", "FederatedUser"} <= set(types)
    assert types["AssumedRole"] > types["IAMUser"] > types["FederatedUser"] > 0
    assert 0 < types["Root"] < len(records) * 0.005
    empty_issuer = 0
    for rec in records:
        ident = rec["userIdentity"]
        ctx = ident.get("sessionContext")
        if ctx is not None:
            mfa = ctx["attributes"]["mfaAuthenticated"]
            assert mfa in ("true", "false")  # a string, never a boolean
            assert ctx["attributes"]["creationDate"] <= rec["eventTime"]
            assert ctx["webIdFederationData"] == {}
            empty_issuer += ctx["sessionIssuer"] == {}
        kind = ident.get("type")
        if kind == "AssumedRole":
            assert ctx["sessionIssuer"]["type"] == "Role"
            account = rec["recipientAccountId"]
            assert ident["arn"].startswith(f"arn:aws:sts::{account}:assumed-role/")
        elif kind == "AWSService":
            assert set(ident) == {"type", "invokedBy"}
            assert rec["sourceIPAddress"] == rec["userAgent"] == ident["invokedBy"]
            assert "tlsDetails" not in rec and "sharedEventID" in rec
        elif kind == "Root":
            assert ident["arn"].endswith(":root") and ident["principalId"] == ident["accountId"]
        elif kind is None:
            assert rec["eventType"] == "AwsServiceEvent" and ident["invokedBy"] == "AWS Internal"
        if "invokedBy" in ident:
            assert "tlsDetails" not in rec
    assert empty_issuer > 0  # real data has "sessionIssuer":{}


def test_null_responses_errors_and_service_mix(records: list[dict[str, Any]]) -> None:
    n = len(records)
    assert sum(r["responseElements"] is None for r in records) > 0.7 * n
    assert 0.01 * n < sum("errorCode" in r for r in records) < 0.06 * n
    sources = Counter(r["eventSource"].split(".")[0] for r in records)
    assert len(sources) >= 20
    kms = [r for r in records if r["eventSource"] == "kms.amazonaws.com"]
    assert 0.02 * n < len(kms) < 0.07 * n
    names = Counter(r["eventName"] for r in kms)
    assert names["Decrypt"] > names["GenerateDataKey"] > names["Encrypt"] > 0
    assert names["Decrypt"] + names["GenerateDataKey"] + names["Encrypt"] > 0.7 * len(kms)


def test_kms_alarm_share_is_honoured_and_exclusive(
    sample: list[str], records: list[dict[str, Any]]
) -> None:
    alarms = [r for r in records if r["eventName"] in ALARMS]
    assert 150 <= len(alarms) <= 250  # 20000 x 0.01, binomial sd 14
    assert all(r["eventSource"] == "kms.amazonaws.com" for r in alarms)
    assert {r["eventName"] for r in alarms} == ALARMS
    for r in alarms:
        key = r["requestParameters"]["keyId"]
        assert r["resources"][0]["ARN"].endswith(f":key/{key}")
        if r["eventName"] == "ScheduleKeyDeletion" and "errorCode" not in r:
            days = r["requestParameters"]["pendingWindowInDays"]
            assert isinstance(days, int) and 7 <= days <= 30
            assert r["responseElements"]["pendingWindowInDays"] == days
    none = [json.loads(r) for r in synth.generate(5000, seed=11, kms_alarm_share=0.0)]
    assert not [r for r in none if r["eventName"] in ALARMS]
    assert any(r["eventName"] == "DisableKeyRotation" for r in records)  # the prefix trap
    every = [json.loads(r) for r in synth.generate(50, seed=1, kms_alarm_share=1.0)]
    assert all(r["eventName"] in ALARMS for r in every)


def test_default_share_on_20k(records: list[dict[str, Any]]) -> None:
    got = sum(json.loads(r)["eventName"] in ALARMS for r in synth.generate(20000, seed=3))
    assert 8 <= got <= 35  # 20000 x 0.001 = 20, binomial sd 4.5


def test_sizes_resemble_real_records(sample: list[str]) -> None:
    sizes = sorted(len(r.encode()) for r in sample)
    median, p99 = statistics.median(sizes), sizes[int(len(sizes) * 0.99)]
    assert 1000 <= median <= 1600, median
    assert 2000 <= p99 <= 3200, p99
    assert 3500 <= sizes[-1] <= 5500, sizes[-1]
    assert sizes[0] >= 500


def test_start_time_and_validation() -> None:
    start = datetime(2021, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    recs = [json.loads(r) for r in synth.generate(200, seed=2, start=start)]
    assert recs[0]["eventTime"] == "2021-12-31T23:59:59Z" and recs[-1]["eventTime"] > "2022"
    naive = [json.loads(r) for r in synth.generate(1, start=datetime(2020, 1, 1))]
    assert naive[0]["eventTime"] == "2020-01-01T00:00:00Z"
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError):
            list(synth.generate(1, kms_alarm_share=bad))
    with pytest.raises(ValueError):
        list(synth.generate(-1))


def test_write_gzip_is_deterministic_and_summarised(tmp_path: Path) -> None:
    out1, out2 = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    s1 = synth.write(out1, 3000, seed=9, kms_alarm_share=0.01)
    s2 = synth.write(out2, 3000, seed=9, kms_alarm_share=0.01)
    assert out1.read_bytes() == out2.read_bytes()
    text = gzip.decompress(out1.read_bytes()).decode()
    lines = text.splitlines()
    assert lines == list(synth.generate(3000, seed=9, kms_alarm_share=0.01))
    assert (s1.records, s1.bytes, s1.compressed_bytes) == (3000, len(text), out1.stat().st_size)
    recs = [json.loads(x) for x in lines]
    assert s1.kms_alarms == sum(r["eventName"] in ALARMS for r in recs) > 0
    assert s1.kms_records == sum(r["eventSource"] == "kms.amazonaws.com" for r in recs)
    assert s1.errors == sum("errorCode" in r for r in recs)
    assert s1.first_event_time == recs[0]["eventTime"]
    assert s1.last_event_time == recs[-1]["eventTime"]
    assert s1.path == str(out1) and s2.to_dict()["records"] == 3000 and "3,000 records" in str(s1)


def test_write_by_size_stops_before_the_limit(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    summary = synth.write(out, size_bytes=100_000, seed=4)
    data = out.read_bytes()
    assert summary.bytes == len(data) <= 100_000 and summary.compressed_bytes is None
    expected = list(synth.generate(summary.records + 1, seed=4))
    assert data.decode().splitlines() == expected[:-1]
    assert len(data) + len(expected[-1]) + 1 > 100_000
    both = synth.write(io.BytesIO(), 10, size_bytes=10**9)
    assert both.records == 10
    assert synth.write(io.BytesIO(), size_bytes=10).records == 0
    with pytest.raises(ValueError):
        synth.write(io.BytesIO())


def test_output_reads_back_through_sources(tmp_path: Path) -> None:
    out = tmp_path / "synthetic.jsonl.gz"
    synth.write(out, 500, seed=1)
    events = list(iter_events([str(out)]))
    assert [e.message for e in events] == list(synth.generate(500, seed=1))
    start = datetime(2024, 3, 4, 8, tzinfo=timezone.utc)
    assert events[0].timestamp == int(start.timestamp() * 1000)


def test_speed_is_benchmark_grade() -> None:
    n = 20000
    t0 = time.process_time()  # CPU time: other processes on the machine do not count
    for _ in synth.generate(n, seed=8):
        pass
    rate = n / (time.process_time() - t0)
    assert rate > 10_000, f"{rate:.0f} records/s"  # ~60k/s on the 2-core reference machine


def test_packaged_kms_records_match_the_doc_examples() -> None:
    lines = synth.kms_examples()
    docs = (DATA / "kms_doc_examples.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 24 and lines[:5] == docs[:5] and set(lines) <= set(docs)
    names = [json.loads(x)["eventName"] for x in lines]
    assert set(names[:5]) == ALARMS and not ALARMS & set(names[5:])
    assert {"Decrypt", "Encrypt", "GenerateDataKey", "DisableKeyRotation", "DeleteKey"} <= set(
        names
    )
    notice = resources.files("cwpattern").joinpath("data/LICENSE-aws-doc-examples.txt")
    assert "Permission is hereby granted" in notice.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- CLI


def test_cli_stdout_and_summary(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["synth", "-n", "50", "--seed", "3"]) == 0
    out, err = capsysbinary.readouterr()
    assert out.decode().splitlines() == list(synth.generate(50, seed=3))
    assert err.decode().startswith("synth: 50 records, ")


def test_cli_file_size_and_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.jsonl.gz"
    assert (
        main(
            [
                "synth",
                "--size",
                "20KB",
                "--kms-share",
                "0.5",
                "-o",
                str(out),
                "--summary-format",
                "json",
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().err)
    data = gzip.decompress(out.read_bytes())
    assert summary["bytes"] == len(data) <= 20_000 and summary["records"] == data.count(b"\n")
    names = [json.loads(x)["eventName"] for x in data.splitlines()]
    assert summary["kms_alarms"] == sum(name in ALARMS for name in names)


@pytest.mark.parametrize(
    "argv", [["--size", "12XB"], ["--kms-share", "2"], ["-n", "-5"], ["-n", "5", "--size", "1MB"]]
)
def test_cli_rejects_bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", *argv]) == 2
    assert capsys.readouterr().out == ""


def test_cli_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "-n", "5", "-o", str(tmp_path / "no" / "such" / "dir.jsonl")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_parse_size() -> None:
    assert parse_size("1GB") == 10**9 and parse_size("1GiB") == 2**30
    assert parse_size("2.5M") == 2_500_000 and parse_size("100") == 100
