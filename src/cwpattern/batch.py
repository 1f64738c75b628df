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

from collections.abc import Callable, Iterable, Sequence

from .pattern import CompiledPattern, compile
from .prefilter import Prefilter, Requirement, choose_plan, prefilter_for

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
            plan = choose_plan(self.prefilter, b"\n".join(sample))
            self._check = plan.filter.compile()
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

    def extract(self, raw: bytes) -> dict[str, str]:
        """The extracted values of a matching message (``{}`` if it does not match)."""
        return self.compiled.extract(decode_message(raw)) or {}


class BatchMatcher:
    """Several patterns over the same batches of messages (one pass over each batch per
    pattern, prefilter first).  ``matchers[i]`` is the :class:`PatternMatcher` of
    ``patterns[i]``."""

    def __init__(self, patterns: Iterable[str | CompiledPattern]) -> None:
        self.matchers = [PatternMatcher(p) for p in patterns]

    @staticmethod
    def _raw(messages: Sequence[str | bytes]) -> list[bytes]:
        return [m if isinstance(m, bytes) else m.encode("utf-8", "surrogatepass") for m in messages]

    def mask(self, messages: Sequence[str | bytes], index: int = 0) -> list[bool]:
        """For each message: does pattern ``index`` match it?"""
        return self.matchers[index].mask(self._raw(messages))

    def counts(self, messages: Sequence[str | bytes]) -> list[int]:
        """For each pattern, the number of messages it matches."""
        raws = self._raw(messages)
        return [sum(m.mask(raws)) for m in self.matchers]
