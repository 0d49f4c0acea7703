"""Properties that must hold for every input (hypothesis).

(a) Information monotonicity: replacing a known rating by 9 (or un-asserting a fact, or dropping
    the event history) never turns an unknown or false outcome into true, nor any definite outcome
    into its opposite -- for every condition form, every allocation red check, and the review's
    definite decisions.
(b) Evaluation ignores input order: of facts in the dict, of assessments and of events.
(c) Allocation ranking is deterministic and total, and the suggestion is consistent with it.
(Soundness of allocation under every filling of unknown ratings: tests/test_allocation_soundness.py.)
"""

import datetime as dt
import random

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget import examples
from evalkit import cmp, dur, mini_ruleset
from mhct_dsl import nodes as n
from mhct_dsl.allocation import allocate, fit_cluster
from mhct_dsl.conditions import evaluate
from mhct_dsl.ranking import best_key, worst_key
from mhct_dsl.model import SCALE_IDS
from mhct_dsl.records import Assessment, Event, Record, parse_record
from mhct_dsl.review import review

RULES = mini_ruleset()
SETTINGS = settings(max_examples=examples(150), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

LIVE_SCALES = ("1", "2", "3", "4", "6", "7", "8", "12", "D")
SOME_FACTS = ("detained_mha", "medication_stable_past_year", "no_longer_requires_service")
DURATIONS = (dur(1), dur(6), dur(12), dur(1, "year"), dur(2, "week"), dur(10, "day"))

# ---- strategies -----------------------------------------------------------------------------------

rating_values = st.sampled_from((0, 1, 2, 3, 4, 9, None))
dates = st.dates(min_value=dt.date(2011, 1, 1), max_value=dt.date(2013, 12, 31))


@st.composite
def comparisons(draw):
    op = draw(st.sampled_from(("=", "<=", ">=", "<", ">", "in")))
    low = draw(st.integers(0, 4))
    if op == "in":
        return cmp("in", low, draw(st.integers(low, 4)))
    return cmp(op, low)


scales = st.sampled_from(LIVE_SCALES)
durations = st.sampled_from(DURATIONS)
leaves = st.one_of(
    st.builds(n.ScaleIs, scales, comparisons()),
    st.builds(n.ScaleRemained, scales, comparisons(), durations),
    st.builds(n.ScaleStable, scales, durations),
    st.builds(n.FactIs, st.sampled_from(SOME_FACTS)),
    st.builds(n.EventWithin, st.just("inpatient_or_iht"), durations, st.booleans()),
    st.builds(n.Tenure, st.sampled_from(("in_service", "in_cluster")), durations),
    st.builds(n.FitsClusters, st.lists(st.sampled_from((0, 1, 2, 10, 11, 14, 15)), min_size=1,
                                       max_size=3, unique=True),
              st.none() | durations),
    st.builds(n.FitsTransition, st.sampled_from(("step_up", "step_down")), st.none() | durations),
)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(n.Not, inner),
        st.builds(n.AllOf, st.lists(inner, min_size=1, max_size=3)),
        st.builds(n.AnyOf, st.lists(inner, min_size=1, max_size=3)),
    ),
    max_leaves=6,
)


@st.composite
def assessments(draw, when):
    ratings = {s: 0 for s in SCALE_IDS}
    for scale in LIVE_SCALES:
        value = draw(rating_values)
        if value is None:
            ratings.pop(scale)
        else:
            ratings[scale] = value
    return Assessment(when, ratings)


@st.composite
def records(draw):
    when = sorted(draw(st.lists(dates, min_size=1, max_size=5, unique=True)))
    history = tuple(draw(assessments(w)) for w in when)
    facts = draw(st.dictionaries(st.sampled_from(SOME_FACTS), st.booleans()))
    events = draw(st.none() | st.lists(st.tuples(dates, st.integers(0, 400), st.booleans()),
                                       max_size=3))
    return Record(
        id="H", assessments=history, current_cluster=draw(st.sampled_from((10, 11))),
        in_service_since=draw(st.none() | dates), cluster_since=draw(st.none() | dates),
        facts=facts,
        events=None if events is None else tuple(
            Event("inpatient_or_iht", start, None if ongoing else start + dt.timedelta(days),
                  ongoing) for start, days, ongoing in sorted(events)),
    )


