"""Matching batches of messages: one pattern or many, the prefilter planned once.

Engines that hand over messages in batches (Spark's Arrow batches, a database cursor) call
:meth:`BatchMatcher.mask` or :meth:`BatchMatcher.count` per batch.  Each pattern's sound
literal prefilter (:mod:`cwpattern.prefilter`) is planned once, on the first batch, and
reused for every later batch; a message that fails it cannot match and is never decoded.
The result for each message is exactly ``compiled.matches(message)``.

Messages may be ``str`` or UTF-8 ``bytes``.  Bytes are decoded as UTF-8 with lone
surrogates allowed (``surrogatepass``: how :mod:`cwpattern.spark` stores messages that
carry them); bytes that are not even that are matched as bytes
(:meth:`cwpattern.pattern.CompiledPattern.matches` decides).

>>> m = BatchMatcher(['{ $.eventName = "DisableKey" }', "ERROR"])
>>> batch = [b'{"eventName":"DisableKey"}', b"ERROR disk", b'{"eventName":"Encrypt"}']
>>> m.counts(batch)
[1, 1]
>>> m.matchers[0].prefilter_checks  # messages that needed the matcher
1
>>> m.mask(batch, 0)
[True, False, False]
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence

from .multiliteral import LiteralSet, default_engine
from .pattern import CompiledPattern, compile
from .prefilter import Plan, Prefilter, Requirement, choose_plan, prefilter_for

__all__ = ["BatchMatcher", "PatternMatcher", "decode_message", "utf8_requirement"]

_PLAN_SAMPLE = 1 << 18  # bytes of the first batch the prefilter plan is chosen on


def decode_message(raw: bytes) -> str | bytes:
    """``raw`` as the message text (UTF-8, lone surrogates allowed), or ``raw`` itself when
    it is not UTF-8 at all.

    >>> decode_message("caf\\u00e9".encode()), decode_message(b"\\xff")
    ('café', b'\\xff')
    """
    try:
        return raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return raw


def utf8_requirement(req: Requirement) -> Requirement:
    """``req`` with every literal that is not valid UTF-8 dropped (a weaker, still sound
    requirement): such literals come from lone surrogates in a pattern, which a message
    encoded with ``surrogatepass`` spells differently.

    >>> utf8_requirement(("and", (b"abc", b"\\xff")))
    b'abc'
    """
    if req is None:
        return None
    if isinstance(req, bytes):
        try:
            req.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return req
    kind, parts = req
    kept = [utf8_requirement(p) for p in parts]
    if kind == "or":
        return None if any(p is None for p in kept) else ("or", tuple(kept))
    kept = [p for p in kept if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else ("and", tuple(kept))


class PatternMatcher:
    """One compiled pattern with its prefilter, planned on the first batch it sees."""

    def __init__(self, pattern: str | CompiledPattern) -> None:
        self.compiled = pattern if isinstance(pattern, CompiledPattern) else compile(pattern)
        pf = prefilter_for(self.compiled.ast)
        #: the prefilter, restricted to UTF-8 literals (sound on surrogatepass bytes)
        self.prefilter = Prefilter(utf8_requirement(pf.requirement), pf.escapes)
        self._check: Callable[[bytes], bool] | None = None
        #: the plan (needles to search for, line check), chosen on the first batch
        self.plan: Plan | None = None
        #: messages that passed the prefilter and went to the matcher, over all batches
        self.prefilter_checks = 0

    def _planned(self, raws: Sequence[bytes]) -> Callable[[bytes], bool]:
        if self._check is None:
            sample, size = [], 0
            for raw in raws:
                sample.append(raw)
                size += len(raw) + 1
                if size >= _PLAN_SAMPLE:
                    break
            self.plan = choose_plan(self.prefilter, b"\n".join(sample))
            self._check = self.plan.filter.compile()
        return self._check

    def mask(self, raws: Sequence[bytes]) -> list[bool]:
        """For each UTF-8 message: does the pattern match it?"""
        check = self._planned(raws)
        match = self.compiled.matches
        out = [False] * len(raws)
        n = 0
        for i, raw in enumerate(raws):
            if check(raw):
                n += 1
                out[i] = match(decode_message(raw))
        self.prefilter_checks += n
        return out

    def count_at(self, raws: Sequence[bytes], candidates: Iterable[int]) -> int:
        """How many of ``raws[j]`` for ``j`` in ``candidates`` the pattern matches (the
        other messages must be known not to match)."""
        check = self._planned(raws)
        match = self.compiled.matches
        n = hits = 0
        for j in candidates:
            raw = raws[j]
            if check(raw):
                n += 1
                hits += match(decode_message(raw))
        self.prefilter_checks += n
        return hits

    def matching_at(self, raws: Sequence[bytes], candidates: Iterable[int]) -> list[int]:
        """Those ``j`` of ``candidates`` (ascending) whose ``raws[j]`` the pattern matches
        (the other messages must be known not to match)."""
        check = self._planned(raws)
        match = self.compiled.matches
        n = 0
        out = []
        for j in candidates:
            raw = raws[j]
            if check(raw):
                n += 1
                if match(decode_message(raw)):
                    out.append(j)
        self.prefilter_checks += n
        return out

    def extract(self, raw: bytes) -> dict[str, str]:
        """The extracted values of a matching message (``{}`` if it does not match)."""
        return self.compiled.extract(decode_message(raw)) or {}


class BatchMatcher:
    """Several patterns over the same batches of messages.  ``matchers[i]`` is the
    :class:`PatternMatcher` of ``patterns[i]``.

    :meth:`counts` searches a batch once for the needles of every pattern's plan (with
    hyperscan, :mod:`cwpattern.multiliteral`): each pattern then tests only the messages
    holding one of its own needles (or a JSON escape that could spell one).
    """

    def __init__(self, patterns: Iterable[str | CompiledPattern]) -> None:
        self.matchers = [PatternMatcher(p) for p in patterns]
        self._union: LiteralSet | None = None
        self._owners: list[tuple[int, ...]] = []
        self._every: list[bool] = []  # patterns that get every message (no usable needles)

    @staticmethod
    def _raw(messages: Sequence[str | bytes]) -> list[bytes]:
        return [m if isinstance(m, bytes) else m.encode("utf-8", "surrogatepass") for m in messages]

    def mask(self, messages: Sequence[str | bytes], index: int = 0) -> list[bool]:
        """For each message: does pattern ``index`` match it?"""
        return self.matchers[index].mask(self._raw(messages))

    def counts(self, messages: Sequence[str | bytes]) -> list[int]:
        """For each pattern, the number of messages it matches."""
        raws = self._raw(messages)
        if not raws:
            return [0] * len(self.matchers)
        candidates = self._candidates(raws)
        if candidates is None:
            return [sum(m.mask(raws)) for m in self.matchers]
        return [
            sum(m.mask(raws)) if every else m.count_at(raws, sorted(found))
            for m, every, found in zip(self.matchers, self._every, candidates)
        ]

    def matching(self, messages: Sequence[str | bytes]) -> list[list[int]]:
        """For each pattern, the indexes of the messages it matches, ascending: the batch
        is searched once for the needles of every pattern, as in :meth:`counts`.

        >>> BatchMatcher(["ERROR", "disk"]).matching(["ERROR disk", "INFO", "disk ERROR"])
        [[0, 2], [0, 2]]
        """
        raws = self._raw(messages)
        if not raws:
            return [[] for _ in self.matchers]
        candidates = self._candidates(raws)
        out = []
        for k, m in enumerate(self.matchers):
            if candidates is None or self._every[k]:
                out.append([j for j, ok in enumerate(m.mask(raws)) if ok])
            else:
                out.append(m.matching_at(raws, sorted(candidates[k])))
        return out

    def _candidates(self, raws: Sequence[bytes]) -> list[set[int]] | None:
        """Per pattern, the messages holding one of its needles (None: no shared search)."""
        if not self._every:
            self._share(raws)
        union = self._union
        if union is None:
            return None
        out: list[set[int]] = [set() for _ in self.matchers]
        offsets: list[int] = []
        at = 0
        for raw in raws:
            offsets.append(at)
            at += len(raw) + 1
        owners = self._owners
        for needle, pos in union.hits(b"\n".join(raws), 0, at - 1):
            j = bisect_right(offsets, pos) - 1
            for i in owners[needle]:
                out[i].add(j)
        return out

    def _share(self, raws: Sequence[bytes]) -> None:
        """Plan every pattern on the first batch; the union of their needles."""
        owners: dict[bytes, list[int]] = {}
        for i, m in enumerate(self.matchers):
            m._planned(raws)
            needles = m.plan.needles if m.plan is not None else None
            # (a needle with a newline is not searched for: see LiteralSet)
            every = not needles or any(b"\n" in n for n in needles)
            self._every.append(every)
            if not every:
                escapes = tuple(b"\\" + bytes([c]) for c in m.prefilter.escapes)
                for needle in (*needles, *escapes):  # type: ignore[misc]
                    owners.setdefault(needle, []).append(i)
        if default_engine() == "python" or all(self._every):
            return  # one bytes.find pass per needle: each pattern's own check is as fast
        union = LiteralSet(owners)
        self._owners = [tuple(owners[n]) for n in union.needles]
        self._union = union
