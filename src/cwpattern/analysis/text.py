"""Term, standalone-regex and space-delimited patterns judged against JSON events.

These patterns read the serialised record, not its structure.  Events are compact JSON
objects whose unpinned fields are arbitrary, so:

* **Proof** (the pattern matches every event of a solver leaf): a required term is
  guaranteed only if it is a substring of a *forced fragment* — text that every
  serialisation of every event in the leaf contains, whatever the key order: ``"k":`` for
  a member that must exist, ``"k":"v"`` for a pinned string (``"k":"v`` / ``v"`` / ``v``
  for prefix / suffix / contains wildcards), ``"k":true``, ``"k":{`` and so on.  An
  excluded term is harmless only when it can never occur (a raw control character, which
  compact JSON always escapes).  A regex branch without anchors is guaranteed when it
  matches inside a forced fragment.
* **Refutation**: a concrete event, built from a leaf's model, then changed where the
  pattern looks — a required term is removed from the fields that carry it (a pinned
  field gets another allowed value), an excluded term is written into an
  attacker-controlled field (``userAgent``).  Every candidate is checked by the real
  matchers before it is accepted.

Anything neither proved nor refuted is reported as undecided, with the reason.

>>> from cwpattern import ast
>>> t = ast.TermPattern((ast.Term("kms.amazonaws.com"),))
>>> prove(t, ['"eventSource":"kms.amazonaws.com"'])
'the term "kms.amazonaws.com" is part of the pinned text \\'"eventSource":"kms.amazonaws.com"\\''
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from .. import ast
from ..jsondoc import JsonNumber
from .automata import LanguageBudgetError, Spec, find, is_singleton
from .domain import ABSENT, ARRAY, ARRAY_NULL, FALSE, NULL, NUMBER, OBJECT, STRING, TRUE
from .formula import Path
from .records import json_string, serialize
from .solver import Leaf, Node

__all__ = ["SPELLING_FREE", "Accept", "break_patterns", "fragments", "make_match", "prove"]

#: Texts every RFC 8259 spelling of a JSON object contains (its braces): a proof from
#: these alone holds however the record is spelled.
SPELLING_FREE = ["{", "}"]

Accept = Callable[[str], bool]
ATTACKER_FIELD = "userAgent"


# --------------------------------------------------------------------------- proofs


def _esc(text: str) -> str:
    return json_string(text)[1:-1]


def fragments(leaf: Leaf) -> list[str]:
    """Texts contained in the serialisation of every event of the leaf."""
    out = ["{", "}"]
    if any(ABSENT not in n.feasible for n in leaf.root.members.values()):
        out.append('{"')
    for node in leaf.nodes():
        if sum(ABSENT not in c.feasible for c in node.members.values()) >= 2:
            out.append(',"')  # two members that always exist are separated by `,"`
        if not node.path or ABSENT in node.feasible:
            continue  # the root, or a node some events lack
        last = node.path[-1]
        key = json_string(last.name) + ":" if isinstance(last, ast.Member) else ""
        if key:
            out.append(key)
        for text, at_start in _value_fragments(node):
            out.append(key + text if at_start else text)
    return out


def _value_fragments(node: Node) -> list[tuple[str, bool]]:
    """Texts every serialisation of the node's value contains; ``True`` marks those that
    start where the value starts (so the member's key may be prefixed)."""
    kinds = node.feasible
    simple = {TRUE: "true", FALSE: "false", NULL: "null", OBJECT: "{"}
    if len(kinds) == 1 and next(iter(kinds)) in simple:
        return [(simple[next(iter(kinds))], True)]
    if kinds <= {ARRAY, ARRAY_NULL}:
        return [("[", True)]
    if kinds == {STRING} and node.domain.strings is not None:
        strings = node.domain.strings
        try:
            only = is_singleton(strings)
        except LanguageBudgetError:
            only = None
        if only is not None:
            return [(json_string(only), True)]
        out = []
        for spec, positive in strings:
            if not positive or not isinstance(spec.arg, str):
                continue
            if spec.kind == "prefix":
                out.append(('"' + _esc(spec.arg), True))
            elif spec.kind == "suffix":
                out.append((_esc(spec.arg) + '"', False))
            elif spec.kind == "contains":
                out.append((_esc(spec.arg), False))
        return out
    if kinds == {NUMBER} and node.domain.numbers is not None:
        exact = [s.arg for s, pos in node.domain.numbers.texts if pos and s.kind == "exact"]
        if exact:
            return [(str(exact[0]), True)]
    return []


def _impossible(text: str, any_spelling: bool = False) -> bool:
    """Whether ``text`` can never occur in a compact, minimally escaped JSON text (with
    ``any_spelling``: in any RFC 8259 JSON text, where tab, LF and CR may be blanks)."""
    if any_spelling:
        return any(ord(c) < 0x20 and c not in "\t\n\r" for c in text)
    return any(ord(c) < 0x20 for c in text)


def _forced_by(term: str, frags: list[str]) -> str | None:
    return next((f for f in frags if term in f), None)


def prove(tree: ast.Pattern, frags: list[str], *, any_spelling: bool = False) -> str | None:
    """Why ``tree`` matches every event whose serialisation contains all ``frags`` (or
    ``None`` when that cannot be shown this way).  With ``any_spelling`` the serialisation
    may be any RFC 8259 spelling (pass :data:`SPELLING_FREE` as ``frags``)."""
    if isinstance(tree, ast.MatchAll):
        return "the empty pattern matches every event"
    if isinstance(tree, ast.TermPattern):
        required = [t.text for t in tree.terms if t.kind is ast.TermKind.REQUIRED]
        excluded = [t.text for t in tree.terms if t.kind is ast.TermKind.EXCLUDED]
        optional = [t.text for t in tree.terms if t.kind is ast.TermKind.OPTIONAL]
        if required or excluded:
            why = []
            for term in required:
                frag = _forced_by(term, frags)
                if frag is None:
                    return None
                why.append(f"the term {json_string(term)} is part of the pinned text {frag!r}")
            for term in excluded:
                if not _impossible(term, any_spelling):
                    return None
                why.append(f"the excluded term {json_string(term)} can never occur")
            return "; ".join(why)
        for term in optional:
            frag = _forced_by(term, frags)
            if frag is not None:
                return f"the term {json_string(term)} is part of the pinned text {frag!r}"
        return None
    if isinstance(tree, ast.RegexPattern):
        for branch in tree.regex.branches:
            if any(isinstance(i, ast.Anchor) for i in branch.items):
                continue
            spec = Spec.regex(ast.Regex((branch,)))
            try:
                frag = next((f for f in frags if spec.accepts(f)), None)
            except LanguageBudgetError:
                frag = None
            if frag is not None:
                return f"the regex matches inside the pinned text {frag!r}"
        return None
    if isinstance(tree, ast.DelimitedPattern):
        fields = [e for e in tree.entries if isinstance(e, ast.Field)]
        if all(f.condition is None for f in fields) and len(fields) <= 1:
            return (
                "the space-delimited pattern has no condition and needs at most one "
                "field; every JSON message has one"
            )
        return None
    return None


# --------------------------------------------------------------------------- event surgery


def _walk(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, val in value.items():
            yield from _walk(val, path + (key,))
    elif isinstance(value, list):
        for i, val in enumerate(value):
            yield from _walk(val, path + (i,))


def _get(ev: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        ev = ev[step]
    return ev


def _set(ev: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(ev, path[:-1])[path[-1]] = value


def _leaf_node(leaf: Leaf, path: tuple[Any, ...]) -> Node | None:
    node = leaf.root
    for step in path:
        nxt = node.members.get(step) if isinstance(step, str) else node.indexes.get(step)
        if nxt is None:
            return None
        node = nxt
    return node


def _mangle(text: str, term: str) -> str:
    """``text`` with every occurrence of ``term`` altered by one character."""
    if not term:
        return text
    for i, ch in enumerate(term):  # noqa: B007 (i is used after the loop)
        if ch.isalnum() and ch.isascii():
            if ch.isdigit():
                new = str((int(ch) + 1) % 10)
            elif ch in "zZ":
                new = chr(ord(ch) - 25)
            else:
                new = chr(ord(ch) + 1)
            break
    else:
        i, new = 0, "x" if term[0] != "x" else "y"
    changed = term[:i] + new + term[i + 1 :]
    for _ in range(8):
        if term not in text:
            return text
        text = text.replace(term, changed)
    return text


def _alternatives(leaf: Leaf, path: tuple[Any, ...], value: str, avoid: Spec) -> list[str]:
    """Other values for a string at ``path`` that avoid ``avoid`` (pinned fields keep
    satisfying their domain)."""
    node = _leaf_node(leaf, path)
    out = []
    if node is not None and node.domain.strings is not None:
        try:
            alt = find(
                [*node.domain.strings, (avoid, False)], prefer=(_mangle(value, str(avoid.arg)),)
            )
        except LanguageBudgetError:
            alt = None
        if alt is not None:
            out.append(alt)
    out.append(_mangle(value, str(avoid.arg)) if avoid.kind == "contains" else "x")
    return out


Action = tuple[str, Any]  # ("set", value) | ("delete", None) | ("rename", new_key)


def _removal_actions(
    leaf: Leaf, path: tuple[Any, ...], value: Any, avoid: Spec, in_object: bool
) -> list[Action]:
    """Ways to make the member or element at ``path`` stop showing ``avoid``."""
    actions: list[Action] = []
    if isinstance(value, str) and avoid.accepts(value):
        actions += [("set", alt) for alt in _alternatives(leaf, path, value, avoid)]
    if isinstance(value, JsonNumber) and avoid.accepts(value.text):
        actions.append(("set", JsonNumber("0")))
    key = path[-1]
    if isinstance(key, str) and avoid.accepts(key):
        renamed = _mangle(key, str(avoid.arg)) if avoid.kind == "contains" else key + "_"
        actions += [("delete", None), ("rename", renamed)]
    if actions and in_object:
        actions.append(("delete", None))
    return actions


def _apply(ev: Any, path: tuple[Any, ...], action: Action) -> None:
    parent = _get(ev, path[:-1])
    kind, arg = action
    if kind == "set":
        parent[path[-1]] = arg
    elif kind == "delete":
        parent.pop(path[-1])
    else:
        _rename(parent, path[-1], arg)


def _remove(ev: Any, leaf: Leaf, avoid: Spec, gone: Accept, accept: Accept) -> Any | None:
    """Change the members of ``ev`` whose values or keys ``avoid`` matches until ``gone``
    holds for the message, keeping ``accept`` true; ``None`` if that fails."""
    current = copy.deepcopy(ev)
    for path, _ in list(_walk(current)):
        if not path:
            continue
        try:
            value = _get(current, path)
            in_object = isinstance(_get(current, path[:-1]), dict)
        except (KeyError, IndexError, TypeError):
            continue  # an ancestor was removed or renamed
        for action in _removal_actions(leaf, path, value, avoid, in_object):
            candidate = copy.deepcopy(current)
            _apply(candidate, path, action)
            if accept(serialize(candidate)):
                current = candidate
                break
    message = serialize(current)
    return current if gone(message) and accept(message) else None


def _lacks(term: str) -> Accept:
    return lambda message: term not in message


def _rename(obj: dict[str, Any], old: str, new: str) -> None:
    items = [(new if k == old else k, v) for k, v in obj.items()]
    obj.clear()
    obj.update(items)


def _members(text: str) -> dict[str, Any] | None:
    """The members ``text`` spells when it is a run of JSON members (``"k":"v"``)."""
    from ..jsondoc import decode

    doc = decode("{" + text + "}")
    return doc if doc else None


def _inject(ev: Any, text: str, accept: Accept) -> Any | None:
    """``ev`` with ``text`` written into an attacker-controlled field, or ``None``.

    Plain text goes into ``userAgent`` (or a request parameter); text that spells JSON
    members (``"eventName":"DisableKey"``) is added as members of a nested request object.
    """
    members = _members(text)
    if members is not None:
        for holder in ("requestParameters", "additionalEventData"):
            new = copy.deepcopy(ev)
            target = new.get(holder)
            if not isinstance(target, dict):
                target = new[holder] = {}
            target.update(members)
            message = serialize(new)
            if text in message and accept(message):
                return new
    for field in (ATTACKER_FIELD, "requestParameters", "additionalNote"):
        new = copy.deepcopy(ev)
        old = new.get(field)
        if field == "requestParameters":
            if not isinstance(old, dict):
                continue
            old["description"] = text
        elif isinstance(old, str):
            new[field] = f"{old} {text}"
        else:
            new[field] = text
        message = serialize(new)
        if text in message and accept(message):
            return new
    return None


def _contains(term: str) -> Spec:
    return Spec("contains", term)


def break_patterns(
    ev: Any,
    leaf: Leaf,
    patterns: list[tuple[ast.Pattern, Accept]],
    accept: Accept,
    rounds: int = 12,
) -> Any | None:
    """Change ``ev`` so that none of the text ``patterns`` (each with its matcher) matches,
    keeping ``accept``; ``None`` when no such change is found."""
    for _ in range(rounds):
        message = serialize(ev)
        if not accept(message):
            return None
        hit = next(((tree, match) for tree, match in patterns if match(message)), None)
        if hit is None:
            return ev
        tree, match = hit
        changed = _break_one(ev, leaf, tree, match, accept)
        if changed is None:
            return None
        ev = changed
    return None


def _break_one(ev: Any, leaf: Leaf, tree: ast.Pattern, match: Accept, accept: Accept) -> Any | None:
    message = serialize(ev)
    if isinstance(tree, ast.TermPattern):
        required = [t.text for t in tree.terms if t.kind is ast.TermKind.REQUIRED]
        excluded = [t.text for t in tree.terms if t.kind is ast.TermKind.EXCLUDED]
        optional = [t.text for t in tree.terms if t.kind is ast.TermKind.OPTIONAL]
        if not required and not excluded:
            current = ev
            for term in optional:
                if term in serialize(current):
                    nxt = _remove(current, leaf, _contains(term), _lacks(term), accept)
                    if nxt is None:
                        return None
                    current = nxt
            return current
        for term in excluded:
            injected = _inject(ev, term, accept)
            if injected is not None:
                return injected
        for term in required:
            if term in message:
                removed = _remove(ev, leaf, _contains(term), _lacks(term), accept)
                if removed is not None:
                    return removed
        return None
    if isinstance(tree, ast.RegexPattern):
        return _remove(ev, leaf, Spec.regex(tree.regex), lambda m: not match(m), accept)
    return None


def make_match(ev: Any, tree: ast.Pattern, match: Accept, accept: Accept) -> Any | None:
    """Change ``ev`` so that the text pattern ``tree`` matches it, keeping ``accept``."""
    if match(serialize(ev)):
        return ev
    if isinstance(tree, ast.TermPattern):
        required = [t.text for t in tree.terms if t.kind is ast.TermKind.REQUIRED]
        excluded = [t.text for t in tree.terms if t.kind is ast.TermKind.EXCLUDED]
        optional = [t.text for t in tree.terms if t.kind is ast.TermKind.OPTIONAL]
        wanted = required if (required or excluded) else optional[:1]
        current = ev
        for term in wanted:
            if term not in serialize(current):
                nxt = _inject(current, term, lambda m: True)
                if nxt is None:
                    return None
                current = nxt
        for term in excluded:
            if term in serialize(current):
                return None
        return current if match(serialize(current)) and accept(serialize(current)) else None
    if isinstance(tree, ast.RegexPattern):
        branches = tuple(
            b for b in tree.regex.branches if not any(isinstance(i, ast.Anchor) for i in b.items)
        )
        if not branches:
            return None
        try:
            sample = find(
                [(Spec.regex(ast.Regex(branches)), True), (Spec("plain", None), True)],
                prefer=("x",),
            )
        except LanguageBudgetError:
            return None
        if sample is None:
            return None
        nxt = _inject(ev, sample, accept)
        if nxt is not None and match(serialize(nxt)):
            return nxt
    return None


def path_of(path: Path) -> tuple[Any, ...]:
    """A solver path as keys/indexes (fresh steps cannot be located)."""
    out: list[Any] = []
    for step in path:
        if isinstance(step, ast.Member):
            out.append(step.name)
        elif isinstance(step, ast.Index):
            out.append(step.index)
        else:
            raise KeyError(step)
    return tuple(out)
