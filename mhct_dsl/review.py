"""Care review: the booklet's "Step-by-step guide ... at care reviews", for the current cluster.

`review(ruleset, record, as_of=None)` follows the six steps on the page of the record's current
cluster (which must exist in the rule set and have care-transition columns, or be the variance
cluster):

2. a new MHCT: when the latest assessment on or before ``as_of`` is older than the cluster allows
   (``review every D mhct within M``: ``M``, by default ``D``; dated on or after ``as_of - M``
   is fresh), the decision is ``"needs_assessment"`` with "complete a new MHCT (step 2)" as its
   blocker; the columns are still evaluated, all informational.
3. step-up column (quantifier one/any/all): true -> ``"step_up"``, with ``suggested_clusters`` =
   the clusters `stepfit` reads "fits a likely/possible step-up cluster" from: the latest MHCT's
   best fit over the current cluster and its likely/possible transitions, when it is a
   likely/possible step-up target (or the contenders for best that are), then the fitting
   clusters a met ``fits cluster N, M`` criterion of the column names; unknown ->
   ``"needs_assessment"`` (one cannot go on to discharge without knowing step-up is not met);
   false -> step 4.
4. discharge column: true -> ``"discharge"``; unknown -> ``"needs_assessment"``; false -> step 5.
5. step-down column: true -> ``"step_down"`` with the suggested down targets (as in 3); unknown ->
   ``"needs_assessment"``; false -> step 6.
6. otherwise ``"remain"``: the existing allocation remains valid.

A column that is ``n/a`` (or absent from the cluster's page) is skipped, as a false one would be.

Decisions beyond the booklet's text:

- Every applicable column is evaluated, also after the decision, so a clinician sees the whole
  page; criteria of columns after the deciding one carry ``"decisive": false``. ``columns`` lists
  each column's overall value and status (evaluated / not_applicable / absent).
- ``blocking_unknowns`` (only for ``needs_assessment``): each unknown criterion of the column the
  decision hinges on, with the unknown ratings, facts, dates or history behind it.
- ``as_of`` defaults to the latest assessment's date; an ``as_of`` before the first assessment or
  before ``cluster_since`` (a cluster the person was not yet in) is a record error. Assessments
  and events after ``as_of`` are ignored.
- ``next_review_due`` = the date of the latest assessment on or before ``as_of`` plus the cluster's
  maximum review interval (``null`` without one); ``review_overdue`` compares it with ``as_of``.
  Each target carries its own interval and next review (the latest MHCT's date plus it).
- ``current_fit``: the latest ratings against the current cluster's grid; a ``remain`` while its
  red rows fail carries the flag ``remain_while_red_rows_fail``.
- The variance cluster (no protocol; reviewed every 6 months) re-runs allocation on the latest
  MHCT: still variance -> ``"remain"``; a suggested cluster -> ``"recluster"`` with it as the
  suggestion; no suggestion -> ``"needs_assessment"`` with allocation's blockers.
- ``targets`` lists every likely/possible target in the decided direction with its fit, so an
  auditor sees the ones that did not fit too. If a step is met but no target fits, the note says
  to re-cluster from the ratings (booklet Step 3 of allocation).

Pure: no module state; safe to call from many threads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from . import dates, logic
from .allocation import VARIANCE, allocate, rank_key
from .conditions import Context, evaluate_in
from .model import COLUMN_ORDER, Cluster, RuleSet
from .nodes import FitsClusters
from .ranking import fit_of
from .records import Assessment, Record, RecordError, parse_record
from .stepfit import COUNTED
from .results import (
    DECISION_TEXT, RED_ROWS_FAIL, BlockingCriterion, ColumnTrace, CriterionTrace, ReviewResult,
    TargetFit, Unknown,
)

__all__ = ["review", "transition_targets"]

# A met column decides the review by its own name: step_up, discharge or step_down.
DIRECTION_BY_COLUMN = {"step_up": "up", "step_down": "down"}
STEP_2 = ("2. After completing an appropriate re-assessment of risks and needs complete a new "
          "MHCT.")


def review_date(value, record: Record, cluster: Cluster) -> dt.date:
    first = record.assessments[0].date if record.assessments else None
    if first is None:
        raise RecordError(record.id, "assessments", "a review needs at least one assessment")
    if value is None:
        value = record.assessments[-1].date
    elif isinstance(value, str):
        try:
            value = dates.parse_iso(value)
        except ValueError as error:
            raise RecordError(record.id, "as_of", str(error)) from None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise RecordError(record.id, "as_of", f"must be a date, got {type(value).__name__}")
    try:
        dates.in_range(value)
    except ValueError as error:
        raise RecordError(record.id, "as_of", str(error)) from None
    if value < first:
        raise RecordError(record.id, "as_of",
                          f"{value.isoformat()} is before the first assessment "
                          f"({first.isoformat()})")
    since = record.cluster_since
    if since is not None and value < since:
        raise RecordError(record.id, "as_of",
                          f"{value.isoformat()} is before cluster_since ({since.isoformat()}): "
                          f"the person was not yet in cluster {cluster.number}")
    return value


def reviewed_cluster(ruleset: RuleSet, record: Record) -> Cluster:
    number = record.current_cluster
    if number is None:
        raise RecordError(record.id, "current_cluster", "is required for a review")
    cluster = ruleset.clusters.get(number)
    if cluster is None:
        raise RecordError(record.id, "current_cluster",
                          f"cluster {number} is not in the rule set {ruleset.name!r}")
    if not cluster.columns and cluster.kind != VARIANCE:
        raise RecordError(record.id, "current_cluster",
                          f"cluster {number} has no care transition protocol to review against")
    return cluster


def stale_blocker(cluster: Cluster, latest: Assessment, when: dt.date) -> BlockingCriterion | None:
    """Step 2's blocker when the latest MHCT is older than the cluster allows at ``when``."""
    if cluster.review is None:
        return None
    limit = cluster.review.mhct_within or cluster.review.every
    if latest.date >= dates.window_start(when, limit):
        return None
    reason = (f"the latest MHCT is dated {latest.date.isoformat()}, more than "
              f"{dates.describe(limit)} before the review on {when.isoformat()}")
    return BlockingCriterion("assessment", 2, STEP_2, (Unknown("assessment", "latest", reason),))


