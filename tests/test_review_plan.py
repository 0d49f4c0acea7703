"""The compiled review plan (`review_plan.dumps`) writes exactly the interpreter's review,
``review_json.dumps(review(...))``, or raises the same record error: on batches of 3-8 random
records a rule set (ratings 0-4, 9 and not rated, often shared so template keys repeat; 1-7
assessments, so windows over `History.LIMIT` occur; facts, events, start dates; mostly a current
cluster with columns; an ``as_of`` mostly on or shortly after the latest MHCT; some records an
earlier one again with moved dates, a key's second sighting) under the national, 2012/13
and local rules, the test booklet and random rule sets with random columns (mostly single
leaves; windows and compound criteria included), and at the edges named below, where spies
(`paths`) say which path wrote the text. The interpreter is the reference: nothing here is
computed by the plan."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from unittest import mock

import attrs
from hypothesis import given
from hypothesis import strategies as st

from compiledkit import rule_sets
from evalkit import column as column_node, dur, transitions
from mhct_dsl import nodes as n
from mhct_dsl import review_json, review_plan
from mhct_dsl.model import SCALE_IDS
from mhct_dsl.plan_criteria import History, Interpreted, Step, Template, WindowStep
from mhct_dsl.records import Assessment, Event, Record, RecordError, parse_record
from mhct_dsl.review import review
from test_invariants import DURATIONS, RULES as MINI, conditions, leaves
from test_tallies import NATIONAL, RULES, SETTINGS

START = dt.date(2011, 1, 1)
days = st.integers(0, 1400).map(lambda d: START + dt.timedelta(d))
ABSENT = object()
rating_values = st.sampled_from((0, 1, 2, 3, 4, 9, None, ABSENT))


def outcome(call, *args) -> str:
    try:
        return call(*args)
    except RecordError as error:
        return f"RecordError: {error}"


def assert_same(ruleset, record, as_of=None) -> str:
    expected = outcome(lambda: review_json.dumps(review(ruleset, record, as_of)))
    assert outcome(review_plan.dumps, ruleset, record, as_of) == expected
    return expected


@st.composite
def any_ratings(draw) -> dict:
    values = {s: draw(rating_values) for s in SCALE_IDS}
    return {s: v for s, v in values.items() if v is not ABSENT}


@st.composite
def records(draw, ruleset, profiles=(None,)):
    """A record for ``ruleset``: mostly a current cluster with columns (any, or one it lacks,
    otherwise), 1-7 assessments 1-150 days apart (so windows over `History.LIMIT` occur), their
    ratings often one of ``profiles`` (so keys repeat), facts it declares (and the test
    booklet's), mostly no events and no start dates; and an as_of, mostly on or shortly after the
    latest MHCT, sometimes absent or any day."""
    first = draw(days)
    gaps = draw(st.lists(st.integers(1, 150), max_size=6))
    when = [first + dt.timedelta(sum(gaps[:i])) for i in range(len(gaps) + 1)]
    facts = sorted(set(ruleset.facts) | {"detained_mha", "medication_stable_past_year",
                                         "no_longer_requires_service"})
    kinds = sorted(ruleset.events) or ["inpatient_or_iht"]
    events = draw(st.none() | st.none() | st.lists(st.tuples(
        st.sampled_from(kinds), days, st.integers(0, 400), st.booleans()), max_size=3))
    numbers = sorted(ruleset.clusters)
    columned = [number for number in numbers if ruleset.clusters[number].columns] or numbers
    ratings = st.sampled_from(profiles).flatmap(
        lambda p: any_ratings() if p is None else st.just(p)) | any_ratings()
    record = Record(
        id=draw(st.none() | st.text(max_size=5)),
        assessments=tuple(Assessment(w, draw(ratings)) for w in when),
        current_cluster=draw(st.sampled_from(columned) | st.sampled_from(columned)
                             | st.sampled_from(columned)
                             | st.sampled_from(numbers + [max(numbers) + 1])),
        cluster_since=draw(st.none() | st.none() | st.integers(-30, 900).map(
            lambda k: when[0] - dt.timedelta(k))),
        in_service_since=draw(st.none() | st.none() | days),
        facts=draw(st.dictionaries(st.sampled_from(facts), st.booleans())),
        events=None if events is None else tuple(
            Event(kind, start, None if ongoing else start + dt.timedelta(length), ongoing)
            for kind, start, length, ongoing in sorted(events)),
        team_since=draw(st.just({}) | st.dictionaries(st.just("eip"), days)),
    )
    near = st.integers(0, 90).map(lambda k: when[-1] + dt.timedelta(k))
    return record, draw(st.none() | near | near | days)


@st.composite
def batches(draw, ruleset):
    """3-8 records for one rule set, so its plan's templates serve several: their ratings often
    from 1-3 shared profiles, and some an earlier record again with its dates moved (a window
    key's second sighting)."""
    profiles = draw(st.lists(any_ratings(), min_size=1, max_size=3)) + [None]
    found = []
    for _ in range(draw(st.integers(3, 8))):
        if found and draw(st.integers(0, 2)) == 0:
            (record, as_of), shift = draw(st.sampled_from(found)), draw(st.integers(1, 40))
            moved = attrs.evolve(record, assessments=tuple(
                attrs.evolve(a, date=a.date + dt.timedelta(shift)) for a in record.assessments))
            found.append((moved, as_of if as_of is None else as_of + dt.timedelta(shift)))
        else:
            found.append(draw(records(ruleset, tuple(profiles))))
    return found


@SETTINGS
@given(st.data())
def test_national_and_local_reviews_are_the_interpreters(data):
    ruleset = data.draw(st.sampled_from(RULES))
    for record, as_of in data.draw(batches(ruleset)):
        assert_same(ruleset, record, as_of)


@st.composite
def reviewed_rule_sets(draw):
    """A random rule set (`compiledkit.rule_sets`) whose clusters with grids have random
    columns of random criteria (`test_invariants.conditions`: windows, fits, not/all/any; most
    a single leaf),
    random transitions and review intervals."""
    ruleset = draw(rule_sets())
    numbers = sorted(ruleset.clusters)
    clusters = dict(ruleset.clusters)
    for number, cluster in ruleset.clusters.items():
        if cluster.grid is None:
            continue
        columns = []
        for kind in ("step_up", "discharge", "step_down"):
            quantifier = draw(st.sampled_from(("one", "any", "all", "n/a", None)))
            if quantifier is None:
                continue
            count = 1 if quantifier == "one" else 0 if quantifier == "n/a" else draw(
                st.integers(1, 3))
            columns.append(column_node(kind, quantifier, *[
                (f"{kind} {i} ‘wording’", draw(leaves | leaves | conditions)) for i in range(count)]))
        targets = st.lists(st.sampled_from(numbers + [99]), max_size=2, unique=True)
        moves = transitions(draw(targets), draw(targets), draw(targets), draw(targets))
        clusters[number] = attrs.evolve(
            cluster, columns={c.kind: c for c in columns},
            transitions=draw(st.sampled_from((moves, None))),
            review=draw(st.none() | st.sampled_from(DURATIONS).map(n.Review)))
    return attrs.evolve(ruleset, clusters=clusters, facts=MINI.facts, events=MINI.events)


@SETTINGS
@given(st.data())
def test_random_rule_sets_reviews_are_the_interpreters(data):
    ruleset = data.draw(reviewed_rule_sets())
    for record, as_of in data.draw(batches(ruleset)):
        assert_same(ruleset, record, as_of)


@SETTINGS
@given(st.data())
def test_the_test_booklets_reviews_are_the_interpreters(data):
    for record, as_of in data.draw(batches(MINI)):
        assert_same(MINI, record, as_of)


# ---- the edges -------------------------------------------------------------------------------

SYNTHETIC = {  # benchmarks/synthetic.py --n 5000 --seed 3 --format review-jsonl, lines 322, 39
    "undecided": {"id": "SYN-0000321", "assessments": [{"date": "2014-02-01", "ratings": {
        "1": 0, "2": 1, "3": 2, "4": 0, "5": 1, "6": 3, "7": 4, "8": 1, "9": 0, "10": 2, "11": 3,
        "12": 2, "13": 3, "A": 9, "B": 0, "C": 0, "D": 1, "E": 1}}], "current_cluster": 17,
        "cluster_since": "2013-03-05"},
    "contenders": {"id": "SYN-0000038", "assessments": [{"date": "2012-05-01", "ratings": {
        "1": 1, "2": 9, "3": 9, "4": 0, "5": 0, "6": 3, "7": 4, "8": 2, "9": 9, "10": 1, "11": 1,
        "12": 0, "13": 1, "A": 4, "B": 0, "C": 0, "D": 0, "E": 1}}], "current_cluster": 11,
        "cluster_since": "2010-05-26"},
}


def test_an_undecided_step_names_the_contenders_unknown_ratings():
    text = assert_same(NATIONAL, parse_record(SYNTHETIC["undecided"], NATIONAL))
    assert "the best fit is undecided among" in text
    assert '{"kind": "scale", "name": "A", "reason": "rated 9 (not known) on 2014-02-01"}' in text


def test_a_step_met_by_contenders_that_are_all_targets():
    text = assert_same(NATIONAL, parse_record(SYNTHETIC["contenders"], NATIONAL))
    assert ": each is a likely/possible step-up cluster" in text


def test_a_cluster_without_targets_suggests_none_and_says_to_recluster():
    c11 = attrs.evolve(MINI.clusters[11], transitions=None)
    ruleset = attrs.evolve(MINI, clusters={**MINI.clusters, 11: c11})
    record = Record("T", (Assessment(dt.date(2013, 1, 1), {s: 4 for s in SCALE_IDS}),), 11)
    text = assert_same(ruleset, record)
    assert json.loads(text)["decision"] == "step_up"  # scale 3 > 2 meets the step-up column
    assert '"name": "none"' in text and "re-cluster from the ratings" in text


def test_a_stale_assessment_is_reviewed_by_the_interpreter():
    record = parse_record(SYNTHETIC["undecided"], NATIONAL)
    with mock.patch.object(review_plan, "review", wraps=review) as interpreter:
        text = assert_same(NATIONAL, record, "2016-06-30")
    interpreter.assert_called_once()  # the plan fell back to it
    assert "complete a new MHCT (step 2)" in text


def test_needs_assessment_lists_the_blocking_criteria_with_their_unknowns():
    record = Record("B", (Assessment(dt.date(2013, 1, 1), {s: 0 for s in SCALE_IDS}),), 16)
    result = json.loads(assert_same(NATIONAL, record))
    assert result["decision"] == "needs_assessment"
    assert [b["index"] for b in result["blocking_unknowns"]] == [1, 2, 4, 5, 7]
    assert result["blocking_unknowns"][1]["unknowns"] == [
        {"kind": "fact", "name": "medication_stable_past_year", "reason": "not asserted"}]


def test_usual_records_are_written_by_the_plan_not_the_interpreter():
    """The national rules' usual records never fall back whole: the plan writes them, as the
    interpreter does."""
    usual = [parse_record(data, NATIONAL) for data in SYNTHETIC.values()] + [
        history(cluster, FOUR[:count]) for cluster in (3, 10, 11, 12, 16, 17, 18)
        for count in (1, 3)]
    with paths() as seen:
        texts = [assert_same(NATIONAL, record) for record in usual]
    assert seen["whole"] == 0
    assert [json.loads(text)["current_cluster"] for text in texts] == [17, 11] + [
        cluster for cluster in (3, 10, 11, 12, 16, 17, 18) for _ in (1, 3)]


def test_the_common_forms_are_compiled_and_the_rest_interpreted():
    plan = review_plan._compile(NATIONAL, NATIONAL.clusters[16])
    kinds = {(type(c.condition).__name__, type(c))
             for column in plan.columns for c in column.criteria or ()}
    assert kinds == {("FitsTransition", Step), ("Tenure", Template), ("FactIs", Template),
                     ("ScaleIs", Template), ("EventWithin", Template),
                     ("FitsTransition", WindowStep), ("ScaleRemained", History)}
    fits = review_plan._compile(NATIONAL, NATIONAL.clusters[17]).columns[0].criteria[0]
    assert (type(fits), type(fits.condition)) == (Interpreted, n.FitsClusters)
    interpreted = [(type(c.condition), [type(op) for op in c.condition.operands])
                   for column in review_plan._compile(NATIONAL, NATIONAL.clusters[10]).columns
                   for c in column.criteria or () if isinstance(c, Interpreted)]
    assert interpreted == [(n.AllOf, [n.FitsTransition, n.FactIs])]  # all { fits step_down ...
    assert review_plan._compile(NATIONAL, NATIONAL.clusters[0]) is None  # variance


def test_a_window_the_history_covers():
    """``scale 4 stable for 12 months`` (cluster 18) over three assessments, one in force."""
    data = {"id": "W", "current_cluster": 18, "assessments": [
        {"date": day, "ratings": {s: 1 for s in SCALE_IDS} | {"4": rating}}
        for day, rating in (("2012-01-05", 2), ("2012-08-01", 2), ("2013-01-10", 9))]}
    text = assert_same(NATIONAL, parse_record(data, NATIONAL))
    assert "scale 4 was 2 on 2012-01-05 (in force at the window start)" in text


# ---- which path wrote it: spies on the interpreted criteria and the whole-record fallback ------

@contextlib.contextmanager
def paths():
    """Spy on how the plan writes: ``criteria`` gets the (column, index) of each criterion the
    interpreter writes (`Interpreted.write`), ``whole`` counts the records it reviews whole."""
    seen = {"criteria": [], "whole": 0}
    write = Interpreted.write

    def criterion(self, run, decisive):
        seen["criteria"].append((self.kind, self.index))
        return write(self, run, decisive)

    def whole(*args, **kwargs):
        seen["whole"] += 1
        return review(*args, **kwargs)

    with mock.patch.object(Interpreted, "write", criterion), \
            mock.patch.object(review_plan, "review", whole):
        yield seen


def fresh_national():
    """The national rules as a new rule set: a plan of its own, no key seen yet."""
    return attrs.evolve(NATIONAL)


def history(cluster: int, days: list[str], **fields) -> Record:
    """A record of ``cluster`` rated 1 on every scale at each of ``days``."""
    return Record("P", tuple(Assessment(dt.date.fromisoformat(day), {s: 1 for s in SCALE_IDS})
                             for day in days), cluster, **fields)


def second_review(ruleset, record) -> dict:
    """`paths` of the record's second review (its keys seen once before), which must be
    the interpreter's text, as the first must."""
    assert_same(ruleset, record)
    with paths() as seen:
        assert_same(ruleset, record)
    return seen


FOUR = ["2012-03-01", "2012-05-01", "2012-07-01", "2012-09-01"]


def test_a_window_over_the_limit_interprets_that_criterion_only():
    """Five assessments in the window: ``fits step_down consistently for 12 months`` and
    ``scale 3 remained <= 2 for 12 months`` (cluster 16), ``scale 4 stable for 12 months``
    (cluster 18) are interpreted; with four, each is a template at its second sighting."""
    ruleset = fresh_national()
    assert second_review(ruleset, history(16, FOUR + ["2012-11-01"])) == {
        "criteria": [("step_down", 1), ("step_down", 5)], "whole": 0}
    assert second_review(ruleset, history(18, FOUR + ["2012-11-01"])) == {
        "criteria": [("discharge", 1)], "whole": 0}
    assert second_review(ruleset, history(16, FOUR)) == {"criteria": [], "whole": 0}
    assert second_review(ruleset, history(18, FOUR)) == {"criteria": [], "whole": 0}


def test_a_key_seen_twice_is_interpreted_then_a_template():
    """A fresh plan of cluster 18 interprets each key at its first sighting (``scale 4 stable
    for 12 months`` and the facts; ``fits step_down`` is a `Step`); the same keys at moved
    dates are templates."""
    ruleset = fresh_national()
    first, later = history(18, FOUR[1:]), history(18, ["2012-06-10", "2012-08-10", "2012-10-10"])
    with paths() as seen:
        assert_same(ruleset, first)
    assert seen == {"criteria": [("discharge", 1), ("discharge", 2), ("discharge", 3),
                                 ("discharge", 4), ("step_down", 1)], "whole": 0}
    with paths() as seen:
        assert_same(ruleset, later)
    assert seen == {"criteria": [], "whole": 0}


def test_a_record_with_events_and_start_dates_interprets_those_criteria_only():
    """Cluster 16's ``in_service >= 2 years`` and two ``no event inpatient_or_iht within 12
    months``: interpreted for a record with an event history and a start date, the rest
    compiled; without them, none interpreted."""
    ruleset = fresh_national()
    dated = history(16, FOUR, in_service_since=dt.date(2010, 1, 1), events=(
        Event("inpatient_or_iht", dt.date(2012, 6, 1), dt.date(2012, 6, 20), False),))
    assert second_review(ruleset, dated) == {
        "criteria": [("discharge", 1), ("discharge", 4), ("step_down", 2)], "whole": 0}
    assert second_review(ruleset, history(16, FOUR)) == {"criteria": [], "whole": 0}


def test_a_cluster_with_columns_and_no_grid_is_written_by_the_plan():
    c16 = attrs.evolve(NATIONAL.clusters[16], grid=None)
    ruleset = attrs.evolve(NATIONAL, clusters={**NATIONAL.clusters, 16: c16})
    with paths() as seen:
        text = assert_same(ruleset, history(16, FOUR))
    assert seen["whole"] == 0
    assert json.loads(text)["current_fit"] is None


def test_a_rating_the_tables_do_not_hold_is_reviewed_whole_by_the_interpreter():
    odd = Record("R", (Assessment(dt.date(2012, 3, 1), {s: 1 for s in SCALE_IDS} | {"1": 5}),),
                 16)  # rating 5: made without the record reader's validation
    with paths() as seen:
        assert_same(NATIONAL, odd)
    assert seen == {"criteria": [], "whole": 1}
