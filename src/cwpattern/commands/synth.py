"""``cwpattern synth [-n N | --size 1GB] [--seed S] [--kms-share F] [-o FILE(.gz)]``.

Writes synthetic CloudTrail records (one compact JSON record per line, see
:mod:`cwpattern.synth`) to FILE (gzip when it ends in ``.gz``) or stdout, and a one-line
summary to stderr.  Exit 0, or 2 for bad arguments / an unwritable file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

from ..synth import write

NAME = "synth"
HELP = "generate realistic synthetic CloudTrail records (JSON lines) for tests and benchmarks"

_UNITS = {
    "": 1,
    "B": 1,
    "K": 10**3,
    "KB": 10**3,
    "M": 10**6,
    "MB": 10**6,
    "G": 10**9,
    "GB": 10**9,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
}


def parse_size(text: str) -> int:
    """``"1GB"`` -> 10**9, ``"512MiB"`` -> 512 * 2**20, ``"2.5M"`` -> 2500000.

    >>> parse_size("1GB"), parse_size("64KiB"), parse_size("100")
    (1000000000, 65536, 100)
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    unit = m.group(2).upper() if m else ""
    if not m or unit not in _UNITS:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r} (examples: 1GB, 500MB, 64KiB, 100000)"
        )
    return int(float(m.group(1)) * _UNITS[unit])


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"invalid share {text!r}: a fraction within [0, 1]")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"invalid record count {text!r}")
    return int(text)


def configure(parser: argparse.ArgumentParser) -> None:
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "-n", "--records", type=_count, metavar="N", help="number of records (default 1000)"
    )
    size.add_argument(
        "--size",
        type=parse_size,
        metavar="SIZE",
        help="stop before the uncompressed output passes SIZE (1GB, 500MB, 64KiB)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--kms-share",
        type=_share,
        default=0.001,
        metavar="F",
        help="fraction of records that are KMS DisableKey/ScheduleKeyDeletion (default 0.001)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="output file, gzip if it ends in .gz (default: stdout)",
    )
    parser.add_argument(
        "--summary-format",
        choices=("text", "json"),
        default="text",
        help="format of the summary printed on stderr",
    )


def run(args: argparse.Namespace) -> int:
    n = args.records if args.records is not None or args.size is not None else 1000
    try:
        if args.output and args.output != "-":
            summary = write(
                args.output, n, size_bytes=args.size, seed=args.seed, kms_alarm_share=args.kms_share
            )
        else:
            summary = write(
                sys.stdout.buffer,
                n,
                size_bytes=args.size,
                seed=args.seed,
                kms_alarm_share=args.kms_share,
                gzip=False,
            )
    except BrokenPipeError:
        # The reader went away (`cwpattern synth | head`): not an error, and keep Python
        # from complaining again when it flushes stdout at exit.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except OSError as e:
        print(f"error: cannot write {args.output}: {e.strerror or e}", file=sys.stderr)
        return 2
    if args.summary_format == "json":
        print(json.dumps(summary.to_dict()), file=sys.stderr)
    else:
        print(f"synth: {summary}", file=sys.stderr)
    return 0
