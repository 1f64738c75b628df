"""The CloudWatch regex dialect (spec §3): validation, printing, translation and search."""

from __future__ import annotations

import random
import re
import time
import warnings
from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cwpattern.ast import (
    Anchor,
    AnchorKind,
    AnyChar,
    Branch,
    CharClass,
    CharRange,
    Literal,
    Regex,
    Repeat,
    Shorthand,
    Span,
)
from cwpattern.errors import PatternSyntaxError
from cwpattern.regex import (
    _BitSearch,
    compile_search,
    literal_prefilter,
    parse_regex,
    regex_text,
    to_python,
)


def P(body: str) -> Regex:
    """Parse *body* as the standalone pattern ``%body%``."""
    return parse_regex(body, pattern=f"%{body}%", offset=1)


def error(body: str) -> PatternSyntaxError:
    with pytest.raises(PatternSyntaxError) as info:
        P(body)
    return info.value


def python_search(regex: Regex, text: str) -> bool:
    return re.search(to_python(regex), text) is not None


def ours(regex: Regex, text: str) -> bool:
    return compile_search(regex)(text)


def bits(regex: Regex, text: str) -> bool:
    return _BitSearch(regex)(text)


# Every engine must agree on every semantic example: the public search (whatever tier it
# picks), the bit-parallel engine on its own, and the Python translation of spec §3.5.
ENGINES: list[Callable[[Regex, str], bool]] = [ours, bits, python_search]
engines = pytest.mark.parametrize("engine", ENGINES, ids=["compile_search", "bitsearch", "python"])


# --------------------------------------------------------------------------- spec §3.8


@engines
@pytest.mark.parametrize(
    "pattern, message, expected",
    [
        (r"%^WARN\s\d+%", "WARN\n42 retries", True),  # \s matches LF
        (r"%^WARN\s\d+%", "xWARN 42", False),  # ^
        (r"%gz$%", "archive.tgz\n", False),  # $ is the very end
        (r"%[Tt]ime[Oo]ut%", "TimeOut", True),
        (r"%a{,2}b%", "b", True),
    ],
)
def test_spec_examples_match(
    engine: Callable[[Regex, str], bool], pattern: str, message: str, expected: bool
) -> None:
    regex = parse_regex(pattern[1:-1], pattern=pattern, offset=1)
    assert engine(regex, message) is expected


@pytest.mark.parametrize(
    "pattern, code, pos",
    [
        ("%(a)%", "REGEX_INVALID_CHAR", 1),
        ("%a|%", "REGEX_SYNTAX", 2),
        ("%naïve%", "REGEX_INVALID_CHAR", 3),
    ],
)
def test_spec_examples_errors(pattern: str, code: str, pos: int) -> None:
    with pytest.raises(PatternSyntaxError) as info:
        parse_regex(pattern[1:-1], pattern=pattern, offset=1)
    assert (info.value.code, info.value.pos) == (code, pos)


# --------------------------------------------------------------------------- spec §3.2 / §3.3 errors

