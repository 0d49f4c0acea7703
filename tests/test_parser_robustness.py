"""Whatever text arrives, parsing and checking either succeed or raise `RuleError` — nothing else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget import examples

from mhct_dsl.checker import check
from mhct_dsl.diagnostics import RuleError
from mhct_dsl.parser import keywords, parse_text

ROOT = Path(__file__).resolve().parent.parent
REAL_FILES = sorted((ROOT / "rules").rglob("*.mhr")) + [ROOT / "tests/golden/prelude.mhr"]
REAL_TEXTS = [p.read_text("utf-8") for p in REAL_FILES]
TOKENS = sorted(keywords()) + ["{", "}", "..", "|", ",", "+", ">=", "<=", "=", '"x"', "7", "A",
                               "2013-04-01", "12 months", "#", '"', "\\", "\n"]


def parse_and_check(text: str) -> None:
    try:
        rule_file = parse_text(text, "fuzz.mhr")
        check([rule_file], "fuzz")
    except RuleError as error:
        assert error.diagnostics
        error.render()  # rendering a diagnostic must not fail either


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_only_raises_rule_error(text):
    parse_and_check(text)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map(" ".join))
def test_keyword_soup_only_raises_rule_error(text):
    parse_and_check(text)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(REAL_TEXTS),
    st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 40), st.sampled_from(TOKENS + ["", " "])),
        min_size=1, max_size=5,
    ),
)
def test_mutated_rule_files_only_raise_rule_error(text, mutations):
    for where, length, insert in mutations:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + length:]
    parse_and_check(text)


def test_real_files_exist():
    assert len(REAL_FILES) > 3
