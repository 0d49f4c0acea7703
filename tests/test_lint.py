"""mhct lint: each finding kind on small hand-made rule sets (answers worked out by hand in the
comments), exact coverage against brute force, golden output, accept entries, the CLI."""

from __future__ import annotations

import itertools
import json
import os
import types
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mhct_dsl import load_ruleset, review
from mhct_dsl.cli import main
from mhct_dsl.diagnostics import RuleError
from mhct_dsl.lint import lint
from mhct_dsl.lint.coverage import coverage
from mhct_dsl.lint.report import render_text, to_json
from mhct_dsl.loader import source_files
from mhct_dsl.lint.space import FACTORS, grid_sets
from mhct_dsl.model import SCALE_IDS
from mhct_dsl.nodes import Band, Grid, GridRow

HERE = Path(__file__).parent
SCALES = (HERE / "golden" / "prelude.mhr").read_text("utf-8").split("decision_tree")[0]


def cluster(number: int, rows: dict[str, str], step_up: str = "step_up n/a",
            discharge: str = "discharge n/a", transitions: str = "", extra: str = "") -> str:
    """A cluster whose grid is yellow everywhere except ``rows`` (scale -> bands)."""
    grid = "\n".join(f"        {s}  {rows.get(s, 'yellow 0..4')}" for s in SCALE_IDS)
    return f'''
cluster {number} "C{number}" {{
    description "d"
    episode 8..12 weeks
    review every 12 weeks
    grid {{
{grid}
    }}
    {step_up}
    {discharge}
    step_down n/a
    transitions {{
        {transitions}
        discharge possible
    }}
    {extra}
}}
'''


def rules(tmp_path: Path, *clusters: str, groups: dict[str, str] | None = None) -> Path:
    numbers = sorted(int(c.split()[1]) for c in clusters)
    groups = groups or {"g": ", ".join(map(str, numbers))}
    tree = "\n".join(f'    group {name} "{name}" {{ branch {name}_b "b" clusters {members} }}'
                     for name, members in groups.items())
    text = (SCALES + f'decision_tree "t" {{\n{tree}\n}}\n'
            + 'cluster 0 "Variance" { kind variance description "v" review every 6 months }\n'
            + "".join(clusters))
    path = tmp_path / "rules.mhr"
    path.write_text(text, "utf-8")
    return path


def codes(report) -> list[tuple[str, int, tuple[int, ...]]]:
    return [(f.code, f.cluster, f.others) for f in report.findings]


# ---- coverage -------------------------------------------------------------------------------


def test_coverage_by_hand(tmp_path):
    # 1: scale 1 in 0..1 (2/5), orange on scale 3 at 0..1; 2: scale 2 in 0..2 (3/5), no orange.
    # none = 3/5 * 2/5 = 6/25; several = 2/5 * 3/5 = 6/25; one = 13/25.
    # ties: both fit (6/25) and 1 misses no orange row (scale 3 in 0..1: 2/5) = 12/125.
    report = lint(load_ruleset(rules(
        tmp_path, cluster(1, {"1": "red 0..1", "3": "orange 0..1"}), cluster(2, {"2": "red 0..2"}))))
    group = report.coverage["g"]
    assert (group.none.fraction, group.one.fraction, group.several.fraction, group.ties.fraction) \
        == (Fraction(6, 25), Fraction(13, 25), Fraction(6, 25), Fraction(12, 125))
    assert group.none.witness["1"] >= 2 and group.none.witness["2"] >= 3
    assert report.coverage["all"].ties is None


@pytest.mark.parametrize("pair, share", [("7|8", Fraction(16, 25)), ("max(7,8)", Fraction(4, 25))])
def test_pair_row_readings_are_two_dimensional_sets(tmp_path, pair, share):
    # Red 0..1 on the pair: either reading misses only when both are 2..4: 1 - (3/5)^2 = 16/25;
    # max reading needs both in 0..1: (2/5)^2 = 4/25.
    text = cluster(1, {}).replace("        7  yellow 0..4\n        8  yellow 0..4",
                                  f"        {pair}  red 0..1")
    report = lint(load_ruleset(rules(tmp_path, text)))
    assert report.coverage["g"].one.fraction == share


