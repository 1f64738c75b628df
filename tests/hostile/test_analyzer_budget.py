"""Issue 11 item 11: the analyzer's budget counts work, not search steps.

Hostile pairs of patterns make each search step expensive: a pigeonhole-shaped reference
(every branch of the search re-examines dozens of disjunctions) or a union of hundreds of
patterns (every step examines every pattern's negation).  Before the fix a budget of
20,000 *steps* meant 13 s to 2 min; now every unit of the budget is a bounded piece of work.
These tests assert the work done (a count of the solver's literal applications, which the
budget must pay for), the budget's size, and that running out gives ``unknown`` with a
reason and never a verdict.  The full-size cases run in ``benchmarks/bench_analyzer.py``.
"""

from __future__ import annotations

import random
import re
from itertools import combinations

import pytest

from cwpattern import analyzer
from cwpattern.analysis import solver

NAMES = "abcdefghijklmnopqrstuvwxyz"


def pigeonhole(holes: int) -> tuple[str, str]:
    """``(P, R)``: R = each of ``holes + 1`` pigeons sits in some hole; P = some hole holds
    two pigeons.  ``covers(P, R)`` is true (the pigeonhole principle) and hard to prove
    case by case."""
    it = iter(NAMES)
    var = {(i, j): next(it) for i in range(holes + 1) for j in range(holes)}
    clauses = [
        "(" + "||".join(f"$.{var[i, j]}=1" for j in range(holes)) + ")" for i in range(holes + 1)
    ]
    clash = [
        f"$.{var[i, j]}=1&&$.{var[k, j]}=1"
        for j in range(holes)
        for i, k in combinations(range(holes + 1), 2)
    ]
    return "{" + "||".join(clash) + "}", "{" + "&&".join(clauses) + "}"


def sat_union(patterns: int, variables: int, seed: int = 1) -> tuple[list[str], str]:
    """A union of three-condition patterns that together come close to covering every
    event with ``variables`` present fields: random 3-SAT near its hard ratio."""
    rng = random.Random(seed)
    union = []
    for _ in range(patterns):
        chosen = rng.sample(range(variables), 3)
        union.append(
            "{ " + " && ".join(f"$.x{v} {rng.choice(('=', '!='))} 1" for v in chosen) + " }"
        )
    reference = "{" + "&&".join(f"$.x{v}=*" for v in range(variables)) + "}"
    return union, reference


@pytest.fixture
def applications(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts ``State.add`` calls: the solver's unit of real work."""
    count = [0]
    original = solver.State.add

    def add(self: solver.State, lit: object) -> object:
        count[0] += 1
        return original(self, lit)  # type: ignore[arg-type]

    monkeypatch.setattr(solver.State, "add", add)
    return count


def _limit(reason: str) -> int:
    found = re.search(r"budget of (\d+) work units exhausted", reason)
    assert found, reason
    return int(found.group(1))


def test_pigeonhole_work_is_bounded_by_the_budget(applications: list[int]) -> None:
    pattern, reference = pigeonhole(4)
    result = analyzer.covers(pattern, reference, budget=5000)
    assert result.verdict == "unknown" and _limit(result.reason) == 5000
    # before: 5,000 steps were over 1.5 million literal applications (about 13 s)
    assert applications[0] <= 5000


def test_pigeonhole_small_enough_is_proved() -> None:
    pattern, reference = pigeonhole(2)
    assert analyzer.covers(pattern, reference).verdict == "yes"


def test_union_work_is_bounded(applications: list[int]) -> None:
    union, reference = sat_union(90, 21)  # covered: a proof must refute every case
    result = analyzer.covers(union, reference, budget=3000)
    assert result.verdict in ("yes", "unknown")
    # before: 3,000 steps were over 22,000 literal applications
    assert applications[0] <= 3000
    applications[0] = 0
    assert analyzer.covers(union, reference).verdict == "yes"
    assert applications[0] <= analyzer_default(sum(map(len, union)) + len(reference))


def analyzer_default(size: int) -> int:
    return solver.DEFAULT_BUDGET * max(1, -(-size // 1024))


def test_the_default_budget_is_per_1024_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    original = solver.Budget.__init__

    def init(self: solver.Budget, limit: int = solver.DEFAULT_BUDGET, **kw: object) -> None:
        seen.append(limit)
        original(self, limit, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(solver.Budget, "__init__", init)
    for k in (100, 200, 400):
        union, reference = sat_union(k, 40)
        seen.clear()
        analyzer.covers(union, reference, timeout=1e-9)
        size = sum(len(p.strip()) for p in union) + len(reference.strip())
        assert seen == [analyzer_default(size)]
    assert seen[0] >= 4 * solver.DEFAULT_BUDGET


@pytest.mark.parametrize("budget", [1, 10, 100, 1000, 10000])
def test_running_out_is_unknown_never_a_wrong_verdict(budget: int) -> None:
    pattern, reference = pigeonhole(3)
    assert analyzer.covers(pattern, reference, budget=budget).verdict in ("yes", "unknown")
    assert analyzer.covers(reference, pattern, budget=budget).verdict in ("no", "unknown")
    kind = analyzer.relation(pattern, reference, budget=budget).kind
    assert kind in ("broader", "unknown")
    narrower = pattern.replace("{$.a=1&&$.d=1||", "{")
    assert narrower != pattern
    assert analyzer.covers(narrower, reference, budget=budget).verdict in ("no", "unknown")


def test_an_exhausted_answer_is_not_cached() -> None:
    pattern = "{ $.a = %[ab]{0,500}c[ab]{500}% }"
    reference = "{ $.a = %[ab]{500}c% }"
    starved = analyzer.covers(pattern, reference, budget=50)
    assert starved.verdict == "unknown" and "budget" in starved.reason
    assert analyzer.covers(pattern, reference, budget=50).verdict == "unknown"
    # neither the answer nor a value language's doubt was kept: a larger budget decides
    assert analyzer.covers(pattern, reference, budget=400_000).verdict == "no"


def test_timeout_gives_unknown_with_its_reason() -> None:
    union, reference = sat_union(120, 28)
    result = analyzer.covers(union, reference, timeout=1e-9)
    assert result.verdict == "unknown" and "time limit of 1e-09 s" in result.reason
    assert analyzer.relation(union, reference, timeout=1e-9).kind == "unknown"
    for bad in (0, -1.0):
        with pytest.raises(ValueError):
            analyzer.covers(union, reference, timeout=bad)
