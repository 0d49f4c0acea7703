"""Every condition form, with the temporal operators at their edges."""

import pytest

from evalkit import assessment, cmp, d, dur, mini_ruleset, record
from mhct_dsl import nodes as n
from mhct_dsl.conditions import evaluate, window

RULES = mini_ruleset()
C10 = RULES.clusters[10]


def ev(cond, rec, as_of=None, cluster=C10):
    return evaluate(cond, rec, RULES, cluster, None if as_of is None else d(as_of))


# ---- scale S <cmp> -------------------------------------------------------------------------------


def test_scale_is_met_and_not_met_with_explanation():
    rec = record(assessment("2013-03-01", s7=2))
    met = ev(n.ScaleIs("7", cmp(">=", 2)), rec)
    assert met.value is True
    not_met = ev(n.ScaleIs("7", cmp("<=", 1)), rec)
    assert not_met.value is False
    assert not_met.explanation == "scale 7 is 2 on 2013-03-01; needs 1 or less"
    assert not_met.evidence[0].value == 2 and not_met.unknowns == ()


@pytest.mark.parametrize("value, words", [(9, "rated 9 (not known)"), (None, "not rated")])
def test_scale_is_unknown(value, words):
    rec = record(assessment("2013-03-01", s7=value))
    out = ev(n.ScaleIs("7", cmp("<=", 1)), rec)
    assert out.value is None
    assert out.unknowns[0].kind == "scale" and out.unknowns[0].name == "7"
    assert words in out.unknowns[0].reason and words in out.finding


def test_scale_is_uses_latest_assessment_as_of():
    rec = record(assessment("2012-03-01", s7=1), assessment("2013-03-01", s7=3))
    assert ev(n.ScaleIs("7", cmp("<=", 1)), rec).value is False
    assert ev(n.ScaleIs("7", cmp("<=", 1)), rec, as_of="2013-02-28").value is True
    assert ev(n.ScaleIs("7", cmp("in", 0, 1)), rec, as_of="2012-01-01").value is None


# ---- windows -------------------------------------------------------------------------------------


def test_window_considers_the_rating_in_force_at_the_start():
    rec = record(assessment("2011-12-01"), assessment("2012-06-01"), assessment("2013-03-01"),
                 assessment("2013-05-01"))
    win = window(rec, d("2013-03-01"), dur(12))
    assert win.start == d("2012-03-01")
    assert [a.date for a in win.considered] == [d("2011-12-01"), d("2012-06-01"), d("2013-03-01")]
    assert win.covered


def test_window_edge_assessment_exactly_at_start_is_the_one_in_force():
    rec = record(assessment("2011-01-01"), assessment("2012-03-01"), assessment("2013-03-01"))
    win = window(rec, d("2013-03-01"), dur(12))
    assert [a.date for a in win.considered] == [d("2012-03-01"), d("2013-03-01")]


REMAINED = n.ScaleRemained("3", cmp("<=", 2), dur(12))


def test_remained_true_over_a_covered_window():
    rec = record(assessment("2012-03-01", s3=2), assessment("2012-09-01", s3=1),
                 assessment("2013-03-01", s3=0))
    out = ev(REMAINED, rec)
    assert out.value is True
    assert len(out.evidence) == 3 and "in force at the window start" in out.evidence[0].note


def test_remained_exactly_twelve_months_edge():
    # window start is 2012-03-01: an assessment that day covers it, one a day later does not
    covered = record(assessment("2012-03-01", s3=1), assessment("2013-03-01", s3=1))
    assert ev(REMAINED, covered).value is True
    short = record(assessment("2012-03-02", s3=1), assessment("2013-03-01", s3=1))
    out = ev(REMAINED, short)
    assert out.value is None
    assert out.unknowns[-1].kind == "history"
    assert out.unknowns[-1].reason == ("history starts 2012-03-02, after the window start "
                                       "2012-03-01")


def test_remained_one_rating_in_the_window_is_unknown():
    out = ev(REMAINED, record(assessment("2013-03-01", s3=0)))
    assert out.value is None
    assert "history starts 2013-03-01" in out.unknowns[0].reason


