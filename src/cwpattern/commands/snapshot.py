"""``cwpattern snapshot [-o FILE]``: write an account snapshot for ``cwpattern audit``.

The capture itself is :func:`cwpattern.aws.capture.build_snapshot` (boto3, an optional
dependency).  A call that fails leaves its key (or its trail ARN) out and is listed in
``metadata.errors``, so the audit says "cannot decide" for what it could not see; the exit
status is then 1.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..aws.capture import CaptureError, build_snapshot, open_session

NAME = "snapshot"
HELP = "write an account snapshot (AWS CLI outputs) for `cwpattern audit`; needs boto3"

__all__ = ["NAME", "HELP", "configure", "run", "build_snapshot"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region",
        help="AWS region (default: the profile's region); use the "
        "region of the CloudTrail log group",
    )
    parser.add_argument("--profile", help="AWS named profile")
    parser.add_argument("-o", "--output", default="-", help="output file ('-' = stdout, default)")


def run(args: argparse.Namespace) -> int:
    try:
        session = open_session(args.profile, args.region)
    except CaptureError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    doc = build_snapshot(session)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    for message in doc["metadata"]["warnings"]:
        print(f"warning: {message}", file=sys.stderr)
    for message in doc["metadata"]["errors"]:
        print(f"error: {message}", file=sys.stderr)
    return 1 if doc["metadata"]["errors"] else 0
