"""Every row of the conformance corpus, through the public API only.

Rows come from AWS recordings and AWS documentation (tests/data/conformance) and from our
own rule-by-rule cases (tests/data/rules).  A failure names the file and line.
"""

from __future__ import annotations

import pytest
from conftest import DATA, load_jsonl

import cwpattern

FILES = sorted((DATA / "conformance").glob("*.jsonl")) + sorted((DATA / "rules").glob("*.jsonl"))
ROWS = [row for path in FILES for row in load_jsonl(path)]
MATCH_ROWS = [r for r in ROWS if "error" not in r]
ERROR_ROWS = [r for r in ROWS if "error" in r]


def test_corpus_is_loaded() -> None:
    assert len(MATCH_ROWS) >= 1100 and len(ERROR_ROWS) >= 20


@pytest.mark.parametrize("row", MATCH_ROWS, ids=[r["_where"] for r in MATCH_ROWS])
def test_match(row: dict) -> None:
    compiled = cwpattern.compile(row["pattern"])
    assert compiled.matches(row["event"]) is row["expected"], (row["pattern"], row["event"])
    # bytes in, same answer
    assert compiled.matches(row["event"].encode("utf-8")) is row["expected"]
    extracted = compiled.extract(row["event"])
    assert (extracted is not None) is row["expected"]
    if "extracted" in row:
        assert extracted == row["extracted"]
    if "extracted" in row and row["event"]:  # TestMetricFilter takes non-empty messages
        result = cwpattern.test_metric_filter(row["pattern"], [row["event"]])
        assert result == [
            {"eventNumber": 1, "eventMessage": row["event"], "extractedValues": row["extracted"]}
        ]


@pytest.mark.parametrize("row", ERROR_ROWS, ids=[r["_where"] for r in ERROR_ROWS])
def test_error(row: dict) -> None:
    with pytest.raises(cwpattern.PatternSyntaxError) as info:
        cwpattern.compile(row["pattern"])
    err = info.value
    assert 0 <= err.pos <= len(row["pattern"])
    if "code" in row:
        assert err.code == row["code"], str(err)
    if "pos" in row:
        assert err.pos == row["pos"], str(err)


@pytest.mark.parametrize("row", MATCH_ROWS, ids=[r["_where"] for r in MATCH_ROWS])
def test_round_trip(row: dict) -> None:
    tree = cwpattern.parse(row["pattern"])
    canonical = str(cwpattern.compile(row["pattern"]))
    assert cwpattern.parse(canonical) == tree
    assert str(cwpattern.compile(canonical)) == canonical  # canonical text is a fixpoint
