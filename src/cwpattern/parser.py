"""Pattern text -> typed AST: the only module (with ``_grammar``) that touches lark.

``parse(text)`` runs the pipeline of spec §1.1 up to semantic validation:

1. length check (1024 code points);
2. family dispatch on the first non-blank character (§1.2);
3. the lark LALR parse, with a token pass (:class:`TokenChecker`) that validates each
   token as it is read — so errors come out first-error-wins, in source order;
4. the tree is turned into :mod:`cwpattern.ast` nodes;
5. quota checks (regex literals, wildcard selectors, duplicate fields, ellipses).

Every failure is a :class:`~cwpattern.errors.PatternSyntaxError` with a stable code; lark
exceptions never escape (they are translated in :func:`_translate`).

>>> parse("{ $.a = 1 || $.b IS NULL }")  # doctest: +ELLIPSIS
JsonPattern(expr=Or(operands=(Comparison(...), Predicate(...))))
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from . import ast
from .errors import PatternSyntaxError
from .values import NUMBER_RE

__all__ = ["parse", "parse_selector", "MAX_PATTERN_LENGTH", "NUMBER_RE"]

MAX_PATTERN_LENGTH = 1024
MAX_REGEX_LITERALS = 2
MAX_WILDCARDS_PER_SELECTOR = 1
MAX_WILDCARD_SELECTORS = 3

BLANKS = " \t\n\r"
_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
_FIELD_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_VALID_OPS = {op.value: op for op in ast.Op}
_VALUE_TYPES = {"VALUE_WORD", "QUOTED", "REGEX"}
# What may follow a value (or a field name) without a blank in between.
_AFTER_VALUE = {"_RPAR", "_AND", "_OR", "_RBRACE", "_COMMA", "_RBRACK", "CMP_OP"}
_KEYWORD_NEXT = {"IS": ("NULL", "TRUE", "FALSE"), "NOT": ("EXISTS",)}

_HUMAN = {
    "WORD": "a word",
    "QUOTED": 'a "quoted" value',
    "PREFIX": "'?' or '-'",
    "REGEX": "a %regex%",
    "VALUE_WORD": "a value",
    "SELECTOR": "a selector such as $.field",
    "CMP_OP": "an operator (= != < <= > >=)",
    "KEYWORD": "IS NULL / IS TRUE / IS FALSE / NOT EXISTS",
    "_LBRACE": "'{'",
    "_RBRACE": "'}'",
    "_LBRACK": "'['",
    "_RBRACK": "']'",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_COMMA": "','",
    "_AND": "'&&'",
    "_OR": "'||'",
    "$END": "the end of the pattern",
}


class _Fail(Exception):
    """Raised inside the parse; turned into PatternSyntaxError at the boundary."""

    def __init__(self, code: str, msg: str, pos: int, aws: str | None = None) -> None:
        super().__init__(msg)
        self.code, self.msg, self.pos, self.aws = code, msg, pos, aws
        self.expected: tuple[str, ...] = ()


class _Context:
    """Per-parse state shared by the token pass and the tree builder."""

    def __init__(self, text: str, family: str) -> None:
        self.text = text
        self.family = family
        self.payload: dict[int, Any] = {}  # token start -> parsed value (selector, regex, ...)


_local = threading.local()


# --------------------------------------------------------------------------- token pass


class TokenChecker:
    """lark post-lexer: validates tokens in source order and pre-parses their payloads."""

    always_accept: tuple[str, ...] = ()

    def process(self, stream: Iterator[Any]) -> Iterator[Any]:
        ctx: _Context = _local.ctx
        prev: Any = None
        prev_op: ast.Op | None = None
        keyword_state: str | None = None  # after SELECTOR: "selector", then "IS"/"NOT", then "done"
        entry_field: str | None = None  # space-delimited: the field the current entry tests
        for tok in stream:
            kind = tok.type
            if prev is not None and tok.start_pos == prev.end_pos:
                _check_glue(ctx, prev, tok)
            if kind == "KEYWORD":
                keyword_state = _check_keyword(tok, keyword_state)
            elif keyword_state in ("IS", "NOT"):
                raise _Fail(
                    "UNSUPPORTED_KEYWORD",
                    f"'{keyword_state}' must be followed by "
                    + " or ".join(_KEYWORD_NEXT[keyword_state]),
                    tok.start_pos,
                )
            else:
                keyword_state = None
            if kind == "SELECTOR":
                ctx.payload[tok.start_pos] = parse_selector(
                    str(tok), pattern=ctx.text, offset=tok.start_pos
                )
                keyword_state = "selector"
            elif kind == "CMP_OP":
                if ctx.family == "space-delimited" and prev is not None:
                    entry_field = _check_same_field(prev, entry_field)
                prev_op = _check_operator(tok, prev)
                ctx.payload[tok.start_pos] = prev_op
            elif kind in _VALUE_TYPES and prev is not None and prev.type == "CMP_OP":
                ctx.payload[tok.start_pos] = _value(ctx, tok, prev_op)
            elif kind == "REGEX":  # a standalone regex
                ctx.payload[tok.start_pos] = _regex(ctx, tok)
            elif kind == "VALUE_WORD":  # a field name in a space-delimited pattern
                _check_field_name(tok)
            elif kind == "QUOTED" and ctx.family == "terms":
                if len(tok) == 2:
                    raise _Fail(
                        "EMPTY_QUOTED_TERM",
                        "empty quoted term",
                        tok.start_pos,
                        "Invalid character(s) in term '\"\"'",
                    )
            elif kind in ("_COMMA", "_LBRACK"):
                entry_field = None
            elif kind == "PREFIX" and prev is not None and prev.type == "PREFIX":
                raise _Fail(
                    "TERM_INVALID_CHAR",
                    f"a term takes one prefix; unexpected '{tok}'",
                    tok.start_pos,
                )
            prev = tok
            yield tok
        if keyword_state in ("IS", "NOT"):
            raise _Fail(
                "UNSUPPORTED_KEYWORD",
                f"'{keyword_state}' must be followed by "
                + " or ".join(_KEYWORD_NEXT[keyword_state]),
                len(ctx.text),
            )


def _check_glue(ctx: _Context, prev: Any, tok: Any) -> None:
    """Two tokens with no blank between them, where the language requires one."""
    if ctx.family == "terms":
        if prev.type in ("WORD", "QUOTED"):
            raise _Fail(
                "TERM_INVALID_CHAR",
                f"invalid character '{ctx.text[tok.start_pos]}' in term "
                "(separate terms with a blank; quote text with punctuation)",
                tok.start_pos,
            )
    elif prev.type in _VALUE_TYPES and tok.type not in _AFTER_VALUE:
        raise _Fail(
            "INVALID_VALUE",
            f"unexpected '{ctx.text[tok.start_pos]}' after a value "
            "(quote values that contain punctuation)",
            tok.start_pos,
        )


def _check_keyword(tok: Any, state: str | None) -> str:
    word = str(tok)
    if state == "selector" and word in _KEYWORD_NEXT:
        return word
    if state in _KEYWORD_NEXT and word in _KEYWORD_NEXT[state]:
        return "done"
    if word.upper() in ("AND", "OR") and state != "selector":
        raise _Fail(
            "SYNTAX",
            f"'{word}' is not an operator: use && or ||",
            tok.start_pos,
            "Invalid metric filter pattern",
        )
    if word.upper() != word:
        hint = " (keywords are upper case)"
    else:
        hint = ""
    raise _Fail(
        "UNSUPPORTED_KEYWORD",
        f"unsupported keyword '{word}'{hint}: use IS NULL, IS TRUE, IS FALSE or NOT EXISTS",
        tok.start_pos,
        "Invalid metric filter pattern",
    )


def _check_operator(tok: Any, prev: Any) -> ast.Op:
    text = str(tok)
    op = _VALID_OPS.get(text)
    if op is None:
        hint = " (use '=' for equality)" if text == "==" else ""
        raise _Fail(
            "INVALID_OPERATOR",
            f"invalid operator '{text}'{hint}",
            tok.start_pos,
            "Invalid metric filter pattern",
        )
    if prev is not None and prev.type == "VALUE_WORD" and str(prev) == "...":
        raise _Fail("SYNTAX", "'...' cannot carry a condition", tok.start_pos)
    return op


def _check_same_field(name_tok: Any, entry_field: str | None) -> str | None:
    """Every condition of one space-delimited entry names the same field.

    Checked in the token pass (not after the parse) so that MIXED_FIELDS takes part in
    first-error-wins like any other syntax error (spec §6.1): ``[a = 1 && b = 2, c = ]``
    is MIXED_FIELDS at the ``b``, not INVALID_VALUE at the ``]``.
    """
    if name_tok.type != "VALUE_WORD":
        return entry_field  # not a field name: the grammar reports it
    name = str(name_tok)
    if entry_field is not None and name != entry_field:
        raise _Fail(
            "MIXED_FIELDS",
            f"every condition of one entry must name the same field "
            f"('{entry_field}', not '{name}')",
            name_tok.start_pos,
            "Invalid filter pattern",
        )
    return name


def _check_field_name(tok: Any) -> None:
    name = str(tok)
    if name != "..." and not _FIELD_NAME_RE.fullmatch(name):
        raise _Fail(
            "FIELD_NAME_INVALID",
            f"invalid field name '{name}': names start with a letter or '_' and "
            "continue with letters, digits, '_' or '-'",
            tok.start_pos,
        )


def _regex(ctx: _Context, tok: Any) -> ast.Regex:
    from .regex import parse_regex

    body = str(tok)[1:-1]
    return parse_regex(body, pattern=ctx.text, offset=tok.start_pos + 1)


def unescape(quoted: str) -> str:
    """The text of a quoted string: ``\\"`` is ``"``, ``\\\\`` is ``\\``, any other
    backslash stays with its character (spec §2.2)."""
    inner = quoted[1:-1]
    if "\\" not in inner:
        return inner
    out: list[str] = []
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch == "\\" and i + 1 < len(inner):
            nxt = inner[i + 1]
            out.append(nxt if nxt in '"\\' else ch + nxt)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _value(ctx: _Context, tok: Any, op: ast.Op | None) -> ast.Value:
    text = str(tok)
    span = ast.Span(tok.start_pos, tok.end_pos)
    value: ast.Value
    if tok.type == "REGEX":
        value = ast.RegexValue(_regex(ctx, tok), span=span)
    elif tok.type == "QUOTED":
        value = ast.StringValue(unescape(text), span=span)
    elif NUMBER_RE.fullmatch(text):
        value = ast.NumberValue(text, span=span)
    else:
        if text.lower() == "null":
            raise _Fail(
                "NULL_LITERAL",
                "there is no null literal: use IS NULL",
                tok.start_pos,
                "Invalid metric filter pattern",
            )
        value = ast.StringValue(text, span=span)
    if op is not None and op.is_ordering and not isinstance(value, ast.NumberValue):
        raise _Fail(
            "ORDERING_NEEDS_NUMBER",
            f"'{op.value}' needs a number, not {text!r}",
            tok.start_pos,
            f"Invalid character(s) in term '{text}'",
        )
    return value


# --------------------------------------------------------------------------- selectors


def parse_selector(text: str, *, pattern: str | None = None, offset: int = 0) -> ast.Selector:
    """Parse a JSON selector such as ``$.a.b[0]``, ``$.a[*]``, ``$.*`` or ``$.['a.b']``.

    >>> parse_selector("$.requestParameters.keyId")  # doctest: +ELLIPSIS
    Selector(steps=(Member(name='requestParameters'), Member(name='keyId')))
    """

    def fail(i: int, msg: str) -> _Fail:
        if pattern is None:
            return PatternSyntaxError("SELECTOR_SYNTAX", msg, text, i)  # type: ignore[return-value]
        return _Fail("SELECTOR_SYNTAX", msg, offset + i)

    n = len(text)
    if not text.startswith("$"):
        raise fail(0, "a selector starts with '$.'")
    if n == 1 or text[1] != ".":
        raise fail(1, "a selector starts with '$.' ('$' alone and '$[0]' are not selectors)")
    steps: list[ast.Step] = []
    i = 1
    while i < n:
        start = i
        ch = text[i]
        if ch == ".":
            i += 1
            if i < n and text[i] == "*":
                steps.append(ast.Wildcard(False, span=ast.Span(offset + start, offset + i + 1)))
                i += 1
            elif i < n and text[i] == "[":
                if not text.startswith("['", i):
                    raise fail(
                        i + 1 if i + 1 < n else i,
                        "bracket keys are written .['key'] with single quotes",
                    )
                # The key runs to the next quote, which must close the brackets: a key
                # cannot contain "'" (spec §4.2), so `['a'['b']` is an error at the
                # second '[', not a key named `a'['b`.
                close = text.find("'", i + 2)
                if close < 0:
                    raise fail(i, "unclosed bracket key: expected ']")
                key = text[i + 2 : close]
                if not key:
                    raise fail(i + 2, "empty bracket key")
                if close + 1 >= n or text[close + 1] != "]":
                    raise fail(
                        close + 1,
                        "expected ']' after the bracket key (a key cannot contain \"'\")",
                    )
                steps.append(ast.Member(key, span=ast.Span(offset + start, offset + close + 2)))
                i = close + 2
            else:
                m = _NAME_RE.match(text, i)
                if m is None:
                    what = (
                        "'..' (recursive descent) is not supported"
                        if i < n and text[i] == "."
                        else "expected a member name, '*' or ['key'] after '.'"
                    )
                    raise fail(i, what)
                steps.append(ast.Member(m.group(), span=ast.Span(offset + start, offset + m.end())))
                i = m.end()
        elif ch == "[":
            if text.startswith("[*]", i):
                steps.append(ast.Wildcard(True, span=ast.Span(offset + i, offset + i + 3)))
                i += 3
                continue
            j = i + 1
            while j < n and text[j].isdigit() and text[j].isascii():
                j += 1
            digits = text[i + 1 : j]
            if not digits:
                if j < n and text[j] == "'":
                    raise fail(i, "bracket keys are written .['key'] (with the dot)")
                raise fail(j, "array index must be a non-negative integer or '*'")
            if len(digits) > 1 and digits[0] == "0":
                raise fail(i + 1, "array index with a leading zero")
            if j >= n or text[j] != "]":
                raise fail(j, "expected ']' (slices and negative indexes are not supported)")
            steps.append(ast.Index(int(digits), span=ast.Span(offset + i, offset + j + 1)))
            i = j + 1
        else:
            raise fail(i, f"unexpected '{ch}' in selector")
    return ast.Selector(tuple(steps), span=ast.Span(offset, offset + n))


# --------------------------------------------------------------------------- tree -> AST


def _span(tok: Any) -> ast.Span:
    return ast.Span(tok.start_pos, tok.end_pos)


def _flatten(kind: type, operands: list[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for operand in operands:
        if isinstance(operand, kind):
            out.extend(operand.operands)  # type: ignore[attr-defined]
        else:
            out.append(operand)
    return tuple(out)


def _node_span(nodes: list[Any]) -> ast.Span | None:
    spans = [n.span for n in nodes if getattr(n, "span", None) is not None]
    if not spans:
        return None
    return ast.Span(min(s.start for s in spans), max(s.end for s in spans))


class _Builder:
    """Walks the lark tree bottom-up and builds AST nodes (one method per rule)."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx

    def build(self, tree: Any) -> Any:
        from lark import Token, Tree

        if isinstance(tree, Token):
            return tree
        if not isinstance(tree, Tree):
            return tree  # None placeholder
        children = [self.build(child) for child in tree.children]
        return getattr(self, str(tree.data))(children)

    # terms
    def term_pattern(self, children: list[Any]) -> ast.TermPattern:
        return ast.TermPattern(tuple(children), span=_node_span(children))

    def term(self, children: list[Any]) -> ast.Term:
        prefix, tok = children
        text = unescape(str(tok)) if tok.type == "QUOTED" else str(tok)
        kind = ast.TermKind.REQUIRED
        start = tok.start_pos
        if prefix is not None:
            kind = ast.TermKind.OPTIONAL if str(prefix) == "?" else ast.TermKind.EXCLUDED
            start = prefix.start_pos
        return ast.Term(text, kind, span=ast.Span(start, tok.end_pos))

    # regex
    def regex_pattern(self, children: list[Any]) -> ast.RegexPattern:
        tok = children[0]
        return ast.RegexPattern(self.ctx.payload[tok.start_pos], span=_span(tok))

    # JSON
    def json_pattern(self, children: list[Any]) -> ast.JsonPattern:
        return ast.JsonPattern(children[0], span=ast.Span(0, len(self.ctx.text)))

    def or_expr(self, children: list[Any]) -> ast.Or:
        return ast.Or(_flatten(ast.Or, children), span=_node_span(children))

    def and_expr(self, children: list[Any]) -> ast.And:
        return ast.And(_flatten(ast.And, children), span=_node_span(children))

    def comparison(self, children: list[Any]) -> ast.Comparison:
        sel, op, val = children
        payload = self.ctx.payload
        return ast.Comparison(
            payload[sel.start_pos],
            payload[op.start_pos],
            payload[val.start_pos],
            span=ast.Span(sel.start_pos, val.end_pos),
        )

    def predicate(self, children: list[Any]) -> ast.Predicate:
        sel, *words = children
        kind = ast.PredicateKind(" ".join(str(w) for w in words))
        return ast.Predicate(
            self.ctx.payload[sel.start_pos], kind, span=ast.Span(sel.start_pos, words[-1].end_pos)
        )

    # space-delimited
    def delim_pattern(self, children: list[Any]) -> ast.DelimitedPattern:
        entries = tuple(children)
        if len(entries) == 1 and isinstance(entries[0], ast.Field) and entries[0].name is None:
            entries = ()  # `[]`: zero entries, not one anonymous field
        return ast.DelimitedPattern(entries, span=ast.Span(0, len(self.ctx.text)))

    def entry(self, children: list[Any]) -> ast.Entry:
        (item,) = children
        if item is None:
            return ast.Field(None)
        if not isinstance(item, (ast.FieldComparison, ast.FieldAnd, ast.FieldOr, _Named)):
            # a bare VALUE_WORD: a field name or the ellipsis
            if str(item) == "...":
                return ast.EllipsisEntry(span=_span(item))
            return ast.Field(str(item), span=_span(item))
        named = item if isinstance(item, _Named) else None
        assert named is not None
        return ast.Field(named.name, named.expr, span=named.expr.span)

    def field_comparison(self, children: list[Any]) -> _Named:
        name, op, val = children
        payload = self.ctx.payload
        expr = ast.FieldComparison(
            payload[op.start_pos],
            payload[val.start_pos],
            span=ast.Span(name.start_pos, val.end_pos),
        )
        return _Named(str(name), expr, name.start_pos)

    def field_or(self, children: list[_Named]) -> _Named:
        return self._combine(ast.FieldOr, children)

    def field_and(self, children: list[_Named]) -> _Named:
        return self._combine(ast.FieldAnd, children)

    def _combine(self, kind: type, children: list[_Named]) -> _Named:
        first = children[0]
        for other in children[1:]:
            if other.name != first.name:
                raise _Fail(
                    "MIXED_FIELDS",
                    f"every condition of one entry must name the same field "
                    f"('{first.name}', not '{other.name}')",
                    other.pos,
                    "Invalid filter pattern",
                )
        exprs = [c.expr for c in children]
        node = kind(_flatten(kind, exprs), span=_node_span(exprs))
        return _Named(first.name, node, first.pos)


