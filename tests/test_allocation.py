"""Allocation (booklet Steps 2-3): row readings, sound fit labels, ranking, suggestion, groups,
variance, audit."""

import random

import attrs
import pytest

from evalkit import assessment, mini_ruleset, ratings, record
from mhct_dsl import nodes as n
from mhct_dsl.allocation import allocate, check_row, fit_cluster, group_clusters, rank_key
from mhct_dsl.records import Assessment, RecordError
from mhct_dsl.ranking import decide
from mhct_dsl.results import Candidate, ColourSummary

RULES = mini_ruleset()


def fits_of(result):
    return {c.cluster: c.fit for c in result.candidates}




def test_candidates_are_clusters_with_grids_only_from_every_group():
    result = allocate(RULES, ratings(0, s7=2), group="psychotic")
    assert sorted(fits_of(result)) == [1, 2, 10, 11, 14, 15]      # not 0 (variance) nor 9 (blank)


def test_fits_and_tie_break_by_orange_rows_met():
    result = allocate(RULES, ratings(0, s7=2), group="non_psychotic")
    assert fits_of(result)[1] == "fits" and fits_of(result)[2] == "fits"
    assert result.candidates[0].cluster == 1        # 3 orange rows met against 2
    assert result.suggested == 1 and result.outcome == "fits"
    assert fits_of(result)[10] == "no"


def test_equal_candidates_fall_back_to_cluster_number():
    result = allocate(RULES, ratings(0, s6=2), group="psychotic")
    assert [c.cluster for c in result.candidates[:2]] == [10, 11]
    assert result.suggested == 10


@pytest.mark.parametrize("s7, s8, expected", [
    (9, 1, True),      # either scale in band is enough
    (1, 9, True),
    (9, 0, None),      # the known one is out, the other unknown: Kleene OR is unknown
    (None, 0, None),   # not rated behaves like 9
    (0, 0, False),
    (3, 0, False),     # 3 is yellow on cluster 1: informational only
    (4, 1, True),      # the either reading lets the milder rating decide
    (3, 2, True),
])
def test_either_pair_row_is_kleene_or(s7, s8, expected):
    rows = RULES.clusters[1].grid.rows
    a = Assessment(assessment("2013-01-01").date, ratings(0, s7=s7, s8=s8))
    check = check_row(rows[0], a)
    assert check.label == "7|8" and check.colour == "red"
    assert check.value is expected


MAX_ROW = n.GridRow(("7", "8"), (n.Band("red", 1, 2), n.Band("yellow", 3, 3)), reading="max")


@pytest.mark.parametrize("s7, s8, expected", [
    (4, 0, False),     # issue 11 finding 4: the higher rating (4) is outside 1..2
    (4, 1, False),
    (1, 2, True),
    (2, 0, True),
    (0, 0, False),
    (4, 9, False),     # the higher is at least 4 whatever 8 is
    (1, 9, None),      # 8 could be 0..2 (met) or 3..4 (not)
    (None, 2, None),
    (9, 9, None),
])
def test_max_pair_row_reads_the_higher_rating(s7, s8, expected):
    check = check_row(MAX_ROW, assessment("2013-01-01", s7=s7, s8=s8))
    assert check.label == "max(7,8)" and check.value is expected


def test_max_row_with_an_unknown_is_true_when_every_value_meets_it():
    row = n.GridRow(("7", "8"), (n.Band("red", 3, 4),), reading="max")
    assert check_row(row, assessment("2013-01-01", s7=3, s8=9)).value is True
    single = n.GridRow(("6",), (n.Band("orange", 0, 4),))
    assert check_row(single, assessment("2013-01-01", s6=9)).value is True


def test_either_row_with_an_unknown_is_what_its_bands_say_of_every_value():
    # every value 0-4 is in band, so an unknown rating meets it whatever it turns out to be
    covering = n.GridRow(("7", "8"), (n.Band("orange", 0, 2), n.Band("orange", 3, 4)))
    assert check_row(covering, assessment("2013-01-01", s7=9, s8=9)).value is True
    assert check_row(covering, assessment("2013-01-01", s7=9, s8=None)).value is True
    partial = n.GridRow(("7", "8"), (n.Band("orange", 0, 2),))
    assert check_row(partial, assessment("2013-01-01", s7=9, s8=9)).value is None


