"""Issue 11 item 14: a valid pattern whose canonical text is longer than 1,024 characters.

``{$.a=1||...}`` with 140 conditions is 980 characters (valid); its canonical text
(``$.a = 1 || ...``) is 1,540.  The analyzer and the commands built on it analyse the tree
itself (``CompiledPattern.from_ast``), never its re-parsed canonical text.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

import cwpattern
from cwpattern import analyzer, ast
from cwpattern.cli import main
from cwpattern.pattern import CompiledPattern

LONG = "{" + "||".join(["$.a=1"] * 140) + "}"
REF = "{ $.a = 1 }"


def test_the_case_is_what_the_issue_describes() -> None:
    assert len(LONG) == 980
    assert len(cwpattern.compile(LONG).canonical) > 1024


def test_from_ast_compiles_a_tree_with_long_canonical_text() -> None:
    tree = cwpattern.parse(LONG)
    compiled = CompiledPattern.from_ast(tree)
    assert compiled.ast == tree and compiled.family == "json"
    assert compiled.pattern == compiled.canonical and len(compiled.pattern) == 1540
    assert compiled.matches('{"a":1}') and not compiled.matches('{"a":2}')
    assert pickle.loads(pickle.dumps(compiled)) == compiled


def test_relation_covers_and_warnings_on_the_tree() -> None:
    tree = cwpattern.parse(LONG)
    assert analyzer.relation(tree, REF).kind == "equivalent"
    assert analyzer.covers(tree, REF).verdict == "yes"
    assert analyzer.covers(REF, tree).verdict == "yes"
    assert analyzer.warnings(tree, reference=REF) == []
    assert analyzer.is_satisfiable(tree) is True


def test_from_ast_rejects_invalid_hand_built_trees() -> None:
    sel = ast.Selector((ast.Member("a'['b"),))
    bad_key = ast.JsonPattern(ast.Comparison(sel, ast.Op.EQ, ast.NumberValue("1")))
    with pytest.raises(cwpattern.PatternSyntaxError):
        CompiledPattern.from_ast(bad_key)
    big = ast.Regex((ast.Branch((ast.Repeat(ast.Literal("a"), 5000, 5000),)),))
    with pytest.raises(cwpattern.PatternSyntaxError):
        CompiledPattern.from_ast(ast.RegexPattern(big))
    with pytest.raises(TypeError):
        CompiledPattern.from_ast(LONG)  # type: ignore[arg-type]


def test_cli_explain_and_check_accept_the_pattern(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["explain", "--format", "json", "-c", "cis-aws-3.0.0-4.7", LONG])
    out, err = capsys.readouterr()
    assert "PATTERN_TOO_LONG" not in out + err
    doc = json.loads(out)
    assert code == 1 and doc["valid"] is True and doc["relation"] == "overlap"
    path = tmp_path / "patterns.txt"
    path.write_text(LONG + "\n")
    code = main(["check", "--format", "json", "-c", "cis-aws-3.0.0-4.7", str(path)])
    out, err = capsys.readouterr()
    assert "PATTERN_TOO_LONG" not in out + err
    assert code == 1 and json.loads(out)["covers"] is False
