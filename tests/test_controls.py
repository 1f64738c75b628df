"""The CIS control catalog (cwpattern.controls) and the evidence corpus of candidate patterns.

Catalog: checked against the transcription it is built from
(``tests/data/corpus/cis_aws_monitoring_controls.json``) and through the public lookup API.

Corpus (``tests/data/corpus/candidates.jsonl`` and ``versions.jsonl``): every verdict is a
hand-made claim about two match sets, C (candidate) and R (the control's reference).  These
tests check what can be checked without the analyzer:

* the witnesses, with the matcher: ``hit`` in C and R, ``missed`` in R only, ``extra`` in C only;
* that every relation has the witnesses its existential part needs (e.g. overlap: all three);
* the universal part (e.g. broader: R <= C) by falsification on events mutated from the
  witnesses with the literals and selectors of both patterns (seeded, deterministic).
"""

from __future__ import annotations

import copy
import dataclasses
import doctest
import importlib.util
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import cwpattern
from cwpattern import ast, controls
from cwpattern.controls import Control, UnknownControlError
from cwpattern.errors import CWPatternError, PatternSyntaxError

CORPUS = Path(__file__).parent / "data" / "corpus"
TOOLS = Path(__file__).resolve().parents[1] / "tools"


def _jsonl(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (CORPUS / name).read_text("utf-8").splitlines()]


SOURCE = json.loads((CORPUS / "cis_aws_monitoring_controls.json").read_text("utf-8"))
CANDIDATES = _jsonl("candidates.jsonl")
VERSIONS = _jsonl("versions.jsonl")

CIS_VERSIONS = ("1.2.0", "1.3.0", "1.4.0", "1.5.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0", "6.0.0")
RELATIONS = ("equivalent", "broader", "narrower", "overlap", "disjoint", "never")
EXPECTED_CORRECTIONS = {"cis-aws-1.3.0-4.4", "cis-aws-6.0.0-5.15"}


def source_id(row: dict[str, Any]) -> str:
    if row["version"] == "securityhub":
        return "securityhub-cloudwatch." + row["control"].split(".")[1]
    return f"cis-aws-{row['version']}-{row['control']}"


SOURCE_WITH_PATTERN = [row for row in SOURCE if "pattern" in row]


# =========================================================================== catalog content


def test_every_source_control_is_in_the_catalog_verbatim() -> None:
    assert len(controls.all_controls()) == len(SOURCE_WITH_PATTERN) == 148
    for row in SOURCE_WITH_PATTERN:
        c = controls.get(source_id(row))
        assert (c.version, c.number, c.title) == (row["version"], row["control"], row["title"])
        assert c.pattern == row["pattern"]  # verbatim, spacing included
        assert c.pattern_kind == row["pattern_kind"]
        assert c.notes == row["notes"]
        seen = [v["pattern"] for v in row.get("variants_seen_in_other_transcriptions", [])]
        expected = tuple(dict.fromkeys(p for p in seen if p != row["pattern"]))
        assert c.variants == expected


def test_rows_without_a_pattern_are_not_controls() -> None:
    skipped = [row for row in SOURCE if "pattern" not in row]
    assert {(r["version"], r["control"]) for r in skipped} == {
        ("1.5.0", "4.16"),
        ("2.0.0", "4.16"),
        ("3.0.0", "4.16"),
        ("4.0.0", "4.16"),
        ("5.0.0", "4.16"),
        ("6.0.0", "5.16"),
    }
    for row in skipped:
        with pytest.raises(UnknownControlError):
            controls.get(source_id(row))


def test_ids_are_unique_and_well_formed() -> None:
    ids = [c.id for c in controls.all_controls()]
    assert len(ids) == len(set(ids))
    for c in controls.all_controls():
        if c.benchmark == "securityhub":
            assert re.fullmatch(r"securityhub-cloudwatch\.(?:[1-9]|1[0-4])", c.id), c.id
        else:
            assert c.id == f"{c.benchmark}-{c.number}" and c.benchmark == f"cis-aws-{c.version}"


