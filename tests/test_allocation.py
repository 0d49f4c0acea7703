"""Allocation (booklet Step 3): row classes, pair rows, fit, ranking, suggestion, hints, audit."""

import random

import attrs
import pytest

from evalkit import assessment, mini_ruleset, ratings, record
from mhct_dsl.allocation import allocate, check_row, fit_cluster, group_clusters, rank_key
from mhct_dsl.records import Assessment, RecordError
from mhct_dsl.results import Candidate, ColourSummary

RULES = mini_ruleset()


def fits_of(result):
    return {c.cluster: c.fit for c in result.candidates}


def test_candidates_are_clusters_with_grids_only():
    result = allocate(RULES, ratings(0))
    assert sorted(fits_of(result)) == [1, 2, 10, 11, 14, 15]      # not 0 (variance) nor 9 (blank)


def test_fits_and_tie_break_by_orange_rows_met():
    result = allocate(RULES, ratings(0, s7=2))
    assert fits_of(result)[1] == "fits" and fits_of(result)[2] == "fits"
    assert result.candidates[0].cluster == 1        # 3 orange rows met against 2
    assert result.suggested == 1 and result.outcome == "fits"
    assert fits_of(result)[10] == "no"


def test_equal_candidates_fall_back_to_cluster_number():
    result = allocate(RULES, ratings(0, s6=2))
    assert [c.cluster for c in result.candidates[:2]] == [10, 11]
    assert result.suggested == 10


@pytest.mark.parametrize("s7, s8, expected", [
    (9, 1, True),      # either scale in band is enough
    (1, 9, True),
    (9, 0, None),      # the known one is out, the other unknown: Kleene OR is unknown
    (None, 0, None),   # not rated behaves like 9
    (0, 0, False),
    (3, 0, False),     # 3 is yellow on cluster 1: informational only
    (3, 2, True),
])
def test_pair_row_is_kleene_or(s7, s8, expected):
    rows = RULES.clusters[1].grid.rows
    a = Assessment(assessment("2013-01-01").date, ratings(0, s7=s7, s8=s8))
    check = check_row(rows[0], a)
    assert check.label == "7|8" and check.colour == "red"
    assert check.value is expected


def test_row_class_is_the_strongest_colour_and_weaker_bands_are_informational():
    row = RULES.clusters[10].grid.rows[2]            # 3 orange 0..2 yellow 3..4
    check = check_row(row, assessment("2013-01-01", s3=3))
    assert check.colour == "orange" and check.expected == ((0, 2),) and check.value is False


def test_none_rows_are_not_checked():
    candidate = fit_cluster(RULES.clusters[10], assessment("2013-01-01", s6=2, s5=4))
    labels = {r.label for r in candidate.rows}
    assert "5" not in labels
    assert candidate.fit == "fits"


def test_orange_mismatch_is_weaker_and_ranks_below_fits():
    result = allocate(RULES, ratings(0, s6=2, s3=3))
    assert fits_of(result)[10] == "weaker"
    assert fits_of(result)[11] == "fits"
    assert result.suggested == 11
    c10 = result.candidate(10)
    assert c10.orange.missed == ("3",) and c10.orange_mismatches == 1


def test_weaker_is_suggested_when_nothing_fits():
    result = allocate(RULES, ratings(0, s6=2, s3=3, s12=3))
    assert fits_of(result)[10] == "weaker" and fits_of(result)[11] == "weaker"
    assert result.suggested == 10 and result.outcome == "weaker"


def test_orange_unknown_does_not_weaken_but_is_listed_and_ranks_lower():
    result = allocate(RULES, ratings(0, s6=2, s3=9))
    c10 = result.candidate(10)
    assert c10.fit == "fits" and c10.orange.unknown == ("3",)
    assert [c.cluster for c in result.candidates[:2]] == [11, 10]


def test_yellow_never_changes_fit():
    result = allocate(RULES, ratings(0, s7=1, s3=4))
    c1 = result.candidate(1)
    assert c1.fit == "fits" and c1.yellow.missed == ("3",)


def test_unknown_red_blocks_suggestion_and_says_why():
    result = allocate(RULES, ratings(0, s6=9))
    assert result.suggested is None
    assert result.outcome == "further_assessment_required"
    blocked = {b.cluster: b for b in result.blocking_unknowns}
    assert sorted(blocked) == [10, 11, 14]     # 15 is "no": its red scale 2 is known and 0
    assert fits_of(result)[15] == "no"
    assert blocked[10].rows == ("6",)
    assert blocked[10].unknowns[0].name == "6"
    assert "rated 9 (not known)" in blocked[10].unknowns[0].reason


def test_missing_red_rating_is_not_rated():
    result = allocate(RULES, ratings(0, s6=None))
    reason = result.blocking_unknowns[0].unknowns[0].reason
    assert reason.startswith("not rated")


def test_all_no_suggests_variance():
    result = allocate(RULES, ratings(0))
    assert set(fits_of(result).values()) == {"no"}
    assert result.suggested == 0 and result.outcome == "variance"
    assert result.blocking_unknowns == ()