class _Named:
    """A space-delimited condition with the field name it tests (internal)."""

    __slots__ = ("name", "expr", "pos")

    def __init__(self, name: str, expr: Any, pos: int) -> None:
        self.name, self.expr, self.pos = name, expr, pos


# --------------------------------------------------------------------------- quotas


def _check_quotas(pattern: ast.Pattern) -> None:
    """Quota checks after a successful parse (spec §6.1).

    Each quota is reported at its first offending item; when several quotas are exceeded,
    the one whose offending item comes first in the pattern wins ([decided]).
    """
    failures = _quota_failures(pattern)
    if failures:
        raise min(failures, key=lambda f: f.pos)


def _quota_failures(pattern: ast.Pattern) -> list[_Fail]:
    failures: list[_Fail] = []
    regexes: list[ast.Span | None] = []
    wildcard_selectors: list[ast.Selector] = []
    if isinstance(pattern, ast.JsonPattern):
        for cond in ast.conditions(pattern.expr):
            wildcards = [s for s in cond.selector.steps if isinstance(s, ast.Wildcard)]
            if len(wildcards) > MAX_WILDCARDS_PER_SELECTOR and not any(
                f.code == "SELECTOR_WILDCARD_LIMIT" for f in failures
            ):
                failures.append(
                    _Fail(
                        "SELECTOR_WILDCARD_LIMIT",
                        "a JSON selector may contain at most 1 wildcard",
                        _start(wildcards[1].span),
                        "Your filter pattern has a JSON path selector that exceeds the "
                        "maximum of 1 wildcard allowed per json selector.",
                    )
                )
            if wildcards:
                wildcard_selectors.append(cond.selector)
            if isinstance(cond, ast.Comparison) and isinstance(cond.value, ast.RegexValue):
                regexes.append(cond.value.span)
        if len(wildcard_selectors) > MAX_WILDCARD_SELECTORS:
            failures.append(
                _Fail(
                    "PATTERN_WILDCARD_LIMIT",
                    "a pattern may contain at most 3 wildcard selectors",
                    _start(wildcard_selectors[MAX_WILDCARD_SELECTORS].span),
                    "Your input has exceeded the maximum of 3 JSON wildcard selectors "
                    "allowed per filter pattern.",
                )
            )
    elif isinstance(pattern, ast.DelimitedPattern):
        names: set[str] = set()
        ellipsis_seen = False
        for entry in pattern.entries:
            if isinstance(entry, ast.EllipsisEntry):
                if ellipsis_seen and not any(f.code == "MULTIPLE_ELLIPSIS" for f in failures):
                    failures.append(
                        _Fail(
                            "MULTIPLE_ELLIPSIS",
                            "at most one '...' per pattern",
                            _start(entry.span),
                            "Duplicate field '...'",
                        )
                    )
                ellipsis_seen = True
                continue
            if entry.name is not None:
                if entry.name in names and not any(f.code == "DUPLICATE_FIELD" for f in failures):
                    failures.append(
                        _Fail(
                            "DUPLICATE_FIELD",
                            f"duplicate field '{entry.name}'",
                            _start(entry.span),
                            f"Duplicate field '{entry.name}'",
                        )
                    )
                names.add(entry.name)
            if entry.condition is not None:
                regexes.extend(
                    c.value.span
                    for c in ast.field_comparisons(entry.condition)
                    if isinstance(c.value, ast.RegexValue)
                )
    if len(regexes) > MAX_REGEX_LITERALS:
        failures.append(
            _Fail(
                "TOO_MANY_REGEX",
                "a pattern may contain at most 2 regular expressions",
                _start(regexes[MAX_REGEX_LITERALS]),
                "Your input has exceeded the maximum of 2 regular expressions per filter pattern.",
            )
        )
    return failures


