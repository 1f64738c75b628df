"""cwpattern.spark on local Spark: counts identical to ``cwpattern grep --count``.

One SparkSession for the whole module (local[2], no UI); inputs are a few dozen files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from spark_inputs import EDGE_LINES, EDGE_PATTERNS, make_edge_files, make_tree

import cwpattern
from cwpattern import controls
from cwpattern.batch import decode_message
from cwpattern.scanner import count as grep_count
from cwpattern.sources import iter_events

try:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StringType, StructField, StructType

    from cwpattern import spark as cs
except ImportError:  # pragma: no cover - the test extra installs pyspark
    if os.environ.get("CI"):
        raise
    pytest.skip("pyspark is not installed (pip install -e '.[spark]')", allow_module_level=True)

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):  # pragma: no cover
    if os.environ.get("CI"):
        raise RuntimeError("Spark tests need Java (17 is on the machine image)")
    pytest.skip("no Java for Spark", allow_module_level=True)

CIS = [c.effective_pattern for c in controls.by_benchmark("cis-aws-3.0.0")]
PATTERNS = [*dict.fromkeys(CIS + EDGE_PATTERNS + ['{ $.awsAccountId = "111122223333" }'])]


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("cwpattern-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[Path]]:
    """(root, files grep reads as events, digest files)."""
    root = tmp_path_factory.mktemp("bucket")
    logs, digests = make_tree(root, per_file=30)
    edge = make_edge_files(root / "other")
    # a digest file flattened beside the logs: skipped by its shape
    flat = root / "other" / "digest-copy.json.gz"
    flat.write_bytes(digests[0].read_bytes())
    digests.append(flat)
    return root, [*logs, *edge], digests


def _uri(path: Path) -> str:
    return path.as_uri()  # file:///... : through Spark's filesystem layer, as s3:// is


def test_counts_equal_grep_on_a_tree_with_regions_digests_and_edge_cases(
    spark: SparkSession, inputs: tuple[Path, list[Path], list[Path]]
) -> None:
    root, files, digests = inputs
    skips = cs.SkipCounter(spark)
    df = cs.read_cloudtrail(spark, _uri(root), skips=skips)
    got = cs.count(df, PATTERNS)  # one scan, framing and matching fused
    expected = {p: grep_count(p, [str(root)]) for p in PATTERNS}  # grep --count
    assert got == expected
    assert expected == {p: grep_count(p, [str(f) for f in files]) for p in PATTERNS}
    assert len(set(expected.values())) > 5  # the patterns tell the events apart
    assert skips.ignored == {"cloudtrail_digest": len(digests)}
    # the same counts from the rows as a plain DataFrame (prefilter pushed into the JVM)
    assert cs.count(df.select("path", "message"), PATTERNS) == expected


def test_rows_are_grep_events_with_paths_indexes_and_times(
    spark: SparkSession, inputs: tuple[Path, list[Path], list[Path]]
) -> None:
    root, files, _ = inputs
    df = cs.read_cloudtrail(spark, _uri(root))
    rows = df.withColumn("raw", df.message.cast("binary")).collect()
    expected = sorted(e.message for e in iter_events([str(f) for f in files]))
    # lone surrogates (escaped in a record, or an invalid byte in a text line) are kept
    # as their surrogatepass bytes: the raw column gives back exactly grep's message
    assert sorted(decode_message(r.raw) for r in rows) == expected
    assert any("\ud800" in m for m in expected)
    by_file: dict[str, list[int]] = {}
    for r in rows:
        by_file.setdefault(r.path, []).append(r["index"])
    assert all(sorted(ix) == list(range(len(ix))) for ix in by_file.values())
    assert all(p.startswith("file:") for p in by_file)
    timed = [r for r in rows if r.eventTime is not None]
    assert timed and all(r.eventTime.year == 2024 for r in timed)


def test_one_scan_equals_single_pattern_scans(
    spark: SparkSession, inputs: tuple[Path, list[Path], list[Path]]
) -> None:
    root, _, _ = inputs
    df = cs.read_cloudtrail(spark, _uri(root / "AWSLogs"))
    many = cs.count(df, CIS)
    for pattern in CIS[:4]:
        assert cs.count(df, [pattern]) == {pattern: many[pattern]}
    by_id = cs.count_controls(df, "cis-aws-3.0.0")
    assert list(by_id) == [c.id for c in controls.by_benchmark("cis-aws-3.0.0")]
    assert list(by_id.values()) == [many[p] for p in CIS]
    assert sum(by_id.values()) > 0


def test_filter_keeps_exactly_the_matching_rows_and_extracts(spark: SparkSession) -> None:
    messages = [
        '{"a":null}',
        '{"b":1}',
        '{"a":"\\u006eull"}',
        "10.0.0.1 ana GET 404",
        "caf\u00e9 \udcff",  # a text line whose invalid byte grep decodes this way
        None,
    ]
    raw = [None if m is None else m.encode("utf-8", "surrogatepass") for m in messages]
    schema = StructType([StructField("id", StringType()), StructField("message", StringType())])
    df = spark.createDataFrame([(str(i), m) for i, m in enumerate(messages)], schema)
    for pattern in ["{ $.a IS NULL }", "{ $.a NOT EXISTS }", '"\udcff"', "caf", "[ip, user, m, s]"]:
        got = {r.id for r in cs.filter(df, pattern).collect()}
        compiled = cwpattern.compile(pattern)
        want = {str(i) for i, m in enumerate(messages) if m is not None and compiled.matches(m)}
        if pattern == '"\udcff"':
            # Spark cannot hold a lone surrogate in a Python string: such messages reach
            # it as surrogatepass bytes (how read_cloudtrail stores them)
            bdf = spark.createDataFrame([("4", raw[4])], "id string, message binary")
            got = {r.id for r in cs.filter(bdf, pattern).collect()}
            want = {"4"}
            assert cs.count(bdf, [pattern, "caf"]) == {pattern: 1, "caf": 1}
        assert got == want, pattern
    rows = cs.filter(df, "[ip, user, method, status=4*]", extract=True).collect()
    assert [(r.id, dict(r.extractedValues)) for r in rows] == [
        ("3", {"$ip": "10.0.0.1", "$user": "ana", "$method": "GET", "$status": "404"})
    ]


def test_prefilter_pushdown_is_sound_and_escapes_pass(spark: SparkSession) -> None:
    pattern = '{ $.eventName = "DisableKey" }'
    pred = cs.prefilter_column(pattern)
    assert pred is not None
    df = spark.createDataFrame(
        [('{"eventName":"DisableKey"}',), ('{"eventName":"\\u0044isableKey"}',), ("{}",)],
        "message string",
    )
    assert df.where(pred).count() == 2  # the escaped spelling is kept for the matcher
    assert cs.filter(df, pattern).count() == 2
    assert cs.prefilter_column("{ $.a NOT EXISTS }") is None


def test_to_column_translates_only_what_is_exact(spark: SparkSession) -> None:
    schema = StructType([StructField("message", StringType())])
    df = spark.createDataFrame([("ERROR disk",), ("WARN disk",), ("ERROR x",)], schema)
    for pattern in ["ERROR disk", "-ERROR disk", "?WARN ?x", '"ERROR d"']:
        got = df.where(cs.to_column(pattern, schema)).count()
        compiled = cwpattern.compile(pattern)
        assert got == sum(compiled.matches(r.message) for r in df.collect()), pattern
    for pattern in ["{ $.a IS NULL }", "{ $.n > 1000 }", "%ERR.R%", "[a, b]", ""]:
        with pytest.raises(cs.Untranslatable):
            cs.to_column(pattern, schema)
    with pytest.raises(cs.Untranslatable):
        cs.to_column("ERROR", StructType([StructField("msg", StringType())]))


def test_cli_prints_what_grep_count_each_prints(
    inputs: tuple[Path, list[Path], list[Path]], spark: SparkSession, tmp_path: Path
) -> None:
    root, _, _ = inputs
    patterns = tmp_path / "patterns.txt"
    patterns.write_text("ERROR\n\n{ $.n > 1000 }\n")
    args = [
        "-e",
        "{ $.a IS NULL }",
        "--control",
        "cis-aws-3.0.0-4.7",
        "-f",
        str(patterns),
        "--control",
        "cis-aws-3.0.0-4.3",
    ]
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cwpattern", *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    spark_run = cli("spark-count", *args, "--master", "local[1]", "--skip-ok", str(root))
    grep_run = cli("grep", "--count", "--each", *args, "--skip-ok", str(root))
    assert spark_run.returncode == grep_run.returncode == 0, spark_run.stderr
    assert spark_run.stdout == grep_run.stdout
    assert len(spark_run.stdout.splitlines()) == 5


def test_cli_errors_exit_2_before_spark_starts(tmp_path: Path) -> None:
    from cwpattern.cli import main

    assert main(["spark-count", "-e", "{ $.a = }", str(tmp_path)]) == 2
    assert main(["spark-count", "--control", "cis-aws-9.9.9", str(tmp_path)]) == 2
    assert main(["spark-count", str(tmp_path)]) == 2


def test_files_spark_does_not_list_are_reported_never_silently(
    spark: SparkSession, tmp_path: Path
) -> None:
    # Spark's file listing leaves out names starting with "_" or "." (grep: only ".").
    root = tmp_path / "copy of bucket"  # (a space: URIs are compared, not strings)
    logs, _ = make_tree(root, per_file=5)
    edge = make_edge_files(root / "_old" / "x")  # under a "_" directory
    (root / "_part=1").mkdir()
    (root / "_part=1" / "a.jsonl").write_bytes(EDGE_LINES[0] + b"\n")  # "=": listed
    (root / "_b.log").write_text("ERROR one\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ERROR ref\n")
    (root / "x.log._COPYING_").write_text("ERROR copying\n")
    df = cs.read_cloudtrail(spark, "file://" + str(root))  # (Hadoop paths are not %-encoded)
    unlisted = cs.unlisted_files(df)
    assert unlisted.skipped == {"not_listed": len(edge) + 2}
    assert unlisted.ignored == {"hidden": 1}
    assert any("/_old/x/" in p and "not_listed" in p for p in unlisted.problems)
    read = [*logs, root / "_part=1" / "a.jsonl"]
    patterns = ["ERROR", '{ $.errorCode = "AccessDenied" }', "{ $.a IS NULL }"]
    got = cs.count(df, patterns)
    assert got == {p: grep_count(p, [str(f) for f in read]) for p in patterns}
    assert got != {p: grep_count(p, [str(root)]) for p in patterns}  # what grep reads more
    with pytest.raises(ValueError):
        cs.unlisted_files(df.select("message"))

    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    run = subprocess.run(
        [sys.executable, "-m", "cwpattern", "spark-count", "-e", "ERROR", "--master", "local[1]"]
        + [str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr  # a count over less than grep reads
    assert f"skipped {len(edge) + 2} x not_listed (first: file:" in run.stderr
    assert "ignored 1 x hidden" in run.stderr
    assert run.stdout == f"{got['ERROR']}\tERROR\n"