def test_remained_false_dominates_missing_history():
    rec = record(assessment("2012-09-01", s3=3), assessment("2013-03-01", s3=0))
    out = ev(REMAINED, rec)
    assert out.value is False
    assert out.unknowns == ()
    assert "scale 3 was 3 on 2012-09-01" in out.explanation


def test_remained_rating_in_force_before_the_window_counts():
    rec = record(assessment("2011-12-01", s3=3), assessment("2012-06-01", s3=1),
                 assessment("2013-03-01", s3=1))
    assert ev(REMAINED, rec).value is False


def test_remained_unknown_rating_in_window():
    rec = record(assessment("2012-03-01", s3=1), assessment("2012-09-01", s3=9),
                 assessment("2013-03-01", s3=1))
    out = ev(REMAINED, rec)
    assert out.value is None
    assert out.unknowns[0].name == "3" and "2012-09-01" in out.unknowns[0].reason


def test_remained_ignores_assessments_after_as_of():
    rec = record(assessment("2012-03-01", s3=1), assessment("2013-03-01", s3=1),
                 assessment("2013-06-01", s3=4))
    assert ev(REMAINED, rec, as_of="2013-03-01").value is True
    assert ev(REMAINED, rec).value is False


def test_leap_day_windows():
    one_year = n.ScaleRemained("3", cmp("<=", 2), dur(1, "year"))
    # as of 29 Feb 2012, one year back is 28 Feb 2011
    rec = record(assessment("2011-02-28", s3=1), assessment("2012-02-29", s3=1))
    assert ev(one_year, rec).value is True
    # as of 28 Feb 2013, one year back is 28 Feb 2012: an assessment on 29 Feb 2012 is inside
    rec = record(assessment("2012-02-29", s3=1), assessment("2013-02-28", s3=1))
    assert ev(one_year, rec).value is None
    rec = record(assessment("2012-02-28", s3=1), assessment("2013-02-28", s3=1))
    assert ev(one_year, rec).value is True


def test_month_end_windows():
    one_month = n.ScaleStable("4", dur(1))
    # as of 31 March 2013, one month back is 28 February 2013 (clamped)
    rec = record(assessment("2013-02-28", s4=2), assessment("2013-03-31", s4=2))
    assert ev(one_month, rec).value is True
    rec = record(assessment("2013-03-01", s4=2), assessment("2013-03-31", s4=2))
    assert ev(one_month, rec).value is None


# ---- stable --------------------------------------------------------------------------------------

STABLE = n.ScaleStable("4", dur(12))


def test_stable_true_and_false():
    same = record(assessment("2012-01-01", s4=2), assessment("2012-08-01", s4=2),
                  assessment("2013-03-01", s4=2))
    assert ev(STABLE, same).value is True
    changed = record(assessment("2012-01-01", s4=2), assessment("2012-08-01", s4=3),
                     assessment("2013-03-01", s4=3))
    out = ev(STABLE, changed)
    assert out.value is False
    assert "went from 2 (2012-01-01) to 3 (2012-08-01)" in out.finding


def test_stable_unknown_unless_already_false():
    unknown = record(assessment("2012-01-01", s4=2), assessment("2012-08-01", s4=9),
                     assessment("2013-03-01", s4=2))
    assert ev(STABLE, unknown).value is None
    false = record(assessment("2012-01-01", s4=2), assessment("2012-08-01", s4=9),
                   assessment("2013-03-01", s4=1))
    assert ev(STABLE, false).value is False
    uncovered_but_changed = record(assessment("2012-08-01", s4=1), assessment("2013-03-01", s4=2))
    assert ev(STABLE, uncovered_but_changed).value is False
    uncovered_same = record(assessment("2012-08-01", s4=2), assessment("2013-03-01", s4=2))
    out = ev(STABLE, uncovered_same)
    assert out.value is None and out.unknowns[0].kind == "history"


# ---- facts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("facts, expected", [
    ({"detained_mha": True}, True), ({"detained_mha": False}, False), ({}, None)])
def test_fact(facts, expected):
    rec = record(assessment("2013-03-01"), facts=facts)
    out = ev(n.FactIs("detained_mha"), rec)
    assert out.value is expected
    assert (out.unknowns[0].reason == "not asserted") if expected is None else out.unknowns == ()