def test_row_class_is_the_strongest_colour_and_weaker_bands_are_informational():
    row = RULES.clusters[10].grid.rows[2]            # 3 orange 0..2 yellow 3..4
    check = check_row(row, assessment("2013-01-01", s3=3))
    assert check.colour == "orange" and check.expected == ((0, 2),) and check.value is False


def test_none_rows_are_not_checked():
    candidate = fit_cluster(RULES.clusters[10], assessment("2013-01-01", s6=2, s5=4))
    labels = {r.label for r in candidate.rows}
    assert "5" not in labels
    assert candidate.fit == "fits" and candidate.possible == ("fits",)


def test_orange_mismatch_is_weaker_and_ranks_below_fits():
    result = allocate(RULES, ratings(0, s6=2, s3=3), group="psychotic")
    assert fits_of(result)[10] == "weaker"
    assert fits_of(result)[11] == "fits"
    assert result.suggested == 11
    c10 = result.candidate(10)
    assert c10.orange.missed == ("3",) and c10.orange_mismatches == 1


def test_weaker_is_suggested_when_nothing_fits():
    result = allocate(RULES, ratings(0, s6=2, s3=3, s12=3), group="psychotic")
    assert fits_of(result)[10] == "weaker" and fits_of(result)[11] == "weaker"
    assert result.suggested == 10 and result.outcome == "weaker"


@pytest.mark.parametrize("changes, fit, possible", [
    ({"s6": 2, "s3": 9}, "unknown", ("fits", "weaker")),        # orange unknown: no longer "fits"
    ({"s6": 9}, "unknown", ("fits", "no")),
    ({"s6": 9, "s3": 3}, "unknown", ("weaker", "no")),
    ({"s6": 9, "s3": 9}, "unknown", ("fits", "weaker", "no")),
    ({"s6": 0, "s3": 9}, "no", ("no",)),
    ({"s6": 2, "s3": 3}, "weaker", ("weaker",)),
])
def test_fit_label_is_definite_only_when_every_filling_agrees(changes, fit, possible):
    candidate = fit_cluster(RULES.clusters[10], assessment("2013-01-01", **changes))
    assert (candidate.fit, candidate.possible) == (fit, possible)
    assert candidate.to_json()["possible"] == list(possible)


def test_an_unknown_orange_row_that_could_change_the_best_blocks_the_suggestion():
    # 3=0..2 makes 10 fit as well as 11 (and 10 < 11); 3=3..4 makes 10 weaker: scale 3 decides.
    result = allocate(RULES, ratings(0, s6=2, s3=9), group="psychotic")
    assert result.suggested is None and result.outcome == "further_assessment_required"
    assert [(b.cluster, b.rows) for b in result.blocking_unknowns] == [(10, ("3",))]


def test_a_decided_best_with_an_open_label_is_suggested_and_names_what_decides_the_label():
    # cluster 11 beats cluster 10 whatever D is (10 misses orange 3 and 7|8), but D decides
    # whether 11 fits or is weaker.
    result = allocate(RULES, ratings(0, s6=2, s3=3, s7=4, s8=4, sD=9), group="psychotic")
    assert result.suggested == 11 and result.candidate(11).fit == "unknown"
    assert result.outcome == "further_assessment_required"
    assert [(b.cluster, b.rows) for b in result.blocking_unknowns] == [(11, ("D",))]


def test_unknown_red_blocks_suggestion_and_says_why():
    result = allocate(RULES, ratings(0, s6=9, s12=1), group="psychotic")
    assert result.suggested is None
    assert result.outcome == "further_assessment_required"
    blocked = {b.cluster: b for b in result.blocking_unknowns}
    assert sorted(blocked) == [10, 11, 14]     # 15 is "no": its red scale 2 is known and 0
    assert fits_of(result)[15] == "no"
    assert blocked[10].rows == ("6",)
    assert blocked[10].unknowns[0].name == "6"
    assert "rated 9 (not known)" in blocked[10].unknowns[0].reason


def test_missing_red_rating_is_not_rated():
    result = allocate(RULES, ratings(0, s6=None, s12=1), group="psychotic")
    reason = result.blocking_unknowns[0].unknowns[0].reason
    assert reason.startswith("not rated")