def test_group_hint_restricts_candidates():
    result = allocate(RULES, ratings(0, s7=2, s6=2), group="psychotic")
    assert sorted(fits_of(result)) == [10, 11, 14, 15]
    assert result.group == "psychotic" and result.suggested == 10
    crisis = allocate(RULES, ratings(0, s6=3, s1=2), group="crisis")      # a branch name
    assert sorted(fits_of(crisis)) == [14, 15] and crisis.suggested == 14


def test_unknown_group_is_a_record_error():
    with pytest.raises(RecordError) as info:
        allocate(RULES, ratings(0), group="neurotic")
    assert info.value.field == "group" and "psychotic" in info.value.message
    assert group_clusters(RULES, "non_psychotic") == frozenset({1, 2})


def test_record_group_and_recorded_cluster_are_used():
    r = attrs.evolve(record(assessment("2013-01-01", s6=2)), group="non_psychotic",
                     recorded_cluster=10)
    result = allocate(RULES, r)
    assert sorted(fits_of(result)) == [1, 2]
    assert result.id == "SU-T"
    assert result.recorded_cluster == 10 and result.recorded_fit == "fits"
    assert result.recorded_adheres is True       # fitted even though outside the hint


def test_recorded_cluster_adherence():
    no = allocate(RULES, ratings(0), recorded_cluster=10)
    assert (no.recorded_fit, no.recorded_adheres) == ("no", False)
    variance_ok = allocate(RULES, ratings(0), recorded_cluster=0)
    assert (variance_ok.recorded_fit, variance_ok.recorded_adheres) == ("variance", True)
    variance_wrong = allocate(RULES, ratings(0, s7=1), recorded_cluster=0)
    assert variance_wrong.recorded_adheres is False
    unsure = allocate(RULES, ratings(0, s6=9), recorded_cluster=10)
    assert (unsure.recorded_fit, unsure.recorded_adheres) == ("unknown", None)
    blank = allocate(RULES, ratings(0), recorded_cluster=9)
    assert (blank.recorded_fit, blank.recorded_adheres) == ("not_allocatable", False)
    with pytest.raises(RecordError) as info:
        allocate(RULES, ratings(0), recorded_cluster=42, record_id="r1")
    assert info.value.field == "recorded_cluster" and info.value.record_id == "r1"


def test_accepts_ratings_assessment_or_record_alike():
    a = assessment("2013-01-01", s6=2, s3=3)
    by_ratings = allocate(RULES, dict(a.ratings))
    by_assessment = allocate(RULES, a)
    by_record = allocate(RULES, record(a))
    assert by_ratings.candidates == by_assessment.candidates == by_record.candidates
    with pytest.raises(RecordError):
        allocate(RULES, {"7": 12})
    with pytest.raises(RecordError) as info:
        allocate(RULES, None, record_id="r9")
    assert info.value.field == "ratings" and info.value.record_id == "r9"


def test_json_shape():
    out = allocate(RULES, ratings(0, s6=2, s3=3), record_id="x").to_json()
    assert list(out)[:7] == ["id", "ruleset", "trace_schema", "candidates", "suggested",
                             "blocking_unknowns", "group"]
    assert out["ruleset"] == {"name": "Test booklet", "version": "T1", "fingerprint": "sha256:test"}
    assert out["trace_schema"] == "1"
    first = out["candidates"][0]
    assert list(first) == ["cluster", "name", "group", "branch", "fit", "red", "orange", "yellow",
                           "orange_mismatches"]
    assert first["red"] == {"met": ["6"], "missed": [], "unknown": []}
    c10 = next(c for c in out["candidates"] if c["cluster"] == 10)
    assert c10["orange"]["missed"] == ["3"] and c10["orange_mismatches"] == 1
    assert out["recorded_cluster"] is None and out["recorded_adheres"] is None
    assert out["date"] is None       # bare ratings carry no date


def _cand(cluster, fit, orange_missed=0, red_unknown=0, orange_unknown=0, red_met=1, orange_met=0):
    return Candidate(cluster, "", None, None, fit,
                     ColourSummary(("r",) * red_met, (), ("u",) * red_unknown),
                     ColourSummary(("o",) * orange_met, ("m",) * orange_missed, ("u",) * orange_unknown),
                     ColourSummary())


def test_rank_key_order_is_the_documented_one():
    expected = [
        _cand(20, "fits", orange_met=2),
        _cand(3, "fits", orange_unknown=1),          # unknown orange rows rank lower
        _cand(4, "weaker", orange_missed=1, red_met=3),
        _cand(5, "weaker", orange_missed=1, red_met=2),   # fewer red rows met
        _cand(6, "weaker", orange_missed=2),        # more orange mismatches
        _cand(7, "unknown", red_unknown=1),
        _cand(8, "unknown", red_unknown=2),          # more unknown red rows
        _cand(1, "no"),
        _cand(2, "no"),                              # cluster number last
    ]
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert [c.cluster for c in sorted(shuffled, key=rank_key)] == [c.cluster for c in expected]


def test_explain_mentions_suggestion_and_candidates():
    text = allocate(RULES, ratings(0, s6=9), record_id="x").explain()
    assert "further assessment" in text and "cluster 10 needs: scale 6" in text
