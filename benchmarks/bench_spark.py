"""Spark local[2] against single-process cwpattern, on the same records.

Builds one set of synthetic CloudTrail records twice: as an S3-style tree of gzip
``{"Records":[...]}`` files (1,000 records each, three regions, digest files beside them)
and as JSON lines (8 files, so that Spark has tasks to spread).  Then measures, CPU-seconds
of the whole process tree (driver, JVM, Python workers; from /proc) and wall time:

* ``cwpattern grep --count`` with CIS 3.0.0 4.7, and ``grep --count --each`` with the 15
  CIS 3.0.0 controls, one process each (child processes, their start-up included);
* ``cwpattern.spark.count`` on local[2] with CIS 4.7 alone and with the 15 CIS 3.0.0
  controls in one scan (the session's start-up is measured apart and excluded);
* a Spark SQL query with a hand translation of CIS 4.7 on the gzip tree
  (``spark.read.json`` + ``explode(Records)``), the approach docs/spark.md compares with.

Every cwpattern count is checked against ``grep --count``.  The last lines give each
target of issue 13 with its measured ratio (CPU-seconds; wall times are in the table).

Usage: ``python benchmarks/bench_spark.py [--records N] [--json OUT]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cwpattern import controls

CONTROL = "cis-aws-3.0.0-4.7"
SQL_47 = (
    "r.eventSource = 'kms.amazonaws.com' AND r.eventName IN ('DisableKey', 'ScheduleKeyDeletion')"
)
NAMES = [
    ("kms.amazonaws.com", "Decrypt"),
    ("kms.amazonaws.com", "GenerateDataKey"),
    ("kms.amazonaws.com", "DisableKey"),
    ("s3.amazonaws.com", "GetObject"),
    ("s3.amazonaws.com", "PutBucketPolicy"),
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("iam.amazonaws.com", "CreateAccessKey"),
    ("signin.amazonaws.com", "ConsoleLogin"),
    ("sts.amazonaws.com", "AssumeRole"),
    ("cloudtrail.amazonaws.com", "StopLogging"),
]


def _record(rng: random.Random, i: int, region: str) -> dict[str, Any]:
    source, name = NAMES[rng.randrange(len(NAMES))] if rng.random() < 0.97 else NAMES[2]
    rec: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": rng.choice(["IAMUser", "AssumedRole", "AWSService", "Root"]),
            "principalId": f"AIDA{rng.randrange(10**12):012d}",
            "arn": f"arn:aws:iam::111122223333:user/user{rng.randrange(50)}",
            "accountId": "111122223333",
            "accessKeyId": f"AKIA{rng.randrange(10**12):012d}",
        },
        "eventTime": f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
        "requestParameters": {"keyId": f"arn:aws:kms:{region}:111122223333:key/{i:08x}"},
        "responseElements": None,
        "requestID": f"{rng.getrandbits(128):032x}",
        "eventID": f"{rng.getrandbits(128):032x}",
        "readOnly": rng.random() < 0.7,
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
    }
    if rng.random() < 0.05:
        rec["errorCode"] = rng.choice(["AccessDenied", "Client.UnauthorizedOperation"])
    return rec


def build(root: Path, n: int) -> tuple[Path, Path]:
    """(gzip tree, JSON-lines directory) with the same ``n`` records."""
    rng = random.Random(7)
    tree, lines = root / "tree", root / "jsonl"
    lines.mkdir(parents=True)
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    outs = [(lines / f"part-{k}.jsonl").open("w") for k in range(8)]
    per_file = 1000
    for f in range((n + per_file - 1) // per_file):
        region = regions[f % 3]
        recs = [
            _record(rng, f * per_file + j, region) for j in range(min(per_file, n - f * per_file))
        ]
        day = tree / "AWSLogs/111122223333/CloudTrail" / region / "2024/03/04"
        day.mkdir(parents=True, exist_ok=True)
        (day / f"111122223333_CloudTrail_{region}_{f:05d}.json.gz").write_bytes(
            gzip.compress(json.dumps({"Records": recs}).encode(), 6)
        )
        out = outs[f % 8]
        for r in recs:
            out.write(json.dumps(r, separators=(",", ":")) + "\n")
        if f % 50 == 0:
            digest = tree / "AWSLogs/111122223333/CloudTrail-Digest" / region / "2024/03/04"
            digest.mkdir(parents=True, exist_ok=True)
            (digest / f"111122223333_CloudTrail-Digest_{region}_{f:05d}.json.gz").write_bytes(
                gzip.compress(
                    json.dumps(
                        {"digestStartTime": "x", "digestEndTime": "y", "logFiles": []}
                    ).encode()
                )
            )
    for out in outs:
        out.close()
    return tree, lines


# --------------------------------------------------------------------------- CPU time


def _tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and every live descendant (plus their waited children)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        stats[int(entry)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        if p in stats:
            f = stats[p]
            total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
        todo.extend(children.get(p, []))
    return total / tick


def _grep(patterns: list[str], path: Path) -> tuple[list[int], float, float]:
    """``cwpattern grep --count`` (one pattern) or ``--count --each`` (several), as a child
    process: (counts, CPU-seconds, wall seconds)."""
    args = ["--count", "-s", *(["--each"] if len(patterns) > 1 else [])]
    for p in patterns:
        args += ["-e", p]
    t0 = time.perf_counter()
    before = os.times()
    run = subprocess.run(
        [sys.executable, "-m", "cwpattern", "grep", *args, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    counts = [int(line.split("\t")[0]) for line in run.stdout.splitlines()]
    assert len(counts) == len(patterns), run.stderr
    return counts, cpu, wall


def _spark_runs(tree: Path, lines: Path) -> dict[str, Any]:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from cwpattern import spark as cs

    me = os.getpid()
    t0, c0 = time.perf_counter(), _tree_cpu(me)
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.range(1).count()
    out: dict[str, Any] = {"startup": {"cpu": _tree_cpu(me) - c0, "wall": time.perf_counter() - t0}}
    p47 = controls.get(CONTROL).effective_pattern
    cis = [c.effective_pattern for c in controls.by_benchmark("cis-aws-3.0.0")]

    def measure(key: str, work: Any) -> None:
        work()  # warm: Python workers started, pattern compiled in them
        t, c = time.perf_counter(), _tree_cpu(me)
        result = work()
        out[key] = {"cpu": _tree_cpu(me) - c, "wall": time.perf_counter() - t, "result": result}

    for name, path in (("tree", tree), ("jsonl", lines)):
        df = cs.read_cloudtrail(spark, path.as_uri())
        measure(f"spark_{name}_47", lambda df=df: cs.count(df, [p47])[p47])
        measure(f"spark_{name}_cis15", lambda df=df: cs.count(df, cis))

    def sql() -> int:
        raw = spark.read.option("multiLine", "true").json(
            (tree / "AWSLogs/111122223333/CloudTrail").as_uri(), recursiveFileLookup=True
        )
        rec = raw.select(F.explode("Records").alias("r"))
        return int(rec.where(SQL_47).count())

    measure("spark_sql_tree_47", sql)
    spark.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    p47 = controls.get(CONTROL).effective_pattern
    cis = [c.effective_pattern for c in controls.by_benchmark("cis-aws-3.0.0")]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tree, lines = build(Path(tmp), args.records)
        single: dict[str, Any] = {}
        for name, path in (("tree", tree), ("jsonl", lines)):
            (n,), cpu, wall = _grep([p47], path)
            single[name] = {"cpu": cpu, "wall": wall, "result": n}
            many, cpu, wall = _grep(cis, path)
            single[f"{name}_cis15"] = {"cpu": cpu, "wall": wall, "result": dict(zip(cis, many))}
        spark = _spark_runs(tree, lines)
    load_after = os.getloadavg()
    rows = []
    for name in ("tree", "jsonl"):
        s, s15 = single[name], single[f"{name}_cis15"]
        one, many = spark[f"spark_{name}_47"], spark[f"spark_{name}_cis15"]
        assert one["result"] == s["result"], (name, one["result"], s["result"])
        assert many["result"] == s15["result"], name
        rows.append(
            f"| {name} | {s['cpu']:.2f} / {s['wall']:.1f} | {one['cpu']:.2f} / {one['wall']:.1f} "
            f"| **{one['cpu'] / s['cpu']:.2f}x** / {one['wall'] / s['wall']:.2f}x "
            f"| {many['cpu']:.2f} / {many['wall']:.1f} "
            f"| **{many['cpu'] / one['cpu']:.2f}x** / {many['wall'] / one['wall']:.2f}x "
            f"| {s15['cpu']:.2f} / {s15['wall']:.1f} |"
        )
    sql = spark["spark_sql_tree_47"]
    print(
        f"python benchmarks/bench_spark.py --records {args.records}: "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (2 cores)"
    )
    print(
        f"Spark start-up {spark['startup']['cpu']:.1f} CPU-s, "
        f"{spark['startup']['wall']:.1f} s wall (excluded below); every count checked "
        "against grep --count / --count --each"
    )
    print(
        "| input | grep --count CIS 4.7: CPU-s / wall s | Spark local[2], CIS 4.7 "
        "| Spark / grep: CPU / wall | Spark, 15 CIS controls in one scan "
        "| 15 / 1: CPU / wall | grep --count --each, 15 controls |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"Spark SQL translation of CIS 4.7 on the tree: {sql['cpu']:.2f} CPU-s / "
        f"{sql['wall']:.1f} s wall, {sql['result']} records "
        f"(cwpattern: {single['tree']['result']}); cwpattern on Spark / SQL CPU: "
        f"{spark['spark_tree_47']['cpu'] / sql['cpu']:.2f}x"
    )
    targets = [
        ("gzip tree: Spark / grep CPU", spark["spark_tree_47"]["cpu"] / single["tree"]["cpu"], 2.0),
        (
            "JSON lines: Spark / grep CPU",
            spark["spark_jsonl_47"]["cpu"] / single["jsonl"]["cpu"],
            3.0,
        ),
    ]
    for name in ("tree", "jsonl"):
        ratio = spark[f"spark_{name}_cis15"]["cpu"] / spark[f"spark_{name}_47"]["cpu"]
        targets.append((f"{name}: 15 controls / 1 control CPU", ratio, 2.5))
    for label, ratio, bound in targets:
        verdict = "met" if ratio <= bound else "NOT met"
        print(f"target {label} <= {bound}x: {ratio:.2f}x ({verdict})")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"single": single, "spark": spark, "load": [load_before, load_after]},
                indent=2,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