# (body, code, index in the body of the reported character)
INVALID = [
    # §3.2 allowed characters
    ("(a)", "REGEX_INVALID_CHAR", 0),
    (r"\(x\)", "REGEX_INVALID_CHAR", 1),
    ("a!", "REGEX_INVALID_CHAR", 1),
    ('"x"', "REGEX_INVALID_CHAR", 0),
    ("ü", "REGEX_INVALID_CHAR", 0),
    ("a\tb", "REGEX_INVALID_CHAR", 1),
    ("a\nb", "REGEX_INVALID_CHAR", 1),
    ("a%", "REGEX_INVALID_CHAR", 1),
    ("[!]", "REGEX_INVALID_CHAR", 1),
    ("a{1!}", "REGEX_INVALID_CHAR", 3),
    (r"\x!1", "REGEX_INVALID_CHAR", 2),
    ("a<b>&~'", "REGEX_INVALID_CHAR", 1),
    # unclosed '[' (reported at the '[')
    ("[ab", "REGEX_SYNTAX", 0),
    ("a[^", "REGEX_SYNTAX", 1),
    ("x[a-", "REGEX_SYNTAX", 1),
    # empty class; '[' inside a class
    ("[]", "REGEX_SYNTAX", 0),
    ("[^]", "REGEX_SYNTAX", 0),
    ("a[]]", "REGEX_SYNTAX", 1),
    ("[a[]", "REGEX_SYNTAX", 2),
    # ranges: shorthand ends, order -- reported at the '-' (spec §3.3: `[\d-z]` is an
    # error at the '-', not a literal hyphen)
    (r"[\d-z]", "REGEX_SYNTAX", 3),
    (r"[a-\d]", "REGEX_SYNTAX", 2),
    (r"[\w-\d]", "REGEX_SYNTAX", 3),
    ("[z-a]", "REGEX_SYNTAX", 2),
    ("[a--]", "REGEX_SYNTAX", 2),
    # unescaped ']' / '}' outside a class / quantifier
    ("a]", "REGEX_SYNTAX", 1),
    ("}", "REGEX_SYNTAX", 0),
    ("a}", "REGEX_SYNTAX", 1),
    # '{' must start a valid quantifier
    ("a{x}", "REGEX_SYNTAX", 2),
    ("a{}", "REGEX_SYNTAX", 2),
    ("a{,}", "REGEX_SYNTAX", 3),
    ("a{3,1}", "REGEX_SYNTAX", 4),
    ("a{1 ,2}", "REGEX_SYNTAX", 3),
    ("a{ 1}", "REGEX_SYNTAX", 2),
    ("a{1, 2}", "REGEX_SYNTAX", 4),
    ("a{-1}", "REGEX_SYNTAX", 2),
    ("a{1,2,3}", "REGEX_SYNTAX", 5),
    ("a{3", "REGEX_SYNTAX", 1),
    ("a{", "REGEX_SYNTAX", 1),
    # repetition counts above 1000: reported at the '{' (spec §3.3)
    ("a{1001}", "REGEX_SYNTAX", 1),
    ("a{0,1001}", "REGEX_SYNTAX", 1),
    ("a{2,1001}", "REGEX_SYNTAX", 1),
    ("xa{,1001}", "REGEX_SYNTAX", 2),
    ("a{1001,}", "REGEX_SYNTAX", 1),
    ("a{00001001}", "REGEX_SYNTAX", 1),
    ("a{99999999999999999999}", "REGEX_SYNTAX", 1),
    # nothing to repeat
    ("*a", "REGEX_SYNTAX", 0),
    ("+", "REGEX_SYNTAX", 0),
    ("?a", "REGEX_SYNTAX", 0),
    ("{2}", "REGEX_SYNTAX", 0),
    ("a|*b", "REGEX_SYNTAX", 2),
    ("^*", "REGEX_SYNTAX", 1),
    ("a$+", "REGEX_SYNTAX", 2),
    ("a**", "REGEX_SYNTAX", 2),
    ("a+?", "REGEX_SYNTAX", 2),
    ("a??", "REGEX_SYNTAX", 2),
    ("a{2}{3}", "REGEX_SYNTAX", 4),
    # empty alternatives
    ("|a", "REGEX_SYNTAX", 0),
    ("a|", "REGEX_SYNTAX", 1),
    ("a||b", "REGEX_SYNTAX", 2),
    ("|", "REGEX_SYNTAX", 0),
    # escapes
    (r"\b", "REGEX_SYNTAX", 0),
    (r"a\n", "REGEX_SYNTAX", 1),
    (r"\t", "REGEX_SYNTAX", 0),
    (r"\1", "REGEX_SYNTAX", 0),
    (r"\A", "REGEX_SYNTAX", 0),
    (r"\Z", "REGEX_SYNTAX", 0),
    (r"\X41", "REGEX_SYNTAX", 0),
    (r"a\x9", "REGEX_SYNTAX", 1),
    (r"\x", "REGEX_SYNTAX", 0),
    (r"\xg1", "REGEX_SYNTAX", 0),
    (r"\x80", "REGEX_SYNTAX", 0),
    (r"\xFF", "REGEX_SYNTAX", 0),
    ("a\\", "REGEX_SYNTAX", 1),
    (r"[\b]", "REGEX_SYNTAX", 1),
    (r"[a\x8]", "REGEX_SYNTAX", 2),
    ("[a\\", "REGEX_SYNTAX", 2),
    # first error wins, in scanning order
    ("*a!", "REGEX_SYNTAX", 0),
    ("a!*", "REGEX_INVALID_CHAR", 1),
    ("[ab!", "REGEX_INVALID_CHAR", 3),
    ("a{2000,1}", "REGEX_SYNTAX", 1),
]


