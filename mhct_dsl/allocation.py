"""Cluster allocation: the booklet's "How do I cluster someone who is newly referred?", Steps 2-3.

Every cluster with a rating grid is a candidate (the variance cluster 0 and the blank cluster 9
have none). Its grid rows are checked soundly (`rows`: ``max(7,8)`` reads the higher rating) and
it gets a fit label and a place in the ranking (`ranking`): a label or a suggestion made while
ratings are unknown (9 or not rated) holds for every value they could take (the booklet: a 9 "is
likely to make accurate clustering impractical and indicate that further assessment is required").

The outcome, the first that applies:

1. ``no_rated_needs``: all 18 ratings known and 0; nothing is suggested.
2. ``further_assessment_required`` when every known rating is 0 and some are unknown (the person
   may have no rated needs); ``blocking_unknowns`` names the unknown ratings (``cluster`` null).
3. ``variance``: every cluster of every group is definitely ``no``; suggests the variance cluster.
4. ``group_needed``: the decision-tree group (Step 2) is not settled.
5. ``no_fit_in_group``: every cluster of the settled group is definitely ``no`` but a cluster of
   another group could fit (``by_group`` names the other groups' best candidates).
6. The definite best of the group (`ranking.decide`) is suggested; the outcome is its label
   (``fits``/``weaker``), or ``further_assessment_required`` when unknown orange rows leave the
   label open (``blocking_unknowns`` names them). Without a definite best:
   ``further_assessment_required`` with the unknown red and orange ratings of each contender
   that has any.

The decision-tree group is settled by the first that applies: the record's own ``group``, or the
caller's ``group`` argument for a record without one (both given and different: a `RecordError`
on ``group``); the group of ``recorded_cluster``. ``group_source`` says which ("record",
"argument", "recorded_cluster"). The grids never settle the group: a cross-group guess is what
Step 2 exists to prevent (cluster 11's red rows admit almost any low-symptom profile). A group
argument may name a branch (``first_episode``); group names are looked up first. ``by_group``
gives each group's best candidate that is not definitely ``no``, by `ranking.rank_key`.

``recorded_cluster`` (a cluster already recorded for this assessment) is checked too, for red-rule
adherence audits: its fit, and ``recorded_adheres`` = its red rows all met (Kleene). For the
variance cluster, adherence means no cluster's red rows are all met.

Pure apart from a bounded `functools.lru_cache` of compiled grids (thread-safe, grids are
immutable), so `allocate` is safe to call from many threads.
"""

from __future__ import annotations

import functools
from typing import Mapping

from . import logic
from .model import NOT_KNOWN, SCALE_IDS, Cluster, RuleSet
from .ranking import decide, fit_label, fit_labels, rank_key
from .records import Assessment, Record, RecordError, assessment_from_ratings
from .results import (
    AllocationResult, BlockingCandidate, Candidate, ColourSummary, GroupBest, Tally, scale_unknown,
)
from .rows import check_row, plan, row_checks, row_value, slot, slots

__all__ = ["allocate", "fit_cluster", "check_row", "rank_key", "group_clusters", "VARIANCE"]

VARIANCE = "variance"
FURTHER = "further_assessment_required"


def fit_cluster(cluster: Cluster, assessment: Assessment) -> Candidate | None:
    """How an assessment fits one cluster's grid; None if the cluster has no grid."""
    if cluster.grid is None:
        return None
    ratings = assessment.ratings
    get = ratings.get
    found: tuple[list[str], ...] = ([], [], [], [], [], [], [], [], [])  # `rows.slot` order
    for scale, table, label, row in slots(cluster.grid):
        place = table.get(get(scale))
        if place is None:  # a pair row, or a rating a table does not hold (`row_value` decides)
            scales, reading, colour, _, _, allowed, tails = row
            place = slot(colour, row_value(scales, reading, allowed, tails, ratings))
        found[place].append(label)
    red = ColourSummary(tuple(found[0]), tuple(found[1]), tuple(found[2]))
    orange = ColourSummary(tuple(found[3]), tuple(found[4]), tuple(found[5]))
    yellow = ColourSummary(tuple(found[6]), tuple(found[7]), tuple(found[8]))
    tally = Tally(cluster.number, *map(len, found[:6]))
    labels = fit_labels(tally)
    return Candidate(cluster.number, cluster.name, cluster.group, cluster.branch,
                     fit_label(labels), red, orange, yellow,
                     functools.partial(row_checks, plan(cluster.grid), ratings), labels, tally)


