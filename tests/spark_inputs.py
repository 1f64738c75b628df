"""Inputs for the Spark and batch-matching tests: an S3-style CloudTrail tree with several
regions, digest files beside the logs, JSON lines, and edge-case messages."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

ACCOUNT = "111122223333"
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")

#: Messages on which a SQL translation goes wrong (absent vs null, mixed types, duplicate
#: keys, \r, top-level arrays, trailing garbage, escapes), one per line of edge.jsonl.
EDGE_LINES: list[bytes] = [
    b'{"a":null,"n":5,"errorCode":"AccessDenied"}',
    b'{"n":"5000","b":1}',
    b'{"n":5000,"a":"x"}',
    b'{"n":1e4,"a":{"k":1}}',
    b'{"errorCode":"x","errorCode":"AccessDenied"}',
    b'{"errorCode":"AccessDenied","ErrorCode":"y"}',
    b'{"a":"v\r","eventName":"DisableKey"}',
    b'{"eventName":"DisableKey"}\r',
    b'[{"eventName":"DisableKey"}]',
    b'{"eventName":"DisableKey"} trailing',
    b'{"eventName":"\\u0044isableKey","eventSource":"kms.amazonaws.com"}',
    b'{"eventName":"caf\xc3\xa9","a":[1,2,{"x":null}]}',
    b'{"eventName":"caf\xe9"}',
    b'{"eventName":"\\ud800x","a":true}',
    b"ERROR not json at all",
    b'{"a":"x","a":null}',
    b"",
    b'  {"a":false}  ',
    b'{"n":NaN}',
    b'{"r":[{"x":1},{"x":2}],"a":{"b":"v"}}',
    b"\xef\xbb\xbf" + b'{"eventName":"DisableKey"}',
]

#: Patterns over the edge cases: null/absent, numbers over mixed types, arrays, wildcard
#: selectors, regexes, terms, delimited.
EDGE_PATTERNS = [
    "{ $.a IS NULL }",
    "{ $.a NOT EXISTS }",
    "{ $.n > 1000 }",
    "{ $.n = 5 }",
    '{ $.errorCode = "AccessDenied" }',
    '{ $.eventName = "DisableKey" }',
    "{ $.eventName = DisableKey && $.eventSource = kms* }",
    "{ $.a IS TRUE }",
    "{ $.a IS FALSE }",
    "{ $.r[*].x = 2 }",
    '{ $.a.* = "v" }',
    "{ $.eventName = %Disable[A-Z]ey% }",
    '{ $.eventName = "caf\u00e9" }',
    "%caf.%",
    "ERROR",
    "?ERROR ?DisableKey",
    "-DisableKey null",
    "DisableKey",
    "[a, b]",
    "",
]


def _records(region: str, n: int, seed: int) -> list[dict[str, object]]:
    names = ["DisableKey", "ScheduleKeyDeletion", "ConsoleLogin", "PutBucketPolicy", "Encrypt"]
    out: list[dict[str, object]] = []
    for i in range(n):
        k = (i * 7 + seed) % 11
        rec: dict[str, object] = {
            "eventVersion": "1.08",
            "userIdentity": {"type": "Root" if k == 3 else "IAMUser", "accountId": ACCOUNT},
            "eventTime": f"2024-03-04T08:{i % 60:02d}:00Z",
            "eventSource": "kms.amazonaws.com" if k < 5 else "s3.amazonaws.com",
            "eventName": names[k % len(names)],
            "awsRegion": region,
            "sourceIPAddress": f"10.0.{seed}.{i % 250}",
        }
        if k == 4:
            rec["errorCode"] = "AccessDenied"
        if k == 6:
            rec["errorCode"] = "*UnauthorizedOperation"
            rec["additionalEventData"] = {"MFAUsed": "No"}
        if k == 8:
            rec["responseElements"] = None
            rec["requestParameters"] = {"policy": '{"Statement":[{"Effect":"Allow"}]}'}
        if k == 9:
            rec["errorMessage"] = "caf\u00e9 \ud800"  # a lone surrogate, escaped on disk
        out.append(rec)
    return out


def make_tree(root: Path, per_file: int = 40) -> tuple[list[Path], list[Path]]:
    """An S3-style trail tree under ``root``: (event files, digest files)."""
    logs: list[Path] = []
    digests: list[Path] = []
    base = root / "AWSLogs" / ACCOUNT
    for r, region in enumerate(REGIONS):
        day = base / "CloudTrail" / region / "2024" / "03" / "04"
        day.mkdir(parents=True)
        for f in range(2):
            path = day / f"{ACCOUNT}_CloudTrail_{region}_20240304T08{f}5Z_abc{f}.json.gz"
            doc = {"Records": _records(region, per_file, 10 * r + f)}
            path.write_bytes(gzip.compress(json.dumps(doc).encode()))
            logs.append(path)
        ddir = base / "CloudTrail-Digest" / region / "2024" / "03" / "04"
        ddir.mkdir(parents=True)
        digest = {
            "awsAccountId": ACCOUNT,
            "digestStartTime": "2024-03-04T07:00:00Z",
            "digestEndTime": "2024-03-04T08:00:00Z",
            "digestS3Bucket": "trail-bucket",
            "digestS3Object": "x",
            "logFiles": [{"s3Object": str(p.name)} for p in logs[-2:]],
        }
        dpath = (
            ddir / f"{ACCOUNT}_CloudTrail-Digest_{region}_trail_{region}_20240304T080000Z.json.gz"
        )
        dpath.write_bytes(gzip.compress(json.dumps(digest).encode()))
        digests.append(dpath)
    return logs, digests


def make_edge_files(root: Path) -> list[Path]:
    """edge.jsonl (the edge lines), a text log with invalid UTF-8 and \\r, a pretty
    Records document, and an ``aws logs filter-log-events`` output."""
    root.mkdir(parents=True, exist_ok=True)
    edge = root / "edge.jsonl"
    edge.write_bytes(b"\n".join(EDGE_LINES) + b"\r\n" + b'{"a":null}')
    text = root / "app.log"
    text.write_bytes(b'INFO start\nERROR caf\xe9 disk\r\nERROR a\rb\n\nWARN {"a":null}\n')
    doc = root / "pretty.json"
    doc.write_text(
        json.dumps({"Records": [{"eventName": "DisableKey", "a": None}, 5, {"n": 5000}]}, indent=2)
    )
    logs = root / "filter-log-events.json"
    logs.write_text(
        json.dumps(
            {
                "events": [
                    {"timestamp": 1709539200000, "message": '{"a":null,"n":2000}'},
                    {"timestamp": 1709539200001, "message": "ERROR x"},
                    {"message": 7},
                ]
            }
        )
    )
    return [edge, text, doc, logs]