@pytest.mark.parametrize("body, code, index", INVALID)
def test_invalid_bodies(body: str, code: str, index: int) -> None:
    e = error(body)
    assert (e.code, e.pos) == (code, 1 + index), e.msg


def test_empty_body_is_reported_at_the_opening_percent() -> None:
    pattern = "{ $.a = %% }"
    with pytest.raises(PatternSyntaxError) as info:
        parse_regex("", pattern=pattern, offset=9)
    assert (info.value.code, info.value.pos) == ("REGEX_EMPTY", 8)


def test_error_positions_are_offsets_into_the_whole_pattern() -> None:
    pattern = "{ $.a = %ab!% }"
    with pytest.raises(PatternSyntaxError) as info:
        parse_regex("ab!", pattern=pattern, offset=9)
    assert info.value.pos == 11 and pattern[info.value.pos] == "!"
    assert info.value.pattern == pattern


def test_repeat_limit_is_inclusive() -> None:
    assert P("a{1000}").branches[0].items == (Repeat(Literal("a"), 1000, 1000),)
    assert P("a{0,1000}").branches[0].items == (Repeat(Literal("a"), 0, 1000),)


# --------------------------------------------------------------------------- valid bodies


def one(body: str) -> tuple[object, ...]:
    """The items of a single-branch body."""
    regex = P(body)
    assert len(regex.branches) == 1
    return regex.branches[0].items


def cls(*items: CharRange | Shorthand, negated: bool = False) -> CharClass:
    return CharClass(negated, items)


def ch(c: str, hi: str | None = None) -> CharRange:
    return CharRange(c, hi or c)


@pytest.mark.parametrize(
    "body, items",
    [
        ("a-", (Literal("a"), Literal("-"))),
        (": _#=@/;,", tuple(Literal(c) for c in ": _#=@/;,")),
        (r"\.", (Literal("."),)),
        (".", (AnyChar(),)),
        (r"\x41\x7f\x00", (Literal("A"), Literal("\x7f"), Literal("\x00"))),
        (r"\x4a\x4A", (Literal("J"), Literal("J"))),
        (r"\x412", (Literal("A"), Literal("2"))),
        (r"\\\ \-\^\$\|\[\]\{\}\*\+\?", tuple(Literal(c) for c in "\\ -^$|[]{}*+?")),
        (r"\d\D\w\W\s\S", tuple(Shorthand(c) for c in "dDwWsS")),
        (
            "^$a^",
            (
                Anchor(AnchorKind.START),
                Anchor(AnchorKind.END),
                Literal("a"),
                Anchor(AnchorKind.START),
            ),
        ),
        (
            "a*b+c?",
            (
                Repeat(Literal("a"), 0, None),
                Repeat(Literal("b"), 1, None),
                Repeat(Literal("c"), 0, 1),
            ),
        ),
        (
            "a{2}b{2,}c{,3}d{1,4}e{0}",
            (
                Repeat(Literal("a"), 2, 2),
                Repeat(Literal("b"), 2, None),
                Repeat(Literal("c"), 0, 3),
                Repeat(Literal("d"), 1, 4),
                Repeat(Literal("e"), 0, 0),
            ),
        ),
        ("a{007}", (Repeat(Literal("a"), 7, 7),)),
        (
            r".*\d+[ab]?",
            (
                Repeat(AnyChar(), 0, None),
                Repeat(Shorthand("d"), 1, None),
                Repeat(cls(ch("a"), ch("b")), 0, 1),
            ),
        ),
        # classes: negation, hyphens, specials, escapes, shorthands
        ("[a-]", (cls(ch("a"), ch("-")),)),
        ("[-a]", (cls(ch("-"), ch("a")),)),
        ("[a-c-e]", (cls(ch("a", "c"), ch("-"), ch("e")),)),
        ("[--/]", (cls(ch("-", "/")),)),
        ("[^^]", (cls(ch("^"), negated=True),)),
        ("[a^]", (cls(ch("a"), ch("^")),)),
        ("[^-]", (cls(ch("-"), negated=True),)),
        (r"[\d-]", (cls(Shorthand("d"), ch("-")),)),
        (r"[\]\[\\]", (cls(ch("]"), ch("["), ch("\\")),)),
        ("[.$?{}|*+]", (cls(*(ch(c) for c in ".$?{}|*+")),)),
        (r"[\x00-\x7f]", (cls(ch("\x00", "\x7f")),)),
        (r"[\--\/]", (cls(ch("-", "/")),)),
        ("[a-a]", (cls(ch("a")),)),
        (r"[^\D\s]", (cls(Shorthand("D"), Shorthand("s"), negated=True),)),
    ],
)
def test_valid_bodies(body: str, items: tuple[object, ...]) -> None:
    assert one(body) == items