def _tree_groups(ruleset: RuleSet):
    return ruleset.tree.groups if ruleset.tree is not None else ()


def group_clusters(ruleset: RuleSet, group: str) -> frozenset[int]:
    """Clusters under a decision-tree group (or branch) name; `RecordError` if it names neither."""
    groups = _tree_groups(ruleset)
    for g in groups:
        if g.name == group:
            return frozenset(n for b in g.branches for n in b.clusters)
    for g in groups:
        for b in g.branches:
            if b.name == group:
                return frozenset(b.clusters)
    names = [g.name for g in groups] + [b.name for g in groups for b in g.branches]
    raise RecordError(None, "group", f"unknown decision-tree group {group!r}; "
                      f"known: {', '.join(names) or '(the rule set has no decision tree)'}")


def _variance_cluster(ruleset: RuleSet) -> int | None:
    return next((n for n in sorted(ruleset.clusters) if ruleset.clusters[n].kind == VARIANCE), None)


def _as_assessment(value, ruleset: RuleSet) -> Assessment:
    if isinstance(value, Assessment):
        return value
    if isinstance(value, Record):
        latest = value.latest()
        if latest is None:
            raise RecordError(value.id, "assessments", "must hold at least one assessment")
        return latest
    if isinstance(value, Mapping) and "assessments" in value:
        raise RecordError(None, "ratings", "this is a record (it has `assessments`), not a "
                          "ratings mapping: pass mhct_dsl.parse_record(record) to allocate its "
                          "latest assessment")
    if isinstance(value, Mapping):
        return assessment_from_ratings(value, ruleset=ruleset)
    raise RecordError(None, "ratings", "must be an object mapping scale ids to ratings "
                      f"(or an Assessment or Record), not {type(value).__name__}")


def _given_group(record: Record | None, argument: str | None) -> tuple[str | None, str | None]:
    """(group, source) from the record's own ``group`` and the caller's argument."""
    own = record.group if record is not None else None
    if own is not None and argument is not None and own != argument:
        raise RecordError(None, "group", f"the record's group {own!r} differs from the group "
                          f"asked for ({argument!r}); give one, or make them agree")
    if own is not None:
        return own, "record"
    return (argument, "argument") if argument is not None else (None, None)


def _settle_group(ruleset, given, recorded_cluster):
    """(group, source, members) per the module docstring; (None, None, None) if unsettled."""
    group, source = given
    if group is None and recorded_cluster is not None:
        group = ruleset.clusters[recorded_cluster].group
        source = "recorded_cluster" if group is not None else None
    if group is None:
        return None, None, None
    return group, source, group_clusters(ruleset, group)


def _by_group(ruleset: RuleSet, candidates) -> dict[str, GroupBest | None]:
    """Each group's best candidate that is not definitely ``no`` (None: all are)."""
    out: dict[str, GroupBest | None] = {}
    for g in _tree_groups(ruleset):
        best = next((c for c in candidates if c.group == g.name and not c.red.missed), None)
        out[g.name] = None if best is None else GroupBest(best.cluster, best.fit)
    return out


def _blocking(candidate: Candidate, colours, date) -> BlockingCandidate:
    rows = candidate.unknown_rows(colours)
    return BlockingCandidate(candidate.cluster, tuple(r.label for r in rows),
                             tuple(dict.fromkeys(u for r in rows for u in r.unknowns(date))))


