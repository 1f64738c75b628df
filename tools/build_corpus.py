#!/usr/bin/env python3
"""Write ``tests/data/corpus/{candidates,versions}.jsonl``: patterns with hand verdicts.

Usage::

    python tools/build_corpus.py            # rewrite the JSONL
    python tools/build_corpus.py --check    # exit 1 if the JSONL is not up to date

This file is the editable source of the corpus; the JSONL is what tests read.  Every verdict
below was worked out by hand from the semantics spec (``docs`` / spec §2-§4) over the event
domain described in ``tests/data/corpus/README.md``: any JSON object serialized as compact
JSON (``separators=(",", ":")``, no unnecessary escapes), every field that the reference does
not pin down may have any value or be absent, and ``userAgent``/``requestParameters`` are
attacker-controlled.

``relation`` is the relation of the candidate's match set C to the set R of events the
control's reference pattern matches ("required events"):

* equivalent: C == R;  broader: R < C;  narrower: C < R and C not empty;
* overlap: C meets R, and neither contains the other;
* disjoint: C not empty, C and R do not meet;  never: C is empty.

``covers`` is ``R <= C`` (equivalent or broader).  Witness events make every existential part
of a verdict checkable against a matcher: ``hit`` (in R and C), ``missed`` (in R, not in C),
``extra`` (in C, not in R).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus" / "candidates.jsonl"
VERSIONS_OUT = OUT.with_name("versions.jsonl")
RELATIONS = ("equivalent", "broader", "narrower", "overlap", "disjoint", "never")
ROWS: list[dict[str, Any]] = []


def row(
    control: str,
    pattern: str,
    relation: str,
    reason: str,
    *,
    missed: str | None = None,
    hit: dict[str, Any] | None = None,
    miss: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    subtle: bool = False,
) -> None:
    assert relation in RELATIONS, relation
    item: dict[str, Any] = {
        "control": control,
        "pattern": pattern,
        "covers": relation in ("equivalent", "broader"),
        "relation": relation,
        "reason": reason,
    }
    if missed:
        item["missed"] = missed
    if subtle:
        item["subtle"] = True
    witnesses = {
        k: v for k, v in (("hit", hit), ("missed", miss), ("extra", extra)) if v is not None
    }
    if witnesses:
        item["witnesses"] = witnesses
    ROWS.append(item)


def ev(**fields: Any) -> dict[str, Any]:
    return dict(fields)


# =========================================================================== 4.7 KMS
C47 = "cis-aws-3.0.0-4.7"
KMS = "kms.amazonaws.com"
DK = ev(eventSource=KMS, eventName="DisableKey")
SKD = ev(eventSource=KMS, eventName="ScheduleKeyDeletion")
DKR = ev(eventSource=KMS, eventName="DisableKeyRotation")
KMS_DECRYPT = ev(eventSource=KMS, eventName="Decrypt")
EC2_DK = ev(eventSource="ec2.amazonaws.com", eventName="DisableKey")
EC2_SKD = ev(eventSource="ec2.amazonaws.com", eventName="ScheduleKeyDeletion")
REF47_TAIL = "(($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))"

# --- equivalent
row(
    C47,
    '{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = "DisableKey") || ($.eventName = "ScheduleKeyDeletion")) }',
    "equivalent",
    "Quoting a value that has no wildcard does not change it; spacing is free.",
)
row(
    C47,
    "{$.eventSource=kms.amazonaws.com&&($.eventName=DisableKey||$.eventName=ScheduleKeyDeletion)}",
    "equivalent",
    "No blanks at all: blanks around operators are optional.",
)
row(
    C47,
    "{ (($.eventName = ScheduleKeyDeletion) || ($.eventName = DisableKey)) && ($.eventSource = kms.amazonaws.com) }",
    "equivalent",
    "Clauses reordered; && and || are commutative.",
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com && $.eventName = DisableKey) || ($.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion) }",
    "equivalent",
    "eventSource distributed over the two event names.",
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey || $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }",
    "equivalent",
    "Same as the distributed form without parentheses: && binds tighter than ||.",
)
row(
    C47,
    "{\n  ($.eventSource = kms.amazonaws.com) &&\n  (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion))\n}",
    "equivalent",
    "Newlines and indentation are blanks inside a JSON pattern.",
)
row(
    C47,
    "{ ((($.eventSource = kms.amazonaws.com))) && ((($.eventName = DisableKey)) || (($.eventName = ScheduleKeyDeletion))) }",
    "equivalent",
    "Redundant parentheses.",
)
row(
    C47,
    "{ $.['eventSource'] = kms.amazonaws.com && ($.['eventName'] = DisableKey || $.eventName = ScheduleKeyDeletion) }",
    "equivalent",
    "Bracket member syntax .['key'] selects the same member as .key.",
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName = %^DisableKey$|^ScheduleKeyDeletion$% }",
    "equivalent",
    "Anchored regex alternation (| splits the whole body) accepts exactly the two names.",
)
row(
    C47,
    r"{ $.eventSource = %^kms\.amazonaws\.com$% && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }",
    "equivalent",
    "Anchored regex with escaped dots is exact equality on the eventSource text.",
)
row(
    C47,
    f'{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.eventSource = "*.amazonaws.com") }}',
    "equivalent",
    "The extra wildcard condition is implied by eventSource = kms.amazonaws.com.",
)
row(
    C47,
    f"{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.eventName != DisableKeyRotation) }}",
    "equivalent",
    "The != clause is true for both required names (a string that differs), so it removes nothing.",
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)||($.eventName=DisableKey)) }",
    "equivalent",
    "Duplicated OR clause.",
)
row(
    C47,
    "  {($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }  ",
    "equivalent",
    "Leading and trailing blanks never change a pattern.",
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) && $.eventName = * }",
    "equivalent",
    "= * holds for any string, and both required names are strings.",
)
row(
    C47,
    f"{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.eventSource != s3.amazonaws.com) }}",
    "equivalent",
    "eventSource = kms.amazonaws.com implies eventSource != s3.amazonaws.com.",
)
row(
    C47,
    "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}",
    "equivalent",
    "Security Hub CloudWatch.7 text: only spacing differs.",
)
row(
    C47,
    '{ $.eventSource = "kms.amazonaws.com" && $.eventName = "ScheduleKeyDeletion" || $.eventName = "DisableKey" && $.eventSource = "kms.amazonaws.com" }',
    "equivalent",
    "Both && pairs bind before ||, giving (kms && SKD) || (DK && kms).",
)

# --- broader (covers)
row(
    C47,
    "{ $.eventName = DisableKey || $.eventName = ScheduleKeyDeletion }",
    "broader",
    "No eventSource: the same event names from any (or no) event source also match.",
    extra=EC2_DK,
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey || $.eventName = ScheduleKeyDeletion }",
    "broader",
    "Precedence: (kms && DisableKey) || ScheduleKeyDeletion, so ScheduleKeyDeletion from any source matches.",
    extra=EC2_SKD,
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) && ($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion) }",
    "broader",
    "Parenthesised comparisons but no group around the OR: reads as (kms && DisableKey) || ScheduleKeyDeletion.",
    extra=EC2_SKD,
)
row(
    C47,
    '{ ($.eventSource = kms.amazonaws.com) && (($.eventName = "DisableKey*") || ($.eventName = ScheduleKeyDeletion)) }',
    "broader",
    "Trailing * is a wildcard even when quoted: DisableKey* also matches DisableKeyRotation.",
    extra=DKR,
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = Disable*) || ($.eventName = Schedule*)) }",
    "broader",
    "Prefix wildcards match every Disable*/Schedule* KMS call.",
    extra=DKR,
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com }",
    "broader",
    "Every KMS call matches.",
    extra=KMS_DECRYPT,
)
row(
    C47,
    '{ $.eventSource = "kms*" && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }',
    "broader",
    "kms* is a prefix wildcard: any eventSource starting with kms matches.",
    extra=ev(eventSource="kms-proxy.example.com", eventName="DisableKey"),
)
row(
    C47,
    '{ $.eventSource = "*.amazonaws.com" && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }',
    "broader",
    "Suffix wildcard accepts every AWS service as the source.",
    extra=EC2_DK,
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName = * }",
    "broader",
    "= * accepts any string or number eventName.",
    extra=KMS_DECRYPT,
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName = *Key* }",
    "broader",
    "Both required names contain 'Key'; so do EnableKey, CreateKey, ...",
    extra=ev(eventSource=KMS, eventName="EnableKey"),
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName = %DisableKey|ScheduleKeyDeletion% }",
    "broader",
    "Unanchored regex is a substring search: DisableKeyRotation matches.",
    extra=DKR,
)
row(
    C47,
    r"{ $.eventSource = %kms\.amazonaws\.com% && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }",
    "broader",
    "Unanchored regex on eventSource accepts any source containing kms.amazonaws.com.",
    extra=ev(eventSource="fips-kms.amazonaws.com.example", eventName="DisableKey"),
)
row(
    C47,
    "{ $.eventSource = %^kms.amazonaws.com$% && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }",
    "broader",
    "Unescaped . in the regex matches any character (kmsXamazonaws.com).",
    extra=ev(eventSource="kmsXamazonaws.com", eventName="DisableKey"),
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) || (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
    "broader",
    "|| instead of && between source and names: every KMS call and every DisableKey/ScheduleKeyDeletion.",
    extra=KMS_DECRYPT,
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com || $.eventName = DisableKey && $.eventName = ScheduleKeyDeletion }",
    "broader",
    "The && branch can never hold, so the pattern reduces to eventSource = kms.amazonaws.com.",
    extra=KMS_DECRYPT,
    subtle=True,
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)||($.eventName=DeleteImportedKeyMaterial)) }",
    "broader",
    "An extra event name only adds events.",
    extra=ev(eventSource=KMS, eventName="DeleteImportedKeyMaterial"),
)
row(
    C47,
    '{ ($.eventSource != "s3.amazonaws.com") && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }',
    "broader",
    "!= s3 holds for kms.amazonaws.com and for every other source string.",
    extra=EC2_DK,
)
row(
    C47,
    "{ $.* = kms.amazonaws.com && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }",
    "broader",
    "$.* tests every top-level value: any field equal to kms.amazonaws.com satisfies it (eventSource does for required events).",
    extra=ev(eventSource="ec2.amazonaws.com", eventName="DisableKey", sourceIPAddress=KMS),
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && ($.* = DisableKey || $.* = ScheduleKeyDeletion) }",
    "broader",
    "$.* = DisableKey holds when any top-level value (eventName, or an attacker-set userAgent) equals it.",
    extra=ev(eventSource=KMS, eventName="Decrypt", userAgent="DisableKey"),
)
row(
    C47,
    "?DisableKey ?ScheduleKeyDeletion",
    "broader",
    "Only optional terms: matches any record whose raw text contains either name anywhere.",
    extra=ev(eventSource="s3.amazonaws.com", eventName="GetObject", userAgent="DisableKey"),
)
row(
    C47,
    '"kms.amazonaws.com"',
    "broader",
    "Term pattern: every record mentioning kms.amazonaws.com anywhere.",
    extra=KMS_DECRYPT,
)
row(
    C47,
    '"kms.amazonaws.com" ?DisableKey ?ScheduleKeyDeletion',
    "broader",
    "Optional terms are ignored when a required term exists: same as the single term kms.amazonaws.com.",
    extra=KMS_DECRYPT,
)
row(
    C47,
    "kms Key",
    "broader",
    "Both substrings occur in every required record ('kms' in eventSource, 'Key' in both names).",
    extra=ev(eventSource=KMS, eventName="EnableKey"),
)
row(
    C47,
    "%DisableKey|ScheduleKeyDeletion%",
    "broader",
    "Standalone regex searches the raw record: any mention of either name matches.",
    extra=ev(
        eventSource="s3.amazonaws.com", eventName="GetObject", userAgent="ScheduleKeyDeletion"
    ),
)
row(
    C47,
    r"%kms\.amazonaws\.com%",
    "broader",
    "Standalone regex: every record mentioning kms.amazonaws.com.",
    extra=KMS_DECRYPT,
)
row(
    C47,
    "",
    "broader",
    "The empty pattern matches every event.",
    extra=ev(eventSource="s3.amazonaws.com", eventName="GetObject"),
)
row(
    C47,
    f'{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} || ($.errorCode = "AccessDenied*") }}',
    "broader",
    "An ORed extra condition only adds events.",
    extra=ev(eventSource="s3.amazonaws.com", eventName="GetObject", errorCode="AccessDenied"),
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion) || ($.eventName NOT EXISTS)) }",
    "broader",
    "Adds KMS records that have no eventName.",
    extra=ev(eventSource=KMS),
)
row(
    C47,
    r'?"\"eventName\":\"DisableKey\"" ?"\"eventName\":\"ScheduleKeyDeletion\""',
    "broader",
    "Terms quoting the compact JSON member text: precise names but no eventSource, so any source matches.",
    extra=EC2_DK,
    subtle=True,
)
row(
    C47,
    "{ $.eventName = %^DisableKey$|^ScheduleKeyDeletion$% }",
    "broader",
    "Exact names by regex, but no eventSource condition.",
    extra=EC2_SKD,
)

# --- narrower
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }",
    "narrower",
    "Only one of the two required event names.",
    missed="ScheduleKeyDeletion",
    hit=DK,
    miss=SKD,
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }",
    "narrower",
    "Only one of the two required event names.",
    missed="DisableKey",
    hit=SKD,
    miss=DK,
)
row(
    C47,
    f'{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.errorCode != "AccessDenied") }}',
    "narrower",
    "!= is false when errorCode is absent, so every successful call is excluded; only failed calls with another error code match.",
    missed="a successful DisableKey (no errorCode)",
    hit=ev(eventSource=KMS, eventName="DisableKey", errorCode="KMSInvalidStateException"),
    miss=DK,
)
row(
    C47,
    f"{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.errorCode NOT EXISTS) }}",
    "narrower",
    "Only successful calls; the reference also counts failed attempts.",
    missed="a DisableKey that failed with AccessDenied",
    hit=DK,
    miss=ev(eventSource=KMS, eventName="DisableKey", errorCode="AccessDenied"),
)
row(
    C47,
    f'{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.errorCode NOT EXISTS || $.errorCode != "AccessDenied") }}',
    "narrower",
    "A correct way to drop AccessDenied failures, but still fewer events than the reference.",
    missed="a DisableKey that failed with AccessDenied",
    hit=DK,
    miss=ev(eventSource=KMS, eventName="ScheduleKeyDeletion", errorCode="AccessDenied"),
)
row(
    C47,
    f'{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.userAgent != "*terraform*") }}',
    "narrower",
    "The caller sets userAgent: a user agent containing terraform (or none at all) silences the alarm.",
    missed="DisableKey with userAgent 'terraform'",
    hit=ev(eventSource=KMS, eventName="DisableKey", userAgent="aws-cli/2.15"),
    miss=ev(
        eventSource=KMS, eventName="DisableKey", userAgent="Terraform/1.6 terraform-provider-aws"
    ),
)
row(
    C47,
    f'{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.userIdentity.type = "IAMUser") }}',
    "narrower",
    "Extra identity condition drops roles, root and federated callers.",
    missed="ScheduleKeyDeletion by an AssumedRole",
    hit=ev(eventSource=KMS, eventName="DisableKey", userIdentity={"type": "IAMUser"}),
    miss=ev(eventSource=KMS, eventName="ScheduleKeyDeletion", userIdentity={"type": "AssumedRole"}),
)
row(
    C47,
    f'{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.awsRegion = "us-east-1") }}',
    "narrower",
    "Extra region condition.",
    missed="DisableKey in eu-west-1",
    hit=ev(eventSource=KMS, eventName="DisableKey", awsRegion="us-east-1"),
    miss=ev(eventSource=KMS, eventName="DisableKey", awsRegion="eu-west-1"),
)
row(
    C47,
    f"{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.eventVersion >= 1) }}",
    "narrower",
    'Ordering needs a JSON number, and CloudTrail writes eventVersion as a string ("1.08"), so real records fail it.',
    missed='DisableKey with eventVersion "1.08"',
    hit=ev(eventSource=KMS, eventName="DisableKey", eventVersion=1.08),
    miss=ev(eventVersion="1.08", eventSource=KMS, eventName="DisableKey"),
    subtle=True,
)
row(
    C47,
    f"{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.requestParameters.pendingWindowInDays < 30) }}",
    "narrower",
    "DisableKey has no pendingWindowInDays, and long deletion windows are dropped too.",
    missed="DisableKey",
    hit=ev(
        eventSource=KMS,
        eventName="ScheduleKeyDeletion",
        requestParameters={"pendingWindowInDays": 7},
    ),
    miss=DK,
)
row(
    C47,
    f"{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.readOnly IS FALSE) }}",
    "narrower",
    "IS FALSE needs the JSON literal false; records without readOnly are dropped.",
    missed="DisableKey without readOnly",
    hit=ev(eventSource=KMS, eventName="DisableKey", readOnly=False),
    miss=DK,
)
row(
    C47,
    f"{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.eventID = *) }}",
    "narrower",
    "Only narrower because the domain admits records without eventID (CloudTrail always writes one).",
    missed="DisableKey without eventID",
    hit=ev(eventSource=KMS, eventName="DisableKey", eventID="0f3c9a5e-1111-2222-3333-444455556666"),
    miss=DK,
    subtle=True,
)
row(
    C47,
    f"{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.userIdentity.invokedBy NOT EXISTS) }}",
    "narrower",
    "Drops calls that an AWS service made on the user's behalf.",
    missed="DisableKey invoked by an AWS service",
    hit=DK,
    miss=ev(
        eventSource=KMS,
        eventName="DisableKey",
        userIdentity={"invokedBy": "cloudformation.amazonaws.com"},
    ),
)
row(
    C47,
    f'{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.sourceIPAddress != "AWS Internal") }}',
    "narrower",
    "!= drops records without sourceIPAddress as well as internal ones.",
    missed='DisableKey with sourceIPAddress "AWS Internal"',
    hit=ev(eventSource=KMS, eventName="DisableKey", sourceIPAddress="198.51.100.7"),
    miss=ev(eventSource=KMS, eventName="DisableKey", sourceIPAddress="AWS Internal"),
)

# --- overlap
row(
    C47,
    "DisableKey",
    "overlap",
    "Term substring: misses ScheduleKeyDeletion, and matches DisableKeyRotation or any record mentioning DisableKey.",
    missed="ScheduleKeyDeletion",
    hit=DK,
    miss=SKD,
    extra=DKR,
)
row(
    C47,
    '"kms.amazonaws.com" DisableKey',
    "overlap",
    "Two required terms: still no ScheduleKeyDeletion, and DisableKeyRotation contains DisableKey.",
    missed="ScheduleKeyDeletion",
    hit=DK,
    miss=SKD,
    extra=DKR,
)
row(
    C47,
    "DisableKey ScheduleKeyDeletion",
    "overlap",
    "Not never: both terms are substrings of the raw record, so one record that mentions both (e.g. in userAgent) matches.",
    missed="a plain DisableKey record",
    hit=ev(eventSource=KMS, eventName="DisableKey", userAgent="ScheduleKeyDeletion-runbook"),
    miss=DK,
    extra=ev(
        eventSource="s3.amazonaws.com",
        eventName="GetObject",
        userAgent="DisableKey ScheduleKeyDeletion",
    ),
    subtle=True,
)
row(
    C47,
    "?DisableKey ?ScheduleKeyDeletion -DisableKeyRotation",
    "overlap",
    "An excluded term makes the ? terms ignored: matches every record not mentioning DisableKeyRotation.",
    missed="DisableKey whose userAgent mentions DisableKeyRotation",
    hit=DK,
    miss=ev(eventSource=KMS, eventName="DisableKey", userAgent="DisableKeyRotation-check"),
    extra=ev(eventSource="s3.amazonaws.com", eventName="GetObject"),
    subtle=True,
)
row(
    C47,
    '"kms.amazonaws.com" -terraform',
    "overlap",
    "Every KMS mention, minus records mentioning terraform: an attacker-set userAgent hides the call.",
    missed="DisableKey with userAgent terraform",
    hit=DK,
    miss=ev(eventSource=KMS, eventName="DisableKey", userAgent="terraform"),
    extra=KMS_DECRYPT,
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey* }",
    "overlap",
    "DisableKey* adds DisableKeyRotation but ScheduleKeyDeletion is gone.",
    missed="ScheduleKeyDeletion",
    hit=DK,
    miss=SKD,
    extra=DKR,
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) && (($.eventName=Disable*Key)||($.eventName=ScheduleKeyDeletion)) }",
    "overlap",
    "An interior * is a literal asterisk: Disable*Key matches only that exact text.",
    missed="DisableKey",
    hit=SKD,
    miss=DK,
    extra=ev(eventSource=KMS, eventName="Disable*Key"),
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) && (($.eventName=disableKey)||($.eventName=ScheduleKeyDeletion)) }",
    "overlap",
    "Values are case-sensitive: disableKey is not DisableKey.",
    missed="DisableKey",
    hit=SKD,
    miss=DK,
    extra=ev(eventSource=KMS, eventName="disableKey"),
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletetion)) }",
    "overlap",
    "Misspelt event name.",
    missed="ScheduleKeyDeletion",
    hit=DK,
    miss=SKD,
    extra=ev(eventSource=KMS, eventName="ScheduleKeyDeletetion"),
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName = *Key }",
    "overlap",
    "Suffix wildcard *Key: DisableKey and EnableKey match, ScheduleKeyDeletion does not end with Key.",
    missed="ScheduleKeyDeletion",
    hit=DK,
    miss=SKD,
    extra=ev(eventSource=KMS, eventName="EnableKey"),
)
row(
    C47,
    '{ ($.eventSource = kms.amazonaws.com) && (($.eventName = "DisableKey ") || ($.eventName = ScheduleKeyDeletion)) }',
    "overlap",
    'Blanks inside quotes are part of the value: "DisableKey " is not DisableKey.',
    missed="DisableKey",
    hit=SKD,
    miss=DK,
    extra=ev(eventSource=KMS, eventName="DisableKey "),
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.* = DisableKey }",
    "overlap",
    "Any top-level value equal to DisableKey: misses ScheduleKeyDeletion, adds calls whose userAgent is DisableKey.",
    missed="ScheduleKeyDeletion",
    hit=DK,
    miss=SKD,
    extra=ev(eventSource=KMS, eventName="Decrypt", userAgent="DisableKey"),
)
row(
    C47,
    "{ $.eventsource = kms.amazonaws.com && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }",
    "overlap",
    "Selectors are case-sensitive: $.eventsource is another member, present only in unusual records (not disjoint: a record may carry both).",
    missed="DisableKey (no eventsource member)",
    hit=ev(eventSource=KMS, eventsource=KMS, eventName="DisableKey"),
    miss=DK,
    extra=ev(eventSource="ec2.amazonaws.com", eventsource=KMS, eventName="DisableKey"),
    subtle=True,
)
row(
    C47,
    '{ $.errorCode != "AccessDenied" && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }',
    "overlap",
    "No eventSource (adds other sources) and != drops every successful call (errorCode absent).",
    missed="a successful DisableKey",
    hit=ev(eventSource=KMS, eventName="DisableKey", errorCode="KMSInvalidStateException"),
    miss=DK,
    extra=ev(eventSource="ec2.amazonaws.com", eventName="DisableKey", errorCode="Throttling"),
)
row(
    C47,
    "[ line = *ScheduleKeyDeletion* ]",
    "overlap",
    "One space-delimited field absorbs the whole line, so this is a substring test like the term ScheduleKeyDeletion.",
    missed="DisableKey",
    hit=SKD,
    miss=DK,
    extra=ev(
        eventSource="s3.amazonaws.com", eventName="GetObject", userAgent="ScheduleKeyDeletion"
    ),
    subtle=True,
)

# --- disjoint
row(
    C47,
    "{ $.eventSource = KMS.amazonaws.com && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }",
    "disjoint",
    "Values are case-sensitive: the source is written kms.amazonaws.com in every record.",
    missed="every required event",
    extra=ev(eventSource="KMS.amazonaws.com", eventName="DisableKey"),
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && ($.eventName = disablekey || $.eventName = schedulekeydeletion) }",
    "disjoint",
    "Lower-case event names never equal the real ones.",
    missed="every required event",
    extra=ev(eventSource=KMS, eventName="disablekey"),
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && ($.eventName[0] = DisableKey || $.eventName[0] = ScheduleKeyDeletion) }",
    "disjoint",
    "[0] selects an array element; a string eventName yields no node.",
    missed="every required event",
    extra=ev(eventSource=KMS, eventName=["DisableKey"]),
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && $.eventName != DisableKey && $.eventName != ScheduleKeyDeletion }",
    "disjoint",
    "Inverted condition: every other KMS call.",
    missed="every required event",
    extra=KMS_DECRYPT,
)
row(
    C47,
    '{ $.eventSource = "kms.amazonaws.com" && $.eventName = "%^DisableKey$|^ScheduleKeyDeletion$%" }',
    "disjoint",
    "Inside double quotes %...% is literal text, not a regex.",
    missed="every required event",
    extra=ev(eventSource=KMS, eventName="%^DisableKey$|^ScheduleKeyDeletion$%"),
)
row(
    C47,
    "{ $.eventSource = kms.amazon.com && ($.eventName = DisableKey || $.eventName = ScheduleKeyDeletion) }",
    "disjoint",
    "Wrong service host name.",
    missed="every required event",
    extra=ev(eventSource="kms.amazon.com", eventName="DisableKey"),
)
row(
    C47,
    "{ $.eventSource = kms.amazonaws.com && ($.eventName = DeleteKey || $.eventName = DisableKeyRotation) }",
    "disjoint",
    "Wrong event names (KMS has no DeleteKey; DisableKeyRotation is another control).",
    missed="every required event",
    extra=DKR,
)

# --- never
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) && ($.eventName = DisableKey) && ($.eventName = ScheduleKeyDeletion) }",
    "never",
    "&& between two event names: eventName cannot equal both.",
    missed="every required event",
)
row(
    C47,
    "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) && ($.eventName = ScheduleKeyDeletion)) }",
    "never",
    "&& typed for || inside the group: no record has both names.",
    missed="every required event",
)
row(
    C47,
    "{ $.eventName = DisableKey && $.eventName = ScheduleKeyDeletion }",
    "never",
    "&& between two event names.",
    missed="every required event",
)
row(
    C47,
    f"{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.errorCode != *) }}",
    "never",
    "!= * is never true (absent fields fail != too).",
    missed="every required event",
)
row(
    C47,
    f'{{ ($.eventSource = kms.amazonaws.com) && {REF47_TAIL} && ($.userAgent != "*") }}',
    "never",
    'A quoted "*" is still the match-anything wildcard, so != "*" is never true.',
    missed="every required event",
    subtle=True,
)
row(
    C47,
    f"{{ ($.eventSource = kms.amazonaws.com) && ($.eventSource = s3.amazonaws.com) && {REF47_TAIL} }}",
    "never",
    "eventSource cannot equal two different values.",
    missed="every required event",
)


# =========================================================================== 4.1 unauthorized API calls (3.0.0)
C41 = "cis-aws-3.0.0-4.1"
DELIV = "delivery.logs.amazonaws.com"
UO = ev(
    errorCode="Client.UnauthorizedOperation",
    eventName="RunInstances",
    sourceIPAddress="203.0.113.5",
)
UO_DELIV = ev(
    errorCode="Client.UnauthorizedOperation", eventName="HeadBucket", sourceIPAddress=DELIV
)
AD = ev(errorCode="AccessDenied", eventName="GetObject", sourceIPAddress="203.0.113.5")
AD_DELIV = ev(errorCode="AccessDenied", eventName="GetObject", sourceIPAddress=DELIV)
AD_HEAD = ev(errorCode="AccessDenied", eventName="HeadBucket", sourceIPAddress="203.0.113.5")
AD_NOIP = ev(errorCode="AccessDenied", eventName="GetObject")
OK = ev(eventName="GetObject", sourceIPAddress="203.0.113.5")

row(
    C41,
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
    "equivalent",
    "Spacing only; still A || (B && C && D) because && binds tighter.",
)
row(
    C41,
    "{ $.errorCode = *UnauthorizedOperation || $.errorCode = AccessDenied* && $.sourceIPAddress != delivery.logs.amazonaws.com && $.eventName != HeadBucket }",
    "equivalent",
    "Unquoted values (Prowler's 4.0.0 transcription): same values, same grouping.",
)
row(
    C41,
    '{ ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") || ($.errorCode = "*UnauthorizedOperation") }',
    "equivalent",
    "The real grouping written explicitly in the other order.",
)
row(
    C41,
    '{ $.errorCode = %UnauthorizedOperation$% || $.errorCode = %^AccessDenied% && $.sourceIPAddress != "delivery.logs.amazonaws.com" && $.eventName != "HeadBucket" }',
    "equivalent",
    "Anchored regexes express the same suffix and prefix tests.",
)
row(
    C41,
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    "broader",
    "The 1.2.0 text: no exclusions at all.",
    extra=AD_DELIV,
)
row(
    C41,
    "{ ($.errorCode = *UnauthorizedOperation) || ($.errorCode = AccessDenied*) || ($.sourceIPAddress!=delivery.logs.amazonaws.com) || ($.eventName!=HeadBucket) }",
    "broader",
    "The 1.4.0/1.5.0 all-|| text matches almost every record (any eventName but HeadBucket).",
    extra=OK,
)
row(
    C41,
    '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
    "narrower",
    "What the reference seems to say: the exclusions also apply to UnauthorizedOperation (and need both fields present).",
    missed="UnauthorizedOperation on HeadBucket from delivery.logs",
    hit=UO,
    miss=UO_DELIV,
)
row(
    C41,
    '{ $.errorCode = "*UnauthorizedOperation" }',
    "narrower",
    "Only the UnauthorizedOperation branch.",
    missed="AccessDenied",
    hit=UO,
    miss=AD,
)
row(
    C41,
    '{ $.errorCode = "AccessDenied*" }',
    "overlap",
    "Misses UnauthorizedOperation and drops the exclusions of the AccessDenied branch.",
    missed="Client.UnauthorizedOperation",
    hit=AD,
    miss=UO,
    extra=AD_DELIV,
)
row(
    C41,
    '{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = "AccessDenied*" && $.sourceIPAddress != "delivery.logs.amazonaws.com" }',
    "broader",
    "HeadBucket exclusion dropped: AccessDenied on HeadBucket now matches.",
    extra=AD_HEAD,
)
row(
    C41,
    '{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = "AccessDenied" && $.sourceIPAddress != "delivery.logs.amazonaws.com" && $.eventName != "HeadBucket" }',
    "narrower",
    "No wildcard: AccessDeniedException no longer matches.",
    missed="AccessDeniedException",
    hit=UO,
    miss=ev(errorCode="AccessDeniedException", eventName="Decrypt", sourceIPAddress="203.0.113.5"),
)
row(
    C41,
    '{ $.errorCode = "UnauthorizedOperation" || $.errorCode = "AccessDenied*" && $.sourceIPAddress != "delivery.logs.amazonaws.com" && $.eventName != "HeadBucket" }',
    "narrower",
    "No leading wildcard: Client.UnauthorizedOperation is missed.",
    missed="Client.UnauthorizedOperation",
    hit=AD,
    miss=UO,
)
row(
    C41,
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress NOT EXISTS || $.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
    "broader",
    "Also counts AccessDenied records without sourceIPAddress (the reference's != drops them).",
    extra=AD_NOIP,
)
row(
    C41,
    '{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = "AccessDenied*" && $.sourceIPAddress != "delivery.logs.amazonaws.com" && $.eventName != "HeadBucket" && $.userAgent != "*aws-sdk*" }',
    "narrower",
    "An attacker-set userAgent (or none) silences the AccessDenied branch; the UnauthorizedOperation branch is untouched.",
    missed="AccessDenied from userAgent aws-sdk-go",
    hit=UO,
    miss=ev(
        errorCode="AccessDenied",
        eventName="GetObject",
        sourceIPAddress="203.0.113.5",
        userAgent="aws-sdk-go/1.44",
    ),
)
row(
    C41,
    '{ $.errorCode = "*UnauthorizedOperation" && $.errorCode = "AccessDenied*" }',
    "narrower",
    "Not never: a code that starts with AccessDenied and ends with UnauthorizedOperation satisfies both, and it is required.",
    missed="Client.UnauthorizedOperation",
    hit=ev(errorCode="AccessDeniedUnauthorizedOperation", eventName="RunInstances"),
    miss=UO,
    subtle=True,
)
row(
    C41,
    "{ $.errorCode = * }",
    "broader",
    "Every failed call (any error code).",
    extra=ev(errorCode="ThrottlingException", eventName="GetObject"),
)
row(
    C41,
    '{ $.errorCode = "*Unauthorized*" || $.errorCode = "AccessDenied*" }',
    "broader",
    "Looser wildcard and no exclusions.",
    extra=ev(errorCode="UnauthorizedAccess", eventName="GetObject"),
)
row(
    C41,
    '{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = "AccessDenied*" && $.sourceIPAddress != "delivery.logs.amazonaws.com" || $.eventName != "HeadBucket" }',
    "broader",
    "The last joiner as ||: A || (B && C) || D matches every non-HeadBucket record.",
    extra=OK,
)
row(
    C41,
    '{ $.errorCode != "AccessDenied" }',
    "overlap",
    "Any error code except exactly AccessDenied: misses plain AccessDenied, adds ThrottlingException and the like.",
    missed="AccessDenied",
    hit=UO,
    miss=AD,
    extra=ev(errorCode="ThrottlingException"),
)
row(
    C41,
    "?UnauthorizedOperation ?AccessDenied",
    "broader",
    "Optional terms only: any record mentioning either text anywhere.",
    extra=ev(eventName="GetObject", userAgent="AccessDenied"),
)
row(
    C41,
    "AccessDenied",
    "overlap",
    "Term: no UnauthorizedOperation, no exclusions.",
    missed="Client.UnauthorizedOperation",
    hit=AD,
    miss=UO,
    extra=AD_DELIV,
)

# the 1.4.0 all-|| reference
C41_14 = "cis-aws-1.4.0-4.1"
row(
    C41_14,
    '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }',
    "narrower",
    "The 3.0.0 text against the 1.4.0 all-|| text: a record without errorCode no longer matches.",
    missed="GetObject without errorCode",
    hit=UO,
    miss=OK,
)
row(
    C41_14,
    '{ $.eventName != "HeadBucket" || $.sourceIPAddress != "delivery.logs.amazonaws.com" || $.errorCode = "AccessDenied*" || $.errorCode = "*UnauthorizedOperation" }',
    "equivalent",
    "The four OR clauses reordered.",
)
row(
    C41_14,
    "",
    "broader",
    "Empty pattern: also a HeadBucket from delivery.logs without errorCode, the only kind the reference skips.",
    extra=ev(eventName="HeadBucket", sourceIPAddress=DELIV),
)
row(
    C41_14,
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    "narrower",
    "Drops the two != clauses that make the reference match almost everything.",
    missed="GetObject without errorCode",
    hit=AD,
    miss=OK,
)


# =========================================================================== 4.3 root usage
C43 = "cis-aws-3.0.0-4.3"
ROOT = ev(userIdentity={"type": "Root"}, eventType="AwsApiCall", eventName="CreateUser")
ROOT_CONSOLE = ev(
    userIdentity={"type": "Root"}, eventType="AwsConsoleSignIn", eventName="ConsoleLogin"
)
ROOT_INV = ev(
    userIdentity={"type": "Root", "invokedBy": "support.amazonaws.com"}, eventType="AwsApiCall"
)
ROOT_SVC = ev(userIdentity={"type": "Root"}, eventType="AwsServiceEvent")
ROOT_NOTYPE = ev(userIdentity={"type": "Root"}, eventName="CreateUser")

row(
    C43,
    "{ $.userIdentity.type = Root && $.userIdentity.invokedBy NOT EXISTS && $.eventType != AwsServiceEvent }",
    "equivalent",
    "Unquoted values (Prowler's 4.0.0 transcription).",
)
row(
    C43,
    '{$.userIdentity.type="Root"&&$.userIdentity.invokedBy NOT EXISTS&&$.eventType!="AwsServiceEvent"}',
    "equivalent",
    "No blanks except the ones NOT EXISTS needs.",
)
row(
    C43,
    '{ $.eventType != "AwsServiceEvent" && $.userIdentity.invokedBy NOT EXISTS && $.userIdentity.type = "Root" }',
    "equivalent",
    "Reordered conjunction.",
)
row(
    C43,
    '{ $.userIdentity.type = "Root" }',
    "broader",
    "Also counts service-invoked root activity and AwsServiceEvent records.",
    extra=ROOT_INV,
)
row(
    C43,
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }',
    "broader",
    "Drops the eventType condition.",
    extra=ROOT_SVC,
)
row(
    C43,
    '{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }',
    "broader",
    "Drops the invokedBy condition.",
    extra=ROOT_INV,
)
row(
    C43,
    '{ $.userIdentity.type = "root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    "disjoint",
    "Case-sensitive value: CloudTrail writes Root.",
    missed="every root event",
    extra=ev(userIdentity={"type": "root"}, eventType="AwsApiCall"),
)
row(
    C43,
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy IS NULL && $.eventType != "AwsServiceEvent" }',
    "disjoint",
    "IS NULL needs the member present with value null; required events have no invokedBy at all.",
    missed="every root event",
    extra=ev(userIdentity={"type": "Root", "invokedBy": None}, eventType="AwsApiCall"),
)
row(
    C43,
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType = "AwsApiCall" }',
    "narrower",
    "Only API calls: root console sign-ins (AwsConsoleSignIn) are missed.",
    missed="root ConsoleLogin",
    hit=ROOT,
    miss=ROOT_CONSOLE,
)
row(
    C43,
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy != "*" && $.eventType != "AwsServiceEvent" }',
    "never",
    '!= "*" is never true; the author meant NOT EXISTS.',
    missed="every root event",
)
row(
    C43,
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && ($.eventType != "AwsServiceEvent" || $.eventType NOT EXISTS) }',
    "broader",
    "Also counts root records without eventType (the reference's != drops them).",
    extra=ROOT_NOTYPE,
)
row(
    C43,
    '{ $.userIdentity.type = "Root" || $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    "broader",
    "|| for the first joiner: Root || (no invokedBy && not a service event) adds most non-root records.",
    extra=ev(userIdentity={"type": "IAMUser"}, eventType="AwsApiCall"),
)
row(
    C43,
    '{ $.userIdentity.arn = "*:root" }',
    "overlap",
    "Root records need not carry an arn, and an arn ending in :root does not make the caller Root.",
    missed="root event without userIdentity.arn",
    hit=ev(
        userIdentity={"type": "Root", "arn": "arn:aws:iam::111122223333:root"},
        eventType="AwsApiCall",
    ),
    miss=ROOT,
    extra=ev(userIdentity={"type": "IAMUser", "arn": "arn:aws:iam::111122223333:root"}),
)
row(
    C43,
    "Root",
    "broader",
    'Every required record contains "type":"Root", so the term matches; it also matches any other mention of Root.',
    extra=ROOT_INV,
)
row(
    C43,
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" && $.userAgent != "*console.amazonaws.com*" }',
    "narrower",
    "userAgent is chosen by the caller (and != fails when it is absent).",
    missed="root call without userAgent",
    hit=ev(userIdentity={"type": "Root"}, eventType="AwsApiCall", userAgent="aws-cli/2.15"),
    miss=ROOT,
)
row(
    C43,
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType NOT EXISTS }',
    "disjoint",
    "The reference needs eventType present (!= is false on absent fields); this needs it absent.",
    missed="every root event",
    extra=ROOT_NOTYPE,
)
row(
    C43,
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" && $.errorCode NOT EXISTS }',
    "narrower",
    "Failed root calls are dropped.",
    missed="root call denied with AccessDenied",
    hit=ROOT,
    miss=ev(userIdentity={"type": "Root"}, eventType="AwsApiCall", errorCode="AccessDenied"),
)


# =========================================================================== 4.2 console sign-in without MFA
C42 = "cis-aws-3.0.0-4.2"
NOMFA = ev(eventName="ConsoleLogin", additionalEventData={"MFAUsed": "No"})
MFA = ev(eventName="ConsoleLogin", additionalEventData={"MFAUsed": "Yes"})
NOFIELD = ev(
    eventName="ConsoleLogin", additionalEventData={"LoginTo": "https://console.aws.amazon.com/"}
)

row(
    C42,
    "{ $.eventName = ConsoleLogin && $.additionalEventData.MFAUsed != Yes }",
    "equivalent",
    "Unquoted values (Prowler's 4.0.0 transcription).",
)
row(
    C42,
    '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    "narrower",
    "The SSO variant (Security Hub CloudWatch.3) adds two conditions.",
    missed="sign-in without MFA and without those fields",
    hit=ev(
        eventName="ConsoleLogin",
        additionalEventData={"MFAUsed": "No"},
        userIdentity={"type": "IAMUser"},
        responseElements={"ConsoleLogin": "Success"},
    ),
    miss=NOMFA,
)
row(
    C42,
    '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "No") }',
    "narrower",
    "Only the literal No; any other non-Yes value is missed.",
    missed='MFAUsed "no"',
    hit=NOMFA,
    miss=ev(eventName="ConsoleLogin", additionalEventData={"MFAUsed": "no"}),
)
row(
    C42,
    '{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed NOT EXISTS }',
    "disjoint",
    "The reference needs MFAUsed present (!= is false on absent fields); this needs it absent.",
    missed="every required event",
    extra=NOFIELD,
)
row(
    C42,
    '{ $.eventName = "ConsoleLogin" && ($.additionalEventData.MFAUsed != "Yes" || $.additionalEventData.MFAUsed NOT EXISTS) }',
    "broader",
    "Also counts sign-ins whose record has no MFAUsed.",
    extra=NOFIELD,
)
row(C42, '{ $.eventName = "ConsoleLogin" }', "broader", "Every console sign-in.", extra=MFA)
row(
    C42,
    '{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed != "yes" }',
    "overlap",
    "Case-sensitive: now Yes matches and yes does not.",
    missed='MFAUsed "yes"',
    hit=NOMFA,
    miss=ev(eventName="ConsoleLogin", additionalEventData={"MFAUsed": "yes"}),
    extra=MFA,
    subtle=True,
)
row(
    C42,
    '{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed = * && $.additionalEventData.MFAUsed != "Yes" }',
    "equivalent",
    "= * is implied by != (both need a string or number).",
    subtle=True,
)
row(
    C42,
    '{ $.additionalEventData.MFAUsed != "Yes" }',
    "broader",
    "Any event carrying MFAUsed, not only ConsoleLogin.",
    extra=ev(eventName="SwitchRole", additionalEventData={"MFAUsed": "No"}),
)
row(
    C42,
    '{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed != "Yes" && $.userAgent != "*Mozilla*" }',
    "narrower",
    "userAgent is chosen by the caller (and != fails when it is absent).",
    missed="sign-in from a browser",
    hit=ev(eventName="ConsoleLogin", additionalEventData={"MFAUsed": "No"}, userAgent="curl/8.4"),
    miss=ev(
        eventName="ConsoleLogin", additionalEventData={"MFAUsed": "No"}, userAgent="Mozilla/5.0"
    ),
)
row(
    C42,
    '{ $.eventName = "ConsoleLogin" || $.additionalEventData.MFAUsed != "Yes" }',
    "broader",
    "|| instead of &&.",
    extra=MFA,
)
row(
    C42,
    '{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed = %^[^Y]% }',
    "narrower",
    "Requires a first character other than Y: the empty string and values like Yo differ from Yes but are missed.",
    missed='MFAUsed ""',
    hit=NOMFA,
    miss=ev(eventName="ConsoleLogin", additionalEventData={"MFAUsed": ""}),
    subtle=True,
)
row(
    C42,
    '{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed IS FALSE }',
    "disjoint",
    'IS FALSE needs the JSON literal false; CloudTrail writes the string "No", which != "Yes" catches.',
    missed="every required event",
    extra=ev(eventName="ConsoleLogin", additionalEventData={"MFAUsed": False}),
)


# =========================================================================== 4.6 console authentication failures
C46 = "cis-aws-3.0.0-4.6"
FAIL = ev(eventName="ConsoleLogin", errorMessage="Failed authentication")
row(
    C46,
    '{ $.eventName = "ConsoleLogin" && $.errorMessage = "Failed authentication" }',
    "equivalent",
    "Quoting and spacing only.",
)
row(
    C46,
    '{ $.eventName = ConsoleLogin && $.errorMessage = "Failed*" }',
    "broader",
    "Prefix wildcard adds other failure messages.",
    extra=ev(eventName="ConsoleLogin", errorMessage="Failed to verify MFA"),
)
row(
    C46,
    '{ $.eventName = ConsoleLogin && $.errorMessage = "failed authentication" }',
    "disjoint",
    "Case-sensitive value.",
    missed="every required event",
    extra=ev(eventName="ConsoleLogin", errorMessage="failed authentication"),
)
row(
    C46,
    '{ $.eventName = ConsoleLogin && $.responseElements.ConsoleLogin = "Failure" }',
    "overlap",
    "Another field: records need not carry responseElements, and other failures (e.g. unknown user) are counted.",
    missed="Failed authentication without responseElements",
    hit=ev(
        eventName="ConsoleLogin",
        errorMessage="Failed authentication",
        responseElements={"ConsoleLogin": "Failure"},
    ),
    miss=FAIL,
    extra=ev(
        eventName="ConsoleLogin",
        errorMessage="No username found in supplied account",
        responseElements={"ConsoleLogin": "Failure"},
    ),
)
row(
    C46,
    '{ $.errorMessage = "Failed authentication" }',
    "broader",
    "No eventName condition.",
    extra=ev(eventName="SwitchRole", errorMessage="Failed authentication"),
)
row(
    C46,
    '{ $.eventName = ConsoleLogin && $.errorMessage != "Failed authentication" }',
    "disjoint",
    "Inverted condition.",
    missed="every required event",
    extra=ev(eventName="ConsoleLogin", errorMessage="Other"),
)
row(
    C46,
    '{ $.eventName = ConsoleLogin && $.errorMessage = "Failed  authentication" }',
    "disjoint",
    "Blanks inside a quoted value are significant (two spaces).",
    missed="every required event",
    extra=ev(eventName="ConsoleLogin", errorMessage="Failed  authentication"),
)
row(
    C46,
    'ConsoleLogin "Failed authentication"',
    "broader",
    "Term pattern: both texts occur in every required record, and in other records that mention them.",
    extra=ev(eventName="GetObject", userAgent="ConsoleLogin Failed authentication"),
)


# =========================================================================== 4.5 CloudTrail configuration changes
C45 = "cis-aws-3.0.0-4.5"
row(
    C45,
    "{ ($.eventName = StopLogging) || ($.eventName = StartLogging) || ($.eventName = DeleteTrail) || ($.eventName = UpdateTrail) || ($.eventName = CreateTrail) }",
    "equivalent",
    "Reordered OR chain.",
)
row(
    C45,
    "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) }",
    "narrower",
    "StopLogging, the most important one, is missing.",
    missed="StopLogging",
    hit=ev(eventName="DeleteTrail"),
    miss=ev(eventName="StopLogging"),
)
row(
    C45,
    "{ $.eventSource = cloudtrail.amazonaws.com && ($.eventName = CreateTrail || $.eventName = UpdateTrail || $.eventName = DeleteTrail || $.eventName = StartLogging || $.eventName = StopLogging) }",
    "narrower",
    "The reference has no eventSource; records without this exact source are missed.",
    missed="StopLogging without eventSource",
    hit=ev(eventSource="cloudtrail.amazonaws.com", eventName="StopLogging"),
    miss=ev(eventName="StopLogging"),
)
row(
    C45,
    "{ $.eventName = %Trail$|Logging$% }",
    "broader",
    "Suffix regex: also PutBucketLogging, GetTrail, ...",
    extra=ev(eventName="PutBucketLogging"),
)
row(
    C45,
    "{ $.eventName = %^CreateTrail$|^UpdateTrail$|^DeleteTrail$|^StartLogging$|^StopLogging$% }",
    "equivalent",
    "Anchored regex alternation of exactly the five names.",
)
row(
    C45,
    "{ $.eventName = *Trail || $.eventName = StartLogging || $.eventName = StopLogging }",
    "broader",
    "*Trail adds GetTrail and other names ending in Trail.",
    extra=ev(eventName="GetTrail"),
)
row(
    C45,
    "{ $.eventName = CreateTrail && $.eventName = UpdateTrail }",
    "never",
    "&& between two event names.",
    missed="every required event",
)
row(
    C45,
    "?CreateTrail ?UpdateTrail ?DeleteTrail ?StartLogging ?StopLogging",
    "broader",
    "Optional terms only: any record mentioning one of the names.",
    extra=ev(eventName="GetObject", userAgent="StopLogging"),
)
row(
    C45,
    "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) || ($.eventName = PutEventSelectors) }",
    "broader",
    "One more event name.",
    extra=ev(eventName="PutEventSelectors"),
)


# =========================================================================== 4.10 security groups
SG6 = (
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
)
SG_TEXT6 = " || ".join(f"($.eventName = {n})" for n in SG6)
row(
    "cis-aws-3.0.0-4.10",
    f"{{ {SG_TEXT6} || ($.eventName = ModifySecurityGroupRules) }}",
    "broader",
    "The 5.0.0 text adds ModifySecurityGroupRules.",
    extra=ev(eventName="ModifySecurityGroupRules"),
)
row(
    "cis-aws-5.0.0-4.10",
    f"{{ {SG_TEXT6} }}",
    "narrower",
    "The pre-5.0.0 text lacks ModifySecurityGroupRules.",
    missed="ModifySecurityGroupRules",
    hit=ev(eventName="CreateSecurityGroup"),
    miss=ev(eventName="ModifySecurityGroupRules"),
)
row(
    "cis-aws-3.0.0-4.10",
    "{ $.eventName = *SecurityGroup* }",
    "broader",
    "All six names contain SecurityGroup; so does DescribeSecurityGroups.",
    extra=ev(eventName="DescribeSecurityGroups"),
)
row(
    "cis-aws-3.0.0-4.10",
    "{ $.eventSource = ec2.amazonaws.com && ("
    + " || ".join(f"$.eventName = {n}" for n in SG6)
    + ") }",
    "narrower",
    "Adds an eventSource condition the reference does not have.",
    missed="CreateSecurityGroup without eventSource",
    hit=ev(eventSource="ec2.amazonaws.com", eventName="CreateSecurityGroup"),
    miss=ev(eventName="CreateSecurityGroup"),
)
row(
    "cis-aws-3.0.0-4.10",
    "{ ($.eventName = AuthorizeSecurityGroupIngress) && ($.eventName = AuthorizeSecurityGroupEgress) }",
    "never",
    "&& between two event names.",
    missed="every required event",
)
row(
    "cis-aws-5.0.0-4.10",
    "{ $.eventName = AuthorizeSecurityGroup* || $.eventName = RevokeSecurityGroup* || $.eventName = CreateSecurityGroup || $.eventName = DeleteSecurityGroup || $.eventName = ModifySecurityGroupRules }",
    "broader",
    "Prefix wildcards cover the four Authorize/Revoke names and any longer name.",
    extra=ev(eventName="RevokeSecurityGroupIngressRules"),
)


# =========================================================================== 4.11 NACL
NACL = (
    "CreateNetworkAcl",
    "CreateNetworkAclEntry",
    "DeleteNetworkAcl",
    "DeleteNetworkAclEntry",
    "ReplaceNetworkAclEntry",
    "ReplaceNetworkAclAssociation",
)
C411 = "cis-aws-3.0.0-4.11"
row(
    C411,
    "{ $.eventName = *NetworkAcl* }",
    "broader",
    "All six names contain NetworkAcl; so does DescribeNetworkAcls.",
    extra=ev(eventName="DescribeNetworkAcls"),
)
row(
    C411,
    "{ " + " || ".join(f"($.eventName = {n})" for n in NACL[:5]) + " }",
    "narrower",
    "ReplaceNetworkAclAssociation is missing.",
    missed="ReplaceNetworkAclAssociation",
    hit=ev(eventName="CreateNetworkAcl"),
    miss=ev(eventName="ReplaceNetworkAclAssociation"),
)
row(
    C411,
    "{ " + " || ".join(f"($.eventName = {n})" for n in ("CreateNetworkACL",) + NACL[1:]) + " }",
    "overlap",
    "CreateNetworkACL is not CreateNetworkAcl (case-sensitive).",
    missed="CreateNetworkAcl",
    hit=ev(eventName="DeleteNetworkAcl"),
    miss=ev(eventName="CreateNetworkAcl"),
    extra=ev(eventName="CreateNetworkACL"),
)
row(
    C411,
    "{" + " || ".join(f"($.eventName={n})" for n in NACL) + "}",
    "equivalent",
    "Security Hub CloudWatch.11 spacing.",
)


# =========================================================================== 4.12 gateways, 4.13 routes, 4.14 VPC
row(
    "cis-aws-3.0.0-4.12",
    "{ $.eventName = *Gateway }",
    "broader",
    "All six names end in Gateway; so do CreateNatGateway, CreateVpnGateway, ...",
    extra=ev(eventName="CreateNatGateway"),
)
row(
    "cis-aws-3.0.0-4.12",
    "{ $.eventName = *InternetGateway }",
    "overlap",
    "Drops the customer gateway calls and adds CreateEgressOnlyInternetGateway.",
    missed="CreateCustomerGateway",
    hit=ev(eventName="AttachInternetGateway"),
    miss=ev(eventName="CreateCustomerGateway"),
    extra=ev(eventName="CreateEgressOnlyInternetGateway"),
    subtle=True,
)
ROUTES = (
    "CreateRoute",
    "CreateRouteTable",
    "ReplaceRoute",
    "ReplaceRouteTableAssociation",
    "DeleteRouteTable",
    "DeleteRoute",
    "DisassociateRouteTable",
)
C413 = "cis-aws-3.0.0-4.13"
row(
    C413,
    "{($.eventSource = ec2.amazonaws.com) && "
    + " || ".join(f"($.eventName = {n})" for n in ROUTES)
    + " }",
    "narrower",
    "The 3.0.0-5.0.0 audit text (Prowler): without grouping, the eventSource condition applies to CreateRoute only.",
    missed="CreateRoute without eventSource",
    hit=ev(eventName="CreateRouteTable"),
    miss=ev(eventName="CreateRoute"),
)
row(
    C413,
    "{ ($.eventSource = ec2.amazonaws.com) && ("
    + " || ".join(f"($.eventName = {n})" for n in ROUTES)
    + ") }",
    "narrower",
    "Grouped: the eventSource condition now applies to every name, which the reference does not require.",
    missed="CreateRouteTable without eventSource",
    hit=ev(eventSource="ec2.amazonaws.com", eventName="CreateRouteTable"),
    miss=ev(eventName="CreateRouteTable"),
)
row(
    C413,
    "{ $.eventName = *Route* }",
    "broader",
    "All seven names contain Route; so does DescribeRouteTables.",
    extra=ev(eventName="DescribeRouteTables"),
)
C414 = "cis-aws-3.0.0-4.14"
row(
    C414,
    "{ $.eventName = *Vpc* }",
    "broader",
    "All eleven names contain Vpc; so does DescribeVpcs.",
    extra=ev(eventName="DescribeVpcs"),
)
row(
    C414,
    "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) }",
    "narrower",
    "The four ClassicLink calls are missing.",
    missed="EnableVpcClassicLink",
    hit=ev(eventName="CreateVpc"),
    miss=ev(eventName="EnableVpcClassicLink"),
)


# =========================================================================== 4.8 S3, 4.9 Config, 4.15 Organizations, 4.4 IAM
C48 = "cis-aws-3.0.0-4.8"
S3 = "s3.amazonaws.com"
row(
    C48,
    "{ $.eventSource = s3.amazonaws.com && $.eventName = PutBucket* || $.eventName = DeleteBucket* }",
    "broader",
    "(s3 && PutBucket*) || DeleteBucket*: every PutBucket* S3 call and DeleteBucket* from any source.",
    extra=ev(eventSource=S3, eventName="PutBucketTagging"),
    subtle=True,
)
row(
    C48,
    "{ $.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy }",
    "overlap",
    "Only two of the nine names, and no eventSource.",
    missed="PutBucketAcl",
    hit=ev(eventSource=S3, eventName="PutBucketPolicy"),
    miss=ev(eventSource=S3, eventName="PutBucketAcl"),
    extra=ev(eventSource="ec2.amazonaws.com", eventName="PutBucketPolicy"),
)
row(
    C48,
    "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
    "narrower",
    "PutBucketLifecycle is missing.",
    missed="PutBucketLifecycle",
    hit=ev(eventSource=S3, eventName="PutBucketAcl"),
    miss=ev(eventSource=S3, eventName="PutBucketLifecycle"),
)
C49 = "cis-aws-3.0.0-4.9"
CFG = "config.amazonaws.com"
row(
    C49,
    "{ $.eventSource = config.amazonaws.com && ($.eventName = StopConfigurationRecorder || $.eventName = DeleteDeliveryChannel || $.eventName = PutDeliveryChannel || $.eventName = PutConfigurationRecorder || $.eventName = DeleteConfigurationRecorder) }",
    "broader",
    "Adds DeleteConfigurationRecorder.",
    extra=ev(eventSource=CFG, eventName="DeleteConfigurationRecorder"),
)
row(
    C49,
    "{ $.eventSource = config.amazonaws.com && ($.eventName = StopConfigurationRecorder || $.eventName = DeleteDeliveryChannel || $.eventName = PutDeliveryChannel || $.eventName = PutConfigurationRecorder) }",
    "equivalent",
    "Without the redundant parentheses.",
)
row(
    C49,
    "{ $.eventSource = config.amazonaws.com && $.eventName = StopConfigurationRecorder && $.eventName = DeleteDeliveryChannel }",
    "never",
    "&& between two event names.",
    missed="every required event",
)
C415 = "cis-aws-3.0.0-4.15"
ORG = (
    "AcceptHandshake",
    "AttachPolicy",
    "CreateAccount",
    "CreateOrganizationalUnit",
    "CreatePolicy",
    "DeclineHandshake",
    "DeleteOrganization",
    "DeleteOrganizationalUnit",
    "DeletePolicy",
    "DetachPolicy",
    "DisablePolicyType",
    "EnablePolicyType",
    "InviteAccountToOrganization",
    "LeaveOrganization",
    "MoveAccount",
    "RemoveAccountFromOrganization",
    "UpdatePolicy",
    "UpdateOrganizationalUnit",
)
row(
    C415,
    "{ $.eventSource = organizations.amazonaws.com }",
    "broader",
    "Every Organizations call.",
    extra=ev(eventSource="organizations.amazonaws.com", eventName="ListAccounts"),
)
row(
    C415,
    "{ ($.eventSource = organizations.amazonaws.com) && ("
    + " || ".join(
        f"($.eventName = {n})"
        for n in ORG + ("CancelHandshake", "CreateOrganization", "EnableAllFeatures")
    )
    + ") }",
    "broader",
    "Prowler's list adds CancelHandshake, CreateOrganization and EnableAllFeatures.",
    extra=ev(eventSource="organizations.amazonaws.com", eventName="EnableAllFeatures"),
)
row(
    C415,
    "{ ($.eventSource = organizations.amazonaws.com) && ("
    + " || ".join(f"($.eventName = {n})" for n in ORG)
    + ") }",
    "equivalent",
    "Unquoted values (Prowler's 4.0.0 transcription).",
)
row(
    "securityhub-cloudwatch.7",
    "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
    "equivalent",
    "The CIS 3.0.0 text: only spacing differs from the Security Hub text.",
)
row(
    "securityhub-cloudwatch.7",
    "{ ($.eventSource = kms.amazonaws.com) && ($.eventName = ScheduleKeyDeletion) }",
    "narrower",
    "Only scheduled deletions.",
    missed="DisableKey",
    hit=SKD,
    miss=DK,
)
C44 = "cis-aws-3.0.0-4.4"
IAM = "iam.amazonaws.com"
row(
    C44,
    "{ $.eventName = *Policy* }",
    "broader",
    "All sixteen names contain Policy; so do GetPolicy, ListPolicies, ...",
    extra=ev(eventName="GetPolicy"),
)
row(
    C44,
    "{ $.eventSource = iam.amazonaws.com && $.eventName = *Policy* }",
    "overlap",
    "Adds read-only IAM policy calls, and needs an eventSource the reference does not require.",
    missed="PutUserPolicy without eventSource",
    hit=ev(eventSource=IAM, eventName="PutUserPolicy"),
    miss=ev(eventName="PutUserPolicy"),
    extra=ev(eventSource=IAM, eventName="GetPolicy"),
)
row(
    C44,
    "{ ($.eventName = Put*Policy) || ($.eventName = Delete*Policy) || ($.eventName = Attach*Policy) || ($.eventName = Detach*Policy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) }",
    "overlap",
    "Interior * is literal: Put*Policy matches only the text Put*Policy, so the user/group/role calls are missed.",
    missed="PutUserPolicy",
    hit=ev(eventName="CreatePolicy"),
    miss=ev(eventName="PutUserPolicy"),
    extra=ev(eventName="Put*Policy"),
)
row(
    C44,
    "{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}",
    "equivalent",
    "Security Hub CloudWatch.4 spacing.",
)


# =========================================================================== versions.jsonl
# Relation of each reference pattern ("to") to the one of the previous version of the same
# topic ("from"), both taken as effective patterns (corrected text where the transcription is
# not a valid pattern).  Security Hub controls are compared with the CIS 1.2.0 control they
# cite.  Pairs not listed in VERSION_CHANGES are equivalent: their texts differ at most in
# spacing, quoting of wildcard-free values or redundant parentheses.
VERSION_CHANGES: dict[tuple[str, str], dict[str, Any]] = {
    ("cis-aws-1.2.0-3.1", "cis-aws-1.3.0-4.1"): dict(
        relation="broader",
        reason="1.3.0 ORs in sourceIPAddress != delivery.logs.amazonaws.com and eventName != HeadBucket, "
        "so almost every record matches.",
        witnesses={"extra": OK},
    ),
    ("cis-aws-1.5.0-4.1", "cis-aws-2.0.0-4.1"): dict(
        relation="narrower",
        reason="2.0.0 joins with '|| && &&': A || (B && C && D); the exclusions now restrict the AccessDenied "
        "branch instead of being ORed in.",
        witnesses={"hit": UO, "missed": OK},
    ),
    ("cis-aws-1.2.0-3.2", "securityhub-cloudwatch.3"): dict(
        relation="narrower",
        reason="CloudWatch.3 prints the SSO variant, which adds userIdentity.type = IAMUser and "
        "responseElements.ConsoleLogin = Success.",
        witnesses={
            "hit": ev(
                eventName="ConsoleLogin",
                additionalEventData={"MFAUsed": "No"},
                userIdentity={"type": "IAMUser"},
                responseElements={"ConsoleLogin": "Success"},
            ),
            "missed": NOMFA,
        },
    ),
    ("cis-aws-4.0.0-4.10", "cis-aws-5.0.0-4.10"): dict(
        relation="broader",
        reason="5.0.0 adds eventName = ModifySecurityGroupRules.",
        witnesses={"extra": ev(eventName="ModifySecurityGroupRules")},
    ),
}
CORRECTED = {
    "cis-aws-1.3.0-4.4": "1.3.0's text has '$eventName' twice (not a selector); compared using the corrected text.",
    "cis-aws-6.0.0-5.15": "6.0.0's text has an unbalanced quote; compared using the corrected text.",
}


def version_rows(pairs: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """``pairs``: (topic, from id, to id) in catalog order."""
    rows = []
    for topic, old, new in pairs:
        change = VERSION_CHANGES.get((old, new))
        if change is None:
            reason = "Same conditions; the texts differ at most in spacing, quoting or parentheses."
            change = {"relation": "equivalent", "reason": reason}
        item = {"topic": topic, "from": old, "to": new, **change}
        notes = [CORRECTED[i] for i in (old, new) if i in CORRECTED]
        if notes:
            item["reason"] = item["reason"] + " " + " ".join(notes)
        rows.append(item)
    unused = set(VERSION_CHANGES) - {(r["from"], r["to"]) for r in rows}
    assert not unused, unused
    return rows


def catalog_pairs() -> list[tuple[str, str, str]]:
    catalog = json.loads(
        (OUT.parents[3] / "src" / "cwpattern" / "data" / "controls.json").read_text("utf-8")
    )
    pairs = []
    for topic in (t["id"] for t in catalog["topics"]):
        members = [c for c in catalog["controls"] if c["topic"] == topic]
        cis = [c["id"] for c in members if c["benchmark"] != "securityhub"]
        hub = [c["id"] for c in members if c["benchmark"] == "securityhub"]
        pairs += [(topic, a, b) for a, b in zip(cis, cis[1:])]
        pairs += [(topic, cis[0], h) for h in hub]
    return pairs


def render() -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS)


def render_versions() -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in version_rows(catalog_pairs()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write tests/data/corpus/*.jsonl.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the JSONL is out of date")
    args = parser.parse_args(argv)
    outputs = {OUT: render(), VERSIONS_OUT: render_versions()}
    if args.check:
        stale = [p for p, text in outputs.items() if not p.exists() or p.read_text("utf-8") != text]
        for path in stale:
            print(f"{path} is out of date; rerun tools/build_corpus.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        print(f"wrote {text.count(chr(10))} rows to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
