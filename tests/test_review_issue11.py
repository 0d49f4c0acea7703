"""Issue 11, review findings 7-9, with the issue's inputs on the national rules (ratings not
listed are 0) and the language form behind them on fixtures."""

import pathlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit import load_text_ruleset, mini_ruleset
from mhct_dsl.loader import load_ruleset
from mhct_dsl.records import RecordError
from mhct_dsl.review import review

NATIONAL = load_ruleset()
SCALES = "1 2 3 4 5 6 7 8 9 10 11 12 13 A B C D E".split()


def profile(**by_scale):
    """All 18 ratings, 0 unless given as ``s7=2``."""
    return {s: by_scale.get(f"s{s}", 0) for s in SCALES}


def one(cluster, date, ratings, **extra):
    return {"id": "I11", "current_cluster": cluster,
            "assessments": [{"date": date, "ratings": ratings}], "events": [], **extra}


CRISIS_RESOLVED = profile(s6=1, s7=1, s8=1, s9=1, s10=1, s12=2, sD=1)
C14_DISCHARGE_FACTS = {"medication_stable_adherent": True,
                       "residual_risks_manageable_in_primary_care": True,
                       "social_inclusion_meets_expectations": True}


# ---- finding 7: a review decides on a fresh MHCT ---------------------------------------------------


def test_finding_7_a_year_old_mhct_needs_a_new_one_not_discharge():
    rec = one(14, "2013-01-31", CRISIS_RESOLVED, facts=C14_DISCHARGE_FACTS)
    assert review(NATIONAL, rec).decision == "discharge"  # reviewed the day it was rated
    result = review(NATIONAL, rec, as_of="2014-01-31")
    assert result.decision == "needs_assessment"
    assert result.note.startswith("complete a new MHCT (step 2)")
    [block] = result.blocking_unknowns
    assert (block.column, block.index, block.unknowns[0].kind) == ("assessment", 2, "assessment")
    assert "more than 4 weeks before the review on 2014-01-31" in block.unknowns[0].reason
    assert all(c.decisive is False for c in result.criteria)


def test_finding_7_the_limit_is_inclusive_and_defaults_to_the_review_interval():
    rec = one(14, "2014-01-03", CRISIS_RESOLVED, facts=C14_DISCHARGE_FACTS)
    assert review(NATIONAL, rec, as_of="2014-01-31").decision == "discharge"  # exactly 4 weeks
    assert review(NATIONAL, rec, as_of="2014-02-01").decision == "needs_assessment"


LOCAL_FRESH = '''\
ruleset "Fresh MHCT" extends national source local "test" {
    version "L1"
}

amend cluster 14 source local "MHCT at most 2 weeks old at a review" {
    review every 4 weeks mhct within 2 weeks
}
'''


def test_finding_7_a_rule_file_can_demand_a_fresher_mhct(tmp_path):
    rules = load_text_ruleset(tmp_path, LOCAL_FRESH)
    rec = one(14, "2014-01-10", CRISIS_RESOLVED, facts=C14_DISCHARGE_FACTS)
    assert review(rules, rec, as_of="2014-01-24").decision == "discharge"
    assert review(rules, rec, as_of="2014-01-25").decision == "needs_assessment"
    assert review(NATIONAL, rec, as_of="2014-01-25").decision == "discharge"


def test_finding_7_mhct_within_longer_than_the_interval_is_a_rule_error(tmp_path):
    from mhct_dsl.diagnostics import RuleError

    with pytest.raises(RuleError, match="longer than the review interval"):
        load_text_ruleset(tmp_path, LOCAL_FRESH.replace("within 2 weeks", "within 2 months"))


# ---- finding 8: a variance review re-runs allocation -----------------------------------------------


def test_finding_8_variance_review_says_what_fits_now():
    rec = one(0, "2014-03-03", profile(s6=3, s7=1, s8=1, s9=2, s10=1, s12=1), group="psychotic")
    result = review(NATIONAL, rec)
    assert result.decision == "recluster"
    assert result.suggested_clusters == (result.allocation.suggested,)
    assert result.allocation.suggested in (10, 11, 12, 13, 14, 15, 16, 17)
    assert result.next_review_due.isoformat() == "2014-09-03"  # cluster 0: every 6 months
    assert result.to_json()["allocation"]["suggested"] == result.allocation.suggested