def test_not_fact_requires_asserted_false():
    rec = record(assessment("2013-03-01"), facts={"detained_mha": True})
    out = ev(n.Not(n.FactIs("detained_mha")), rec)
    assert out.value is False
    assert "needs detained_mha asserted false" in out.explanation
    assert out.parts[0].value is True


# ---- events --------------------------------------------------------------------------------------

NO_ADMISSION = n.EventWithin("inpatient_or_iht", dur(12), absent=True)
ADMISSION = n.EventWithin("inpatient_or_iht", dur(12), absent=False)


@pytest.mark.parametrize("when, within", [
    ("2012-03-01", True),     # exactly at the window start: inclusive
    ("2012-02-29", False),    # the day before
    ("2013-03-01", True),     # on as_of
    ("2013-03-02", False),    # after as_of: ignored
])
def test_event_window_edges(when, within):
    rec = record(assessment("2013-03-01"), events=[("inpatient_or_iht", when)])
    assert ev(ADMISSION, rec).value is within
    assert ev(NO_ADMISSION, rec).value is (not within)


def test_no_event_history_is_unknown_and_empty_is_none():
    unknown = record(assessment("2013-03-01"), events=None)
    for cond in (ADMISSION, NO_ADMISSION):
        out = ev(cond, unknown)
        assert out.value is None and out.unknowns[0].kind == "events"
    empty = record(assessment("2013-03-01"), events=[])
    assert ev(NO_ADMISSION, empty).value is True
    assert ev(ADMISSION, empty).value is False


def test_other_event_kinds_do_not_count_and_met_from_is_given():
    rec = record(assessment("2013-03-01"),
                 events=[("other", "2013-01-01"), ("inpatient_or_iht", "2012-09-14")])
    out = ev(NO_ADMISSION, rec)
    assert out.value is False
    assert out.evidence[0].date == d("2012-09-14")
    assert "met from 2013-09-15" in out.requirement


# ---- tenure --------------------------------------------------------------------------------------

TWO_YEARS = n.Tenure("in_service", dur(2, "year"))


def test_tenure_edges():
    exact = record(assessment("2013-03-01"), in_service_since="2011-03-01")
    assert ev(TWO_YEARS, exact).value is True
    short = record(assessment("2013-03-01"), in_service_since="2011-03-02")
    out = ev(TWO_YEARS, short)
    assert out.value is False and "met from 2013-03-02" in out.requirement
    missing = record(assessment("2013-03-01"))
    out = ev(TWO_YEARS, missing)
    assert out.value is None and out.unknowns[0].name == "in_service_since"


def test_in_cluster_uses_cluster_since():
    rec = record(assessment("2013-03-01"), in_service_since="2000-01-01", cluster_since="2013-01-01")
    assert ev(n.Tenure("in_cluster", dur(6)), rec).value is False
    assert ev(n.Tenure("in_service", dur(6)), rec).value is True


# ---- fits ----------------------------------------------------------------------------------------


def test_fits_clusters():
    rec = record(assessment("2013-03-01", s6=2))
    assert ev(n.FitsClusters((10,)), rec).value is True
    assert ev(n.FitsClusters((14,)), rec).value is False
    both = ev(n.FitsClusters((14, 10)), rec)
    assert both.value is True
    assert [(e.name, e.value) for e in both.evidence] == [("14", "no"), ("10", "fits")]
    unknown = ev(n.FitsClusters((10, 14)), record(assessment("2013-03-01", s6=9)))
    assert unknown.value is None
    assert {u.name for u in unknown.unknowns} == {"6"}
    assert "cluster 10: unknown (red unknown 6)" in unknown.finding


def test_fits_weaker_counts_as_fitting():
    rec = record(assessment("2013-03-01", s6=2, s3=3))
    out = ev(n.FitsClusters((10,)), rec)
    assert out.value is True and "weaker" in out.finding


def test_fits_a_cluster_without_grid_is_unknown():
    out = ev(n.FitsClusters((0,)), record(assessment("2013-03-01")))
    assert out.value is None and out.unknowns[0].kind == "cluster"