def test_alternation_splits_the_whole_body() -> None:
    assert P("^a|b$") == Regex(
        (
            Branch((Anchor(AnchorKind.START), Literal("a"))),
            Branch((Literal("b"), Anchor(AnchorKind.END))),
        )
    )


def test_spans_are_offsets_into_the_pattern() -> None:
    regex = parse_regex(r"a\x41*|[b]", pattern=r"{ $.x = %a\x41*|[b]% }", offset=9)
    first, second = regex.branches
    assert regex.span == Span(9, 19)
    assert first.span == Span(9, 15) and second.span == Span(16, 19)
    assert [item.span for item in first.items] == [Span(9, 10), Span(10, 15)]
    rep = first.items[1]
    assert isinstance(rep, Repeat) and rep.atom.span == Span(10, 14)
    klass = second.items[0]
    assert isinstance(klass, CharClass) and klass.items[0].span == Span(17, 18)


# --------------------------------------------------------------------------- semantics (§3.4)


@engines
@pytest.mark.parametrize(
    "body, text, expected",
    [
        # unanchored search
        ("AUTHORIZED", "[ERROR 401] UNAUTHORIZED REQUEST", True),
        # ^ and $ at the subject ends only; $ not before a trailing newline; no multi-line
        ("^b", "a\nb", False),
        ("a$", "a\nb", False),
        ("a$", "a\n", False),
        ("a$", "xa", True),
        ("^a", "a\n", True),
        ("^$", "", True),
        ("^$", "\n", False),
        ("a^b", "ab", False),
        ("^a$", "a", True),
        # '.' is anything but LF
        ("a.b", "a\nb", False),
        ("a.b", "a\rb", True),
        ("a.b", "aéb", True),
        ("a.*b", "a\n\nb", False),
        # \s includes LF, CR, tab, VT, FF, space -- ASCII only
        (r"a\sb", "a\nb", True),
        (r"a\s\s\s\s\sb", "a\t\r\x0b\x0c b", True),
        (r"\s", "\u00a0\u2003", False),
        # complements match non-ASCII
        (r"\D", "é", True),
        (r"\W", "é", True),
        (r"\S", "\u2003", True),
        (r"\d", "\u0663", False),
        (r"\w", "éü", False),
        ("[^a]", "é", True),
        (r"[^\D]", "é", False),
        (r"[^\D]", "x5", True),
        (r"[\W]", "é", True),
        # \xhh and escaped punctuation match literally
        (r"\x21", "hello!", True),
        (r"\x25\x28", "100%(", True),
        (r"a\.b", "axb", False),
        (r"a\.b", "a.b", True),
        (r"\*", "*", True),
        # '|' has the lowest precedence: ^a|b$ is (^a)|(b$)
        ("^a|b$", "xb", True),
        ("^a|b$", "ax", True),
        ("^a|b$", "xa", False),
        ("^a|b$", "bx", False),
        # counted repetition; {,n} is 0..n; bounds inclusive
        ("^a{,2}$", "", True),
        ("^a{,2}$", "aa", True),
        ("^a{,2}$", "aaa", False),
        ("^a{2,3}$", "a", False),
        ("^a{2,3}$", "aaa", True),
        ("^a{2,}$", "aaaaaaa", True),
        ("^a{0}$", "", True),
        ("^x{3}$", "xxx", True),
        ("^x{3}$", "xxxx", False),
        # case-sensitive
        ("Warn", "warn", False),
        ("[Ww]arn", "warn", True),
        ("[A-Z]", "abc", False),
        # ranges
        ("^[a-c]+$", "abcabc", True),
        ("^[a-c]+$", "abcd", False),
        ("[a-c-e]", "-", True),
        ("[a-c-e]", "d", False),
    ],
)
def test_semantics(
    engine: Callable[[Regex, str], bool], body: str, text: str, expected: bool
) -> None:
    assert engine(P(body), text) is expected


