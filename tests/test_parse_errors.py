"""Syntax-error recovery: several errors per run, in line order, never anything but diagnostics."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget import examples
from mhct_dsl.diagnostics import RuleError
from mhct_dsl.parse_errors import MAX_ERRORS
from mhct_dsl.parser import parse_text

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [p.read_text("utf-8") for p in sorted((ROOT / "rules").rglob("*.mhr"))[:6]]
DAMAGE = ["", "}", "{", "7", "yelow", '"', "step_up any {", "..", "dischage all {"]


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TEXTS),
       st.lists(st.tuples(st.floats(0, 1), st.integers(0, 30), st.sampled_from(DAMAGE)),
                min_size=1, max_size=4))
def test_syntax_errors_come_in_line_order(text, damage):
    for where, cut, insert in damage:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut:]
    try:
        parse_text(text, "damaged.mhr")
    except RuleError as error:
        lines = [d.span.line for d in error.diagnostics]
        assert 1 <= len(lines) <= MAX_ERRORS
        assert lines == sorted(lines) and len(set(lines)) == len(lines)


def test_a_file_with_three_faults_reports_three():
    text = TEXTS[0]
    broken = text.replace("\n", "\n7\n", 1)
    lines = broken.splitlines()
    broken = "\n".join(lines[:-2] + ["7 7", *lines[-2:], "}"]) + "\n"
    try:
        parse_text(broken, "x.mhr")
    except RuleError as error:
        assert len(error.diagnostics) == 3
    else:
        raise AssertionError("the damaged file parsed")