@st.composite
def record_and_as_of(draw):
    record = draw(records())
    first = record.assessments[0].date
    as_of = draw(st.none() | st.dates(min_value=first, max_value=dt.date(2014, 6, 30)))
    end = as_of or record.assessments[-1].date
    if record.cluster_since is not None and record.cluster_since > end:
        record = attrs.evolve(record, cluster_since=end)  # a review before it is an error
    return record, as_of


def forget_rating(draw, record: Record) -> Record | None:
    """The record with one known rating replaced by 9 (None if there is no known rating)."""
    known = [(i, s) for i, a in enumerate(record.assessments) for s in LIVE_SCALES
             if a.rating(s) is not None]
    if not known:
        return None
    i, scale = draw(st.sampled_from(known))
    old = record.assessments[i]
    changed = Assessment(old.date, {**old.ratings, scale: 9}, old.scale8_type)
    history = record.assessments[:i] + (changed,) + record.assessments[i + 1:]
    return attrs.evolve(record, assessments=history)


def refines(more, less) -> bool:
    """``less`` (from less information) is ``more`` or unknown."""
    return less is None or less is more


# ---- (a) monotonicity ------------------------------------------------------------------------------


@SETTINGS
@given(st.data(), record_and_as_of(), conditions)
def test_forgetting_a_rating_never_makes_a_condition_more_definite(data, case, condition):
    record, as_of = case
    weaker = forget_rating(data.draw, record)
    if weaker is None:
        return
    cluster = RULES.clusters[record.current_cluster]
    before = evaluate(condition, record, RULES, cluster, as_of).value
    after = evaluate(condition, weaker, RULES, cluster, as_of).value
    assert refines(before, after), (before, after)


@SETTINGS
@given(st.data(), record_and_as_of(), conditions)
def test_forgetting_facts_or_events_never_makes_a_condition_more_definite(data, case, condition):
    record, as_of = case
    facts = dict(record.facts)
    if facts and data.draw(st.booleans()):
        facts.pop(data.draw(st.sampled_from(sorted(facts))))
        weaker = attrs.evolve(record, facts=facts)
    else:
        weaker = attrs.evolve(record, events=None)
    cluster = RULES.clusters[record.current_cluster]
    before = evaluate(condition, record, RULES, cluster, as_of).value
    after = evaluate(condition, weaker, RULES, cluster, as_of).value
    assert refines(before, after), (before, after)


@SETTINGS
@given(st.data(), records())
def test_forgetting_a_rating_never_makes_a_red_check_more_definite(data, record):
    weaker = forget_rating(data.draw, record)
    if weaker is None:
        return
    for number, cluster in RULES.clusters.items():
        if cluster.grid is None:
            continue
        for old, new in zip(record.assessments, weaker.assessments):
            assert refines(fit_cluster(cluster, old).truth, fit_cluster(cluster, new).truth)


@SETTINGS
@given(st.data(), record_and_as_of())
def test_a_definite_review_decision_survives_only_unchanged_when_a_rating_is_forgotten(data, case):
    record, as_of = case
    weaker = forget_rating(data.draw, record)
    if weaker is None:
        return
    before = review(RULES, record, as_of).decision
    after = review(RULES, weaker, as_of).decision
    assert after == "needs_assessment" or after == before, (before, after)


# ---- (b) order independence ------------------------------------------------------------------------


def as_json(record: Record, rng: random.Random) -> dict:
    assessments = [{"date": a.date.isoformat(), "ratings": dict(a.ratings)} for a in record.assessments]
    facts = list(record.facts.items())
    events = None if record.events is None else [
        {"kind": e.kind, "date": e.date.isoformat(),
         **({"ongoing": True} if e.ongoing else {"end": e.end.isoformat()})}
        for e in record.events]
    rng.shuffle(assessments)
    rng.shuffle(facts)
    if events is not None:
        rng.shuffle(events)
    out = {"id": record.id, "current_cluster": record.current_cluster,
           "assessments": assessments, "facts": dict(facts)}
    if events is not None:
        out["events"] = events
    for key in ("in_service_since", "cluster_since"):
        value = getattr(record, key)
        if value is not None:
            out[key] = value.isoformat()
    return out