def test_benchmarks_and_their_sizes() -> None:
    assert controls.benchmarks() == tuple(f"cis-aws-{v}" for v in CIS_VERSIONS) + ("securityhub",)
    sizes = {b: len(controls.by_benchmark(b)) for b in controls.benchmarks()}
    assert sizes == {
        **{f"cis-aws-{v}": 15 for v in CIS_VERSIONS},
        "cis-aws-1.2.0": 14,
        "securityhub": 14,
    }

    def numbers(benchmark: str) -> list[str]:
        return [c.number for c in controls.by_benchmark(benchmark)]

    assert numbers("cis-aws-1.2.0") == [f"3.{n}" for n in range(1, 15)]
    assert numbers("cis-aws-3.0.0") == [f"4.{n}" for n in range(1, 16)]
    assert numbers("cis-aws-6.0.0") == [f"5.{n}" for n in range(1, 16)]
    assert numbers("securityhub") == [f"CloudWatch.{n}" for n in range(1, 15)]


def test_all_controls_are_ordered_by_benchmark() -> None:
    order = [c.benchmark for c in controls.all_controls()]
    assert order == sorted(order, key=controls.benchmarks().index)


def test_topics_group_the_same_control_across_versions() -> None:
    kms = [c.id for c in controls.by_topic("kms-cmk-disable-or-delete")]
    assert kms == ["cis-aws-1.2.0-3.7"] + [f"cis-aws-{v}-4.7" for v in CIS_VERSIONS[1:-1]] + [
        "cis-aws-6.0.0-5.7",
        "securityhub-cloudwatch.7",
    ]
    # Security Hub numbers its first three controls differently from CIS.
    assert controls.get("securityhub-cloudwatch.1").topic == "root-usage"
    assert controls.get("securityhub-cloudwatch.2").topic == "unauthorized-api-calls"
    assert controls.get("securityhub-cloudwatch.3").topic == "console-signin-without-mfa"
    assert {c.version for c in controls.by_topic("organizations-changes")} == set(CIS_VERSIONS[1:])
    assert len(controls.topics()) == 15
    for topic in controls.topics():
        members = controls.by_topic(topic)
        # at most one control per benchmark, oldest first
        assert [c.benchmark for c in members] == sorted(
            {c.benchmark for c in members}, key=controls.benchmarks().index
        )
        # within a topic the CIS position of the control is the same in every version
        assert len({c.number.split(".")[1] for c in members if c.benchmark != "securityhub"}) == 1


def test_topic_titles_agree() -> None:
    keywords = {
        "root-usage": "root",
        "nacl-changes": "nacl",
        "kms-cmk-disable-or-delete": "deletion",
        "unauthorized-api-calls": "unauthorized",
        "console-signin-without-mfa": "mfa",
    }
    for topic, word in keywords.items():
        assert all(word in c.title.lower() for c in controls.by_topic(topic)), topic


def test_only_the_two_broken_transcriptions_are_corrected() -> None:
    corrected = {c.id for c in controls.all_controls() if c.corrected_pattern is not None}
    assert corrected == EXPECTED_CORRECTIONS
    for cid in corrected:
        c = controls.get(cid)
        assert c.correction and c.effective_pattern == c.corrected_pattern != c.pattern
        with pytest.raises(PatternSyntaxError):
            cwpattern.parse(c.pattern)
    # The 1.3.0 typo fix yields exactly the neighbouring versions' pattern.
    fixed = cwpattern.parse(controls.get("cis-aws-1.3.0-4.4").effective_pattern)
    assert fixed == cwpattern.parse(controls.get("cis-aws-1.2.0-3.4").pattern)
    fixed = cwpattern.parse(controls.get("cis-aws-6.0.0-5.15").effective_pattern)
    assert fixed == cwpattern.parse(controls.get("cis-aws-5.0.0-4.15").pattern)


@pytest.mark.parametrize("control", controls.all_controls(), ids=lambda c: c.id)
def test_every_reference_pattern_parses(control: Control) -> None:
    tree = cwpattern.parse(control.effective_pattern)
    assert isinstance(tree, ast.JsonPattern)
    if control.corrected_pattern is None:
        assert control.effective_pattern == control.pattern