@engines
@pytest.mark.parametrize(
    "body, text, expected",
    [
        ("ab", "\ud800ab", True),  # literal tier
        ("ab", "a\udfffb", False),
        ("a.b", "a\ud800b", True),  # fixed-width tier
        (r"a\Wb", "a\udc00b", True),
        (r"a+\S", "aa\ud800", True),  # bit-parallel tier
        (r"a+\w", "a\ud800", False),
        (r"[^x]+$", "\ud800\udfff\ud83d", True),
    ],
)
def test_lone_surrogates_are_ordinary_non_ascii(
    engine: Callable[[Regex, str], bool], body: str, text: str, expected: bool
) -> None:
    assert engine(P(body), text) is expected


def test_compiled_searches_are_cached_by_structure() -> None:
    first = compile_search(parse_regex("a+b", pattern="%a+b%", offset=1))
    assert compile_search(parse_regex("a+b", pattern="{ $.x = %a+b% }", offset=9)) is first


# --------------------------------------------------------------------------- printing


@pytest.mark.parametrize(
    "body, canonical",
    [
        ("a{0,}", "a*"),
        ("a{1,}", "a+"),
        ("a{0,1}", "a?"),
        ("a{,3}", "a{0,3}"),
        ("a{3,3}", "a{3}"),
        ("a{03,0010}", "a{3,10}"),
        (r"\x41\x2d\x3a", "A-:"),
        (r"\:\_\-", ":_-"),
        (r"\x28\x29\x21\x25\x09\x0A\x00\x7F", r"\x28\x29\x21\x25\x09\x0a\x00\x7f"),
        (r"\x2e\x5c\x24", r"\.\\\$"),
        (r"[\x2d]", r"[\-]"),
        ("[a-]", r"[a\-]"),
        (r"[\x5e]", r"[\^]"),
        ("[^^]", r"[^\^]"),
        ("[.$?{}|*+]", r"[\.\$\?\{\}\|\*\+]"),
        (r"[\x00-\x1f]", r"[\x00-\x1f]"),
        (r"^WARN\s\d+|x$", r"^WARN\s\d+|x$"),
    ],
)
def test_canonical_text(body: str, canonical: str) -> None:
    assert regex_text(P(body)) == canonical
    assert P(canonical) == P(body)


ROUND_TRIP_BODIES = [
    r"^WARN\s\d+", "gz$", "[Tt]ime[Oo]ut", "a{,2}b", r"10\.10\.0\.1", r"127\.0\.0\.[1-9]",
    "[Ee]rror|[Ff]ail", r"^ERROR\s[0-9]{3}$", "^colou?r$", r"[^\D\s-]+\x25\x28", "[--/]",
    r"[\--\-]", "a|b|c", r"\\\ \-\^\$\|\[\]\{\}\*\+\?\.", "^$", "$^", ".{3,1000}",
]  # fmt: skip


