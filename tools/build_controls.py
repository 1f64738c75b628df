#!/usr/bin/env python3
"""Regenerate ``src/cwpattern/data/controls.json`` from a CIS transcription file.

Usage::

    python tools/build_controls.py [SOURCE.json] [-o src/cwpattern/data/controls.json]
    python tools/build_controls.py --check   # exit 1 if the packaged file is out of date
    python tools/build_controls.py --docs    # also regenerate the topic section of docs/controls.md

``SOURCE.json`` is the list of CIS AWS Foundations monitoring controls (fields ``control``,
``version``, ``title``, ``pattern``, ``pattern_kind``, ``notes`` and optional
``variants_seen_in_other_transcriptions``).  The default is the copy kept in the repository,
``tests/data/corpus/cis_aws_monitoring_controls.json`` (the tests check the catalog against it).

What this script adds to the source:

* stable ids: ``cis-aws-<version>-<control>`` and ``securityhub-cloudwatch.<n>``;
* a ``topic`` grouping the same control across versions (checked against the titles);
* ``corrected_pattern`` for the two transcribed texts that are not valid patterns (the
  verbatim text is kept in ``pattern``);
* the rows that have no filter pattern (4.16/5.16 "Security Hub is enabled") are listed
  under ``excluded`` instead of ``controls``.

The library reads only the generated JSON; it never reads the source file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

SCHEMA = 1
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT / "tests" / "data" / "corpus" / "cis_aws_monitoring_controls.json"
DEFAULT_OUT = ROOT / "src" / "cwpattern" / "data" / "controls.json"

CIS_VERSIONS = ("1.2.0", "1.3.0", "1.4.0", "1.5.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0", "6.0.0")
SECURITYHUB = "securityhub"

# topic id -> (human title, words every title of the topic must contain, lower case)
TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "unauthorized-api-calls": ("Unauthorized API calls", ("unauthorized api calls",)),
    "console-signin-without-mfa": ("Console sign-in without MFA", ("sign-in without mfa",)),
    "root-usage": ("Usage of the root account", ("root",)),
    "iam-policy-changes": ("IAM policy changes", ("iam policy changes",)),
    "cloudtrail-config-changes": ("CloudTrail configuration changes", ("cloudtrail",)),
    "console-auth-failures": ("Console authentication failures", ("authentication failures",)),
    "kms-cmk-disable-or-delete": (
        "Disabling or scheduled deletion of customer managed KMS keys",
        ("disabling or scheduled deletion",),
    ),
    "s3-bucket-policy-changes": ("S3 bucket policy changes", ("s3 bucket policy changes",)),
    "aws-config-changes": ("AWS Config configuration changes", ("config configuration changes",)),
    "security-group-changes": ("Security group changes", ("security group changes",)),
    "nacl-changes": ("Network ACL changes", ("nacl",)),
    "network-gateway-changes": ("Network gateway changes", ("network gateways",)),
    "route-table-changes": ("Route table changes", ("route table changes",)),
    "vpc-changes": ("VPC changes", ("vpc changes",)),
    "organizations-changes": ("AWS Organizations changes", ("organizations changes",)),
}

# Position of a control inside its CIS monitoring section (3.x in 1.2.0, 4.x up to 5.0.0,
# 5.x in 6.0.0) -> topic.
CIS_INDEX_TOPIC = dict(enumerate(TOPICS, start=1))
# Security Hub numbers its CloudWatch controls differently for the first three.
SECURITYHUB_INDEX_TOPIC = {
    **{n: CIS_INDEX_TOPIC[n] for n in range(4, 15)},
    1: "root-usage",
    2: "unauthorized-api-calls",
    3: "console-signin-without-mfa",
}

# (id, verbatim fragment, replacement, expected count, why).  Applied only to build
# ``corrected_pattern``; ``pattern`` stays verbatim.
CORRECTIONS: tuple[tuple[str, str, str, int, str], ...] = (
    (
        "cis-aws-1.3.0-4.4",
        "($eventName=",
        "($.eventName=",
        2,
        "The v1.3.0 remediation text writes '$eventName' (missing '.') twice, which is not a "
        "selector; the console section of the same document has the typo-free text, used here.",
    ),
    (
        "cis-aws-6.0.0-5.15",
        '($.eventName = AcceptHandshake")',
        '($.eventName = "AcceptHandshake")',
        1,
        "The v6.0.0 text has an unbalanced quote in 'AcceptHandshake\"'; the opening quote is "
        "restored, as in every other version.",
    ),
)


def control_id(version: str, number: str) -> str:
    if version == SECURITYHUB:
        match = re.fullmatch(r"CloudWatch\.(\d+)", number)
        if not match:
            raise SystemExit(f"unexpected Security Hub control number {number!r}")
        return f"securityhub-cloudwatch.{int(match.group(1))}"
    return f"cis-aws-{version}-{number}"


def benchmark_id(version: str) -> str:
    return SECURITYHUB if version == SECURITYHUB else f"cis-aws-{version}"


def topic_of(version: str, number: str, title: str) -> str:
    index = int(number.rsplit(".", 1)[1])
    table = SECURITYHUB_INDEX_TOPIC if version == SECURITYHUB else CIS_INDEX_TOPIC
    if index not in table:
        raise SystemExit(f"{version} {number}: no topic for index {index}")
    topic = table[index]
    if not all(word in title.lower() for word in TOPICS[topic][1]):
        raise SystemExit(f"{version} {number}: title {title!r} does not fit topic {topic!r}")
    return topic


def sort_key(control: dict[str, Any]) -> tuple[int, tuple[int, ...]]:
    version = control["version"]
    rank = len(CIS_VERSIONS) if version == SECURITYHUB else CIS_VERSIONS.index(version)
    return rank, tuple(int(part) for part in re.findall(r"\d+", control["number"]))


def build(rows: list[dict[str, Any]]) -> dict[str, Any]:
    controls: list[dict[str, Any]] = []
    excluded: list[dict[str, str]] = []
    for row in rows:
        version, number = row["version"], row["control"]
        if version != SECURITYHUB and version not in CIS_VERSIONS:
            raise SystemExit(f"unknown version {version!r}")
        if "pattern" not in row:
            excluded.append(
                {
                    "version": version,
                    "number": number,
                    "title": row["title"],
                    "reason": row["notes"],
                }
            )
            continue
        variants: list[dict[str, str]] = []
        seen = {row["pattern"]}
        for variant in row.get("variants_seen_in_other_transcriptions", []):
            if variant["pattern"] not in seen:
                seen.add(variant["pattern"])
                variants.append(
                    {
                        "pattern": variant["pattern"],
                        "kind": variant["kind"],
                        "source": variant["source"],
                    }
                )
        controls.append(
            {
                "id": control_id(version, number),
                "benchmark": benchmark_id(version),
                "version": version,
                "number": number,
                "title": row["title"],
                "topic": topic_of(version, number, row["title"]),
                "pattern": row["pattern"],
                "pattern_kind": row["pattern_kind"],
                "notes": row["notes"],
                "variants": variants,
            }
        )
    by_id = {c["id"]: c for c in controls}
    if len(by_id) != len(controls):
        raise SystemExit("duplicate control ids")
    for cid, old, new, count, why in CORRECTIONS:
        control = by_id[cid]
        if control["pattern"].count(old) != count:
            raise SystemExit(f"{cid}: correction {old!r} expected {count} time(s)")
        control["corrected_pattern"] = control["pattern"].replace(old, new)
        control["correction"] = why
    controls.sort(key=sort_key)
    versions = sorted(
        {c["version"] for c in controls}, key=lambda v: sort_key({"version": v, "number": "0"})
    )
    benchmarks = [
        {
            "id": benchmark_id(v),
            "version": v,
            "title": (
                "AWS Security Hub CloudWatch.1-14 (CIS-derived) controls"
                if v == SECURITYHUB
                else f"CIS Amazon Web Services Foundations Benchmark v{v}, monitoring section"
            ),
        }
        for v in versions
    ]
    return {
        "schema": SCHEMA,
        "description": "CIS AWS Foundations Benchmark monitoring controls (log metric filter "
        "and alarm) v1.2.0-6.0.0 and AWS Security Hub CloudWatch.1-14, with the "
        "reference filter pattern of each, verbatim as transcribed.",
        "benchmarks": benchmarks,
        "topics": [{"id": t, "title": title} for t, (title, _) in TOPICS.items()],
        "controls": controls,
        "excluded": excluded,
    }


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, indent=1, ensure_ascii=False) + "\n"


DOC = ROOT / "docs" / "controls.md"
DOC_BEGIN = "<!-- BEGIN GENERATED: tools/build_controls.py --docs -->"
DOC_END = "<!-- END GENERATED -->"


def render_doc_topics(catalog: dict[str, Any]) -> str:
    """Markdown: per topic, the verbatim reference text of every version and its real grouping.

    Needs the library (``PYTHONPATH=src``) to parse the patterns.
    """
    try:
        import cwpattern  # noqa: F401
    except ImportError:  # run from a checkout without PYTHONPATH=src
        sys.path.insert(0, str(ROOT / "src"))
    from cwpattern import parse
    from cwpattern.printer import json_expr_text

    out: list[str] = []
    for topic in catalog["topics"]:
        members = [c for c in catalog["controls"] if c["topic"] == topic["id"]]
        out += [
            f"### `{topic['id']}` - {topic['title']}",
            "",
            "Reference text, verbatim:",
            "",
            "```text",
        ]
        width = max(len(c["id"]) for c in members)
        previous = None
        for c in members:
            text = "(same text as above)" if c["pattern"] == previous else c["pattern"]
            out.append(f"{c['id']:<{width}}  {text}")
            previous = c["pattern"]
        out += ["```", "", "Meaning (every `&&` group inside `||` parenthesised):", ""]
        meanings: dict[str, list[str]] = {}
        for c in members:
            tree = parse(c.get("corrected_pattern") or c["pattern"])
            meanings.setdefault("{ " + json_expr_text(tree.expr, explicit=True) + " }", []).append(
                c["id"]
            )
        for meaning, ids in meanings.items():
            out += [f"- {', '.join(ids)}:", "  `" + meaning + "`"]
        for c in members:
            if "corrected_pattern" in c:
                out.append(f"- {c['id']} is corrected: {c['correction']}")
        out.append("")
    return "\n".join(out)


def update_doc(catalog: dict[str, Any], check: bool) -> int:
    text = DOC.read_text("utf-8")
    head, sep, rest = text.partition(DOC_BEGIN)
    _, sep2, tail = rest.partition(DOC_END)
    if not sep or not sep2:
        raise SystemExit(f"{DOC}: generated-section markers not found")
    new = head + DOC_BEGIN + "\n" + render_doc_topics(catalog) + "\n" + DOC_END + tail
    if check:
        return 0 if new == text else 1
    DOC.write_text(new, "utf-8")
    print(f"updated {DOC}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source",
        type=Path,
        nargs="?",
        default=DEFAULT_SOURCE,
        help="CIS transcription JSON (list of controls); default: %(default)s",
    )
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if OUTPUT is not up to date"
    )
    parser.add_argument(
        "--docs",
        action="store_true",
        help=f"also regenerate the per-topic section of {DOC.relative_to(ROOT)}",
    )
    args = parser.parse_args(argv)
    catalog = build(json.loads(args.source.read_text("utf-8")))
    if args.docs and update_doc(catalog, args.check):
        print(f"{DOC} is out of date; rerun with --docs", file=sys.stderr)
        return 1
    text = render(catalog)
    if args.check:
        current = args.output.read_text("utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; rerun without --check", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, "utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
