"""The canonical formatter: round trips on random trees, golden files, and the bundled rules.

Golden cases live in ``tests/golden/format/NAME.in.mhr`` (messy input) beside ``NAME.out.mhr``
(the canonical text). To add one, write the ``.in.mhr`` and the ``.out.mhr`` you expect by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from budget import examples
from mhct_dsl import nodes as n
from mhct_dsl.formatter import WIDTH, format_condition, format_file, format_int_list
from mhct_dsl.parser import parse_text

try:  # tests/ as a package, or tests/ itself on sys.path (pytest's rootdir-less import mode)
    from tests import strategies as s
except ImportError:  # pragma: no cover
    import strategies as s

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "format"
RULES = ROOT / "rules"

PROPERTY_SETTINGS = settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def reformat(text: str, path: str = "<string>") -> str:
    return format_file(parse_text(text, path))


# ---- properties ---------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(s.rule_files)
def test_parse_of_format_is_identity(rule_file):
    text = format_file(rule_file)
    assert parse_text(text, rule_file.path) == rule_file


@PROPERTY_SETTINGS
@given(s.rule_files)
def test_format_is_idempotent(rule_file):
    text = format_file(rule_file)
    assert reformat(text, rule_file.path) == text


@PROPERTY_SETTINGS
@given(s.rule_files)
def test_output_shape(rule_file):
    text = format_file(rule_file)
    assert text == "" or (text.endswith("\n") and not text.endswith("\n\n"))
    lines = text.split("\n")[:-1]
    assert all(line == line.rstrip(" ") for line in lines)
    assert "\t" not in text
    assert all(not (a == b == "") for a, b in zip(lines, lines[1:])), "two blank lines in a row"
    for line in lines:
        if len(line) > WIDTH:
            # Only an unsplittable literal (no space inside) may push a line past the width.
            literals = re.findall(r'"(?:\\.|[^"\\])*"', line)
            assert any(" " not in lit[1:-1].rstrip(" ") for lit in literals) or _comment(line), line


def _comment(line: str) -> bool:
    return line.lstrip(" ").startswith("#")


@PROPERTY_SETTINGS
@given(s.conditions)
def test_condition_one_line_form_parses_back(cond):
    text = f'cluster 1 "c" {{\n    discharge all {{\n        "w" {format_condition(cond)}\n    }}\n}}\n'
    [cluster] = parse_text(text).declarations
    [column] = cluster.entries
    assert "\n" not in format_condition(cond)
    assert column.criteria[0].condition == cond


def test_keywords_in_strategies_cover_the_grammar():
    grammar = (ROOT / "grammar" / "mhr.lark").read_text("utf-8")
    literals = set(re.findall(r'"([a-z_]+)"', grammar))
    assert literals - s.KEYWORDS == set()


# ---- known grammar limits (strict: when one is fixed, drop the mark and widen the strategies) ---


def test_source_on_a_criterion_that_is_not_last():
    column = n.Column("discharge", "all", [
        n.Criterion("a", n.FactIs("x"), n.Source("booklet", "p.1")),
        n.Criterion("b", n.FactIs("y")),
    ])
    rule_file = n.RuleFile("<string>", [n.ClusterDecl(1, "c", [column])])
    assert parse_text(format_file(rule_file)) == rule_file


# ---- layout rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ((10,), "10"),
        ((14, 15), "14, 15"),
        ((11, 12, 13), "11..13"),
        ((11, 12, 13, 16, 17), "11..13, 16, 17"),
        ((1, 2, 3, 4, 5, 6, 7, 19, 20, 21), "1..7, 19..21"),
        ((3, 2, 1), "3, 2, 1"),
        ((5, 5, 6, 7), "5, 5..7"),
    ],
)
def test_int_lists(values, text):
    assert format_int_list(values) == text


@pytest.mark.parametrize(
    ("cond", "text"),
    [
        (n.ScaleIs("7", n.Comparison("<=", 1)), "scale 7 <= 1"),
        (n.ScaleIs("6", n.Comparison("in", 0, 1)), "scale 6 in 0..1"),
        (n.ScaleRemained("3", n.Comparison("<=", 2), n.Duration(12, "month")),
         "scale 3 remained <= 2 for 12 months"),
        (n.ScaleStable("4", n.Duration(1, "year")), "scale 4 stable for 1 year"),
        (n.Not(n.FactIs("detained_mha")), "not fact detained_mha"),
        (n.EventWithin("inpatient_or_iht", n.Duration(12, "month"), absent=True),
         "no event inpatient_or_iht within 12 months"),
        (n.Tenure("in_service", n.Duration(2, "year")), "in_service >= 2 years"),
        (n.FitsClusters((11,), n.Duration(12, "month")),
         "fits cluster 11 consistently for 12 months"),
        (n.FitsTransition("step_up"), "fits step_up"),
        (n.AllOf([n.FactIs("a"), n.AnyOf([n.FactIs("b"), n.ScaleIs("A", n.Comparison("=", 0))])]),
         "all { fact a  any { fact b  scale A = 0 } }"),
    ],
)
def test_condition_one_line(cond, text):
    assert format_condition(cond) == text


def _one_entry(entry) -> str:
    return format_file(n.RuleFile("<string>", [n.ClusterDecl(1, "c", [entry])]))


@pytest.mark.parametrize(
    ("episode", "text"),
    [
        (n.Episode(8, 12, False, "week"), "episode 8..12 weeks"),
        (n.Episode(3, None, True, "year"), "episode 3+ years"),
        (n.Episode(3, None, False, "year"), "episode 3 years"),
        (n.Episode(1, None, False, "year"), "episode 1 year"),
    ],
)
def test_episodes(episode, text):
    assert _one_entry(episode) == f'cluster 1 "c" {{\n    {text}\n}}\n'


def test_long_text_wraps_under_the_first_quote():
    text = " ".join(["word"] * 40)
    out = _one_entry(n.TextAttr("description", text, n.Source("booklet", "p.1")))
    lines = out.splitlines()[1:-1]
    assert lines[0].startswith('    description "word word')
    assert all(line.startswith(" " * 16 + '"') for line in lines[1:])
    assert lines[-1].endswith('" source booklet "p.1"')
    assert all(len(line) <= WIDTH for line in lines)
    assert parse_text(out).declarations[0].entries[0].text == text


def test_text_without_spaces_stays_one_literal():
    text = "x" * 150
    out = _one_entry(n.TextAttr("description", text))
    assert out.splitlines()[1] == f'    description "{text}"'


def test_long_any_breaks_one_operand_a_line():
    cond = n.AnyOf([n.FactIs("a_rather_long_fact_name_" + str(i)) for i in range(5)])
    column = n.Column("discharge", "all", [n.Criterion("w", cond, n.Source("local", "r"))])
    assert _one_entry(column).splitlines()[1:-1] == [
        "    discharge all {",
        '        "w" source local "r"',
        "            any {",
        *[f"                fact a_rather_long_fact_name_{i}" for i in range(5)],
        "            }",
        "    }",
    ]


def test_escapes():
    out = _one_entry(n.TextAttr("note", 'say "hi"\\\n\t'))
    assert out.splitlines()[1] == r'    note "say \"hi\"\\\n\t"'


# ---- golden files -------------------------------------------------------------------------------


def _golden_names() -> list[str]:
    return sorted(p.name.removesuffix(".in.mhr") for p in GOLDEN.glob("*.in.mhr"))


def test_golden_cases_exist():
    assert _golden_names(), f"no golden cases in {GOLDEN}"


@pytest.mark.parametrize("name", _golden_names())
def test_golden(name):
    source = (GOLDEN / f"{name}.in.mhr").read_text("utf-8")
    expected = (GOLDEN / f"{name}.out.mhr").read_text("utf-8")
    assert reformat(source) == expected
    assert reformat(expected) == expected, "the expected output is not canonical"
    assert parse_text(expected) == parse_text(source), "formatting changed the meaning"


# ---- the bundled rules ----------------------------------------------------------------------------


def _rule_files() -> list[Path]:
    return sorted(RULES.glob("**/*.mhr"))


def test_bundled_rules_survive_formatting():
    """Every rule file: formatting keeps its tree (and comments) and is idempotent."""
    files = _rule_files()
    assert files, f"no rule files under {RULES}"
    problems = []
    for path in files:
        text = path.read_text("utf-8")
        tree = parse_text(text, str(path))
        once = format_file(tree)
        if parse_text(once, str(path)) != tree:
            problems.append(f"{path}: formatting changed the tree")
        elif reformat(once, str(path)) != once:
            problems.append(f"{path}: formatting is not idempotent")
    assert not problems, "\n".join(problems)


def test_bundled_rules_are_canonical():
    """`mhct fmt --check rules` must pass: every rule file is already in canonical form."""
    files = _rule_files()
    assert files, f"no rule files under {RULES}"
    unformatted = [
        str(path.relative_to(ROOT))
        for path in files
        if reformat(path.read_text("utf-8"), str(path)) != path.read_text("utf-8")
    ]
    assert not unformatted, "not in canonical form (run `mhct fmt`): " + ", ".join(unformatted)


def test_long_cluster_lists_wrap_onto_continuation_lines():
    move = n.Move("down", [("possible", tuple(range(0, 40, 2))), ("rare", tuple(range(50, 90, 3)))])
    cond = n.FitsClusters(tuple(range(1, 60, 2)), n.Duration(12, "month"))
    rule_file = n.RuleFile("<string>", [n.ClusterDecl(1, "c", [
        n.Transitions([move]), n.Column("discharge", "all", [n.Criterion("w", cond)])])])
    text = format_file(rule_file)
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    lines = text.splitlines()
    assert lines[2].startswith("        down possible 0, 2,") and lines[3].startswith("            ")
    assert parse_text(text) == rule_file and format_file(parse_text(text)) == text


# ---- the one-line limit, exactly at WIDTH ---------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 1])
def test_item_of_exactly_width_stays_on_one_line(extra):
    prefix = '    description "'
    text = "w" * (WIDTH - len(prefix) - len('" source booklet "p.1"') - 4) + " end" + "x" * extra
    out = _one_entry(n.TextAttr("description", text, n.Source("booklet", "p.1")))
    body = out.splitlines()[1:-1]
    assert len(prefix + text + '" source booklet "p.1"') == WIDTH + extra
    assert len(body) == (1 if extra == 0 else 2)
    assert all(len(line) <= WIDTH for line in body)


@pytest.mark.parametrize("extra", [0, 1])
def test_condition_of_exactly_width_stays_on_one_line(extra):
    indent = " " * 12                                       # a criterion's condition
    names = ["f" + str(i) for i in range(3)]
    head = f"any {{ fact {names[0]}, fact {names[1]}, fact "
    last = "z" * (WIDTH - len(indent) - len(head) - len(" }") + extra)
    cond = n.AnyOf([n.FactIs(names[0]), n.FactIs(names[1]), n.FactIs(last)])
    column = n.Column("discharge", "all", [n.Criterion("w", cond, n.Source("local", "r"))])
    lines = _one_entry(column).splitlines()[1:-1]
    assert len(indent + format_condition(cond)) == WIDTH + extra
    assert (lines[2] == indent + format_condition(cond)) == (extra == 0)   # one line ...
    assert (lines[2] == indent + "any {") == (extra == 1)                  # ... or broken


def test_text_of_exactly_width_keeps_its_line_and_the_source_moves_down():
    prefix = '    description "'
    text = "w" * (WIDTH - len(prefix) - len('"') - 4) + " end"
    out = _one_entry(n.TextAttr("description", text, n.Source("booklet", "p.1")))
    assert out.splitlines()[1:-1] == [f'{prefix}{text}"', '        source booklet "p.1"']
    assert len(out.splitlines()[1]) == WIDTH
