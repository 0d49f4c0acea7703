"""Cluster allocation: the booklet's "How do I cluster someone who is newly referred?", Step 3.

For every cluster that has a rating grid (the variance cluster 0 and the blank cluster 9 have
none and are never candidates), each grid row is checked against the assessment's ratings:

- A row's *class* is the strongest colour on it (red > orange > yellow). The row is *met* when the
  rating lies in a band of the class colour; bands of weaker colours on the same row are
  informational. A row written ``none`` has no colour and is not checked.
- A pair row ``7|8`` (the booklet's note on scales 7 and 8) is met when either scale's rating is
  in such a band: Kleene OR, so it is unknown when neither known rating is in a band and at least
  one is unknown (9 or not rated).
- A single-scale row is unknown when its rating is 9 or missing.

Fit (booklet: red "must be rated ... if not, try another cluster"; orange "a mismatch reflects a
weaker fit"; yellow "significantly less bearing"):

- any red row false -> ``"no"``; else any red row unknown -> ``"unknown"``;
- else any orange row false -> ``"weaker"``; else ``"fits"``.
- Unknown orange rows do not weaken (they are listed); yellow rows never change the fit.

Ranking, best first (`rank_key`): fit ``fits`` < ``weaker`` < ``unknown`` < ``no``; then fewer orange
mismatches; then fewer unknown red rows, then fewer unknown orange rows; then more red rows met;
then more orange rows met; then the lower cluster number, so the order is total and deterministic.

Suggestion: the best candidate whose fit is ``fits`` or ``weaker``. If there is none: the variance
cluster (the cluster whose kind is ``variance``) when every candidate is ``"no"``; otherwise
``null`` with ``blocking_unknowns`` naming, for each ``"unknown"`` candidate, the red rows and
ratings that need assessing ("further assessment required"). The booklet's final word stands:
"the final clustering decision is yours"; this is a suggestion with its reasons.

An optional decision-tree hint (booklet Step 2) restricts the candidates to the clusters of a
group of ``ruleset.tree`` (``psychotic``); a branch name (``first_episode``) is accepted too, group
names are looked up first. A record's own ``group`` overrides the caller's.

``recorded_cluster`` (a cluster already recorded for this assessment) is checked too, for red-rule
adherence audits: its fit, and ``recorded_adheres`` = its red check (fits/weaker -> true,
no -> false, unknown -> unknown). For the variance cluster, adherence means no candidate fits.

Everything here is pure apart from a bounded `functools.lru_cache` of compiled grids (it is
thread-safe, and grids are immutable), so `allocate` is safe to call from many threads.
"""

from __future__ import annotations

import functools
from typing import Mapping

from . import logic
from .logic import Truth
from .model import COLOURS, NOT_KNOWN, Cluster, RuleSet, row_class
from .nodes import Grid, GridRow
from .records import Assessment, Record, RecordError, assessment_from_ratings
from .results import (
    AllocationResult, BlockingCandidate, Candidate, ColourSummary, RowCheck,
)

__all__ = ["allocate", "fit_cluster", "check_row", "rank_key", "fit_truth", "fits_better",
           "group_clusters", "FIT_ORDER", "VARIANCE"]

FIT_ORDER = {"fits": 0, "weaker": 1, "unknown": 2, "no": 3}
VARIANCE = "variance"


_Row = tuple[tuple[str, ...], str, tuple[tuple[int, int], ...], str, frozenset[int]]
_Plan = tuple[_Row, ...]


def _row_plan(row: GridRow) -> _Row | None:
    """(scales, class colour, bands of that colour, label, ratings in those bands) for a row;
    None for a ``none`` row."""
    if not row.bands:
        return None
    colour = row_class(row)
    bands = tuple((b.low, b.high) for b in row.bands if b.colour == colour)
    allowed = frozenset(r for lo, hi in bands for r in range(lo, hi + 1))
    return tuple(row.scales), colour, bands, "|".join(row.scales), allowed