def test_finding_8_variance_review_that_still_fits_nothing_remains():
    rules = mini_ruleset()
    rec = one(0, "2014-03-03", profile(s7=4, s8=4))  # clusters 1, 2 need 7|8 in 1..3; 10-15 item 6
    result = review(rules, rec)
    assert result.allocation.outcome == "variance"
    assert (result.decision, result.suggested_clusters) == ("remain", ())


def test_finding_8_variance_review_with_an_unknown_deciding_rating_needs_assessment():
    rules = mini_ruleset()
    rec = one(0, "2014-03-03", profile(s6=9, s7=4, s8=4), group="psychotic")
    result = review(rules, rec)
    assert result.decision == "needs_assessment"
    assert {u.name for b in result.blocking_unknowns for u in b.unknowns} == {"6"}


def test_finding_8_variance_review_without_a_group_asks_for_one():
    rules = mini_ruleset()
    result = review(rules, one(0, "2014-03-03", profile(s6=2, s7=1)))
    assert result.allocation.outcome == "group_needed"
    assert result.decision == "needs_assessment"
    assert [(b.column, b.wording) for b in result.blocking_unknowns] == [
        ("allocation", "decision-tree group")]


# ---- finding 9: as-of, next reviews, the current cluster's own fit ---------------------------------


def test_finding_9_as_of_before_cluster_since_is_a_record_error():
    rec = one(14, "2014-01-03", CRISIS_RESOLVED, cluster_since="2014-02-01")
    with pytest.raises(RecordError, match="before cluster_since") as error:
        review(NATIONAL, rec, as_of="2014-01-20")
    assert error.value.field == "as_of"


def test_finding_9_each_target_carries_its_own_review_interval():
    rules = mini_ruleset()
    rec = one(11, "2013-03-01", profile(s6=1, s3=3), in_service_since="2010-01-01")
    result = review(rules, rec)
    assert result.decision == "step_up"
    assert result.next_review_due.isoformat() == "2013-09-01"  # cluster 11: every 6 months
    # the fixture's cluster 14 states no interval of its own
    assert result.to_json()["targets"] == [
        {"cluster": 14, "likelihood": "likely", "fit": "no", "review_every": None,
         "next_review_due": None}]


def test_finding_9_national_step_down_targets_have_their_own_next_review():
    rec = {"id": "C14-down", "current_cluster": 14, "events": [],
           "assessments": [{"date": "2014-03-03", "ratings": profile(
               s1=1, s2=1, s6=3, s7=2, s8=1, s9=3, s10=3, s11=1, s12=3, sA=1, sC=1, sD=1, sE=2)}],
           "facts": {**C14_DISCHARGE_FACTS, "residual_risks_manageable_in_primary_care": False}}
    result = review(NATIONAL, rec)
    assert result.decision == "step_down"
    due = {t["cluster"]: (t["review_every"], t["next_review_due"])
           for t in result.to_json()["targets"]}
    assert due[13] == ("1 year", "2015-03-03")
    assert due[10] == ("1 year", "2015-03-03")


def test_finding_9_remain_while_the_current_red_rows_fail_is_flagged():
    rules = mini_ruleset()
    # cluster 11 needs item 6 in 1..3 (red); 6=0 misses it, nothing else is met: remain
    rec = one(11, "2013-03-01", profile(s6=0), in_service_since="2012-01-01")
    result = review(rules, rec)
    assert result.decision == "remain"
    assert result.flags == ("remain_while_red_rows_fail",)
    assert "miss cluster 11's red rows (6)" in result.note
    assert result.to_json()["current_fit"] == {
        "fit": "no", "red_rules_met": False, "red_missed": ["6"], "red_unknown": []}


