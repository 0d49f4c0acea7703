"""A compiled review plan: `mhct review`'s JSON text for a record, written directly.

`dumps(ruleset, record, as_of=None)` is ``review_json.dumps(review(ruleset, record, as_of))``,
the same text (tests/test_review_plan.py, the review goldens), without the interpreter's trace
objects (`Outcome`, `CriterionTrace`, `ReviewResult`). The interpreter stays the reference; the
plan is its compiled mirror, as `mhct_dsl.compiled` mirrors allocation.

Once per rule set and cluster, the plan compiles what a review of that cluster needs: its
columns' criteria (`plan_criteria`), the step pool as byte offsets into the packed tallies
(`tallies`), the red rows of its grid, its targets, and the JSON text of everything a record
does not change (columns, sources, heads, the rule set's receipt), each written by `review_json`
itself. Per record it ranks the step pool once from the tallies, evaluates the criteria, decides
as `review.review` does and writes the text.

FALLBACK, per record, to the interpreter (``review_json.dumps(review(...))``): the variance
cluster, a latest MHCT older than the cluster allows (step 2), a rule set without tallies and a
rating the tallies do not hold. Per criterion: see `plan_criteria`.

Unlike the interpreter, the plan keeps state between calls: its memos (plans, templates, step
readings) fill as it writes. They are safe to share between threads under the GIL: each entry is
stored whole (``memo[key] = make()``), an entry made twice is the same, and clearing a full memo
only forgets.
"""

from __future__ import annotations

import datetime as dt
import functools

from . import dates, logic, review_json
from .allocation import VARIANCE
from .conditions import evaluate_in
from .context import Context
from .memo import IdentityMemo
from .model import COLUMN_ORDER, Cluster, RuleSet
from .nodes import FitsClusters
from . import plan_criteria
from .plan_criteria import compile_criterion
from .ranking import fit_of
from .records import Record, parse_record
from .results import (
    DECISION_TEXT, RED_ROWS_FAIL, BlockingCriterion, ColumnTrace, Tally, TargetFit,
    scale_unknown,
)
from .review import (
    DIRECTION_BY_COLUMN, named_fits, provenance, red_rows_fail_note, review, review_date,
    reviewed_cluster, stale_blocker, transition_targets, undecided_note, unsuggested_note,
)
from .review_json import encode_text
from .rows import row_value, slot, slots
from .stepfit import pool, step_fit
from .tallies import FIELDS, tables

__all__ = ["dumps"]

_PLANS = IdentityMemo(1024)
_NEW = object()  # not yet remembered


def dumps(ruleset: RuleSet, record, as_of: dt.date | str | None = None) -> str:
    """``review_json.dumps(review(ruleset, record, as_of))``: from the plan of the record's
    cluster, or from the interpreter for what the plan does not compile (module docstring).
    Raises `RecordError` as `review` does."""
    if not isinstance(record, Record):
        record = parse_record(record, ruleset)
    cluster = reviewed_cluster(ruleset, record)
    when = review_date(as_of, record, cluster)
    plan = _PLANS.get((id(ruleset), id(cluster)), (ruleset, cluster),
                      lambda: _compile(ruleset, cluster))
    latest = record.latest(when)
    counts = None if plan is None else plan.tables.counts(latest.ratings)
    if counts is None or stale_blocker(cluster, latest, when) is not None:
        return review_json.dumps(review(ruleset, record, as_of))  # FALLBACK: this record
    return plan.write(_Run(plan, record, when, latest, counts))


def _compile(ruleset: RuleSet, cluster: Cluster) -> _Plan | None:
    """The cluster's plan; None for what the interpreter reviews whole (the variance cluster,
    a rule set without tallies)."""
    built = tables(ruleset)
    if cluster.kind == VARIANCE or built is None:
        return None
    return _Plan(ruleset, cluster, built)