def _target_fit(ctx: Context, latest: Assessment, number: int, likelihood: str) -> TargetFit:
    tally = ctx.tallies_at(latest)(number)
    target = ctx.ruleset.clusters.get(number)
    every = None if target is None or target.review is None else target.review.every
    return TargetFit(number, likelihood,
                     "no grid" if tally is None else fit_of(tally),
                     None if every is None else dates.describe(every),
                     None if every is None else dates.add(latest.date, every))


def transition_targets(cluster: Cluster, direction: str) -> list[tuple[int, str]]:
    """``(cluster, likelihood)`` of the likely then possible targets in ``direction``."""
    out: list[tuple[int, str]] = []
    for likelihood in COUNTED:
        for number in cluster.targets(direction, (likelihood,)):
            if all(number != n for n, _ in out):
                out.append((number, likelihood))
    return out


def provenance(criterion, column, cluster: Cluster):
    for item in (criterion, column):
        if getattr(item, "source", None) is not None:
            return item.source
    return cluster.source


def review(ruleset: RuleSet, record: Record | Mapping[str, Any], as_of: dt.date | str | None = None
           ) -> ReviewResult:
    """Decide a care review for ``record`` (a `Record`, or a record dict validated here).

    Raises `RecordError` for a record that cannot be reviewed (see the module docstring).
    """
    if not isinstance(record, Record):
        record = parse_record(record, ruleset)
    cluster = reviewed_cluster(ruleset, record)
    when = review_date(as_of, record, cluster)
    latest = record.latest(when)
    stale = stale_blocker(cluster, latest, when)
    if cluster.kind == VARIANCE:
        return _variance_review(ruleset, record, cluster, when, latest, stale)
    ctx = Context(record, ruleset, cluster, when)

    decision: str | None = "needs_assessment" if stale is not None else None
    deciding: str | None = None
    criteria: list[CriterionTrace] = []
    columns: list[ColumnTrace] = []
    blocking: list[BlockingCriterion] = [stale] if stale is not None else []
    for kind in COLUMN_ORDER:
        column = cluster.columns.get(kind)
        decisive = decision is None
        if column is None or column.quantifier == "n/a":
            status = "absent" if column is None else "not_applicable"
            columns.append(ColumnTrace(kind, None if column is None else column.quantifier,
                                       None, status, decisive))
            continue
        traces = []
        for index, criterion in enumerate(column.criteria, start=1):
            outcome = evaluate_in(criterion.condition, ctx)
            traces.append(CriterionTrace(
                kind, column.quantifier, index, criterion.wording, outcome,
                provenance(criterion, column, cluster), criterion.span, decisive))
        value = logic.quantify(column.quantifier, (t.value for t in traces))
        criteria.extend(traces)
        columns.append(ColumnTrace(kind, column.quantifier, value, "evaluated", decisive))
        if decision is not None:
            continue
        if value is True:
            decision, deciding = kind, kind
        elif value is None:
            decision, deciding = "needs_assessment", kind
            blocking = [BlockingCriterion(kind, t.index, t.wording, t.outcome.unknowns)
                        for t in traces if t.value is None]
    if decision is None:
        decision = "remain"

    targets: list[TargetFit] = []
    suggested: list[int] = []
    flags: list[str] = []
    note = DECISION_TEXT[decision]
    current = ctx.fit(cluster.number, latest)
    if decision in DIRECTION_BY_COLUMN:
        direction = DIRECTION_BY_COLUMN[decision]
        targets = [_target_fit(ctx, latest, number, likelihood)
                   for number, likelihood in transition_targets(cluster, direction)]
        found = ctx.step(direction, latest)
        named = named_fits(ctx, latest, (t.outcome for t in criteria if t.column == decision))
        suggested = list(dict.fromkeys(found.suggested + named))
        if not suggested:
            note = unsuggested_note(decision, found.note)
    elif stale is not None:
        note = f"complete a new MHCT (step 2): {stale.unknowns[0].reason}"
    elif decision == "needs_assessment":
        note = undecided_note(deciding)
    elif decision == "remain" and current is not None and current.truth is False:
        flags.append(RED_ROWS_FAIL)
        note = red_rows_fail_note(cluster.number, current.red.missed)

    return ReviewResult(
        id=record.id, ruleset=ruleset.receipt(), current_cluster=cluster.number,
        cluster_name=cluster.name, as_of=when, decision=decision, criteria=tuple(criteria),
        columns=tuple(columns), suggested_clusters=tuple(suggested), targets=tuple(targets),
        blocking_unknowns=tuple(blocking), next_review_due=_next_due(cluster, latest), note=note,
        current_fit=current, flags=tuple(flags),
    )