def test_fits_consistently():
    cond = n.FitsClusters((11,), dur(12))
    good = record(assessment("2012-02-01", s6=1), assessment("2012-09-01", s6=2),
                  assessment("2013-03-01", s6=1))
    assert ev(cond, good).value is True
    lapse = record(assessment("2012-02-01", s6=1), assessment("2012-09-01", s6=4),
                   assessment("2013-03-01", s6=1))
    out = ev(cond, lapse)
    assert out.value is False and "2012-09-01" in out.finding
    short = record(assessment("2012-09-01", s6=1), assessment("2013-03-01", s6=1))
    assert ev(cond, short).value is None


def test_fits_transition_reads_the_best_fit_over_group_and_listed_transitions():
    # cluster 10's pool: 10 itself, its group (10, 11, 14, 15) and its targets (14, 15 up; 11 down)
    crisis = record(assessment("2013-03-01", s6=4, s1=2, s3=3))     # best 14 (likely up)
    out = ev(n.FitsTransition("step_up"), crisis)
    assert out.value is True
    assert "best fit cluster 14 (fits): a likely/possible step-up cluster (14, 15)" in out.finding
    depressed = record(assessment("2013-03-01", s6=4, s2=3, s3=3))  # best 15 (possible up)
    out = ev(n.FitsTransition("step_up"), depressed)
    assert out.value is True and "best fit cluster 15 (fits)" in out.finding
    calm = record(assessment("2013-03-01", s6=1, s3=3))             # best 11 (likely down)
    assert ev(n.FitsTransition("step_up"), calm).value is False
    assert ev(n.FitsTransition("step_down"), calm).value is True


def test_fits_transition_is_false_while_the_current_cluster_is_the_best_fit():
    # booklet "additional factors": meeting a neighbour's overlapping profile moves no one
    both = record(assessment("2013-03-01", s6=3, s1=2))              # 10, 11 and 14 all fit
    out = ev(n.FitsTransition("step_up"), both)
    assert out.value is False
    assert "best fit cluster 10 (fits): the current cluster" in out.finding
    assert ev(n.FitsClusters((14,)), both).value is True  # naming a cluster asks only if it fits


def test_fits_transition_unknown_best_fit_is_unknown_and_names_the_ratings():
    out = ev(n.FitsTransition("step_up"), record(assessment("2013-03-01", s6=9, s3=3)))
    assert out.value is None
    assert ("scale", "6") in {(u.kind, u.name) for u in out.unknowns}


def test_fits_transition_is_true_when_every_contender_for_best_is_a_target():
    # 15's red item 2 is unknown: 15 or 14 is the best fit, and both are step-up targets
    rec = record(assessment("2013-03-01", s6=4, s1=2, s2=9, s3=3))
    out = ev(n.FitsTransition("step_up"), rec)
    assert out.value is True
    assert "the best fit is one of 15, 14: each is a likely/possible step-up cluster" in out.finding


def test_fits_transition_without_current_cluster_is_unknown():
    out = ev(n.FitsTransition("step_up"), record(assessment("2013-03-01")), cluster=None)
    assert out.value is None and out.unknowns[0].name == "current"


def test_fits_transition_with_no_targets_is_false():
    c14 = RULES.clusters[14]
    assert ev(n.FitsTransition("step_up"), record(assessment("2013-03-01", s6=3)),
              cluster=c14).value is False


# ---- connectives ---------------------------------------------------------------------------------


def test_all_any_not_keep_nested_trace():
    rec = record(assessment("2013-03-01", s7=1), facts={"detained_mha": False})
    cond = n.AllOf([n.ScaleIs("7", cmp("<=", 1)), n.Not(n.FactIs("detained_mha")),
                    n.AnyOf([n.FactIs("medication_stable_past_year"), n.ScaleIs("6", cmp("=", 0))])])
    out = ev(cond, rec)
    assert out.value is True
    assert [p.value for p in out.parts] == [True, True, True]
    assert out.parts[2].parts[0].value is None and out.parts[2].parts[1].value is True
    kinds = [e.kind for e in out.evidence]
    assert kinds.count("rating") == 2 and kinds.count("fact") == 2
    assert out.unknowns == ()        # decided: nothing blocks it