class _Column:
    """A column's criteria and its JSON texts by (value, decisive); for a column that is absent
    or ``n/a``, ``criteria`` None and its texts by decisive alone."""

    def __init__(self, ruleset: RuleSet, cluster: Cluster, kind: str):
        column = cluster.columns.get(kind)
        self.kind = kind
        self.criteria = None
        self.names = ()  # the criteria that may name clusters for the suggestion
        if column is None or column.quantifier == "n/a":
            status = "absent" if column is None else "not_applicable"
            quantifier = None if column is None else column.quantifier
            self.texts = {d: review_json.encode_column(
                ColumnTrace(kind, quantifier, None, status, d)) for d in (True, False)}
            return
        self.quantifier = column.quantifier
        self.texts = {(v, d): review_json.encode_column(
            ColumnTrace(kind, column.quantifier, v, "evaluated", d))
            for v in (True, False, None) for d in (True, False)}
        self.criteria = tuple(
            compile_criterion(ruleset, cluster, kind, column.quantifier, index, criterion,
                              provenance(criterion, column, cluster))
            for index, criterion in enumerate(column.criteria, start=1))
        self.blocking = tuple(review_json.encode_blocking(BlockingCriterion(
            kind, index, criterion.wording, ())).removesuffix("[]}")
            for index, criterion in enumerate(column.criteria, start=1))
        self.names = tuple(c for c in self.criteria if _names(c.condition))


def _names(condition) -> bool:
    """Whether ``fits cluster N`` occurs in ``condition``."""
    if isinstance(condition, FitsClusters):
        return True
    return any(_names(op) for op in getattr(condition, "operands", None)
               or ((condition.operand,) if hasattr(condition, "operand") else ()))