def test_no_rated_needs_is_neither_variance_nor_a_cluster():
    result = allocate(RULES, ratings(0), group="psychotic")
    assert (result.suggested, result.outcome) == (None, "no_rated_needs")


def test_known_zeros_with_an_unknown_could_be_no_rated_needs():
    result = allocate(RULES, ratings(0, s4=9), group="psychotic")
    assert (result.suggested, result.outcome) == (None, "further_assessment_required")
    [block] = result.blocking_unknowns
    assert block.cluster is None and block.rows == ("4",)
    assert "no rated needs unless: scale 4" in result.explain()


def test_variance_only_when_every_cluster_of_every_group_is_no():
    result = allocate(RULES, ratings(0, s1=3), group="non_psychotic")
    assert set(fits_of(result).values()) == {"no"}
    assert result.suggested == 0 and result.outcome == "variance"
    assert result.blocking_unknowns == ()
    assert result.by_group == {"non_psychotic": None, "psychotic": None}


def test_no_fit_in_group_when_another_group_could_fit():
    # issue 11 finding 3: variance is decided against all clusters, not inside the group.
    result = allocate(RULES, ratings(0, s7=2), group="psychotic")
    assert (result.suggested, result.outcome) == (None, "no_fit_in_group")
    assert result.to_json()["by_group"] == {"non_psychotic": {"cluster": 1, "fit": "fits"},
                                            "psychotic": None}


def test_without_a_group_no_cross_group_guess_is_made():
    result = allocate(RULES, ratings(0, s7=2, s6=2))
    assert (result.suggested, result.outcome) == (None, "group_needed")
    assert (result.group, result.group_source) == (None, None)
    assert {g: (b.cluster, b.fit) for g, b in result.by_group.items()} == {
        "non_psychotic": (1, "weaker"), "psychotic": (10, "fits")}


def test_group_hint_restricts_the_suggestion_and_may_name_a_branch():
    result = allocate(RULES, ratings(0, s7=2, s6=2), group="psychotic")
    assert (result.group, result.group_source) == ("psychotic", "argument")
    assert result.suggested == 10
    crisis = allocate(RULES, ratings(0, s6=3, s1=2), group="crisis")      # a branch name
    assert crisis.suggested == 14


def test_unknown_group_is_a_record_error():
    with pytest.raises(RecordError) as info:
        allocate(RULES, ratings(0), group="neurotic")
    assert info.value.field == "group" and "psychotic" in info.value.message
    assert group_clusters(RULES, "non_psychotic") == frozenset({1, 2})


@pytest.mark.parametrize("own, argument, group, source", [
    ("non_psychotic", None, "non_psychotic", "record"),
    (None, "non_psychotic", "non_psychotic", "argument"),
    ("non_psychotic", "non_psychotic", "non_psychotic", "record"),
    (None, None, "psychotic", "recorded_cluster"),                # recorded cluster 10
])
def test_group_precedence(own, argument, group, source):
    r = attrs.evolve(record(assessment("2013-01-01", s6=2, s7=2)), group=own, recorded_cluster=10)
    result = allocate(RULES, r, argument)
    assert (result.group, result.group_source) == (group, source)


def test_a_record_group_that_contradicts_the_argument_is_a_record_error():
    # issue 11 finding 5: one precedence, the same in Python and the CLI (tests/test_batch.py).
    r = attrs.evolve(record(assessment("2013-01-01", s6=2)), group="non_psychotic")
    with pytest.raises(RecordError) as info:
        allocate(RULES, r, "psychotic")
    assert (info.value.record_id, info.value.field) == ("SU-T", "group")
    assert "'non_psychotic' differs from the group asked for ('psychotic')" in info.value.message


def test_record_group_and_recorded_cluster_are_used():
    r = attrs.evolve(record(assessment("2013-01-01", s6=2)), group="non_psychotic",
                     recorded_cluster=10)
    result = allocate(RULES, r)
    assert result.group == "non_psychotic" and result.outcome == "no_fit_in_group"
    assert result.id == "SU-T"
    assert result.recorded_cluster == 10 and result.recorded_fit == "fits"
    assert result.recorded_adheres is True       # fitted even though outside the group


