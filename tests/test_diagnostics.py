"""Golden tests: each file in golden/diagnostics is a fault, its .expected the exact message.

A case is checked together with golden/prelude.mhr (a small valid rule set), its declarations
replacing the prelude's of the same identity, so each case states only the faulty part. A case
whose first line is ``# standalone`` is checked alone; ``# local`` makes it a local rule set whose
base is the prelude. Regenerate with ``MHCT_REGEN_GOLDEN=1 pytest tests/test_diagnostics.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mhct_dsl import nodes as n
from mhct_dsl.checker import check
from mhct_dsl.diagnostics import RuleError
from mhct_dsl.parser import parse_text

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted((GOLDEN / "diagnostics").glob("*.mhr"))
PRELUDE_PATH = "prelude.mhr"


def _identity(decl) -> tuple:
    key = getattr(decl, "number", None) or getattr(decl, "id", None) or getattr(decl, "name", None)
    if isinstance(decl, (n.RuleSetDecl, n.DecisionTreeDecl)):
        key = None
    return (type(decl).__name__, key)


def _prelude() -> n.RuleFile:
    return parse_text((GOLDEN / "prelude.mhr").read_text("utf-8"), PRELUDE_PATH)


def diagnose(case: Path) -> tuple[str, set[str]]:
    text = case.read_text("utf-8")
    name = case.name
    sources = {name: text}
    try:
        rule_file = parse_text(text, name)
        if text.startswith("# standalone"):
            files, base = [rule_file], None
        elif text.startswith("# local"):
            prelude = _prelude()
            base = check([prelude], "prelude")
            files = [rule_file]
        else:
            prelude = _prelude()
            replaced = {_identity(d) for d in rule_file.declarations}
            kept = [d for d in prelude.declarations if _identity(d) not in replaced]
            files, base = [n.RuleFile(PRELUDE_PATH, kept), rule_file], None
        check(files, "golden", base, sources)
    except RuleError as error:
        text = "\n".join(d.render(sources) for d in error.diagnostics) + "\n"
        return text, {d.code for d in error.diagnostics}
    return "ok", set()


def test_prelude_is_valid():
    assert check([_prelude()], "prelude").clusters.keys() == {0, 1, 2, 3}


def test_at_least_twenty_kinds_of_diagnostic():
    codes = set().union(*(diagnose(case)[1] for case in CASES))
    assert len(codes) >= 20, sorted(codes)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_diagnostic(case: Path):
    actual, codes = diagnose(case)
    expected_path = case.with_suffix(".expected")
    if os.environ.get("MHCT_REGEN_GOLDEN"):
        expected_path.write_text(actual, "utf-8")
    assert expected_path.exists(), f"no golden file {expected_path.name}; regenerate and review"
    assert actual == expected_path.read_text("utf-8")
    assert codes, "every diagnostic case must produce a diagnostic"