@pytest.mark.parametrize("body", ROUND_TRIP_BODIES)
def test_round_trip(body: str) -> None:
    regex = P(body)
    text = regex_text(regex)
    assert P(text) == regex
    assert regex_text(P(text)) == text


def test_regex_text_rejects_what_the_dialect_cannot_write() -> None:
    with pytest.raises(ValueError):
        regex_text(Regex((Branch((Literal("é"),)),)))


def test_to_python_uses_subject_anchors_and_no_flags() -> None:
    assert to_python(P("^a.b$")) == r"\Aa[^\n]b\Z"
    assert to_python(P(r"\d|\S")) == r"[0-9]|[^\x09-\x0d\ ]"
    assert to_python(P(r"[\W.]")) == r"[\x00-/:-@\[-\^`\{-\U0010ffff\.]"


# --------------------------------------------------------------------------- generated regexes

ASCII_CHARS = st.one_of(
    st.sampled_from("ab-^]\\\n .x"), st.characters(min_codepoint=0, max_codepoint=0x7F)
)
SUBJECT_CHARS = st.sampled_from(list("ab-^]\\\n .x1_\t\x00\x7fé\u2003") + ["\ud800"])


@st.composite
def char_ranges(draw: st.DrawFn) -> CharRange:
    lo, hi = sorted((draw(ASCII_CHARS), draw(ASCII_CHARS)))
    return CharRange(lo, hi if draw(st.booleans()) else lo)


ATOMS = st.one_of(
    st.builds(Literal, ASCII_CHARS),
    st.just(AnyChar()),
    st.builds(Shorthand, st.sampled_from("dDwWsS")),
    st.builds(
        CharClass,
        st.booleans(),
        st.lists(
            st.one_of(char_ranges(), st.builds(Shorthand, st.sampled_from("dDwWsS"))),
            min_size=1,
            max_size=3,
        ).map(tuple),
    ),
)


@st.composite
def repeats(draw: st.DrawFn, atoms: st.SearchStrategy[object] = ATOMS) -> Repeat:
    lo = draw(st.integers(0, 3))
    hi = draw(st.one_of(st.none(), st.integers(lo, lo + 3)))
    return Repeat(draw(atoms), lo, hi)  # type: ignore[arg-type]


ANCHORS = st.builds(Anchor, st.sampled_from(list(AnchorKind)))
ITEMS = st.one_of(ATOMS, repeats(), ANCHORS)
BRANCHES = st.builds(Branch, st.lists(ITEMS, min_size=1, max_size=5).map(tuple))
REGEXES = st.builds(Regex, st.lists(BRANCHES, min_size=1, max_size=3).map(tuple))
SUBJECTS = st.text(SUBJECT_CHARS, max_size=14)


@given(REGEXES)
def test_generated_round_trip(regex: Regex) -> None:
    text = regex_text(regex)
    assert P(text) == regex
    assert regex_text(P(text)) == text