def test_finding_9_remain_with_the_red_rows_met_has_no_flag():
    rules = mini_ruleset()
    rec = one(11, "2013-03-01", profile(s6=1), in_service_since="2012-01-01")
    result = review(rules, rec)
    assert (result.decision, result.flags, result.current_fit.fit) == ("remain", (), "fits")


# ---- finding 10: events have a span; "within D" means the span overlaps the window -----------------


def _c10_discharge(events):
    """Cluster 10, every discharge criterion met but the inpatient/IHT one, which ``events`` decide."""
    calm = profile(s6=1, s12=1, s7=1, s8=1)
    return {"id": "C10", "current_cluster": 10, "in_service_since": "2010-01-01",
            "assessments": [{"date": "2013-03-01", "ratings": calm},
                            {"date": "2014-03-01", "ratings": calm}],
            "facts": {"medication_stable_past_year": True, "detained_mha": False,
                      "residual_risks_manageable_in_primary_care": True,
                      "social_inclusion_meets_expectations": True,
                      "no_longer_requires_service": True},
            "events": events}


def _inpatient_criterion(result):
    return next(c for c in result.criteria if c.column == "discharge"
                and c.wording.startswith("Has required no inpatient"))


def test_finding_10_a_package_that_started_14_months_ago_and_ended_6_months_ago_counts():
    package = {"kind": "inpatient_or_iht", "date": "2013-01-01", "end": "2013-09-01"}
    criterion = _inpatient_criterion(review(NATIONAL, _c10_discharge([package])))
    assert criterion.value is False
    assert criterion.outcome.finding == "inpatient_or_iht from 2013-01-01 to 2013-09-01"
    assert "met from 2014-09-02" in criterion.outcome.requirement  # 2014-09-01 still overlaps
    one_day = {"kind": "inpatient_or_iht", "date": "2013-01-01"}  # the old reading: start only
    assert _inpatient_criterion(review(NATIONAL, _c10_discharge([one_day]))).value is True


def test_finding_10_window_ends_are_inclusive_and_ongoing_events_stay_open():
    ended_at_start = {"kind": "inpatient_or_iht", "date": "2012-12-01", "end": "2013-03-01"}
    assert _inpatient_criterion(review(NATIONAL, _c10_discharge([ended_at_start]))).value is False
    ended_before = {"kind": "inpatient_or_iht", "date": "2012-12-01", "end": "2013-02-28"}
    assert _inpatient_criterion(review(NATIONAL, _c10_discharge([ended_before]))).value is True
    ongoing = {"kind": "inpatient_or_iht", "date": "2012-01-01", "ongoing": True}
    criterion = _inpatient_criterion(review(NATIONAL, _c10_discharge([ongoing])))
    assert criterion.value is False
    assert "met from" not in criterion.outcome.requirement
    later = {"kind": "inpatient_or_iht", "date": "2014-03-02", "ongoing": True}
    assert _inpatient_criterion(review(NATIONAL, _c10_discharge([later]))).value is True


@pytest.mark.parametrize("event, field, words", [
    ({"date": "2013-01-02", "end": "2013-01-01"}, "events[0].end", "before the event's date"),
    ({"date": "2013-01-02", "end": "2013-02-01", "ongoing": True}, "events[0].end", "ongoing"),
    ({"date": "2013-01-02", "ongoing": "yes"}, "events[0].ongoing", "true or false"),
    ({"date": "2013-01-02", "end": "2013-02-30"}, "events[0].end", "not a calendar date"),
])
def test_finding_10_malformed_spans_are_record_errors(event, field, words):
    from mhct_dsl.records import parse_record

    rec = _c10_discharge([{"kind": "inpatient_or_iht", **event}])
    with pytest.raises(RecordError, match=words) as error:
        parse_record(rec, NATIONAL)
    assert error.value.field == field


# ---- finding 11: time with a team has its own dated start in the record ----------------------------


def _eip(**extra):
    rec = _c10_discharge([])
    rec["facts"] = {**rec["facts"], "no_longer_requires_service": False}
    return {**rec, **extra}


def _eip_criterion(result):
    return next(c for c in result.criteria if c.column == "discharge"
                and c.wording.startswith("Has received three years"))


