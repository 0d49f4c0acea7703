"""lark-cython (when installed) and pure Lark build the same trees, spans and comments included."""

from __future__ import annotations

from pathlib import Path

import pytest
from lark import Lark
from lark.exceptions import LarkError

from mhct_dsl import parser
from mhct_dsl.parser import _Build, _comments, grammar_text, parse_text

ROOT = Path(__file__).resolve().parent.parent
DIAGNOSTICS = ROOT / "tests" / "golden" / "diagnostics"
FILES = sorted((ROOT / "rules").rglob("*.mhr")) + sorted((ROOT / "tests/golden").rglob("*.mhr"))


def spans(node, found=None):
    """Every span in a tree, in order (spans are left out of node equality)."""
    found = [] if found is None else found
    if isinstance(node, tuple):
        for item in node:
            spans(item, found)
    elif hasattr(node, "__attrs_attrs__"):
        found.append(getattr(node, "span", None))
        for field in node.__attrs_attrs__:
            spans(getattr(node, field.name), found)
    return found


@pytest.fixture(scope="module")
def pure_lark() -> Lark:
    return Lark(grammar_text(), parser="lalr", keep_all_tokens=True, maybe_placeholders=True)


def test_the_fast_backend_is_in_use_when_installed():
    pytest.importorskip("lark_cython")
    assert parser._lark().options.options["_plugins"]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_both_backends_build_the_same_tree(path, pure_lark):
    text = path.read_text("utf-8")
    if DIAGNOSTICS in path.parents:
        try:
            fast = parse_text(text, "f.mhr")
        except parser.RuleError:
            # a syntax-error golden input (its message is pinned by test_diagnostics): pure Lark,
            # or the tree builder after it, must reject it too
            with pytest.raises((LarkError, parser.RuleError)):
                _Build("f.mhr", _comments(text)).build(pure_lark.parse(text))
            return
    else:
        fast = parse_text(text, "f.mhr")  # rule files and formatting goldens always parse
    pure = _Build("f.mhr", _comments(text)).build(pure_lark.parse(text))
    assert fast == pure
    assert spans(fast) == spans(pure)
