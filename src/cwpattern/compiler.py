"""AST -> matcher: nested closures with every constant bound at compile time.

The hot path has no dispatch on node types: each condition becomes a small function
specialised for its shape (a member path without wildcard walks the decoded object
directly; a literal without wildcard is a string equality).  JSON is decoded once per
message, space-delimited messages are tokenized once.  No pattern text is ever turned
into Python source: closures only capture values.  (Generated code was not needed: the
closures spend their time in the JSON decoder and in ``str``/``bytes`` methods, see
docs/performance.md.)

JSON decoding first tries :mod:`cwpattern.lazyjson` (msgspec, the ``fast`` extra), which
decodes only the members the pattern reads and leaves every doubtful message to the full
decoders; then orjson when it is installed (the ``fast`` extra) and the standard library
otherwise, with identical results.  orjson loses the raw text of numbers and
differs from the standard library at the edges, so a decoded object is trusted only as
far as it is known to agree (:func:`_json`): a test that needs the raw text of a float
(or of an integer that may have been written ``-0``) raises :class:`_NeedRaw`, and any
message orjson rejects or that may be nested deeper than the standard library decodes is
decoded again by :func:`cwpattern.jsondoc.decode`, the reference behaviour.

``compile_pattern(tree)`` returns ``(matches, extract)``, two functions of a ``str``
message; :func:`compile_line_matcher` returns the same decision for a raw line of bytes.
They may raise on hostile input; :class:`cwpattern.CompiledPattern` wraps them so that
its public methods never raise.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any

from . import ast
from .delimited import field_matches, tokenize
from .jsondoc import MISSING, JsonNumber, decode
from .lazyjson import PrunedSchema, pruned_schema
from .values import is_number, wildcard_matcher

try:  # optional: the `fast` extra
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised by the no-orjson CI check
    _orjson = None  # type: ignore[assignment]

__all__ = [
    "DEEP_BRACKETS",
    "HAVE_ORJSON",
    "NO_MATCH_ERRORS",
    "RESOURCE_ERRORS",
    "Extractor",
    "LineMatcher",
    "Matcher",
    "compile_line_matcher",
    "compile_pattern",
]

Matcher = Callable[[str], bool]
Extractor = Callable[[str], "dict[str, str] | None"]
LineMatcher = Callable[["bytes | bytearray"], bool]
NodeTest = Callable[[Any], bool]
TextTest = Callable[[str], bool]

HAVE_ORJSON = _orjson is not None

#: The matcher contract.  A :data:`Matcher`, :data:`Extractor` or :data:`LineMatcher` may
#: raise one of these on a hostile message (a message too odd to decode): that is "no
#: match", never an error (:meth:`cwpattern.CompiledPattern.matches` answers False).
NO_MATCH_ERRORS = (ValueError, TypeError, UnicodeError)
#: Running out of memory or stack while matching: never a verdict (``CompiledPattern``
#: raises :class:`cwpattern.MatchResourceError`; a scan counts ``not_evaluated``).
RESOURCE_ERRORS = (MemoryError, RecursionError)

_MISSING = MISSING
_ORDER = {
    ast.Op.LT: operator.lt,
    ast.Op.LE: operator.le,
    ast.Op.GT: operator.gt,
    ast.Op.GE: operator.ge,
}
#: Messages with this many ``{``/``[`` may nest deeper than the standard library decodes
#: (it fails near the interpreter's recursion limit of 1000 frames, orjson at 1024 levels):
#: such messages always take the standard-library path, so that both paths give the same
#: answer.  (Only messages of twice that length are counted.)
DEEP_BRACKETS = 950
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"{[")


class _NeedRaw(Exception):
    """A test met a number whose raw token text orjson did not keep."""


def compile_pattern(tree: ast.Pattern) -> tuple[Matcher, Extractor]:
    """``(matches, extract)`` for a ``str`` message (see the module docstring)."""
    if isinstance(tree, ast.MatchAll):
        return (lambda message: True), (lambda message: {})
    if isinstance(tree, ast.TermPattern):
        return _with_empty_extract(_terms(tree))
    if isinstance(tree, ast.RegexPattern):
        return _with_empty_extract(_text_search(tree.regex))
    if isinstance(tree, ast.JsonPattern):
        return _with_empty_extract(_json(tree))
    if isinstance(tree, ast.DelimitedPattern):
        return _delimited(tree)
    raise TypeError(f"not a pattern: {tree!r}")


def compile_line_matcher(tree: ast.Pattern) -> LineMatcher:
    """A function of one raw line (``bytes``/``bytearray``, no terminator) equal to
    ``matches(line.decode("utf-8", "replace"))``: the decision on the message a text log
    line is (spec §4.3: invalid UTF-8 reads as U+FFFD, for every family).  Term and JSON
    patterns work on the bytes without decoding them."""
    if isinstance(tree, ast.MatchAll):
        return lambda line: True
    if isinstance(tree, ast.TermPattern):
        byte_terms = _terms_bytes(tree)
        if byte_terms is not None:
            return byte_terms
    if isinstance(tree, ast.JsonPattern):
        return _json(tree)  # accepts bytes too
    if isinstance(tree, ast.RegexPattern):
        from .regex import compile_line_search

        return compile_line_search(tree.regex)
    match = compile_pattern(tree)[0]
    return lambda line: match(bytes(line).decode("utf-8", "replace"))


def _with_empty_extract(match: Matcher) -> tuple[Matcher, Extractor]:
    return match, (lambda message: {} if match(message) else None)


def _text_search(regex: ast.Regex) -> TextTest:
    from .regex import compile_search

    return compile_search(regex)


# --------------------------------------------------------------------------- terms


def _term_test(
    required: tuple[Any, ...], excluded: tuple[Any, ...], optional: tuple[Any, ...]
) -> Callable[[Any], bool]:
    if not required and not excluded:  # only ?terms: any of them
        return lambda message: any(t in message for t in optional)
    if len(required) == 1 and not excluded:
        (only,) = required
        return lambda message: only in message
    return lambda message: (
        all(t in message for t in required) and not any(t in message for t in excluded)
    )


def _split_terms(tree: ast.TermPattern) -> tuple[tuple[str, ...], ...]:
    return tuple(
        tuple(t.text for t in tree.terms if t.kind is kind)
        for kind in (ast.TermKind.REQUIRED, ast.TermKind.EXCLUDED, ast.TermKind.OPTIONAL)
    )


def _terms(tree: ast.TermPattern) -> Matcher:
    return _term_test(*_split_terms(tree))


def _terms_bytes(tree: ast.TermPattern) -> LineMatcher | None:
    """Terms searched in the raw bytes, or None when that would differ from searching
    the decoded text.

    The UTF-8 decoder (invalid sequences replaced by U+FFFD) starts a new character at
    every byte that is not a continuation byte, and a valid encoding starts with one; so a
    term without U+FFFD occurs in the decoded text iff its UTF-8 encoding occurs in the raw
    bytes.  A term holding U+FFFD (which an invalid byte also produces) or a lone surrogate
    (which decoding never produces) is searched in the decoded text instead."""
    groups = _split_terms(tree)
    if any("\ufffd" in t for group in groups for t in group):
        return None
    try:
        encoded = tuple(tuple(t.encode("utf-8") for t in group) for group in groups)
    except UnicodeEncodeError:
        return None
    return _term_test(*encoded)


# --------------------------------------------------------------------------- JSON


def _json(tree: ast.JsonPattern) -> Callable[[str | bytes | bytearray], bool]:
    """The matcher of a JSON pattern; it also takes a ``memoryview`` of a line (the
    scanner's zero-copy count)."""
    test = _expr(tree.expr, _DICT_ACCESS)
    loads = _orjson.loads if _orjson is not None else None
    schema = pruned_schema(tree.expr, (_NeedRaw,))
    deep = DEEP_BRACKETS
    twice = 2 * deep

    def slow(message: str | bytes | bytearray) -> bool:
        if not isinstance(message, str):
            message = bytes(message).decode("utf-8", "replace")
        doc = decode(message)
        return doc is not None and test(doc)

    def may_be_deep(message: str | bytes | bytearray | memoryview) -> bool:
        if isinstance(message, str):
            return message.count("{") + message.count("[") >= deep
        if isinstance(message, memoryview):
            message = message.tobytes()
        # one translate pass measures twice as fast as two counts
        return len(message.translate(None, _NOT_BRACKETS)) >= deep

    def full(message: str | bytes | bytearray) -> bool:
        if loads is None:
            return slow(message)
        try:
            doc = loads(message)
        except ValueError:  # orjson.JSONDecodeError: not JSON for orjson; maybe for json
            return slow(message)
        if type(doc) is not dict:
            return False  # both decoders accepted it: the same non-object value
        try:
            return test(doc)
        except _NeedRaw:
            return slow(message)

    if schema is None:
        if loads is None:
            return slow

        def match(message: str | bytes | bytearray) -> bool:
            if len(message) >= twice and may_be_deep(message):
                return slow(message)
            return full(message)

        return match

    # msgspec decodes only the members the pattern reads (cwpattern.lazyjson); what it
    # leaves undecided (it raises, or a value's reference decoding raises ValueError)
    # goes to the full decoders.
    pruned_test = _expr(tree.expr, _PrunedAccess(schema))
    pruned = schema.decode_or_raise
    undecided = schema.undecided

    def lazy_match(message: str | bytes | bytearray) -> bool:
        if len(message) >= twice and may_be_deep(message):
            return slow(message)
        try:
            return pruned_test(pruned(message))
        except undecided:
            return full(message)

    return lazy_match


class _Access:
    """How compiled tests reach a selector's nodes in a decoded message: here, a ``dict``
    from a full decode (orjson or the standard library)."""

    def one(self, steps: tuple[ast.Step, ...]) -> Callable[[Any], Any]:
        """The node at a wildcard-free path, or ``_MISSING``."""
        return _path_getter(steps)

    def many(self, selector: ast.Selector) -> Callable[[Any], list[Any]]:
        """Every node a selector reaches."""
        return _nodes_getter(selector)


_DICT_ACCESS = _Access()


class _PrunedAccess(_Access):
    """The same in a message decoded by a :class:`cwpattern.lazyjson.PrunedSchema`: the
    schema's walk to the first raw member, then the dict steps on its value."""

    def __init__(self, schema: PrunedSchema) -> None:
        self.schema = schema

    def one(self, steps: tuple[ast.Step, ...]) -> Callable[[Any], Any]:
        get, k = self.schema.prefix(steps)
        if k == len(steps):
            return get
        rest = _path_getter(steps[k:])

        def one(obj: Any) -> Any:
            node = get(obj)
            return node if node is _MISSING else rest(node)

        return one

    def many(self, selector: ast.Selector) -> Callable[[Any], list[Any]]:
        get, k = self.schema.prefix(selector.steps)
        rest = _nodes_getter(ast.Selector(selector.steps[k:]))

        def many(obj: Any) -> list[Any]:
            node = get(obj)
            return [] if node is _MISSING else rest(node)

        return many


def _expr(expr: ast.JsonExpr, access: _Access) -> Callable[[Any], bool]:
    if isinstance(expr, ast.And):
        parts = tuple(_expr(o, access) for o in expr.operands)
        if len(parts) == 2:
            first, second = parts
            return lambda doc: first(doc) and second(doc)
        return lambda doc: all(p(doc) for p in parts)
    if isinstance(expr, ast.Or):
        parts = tuple(_expr(o, access) for o in expr.operands)
        if len(parts) == 2:
            first, second = parts
            return lambda doc: first(doc) or second(doc)
        return lambda doc: any(p(doc) for p in parts)
    if isinstance(expr, ast.Predicate):
        return _predicate(expr, access)
    return _comparison(expr, access)


def _comparison(cond: ast.Comparison, access: _Access) -> Callable[[Any], bool]:
    test = _node_test(cond.op, cond.value)
    steps = cond.selector.steps
    if not cond.selector.has_wildcard:
        if (
            access is _DICT_ACCESS
            and len(steps) == 2
            and all(isinstance(s, ast.Member) for s in steps)
        ):
            k1, k2 = (s.name for s in steps)  # type: ignore[union-attr]

            def two_members(doc: dict[str, Any]) -> bool:  # doc: always a dict
                node = doc.get(k1)
                if type(node) is not dict:
                    return False
                node = node.get(k2, _MISSING)
                return node is not _MISSING and test(node)

            return two_members
        if isinstance(access, _PrunedAccess):
            fused = access.schema.test_at(steps, test)
            if fused is not None:
                return fused
        get = access.one(steps)

        def single(doc: Any) -> bool:
            node = get(doc)
            return node is not _MISSING and test(node)

        return single
    nodes = access.many(cond.selector)
    return lambda doc: any(test(node) for node in nodes(doc))


def _predicate(cond: ast.Predicate, access: _Access) -> Callable[[Any], bool]:
    nodes = access.many(cond.selector)
    kind = cond.kind
    if kind is ast.PredicateKind.NOT_EXISTS:
        return lambda doc: not nodes(doc)
    if kind is ast.PredicateKind.IS_TRUE:
        return lambda doc: any(node is True for node in nodes(doc))
    if kind is ast.PredicateKind.IS_FALSE:
        return lambda doc: any(node is False for node in nodes(doc))

    def is_null(node: Any) -> bool:
        return node is None or (type(node) is list and any(e is None for e in node))

    return lambda doc: any(is_null(node) for node in nodes(doc))


def _path_getter(steps: tuple[ast.Step, ...]) -> Callable[[Any], Any]:
    """Node at a wildcard-free path, or ``_MISSING``."""
    keys = tuple(s.name if isinstance(s, ast.Member) else s.index for s in steps)  # type: ignore[union-attr]
    kinds = tuple(dict if isinstance(s, ast.Member) else list for s in steps)
    if len(keys) == 1 and kinds[0] is dict:
        (key,) = keys
        return lambda node: node.get(key, _MISSING) if type(node) is dict else _MISSING
    if len(keys) == 2 and kinds == (dict, dict):
        k1, k2 = keys

        def get_two(node: Any) -> Any:
            if type(node) is not dict:
                return _MISSING
            node = node.get(k1, _MISSING)
            return node.get(k2, _MISSING) if type(node) is dict else _MISSING

        return get_two
    if all(k is dict for k in kinds):

        def get_members(node: Any) -> Any:
            for key in keys:
                if type(node) is not dict:
                    return _MISSING
                node = node.get(key, _MISSING)
                if node is _MISSING:
                    return _MISSING
            return node

        return get_members

    plan: tuple[tuple[Any, Any], ...] = tuple(zip(kinds, keys))

    def get(node: Any) -> Any:
        for kind, key in plan:
            if type(node) is not kind:
                return _MISSING
            if kind is dict:
                node = node.get(key, _MISSING)
                if node is _MISSING:
                    return _MISSING
            elif key < len(node):
                node = node[key]
            else:
                return _MISSING
        return node

    return get


def _nodes_getter(selector: ast.Selector) -> Callable[[Any], list[Any]]:
    steps = selector.steps
    if not selector.has_wildcard:
        get = _path_getter(steps)

        def one(doc: Any) -> list[Any]:
            node = get(doc)
            return [] if node is _MISSING else [node]

        return one
    i = next(i for i, s in enumerate(steps) if isinstance(s, ast.Wildcard))
    head, tail = _path_getter(steps[:i]), _path_getter(steps[i + 1 :])

    def many(doc: Any) -> list[Any]:
        node = head(doc)
        if type(node) is dict:
            children: Any = node.values()
        elif type(node) is list:
            children = node
        else:
            return []
        out = []
        for child in children:
            found = tail(child)
            if found is not _MISSING:
                out.append(found)
        return out

    return many


# Node tests see the numbers of either decoder: JsonNumber (standard library, raw text
# kept), int or float (orjson; bool is a distinct type and never a number).  An orjson int
# is written exactly as str(int) unless it is zero (it may have been "-0"); an orjson float
# has lost its text (and may even come from a huge integer).  Numeric values agree:
# float(int) and orjson's floats are the correctly rounded value of the token, as float(text).


def _node_test(op: ast.Op, value: ast.Value) -> NodeTest:
    """Per-node test of a comparison (spec §4.6)."""
    if op.is_ordering:
        assert isinstance(value, ast.NumberValue)
        compare, bound = _ORDER[op], value.value

        def order(node: Any) -> bool:
            kind = type(node)
            if kind is JsonNumber:
                return bool(compare(node.value, bound))
            if kind is int or kind is float:
                return bool(compare(float(node), bound))
            return False

        return order
    equal = _leaf_equal(value)
    if op is ast.Op.EQ:
        return equal

    def not_equal(node: Any) -> bool:
        kind = type(node)
        return (kind is str or kind is JsonNumber or kind is int or kind is float) and not equal(
            node
        )

    return not_equal


def _leaf_equal(value: ast.Value) -> NodeTest:
    """``= value`` on one node: true only for comparable leaves (strings, numbers)."""
    if isinstance(value, ast.NumberValue):
        text, number = value.text, value.value

        def equal_number(node: Any) -> bool:
            kind = type(node)
            if kind is str:
                return bool(node == text)
            if kind is JsonNumber:
                return bool(node.value == number)
            if kind is int or kind is float:
                return float(node) == number
            return False

        return equal_number
    text_test: TextTest = (
        wildcard_matcher(value.text)
        if isinstance(value, ast.StringValue)
        else _text_search(value.regex)
    )

    def equal_text(node: Any) -> bool:
        kind = type(node)
        if kind is str:
            return bool(text_test(node))
        if kind is JsonNumber:
            return bool(text_test(node.text))
        if kind is int and node:
            return bool(text_test(str(node)))
        if kind is int or kind is float:
            raise _NeedRaw
        return False

    return equal_text


# --------------------------------------------------------------------------- space-delimited


def _field_test(expr: ast.FieldExpr) -> TextTest:
    if isinstance(expr, ast.FieldAnd):
        parts = tuple(_field_test(o) for o in expr.operands)
        return lambda s: all(p(s) for p in parts)
    if isinstance(expr, ast.FieldOr):
        parts = tuple(_field_test(o) for o in expr.operands)
        return lambda s: any(p(s) for p in parts)
    value, op = expr.value, expr.op
    if op.is_ordering:
        assert isinstance(value, ast.NumberValue)
        compare, bound = _ORDER[op], value.value
        return lambda s: is_number(s) and compare(float(s), bound)
    equal: TextTest
    if isinstance(value, ast.NumberValue):
        number = value.value
        equal = lambda s: is_number(s) and float(s) == number
    elif isinstance(value, ast.StringValue):
        equal = wildcard_matcher(value.text)
    else:
        equal = _text_search(value.regex)
    if op is ast.Op.EQ:
        return equal
    return lambda s: not equal(s)


def _delimited(tree: ast.DelimitedPattern) -> tuple[Matcher, Extractor]:
    """Fields are read lazily (:func:`cwpattern.delimited.field_matches`, linear time) and
    only those the pattern binds are kept: the first ``k`` (the last entry takes the rest
    of the line as raw text) or, around an ellipsis, the first and the last ones.  Only
    ``extract`` with an ellipsis keeps every field, which it returns."""
    entries = tree.entries
    k = len(entries)
    p = tree.ellipsis_index
    names = tuple(e.name if isinstance(e, ast.Field) else None for e in entries)
    tests = tuple(
        _field_test(e.condition) if isinstance(e, ast.Field) and e.condition else None
        for e in entries
    )
    before = p if p is not None else k
    after = k - 1 - p if p is not None else 0
    first_after = before + 1  # entry of the first field after the ellipsis
    head_tests = tests[:before]
    tail_tests = tests[before + 1 :]

    def key(entry: int | None, index: int) -> str:
        name = names[entry] if entry is not None else None
        return f"${name}" if name is not None else f"${index + 1}"

    def fixed(message: str, want_values: bool) -> dict[str, str] | None:
        """No ellipsis: k fields, the last one running to the end of the line."""
        first = tokenize(message, k + 1)
        if len(first) < k:
            return None
        values = [t.value for t in first[: k - 1]]
        last = first[k - 1]
        # With more fields, the last entry spans to the end of the last field, which is
        # the end of the line without its trailing blanks.
        values.append(last.value if len(first) == k else message[last.start :].rstrip(" \t"))
        for test, value in zip(tests, values):
            if test is not None and not test(value):
                return None
        if not want_values:
            return {}
        return {key(i, i): value for i, value in enumerate(values)}

    def around(message: str, want_values: bool) -> dict[str, str] | None:
        """An ellipsis at entry p: the first ``before`` and the last ``after`` fields."""
        fields = field_matches(message)
        head = [m.group(m.lastindex or 3) for m in islice(fields, before)]
        if len(head) < before:
            return None
        rest: Sequence[str] = ()
        tail: Sequence[str] = ()
        if want_values:
            rest = [m.group(m.lastindex or 3) for m in fields]
            tail = rest[len(rest) - after :] if after else ()
        elif after:  # only the last `after` fields are kept
            tail = [m.group(m.lastindex or 3) for m in deque(fields, maxlen=after)]
        if len(tail) < after:
            return None
        for test, value in zip(head_tests, head):
            if test is not None and not test(value):
                return None
        for test, value in zip(tail_tests, tail):
            if test is not None and not test(value):
                return None
        if not want_values:
            return {}
        out = {key(i, i): value for i, value in enumerate(head)}
        n = before + len(rest)
        for j, value in enumerate(rest):
            i = before + j
            out[key(first_after + i - (n - after) if i >= n - after else None, i)] = value
        return out

    def every(message: str, want_values: bool) -> dict[str, str] | None:
        """No entries (``[]``): every message matches; extract returns every field."""
        if not want_values:
            return {}
        return {f"${i + 1}": t.value for i, t in enumerate(tokenize(message))}

    run = every if k == 0 else fixed if p is None else around
    return (lambda message: run(message, False) is not None), (lambda m: run(m, True))