def test_finding_11_re_clustering_does_not_reset_time_with_the_eip_team():
    rec = _eip(cluster_since="2013-11-04", team_since={"eip": "2011-03-01"})
    result = review(NATIONAL, rec)
    criterion = _eip_criterion(result)
    assert criterion.value is True
    assert criterion.outcome.parts[0].finding == "with team eip since 2011-03-01"
    assert result.decision == "discharge"


def test_finding_11_team_boundary_and_unknown_team_date():
    assert _eip_criterion(review(NATIONAL, _eip(team_since={"eip": "2011-03-02"}))).value is False
    criterion = _eip_criterion(review(NATIONAL, _eip(cluster_since="2010-01-01")))
    assert criterion.value is None  # cluster tenure is not team tenure
    assert [(u.kind, u.name) for u in criterion.outcome.unknowns] == [("date", "team_since.eip")]


def test_finding_11_team_names_are_declared_vocabulary():
    from mhct_dsl.records import parse_record

    with pytest.raises(RecordError, match="unknown team 'epi'") as error:
        parse_record(_eip(team_since={"epi": "2011-03-01"}), NATIONAL)
    assert error.value.field == "team_since.epi"
    assert "eip" in NATIONAL.teams


def test_finding_11_any_rule_file_can_use_a_team(tmp_path):
    from mhct_dsl.diagnostics import RuleError

    text = '''\
ruleset "Teams" extends national source local "test" {
    version "L1"
}

team aot "Assertive Outreach Team" source local "test"

amend cluster 16 source local "test" {
    step_down all {
        "Two years with the Assertive Outreach Team."
            with_team aot >= 2 years
    }
}
'''
    rules = load_text_ruleset(tmp_path, text)
    criteria = rules.clusters[16].columns["step_down"].criteria
    assert criteria[0].condition.team == "aot"
    with pytest.raises(RuleError, match="team `aott` is not declared"):
        load_text_ruleset(tmp_path, text.replace("with_team aot", "with_team aott"))


# ---- finding 6: one reading of "fits ... any likely/possible step-up (step-down) cluster" ----------


FACTS_11 = {"medication_stable_past_year": True, "detained_mha": False,
            "residual_risks_manageable_in_primary_care": True,
            "social_inclusion_meets_expectations": True}


def _step_criterion(result, column="step_up"):
    return next(c for c in result.criteria if c.column == column)


def test_finding_6_cluster_11_incapacity_is_a_step_up_not_a_discharge():
    # issue input: two assessments a year apart with 6=1, 9=2, 10=4 (incapacity in nearly all
    # areas), discharge facts asserted. Cluster 11 is 'full or near full functioning': its row 10
    # is red 0..2, so 10=4 misses it; the best fit among its targets is cluster 12 (High
    # Disability), a possible step-up: step up, and the discharge profile criterion fails.
    ratings = profile(s6=1, s9=2, s10=4)
    rec = {"id": "I6a", "current_cluster": 11, "in_service_since": "2010-01-01", "events": [],
           "assessments": [{"date": "2013-03-01", "ratings": ratings},
                           {"date": "2014-03-01", "ratings": ratings}], "facts": FACTS_11}
    result = review(NATIONAL, rec)
    criterion = _step_criterion(result)
    assert criterion.value is True
    assert criterion.outcome.finding.startswith("2014-03-01: best fit cluster 12 (weaker)")
    assert (result.decision, result.suggested_clusters) == ("step_up", (12,))
    assert _step_criterion(result, "discharge").value is False
    assert result.to_json()["current_fit"] == {"fit": "no", "red_rules_met": False,
                                               "red_missed": ["10"], "red_unknown": []}


def test_finding_6_cluster_1_step_up_and_its_suggestion_agree():
    # issue input: 7=1, 9=1. Cluster 2 fits fully, cluster 1 only weaker (9 outside its orange
    # band 0): cluster 2 is the best fit, so the step-up holds and suggests exactly cluster 2.
    result = review(NATIONAL, one(1, "2014-03-01", profile(s7=1, s9=1)))
    assert _step_criterion(result).value is True
    assert "best fit cluster 2 (fits)" in _step_criterion(result).outcome.finding
    assert (result.decision, result.suggested_clusters) == ("step_up", (2,))


