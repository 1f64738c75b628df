"""``cwpattern spark-count (--control ID | -e PATTERN | -f FILE)... PATH...``: on Spark.

The counts of ``cwpattern grep --count --each`` computed by Spark (:mod:`cwpattern.spark`):
one line per pattern, ``COUNT<TAB>LABEL``, in the order given, where the label is the
control id for ``--control`` (a benchmark expands to its monitoring controls) and the
pattern text for ``-e``.  Every pattern is counted in one scan.  PATH may be any URI Spark
reads (``s3://bucket/AWSLogs/``, ``file:///data``) or a local path.  Runs local Spark
(``local[*]``) unless ``--master`` says otherwise.  Needs the ``spark`` extra.

Exit status as ``grep``: 0 when some pattern matched, 1 when none did, 2 for an invalid
pattern or control, a missing pyspark, input that could not be read, or input that was
skipped (a count over incomplete input is not a verdict) unless ``--skip-ok`` (or ``-s``).
Files Spark's listing leaves out (names starting with ``_``; ``grep`` reads them) are
found by a second listing and reported as skipped ``not_listed``
(:func:`cwpattern.spark.unlisted_files`), never left out silently.
"""

from __future__ import annotations

import argparse
import os
import sys

from ._patternargs import add_pattern_options, labelled_patterns

NAME = "spark-count"
HELP = "count the events of CloudTrail trees that each pattern matches, on Spark"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (URIs)")
    add_pattern_options(parser)
    parser.add_argument("--master", default="local[*]", help="Spark master URL (default: local[*])")
    parser.add_argument(
        "--format",
        choices=("auto", "jsonl", "text", "json"),
        default="auto",
        help="input format (default: sniffed per file)",
    )
    parser.add_argument(
        "-s",
        "--no-messages",
        action="store_true",
        help="do not report skipped input on stderr (implies --skip-ok)",
    )
    parser.add_argument(
        "--skip-ok",
        action="store_true",
        help="skipped data (invalid lines, binary files...) does not make the status 2",
    )


def run(args: argparse.Namespace) -> int:
    if not getattr(args, "pattern_options", None):
        print("cwpattern spark-count: give --control, -e PATTERN or -f FILE", file=sys.stderr)
        return 2
    # in the order given, as grep --each; errors exit 2 before Spark starts
    labelled = labelled_patterns(args)
    try:
        from pyspark.errors import PySparkException
        from pyspark.sql import SparkSession
    except ImportError:
        print(
            "cwpattern spark-count: pyspark is not installed (pip install 'cwpattern[spark]')",
            file=sys.stderr,
        )
        return 2
    from .. import spark as cwspark
    from ..sources import ScanStats
    from .grep import ERRORS

    if args.master.startswith("local"):  # workers run this interpreter (cwpattern is here)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(args.master)
        .appName("cwpattern spark-count")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        skips = cwspark.SkipCounter(session)
        paths = [_uri(p) for p in args.paths]
        try:
            df = cwspark.read_cloudtrail(session, paths, fmt=args.format, skips=skips)
            counts = cwspark.count(df, [pattern for _, pattern in labelled])
            # files Spark's listing left out (names starting with _ or .): never silent
            unlisted = cwspark.unlisted_files(df)
        except PySparkException as e:  # e.g. a path that does not exist
            print(f"cwpattern spark-count: {str(e).splitlines()[0]}", file=sys.stderr)
            return 2
        out = sys.stdout
        for label, pattern in labelled:
            out.write(f"{counts[pattern.pattern]}\t{label}\n")
        out.flush()
        stats = ScanStats(skipped=skips.skipped, ignored=skips.ignored)
        stats.merge(unlisted)
        if not args.no_messages:
            for label_, counts_ in (("skipped", stats.skipped), ("ignored", stats.ignored)):
                for reason, n in sorted(counts_.items()):
                    first = stats.ignored_examples.get(reason) if label_ == "ignored" else None
                    if label_ == "skipped":
                        first = next(
                            (q.split(": ")[0] for q in stats.problems if f": {reason}" in q), None
                        )
                    where = f" (first: {first})" if first else ""
                    print(f"cwpattern spark-count: {label_} {n} x {reason}{where}", file=sys.stderr)
        errors = sum(stats.skipped.get(k, 0) for k in ERRORS)
        lost = stats.incomplete() - errors
        if errors or (lost and not (args.skip_ok or args.no_messages)):
            return 2
        return 0 if any(counts.values()) else 1
    finally:
        session.stop()


def _uri(path: str) -> str:
    """Local paths as absolute ``file:`` URIs (Spark would resolve them against its
    default filesystem, which on a cluster is not this machine's)."""
    if "://" in path or path.startswith("file:"):
        return path
    return "file://" + os.path.abspath(path)