class _Plan:
    """One cluster's compiled review (module docstring)."""

    def __init__(self, ruleset: RuleSet, cluster: Cluster, built):
        self.ruleset, self.cluster, self.tables = ruleset, cluster, built
        self.number = cluster.number
        self.head = (review_json.encode_receipt(ruleset.receipt()),
                     review_json.encode_value(cluster.number))
        self.columns = tuple(_Column(ruleset, cluster, kind) for kind in COLUMN_ORDER)
        self.pool = tuple((n, built.at[n]) for n in pool(ruleset, cluster) if n in built.at)
        self.at = built.at.get(cluster.number)
        self.counted = {n: tuple(entry for entry in slots(ruleset.clusters[n].grid)
                                 if entry[3][2] in ("red", "orange")) for n, _ in self.pool}
        # the rows of `counted` an unknown rating can leave undecided: (scale, None) for a
        # one-scale row (undecided exactly when its rating is unknown), ("", row) a pair row
        self.open = {n: tuple((scale, None if scale else row)
                              for scale, _, _, row in rows if not scale or row[6][0] is None)
                     for n, rows in self.counted.items()}
        self.red = () if cluster.grid is None else tuple(
            entry for entry in slots(cluster.grid) if entry[3][2] == "red")
        self.targets = {direction: tuple(_target(ruleset, built, number, likelihood)
                                         for number, likelihood in
                                         transition_targets(cluster, direction))
                        for direction in DIRECTION_BY_COLUMN.values()}
        self.every = None if cluster.review is None else cluster.review.every
        self.readings: dict = {"up": {}, "down": {}}  # `reading` key -> a step's StepFit
        self._unknown: dict = {}  # (scale, rating) -> its unknown's JSON, the date a field

    def step(self, direction: str, key: tuple, ranked, assessment):
        """`stepfit.step_fit` of ``ranked`` (whose `reading` is ``key``) without its unknowns:
        the same for every ranking of that key, so remembered (up to 2,048 a direction)."""
        memo = self.readings[direction]
        fit = memo.get(key)
        if fit is None:
            if len(memo) >= 2048:
                memo.clear()
            fit = memo[key] = step_fit(self.cluster, direction, assessment, ranked, _no_rows)
        return fit

    @staticmethod
    def reading(ranked) -> tuple:
        """What `stepfit.step_fit` reads of a ranking besides the unknown ratings: the definite
        best and its fit, else the contenders and whether one certainly meets its red rows."""
        best, contenders = ranked
        if best is not None:
            return best.cluster, fit_of(best)
        return tuple(c.cluster for c in contenders), any(not c.red_unknown for c in contenders)

    def rank(self, counts: bytes) -> tuple[Tally | None, tuple[Tally, ...]]:
        """`stepfit.best_fit` from the packed counts: `ranking.decide` under the step reading's
        keys (the current cluster first among equally good fits), over the pool."""
        current = self.number
        open_ = []
        for number, at in self.pool:
            red_met, red_missed, red_unknown, orange_met, orange_missed, orange_unknown = \
                counts[at:at + FIELDS]
            if red_missed:
                continue
            stay = number != current
            open_.append(((0, orange_missed, stay, -red_met - red_unknown,
                           -orange_met - orange_unknown, number),
                          (1 if red_unknown else 0, orange_missed + orange_unknown, stay,
                           -red_met, -orange_met, number), number, at))
        if not open_:
            return None, ()
        leader = min(open_, key=lambda entry: entry[1])
        bar = leader[1]
        contenders = [entry for entry in open_ if entry is leader or entry[0] < bar]
        if len(contenders) == 1 and not bar[0]:
            best = Tally(leader[2], *counts[leader[3]:leader[3] + FIELDS])
            return best, (best,)
        contenders.sort()
        return None, tuple(Tally(n, *counts[at:at + FIELDS]) for _, _, n, at in contenders)

    def unknown_ratings(self, ratings, contenders) -> tuple[tuple[str, int | None], ...]:
        """(scale, rating) of the unknown ratings behind each contender's undecided red and orange
        rows, best first, once each (the same scale is the same unknown at one MHCT): what
        `stepfit.step_fit` names through `Context.undecided` and `RowCheck.unknowns`."""
        found: dict = {}
        for contender in contenders:
            for scale, row in self.open[contender.cluster]:
                if row is not None:  # a pair row: undecided as `row_value` says
                    scales, reading, _, _, _, allowed, tails = row
                    if row_value(scales, reading, allowed, tails, ratings) is not None:
                        continue
                for scale in row[0] if row is not None else (scale,):
                    raw = ratings.get(scale)
                    if (raw is None or raw == 9) and scale not in found:
                        found[scale] = raw
        return tuple(found.items())

    def unknowns(self, run: _Run) -> str:
        """`_Run.unknowns`: the JSON list of `unknown_ratings`' unknowns."""
        texts = []
        for scale, raw in self.unknown_ratings(run.ratings, run.ranked()[1]):
            text = self._unknown.get((scale, raw), _NEW)
            if text is _NEW:
                text = self._unknown[scale, raw] = plan_criteria.dated(
                    lambda day: review_json.encode_unknown(scale_unknown(
                        scale, raw, dt.date.fromisoformat(day))))
            texts.append(review_json.encode_unknown(scale_unknown(scale, raw, run.latest.date))
                         if text is None else run.day.join(text))
        return "[" + ", ".join(texts) + "]"

    def current(self, run: _Run) -> tuple[str, tuple[str, ...]]:
        """``current_fit``'s JSON (``null`` without a grid) and the red rows missed."""
        if self.at is None:
            return "null", ()
        tally = Tally(self.number, *run.counts[self.at:self.at + FIELDS])
        missed, unknown = [], []
        if tally.red_missed or tally.red_unknown:
            ratings = run.ratings
            for scale, table, label, row in self.red:
                place = table.get(ratings.get(scale))
                if place is None:  # a pair row (`row_value` decides), as `fit_cluster` does
                    scales, reading, colour, _, _, allowed, tails = row
                    place = slot(colour, row_value(scales, reading, allowed, tails, ratings))
                if place == 1:
                    missed.append(label)
                elif place == 2:
                    unknown.append(label)
        truth = False if missed else None if unknown else True
        return review_json.current_fit(fit_of(tally), truth, missed, unknown), tuple(missed)

    def target(self, run: _Run, target: _Target) -> str:
        """A target's JSON, as `review._target_fit` makes it."""
        number, likelihood, at, every, texts = target
        fit = "no grid" if at is None else fit_of(Tally(0, *run.counts[at:at + FIELDS]))
        if every is None:
            return texts[fit]
        day, iso = run.due(every)
        if texts[fit] is None:
            return review_json.encode_target(TargetFit(number, likelihood, fit,
                                                 dates.describe(every), day))
        return iso.join(texts[fit])

    def write(self, run: _Run) -> str:
        """The record's review as `review.review` decides it, written as `review_json.dumps`."""
        decision = deciding = None
        criteria: list[str] = []
        columns: list[str] = []
        blocking = "[]"
        decided = None
        for column in self.columns:
            decisive = decision is None
            if column.criteria is None:
                columns.append(column.texts[decisive])
                continue
            found = [c.write(run, decisive) for c in column.criteria]
            criteria.extend(text for _, text, _ in found)
            value = logic.quantify(column.quantifier, [v for v, _, _ in found])
            columns.append(column.texts[value, decisive])
            if decision is not None:
                continue
            if value is True:
                decision = deciding = column.kind
                decided = column
            elif value is None:
                decision, deciding = "needs_assessment", column.kind
                blocking = "[" + ", ".join(
                    head + unknowns + "}" for head, (v, _, unknowns)
                    in zip(column.blocking, found) if v is None) + "]"
        if decision is None:
            decision = "remain"

        note = DECISION_TEXT[decision]
        current, missed = self.current(run)
        targets = suggested = flags = "[]"
        if decision in DIRECTION_BY_COLUMN:
            direction = DIRECTION_BY_COLUMN[decision]
            targets = "[" + ", ".join(self.target(run, target)
                                      for target in self.targets[direction]) + "]"
            _, step = run.step(direction)
            named = ()
            if decided.names:  # the interpreter names them (rare: a step met that way)
                ctx = run.context()
                named = named_fits(ctx, run.latest, [evaluate_in(c.condition, ctx)
                                                      for c in decided.names])
            chosen = tuple(dict.fromkeys(step.suggested + named))
            suggested = "[" + ", ".join(map(str, chosen)) + "]"
            if not chosen:
                note = unsuggested_note(decision, step.note)
        elif decision == "needs_assessment":
            note = undecided_note(deciding)
        elif decision == "remain" and missed:
            flags = review_json.encode_texts((RED_ROWS_FAIL,))
            note = red_rows_fail_note(self.number, missed)

        due = overdue = "null"
        if self.every is not None:
            day, iso = run.due(self.every)
            due, overdue = encode_text(iso), "true" if run.when > day else "false"
        receipt, number = self.head
        return review_json.document(
            review_json.encode_value(run.record.id), receipt, number, encode_text(decision),
            "[" + ", ".join(criteria) + "]", suggested, blocking, due,
            encode_text(run.when.isoformat()), overdue, encode_text(note),
            "[" + ", ".join(columns) + "]", targets, current, flags, "null")