def test_control_is_immutable() -> None:
    c = controls.get("cis-aws-3.0.0-4.7")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.pattern = "{ $.a = 1 }"  # type: ignore[misc]


# =========================================================================== lookups


@pytest.mark.parametrize(
    "alias",
    [
        "cis-aws-3.0.0-4.7",
        "CIS-AWS-3.0.0-4.7",
        "  cis-aws-3.0.0-4.7\n",
        "cis-3.0.0-4.7",
        "cis-v3.0.0-4.7",
        "cis-aws-v3.0.0-4.7",
    ],
)
def test_cis_aliases(alias: str) -> None:
    assert controls.get(alias).id == "cis-aws-3.0.0-4.7"


@pytest.mark.parametrize(
    "alias",
    [
        "securityhub-cloudwatch.7",
        "CloudWatch.7",
        "cloudwatch.7",
        "SecurityHub.CloudWatch.7",
        "cloudwatch.07",
    ],
)
def test_securityhub_aliases(alias: str) -> None:
    assert controls.get(alias).id == "securityhub-cloudwatch.7"


def test_resolve_control_or_benchmark() -> None:
    assert controls.resolve("CIS-1.2.0-3.7") == (controls.get("cis-aws-1.2.0-3.7"),)
    assert controls.resolve("cis-aws-3.0.0") == controls.by_benchmark("cis-aws-3.0.0")
    assert controls.resolve("CIS-3.0.0") == controls.by_benchmark("cis-aws-3.0.0")
    hub = [c.id for c in controls.resolve("securityhub")]
    assert hub == [f"securityhub-cloudwatch.{n}" for n in range(1, 15)]
    assert {c.version for c in controls.resolve("cis-aws-3.0.0")} == {"3.0.0"}


@pytest.mark.parametrize(
    "call,arg,kind",
    [
        (controls.get, "cis-aws-3.0.0-4.77", "control"),
        (controls.get, "cis-aws-3.0.0", "control"),  # a benchmark is not a control
        (controls.get, "cis-aws-1.2.0-4.7", "control"),  # 1.2.0 numbers its section 3.x
        (controls.get, "securityhub-cloudwatch.15", "control"),
        (controls.by_benchmark, "cis-aws-7.0.0", "benchmark"),
        (controls.by_benchmark, "cis-aws-3.0.0-4.7", "benchmark"),
        (controls.by_topic, "kms", "topic"),
        (controls.resolve, "nonsense", "control or benchmark"),
        (controls.resolve, "", "control or benchmark"),
    ],
)
def test_unknown_ids_raise_a_lookup_error(call: Any, arg: str, kind: str) -> None:
    with pytest.raises(UnknownControlError) as info:
        call(arg)
    err = info.value
    assert isinstance(err, LookupError) and isinstance(err, CWPatternError)
    assert isinstance(err, ValueError)
    assert err.name == arg and err.kind == kind
    assert str(err).startswith(f"unknown {kind} {arg!r}")


def test_unknown_ids_suggest_close_matches() -> None:
    with pytest.raises(UnknownControlError) as info:
        controls.get("cis-aws-3.0.0-4.77")
    assert info.value.suggestions[0] == "cis-aws-3.0.0-4.7"
    assert "did you mean cis-aws-3.0.0-4.7" in str(info.value)
    with pytest.raises(UnknownControlError) as info:
        controls.by_topic("root")
    assert info.value.suggestions == ("root-usage",)
    with pytest.raises(UnknownControlError) as info:
        controls.resolve("zzzz")
    assert info.value.suggestions == () and "did you mean" not in str(info.value)


@pytest.mark.parametrize("bad", [None, 7, b"cis-aws-3.0.0-4.7", ("cis-aws-3.0.0-4.7",)])
def test_non_string_ids_fail_closed(bad: Any) -> None:
    for call in (controls.get, controls.resolve, controls.by_benchmark, controls.by_topic):
        with pytest.raises(UnknownControlError):
            call(bad)