def _grid(rows):
    return types.SimpleNamespace(number=0, grid=Grid(rows))


ROW_SCALES = (("1",), ("2",), ("7", "8"))


@st.composite
def small_grids(draw):
    rows = []
    for scales in ROW_SCALES:
        colour = draw(st.sampled_from(["red", "orange", None]))
        if colour is None:
            continue
        low = draw(st.integers(0, 4))
        high = draw(st.integers(low, 4))
        rows.append(GridRow(scales, (Band(colour, low, high),),
                            reading=draw(st.sampled_from(["either", "max"]))))
    return rows


def _meets(row, ratings) -> bool:
    band = range(row.bands[0].low, row.bands[0].high + 1)
    values = [ratings[s] for s in row.scales]
    if len(values) == 2 and row.reading == "max":
        return max(values) in band
    return any(v in band for v in values)


@settings(max_examples=60, deadline=None)
@given(st.lists(small_grids(), min_size=1, max_size=4))
def test_exact_coverage_equals_brute_force(grids):
    """Enumerate the 5*5*25 ratings of scales 1, 2, 7 and 8 (the others are free: x 5^14)."""
    counts = {"none": 0, "one": 0, "several": 0, "ties": 0}
    for r1, r2, r7, r8 in itertools.product(range(5), repeat=4):
        ratings = {"1": r1, "2": r2, "7": r7, "8": r8}
        fitting = [sum(not _meets(row, ratings) for row in rows if row.bands[0].colour == "orange")
                   for rows in grids
                   if all(_meets(row, ratings) for row in rows if row.bands[0].colour == "red")]
        counts[("none", "one")[len(fitting)] if len(fitting) < 2 else "several"] += 1
        counts["ties"] += len(fitting) >= 2 and fitting.count(min(fitting)) >= 2
    result = coverage([grid_sets(_grid(rows)) for rows in grids])
    free = 5 ** (len(SCALE_IDS) - 4)
    assert {name: getattr(result, name).count for name in counts} == \
        {name: n * free for name, n in counts.items()}


# ---- findings -------------------------------------------------------------------------------


def test_overlaps_and_never_best(tmp_path):
    # 1 and 2: the same red row; 3: red inside theirs; 4 equals 1 in red and orange.
    report = lint(load_ruleset(rules(
        tmp_path,
        cluster(1, {"1": "red 0..2", "3": "orange 0"}),
        cluster(2, {"1": "red 0..2", "4": "orange 0"}),
        cluster(3, {"1": "red 0..1"}),
        cluster(4, {"1": "red 0..2", "3": "orange 0"}))))
    found = codes(report)
    assert ("red_equal", 2, (1,)) in found
    assert ("grids_coincide", 4, (1,)) in found
    assert ("red_nested", 3, (1,)) in found and ("red_nested", 3, (2,)) in found
    # 4 ties with 1 on every profile and loses on the number: never the best fit.
    assert ("never_best", 4, ()) in found
    assert ("never_best", 1, ()) not in found


def test_contradictory_redundant_and_always_true_criteria(tmp_path):
    discharge = '''discharge all {
        "a" scale 7 = 0
        "b" scale 7 >= 2
    }'''
    step_up = '''step_up all {
        "c" scale 5 <= 1
        "d" scale 5 <= 3
        "e" scale 6 <= 4
    }'''
    report = lint(load_ruleset(rules(tmp_path, cluster(1, {"1": "red 0..2"}, step_up, discharge))))
    found = [(f.code, f.span.line) for f in report.findings if f.code.startswith("criterion")]
    lines = {text.split('"')[1]: i + 1 for i, text in enumerate(
        (tmp_path / "rules.mhr").read_text().splitlines()) if text.strip().startswith('"')}
    assert sorted(found) == sorted([
        ("criterion_never_true", lines["a"]), ("criterion_never_true", lines["b"]),
        ("criterion_always_true", lines["d"]),  # implied by c
        ("criterion_always_true", lines["e"])])  # a tautology