# A target: its cluster, likelihood, byte offset in the tallies (None: no grid) and review
# interval (None: none), and its JSON text by fit label (`plan_criteria.dated` fragments around
# the next review's date when it has an interval, else the text; None: written per record).
_Target = tuple


def _target(ruleset: RuleSet, built, number: int, likelihood: str) -> _Target:
    target = ruleset.clusters.get(number)
    every = None if target is None or target.review is None else target.review.every
    texts = {}
    for fit in ("fits", "weaker", "no", "unknown", "no grid"):
        if every is None:
            texts[fit] = review_json.encode_target(TargetFit(number, likelihood, fit))
        else:
            texts[fit] = plan_criteria.dated(lambda day, fit=fit: review_json.encode_target(
                TargetFit(number, likelihood, fit, dates.describe(every),
                          dt.date.fromisoformat(day))))
    return number, likelihood, built.at.get(number), every, texts


@functools.lru_cache(maxsize=8192)
def _moved(day: dt.date, duration, sign: int) -> tuple[dt.date, str]:
    """`dates.add` and its ISO text (a review moves the same few dates by the same few
    durations)."""
    moved = dates.add(day, duration, sign)
    return moved, moved.isoformat()


def _no_rows(number: int, assessment) -> tuple:
    """No undecided rows: a step reading without unknowns (`_Run.unknowns` has them)."""
    return ()