def _start(span: ast.Span | None) -> int:
    return span.start if span is not None else 0


# --------------------------------------------------------------------------- entry point


def _dispatch(text: str) -> tuple[str | None, int, int]:
    """(start rule or None for match-all, first non-blank index, end of non-blank span)."""
    s = 0
    n = len(text)
    while s < n and text[s] in BLANKS:
        s += 1
    if s == n:
        return None, s, s
    e = n
    while text[e - 1] in BLANKS:
        e -= 1
    first = text[s]
    rule = {"{": "json_pattern", "[": "delim_pattern", "%": "regex_pattern"}.get(
        first, "term_pattern"
    )
    return rule, s, e


_FAMILY_OF_RULE = {
    "term_pattern": "terms",
    "regex_pattern": "regex",
    "json_pattern": "json",
    "delim_pattern": "space-delimited",
}


def parse(text: str, *, max_length: int | None = MAX_PATTERN_LENGTH) -> ast.Pattern:
    """Parse and validate a filter pattern.

    ``max_length=None`` lifts the length limit (for the canonical text of a valid tree,
    which may be longer than the pattern it came from); every other rule applies.

    Raises:
        PatternSyntaxError: for every pattern CloudWatch Logs would reject.

    >>> parse("")
    MatchAll()
    >>> parse("[ip, ..., status = 4*]").entries[2]  # doctest: +ELLIPSIS
    Field(name='status', condition=FieldComparison(op=<Op.EQ: '='>, value=StringValue(text='4*')))
    """
    if not isinstance(text, str):
        raise TypeError(f"a filter pattern is a str, not {type(text).__name__}")
    if max_length is not None and len(text) > max_length:
        raise PatternSyntaxError(
            "PATTERN_TOO_LONG",
            f"pattern is {len(text)} characters long; the limit is {max_length}",
            text,
            max_length,
            aws_message="Member must have length less than or equal to 1024",
        )
    rule, s, e = _dispatch(text)
    if rule is None:
        return ast.MatchAll(span=ast.Span(0, len(text)))
    try:
        _precheck(text, rule, s, e)
        ctx = _Context(text, _FAMILY_OF_RULE[rule])
        _local.ctx = ctx
        try:
            tree = _run_lark(text, rule)
        finally:
            _local.ctx = None
        result = _Builder(ctx).build(tree)
        _check_quotas(result)
        return result  # type: ignore[no-any-return]
    except _Fail as f:
        raise PatternSyntaxError(
            f.code, f.msg, text, f.pos, expected=f.expected, aws_message=f.aws
        ) from None
    except PatternSyntaxError:
        raise
    except RecursionError:
        raise PatternSyntaxError("SYNTAX", "pattern is nested too deeply", text, s) from None