def test_column_that_always_holds(tmp_path):
    discharge = '''discharge any {
        "a" scale 7 <= 1
        "b" scale 7 >= 2
    }'''
    report = lint(load_ruleset(rules(tmp_path, cluster(1, {"1": "red 0..2"}, "step_up n/a",
                                                        discharge))))
    assert codes(report) == [("column_always_holds", 1, ())]


def test_step_up_and_discharge_witness_is_a_real_record(tmp_path):
    # Cluster 2 (the step-up target) fits alone when scale 2 is 3-4; discharge needs 7 <= 1 and
    # the fact. The witness must make review step up while the discharge column also holds.
    step_up = 'step_up one { "fits" fits step_up }'
    discharge = 'discharge all { "low" scale 7 <= 1  "not detained" not fact detained_mha }'
    path = rules(tmp_path,
                 cluster(1, {"1": "red 0..4", "2": "red 0..2"}, step_up, discharge,
                         "up likely 2"),
                 cluster(2, {"2": "red 3..4"}))
    ruleset = load_ruleset(path)
    [finding] = [f for f in lint(ruleset).findings if f.code == "step_up_and_discharge"]
    witness = finding.witness
    facts = {k.split()[1]: v for k, v in witness.atoms.items() if k.startswith("fact ")}
    decision = review(ruleset, {"id": "w", "current_cluster": 1, "facts": facts,
                                "assessments": [{"date": "2014-01-01",
                                                 "ratings": witness.ratings}]})
    assert decision.decision == "step_up"
    assert [c.value for c in decision.columns if c.column == "discharge"] == [True]


def test_target_that_can_never_fit_better(tmp_path):
    # 2 meets red only inside 1's red region and has an orange row 1 lacks: never better than 1.
    step_up = 'step_up one { "fits" fits step_up }'
    report = lint(load_ruleset(rules(
        tmp_path, cluster(1, {"1": "red 0..2"}, step_up, transitions="up likely 2"),
        cluster(2, {"1": "red 0..1", "3": "orange 0..1"}))))
    assert ("target_never_fits", 1, (2,)) in codes(report)


def test_accept_entries_and_unused_ones(tmp_path):
    extra = ('accept red_equal 1 "same profile on purpose"\n'
             '    accept red_nested 1 "nothing like this here"')
    report = lint(load_ruleset(rules(tmp_path, cluster(1, {"1": "red 0..2"}),
                                     cluster(2, {"1": "red 0..2", "3": "orange 0"}, extra=extra))))
    assert [(f.code, f.accepted) for f in report.findings if f.code == "red_equal"] == \
        [("red_equal", "same profile on purpose")]
    assert [f.code for f in report.open] == ["unused_accept"]


def test_checker_knows_the_lint_codes(tmp_path):
    path = rules(tmp_path, cluster(1, {}, extra='accept red_equals 2 "typo"'))
    with pytest.raises(RuleError) as error:
        load_ruleset(path)
    assert [d.code for d in error.value.diagnostics] == ["unknown-lint-code", "unknown-cluster"]
    assert error.value.diagnostics[0].hint == "did you mean `red_equal`?"


# ---- output -----------------------------------------------------------------------------------


def _golden(name: str, actual: str) -> None:
    path = HERE / "golden" / "lint" / name
    if os.environ.get("MHCT_REGEN_GOLDEN"):
        path.write_text(actual, "utf-8")
    assert actual == path.read_text("utf-8")