def test_finding_6_cluster_1_unchanged_prototype_is_not_moved():
    rec = one(1, "2014-03-01", profile(s3=1, s7=2, s8=1, s11=1))  # the cluster 1 prototype
    result = review(NATIONAL, rec)
    assert _step_criterion(result).value is False
    # 7=2 misses discharge's "item 7 = 1 or less": nothing is met, the allocation stays valid
    assert [c.value for c in result.criteria if c.column == "discharge"] == [True, False, True]
    assert (result.decision, result.suggested_clusters) == ("remain", ())


def test_finding_6_cluster_17_step_up_always_names_a_cluster():
    rec = one(17, "2014-03-01", profile(s1=2, s6=3, s7=3, s9=3, s11=2, sA=2, sD=4, sE=2))
    result = review(NATIONAL, rec)
    assert [c.value for c in result.criteria if c.column == "step_up"] == [True, False]
    assert (result.decision, result.suggested_clusters) == ("step_up", (14, 15))


def test_finding_6_no_strictly_better_rule_is_left():
    import mhct_dsl.allocation as allocation

    assert not hasattr(allocation, "fits_better")
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text("utf-8")
    assert "strictly better" not in readme


STEP_ONLY = [n for n, c in NATIONAL.clusters.items()
             if [type(k.condition).__name__ for k in getattr(c.columns.get("step_up"), "criteria", ())]
             == ["FitsTransition"]]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(STEP_ONLY),
       st.lists(st.sampled_from((0, 0, 1, 2, 3, 4, 9)), min_size=18, max_size=18))
def test_finding_6_a_met_fits_step_up_always_suggests_targets_of_that_direction(number, values):
    rec = one(number, "2014-03-01", dict(zip(SCALES, values)))
    result = review(NATIONAL, rec)
    targets = NATIONAL.clusters[number].targets("up", ("likely", "possible"))
    if result.decision == "step_up":
        assert result.suggested_clusters and set(result.suggested_clusters) <= set(targets)
    assert (_step_criterion(result).value is True) == (result.decision == "step_up")


# ---- finding 12: merged facts split back, each with the booklet's wording --------------------------


def _condition_text(cluster, column, index):
    from mhct_dsl.formatter import format_condition

    return format_condition(NATIONAL.clusters[cluster].columns[column].criteria[index - 1].condition)


def test_finding_12_comorbid_residual_risks_and_sustained_improvement_are_their_own_facts():
    comorbid = "residual_risks_and_comorbidities_manageable_in_primary_care"
    assert NATIONAL.facts[comorbid].wording == (
        "Any residual risks (including any comorbidities) can be managed by primary care")
    assert NATIONAL.facts["improvement_sustained_until_next_review"].wording == (
        "Improvement is likely to be sustained until the next planned review")
    assert _condition_text(19, "discharge", 5) == f"fact {comorbid}"
    assert _condition_text(18, "discharge", 4) == "fact residual_risks_manageable_in_primary_care"
    for cluster in (20, 21):
        assert _condition_text(cluster, "step_down", 2) == (
            "fact improvement_sustained_until_next_review")
    assert _condition_text(10, "step_down", 2) == (
        "all { fits step_down  fact need_maintained_until_next_review }")


# ---- finding 13: a transition list printed as one group keeps one likelihood ------------------------

