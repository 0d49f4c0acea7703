"""The checker's model: what a checked rule set holds, and how a local rule set amends its base."""

from __future__ import annotations

from pathlib import Path

import pytest

from mhct_dsl.diagnostics import RuleError
from mhct_dsl.loader import load_ruleset

HERE = Path(__file__).parent
PRELUDE = HERE / "golden" / "prelude.mhr"
LOCAL = HERE / "fixtures" / "local"  # its base, a copy of the prelude, is in base/


def test_prelude_model():
    ruleset = load_ruleset(PRELUDE)
    assert (ruleset.name, ruleset.version) == ("Test booklet", "T1")
    assert list(ruleset.scales) == [*map(str, range(1, 14)), "A", "B", "C", "D", "E"]
    one = ruleset.clusters[1]
    assert (one.group, one.branch, one.kind) == ("non_psychotic", "mild", "standard")
    assert one.targets("up") == (2, 3)
    assert one.targets("up", ("likely",)) == (2,)
    assert ruleset.clusters[0].kind == "variance" and ruleset.clusters[0].group is None
    assert ruleset.fingerprint.startswith("sha256:") and len(ruleset.fingerprint) == 71


def test_local_amendment_replaces_only_what_it_names():
    base = load_ruleset(PRELUDE)
    local = load_ruleset(LOCAL)
    assert local.base is not None and local.base.fingerprint == base.fingerprint
    assert local.extends == "base"
    two, base_two = local.clusters[2], base.clusters[2]
    assert two.review.every.amount == 8 and two.review.source.kind == "local"
    assert [c.wording for c in two.columns["discharge"].criteria][1] == (
        "Has completed the agreed course of treatment.")
    assert two.columns["discharge"].source.note == "Board paper 2014/07, item 4"
    assert two.columns["step_up"] == base_two.columns["step_up"]
    assert two.grid == base_two.grid and two.episode == base_two.episode
    assert two.amended == {"review", "discharge", "note"}
    assert [note.text for note in two.notes] == ["Local discharge criteria agreed with commissioners."]
    assert local.clusters[1] == base.clusters[1]
    assert local.facts["completed_course"].local and not local.facts["detained_mha"].local


def test_local_fingerprint_covers_the_base(tmp_path):
    copy = tmp_path / "local"
    copy.mkdir()
    (copy / "base").mkdir()
    (copy / "local.mhr").write_text((LOCAL / "local.mhr").read_text())
    (copy / "base" / "prelude.mhr").write_text(PRELUDE.read_text())
    first = load_ruleset(copy).fingerprint
    (copy / "base" / "prelude.mhr").write_text(
        PRELUDE.read_text().replace("12 weeks", "13 weeks", 1))
    assert load_ruleset(copy).fingerprint != first


def test_the_local_fixture_extends_a_true_copy_of_the_prelude():
    assert (LOCAL / "base" / "prelude.mhr").read_text() == PRELUDE.read_text()


def test_missing_base_is_reported_with_the_header(tmp_path):
    (tmp_path / "local.mhr").write_text('ruleset "L" extends "nowhere" { version "1" }\n')
    with pytest.raises(RuleError) as caught:
        load_ruleset(tmp_path)
    codes = [d.code for d in caught.value.diagnostics]
    assert codes[0] == "invalid-base" and "nowhere" in caught.value.diagnostics[0].hint


def test_extends_cycle_is_reported_once_as_a_cycle(tmp_path):
    (tmp_path / "a.mhr").write_text('ruleset "A" extends "b.mhr" { version "1" }\n')
    (tmp_path / "b.mhr").write_text('ruleset "B" extends "a.mhr" { version "1" }\n')
    with pytest.raises(RuleError) as caught:
        load_ruleset(tmp_path / "a.mhr")
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [
        ("extends-cycle", "`extends` makes a cycle: a.mhr -> b.mhr -> a.mhr")]


def test_all_problems_reported_in_one_run(tmp_path):
    text = PRELUDE.read_text().replace("not fact detained_mha", "not fact detaned").replace(
        "7  red 1..4", "7  red 4..1").replace('review every 12 weeks', 'review every 0 weeks', 1)
    (tmp_path / "r.mhr").write_text(text)
    with pytest.raises(RuleError) as caught:
        load_ruleset(tmp_path)
    codes = {d.code for d in caught.value.diagnostics}
    assert {"unknown-fact", "inverted-range", "invalid-value"} <= codes