def _outcome(assessment, candidates, members, variance):
    """(suggested, outcome, blocking) per the module docstring, steps 1-6."""
    ratings = assessment.ratings
    unknown = [s for s in SCALE_IDS if ratings.get(s) in (None, NOT_KNOWN)]
    if all(ratings.get(s) in (0, None, NOT_KNOWN) for s in SCALE_IDS):
        if not unknown:
            return None, "no_rated_needs", ()
        return None, FURTHER, (BlockingCandidate(None, tuple(unknown), tuple(
            scale_unknown(s, ratings.get(s), assessment.date) for s in unknown)),)
    if all(c.red.missed for c in candidates):
        return variance, VARIANCE, ()
    if members is None:
        return None, "group_needed", ()
    best, contenders = decide(c for c in candidates if c.cluster in members)
    if not contenders:
        return None, "no_fit_in_group", ()
    if best is None:
        blocking = (_blocking(c, ("red", "orange"), assessment.date) for c in contenders)
        return None, FURTHER, tuple(b for b in blocking if b.rows)
    if best.fit == "unknown":
        return best.cluster, FURTHER, (_blocking(best, ("orange",), assessment.date),)
    return best.cluster, best.fit, ()


def allocate(ruleset: RuleSet,
             ratings_or_assessment: Mapping[str, int | None] | Assessment | Record,
             group: str | None = None, *, record_id: str | None = None,
             recorded_cluster: int | None = None) -> AllocationResult:
    """Rank every cluster with a grid against one assessment and suggest one (module docstring).

    ``ratings_or_assessment`` is a ratings mapping (``{"1": 0, ..., "E": 9}``; validated, may raise
    `RecordError`), an `Assessment`, or a `Record` (its latest assessment, its id, its own
    ``group`` (``group`` is the default for a record without one) and its ``recorded_cluster``
    when the argument leaves it unset).
    """
    record = ratings_or_assessment if isinstance(ratings_or_assessment, Record) else None
    if record is not None:
        record_id = record_id if record_id is not None else record.id
        if recorded_cluster is None:
            recorded_cluster = record.recorded_cluster
    try:
        given = _given_group(record, group)
        assessment = _as_assessment(ratings_or_assessment, ruleset)
        if recorded_cluster is not None and recorded_cluster not in ruleset.clusters:
            raise RecordError(None, "recorded_cluster",
                              f"cluster {recorded_cluster} is not in the rule set {ruleset.name!r}")
        settled, source, members = _settle_group(ruleset, given, recorded_cluster)
    except RecordError as error:
        raise RecordError(record_id, error.field, error.message, **error.location) from None

    candidates = sorted((c for c in (fit_cluster(ruleset.clusters[n], assessment)
                                     for n in sorted(ruleset.clusters)) if c is not None),
                        key=rank_key)
    suggested, outcome, blocking = _outcome(assessment, candidates, members,
                                            _variance_cluster(ruleset))

    recorded_fit, adheres = None, None
    if recorded_cluster is not None:
        recorded_fit, adheres = _recorded(ruleset.clusters[recorded_cluster], assessment,
                                          candidates)
    return AllocationResult(
        id=record_id, ruleset=ruleset.receipt(), candidates=tuple(candidates),
        suggested=suggested, outcome=outcome, blocking_unknowns=blocking, group=settled,
        date=assessment.date, recorded_cluster=recorded_cluster, recorded_fit=recorded_fit,
        recorded_adheres=adheres, group_source=source, by_group=_by_group(ruleset, candidates),
    )


def _recorded(cluster: Cluster, assessment: Assessment, candidates):
    candidate = next((c for c in candidates if c.cluster == cluster.number), None)
    if candidate is not None:
        return candidate.fit, candidate.truth
    if cluster.kind == VARIANCE:
        # Variance is right exactly when no cluster's red ratings match.
        return VARIANCE, logic.not_(logic.any_of(c.truth for c in candidates))
    return "not_allocatable", False
