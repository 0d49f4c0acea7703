"""Care review (the booklet's six steps) on the fixture clusters 10 and 11."""

import datetime as dt

import attrs
import pytest

from evalkit import assessment, cmp, d, mini_ruleset, record, record_json, ratings
from mhct_dsl import nodes as n
from mhct_dsl.records import RecordError
from mhct_dsl.review import review

RULES = mini_ruleset()
CALM = dict(detained_mha=False, medication_stable_past_year=True)
# Items 7 and 8 at 4 are outside cluster 10's expected (orange) 7|8 range and cluster 11 says
# nothing of them, so 11 is the best fit: a likely step-down target.
LOW = dict(s6=1, s7=4, s8=4)


def steady(**latest):
    """Cluster 10 record with a calm year behind it (fits 11 better throughout, item 3 low)."""
    return record(assessment("2012-01-01", **LOW), assessment("2012-07-01", **LOW),
                  assessment("2013-03-01", **{**LOW, **latest}), facts=dict(CALM), events=[])


def values(result, column):
    return [c.value for c in result.criteria if c.column == column]


# ---- step 3: step-up ------------------------------------------------------------------------------


def test_step_up_met_suggests_the_best_fit():
    # 6=4 is beyond cluster 11's red band; 10 is weaker (7|8 at 4): 14 is the best fit
    result = review(RULES, steady(s6=4, s1=2))
    assert result.decision == "step_up"
    assert result.suggested_clusters == (14,)
    assert [(t.cluster, t.likelihood, t.fit) for t in result.targets] == [
        (14, "likely", "fits"), (15, "possible", "no")]
    assert values(result, "step_up") == [True]


def test_step_up_suggestion_is_allocations_best_fit_not_every_fitting_target():
    result = review(RULES, steady(s6=4, s1=2, s2=2))
    # both fit; 15 meets two red rows, 14 one: allocation's best is 15, the one suggested
    assert [(t.cluster, t.fit) for t in result.targets] == [(14, "fits"), (15, "fits")]
    assert result.suggested_clusters == (15,)


def test_step_up_unknown_needs_assessment_and_names_the_unknowns():
    result = review(RULES, steady(s6=9))
    assert result.decision == "needs_assessment"
    assert [(b.column, b.index) for b in result.blocking_unknowns] == [("step_up", 1)]
    unknown = result.blocking_unknowns[0].unknowns[0]
    assert (unknown.kind, unknown.name) == ("scale", "6")
    assert "further assessment required" in result.note
    assert result.suggested_clusters == ()


# ---- step 4: discharge ----------------------------------------------------------------------------


def test_discharge_all_met():
    result = review(RULES, steady())
    assert values(result, "step_up") == [False]
    assert values(result, "discharge") == [True, True, True, True]
    assert result.decision == "discharge"
    assert result.suggested_clusters == ()


def test_discharge_one_false_goes_on_to_step_down():
    rec = attrs.evolve(steady(), facts={**CALM, "detained_mha": True})
    result = review(RULES, rec)
    assert values(result, "discharge") == [False, True, True, True]
    assert result.decision == "step_down"
    assert result.suggested_clusters == (11,)


def test_discharge_unknown_needs_assessment():
    rec = attrs.evolve(steady(), facts={"detained_mha": False})
    result = review(RULES, rec)
    assert result.decision == "needs_assessment"
    assert [(b.column, b.index) for b in result.blocking_unknowns] == [("discharge", 4)]
    assert result.blocking_unknowns[0].unknowns[0].name == "medication_stable_past_year"


def test_discharge_false_and_unknown_is_false_not_blocking():
    rec = attrs.evolve(steady(), facts={"detained_mha": True}, events=None)
    result = review(RULES, rec)
    assert values(result, "discharge")[:2] == [False, None]
    assert result.decision == "step_down"      # discharge is false (Kleene), so step 5 runs


# ---- step 5 and 6: step-down, remain ---------------------------------------------------------------


def test_step_down_met():
    rec = attrs.evolve(steady(), events=[])
    rec = attrs.evolve(rec, facts={**CALM, "medication_stable_past_year": False})
    result = review(RULES, rec)
    assert result.decision == "step_down"
    assert values(result, "step_down") == [True, True]
    assert [(t.cluster, t.fit) for t in result.targets] == [(11, "fits")]


def test_remain_when_nothing_is_met():
    rec = record(assessment("2012-01-01", **LOW), assessment("2012-07-01", **LOW, s3=3),
                 assessment("2013-03-01", s6=2, s7=4, s8=4), facts={**CALM, "detained_mha": True},
                 events=[])
    result = review(RULES, rec)
    assert values(result, "step_down") == [True, False]
    assert result.decision == "remain"
    assert result.blocking_unknowns == ()
    assert "remains valid" in result.note