@functools.lru_cache(maxsize=4096)
def _plan(grid: Grid) -> _Plan:
    """A grid compiled for checking (grids hash once: `Grid` caches its hash)."""
    return tuple(p for p in (_row_plan(row) for row in grid.rows) if p is not None)


def _row_value(scales, allowed, ratings) -> Truth:
    """Is any of the row's ratings in its class bands? Kleene OR; 9 or unrated is unknown."""
    value: Truth = False
    for scale in scales:
        raw = ratings.get(scale)
        if raw is None or raw == NOT_KNOWN:
            value = None
        elif raw in allowed:
            return True
    return value


def _check(scales, colour, bands, allowed, ratings) -> RowCheck:
    raws = tuple(ratings.get(s) for s in scales)
    return RowCheck(scales, colour, bands, raws, _row_value(scales, allowed, ratings))


def check_row(row: GridRow, assessment: Assessment) -> RowCheck | None:
    """One grid row against an assessment; None for a ``none`` row."""
    plan = _row_plan(row)
    return None if plan is None else _check(*plan[:3], plan[4], assessment.ratings)


def _row_checks(plan: _Plan, ratings) -> tuple[RowCheck, ...]:
    return tuple(_check(scales, colour, bands, allowed, ratings)
                 for scales, colour, bands, _, allowed in plan)


def fit_cluster(cluster: Cluster, assessment: Assessment) -> Candidate | None:
    """How an assessment fits one cluster's grid; None if the cluster has no grid."""
    if cluster.grid is None:
        return None
    ratings = assessment.ratings
    plan = _plan(cluster.grid)
    lists = {colour: ([], [], []) for colour in COLOURS}
    for scales, colour, _, label, allowed in plan:
        value = _row_value(scales, allowed, ratings)
        met, missed, unknown = lists[colour]
        (met if value is True else missed if value is False else unknown).append(label)
    red, orange, yellow = (ColourSummary(*map(tuple, lists[c])) for c in COLOURS)
    if red.missed:
        fit = "no"
    elif red.unknown:
        fit = "unknown"
    elif orange.missed:
        fit = "weaker"
    else:
        fit = "fits"
    return Candidate(cluster.number, cluster.name, cluster.group, cluster.branch, fit,
                     red, orange, yellow, functools.partial(_row_checks, plan, ratings))


def fit_truth(fit: str) -> Truth:
    """The red check as a truth value: fits/weaker -> True, no -> False, unknown -> None."""
    return {"fits": True, "weaker": True, "no": False}.get(fit)


def rank_key(candidate: Candidate) -> tuple:
    """Sort key, best first; see the module docstring for the order."""
    return (
        FIT_ORDER[candidate.fit],
        candidate.orange_mismatches,
        len(candidate.red.unknown),
        len(candidate.orange.unknown),
        -len(candidate.red.met),
        -len(candidate.orange.met),
        candidate.cluster,
    )


def _quality_bounds(candidate: Candidate) -> tuple[tuple[int, int], tuple[int, int]]:
    """(best, worst) quality a cluster could have once its unknown rows are rated (lower is
    better): ``(1, 0)`` for no fit, else ``(0, orange misses)``."""
    def quality(red_fails: bool, misses: int) -> tuple[int, int]:
        return (1, 0) if red_fails else (0, misses)

    red, orange = candidate.red, candidate.orange
    best = quality(bool(red.missed), len(orange.missed))
    worst = quality(bool(red.missed or red.unknown), len(orange.missed) + len(orange.unknown))
    return best, worst


def fits_better(candidate: Candidate, current: Candidate | None) -> Truth:
    """Does ``candidate`` fit, and strictly better than ``current`` (fewer orange misses, or
    current does not fit)? Three-valued: true only if it holds however the unknown ratings turn
    out, false only if it cannot hold, else unknown. Without ``current``: ``candidate`` fits."""
    if current is None:
        return fit_truth(candidate.fit)
    best, worst = _quality_bounds(candidate)
    current_best, current_worst = _quality_bounds(current)
    if worst[0] == 0 and worst < current_best:
        return True
    if best[0] == 1 or best >= current_worst:
        return False
    return None