def test_module_and_docs_examples() -> None:
    result = doctest.testmod(controls, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
    docs = Path(__file__).resolve().parents[1] / "docs" / "controls.md"
    if docs.exists():
        result = doctest.testfile(str(docs), module_relative=False, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0


def _tool(name: str) -> Any:
    path = TOOLS / f"{name}.py"
    if not path.exists():
        pytest.skip("tools/ is not part of this source tree")
    spec = importlib.util.spec_from_file_location(f"_cwpattern_tool_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_up_to_date() -> None:
    """controls.json, the topic section of docs/controls.md and the corpus JSONL are what
    the scripts in tools/ generate from the sources kept in the repository."""
    assert _tool("build_controls").main(["--check", "--docs"]) == 0
    assert _tool("build_corpus").main(["--check"]) == 0


# =========================================================================== corpus: shape


def message(event: dict[str, Any]) -> str:
    """A CloudTrail record as CloudWatch Logs receives it: compact JSON."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def row_id(row: dict[str, Any]) -> str:
    return f"{row['control']}:{row['relation']}:{row['pattern'][:60]}"


NEEDED = {  # witnesses each relation must have, and those it cannot have
    "equivalent": (set(), {"missed", "extra"}),
    "broader": ({"extra"}, {"missed"}),
    "narrower": ({"hit", "missed"}, {"extra"}),
    "overlap": ({"hit", "missed", "extra"}, set()),
    "disjoint": ({"extra"}, {"hit"}),
    "never": (set(), {"hit", "extra"}),
}


def test_corpus_size_and_spread() -> None:
    per_control = Counter(row["control"] for row in CANDIDATES)
    assert per_control["cis-aws-3.0.0-4.7"] >= 60
    assert sum(n for c, n in per_control.items() if c != "cis-aws-3.0.0-4.7") >= 40
    for topic in (
        "root-usage",
        "unauthorized-api-calls",
        "console-signin-without-mfa",
        "cloudtrail-config-changes",
        "security-group-changes",
        "nacl-changes",
    ):
        assert any(controls.get(c).topic == topic for c in per_control), topic
    kms = [r["relation"] for r in CANDIDATES if r["control"] == "cis-aws-3.0.0-4.7"]
    assert set(kms) == set(RELATIONS)
    families = Counter(cwpattern.compile(r["pattern"]).family for r in CANDIDATES)
    assert {"json", "terms", "regex", "match-all", "space-delimited"} <= set(families)


def test_corpus_rows_are_well_formed() -> None:
    keys = {"control", "pattern", "covers", "relation", "reason", "missed", "subtle", "witnesses"}
    seen = set()
    for row in CANDIDATES:
        assert {"control", "pattern", "covers", "relation", "reason"} <= set(row) <= keys
        assert row["relation"] in RELATIONS
        assert row["covers"] is (row["relation"] in ("equivalent", "broader"))
        assert row["reason"].strip() and "\n" not in row["reason"]
        controls.get(row["control"])  # raises if unknown
        assert (row["control"], row["pattern"]) not in seen, row_id(row)
        seen.add((row["control"], row["pattern"]))
        if row["pattern"] == controls.get(row["control"]).pattern:
            assert row["relation"] == "equivalent"


@pytest.mark.parametrize("row", CANDIDATES, ids=row_id)
def test_corpus_witnesses(row: dict[str, Any]) -> None:
    reference = cwpattern.compile(controls.get(row["control"]).effective_pattern)
    candidate = cwpattern.compile(row["pattern"])
    check_witnesses(reference, candidate, row)


def check_witnesses(reference: Any, candidate: Any, row: dict[str, Any]) -> None:
    witnesses = row.get("witnesses", {})
    needed, forbidden = NEEDED[row["relation"]]
    assert needed <= set(witnesses) and not forbidden & set(witnesses), sorted(witnesses)
    expect = {"hit": (True, True), "missed": (True, False), "extra": (False, True)}
    for kind, event in witnesses.items():
        text = message(event)
        assert (reference.matches(text), candidate.matches(text)) == expect[kind], (kind, text)


# =========================================================================== corpus: falsification


def _walk(node: Any) -> Any:
    yield node
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            for child in value if isinstance(value, tuple) else (value,):
                if dataclasses.is_dataclass(child):
                    yield from _walk(child)


def _branch_text(branch: ast.Branch) -> str:
    """The literal characters of a regex branch (``.`` for any-character)."""
    return "".join(
        item.char if isinstance(item, ast.Literal) else "." if isinstance(item, ast.AnyChar) else ""
        for item in branch.items
    )


Steps = tuple[Any, ...]
EXTRA_PATHS: set[Steps] = {
    (ast.Member("userAgent"),),
    (ast.Member("requestParameters"), ast.Member("x")),
}


def _vocabulary(patterns: list[str]) -> tuple[list[str], list[Steps]]:
    """Literal texts and selector paths used by the patterns (plus attacker-set fields)."""
    literals: set[str] = set()
    paths = set(EXTRA_PATHS)
    for text in patterns:
        for node in _walk(cwpattern.parse(text)):
            if isinstance(node, (ast.StringValue, ast.NumberValue, ast.Term)):
                literals.add(node.text.strip("*") or node.text)
            elif isinstance(node, ast.Branch):
                literals.add(_branch_text(node))
            elif isinstance(node, ast.Selector):
                paths.add(node.steps)
    return sorted(literals - {""}) or ["x"], sorted(paths, key=repr)


def _value(rng: random.Random, literals: list[str]) -> Any:
    """A literal, a near miss of one, a phrase of two, or a value of another JSON type."""
    s = rng.choice(literals)
    return rng.choice(
        [
            s,
            s,
            s + "X",
            "X" + s,
            s.lower(),
            s.upper(),
            s[:-1],
            "",
            " ".join(rng.sample(literals, min(len(literals), 2))),
            None,
            rng.choice([True, False]),
            rng.choice([0, 7, 1.08, -2]),
            [s],
            {"k": s},
        ]
    )


def _key(node: Any, step: Any, rng: random.Random) -> Any:
    """The key of ``node`` that ``step`` addresses (made to exist), or None."""
    if isinstance(step, ast.Member):
        return step.name if isinstance(node, dict) else None
    if isinstance(step, ast.Index):
        if not isinstance(node, list):
            return None
        node.extend([None] * (step.index + 1 - len(node)))
        return step.index
    if isinstance(node, list):  # wildcard
        if not node:
            node.append(None)
        return 0
    if isinstance(node, dict):
        return rng.choice(sorted(node) + ["requestParameters", "userAgent"])
    return None


def _put(event: dict[str, Any], steps: Steps, value: Any, delete: bool, rng: random.Random) -> None:
    """Set (or delete) the node at ``steps``, creating containers on the way."""
    node: Any = event
    for k, step in enumerate(steps):
        key = _key(node, step, rng)
        if key is None:
            return
        if k == len(steps) - 1:
            if delete and isinstance(node, dict):
                node.pop(key, None)
            else:
                node[key] = value
            return
        child = node.get(key) if isinstance(node, dict) else node[key]
        if not isinstance(child, (dict, list)) or rng.random() < 0.1:
            child = [] if isinstance(steps[k + 1], ast.Index) else {}
            node[key] = child
        node = child


def _events(row: dict[str, Any], seeds: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The seeds, then ``count`` events mutated from them (deterministic per row)."""
    reference = controls.get(row["control"]).effective_pattern
    literals, paths = _vocabulary([row["pattern"], reference])
    rng = random.Random(row["control"] + row["pattern"])
    events = [copy.deepcopy(s) for s in seeds]
    for _ in range(count):
        event = copy.deepcopy(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            _put(event, rng.choice(paths), _value(rng, literals), rng.random() < 0.2, rng)
        events.append(event)
    return events


SEEDS: dict[str, list[dict[str, Any]]] = {}
for _row in CANDIDATES:
    SEEDS.setdefault(_row["control"], [{}]).extend(_row.get("witnesses", {}).values())


def falsify(
    reference: Any, candidate: Any, relation: str, events: list[dict[str, Any]]
) -> str | None:
    """The first event contradicting the universal part of ``relation``, as text."""
    for event in events:
        text = message(event)
        r, c = reference.matches(text), candidate.matches(text)
        broken = {
            "equivalent": r != c,
            "broader": r and not c,
            "narrower": c and not r,
            "overlap": False,
            "disjoint": r and c,
            "never": c,
        }[relation]
        if broken:
            return f"reference={r} candidate={c} on {text}"
    return None


@pytest.mark.parametrize("row", CANDIDATES, ids=row_id)
def test_corpus_verdicts_survive_falsification(row: dict[str, Any]) -> None:
    reference = cwpattern.compile(controls.get(row["control"]).effective_pattern)
    candidate = cwpattern.compile(row["pattern"])
    events = _events(row, SEEDS[row["control"]], 300)
    assert falsify(reference, candidate, row["relation"], events) is None


def test_falsification_detects_wrong_verdicts() -> None:
    """The generator is strong enough to refute a false claim in each direction."""
    kms = controls.get("cis-aws-3.0.0-4.7")
    reference = cwpattern.compile(kms.pattern)
    claims = [  # (pattern, a relation that is wrong for it)
        ("{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }", "equivalent"),
        ("{ $.eventName = DisableKey || $.eventName = ScheduleKeyDeletion }", "narrower"),
        ("{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey* }", "broader"),
        ("DisableKey", "never"),
    ]
    for pattern, wrong in claims:
        row = {"control": kms.id, "pattern": pattern}
        events = _events(row, SEEDS[kms.id], 300)
        assert falsify(reference, cwpattern.compile(pattern), wrong, events) is not None, pattern


# =========================================================================== versions.jsonl


def consecutive_pairs() -> list[tuple[str, str, str]]:
    pairs = []
    for topic in controls.topics():
        members = controls.by_topic(topic)
        cis = [c.id for c in members if c.benchmark != "securityhub"]
        hub = [c.id for c in members if c.benchmark == "securityhub"]
        pairs += [(topic, a, b) for a, b in zip(cis, cis[1:])] + [(topic, cis[0], h) for h in hub]
    return pairs


def test_versions_cover_every_consecutive_pair() -> None:
    assert [(r["topic"], r["from"], r["to"]) for r in VERSIONS] == consecutive_pairs()
    for row in VERSIONS:
        assert row["relation"] in RELATIONS and row["reason"].strip()
        assert controls.get(row["from"]).topic == controls.get(row["to"]).topic == row["topic"]


@pytest.mark.parametrize("row", VERSIONS, ids=lambda r: f"{r['from']}->{r['to']}")
def test_version_relations(row: dict[str, Any]) -> None:
    old, new = controls.get(row["from"]), controls.get(row["to"])
    if row["relation"] == "equivalent":
        # "only spacing/quoting changed" is a syntactic claim: the trees are equal
        assert cwpattern.parse(old.effective_pattern) == cwpattern.parse(new.effective_pattern)
    else:
        assert cwpattern.parse(old.effective_pattern) != cwpattern.parse(new.effective_pattern)
    reference = cwpattern.compile(old.effective_pattern)
    candidate = cwpattern.compile(new.effective_pattern)
    check_witnesses(reference, candidate, row)
    probe = {"control": row["from"], "pattern": new.effective_pattern}
    seeds = SEEDS.get(row["from"], [{}]) + list(row.get("witnesses", {}).values())
    assert falsify(reference, candidate, row["relation"], _events(probe, seeds, 300)) is None


def test_version_changes_that_matter() -> None:
    changed = {
        (r["from"], r["to"]): r["relation"] for r in VERSIONS if r["relation"] != "equivalent"
    }
    assert changed == {
        ("cis-aws-1.2.0-3.1", "cis-aws-1.3.0-4.1"): "broader",
        ("cis-aws-1.5.0-4.1", "cis-aws-2.0.0-4.1"): "narrower",
        ("cis-aws-4.0.0-4.10", "cis-aws-5.0.0-4.10"): "broader",
        ("cis-aws-1.2.0-3.2", "securityhub-cloudwatch.3"): "narrower",
    }