def _precheck(text: str, rule: str, s: int, e: int) -> None:
    if rule == "json_pattern":
        if text[e - 1] != "}" or e - s < 2:
            raise _Fail(
                "JSON_UNCLOSED",
                "a pattern that starts with '{' must end with '}'",
                e,
                "If a filter pattern starts with '{' it must end with '}'",
            )
        if not text[s + 1 : e - 1].strip(BLANKS):
            raise _Fail(
                "JSON_EMPTY",
                "empty JSON pattern: write a condition such as { $.field = value }",
                e - 1,
            )
    elif rule == "delim_pattern" and (text[e - 1] != "]" or e - s < 2):
        raise _Fail("DELIM_UNCLOSED", "a pattern that starts with '[' must end with ']'", e)


def _run_lark(text: str, rule: str) -> Any:
    from lark.exceptions import UnexpectedInput

    from ._grammar import build_parser

    try:
        return build_parser(postlex=TokenChecker).parse(text, start=rule)
    except UnexpectedInput as err:
        raise _translate(err, text, rule) from None


def _translate(err: Any, text: str, rule: str) -> _Fail:
    """Map a lark error to the spec's error code, by family and by what was expected."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    family = _FAMILY_OF_RULE[rule]
    pos: int
    tok_type: str | None
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream if err.pos_in_stream is not None else len(text)
        tok_type = None
        expected = set(err.allowed or ())
    elif isinstance(err, UnexpectedToken):
        start = err.token.start_pos if err.token.type != "$END" else None
        pos = start if start is not None else len(text)
        tok_type = err.token.type
        expected = set(err.expected or ())
    else:  # UnexpectedEOF
        pos, tok_type, expected = len(text), "$END", set(getattr(err, "expected", ()) or ())
    ch = text[pos] if pos < len(text) else ""
    human = tuple(sorted(_HUMAN.get(t, t) for t in expected))
    prev = text[:pos].rstrip(BLANKS)
    prev_ch = prev[-1:] if prev else ""

    def fail(code: str, msg: str, at: int = pos) -> _Fail:
        f = _Fail(code, msg, at)
        f.expected = human
        return f

    if tok_type == "$END" or (not ch):
        if family == "terms" and prev_ch in "?-":
            return fail("DANGLING_PREFIX", f"'{prev_ch}' must be followed by a term", len(prev) - 1)
        return fail("SYNTAX", "unexpected end of pattern")
    if family == "regex":
        if not prev:  # the opening '%' itself did not lex: no closing '%'
            return fail("REGEX_UNTERMINATED", "unterminated regular expression: expected '%'")
        return fail("REGEX_TRAILING_TEXT", "a regex pattern is one %regex% and nothing else")
    if ch == '"' and tok_type is None:
        return fail("UNTERMINATED_QUOTE", "unterminated quoted string", pos)
    if family == "terms":
        return fail(
            "TERM_INVALID_CHAR",
            f"invalid character '{ch}' in term (only letters, digits and '_' may be "
            "unquoted; write other text in double quotes)",
        )
    if ch == "%" and tok_type is None:
        return fail("REGEX_UNTERMINATED", "unterminated regular expression: expected '%'")
    if family == "space-delimited" and ch == "$":
        return fail("SYNTAX", "selectors do not exist in space-delimited patterns")
    glued = pos > 0 and text[pos - 1] not in BLANKS
    if (
        glued
        and ch not in ")&|},]"
        and expected
        and expected <= _AFTER_VALUE
        and (text[pos - 1] in '"%' or text[pos - 1].isalnum() or text[pos - 1] in "_.*+-")
    ):
        return fail(
            "INVALID_VALUE",
            f"unexpected '{ch}' after a value (quote values that contain punctuation)",
        )
    value_expected = bool(expected & _VALUE_TYPES) and "SELECTOR" not in expected
    if ch in "&|" and tok_type is None:
        return fail("INVALID_OPERATOR", f"invalid operator '{ch}': use && or ||")
    if ch in "=!<>" and not value_expected:
        return fail("INVALID_OPERATOR", f"unexpected operator '{ch}'")
    if value_expected:
        if ch in "=!<>":
            return fail("INVALID_OPERATOR", "unexpected operator where a value was expected")
        return fail(
            "INVALID_VALUE",
            f"invalid value starting with '{ch}' (quote values that "
            "contain punctuation; single quotes are not quotes)",
        )
    if "SELECTOR" in expected and family == "json":
        if ch.isalnum() or ch in "_.[@'":
            return fail("SELECTOR_SYNTAX", "a selector starts with '$.'")
        return fail("SYNTAX", f"unexpected '{ch}': expected a condition such as $.field = value")
    return fail("SYNTAX", f"unexpected '{ch}'")
