"""Decoding only the members a JSON pattern reads (msgspec, the ``fast`` extra).

A JSON pattern reads a few paths of a message (``{ $.userIdentity.type = IAMUser }``
reads one), yet a full decode builds every string, number and container of a 1.5 KB
CloudTrail record.  :func:`pruned_schema` builds, from the pattern's selectors, a tree
of `msgspec <https://pypi.org/project/msgspec/>`_ ``Struct`` types holding only the
members on those paths.  msgspec validates the whole message while building only them,
about three times faster than orjson builds the whole record (measured in
docs/performance.md), and :mod:`cwpattern.compiler` runs the pattern's tests on the
members it kept.

The values kept are those orjson gives (``str``, ``int``, ``bool``, ``None``, ``dict``,
``list``) except that every number written with a fraction or an exponent is a
:class:`~cwpattern.jsondoc.JsonNumber` holding its raw token text (msgspec's
``float_hook``), so the compiler's tests treat them exactly as they treat orjson's:
an ``int`` is written ``str(n)`` unless it is zero (it may have been ``-0``), and a test
needing that text raises, which sends the message to the full decoders.

Exactness: the schema never decides that a message is *not* JSON.  Whenever msgspec
raises (malformed JSON, a lone surrogate escape, invalid UTF-8 in a kept string, a
member on a path that is neither an object nor ``null``, nesting too deep…), or a test
on the kept values raises (``-0`` compared as text, an integer too large for a float),
the message is decoded in full (:attr:`PrunedSchema.undecided`).  Patterns whose shape
is not covered (a selector starting with a wildcard, a key holding U+FFFD) get no
schema.  Where msgspec accepts a message it agrees with the reference decoder
(:func:`cwpattern.jsondoc.decode`; pinned by tests/test_lazyjson.py, including a
hypothesis differential test on adversarial JSON):

* duplicate keys: the last occurrence wins, at every level;
* keys written with escapes (``"user\\u0049dentity"``) are the key they spell;
* it rejects what the standard library rejects: control characters in strings, unknown
  escapes, ``NaN``/``Infinity``, leading zeros, trailing commas or text, a BOM; a
  message that could nest deeper than the standard library decodes never gets here
  (:mod:`cwpattern.compiler` sends it to the full decoder first);
* invalid UTF-8 can only sit inside strings (a stray byte elsewhere is malformed JSON for
  both): in a skipped string it changes nothing, in a kept one msgspec raises, and a key
  holding invalid bytes equals no pattern key, before or after U+FFFD replacement
  (pattern keys holding U+FFFD get no schema).

Without msgspec :func:`pruned_schema` returns ``None`` and matching is unchanged.

Field names of the generated types are ``f0``, ``f1``…, renamed to the pattern's keys:
pattern text is only ever data (a rename mapping), never code.

>>> from cwpattern import parse
>>> schema = pruned_schema(parse('{ $.userIdentity.type = IAMUser }').expr)
>>> doc = schema.decode(b'{"eventName":"Get","userIdentity":{"type":"IAMUser","arn":"x"}}')
>>> get, steps = schema.prefix(parse('{ $.userIdentity.type = IAMUser }').expr.selector.steps)
>>> get(doc), steps
('IAMUser', 2)
>>> schema.decode(b'{"userIdentity":"not an object"}') is None  # the full decoder decides
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Optional

from . import ast
from .jsondoc import MISSING, JsonNumber

_msgspec: Any
try:  # optional: the `fast` extra
    import msgspec as _msgspec
except ImportError:  # pragma: no cover - depends on the installed extras
    _msgspec = None

__all__ = ["HAVE_MSGSPEC", "PrunedSchema", "covers", "pruned_schema", "selectors"]

#: msgspec is importable (tests set this to False to force the full decoder).
HAVE_MSGSPEC = _msgspec is not None


_UNNAMEABLE = re.compile('[\\\\"\x00-\x1f]')


def selectors(expr: ast.JsonExpr) -> Iterator[ast.Selector]:
    """Every selector of a JSON pattern's expression, in order.

    >>> from cwpattern import parse
    >>> [len(s.steps) for s in selectors(parse('{ $.a.b = 1 || $.c NOT EXISTS }').expr)]
    [2, 1]
    """
    if isinstance(expr, (ast.And, ast.Or)):
        for operand in expr.operands:
            yield from selectors(operand)
    else:
        yield expr.selector


class _Node:
    """A member on some selector's path: its children, or ``raw`` when a selector ends
    there or goes on with an index or wildcard (then its whole value is decoded)."""

    __slots__ = ("children", "raw")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.raw = False


def _trie(expr: ast.JsonExpr) -> _Node | None:
    root = _Node()
    for selector in selectors(expr):
        node = root
        for i, step in enumerate(selector.steps):
            if not isinstance(step, ast.Member):
                if i == 0:
                    return None  # `$.*`: every member is read
                node.raw = True
                break
            if "\ufffd" in step.name or _UNNAMEABLE.search(step.name):
                return None  # (msgspec cannot rename a field to a key with \, " or controls)
            try:
                step.name.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: no message key spells it
                return None
            node = node.children.setdefault(step.name, _Node())
        else:
            node.raw = True
    return root


class PrunedSchema:
    """The msgspec schema of the members a JSON pattern's selectors reach.

    :meth:`decode` validates a whole message and keeps only those members (``Struct``
    instances down to the last member of each path, then the decoded value);
    :meth:`prefix` gives, for a selector's steps, a function reading the value at the
    longest prefix of member steps that the schema keeps.
    """

    __slots__ = ("_attrs", "decode_or_raise", "undecided")

    def __init__(self, root: _Node, undecided: tuple[type[BaseException], ...] = ()) -> None:
        assert _msgspec is not None
        self._attrs: dict[tuple[str, ...], tuple[str, bool]] = {}
        kind = self._struct(root, (), [0])
        #: The decoded Struct of a message; raises one of :attr:`undecided` when msgspec
        #: cannot decide (see the module docstring): the caller decodes it in full.
        self.decode_or_raise: Callable[[str | bytes | bytearray], Any] = _msgspec.json.Decoder(
            kind, float_hook=JsonNumber
        ).decode
        #: What :meth:`decode_or_raise` and the getters of :meth:`prefix` raise when the
        #: message is to be decoded in full.
        self.undecided: tuple[type[BaseException], ...] = (
            _msgspec.MsgspecError,
            RecursionError,
            ValueError,
            TypeError,
            ArithmeticError,
            *undecided,
        )

    def _struct(self, node: _Node, path: tuple[str, ...], counter: list[int]) -> Any:
        """A Struct type for ``node``'s members.  Field names are generated (``f0``,
        ``f1``…) and renamed to the keys: pattern text is only ever data (a rename
        mapping), never code."""
        assert _msgspec is not None
        fields: list[tuple[str, Any, Any]] = []
        rename: dict[str, str] = {}
        for i, (key, child) in enumerate(node.children.items()):
            name = f"f{i}"
            rename[name] = key
            self._attrs[(*path, key)] = (name, child.raw)
            if child.raw:
                fields.append((name, Any, _msgspec.UNSET))
            else:
                sub = self._struct(child, (*path, key), counter)
                fields.append((name, Optional[sub], _msgspec.UNSET))  # noqa: UP045
        counter[0] += 1
        # gc=False: instances hold no cycles (measured 5 % faster decoding)
        return _msgspec.defstruct(f"Pruned{counter[0]}", fields, rename=rename, gc=False)

    def decode(self, message: str | bytes | bytearray) -> Any:
        """The decoded Struct of a message, or ``None``: undecided (see the module
        docstring), the caller decodes it in full."""
        try:
            return self.decode_or_raise(message)
        except self.undecided:
            return None

    def prefix(self, steps: tuple[ast.Step, ...]) -> tuple[Callable[[Any], Any], int]:
        """``(get, k)``: ``get(decoded)`` is the value reached by ``steps[:k]``
        (:data:`~cwpattern.jsondoc.MISSING` when there is none, a ``null`` on the way
        included); the remaining steps (an index, a wildcard…) apply to that value."""
        names: list[str] = []
        path: tuple[str, ...] = ()
        for step in steps:
            assert isinstance(step, ast.Member), "selectors are pruned up to a raw member"
            path = (*path, step.name)
            name, raw = self._attrs[path]
            names.append(name)
            if raw:
                break
        return _walker(tuple(names)), len(names)

    def test_at(
        self, steps: tuple[ast.Step, ...], test: Callable[[Any], bool]
    ) -> Callable[[Any], bool] | None:
        """``test`` applied to the value at ``steps`` (False when there is none), as one
        function, when the schema keeps the whole path (else None: use :meth:`prefix`).
        One call less per message than ``prefix`` + ``test``, for the common case."""
        get, k = self.prefix(steps)
        if k != len(steps):
            return None
        names = tuple(self._attrs[tuple(s.name for s in steps[: i + 1])][0] for i in range(k))  # type: ignore[union-attr]
        unset = _msgspec.UNSET
        if len(names) == 1:
            (only,) = names

            def test_one(obj: Any) -> bool:
                value = getattr(obj, only)
                return value is not unset and test(value)

            return test_one
        if len(names) == 2:
            first, last = names

            def test_two(obj: Any) -> bool:
                obj = getattr(obj, first)
                if obj is unset or obj is None:
                    return False
                value = getattr(obj, last)
                return value is not unset and test(value)

            return test_two
        missing = MISSING

        def test_path(obj: Any) -> bool:
            value = get(obj)
            return value is not missing and test(value)

        return test_path


def _walker(names: tuple[str, ...]) -> Callable[[Any], Any]:
    unset, missing = _msgspec.UNSET, MISSING
    *inner, last = names
    if not inner:

        def get_one(obj: Any) -> Any:
            value = getattr(obj, last)
            return missing if value is unset else value

        return get_one
    if len(inner) == 1:
        (first,) = inner

        def get_two(obj: Any) -> Any:
            obj = getattr(obj, first)
            if obj is unset or obj is None:
                return missing
            value = getattr(obj, last)
            return missing if value is unset else value

        return get_two

    def get(obj: Any) -> Any:
        for name in inner:
            obj = getattr(obj, name)
            if obj is unset or obj is None:  # absent, or null: nothing below it
                return missing
        value = getattr(obj, last)
        return missing if value is unset else value

    return get


def covers(expr: ast.JsonExpr) -> bool:
    """Whether :func:`pruned_schema` gives a schema for this expression.

    >>> from cwpattern import parse
    >>> covers(parse("{ $.a.b = 1 }").expr) == HAVE_MSGSPEC, covers(parse("{ $.* = 1 }").expr)
    (True, False)
    """
    if not HAVE_MSGSPEC:
        return False
    root = _trie(expr)
    return root is not None and bool(root.children)


def pruned_schema(
    expr: ast.JsonExpr, undecided: tuple[type[BaseException], ...] = ()
) -> PrunedSchema | None:
    """The pruned schema of a JSON pattern's expression (see the module docstring), or
    ``None`` when msgspec is not installed or the pattern reads every top-level member
    (a selector starting with a wildcard) or a key no message key can equal exactly
    after replacement (U+FFFD, a lone surrogate)."""
    if not HAVE_MSGSPEC or _msgspec is None:
        return None
    root = _trie(expr)
    if root is None or not root.children:
        return None
    return PrunedSchema(root, undecided)