# The booklet's lists of more than one cluster (text copy, Appendix 3 transition diagrams), as
# printed; cluster 9 (blank) is never a target.
PRINTED_LISTS = {
    1: ["1, 7, 11-17 & 19-21", "2-6, 8, 10 & 18"],
    2: ["1, 7, 11-17, & 19-21", "3-6, 8, 10 & 18"],
    3: ["1, 7, 11-17 & 18-21", "4-6 & 8, 10"],
    4: ["5 - 6, 8 & 10", "3 & 7", "1-2, 11-17 & 18-21"],
    5: ["6, 8, 10 & 14-15", "1-4, 11-13, 16-17 & 18-21"],
    6: ["8, 10 & 14-15", "1-5, 11-13, 16-17 & 18-21"],
    7: ["8 & 10", "1-6 11-17 & 18-21"],
    8: ["10 & 16", "6, 7, 12-13 & 17", "1-5, 11 & 18 - 21", "14 & 15"],
    10: ["14 & 15", "1-7 & 19 - 21", "11–13, 16, 17 & 18"],
    11: ["12 - 17", "1-8, 10 & 19 - 21"],
    12: ["8, 13 - 17", "1-7, 10, 18, 20 & 21"],
    13: ["8, 14 - 17", "1-7, 10, 18, 20 & 21", "11, 12, 19"],
    14: ["3-6, 8, 10, 12–13 & 16-19", "1, 2, 7, 11, 20 & 21"],
    15: ["3 - 8, 10, 12–13 & 16-19", "1, 2, 11, 20 & 21"],
    16: ["14 & 15", "11 - 13, 17 & 19", "1-7, 10, 18, 20 & 21"],
    17: ["8, 14 - 16", "11 – 13 & 19", "1-7, 10, 18, 20 & 21"],
    18: ["1-17", "19-21"],
    19: ["1-18", "20 & 21"],
    20: ["1-18"],
    21: ["19, 20", "1-18"],
}


def _numbers(text, current):
    out = set()
    text = re.sub(r"\s*[-–]\s*", "-", text)
    for part in re.split(r"[,&\s]+", text):
        if not part:
            continue
        low, _, high = part.partition("-")
        out.update(range(int(low), int(high or low) + 1))
    return out - {9, current}


def _placement(cluster):
    found = {}
    for move in cluster.transitions.moves:
        for likelihood, numbers in getattr(move, "groups", ()):
            for number in numbers:
                found[number] = (move.direction, likelihood)
    return found


@pytest.mark.parametrize("number", sorted(PRINTED_LISTS))
def test_finding_13_each_printed_list_keeps_one_direction_and_likelihood(number):
    placement = _placement(NATIONAL.clusters[number])
    for text in PRINTED_LISTS[number]:
        kinds = {placement[n] for n in _numbers(text, number)}
        assert len(kinds) == 1, (text, kinds)


def test_finding_13_the_issues_two_lists():
    assert {_placement(NATIONAL.clusters[7])[n] for n in (1, 6, 11, 17, 18, 21)} == {
        ("down", "possible")}
    assert {_placement(NATIONAL.clusters[10])[n] for n in (11, 12, 13, 16, 17, 18)} == {
        ("down", "possible")}


# ---- finding 14: provenance ---------------------------------------------------------------------------


def test_finding_14_paraphrases_say_so_and_gov_uk_is_no_publisher():
    assert NATIONAL.facts["detained_mha"].source.kind == "reconstructed"
    assert NATIONAL.events["inpatient_or_iht"].source.kind == "reconstructed"
    assert "publisher" not in NATIONAL.header


@pytest.mark.parametrize("text", [
    "The HoNOS items are used here with the permission of the Royal College of Psychiatrists, "
    "who hold the copyright.",
    "Diagnoses most frequently encountered NB. Not an exhaustive/definitive list",
    "Outer limit for reviews",
    "NB Reviews will often occur more frequently",
    "either leads to the term ‘step-up’ or ‘step-down’ being used to describe movement between "
    "any given clusters.",
    "at clinical reviews additional factors must also be taken into account before an alternative "
    "cluster allocation is made and care is changed significantly.",
])
def test_finding_14_missing_booklet_text_is_in_the_rules(text):
    notes = [e for e in NATIONAL.header_entries if e.key == "note" and text in e.text]
    assert notes and all(e.source.kind == "booklet" for e in notes)


def test_finding_14_decision_tree_names_the_trust_leaflet():
    text = (pathlib.Path(__file__).parent.parent / "rules" / "decision-tree.mhr").read_text("utf-8")
    assert "Mental Health Care Clusters and\n# Care Packages" in text
    assert text.count("# Trust leaflet:") == 3