def test_step_down_unknown_needs_assessment():
    rec = record(assessment("2012-07-01", **LOW), assessment("2013-03-01", s6=2, s7=4, s8=4),
                 facts={**CALM, "detained_mha": True}, events=[])
    result = review(RULES, rec)           # history starts after the window start
    assert result.decision == "needs_assessment"
    blocked = result.blocking_unknowns
    assert {b.column for b in blocked} == {"step_down"}
    assert any(u.kind == "history" for b in blocked for u in b.unknowns)


def test_na_columns_are_skipped():
    # item 6 at 0: cluster 11 (red 6 at 1-3) no longer fits, cluster 1 does
    rec = record(assessment("2013-03-01", s6=0, s7=1), current_cluster=11,
                 in_service_since="2010-01-01")
    result = review(RULES, rec)
    assert [c.column for c in result.criteria] == ["step_up", "step_up", "step_down"]
    status = {c.column: c.status for c in result.columns}
    assert status == {"step_up": "evaluated", "discharge": "not_applicable", "step_down": "evaluated"}
    assert result.decision == "step_down" and result.suggested_clusters == (1,)
    recent = attrs.evolve(rec, in_service_since=d("2012-01-01"))
    assert review(RULES, recent).decision == "remain"


def test_step_met_but_no_target_fits_says_to_recluster():
    rec = record(assessment("2013-03-01", s6=1, s7=0), current_cluster=11,
                 in_service_since="2010-01-01")
    result = review(RULES, rec)
    assert result.decision == "step_down" and result.suggested_clusters == ()
    assert "re-cluster" in result.note


def test_columns_after_the_decision_are_informational():
    result = review(RULES, steady(s6=4, s1=2))
    decisive = {c.column: c.decisive for c in result.criteria}
    assert decisive == {"step_up": True, "discharge": False, "step_down": False}
    assert [c.decisive for c in result.columns] == [True, False, False]


# ---- dates -----------------------------------------------------------------------------------------


def test_as_of_default_and_next_review_due():
    result = review(RULES, steady())
    assert result.as_of == d("2013-03-01")
    assert result.next_review_due == d("2014-03-01")
    assert result.review_overdue is False


def test_as_of_between_assessments_uses_the_history_then():
    rec = steady(s6=3, s1=2)
    result = review(RULES, rec, as_of="2012-12-31")
    # the crisis rating is later: on 2012-12-31 the calm history decides, and discharge holds
    assert result.decision == "discharge"
    assert values(result, "step_up") == [False] and values(result, "discharge") == [True] * 4
    assert result.next_review_due == d("2013-07-01")       # from the 2012-07-01 assessment
    late = review(RULES, rec, as_of=dt.date(2014, 6, 1))
    assert late.review_overdue is True


def test_as_of_before_first_assessment_is_a_record_error():
    with pytest.raises(RecordError) as info:
        review(RULES, steady(), as_of="2011-12-31")
    assert info.value.field == "as_of" and "before the first assessment" in info.value.message
    with pytest.raises(RecordError) as info:
        review(RULES, steady(), as_of="31/12/2013")
    assert info.value.field == "as_of"


@pytest.mark.parametrize("cluster, words", [
    (None, "required"), (42, "not in the rule set"), (14, "no care transition protocol")])
def test_current_cluster_must_be_reviewable(cluster, words):
    with pytest.raises(RecordError) as info:
        review(RULES, attrs.evolve(steady(), current_cluster=cluster))
    assert info.value.field == "current_cluster" and words in info.value.message


def test_review_accepts_a_record_dict():
    data = record_json(("2013-03-01", ratings(0, s6=4, s1=2, s3=3)), current_cluster=10)
    assert review(RULES, data).decision == "step_up"
    data["facts"] = {"nonsense": True}
    with pytest.raises(RecordError) as info:
        review(RULES, data)
    assert info.value.field == "facts.nonsense"


# ---- output ----------------------------------------------------------------------------------------


def test_json_shape_and_criterion_trace():
    out = review(RULES, steady()).to_json()
    assert list(out)[:9] == ["id", "ruleset", "trace_schema", "current_cluster", "decision",
                             "criteria", "suggested_clusters", "blocking_unknowns",
                             "next_review_due"]
    assert out["as_of"] == "2013-03-01" and out["trace_schema"] == "1"
    crit = out["criteria"][1]
    assert list(crit) == ["column", "quantifier", "index", "wording", "condition", "value",
                          "evidence", "explanation", "unknowns", "source", "decisive", "parts"]
    assert crit["column"] == "discharge" and crit["quantifier"] == "all" and crit["index"] == 1
    assert crit["condition"] == "not fact detained_mha"
    assert crit["value"] is True
    assert crit["source"]["kind"] == "booklet"
    assert crit["evidence"][0]["note"] == "detained_mha asserted false"