def unsuggested_note(decision: str, step_note: str) -> str:
    """The note of a step met with no target suggested (``step_note``: the step reading's)."""
    return (f"{DECISION_TEXT[decision]}; {step_note}, so no likely/possible target is "
            "suggested: re-cluster from the ratings (allocation)")


def undecided_note(deciding: str) -> str:
    """The note of a ``needs_assessment`` decided by the unknowns of column ``deciding``."""
    return (f"further assessment required: the {deciding.replace('_', '-')} criteria cannot be "
            "decided until the unknowns listed are assessed")


def red_rows_fail_note(cluster: int, missed) -> str:
    """The note of a ``remain`` while the latest ratings miss the cluster's red rows."""
    return (f"{DECISION_TEXT['remain']}; but the latest ratings miss cluster {cluster}'s red rows "
            f"({', '.join(missed)}): check the allocation")


def named_fits(ctx: Context, latest: Assessment, outcomes) -> tuple[int, ...]:
    """The clusters a met ``fits cluster N, M`` criterion of the deciding column names that fit
    the latest ratings, best first: a step met that way suggests them."""
    found = []
    stack = [o for o in outcomes if o.value is True]
    while stack:
        outcome = stack.pop()
        if isinstance(outcome.condition, FitsClusters):
            found.extend(c for c in (ctx.fit(n, latest) for n in outcome.condition.clusters)
                         if c is not None and c.truth is True)
        stack.extend(p for p in outcome.parts if p.value is True)
    return tuple(dict.fromkeys(c.cluster for c in sorted(found, key=rank_key)))


def _next_due(cluster: Cluster, latest: Assessment) -> dt.date | None:
    return None if cluster.review is None else dates.add(latest.date, cluster.review.every)


def _variance_review(ruleset: RuleSet, record: Record, cluster: Cluster, when: dt.date,
                     latest: Assessment, stale: BlockingCriterion | None) -> ReviewResult:
    """Cluster 0 has no care transition protocol: its review re-runs allocation on the latest
    MHCT against every cluster and says what fits now."""
    found = allocate(ruleset, latest, record.group, record_id=record.id)
    suggested: tuple[int, ...] = ()
    blocking: tuple[BlockingCriterion, ...] = ()
    if stale is not None:
        decision, blocking = "needs_assessment", (stale,)
        note = f"complete a new MHCT (step 2): {stale.unknowns[0].reason}"
    elif found.outcome == VARIANCE:
        decision = "remain"
        note = "variance review: the latest MHCT still fits no cluster, so variance remains"
    elif found.suggested is not None:
        decision, suggested = "recluster", (found.suggested,)
        note = (f"variance review: the latest MHCT fits cluster {found.suggested} "
                f"({found.outcome}): re-cluster (allocation)")
    else:
        decision = "needs_assessment"
        blocking = tuple(
            BlockingCriterion("allocation", b.cluster or 0,
                              "every rating" if b.cluster is None else f"cluster {b.cluster}",
                              b.unknowns) for b in found.blocking_unknowns)
        if found.outcome == "group_needed":
            blocking += (BlockingCriterion("allocation", 0, "decision-tree group", (Unknown(
                "group", "group", "no decision-tree group: give the record's group"),)),)
        note = (f"variance review: allocation cannot suggest a cluster "
                f"({found.outcome.replace('_', ' ')})")
    ctx = Context(record, ruleset, cluster, when)
    targets = tuple(_target_fit(ctx, latest, n, "allocation") for n in suggested)
    return ReviewResult(
        id=record.id, ruleset=ruleset.receipt(), current_cluster=cluster.number,
        cluster_name=cluster.name, as_of=when, decision=decision, criteria=(), columns=(),
        suggested_clusters=suggested, targets=targets, blocking_unknowns=blocking,
        next_review_due=_next_due(cluster, latest), note=note, allocation=found,
    )
