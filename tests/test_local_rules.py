"""The example local rule set (rules/local): it changes exactly what it amends, at criterion level.

Expected values are written out here from rules/local/amendments.mhr, never computed by the
checker: the national and local exports must differ in exactly these places, and every criterion
not amended keeps its national wording, condition and provenance. Golden pages of a small local
set over tests/golden/prelude.mhr live in tests/golden/render/ (regenerate with
``MHCT_REGEN_GOLDEN=1``).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from mhct_dsl import load_ruleset
from mhct_dsl.export import export
from mhct_dsl.render import render_pages
from mhct_dsl.review import review
from mhct_dsl.ruletests import columns_to_cover, run_rule_tests

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / "rules" / "local"
GOLDEN = Path(__file__).parent / "golden" / "render"

NEW_C3_CRITERION_3 = ("MHCT V1 item 8 (Other) = 2 or less, and any remaining problem can be "
                      "supported by primary care.")
NEW_C3_CRITERION_4 = "Has completed the agreed course of psychological therapy."
NEW_C11_CRITERION_2 = ("Requires no psychotropic medication, or has been on a stable dose for the "
                       "past 6 months under a shared-care agreement with the GP.")


@pytest.fixture(scope="module")
def both():
    return export(load_ruleset()), export(load_ruleset(LOCAL))


def _without_amendment_records(cluster: dict) -> dict:
    return {k: v for k, v in cluster.items() if k not in ("amended", "amendments")}


def test_clusters_not_amended_are_the_national_ones(both):
    national, local = both
    for before, after in zip(national["clusters"], local["clusters"], strict=True):
        if before["number"] in (3, 11):
            continue
        assert after == before, f"cluster {before['number']} changed"
    assert local["scales"] == national["scales"]
    assert local["decision_tree"] == national["decision_tree"]
    assert local["facts"] == national["facts"] + [
        {"name": "completed_agreed_therapy", "wording": NEW_C3_CRITERION_4,
         "source": {"kind": "local", "note": "Contract schedule 2014/15, item 4.2"},
         "local": True},
        {"name": "medication_stable_six_months_shared_care", "wording": NEW_C11_CRITERION_2,
         "source": {"kind": "local", "note": "Contract schedule 2014/15, item 4.5"},
         "local": True},
    ]


def _cluster(data: dict, number: int) -> dict:
    return next(c for c in data["clusters"] if c["number"] == number)


def test_cluster_3_changes_its_review_interval_and_two_discharge_criteria_only(both):
    national, local = (_cluster(d, 3) for d in both)
    assert national["review"]["every"] == {"amount": 6, "unit": "month"}
    assert local["review"]["every"] == {"amount": 4, "unit": "month"}
    assert local["review"]["source"] == {
        "kind": "local", "note": "Contract schedule 2014/15, item 3.1 (review intervals)"}
    assert {k: v for k, v in local["review"].items() if k not in ("every", "source")} == \
        {k: v for k, v in national["review"].items() if k not in ("every", "source")}
    before, after = national["columns"]["discharge"], local["columns"]["discharge"]
    assert after["quantifier"] == before["quantifier"] == "all"
    assert after["criteria"][:2] == before["criteria"][:2]  # national wording and provenance
    assert after["criteria"][0]["source"]["kind"] == "booklet"
    assert [c["wording"] for c in after["criteria"][2:]] == [NEW_C3_CRITERION_3,
                                                               NEW_C3_CRITERION_4]
    assert after["criteria"][2]["condition_text"] == \
        "all { scale 8 <= 2  fact residual_risks_manageable_in_primary_care }"
    assert {c["source"]["kind"] for c in after["criteria"][2:]} == {"local"}
    rest = ("review", "columns")
    assert {k: v for k, v in _without_amendment_records(local).items() if k not in rest} == \
        {k: v for k, v in _without_amendment_records(national).items() if k not in rest}
    assert {k: v for k, v in local["columns"].items() if k != "discharge"} == \
        {k: v for k, v in national["columns"].items() if k != "discharge"}
    assert [(a["entry"], a["action"], a["index"]) for a in local["amendments"]] == [
        ("review", "replace", None), ("discharge", "replace", 3), ("discharge", "add", None)]
    assert local["amendments"][1]["before"]["wording"] == "MHCT V1 item 8 (Other) = 1 or less"


def test_cluster_11_replaces_discharge_criterion_2_and_removes_7_only(both):
    national, local = (_cluster(d, 11) for d in both)
    before, after = national["columns"]["discharge"]["criteria"], \
        local["columns"]["discharge"]["criteria"]
    assert len(before) == 7 and len(after) == 6
    assert after[0] == before[0] and after[2:] == before[2:6]
    assert after[1]["wording"] == NEW_C11_CRITERION_2
    assert after[1]["source"] == {"kind": "local",
                                  "note": "Contract schedule 2014/15, item 4.5"}
    assert before[6]["wording"] == \
        "Level of social inclusion meets service user’s expectations."
    assert {k: v for k, v in _without_amendment_records(local).items() if k != "columns"} == \
        {k: v for k, v in _without_amendment_records(national).items() if k != "columns"}
    removed = local["amendments"][1]
    assert (removed["action"], removed["index"], removed["before"]["wording"]) == \
        ("remove", 7, before[6]["wording"])
    assert removed["source"]["note"].startswith("Contract schedule 2014/15, item 4.6")


def test_the_local_rule_examples_pass():
    out, err = io.StringIO(), io.StringIO()
    assert run_rule_tests(str(LOCAL), out, err) == 0, out.getvalue() + err.getvalue()
    assert "rule tests: 4 passed, 0 failed" in out.getvalue()
    assert "columns no example decides" not in out.getvalue()
    # A local set answers for the columns it amends; the national examples cover the rest.
    assert columns_to_cover(load_ruleset(LOCAL)) == {(3, "discharge"), (11, "discharge")}


def test_review_uses_the_local_interval_and_criteria():
    record = {
        "id": "L3", "current_cluster": 3,
        "assessments": [{"date": "2014-03-03", "ratings": {
            "1": 0, "2": 0, "3": 1, "4": 0, "5": 0, "6": 0, "7": 1, "8": 2, "9": 1, "10": 0,
            "11": 1, "12": 0, "13": 0, "A": 0, "B": 0, "C": 0, "D": 0, "E": 0}}],
        "facts": {"residual_risks_manageable_in_primary_care": True,
                  "completed_agreed_therapy": True, "completed_treatment_residual_comorbidities":
                  False},
        "events": [],
    }
    national_facts = {k: v for k, v in record["facts"].items() if k != "completed_agreed_therapy"}
    national = review(load_ruleset(), {**record, "facts": national_facts}).to_json()
    local = review(load_ruleset(LOCAL), record).to_json()
    assert national["next_review_due"] == "2014-09-03"
    assert local["next_review_due"] == "2014-07-03"
    assert national["decision"] != "discharge"  # item 8 = 2 fails the national criterion 3
    assert local["decision"] == "discharge"
    assert local["ruleset"]["name"] == "Anytown local clustering booklet"


PRELUDE_LOCAL = '''\
ruleset "Golden local" extends "base" source local "Board & Trust 2014" {
    version "G1"
}

amend cluster 1 source local "Board paper 7, item 2" {
    review every 8 weeks
    step_up quantifier any
    discharge replace 1 "Item 7 is 2 or less <b>not bold</b>."
        scale 7 <= 2
    discharge remove 2 source local "Board paper 7, item 3"
    discharge add "Not detained." source local "Board paper 7, item 4"
        not fact detained_mha
}
'''


@pytest.fixture(scope="module")
def golden_local_pages(tmp_path_factory) -> dict[str, bytes]:
    """A small local rule set over the golden prelude: its pages do not move when the national
    rules change."""
    root = tmp_path_factory.mktemp("golden-local")
    (root / "base").mkdir()
    (root / "base" / "ruleset.mhr").write_text(
        (Path(__file__).parent / "golden" / "prelude.mhr").read_text("utf-8"), encoding="utf-8")
    (root / "ruleset.mhr").write_text(PRELUDE_LOCAL, encoding="utf-8")
    return render_pages(load_ruleset(root))


@pytest.mark.parametrize("page", ["index.html", "cluster-01.html", "about-cluster-01.html"])
def test_golden_local_pages(golden_local_pages, page):
    path = GOLDEN / f"local-{page}"
    if os.environ.get("MHCT_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(golden_local_pages[page])
    assert golden_local_pages[page] == path.read_bytes(), f"{page} differs from {path.name}"


@pytest.fixture(scope="module")
def local_pages() -> dict[str, bytes]:
    return render_pages(load_ruleset(LOCAL))


def test_local_pages_show_each_change_with_its_reference_and_what_it_replaced(local_pages):
    page = local_pages["cluster-11.html"].decode("utf-8")
    assert "Local: Contract schedule 2014/15, item 4.5" in page
    assert "Replaces the national criterion: <del>Requires no psychotropic medication or has " \
           "been on a stable dose for the past year.</del>" in page
    assert '<span class="badge removed">Removed</span>' in page
    assert "<del>Level of social inclusion meets service user’s expectations.</del>" in page
    assert page.count('class="badge local"') == 3  # page header, replaced, removed
    cluster_3 = local_pages["cluster-03.html"].decode("utf-8")
    assert "review at least every <strong>4 months</strong>" in cluster_3
    assert "national: every 6 months" in cluster_3


def test_quantifier_and_episode_changes_are_recorded_and_shown(tmp_path):
    (tmp_path / "ruleset.mhr").write_text(
        'ruleset "T" extends national source local "Board 9" {\n    version "1"\n}\n'
        'amend cluster 17 source local "Board 9, item 2" {\n'
        '    step_up quantifier all\n    episode 2+ years\n'
        '    review every 6 months mhct within 2 months\n}\n', encoding="utf-8")
    rules = load_ruleset(tmp_path)
    cluster = rules.clusters[17]
    assert load_ruleset().clusters[17].columns["step_up"].quantifier == "any"
    assert cluster.columns["step_up"].quantifier == "all"
    assert cluster.columns["step_up"].criteria == \
        load_ruleset().clusters[17].columns["step_up"].criteria
    assert [(a.entry, a.action, a.before, a.after) for a in cluster.amendments][0] == \
        ("step_up", "quantifier", "any", "all")
    page = render_pages(rules)["cluster-17.html"].decode("utf-8")
    assert "(All of the following criteria are met)" in page
    assert "was: any (“Any of the following criteria are met”)" in page
    assert "episode <strong>2 years or more</strong>; national: 3 years or more" in page
    assert "6 months, on an MHCT no older than 2 months" in page
    assert "review at least every <strong>6 months</strong>, on an MHCT no older than 2 months; " \
        "national: every 6 months" in page


def test_explain_marks_local_criteria_and_names_their_reference():
    # the explain column says "booklet wording": a local criterion must not pass for the booklet's
    record = {"id": "L3x", "current_cluster": 3, "events": [], "assessments": [
        {"date": "2014-03-03", "ratings": {s: 0 for s in [*map(str, range(1, 14)), *"ABCDE"]}}]}
    local = review(load_ruleset(LOCAL), record).explain(width=200)
    assert "[local] " + NEW_C3_CRITERION_3[:30] in local  # cells wrap: the start of each
    assert "[local] " + NEW_C3_CRITERION_4[:30] in local
    assert ("[local] a local criterion, not the booklet's (discharge 3, discharge 4): "
            "Contract schedule 2014/15, item 4.2") in local
    assert "[local] MHCT V1 item 2" not in local  # national criteria keep their wording
    rules = load_ruleset(LOCAL)
    worded = " ".join(review(rules, record).explain(width=200, ruleset=rules).split())
    assert ("next review due: 2014-07-03 [local interval: Contract schedule 2014/15, item 3.1 "
            "(review intervals)]") in worded
    assert "[local]" not in review(load_ruleset(), record).explain(width=200)


def test_a_base_file_with_a_path_of_the_local_set_is_named_after_extends(tmp_path):
    # the local set's clusters/cluster-03.mhr amends cluster 3, whose other criteria come from the
    # national clusters/cluster-03.mhr: traces and exports must tell the two files apart
    (tmp_path / "ruleset.mhr").write_text(
        'ruleset "T" extends national source local "Board 9" {\n    version "1"\n}\n',
        encoding="utf-8")
    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / "cluster-03.mhr").write_text(
        'amend cluster 3 source local "Board 9, item 2" {\n'
        f'    discharge replace 3 "{NEW_C3_CRITERION_3}"\n'
        '        all { scale 8 <= 2  fact residual_risks_manageable_in_primary_care }\n}\n',
        encoding="utf-8")
    record = {"id": "L3", "current_cluster": 3, "assessments": [
        {"date": "2014-03-03", "ratings": {s: 0 for s in "1 2 3 4 5 6 7 8 9 10 11 12 13".split()}}]}
    local, national = (review(load_ruleset(path), record).to_json() for path in (tmp_path, None))
    files = {(c["column"], c["index"]): c["source"]["file"] for c in local["criteria"]}
    assert files[("discharge", 3)] == "clusters/cluster-03.mhr"
    assert files[("discharge", 1)] == "national:clusters/cluster-03.mhr"
    assert {c["source"]["file"] for c in national["criteria"]} == {"clusters/cluster-03.mhr"}
    [cluster] = [c for c in export(load_ruleset(tmp_path))["clusters"] if c["number"] == 3]
    discharge = cluster["columns"]["discharge"]
    assert [c["at"].rsplit(":", 1)[0] for c in discharge["criteria"]] == [
        "national:clusters/cluster-03.mhr", "national:clusters/cluster-03.mhr",
        "clusters/cluster-03.mhr"]