def _small(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    discharge = 'discharge all { "a" scale 7 = 0  "b" scale 7 >= 2 }'
    return rules(Path("."), cluster(1, {"1": "red 0..2", "3": "orange 0"}, "step_up n/a",
                                    discharge),
                 cluster(2, {"1": "red 0..1"}))


def test_golden_text_and_json(tmp_path, monkeypatch):
    path = _small(tmp_path, monkeypatch)
    ruleset = load_ruleset(path)
    report = lint(ruleset)
    _golden("small.txt", render_text(report, source_files(ruleset, path)))
    data = to_json(report, source_files(ruleset, path))
    data["ruleset"]["fingerprint"] = "(varies)"
    _golden("small.json", json.dumps(data, indent=2) + "\n")
    assert data["coverage"]["groups"]["g"]["none"]["fraction"] == "2/5"  # scale 1 at 3-4


LOCAL = '''ruleset "Local" extends "base" source local "agreed" {
    version "L1"
}

amend cluster 1 source local "item 1" {
    discharge replace 1 "a" scale 7 = 1
}
'''


def _local_over_small(tmp_path, monkeypatch) -> Path:
    """``set/rules.mhr`` extending ``set/base/rules.mhr`` (the small set): both files are
    ``rules.mhr`` within their sets. The amended criterion 1 still contradicts criterion 2 (7 = 1
    and 7 >= 2), so one finding lies in each file, and red_nested in the base."""
    (tmp_path / "set" / "base").mkdir(parents=True)
    _small(tmp_path / "set" / "base", monkeypatch)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "set" / "rules.mhr").write_text(LOCAL, "utf-8")
    return Path("set")


def test_findings_name_the_file_of_their_rule_set(tmp_path, monkeypatch, capsys):
    path = _local_over_small(tmp_path, monkeypatch)
    assert main(["lint", str(path)]) == 0
    _golden("local-over-base.txt", capsys.readouterr().out)
    assert main(["lint", "--format", "json", str(path)]) == 0
    found = [(f["path"], f["line"]) for f in json.loads(capsys.readouterr().out)["findings"]]
    # each cluster's findings by their spans' file names: the base's rules.mhr is base:rules.mhr
    assert found == [("set/base/rules.mhr", 201), ("set/rules.mhr", 6),
                     ("set/base/rules.mhr", 214)]


def test_findings_outside_the_cwd_are_named_absolutely(tmp_path, monkeypatch, capsys):
    path = _local_over_small(tmp_path, monkeypatch)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["lint", str(Path("..") / path)]) == 0
    out = capsys.readouterr().out
    base = (tmp_path / "set" / "base" / "rules.mhr").resolve()
    assert f"\n{base}:214:5: warning: every profile meeting cluster 2's" in out
    assert "\n        grid {\n        ^^^^^^\n" in out


def test_a_file_changed_since_loading_is_named_as_its_spans_name_it(tmp_path, monkeypatch):
    path = _local_over_small(tmp_path, monkeypatch)
    ruleset = load_ruleset(path)
    base = tmp_path / "set" / "base" / "rules.mhr"
    base.write_text(base.read_text("utf-8") + "\n", "utf-8")
    text = render_text(lint(ruleset), source_files(ruleset, path))
    assert "\nbase:rules.mhr:214:5: warning: every profile meeting" in text
    assert "grid {" not in text  # no caret under a line that may have moved


def test_cli_strict_exit_codes(tmp_path, monkeypatch, capsys):
    path = _small(tmp_path, monkeypatch)
    assert main(["lint", str(path)]) == 0
    assert main(["lint", "--strict", str(path)]) == 1
    assert "[red_nested]" in capsys.readouterr().out


def test_national_rules_lint_clean_with_reasons():
    report = lint(load_ruleset())
    assert report.open == ()
    assert all(f.accepted.strip() for f in report.findings)
    assert report.coverage["all"].none.count == 0
    assert len(report.coverage) == 4  # all clusters and the three groups


def test_rendered_cluster_page_shows_its_overlaps():
    from mhct_dsl.render import render_pages

    pages = render_pages(load_ruleset())
    page = pages["cluster-14.html"].decode("utf-8")
    assert "Overlaps with other clusters" in page
    assert "cluster 14&#39;s red rows meets cluster 10&#39;s" in page  # red_nested 14 in 10
    assert "cluster 13&#39;s red rows meets cluster 14&#39;s" in page  # red_nested 13 in 14
    assert "Overlaps with other clusters" not in pages["cluster-03.html"].decode("utf-8")