def group_clusters(ruleset: RuleSet, group: str) -> frozenset[int]:
    """Clusters under a decision-tree group (or branch) name; `RecordError` if it names neither."""
    groups = ruleset.tree.groups if ruleset.tree is not None else ()
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
    if isinstance(value, Mapping):
        return assessment_from_ratings(value, ruleset=ruleset)
    raise RecordError(None, "ratings", "must be an object mapping scale ids to ratings "
                      f"(or an Assessment or Record), not {type(value).__name__}")


def allocate(ruleset: RuleSet, ratings_or_assessment, group: str | None = None, *,
             record_id: str | None = None, recorded_cluster: int | None = None) -> AllocationResult:
    """Rank every cluster with a grid against one assessment and suggest one.

    ``ratings_or_assessment`` is a ratings mapping (``{"1": 0, ..., "E": 9}``; validated, may raise
    `RecordError`), an `Assessment`, or a `Record` (its latest assessment, its id, and its own
    ``group`` and ``recorded_cluster`` when the arguments leave them unset).
    """
    if isinstance(ratings_or_assessment, Record):
        record = ratings_or_assessment
        record_id = record_id if record_id is not None else record.id
        group = record.group or group
        recorded_cluster = recorded_cluster if recorded_cluster is not None else record.recorded_cluster
    try:
        assessment = _as_assessment(ratings_or_assessment, ruleset)
        members = None if group is None else group_clusters(ruleset, group)
    except RecordError as error:
        raise RecordError(record_id, error.field, error.message, **error.location) from None

    candidates = []
    for number in sorted(ruleset.clusters):
        if members is not None and number not in members:
            continue
        candidate = fit_cluster(ruleset.clusters[number], assessment)
        if candidate is not None:
            candidates.append(candidate)
    candidates.sort(key=rank_key)

    suggested, outcome, blocking = None, "no_candidates", ()
    if candidates:
        best = candidates[0]
        if best.fit in ("fits", "weaker"):
            suggested, outcome = best.cluster, best.fit
        elif all(c.fit == "no" for c in candidates):
            suggested, outcome = _variance_cluster(ruleset), "variance"
        else:
            outcome = "further_assessment_required"
            blocking = tuple(
                BlockingCandidate(
                    c.cluster, c.red.unknown,
                    tuple(dict.fromkeys(u for r in c.rows if r.colour == "red"
                                        for u in r.unknowns(assessment.date))))
                for c in candidates if c.fit == "unknown")

    recorded_fit, adheres = None, None
    if recorded_cluster is not None:
        recorded_fit, adheres = _recorded(ruleset, recorded_cluster, assessment, candidates,
                                          record_id)
    return AllocationResult(
        id=record_id, ruleset=ruleset.receipt(), candidates=tuple(candidates),
        suggested=suggested, outcome=outcome, blocking_unknowns=blocking, group=group,
        date=assessment.date, recorded_cluster=recorded_cluster, recorded_fit=recorded_fit,
        recorded_adheres=adheres,
    )


def _recorded(ruleset: RuleSet, number: int, assessment: Assessment, candidates, record_id):
    cluster = ruleset.clusters.get(number)
    if cluster is None:
        raise RecordError(record_id, "recorded_cluster",
                          f"cluster {number} is not in the rule set {ruleset.name!r}")
    candidate = next((c for c in candidates if c.cluster == number), None)
    if candidate is None:
        candidate = fit_cluster(cluster, assessment)
    if candidate is not None:
        return candidate.fit, fit_truth(candidate.fit)
    if cluster.kind == VARIANCE:
        # Variance is right exactly when no cluster's red ratings match.
        return VARIANCE, logic.not_(logic.any_of(fit_truth(c.fit) for c in candidates))
    return "not_allocatable", False