def test_unknowns_kept_only_when_they_decide():
    rec = record(assessment("2013-03-01", s7=9))
    anyof = ev(n.AnyOf([n.ScaleIs("7", cmp("<=", 1)), n.FactIs("detained_mha")]), rec)
    assert anyof.value is None
    assert {u.kind for u in anyof.unknowns} == {"scale", "fact"}
    allof = ev(n.AllOf([n.ScaleIs("7", cmp("<=", 1)), n.ScaleIs("6", cmp(">", 3))]), rec)
    assert allof.value is False and allof.unknowns == ()
    assert "needs all of: scale 7 <= 1 and scale 6 > 3" in allof.requirement


def test_unknown_condition_type_raises():
    with pytest.raises(TypeError):
        ev("scale 7 <= 1", record(assessment("2013-03-01")))


def test_outcome_json_has_condition_text():
    out = ev(n.Not(n.FactIs("detained_mha")), record(assessment("2013-03-01")))
    data = out.to_json()
    assert data["condition"] == "not fact detained_mha"
    assert data["value"] == "unknown"
    assert data["parts"][0]["condition"] == "fact detained_mha"


def test_month_end_tenure_follows_the_window_rule():
    # as_of - D >= since: on 28 Feb, one month back is 28 Jan, before a 31 Jan start, so one
    # month in service is first met on 1 March (28 Feb - 1 month != 31 Jan; clamping is one-way)
    one_month = n.Tenure("in_service", dur(1))
    rec = record(assessment("2013-03-01"), in_service_since="2013-01-31")
    assert ev(one_month, rec, as_of="2013-02-28").value is False
    assert "met from 2013-03-01" in ev(one_month, rec, as_of="2013-02-28").requirement
    assert ev(one_month, rec, as_of="2013-03-01").value is True


def test_event_on_31_january_is_within_one_month_of_28_february():
    rec = record(assessment("2013-02-28"), events=[("inpatient_or_iht", "2013-01-31")])
    assert ev(n.EventWithin("inpatient_or_iht", dur(1), absent=True), rec).value is False


def test_an_unknown_rating_that_decides_between_current_and_target_is_unknown():
    # 14 fits; cluster 10's item-3 row is unknown: rated 0-2, 10 is the best fit (no move),
    # rated 3-4, 14 is (move) -- so the step-up is unknown, never a definite true
    unsure = record(assessment("2013-03-01", s6=4, s1=2, s3=9))
    out = ev(n.FitsTransition("step_up"), unsure)
    assert out.value is None and "the best fit is undecided among 10, 14" in out.finding
    assert any(u.name == "3" for u in out.unknowns)


# ---- second, direct tests for edges that one test alone guarded (issue 18) ------------------------


def test_remained_a_9_at_the_latest_assessment_is_unknown_and_a_breach_still_decides():
    nine_now = record(assessment("2012-03-01", s3=1), assessment("2013-03-01", s3=9))
    out = ev(REMAINED, nine_now)
    assert out.value is None
    assert [(u.kind, u.name) for u in out.unknowns] == [("scale", "3")]
    breach = record(assessment("2012-03-01", s3=9), assessment("2012-09-01", s3=3),
                    assessment("2013-03-01", s3=1))
    assert ev(REMAINED, breach).value is False


def test_stable_a_rating_that_returns_to_where_it_was_is_not_stable():
    back = record(assessment("2012-03-01", s4=2), assessment("2012-09-01", s4=3),
                  assessment("2013-03-01", s4=2))
    out = ev(STABLE, back)
    assert out.value is False
    assert out.unknowns == ()


def test_fits_consistently_is_broken_by_the_rating_in_force_at_the_window_start():
    cond = n.FitsClusters((11,), dur(12))
    # 2012-01-01 is before the window (from 2012-03-01) but in force at its start: 6=4 misses
    # cluster 11's red row (1-3), so the profile did not fit all through the window
    rec = record(assessment("2012-01-01", s6=4), assessment("2012-06-01", s6=1),
                 assessment("2013-03-01", s6=1))
    assert ev(cond, rec).value is False
    later = record(assessment("2012-01-01", s6=4), assessment("2012-03-01", s6=1),
                   assessment("2013-03-01", s6=1))
    assert ev(cond, later).value is True
