"""Issue 11, allocation findings 1-5 and the 7|8 part of 14: each with its input from the issue,
on the national rules (ratings not listed are 0)."""

import pytest

from mhct_dsl import allocate, load_ruleset
from mhct_dsl.model import SCALE_IDS
from mhct_dsl.records import RecordError, parse_record

RULES = load_ruleset()


def profile(**by_scale):
    ratings = {s: 0 for s in SCALE_IDS}
    ratings.update({k.lstrip("s"): v for k, v in by_scale.items()})
    return ratings


# ---- 1. sound under unknown ratings ---------------------------------------------------------------


def test_1_an_unknown_red_rating_blocks_instead_of_choosing_a_weaker_cluster():
    unknown = allocate(RULES, profile(s7=3, s8=3, s10=2, s6=9), "non_psychotic")
    known = allocate(RULES, profile(s7=3, s8=3, s10=2, s6=0), "non_psychotic")
    assert (known.suggested, known.outcome) == (3, "fits")
    assert (unknown.suggested, unknown.outcome) == (None, "further_assessment_required")
    assert {u.name for b in unknown.blocking_unknowns for u in b.unknowns} == {"6"}
    assert 3 in {b.cluster for b in unknown.blocking_unknowns}


def test_1_an_unknown_orange_rating_leaves_the_label_open():
    unknown = allocate(RULES, profile(s7=1, s8=1, s9=9), "non_psychotic").candidate(1)
    assert (unknown.fit, unknown.possible) == ("unknown", ("fits", "weaker"))
    assert allocate(RULES, profile(s7=1, s8=1, s9=1), "non_psychotic").candidate(1).fit == "weaker"
    assert allocate(RULES, profile(s7=1, s8=1, s9=0), "non_psychotic").candidate(1).fit == "fits"


# ---- 2. the decision tree is a step -------------------------------------------------------------


@pytest.mark.parametrize("ratings, outcome", [
    (profile(), "no_rated_needs"),
    (profile(s4=1), "group_needed"),
    (profile(s2=4, sB=2), "group_needed"),
])
def test_2_without_a_group_nobody_drifts_to_cluster_11(ratings, outcome):
    result = allocate(RULES, ratings)
    assert (result.suggested, result.outcome, result.group) == (None, outcome, None)


def test_2_the_best_candidate_of_each_group_is_shown():
    result = allocate(RULES, profile(s4=1))
    assert result.by_group["psychotic"].cluster == 11
    assert result.by_group["organic"].cluster == 18
    assert result.by_group["non_psychotic"] is None        # 7 and 8 at 0 miss every red row


def test_2_a_recorded_cluster_settles_the_group():
    result = allocate(RULES, profile(s4=1), recorded_cluster=18)
    assert (result.group, result.group_source, result.suggested) == ("organic", "recorded_cluster", 18)


# ---- 3. variance against all clusters; no rated needs ---------------------------------------------


def test_3_no_fit_in_the_group_is_not_variance_when_another_group_fits():
    result = allocate(RULES, profile(s7=2, s8=2), "organic")
    assert (result.suggested, result.outcome) == (None, "no_fit_in_group")
    assert result.by_group["organic"] is None
    assert result.by_group["non_psychotic"].fit == "fits"


@pytest.mark.parametrize("group", ["non_psychotic", "psychotic", "organic"])
def test_3_an_all_zero_profile_in_a_group_is_no_rated_needs(group):
    result = allocate(RULES, profile(), group)
    assert (result.suggested, result.outcome) == (None, "no_rated_needs")


# ---- 4. the 7|8 row: a more severe rating never selects a milder cluster -------------------------


@pytest.mark.parametrize("s8", [0, 1])
def test_4_severe_depression_is_not_a_low_severity_cluster(s8):
    result = allocate(RULES, profile(s7=4, s8=s8), "non_psychotic")
    assert result.candidate(1).fit == result.candidate(2).fit == "no"
    assert result.suggested == 4


def test_14_the_national_pair_rows_use_the_max_reading_marked_reconstructed():
    pair_rows = [(c.number, row) for c in RULES.clusters.values() if c.grid is not None
                 for row in c.grid.rows if len(row.scales) > 1]
    assert [number for number, _ in pair_rows] == list(range(1, 9))
    for number, row in pair_rows:
        assert row.reading == "max" and row.label == "max(7,8)"
        assert row.source.kind == "reconstructed"
        assert "note on scales 7 & 8 survives in the text copy only as its caption" in \
            " ".join(row.source.note.split()), number


# ---- 5. --group and a record's group: one precedence ---------------------------------------------


def _record(group=None):
    data = {"id": "R1", "assessments": [{"date": "2014-01-01", "ratings": profile(s6=3, s1=2)}]}
    if group is not None:
        data["group"] = group
    return parse_record(data, RULES)


def test_5_the_record_group_is_used_and_the_argument_is_its_default():
    assert allocate(RULES, _record("psychotic")).group_source == "record"
    assert allocate(RULES, _record(), "psychotic").group_source == "argument"
    assert allocate(RULES, _record("psychotic"), "psychotic").group_source == "record"


def test_5_a_contradiction_is_an_error_for_that_record():
    with pytest.raises(RecordError) as info:
        allocate(RULES, _record("organic"), "psychotic")
    assert (info.value.record_id, info.value.field) == ("R1", "group")


def test_allocate_keeps_its_public_signature():
    by_keyword = allocate(RULES, ratings_or_assessment=profile(s6=3, s1=2), group="psychotic",
                          record_id="x", recorded_cluster=14)
    by_position = allocate(RULES, profile(s6=3, s1=2), "psychotic", record_id="x",
                           recorded_cluster=14)
    assert by_keyword.to_json() == by_position.to_json()
