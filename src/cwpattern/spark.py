"""Exact filter patterns on Spark: CloudTrail archives far past one machine.

Spark reads the files (``s3://`` on EMR, Glue and Databricks, any Hadoop filesystem URI);
cwpattern frames the records and decides every match, inside Spark's Python workers, so
the counts are those of ``cwpattern grep --count`` on the same files.  Needs the ``spark``
extra (``pip install 'cwpattern[spark]'``: pyspark >= 3.5 with pyarrow and pandas) and
cwpattern installed on every worker (docs/spark.md).

* :func:`read_cloudtrail` -> DataFrame ``[path, index, eventTime, message]`` from a trail
  tree (gzip ``{"Records":[...]}`` files as S3 holds them), JSON lines, ``aws logs`` output:
  Spark's ``binaryFile`` reader, framed by :func:`cwpattern.sources.events_from_bytes`.
  CloudTrail digest files are ignored by path and by shape, and counted
  (:class:`SkipCounter`), as ``grep`` does.
* :func:`filter` -> the rows a pattern matches: the pattern's sound literal prefilter
  runs in the JVM as ``Column.contains`` predicates (only rows that cannot match are
  dropped), then cwpattern's matcher decides the survivors in Arrow batches.
* :func:`count` / :func:`count_controls` -> ``{pattern or control id: count}``, every
  pattern in one scan.
* :func:`to_column` -> a native Spark Column only where provably exact; otherwise
  :class:`Untranslatable`.  Spark SQL's JSON functions differ from CloudWatch on absent vs
  ``null``, mixed types, duplicate keys, arrays and trailing data, so almost nothing is.

Messages that carry lone surrogates (a text log line with invalid UTF-8, decoded as
``grep`` decodes it) are stored as their ``surrogatepass`` UTF-8 bytes, so that the
matcher sees exactly the text ``grep`` sees.
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote

from .batch import BatchMatcher, PatternMatcher, utf8_requirement
from .errors import CWPatternError, MatchResourceError
from .pattern import CompiledPattern
from .pattern import compile as _compile_pattern
from .prefilter import Requirement, prefilter_for
from .scanner import BytesCounter
from .sources import ScanStats, events_from_bytes

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import StructType

__all__ = [
    "SkipCounter",
    "Untranslatable",
    "count",
    "count_controls",
    "filter",
    "prefilter_column",
    "read_cloudtrail",
    "to_column",
    "unlisted_files",
]

#: The columns of :func:`read_cloudtrail`.
SCHEMA = "path string, index long, eventTime timestamp, message string"
_BATCH_ROWS = 8192


class Untranslatable(CWPatternError):
    """The pattern has no Spark SQL translation that is provably exact for the schema."""


# --------------------------------------------------------------------------- skips


class SkipCounter:
    """What :func:`read_cloudtrail` left out, counted by reason (a Spark accumulator:
    filled in by each action that reads the DataFrame, so read it after one action).

    ``skipped``, ``flagged`` and ``ignored`` (``cloudtrail_digest``: digest files, by path
    or by shape) have the reasons of :class:`cwpattern.sources.ScanStats`.
    """

    def __init__(self, spark: SparkSession) -> None:
        from pyspark.accumulators import AccumulatorParam

        class _Sum(AccumulatorParam[dict[str, int]]):
            def zero(self, value: dict[str, int]) -> dict[str, int]:
                return {}

            def addInPlace(self, a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
                for k, v in b.items():
                    a[k] = a.get(k, 0) + v
                return a

        self._acc = spark.sparkContext.accumulator({}, _Sum())

    def add(self, counts: dict[str, int]) -> None:
        """Add counts (called in the workers)."""
        self._acc.add(counts)

    @property
    def value(self) -> dict[str, int]:
        """``files``, ``events`` and ``skipped:REASON`` / ``flagged:REASON`` /
        ``ignored:REASON`` counts.  After :func:`count`, as after ``grep --count``, the
        per-line reasons (``invalid_json_line``...) and ``events`` cover only the lines
        the prefilter let through to be decoded."""
        return dict(sorted(self._acc.value.items()))

    @property
    def skipped(self) -> dict[str, int]:
        """Skipped input (lost: it produced no event) by reason."""
        return self._kind("skipped:")

    @property
    def ignored(self) -> dict[str, int]:
        """Input left out by rule (digest files) by kind."""
        return self._kind("ignored:")

    def _kind(self, prefix: str) -> dict[str, int]:
        return {k[len(prefix) :]: v for k, v in self.value.items() if k.startswith(prefix)}


# --------------------------------------------------------------------------- Arrow


def _raw_values(arr: Any) -> list[bytes | None]:
    """A string or binary Arrow column as bytes, without UTF-8 validation."""
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_large_string(arr.type):
        arr = pa.Array.from_buffers(pa.large_binary(), len(arr), arr.buffers(), offset=arr.offset)
    elif pa.types.is_string(arr.type):
        arr = pa.Array.from_buffers(pa.binary(), len(arr), arr.buffers(), offset=arr.offset)
    values: list[bytes | None] = arr.to_pylist()
    return values


def _string_array(raws: list[bytes]) -> pa.Array:
    """UTF-8 (surrogatepass) bytes as an Arrow string column, not re-validated."""
    import pyarrow as pa

    binary = pa.array(raws, type=pa.binary())
    return pa.Array.from_buffers(pa.string(), len(binary), binary.buffers())


# --------------------------------------------------------------------------- reading


def _stats_counts(st: ScanStats) -> dict[str, int]:
    counts = {"files": st.files, "events": st.events}
    counts.update({f"skipped:{k}": v for k, v in st.skipped.items()})
    counts.update({f"flagged:{k}": v for k, v in st.flagged.items()})
    counts.update({f"ignored:{k}": v for k, v in st.ignored.items()})
    return counts


def _frame_batches(
    batches: Iterable[pa.RecordBatch], fmt: str, skips: SkipCounter | None
) -> Iterator[pa.RecordBatch]:
    """binaryFile rows -> event rows (runs in the Python workers)."""
    import pyarrow as pa

    paths: list[str] = []
    index: list[int] = []
    times: list[int | None] = []
    raws: list[bytes] = []

    def flush() -> pa.RecordBatch:
        batch = pa.RecordBatch.from_arrays(
            [
                pa.array(paths, type=pa.string()),
                pa.array(index, type=pa.int64()),
                pa.array(
                    [None if t is None else t * 1000 for t in times],
                    type=pa.timestamp("us", tz="UTC"),
                ),
                _string_array(raws),
            ],
            names=["path", "index", "eventTime", "message"],
        )
        paths.clear()
        index.clear()
        times.clear()
        raws.clear()
        return batch

    for batch in batches:
        names = batch.column(batch.schema.get_field_index("path")).to_pylist()
        contents = _raw_values(batch.column(batch.schema.get_field_index("content")))
        for name, content in zip(names, contents):
            st = ScanStats()
            events = events_from_bytes(content or b"", name, fmt=fmt, stats=st)
            for i, event in enumerate(events):
                paths.append(name)
                index.append(i)
                times.append(event.timestamp)
                raws.append(event.message.encode("utf-8", "surrogatepass"))
                if len(raws) >= _BATCH_ROWS:
                    yield flush()
            if skips is not None:
                skips.add(_stats_counts(st))
    if raws:
        yield flush()


class _Source(NamedTuple):
    files: DataFrame  # the binaryFile DataFrame
    fmt: str
    skips: SkipCounter | None
    paths: list[str]


#: DataFrames made by read_cloudtrail -> where they come from: count() frames and matches
#: in one pass over the files; unlisted_files() lists the same paths.
_SOURCES: weakref.WeakKeyDictionary[DataFrame, _Source] = weakref.WeakKeyDictionary()


def read_cloudtrail(
    spark: SparkSession,
    path: str | Sequence[str],
    *,
    fmt: str = "auto",
    skips: SkipCounter | None = None,
) -> DataFrame:
    """The events under ``path`` (a file or a directory tree, any filesystem URI Spark
    reads: ``s3://``, ``file://``...) as a DataFrame ``[path, index, eventTime, message]``.

    One row per event, exactly the events ``cwpattern grep`` reads from the same files:
    ``message`` is the CloudWatch Logs message (a ``Records`` entry re-serialised as
    CloudTrail delivers it, a JSON line verbatim), ``index`` its position among the file's
    events, ``eventTime`` the record's time (UTC) when it has one.  Digest files are
    ignored (counted in ``skips``).  Spark itself leaves out files and directories whose
    names start with ``_`` or ``.`` (``grep`` only those with ``.``); each file is read
    whole (at most 2 GB).
    """
    from .sources import FORMATS

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    paths = [path] if isinstance(path, str) else list(path)
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(paths)
    files = files.select("path", "content")
    df = files.mapInArrow(lambda it: _frame_batches(it, fmt, skips), SCHEMA)
    _SOURCES[df] = _Source(files, fmt, skips, paths)
    return df


def unlisted_files(events: DataFrame) -> ScanStats:
    """What Spark's file listing left out of a :func:`read_cloudtrail` DataFrame, as a
    :class:`cwpattern.sources.ScanStats`, by what ``cwpattern grep`` does with it.

    Spark (its Hadoop file index) leaves out files and directories whose names start with
    ``_`` or ``.`` (except names holding ``=``) and files ending in ``._COPYING_``.
    CloudTrail writes no such names, but a copied archive can hold them.  This lists the
    paths again through the same Hadoop filesystem (one more listing, on the driver) and
    counts every file missing from the DataFrame's input: ``ignored["hidden"]`` for an
    entry under a name starting with ``.`` (``grep`` leaves those out too; one per
    hidden entry, as ``grep`` counts), ``ignored["cloudtrail_digest"]`` for digest files,
    and ``skipped["not_listed"]`` for the rest: files ``grep`` reads and Spark did not, so
    the counts may differ from ``grep``'s (``spark-count`` reports them and exits 2).
    """
    from .sources import is_digest_path

    source = _SOURCES.get(events)
    if source is None:
        raise ValueError("not a DataFrame made by read_cloudtrail")
    files = source.files
    spark = files.sparkSession
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    listed = {_same_file(f) for f in files.inputFiles()}
    st = ScanStats()
    hidden: set[str] = set()
    for root in source.paths:
        path = jvm.org.apache.hadoop.fs.Path(root)
        fs = path.getFileSystem(conf)
        if not fs.exists(path):
            continue  # (Spark's read failed already)
        top = _same_file(fs.makeQualified(path).toUri().toString()).rstrip("/")
        found = fs.listFiles(path, True)
        while found.hasNext():
            entry_path = found.next().getPath()
            uri = _same_file(entry_path.toUri().toString())  # %-encoded, as inputFiles()
            if uri in listed:
                continue
            name = entry_path.toString()
            rel = uri[len(top) :].lstrip("/").split("/") if uri.startswith(top) else [uri]
            dot = next((i for i, part in enumerate(rel) if part.startswith(".")), None)
            if dot is not None:
                entry = unquote(top + "/" + "/".join(rel[: dot + 1]))
                if entry not in hidden:
                    hidden.add(entry)
                    st.ignore("hidden", entry)
            elif is_digest_path(name):
                st.ignore("cloudtrail_digest", name)
            else:
                st.skip("not_listed", name, "left out by Spark's file listing (see docs/spark.md)")
    return st


def _same_file(uri: str) -> str:
    """One spelling of a local file URI (Hadoop writes ``file:/x``, Spark ``file:///x``)."""
    if uri.startswith("file:"):
        return "file:///" + uri[5:].lstrip("/")
    return uri


# --------------------------------------------------------------------------- prefilter


def _requirement_column(req: Requirement, col: Column) -> Column | None:
    if req is None:
        return None
    if isinstance(req, bytes):
        return col.contains(req.decode("utf-8"))
    kind, parts = req
    cols = [_requirement_column(p, col) for p in parts]
    if kind == "or" and any(c is None for c in cols):
        return None
    kept = [c for c in cols if c is not None]
    if not kept:
        return None
    out = kept[0]
    for c in kept[1:]:
        out = (out & c) if kind == "and" else (out | c)
    return out


def prefilter_column(pattern: str | CompiledPattern, column: str = "message") -> Column | None:
    """A Spark predicate every message the pattern matches satisfies (``contains`` tests
    of its literals), or None when the pattern implies no literal.  Rows failing it cannot
    match; rows passing it still need the matcher."""
    from pyspark.sql import functions as F

    compiled = pattern if isinstance(pattern, CompiledPattern) else _compile_pattern(pattern)
    pf = prefilter_for(compiled.ast)
    col = F.col(column)
    test = _requirement_column(utf8_requirement(pf.requirement), col)
    if test is None:
        return None
    for c in pf.escapes:  # JSON escapes can spell any literal differently: such rows pass
        test = test | col.contains("\\" + chr(c))
    return test


def _is_string(df: DataFrame, column: str) -> bool:
    """Whether ``contains`` tests can run on the column (binary columns: no pushdown)."""
    from pyspark.sql.types import StringType

    return isinstance(df.schema[column].dataType, StringType)


def _any_prefilter(compiled: Sequence[CompiledPattern], column: str) -> Column | None:
    tests = [prefilter_column(c, column) for c in compiled]
    if not tests or any(t is None for t in tests):
        return None
    out = tests[0]
    for t in tests[1:]:
        out = out | t  # type: ignore[operator]
    return out


# --------------------------------------------------------------------------- filter


def filter(  # noqa: A001 - the DataFrame verb
    df: DataFrame,
    pattern: str | CompiledPattern,
    column: str = "message",
    *,
    extract: bool = False,
) -> DataFrame:
    """The rows of ``df`` whose ``column`` (string or binary) the pattern matches, with all
    their columns; ``extract=True`` adds ``extractedValues`` (map of ``$name`` to value, as
    TestMetricFilter reports it).  Null messages never match."""
    from pyspark.sql.types import MapType, StringType, StructField, StructType

    compiled = pattern if isinstance(pattern, CompiledPattern) else _compile_pattern(pattern)
    text = compiled.pattern
    pre = prefilter_column(compiled, column) if _is_string(df, column) else None
    source = df.where(pre) if pre is not None else df
    schema = source.schema
    position = schema.fieldNames().index(column)
    out_schema = schema
    if extract:
        out_schema = StructType(
            [*schema.fields, StructField("extractedValues", MapType(StringType(), StringType()))]
        )

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        matcher = PatternMatcher(text)
        for batch in batches:
            raws = _raw_values(batch.column(position))
            present = [r if r is not None else b"" for r in raws]
            mask = [m and r is not None for m, r in zip(matcher.mask(present), raws)]
            kept = batch.filter(pa.array(mask, type=pa.bool_()))
            if extract:
                values = [
                    list(matcher.extract(r).items())
                    for r, m in zip(present, mask)
                    if m  # (r is never None here)
                ]
                kept = pa.RecordBatch.from_arrays(
                    [*kept.columns, pa.array(values, type=pa.map_(pa.string(), pa.string()))],
                    names=[*kept.schema.names, "extractedValues"],
                )
            if kept.num_rows:
                yield kept

    return source.mapInArrow(run, out_schema)


# --------------------------------------------------------------------------- count


def _count_batches(
    batches: Iterable[pa.RecordBatch], patterns: list[str], position: int
) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    matcher = BatchMatcher(patterns)
    totals = [0] * len(patterns)
    for batch in batches:
        raws = [r for r in _raw_values(batch.column(position)) if r is not None]
        for i, n in enumerate(matcher.counts(raws)):
            totals[i] += n
    yield pa.RecordBatch.from_arrays(
        [pa.array([n], type=pa.int64()) for n in totals],
        names=[f"c{i}" for i in range(len(patterns))],
    )


def _count_files(
    batches: Iterable[pa.RecordBatch], patterns: list[str], fmt: str, skips: SkipCounter | None
) -> Iterator[pa.RecordBatch]:
    """Count the files' events in one pass, each file exactly as ``grep --count`` counts
    it (:class:`cwpattern.scanner.BytesCounter`: the prefilter searched for in the raw
    bytes, only candidate lines decoded), without a round trip through the JVM."""
    import pyarrow as pa

    counter = BytesCounter(patterns, fmt=fmt)
    st = ScanStats()
    for batch in batches:
        names = batch.column(batch.schema.get_field_index("path")).to_pylist()
        contents = _raw_values(batch.column(batch.schema.get_field_index("content")))
        for name, content in zip(names, contents):
            counter.add(content or b"", name, st)
    if st.skipped.get("not_evaluated"):  # a partial count is not a count: fail the task
        raise MatchResourceError(st.problems[0] if st.problems else "not_evaluated")
    if skips is not None:
        skips.add(_stats_counts(st))
    yield pa.RecordBatch.from_arrays(
        [pa.array([n], type=pa.int64()) for n in counter.totals],
        names=[f"c{i}" for i in range(len(patterns))],
    )


def count(
    df: DataFrame, patterns: Iterable[str | CompiledPattern], column: str = "message"
) -> dict[str, int]:
    """``{pattern: number of rows it matches}``, every pattern in one scan of ``df``
    (keys are the patterns as given, in order; duplicates count once)."""

    given = list(patterns)
    compiled = [p if isinstance(p, CompiledPattern) else _compile_pattern(p) for p in given]
    keys = [p if isinstance(p, str) else p.pattern for p in given]
    if not compiled:
        return {}
    texts = [c.pattern for c in compiled]
    schema = ", ".join(f"c{i} long" for i in range(len(texts)))
    source = _SOURCES.get(df)
    if source is not None and column == "message":
        files, fmt, skips, _ = source
        per_task = files.mapInArrow(lambda it: _count_files(it, texts, fmt, skips), schema)
    else:
        selected = df.select(column)
        pre = _any_prefilter(compiled, column) if _is_string(df, column) else None
        if pre is not None:
            selected = selected.where(pre)
        per_task = selected.mapInArrow(lambda it: _count_batches(it, texts, 0), schema)
    # One row per task, summed here: no shuffle stage for an aggregation of a few rows.
    totals = [0] * len(texts)
    for row in per_task.collect():
        for i, n in enumerate(row):
            totals[i] += int(n)
    return {key: totals[i] for i, key in enumerate(keys)}


def count_controls(
    df: DataFrame, benchmark_or_ids: str | Iterable[str], column: str = "message"
) -> dict[str, int]:
    """``{control id: count}`` for a benchmark's monitoring controls (``"cis-aws-3.0.0"``)
    or a list of control ids, in one scan."""
    from . import controls

    names = [benchmark_or_ids] if isinstance(benchmark_or_ids, str) else list(benchmark_or_ids)
    chosen: list[controls.Control] = []
    for name in names:
        found = controls.resolve(name)
        chosen.extend(c for c in found if c not in chosen)
    counts = count(df, [c.effective_pattern for c in chosen], column)
    return {c.id: counts[c.effective_pattern] for c in chosen}


# --------------------------------------------------------------------------- translation


def to_column(pattern: str | CompiledPattern, schema: StructType) -> Column:
    """A native Spark Column deciding the pattern, only where that is provably exact for
    ``schema``; otherwise :class:`Untranslatable` (never a guess).

    Exact today: term patterns (required, ``-excluded`` and ``?optional`` terms: substring
    tests on the message text, which is what CloudWatch does for them) on a ``message``
    column of binary-collated strings.  Everything else raises: JSON patterns depend on
    absent vs ``null``, mixed types, duplicate keys and trailing data, which Spark's JSON
    functions treat differently; regexes use another dialect; delimited patterns another
    tokenizer.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    from . import ast

    compiled = pattern if isinstance(pattern, CompiledPattern) else _compile_pattern(pattern)
    tree = compiled.ast
    field = next((f for f in schema.fields if f.name == "message"), None)
    if field is None or not isinstance(field.dataType, StringType):
        raise Untranslatable("no string column 'message' in the schema")
    if getattr(field.dataType, "collation", "UTF8_BINARY") != "UTF8_BINARY":
        raise Untranslatable("the 'message' column does not compare bytes (collation)")
    if not isinstance(tree, ast.TermPattern) or not tree.terms:
        raise Untranslatable(f"{type(tree).__name__} has no exact Spark SQL translation")
    col = F.col("message")
    tests: dict[ast.TermKind, list[Column]] = {kind: [] for kind in ast.TermKind}
    for term in tree.terms:
        try:
            term.text.encode("utf-8")
        except UnicodeEncodeError:
            raise Untranslatable("a term with lone surrogates") from None
        tests[term.kind].append(col.contains(term.text))
    required = tests[ast.TermKind.REQUIRED]
    excluded = tests[ast.TermKind.EXCLUDED]
    if not required and not excluded:  # only ?terms: any of them
        return _fold(tests[ast.TermKind.OPTIONAL], "or")
    parts = required + [~t for t in excluded]
    return _fold(parts, "and")


def _fold(cols: list[Column], kind: str) -> Column:
    out = cols[0]
    for c in cols[1:]:
        out = (out & c) if kind == "and" else (out | c)
    return out


def _python_for_workers() -> None:
    """Local Spark: run the workers on this interpreter (where cwpattern is installed)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
