"""`tallies`, the packed tables a review ranks the step pool with, count exactly what
`allocation.fit_cluster` checks row by row (on the national, 2012/13 and local rules and on random
rule sets, for any ratings), and a review or condition evaluated with them is the one evaluated
without them (the plain path: every tally taken from the cluster's checked rows)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mhct_dsl
from budget import examples
from compiledkit import rule_sets
from mhct_dsl import review_json, tallies
from mhct_dsl.allocation import fit_cluster
from mhct_dsl.conditions import evaluate
from mhct_dsl.context import Context
from mhct_dsl.model import SCALE_IDS
from mhct_dsl.records import Assessment, parse_record
from mhct_dsl.results import Tally
from mhct_dsl.review import review
from mhct_dsl.tallies import counter
from test_invariants import RULES as MINI, conditions, record_and_as_of

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = mhct_dsl.load_ruleset()
RULES = (NATIONAL, mhct_dsl.load_ruleset(ROOT / "rules" / "2012-13"),
         mhct_dsl.load_ruleset(ROOT / "rules" / "local"))
SETTINGS = settings(max_examples=examples(200), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ABSENT = object()
rating_values = st.sampled_from((0, 1, 2, 3, 4, 9, None, ABSENT))


@st.composite
def any_ratings(draw) -> dict:
    """A rating, 9, None (not rated) or nothing for every scale."""
    values = {s: draw(rating_values) for s in SCALE_IDS}
    return {s: v for s, v in values.items() if v is not ABSENT}


def counted(candidate) -> Tally:
    """The tally written out from the candidate's own row labels."""
    red, orange = candidate.red, candidate.orange
    return Tally(candidate.cluster, len(red.met), len(red.missed), len(red.unknown),
                 len(orange.met), len(orange.missed), len(orange.unknown))


def assert_tallies_match(ruleset, ratings) -> None:
    tally = counter(ruleset, ratings)
    assessment = Assessment(dt.date(2014, 1, 1), ratings)
    for number, cluster in ruleset.clusters.items():
        if cluster.grid is None:
            assert tally(number) is None
        else:
            assert tally(number) == counted(fit_cluster(cluster, assessment)), number
    assert tally(max(ruleset.clusters) + 1) is None


@SETTINGS
@given(st.sampled_from(RULES), any_ratings())
def test_national_and_local_tallies_are_the_rows_counted(ruleset, ratings):
    assert_tallies_match(ruleset, ratings)


@SETTINGS
@given(rule_sets(), any_ratings())
def test_random_rule_sets_tallies_are_the_rows_counted(ruleset, ratings):
    assert_tallies_match(ruleset, ratings)


RECORD = {"id": "x", "current_cluster": 11, "assessments": [
    {"date": "2014-01-01", "ratings": {s: 1 for s in SCALE_IDS} | {"7": 9, "B": 3}}]}


def test_a_rating_the_tables_do_not_hold_is_counted_from_the_rows():
    ratings = {s: 1 for s in SCALE_IDS} | {"7": 7}  # only a hand-made Assessment holds a 7
    assessment = Assessment(dt.date(2014, 1, 1), ratings)
    assert counter(NATIONAL, ratings) is None
    ctx = Context(parse_record({"id": "x", "current_cluster": 11, "assessments": [
        {"date": "2014-01-01", "ratings": {s: 1 for s in SCALE_IDS}}]}, NATIONAL),
        NATIONAL, NATIONAL.clusters[11], dt.date(2014, 1, 1))
    for number, cluster in NATIONAL.clusters.items():
        expected = None if cluster.grid is None else counted(fit_cluster(cluster, assessment))
        assert ctx.tallies_at(assessment)(number) == expected


def test_a_rule_set_whose_counts_outgrow_a_byte_is_counted_from_the_rows():
    with mock.patch.object(tallies, "LIMIT", 3):  # as if a grid had more than 255 rows
        ruleset = mhct_dsl.load_ruleset(ROOT / "rules" / "local")  # its tables not yet built
        assert counter(ruleset, {s: 1 for s in SCALE_IDS}) is None
        record = parse_record(RECORD, ruleset)
        assert review_json.dumps(review(ruleset, record)) == plain(ruleset, record)


def plain(ruleset, record, as_of=None) -> str:
    """The review with every tally taken from the checked rows, as before the tables."""
    with mock.patch("mhct_dsl.context.counter", lambda ruleset, ratings: None):
        return review_json.dumps(review(ruleset, record, as_of))


@st.composite
def national_records(draw):
    ruleset = draw(st.sampled_from(RULES))
    reviewable = sorted(n for n, c in ruleset.clusters.items() if c.columns or n == 0)
    days = sorted(draw(st.lists(st.integers(0, 900), min_size=1, max_size=3, unique=True)))
    start = dt.date(2013, 4, 1)
    return ruleset, parse_record({
        "id": "R", "current_cluster": draw(st.sampled_from(reviewable)),
        "facts": draw(st.dictionaries(st.sampled_from(("medication_stable_past_year",
                                                         "detained_mha")), st.booleans())),
        "assessments": [{"date": (start + dt.timedelta(d)).isoformat(),
                         "ratings": draw(any_ratings())} for d in days]}, ruleset)


@SETTINGS
@given(national_records())
def test_a_national_or_local_review_is_the_plain_one(case):
    ruleset, record = case
    assert review_json.dumps(review(ruleset, record)) == plain(ruleset, record)


@SETTINGS
@given(record_and_as_of(), conditions)
def test_any_condition_over_a_history_is_the_plain_one(case, condition):
    """``fits step_up for the past 6 months`` and the like rank the pool at every assessment of
    the window."""
    record, as_of = case
    cluster = MINI.clusters[record.current_cluster]
    fast = evaluate(condition, record, MINI, cluster, as_of)
    with mock.patch("mhct_dsl.context.counter", lambda ruleset, ratings: None):
        assert fast == evaluate(condition, record, MINI, cluster, as_of)