def test_unknown_is_the_string_unknown_in_json():
    out = review(RULES, steady(s6=9)).to_json()
    assert out["criteria"][0]["value"] == "unknown"
    assert out["blocking_unknowns"][0]["unknowns"][0] == {
        "kind": "scale", "name": "6", "reason": "rated 9 (not known) on 2013-03-01"}


def test_explain_table():
    text = review(RULES, attrs.evolve(steady(), facts={"detained_mha": False})).explain()
    assert "decision: needs_assessment" in text
    assert "found; what would meet it" in text
    assert "medication_stable_past_year" in text
    assert "needs assessment: discharge 4" in text


# ---- through the real parser and checker ------------------------------------------------------------


def test_local_amendment_is_reviewed_with_local_provenance(tmp_path):
    from evalkit import LOCAL_DISCHARGE, load_text_ruleset

    rules = load_text_ruleset(tmp_path, LOCAL_DISCHARGE)
    rec = record(assessment("2012-09-01", s6=1), assessment("2013-03-01", s6=1),
                 facts={"detained_mha": False}, events=[])
    result = review(rules, rec)
    discharge = [c for c in result.criteria if c.column == "discharge"]
    assert [c.value for c in discharge] == [True, True]
    assert [c.to_json()["condition"] for c in discharge] == [
        "not fact detained_mha", "scale 6 remained <= 1 for 6 months"]
    source = discharge[1].to_json()["source"]
    assert (source["kind"], source["note"]) == ("local", "discharge ref 7")
    assert source["file"].endswith("local.mhr") and source["line"] == 9
    assert result.to_json()["ruleset"]["name"] == "Test Trust local booklet"
    # 6=1 and every other scale 0 fits no step-up target of cluster 10 (14, 15: item 6 at 3-4)
    assert [c.value for c in result.criteria if c.column == "step_up"] == [False]
    assert result.decision == "discharge"


def test_national_rules_smoke():
    import sys
    from pathlib import Path

    from evalkit import national_ruleset
    from mhct_dsl.allocation import allocate
    from mhct_dsl.results import DECISIONS

    rules = national_ruleset()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from evaluate import synthetic_records

    seen = set()
    for rec in synthetic_records(rules, 300, seed=7):
        result = review(rules, rec)
        assert result.decision in DECISIONS
        assert result.to_json()["current_cluster"] == rec.current_cluster
        seen.add(result.decision)
        assert allocate(rules, rec).to_json()["id"] == rec.id
    assert len(seen) >= 3           # the synthetic records reach several different decisions


# ---- column quantifiers, direct (issue 18) ---------------------------------------------------------


def _cluster_11_with_step_up(quantifier, *criteria):
    from evalkit import clusters_mini, column

    clusters = clusters_mini()
    clusters[11] = attrs.evolve(clusters[11], columns={
        "step_up": column("step_up", quantifier, *criteria),
        "discharge": column("discharge", "n/a"),
        "step_down": column("step_down", "n/a"),
    })
    return mini_ruleset(clusters)


TWO_SCALES = (("Scores above 2 on item 2.", n.ScaleIs("2", cmp(">", 2))),
              ("Scores above 2 on item 3.", n.ScaleIs("3", cmp(">", 2))))


def test_an_any_column_with_exactly_one_true_criterion_is_met():
    rules = _cluster_11_with_step_up("any", *TWO_SCALES)
    rec = record(assessment("2013-03-01", s6=1, s2=0, s3=3), current_cluster=11)
    result = review(rules, rec)
    assert values(result, "step_up") == [False, True]
    assert result.decision == "step_up"


def test_an_undecided_column_is_blocked_only_by_its_unknown_criterion():
    rules = _cluster_11_with_step_up("any", *TWO_SCALES)
    rec = record(assessment("2013-03-01", s6=1, s2=0, s3=9), current_cluster=11)
    result = review(rules, rec)
    assert values(result, "step_up") == [False, None]
    assert result.decision == "needs_assessment"
    assert [(b.column, b.index) for b in result.blocking_unknowns] == [("step_up", 2)]
    assert [u.name for b in result.blocking_unknowns for u in b.unknowns] == ["3"]