@given(REGEXES, st.lists(SUBJECTS, min_size=1, max_size=5))
def test_search_agrees_with_the_python_translation(regex: Regex, subjects: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "possible nested set": the translation is clean
        python = re.compile(to_python(regex))
    search, bitsearch = compile_search(regex), _BitSearch(regex)
    for s in subjects:
        expected = python.search(s) is not None
        assert search(s) is expected, (to_python(regex), s)
        assert bitsearch(s) is expected, (to_python(regex), s)


# A matching subject is built from the tree itself: a member character for every atom,
# repeated a count within the piece's bounds, with random text around it.
CANDIDATES = [chr(c) for c in range(0x80)] + ["é", "\u2003"]


def _members(atom: object) -> list[str]:
    one_atom = Regex((Branch((atom,)),))  # type: ignore[arg-type]
    return [c for c in CANDIDATES if re.fullmatch(to_python(one_atom), c)]


@st.composite
def regex_and_witness(draw: st.DrawFn) -> tuple[Regex, str]:
    items = draw(st.lists(st.one_of(ATOMS, repeats()), min_size=1, max_size=6))
    witness = []
    for item in items:
        atom, lo, hi = (item.atom, item.min, item.max) if isinstance(item, Repeat) else (item, 1, 1)
        members = _members(atom)
        count = draw(st.integers(lo, lo + 2 if hi is None else hi))
        assume(members or count == 0)
        witness += [draw(st.sampled_from(members)) for _ in range(count)]
    around = st.text(SUBJECT_CHARS, max_size=4)
    return Regex((Branch(tuple(items)),)), draw(around) + "".join(witness) + draw(around)


@given(regex_and_witness())
def test_witnesses_match_and_contain_the_prefilter(case: tuple[Regex, str]) -> None:
    regex, text = case
    assert compile_search(regex)(text)
    assert _BitSearch(regex)(text)
    literal = literal_prefilter(regex)
    assert literal is None or literal in text


ALLOWED_OR_NOT = st.sampled_from(list("ab1 :_-^$?[]{}|\\*+.,xd") + ["!", "é", "(", "\t"])


@given(st.text(ALLOWED_OR_NOT, max_size=16))
def test_arbitrary_bodies_parse_or_fail_cleanly(body: str) -> None:
    pattern = f"%{body}%"
    try:
        regex = parse_regex(body, pattern=pattern, offset=1)
    except PatternSyntaxError as e:
        assert e.code in {"REGEX_EMPTY", "REGEX_INVALID_CHAR", "REGEX_SYNTAX"}
        assert 1 <= e.pos <= len(body) or (e.code == "REGEX_EMPTY" and e.pos == 0)
        if e.code == "REGEX_INVALID_CHAR":
            assert pattern[e.pos] in "!é(\t"
        return
    assert P(regex_text(regex)) == regex


# --------------------------------------------------------------------------- prefilter


@pytest.mark.parametrize(
    "body, literal",
    [
        ("ERROR", "ERROR"),
        (r"^ERROR\s\d+$", "ERROR"),
        ("a?b", "b"),
        ("ab?c", "a"),
        ("x{3}y", "xxxy"),
        ("x{2,5}y", "xxy"),
        ("wx{2,}yz", "xxyz"),
        ("[a]bc", "abc"),
        ("a{0}", None),
        (".*", None),
        ("a|b", None),
        (r"\d+", None),
        ("[ab]c", "c"),
        ("[^a]bc", "bc"),
    ],
)
def test_literal_prefilter(body: str, literal: str | None) -> None:
    assert literal_prefilter(P(body)) == literal


# --------------------------------------------------------------------------- linear time
# Regression guards with generous bounds; the real measurements belong to the benchmarks.


def _timed(body: str, text: str) -> tuple[bool, float]:
    search = compile_search(P(body))
    start = time.perf_counter()
    result = search(text)
    return result, time.perf_counter() - start


def test_nested_stars_are_linear() -> None:
    body = "a*" * 510 + "ab"  # 1,022 characters: catastrophic for a backtracking engine
    assert len(body) == 1022
    result, seconds = _timed(body, "a" * 100_000)
    assert result is False and seconds < 2.0
    assert compile_search(P(body))("a" * 100_000 + "b") is True


def test_large_counted_repetition_is_linear() -> None:
    body = r"\W{1000}" * 127  # a program of 127,000 states for an automaton engine
    assert len(body) <= 1022
    result, seconds = _timed(body, "é" * 100_000)
    assert result is False and seconds < 2.0
    assert compile_search(P(body))("é" * 127_000) is True


def test_exponential_dfa_pattern_is_linear() -> None:
    rng = random.Random(7)
    text = "".join(rng.choice("ab") for _ in range(100_000))
    result, seconds = _timed(r"a[ab]{20}c|" * 20 + "a[ab]{1000}c", text)
    assert result is False and seconds < 2.0