@SETTINGS
@given(record_and_as_of(), conditions, st.randoms(use_true_random=False))
def test_evaluation_ignores_input_order(case, condition, rng):
    record, as_of = case
    one = parse_record(as_json(record, rng), RULES)
    two = parse_record(as_json(record, rng), RULES)
    cluster = RULES.clusters[record.current_cluster]
    assert evaluate(condition, one, RULES, cluster, as_of).to_json() == \
        evaluate(condition, two, RULES, cluster, as_of).to_json()
    assert review(RULES, one, as_of).to_json() == review(RULES, two, as_of).to_json()


# ---- (c) ranking -----------------------------------------------------------------------------------


@SETTINGS
@given(records(), st.randoms(use_true_random=False), st.none() | st.sampled_from(
    ("psychotic", "non_psychotic", "crisis")))
def test_allocation_is_deterministic_and_the_suggestion_is_consistent(record, rng, group):
    latest = record.assessments[-1]
    result = allocate(RULES, latest, group)
    shuffled = list(RULES.clusters.items())
    rng.shuffle(shuffled)
    again = allocate(attrs.evolve(RULES, clusters=dict(shuffled)), latest, group)
    assert again.to_json() == result.to_json()

    # the order, stated from the candidates' own rows rather than through rank_key
    order = result.candidates
    numbers = [c.cluster for c in order]
    assert sorted(numbers) == sorted(n for n, c in RULES.clusters.items() if c.grid is not None)
    red_failed = [bool(c.red.missed) for c in order]
    assert red_failed == sorted(red_failed)                  # red-failed clusters come last
    settled = [c for c in order if c.fit in ("fits", "weaker")
               and not c.red.unknown and not c.orange.unknown]
    misses = [len(c.orange.missed) for c in settled]
    assert misses == sorted(misses)                          # fewer orange misses first

    fits = {c.cluster: c.fit for c in order}
    assert (result.outcome == "variance") == (result.suggested == 0)
    assert result.outcome != "variance" or set(fits.values()) == {"no"}
    assert result.suggested is not None or result.outcome in (
        "further_assessment_required", "group_needed", "no_fit_in_group", "no_rated_needs")
    # a suggestion with further_assessment_required: the cluster is decided, its label is open
    assert result.suggested is None or result.outcome in (
        "fits", "weaker", "variance", "further_assessment_required")
    chosen = result.candidate(result.suggested) if result.suggested not in (None, 0) else None
    # a suggested cluster fits for every filling and dominates every other candidate of its group
    # that could fit
    members = {c.cluster for c in order if result.group in (c.group, c.branch)}
    rivals = [c for c in order if c.cluster in members and c is not chosen and c.fit != "no"]
    assert chosen is None or (chosen.truth is True and chosen.cluster in members
                              and result.outcome == (chosen.fit if chosen.fit != "unknown"
                                                     else "further_assessment_required")
                              and all(worst_key(chosen) < best_key(c) for c in rivals))


# ---- thread safety ---------------------------------------------------------------------------------


def test_concurrent_calls_give_the_serial_results():
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(11)
    samples = []
    for i in range(40):
        when = sorted(rng.sample(range(0, 900), 1 + i % 4))
        history = tuple(Assessment(dt.date(2011, 1, 1) + dt.timedelta(days=w),
                                   {s: rng.choice((0, 1, 2, 3, 4, 9)) for s in SCALE_IDS})
                        for w in when)
        samples.append(Record(f"T{i}", history, current_cluster=(10, 11)[i % 2],
                              in_service_since=dt.date(2010, 1, 1),
                              facts={f: rng.random() < 0.7 for f in SOME_FACTS},
                              events=() if i % 3 else None))
    serial = [(allocate(RULES, r).to_json(), review(RULES, r).to_json()) for r in samples]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            parallel = list(pool.map(
                lambda r: (allocate(RULES, r).to_json(), review(RULES, r).to_json()), samples))
            assert parallel == serial