class _Run:
    """One record's review under a plan: its dates, ratings and tallies, and what its criteria
    share (the step reading, the interpreter's `Context` for those interpreted)."""

    __slots__ = ("plan", "record", "when", "latest", "counts", "ratings", "facts", "day",
                 "_fields", "_ranked", "_key", "_steps", "_context", "_unknowns")

    def __init__(self, plan: _Plan, record: Record, when: dt.date, latest, counts: bytes):
        self.plan, self.record, self.when, self.latest, self.counts = (
            plan, record, when, latest, counts)
        self.ratings, self.facts = latest.ratings, record.facts
        self.day = latest.date.isoformat()
        self._fields: dict = {}
        self._ranked = self._key = self._context = self._unknowns = None
        self._steps: dict = {}

    def due(self, every) -> tuple[dt.date, str]:
        """The latest MHCT's date moved by ``every`` (a review interval), and in ISO."""
        return _moved(self.latest.date, every, 1)

    def fields(self, durations: tuple) -> tuple[str, ...]:
        """A template's dates: the latest MHCT's, the review's, each window's start."""
        found = self._fields.get(durations)
        if found is None:
            found = self._fields[durations] = (self.day, self.when.isoformat(), *(
                _moved(self.when, d, -1)[1] for d in durations))
        return found

    def ranked(self):
        if self._ranked is None:
            self._ranked = self.plan.rank(self.counts)
        return self._ranked

    def step(self, direction: str):
        """``(key, fit)``: `stepfit.step_fit` at the latest MHCT in ``direction``, without its
        unknowns (`unknowns` has them), and the key of the ranking it reads (`_Plan.reading`)."""
        found = self._steps.get(direction)
        if found is None:
            plan = self.plan
            ranked = self.ranked()
            key = self._key
            if key is None:
                key = self._key = plan.reading(ranked)
            found = self._steps[direction] = key, plan.step(direction, key, ranked, self.latest)
        return found

    def reading_at(self, direction: str, assessment) -> tuple | None:
        """What `stepfit.step_fit` at ``assessment`` in ``direction`` depends on: the key of the
        ranking it reads and, when it is undecided, the unknown ratings it names; None for a
        rating the tables do not hold."""
        if assessment is self.latest:
            key, fit = self.step(direction)
            ranked, ratings = self._ranked, self.ratings
        else:
            plan = self.plan
            counts = plan.tables.counts(assessment.ratings)
            if counts is None:
                return None
            ranked, ratings = plan.rank(counts), assessment.ratings
            key = plan.reading(ranked)
            fit = plan.step(direction, key, ranked, assessment)
        return key, () if fit.value is not None else self.plan.unknown_ratings(ratings, ranked[1])

    def unknowns(self) -> str:
        """The JSON list of an undecided step reading's unknowns (`stepfit.step_fit`'s): the
        unknown ratings of the contenders' undecided red and orange rows."""
        if self._unknowns is None:
            self._unknowns = self.plan.unknowns(self)
        return self._unknowns

    def context(self) -> Context:
        """The interpreter's context for this review, holding the plan's tallies and ranking."""
        if self._context is None:
            plan = self.plan
            ctx = self._context = Context(self.record, plan.ruleset, plan.cluster, self.when)
            ctx.counters[self.latest.date] = functools.partial(plan.tables.tally, self.counts)
            ctx.ranked[self.latest.date] = self.ranked()
        return self._context