def test_recorded_cluster_adherence():
    no = allocate(RULES, ratings(0), recorded_cluster=10)
    assert (no.recorded_fit, no.recorded_adheres) == ("no", False)
    variance_ok = allocate(RULES, ratings(0), recorded_cluster=0)
    assert (variance_ok.recorded_fit, variance_ok.recorded_adheres) == ("variance", True)
    variance_wrong = allocate(RULES, ratings(0, s7=1), recorded_cluster=0)
    assert variance_wrong.recorded_adheres is False
    unsure = allocate(RULES, ratings(0, s6=9), recorded_cluster=10)
    assert (unsure.recorded_fit, unsure.recorded_adheres) == ("unknown", None)
    open_label = allocate(RULES, ratings(0, s6=2, s3=9), recorded_cluster=10)
    assert (open_label.recorded_fit, open_label.recorded_adheres) == ("unknown", True)
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
    out = allocate(RULES, ratings(0, s6=2, s3=3), "psychotic", record_id="x").to_json()
    assert list(out) == ["id", "ruleset", "trace_schema", "candidates", "suggested",
                         "blocking_unknowns", "group", "group_source", "by_group", "outcome",
                         "date", "recorded_cluster", "recorded_fit", "recorded_adheres"]
    assert out["ruleset"] == {"name": "Test booklet", "version": "T1", "fingerprint": "sha256:test"}
    assert out["trace_schema"] == "1"
    first = out["candidates"][0]
    assert list(first) == ["cluster", "name", "group", "branch", "fit", "possible", "red",
                           "orange", "yellow", "orange_mismatches"]
    assert first["red"] == {"met": ["6"], "missed": [], "unknown": []}
    c10 = next(c for c in out["candidates"] if c["cluster"] == 10)
    assert c10["orange"]["missed"] == ["3"] and c10["orange_mismatches"] == 1
    assert out["by_group"] == {"non_psychotic": None, "psychotic": {"cluster": 11, "fit": "fits"}}
    assert out["recorded_cluster"] is None and out["recorded_adheres"] is None
    assert out["date"] is None       # bare ratings carry no date


def _cand(cluster, fit, orange_missed=0, red_unknown=0, orange_unknown=0, red_met=1, orange_met=0,
          red_missed=0):
    return Candidate(cluster, "", None, None, fit,
                     ColourSummary(("r",) * red_met, ("x",) * red_missed, ("u",) * red_unknown),
                     ColourSummary(("o",) * orange_met, ("m",) * orange_missed,
                                   ("u",) * orange_unknown),
                     ColourSummary())


def test_rank_key_order_is_the_documented_one():
    expected = [
        _cand(20, "fits", orange_met=2),
        _cand(4, "weaker", orange_missed=1, red_met=3),
        _cand(5, "weaker", orange_missed=1, red_met=2),   # fewer red rows met
        _cand(6, "weaker", orange_missed=2),        # more orange mismatches
        _cand(1, "no", red_missed=1),               # fitting before no
        _cand(2, "no", red_missed=1),               # cluster number last
    ]
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert [c.cluster for c in sorted(shuffled, key=rank_key)] == [c.cluster for c in expected]


def test_rank_key_more_orange_rows_met_decides_between_otherwise_equal_candidates():
    more, fewer = _cand(5, "fits", red_met=2, orange_met=3), _cand(4, "fits", red_met=2, orange_met=2)
    assert sorted([fewer, more], key=rank_key) == [more, fewer]   # 5 before 4: not the number
    assert decide([fewer, more]) == (more, (more,))


def test_rank_key_orders_unknowns_by_their_best_case():
    hopeful = _cand(9, "unknown", red_unknown=1, red_met=0)       # best case: fits, 1 red met
    assert rank_key(hopeful) == rank_key(_cand(9, "fits"))
    assert decide([hopeful, _cand(3, "weaker", orange_missed=1)]) == (
        None, (hopeful, _cand(3, "weaker", orange_missed=1)))


def test_explain_mentions_suggestion_and_candidates():
    text = allocate(RULES, ratings(0, s6=9, s12=1), "psychotic", record_id="x").explain()
    assert "further assessment" in text and "cluster 10 needs: scale 6" in text
    assert "group: psychotic (from argument)" in text
