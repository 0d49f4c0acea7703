"""What a condition is evaluated against (`Context`), the window of a "for the past D" condition,
and the trace helpers the condition handlers share (`conditions`, `fits`). The semantics are in
`conditions`' docstring and docs/language.md ("Time windows")."""

from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable

import attrs

from . import dates, logic
from .allocation import fit_cluster
from .logic import Truth
from .model import Cluster, RuleSet
from .nodes import Duration
from .records import Assessment, Record
from .results import Candidate, Evidence, Outcome, RowCheck, Tally, Unknown
from .rows import plan, row_checks
from .stepfit import StepFit, best_fit, step_fit
from .tallies import counter

__all__ = ["Context", "Window", "window", "dedupe", "rating_evidence", "rating_unknown",
           "first_date", "latest_assessment", "no_assessment", "all_over_window"]


@attrs.frozen
class Context:
    """What a condition is evaluated against: record, rules, current cluster, and the date.

    ``fits`` memoises cluster fits by (cluster, assessment date), ``counters`` their tallies
    (`tallies_at`) and ``ranked`` the step reading's best fit (`stepfit.best_fit`) by assessment
    date, for the duration of one evaluation (a review evaluates the same fits for criteria and
    for suggestions); they belong to the call that made the context and are never shared between
    calls or threads.
    """

    record: Record
    ruleset: RuleSet
    cluster: Cluster | None
    as_of: dt.date
    fits: dict = attrs.field(factory=dict, eq=False, repr=False)
    counters: dict = attrs.field(factory=dict, eq=False, repr=False)
    ranked: dict = attrs.field(factory=dict, eq=False, repr=False)

    def fit(self, number: int, assessment: Assessment) -> Candidate | None:
        """Cluster ``number``'s fit to ``assessment`` (None: not in the rules, or no grid)."""
        key = (number, assessment.date)
        found = self.fits.get(key, self)
        if found is self:
            cluster = self.ruleset.clusters.get(number)
            found = self.fits[key] = None if cluster is None else fit_cluster(cluster, assessment)
        return found

    def tallies_at(self, assessment: Assessment) -> Callable[[int], Tally | None]:
        """``tally(cluster)`` at ``assessment``: its fit's `Tally` (None: no grid), counted from
        the tables (`tallies`) without checking its rows when the ratings allow."""
        count = self.counters.get(assessment.date)
        if count is None:
            count = counter(self.ruleset, assessment.ratings)
            if count is None:
                def count(number: int) -> Tally | None:
                    candidate = self.fit(number, assessment)
                    return None if candidate is None else candidate.tally
            self.counters[assessment.date] = count
        return count

    def step(self, direction: str, assessment: Assessment) -> StepFit:
        """`stepfit.step_fit` of the current cluster at ``assessment`` in ``direction``."""
        ranked = self.ranked.get(assessment.date)
        if ranked is None:
            ranked = self.ranked[assessment.date] = best_fit(self.ruleset, self.cluster,
                                                             self.tallies_at(assessment))
        return step_fit(self.cluster, direction, assessment, ranked, self.undecided)

    def undecided(self, number: int, assessment: Assessment) -> tuple[RowCheck, ...]:
        """Cluster ``number``'s red and orange rows that unknown ratings leave undecided at
        ``assessment``, as its fit's `Candidate.unknown_rows` (without building the fit)."""
        return row_checks(plan(self.ruleset.clusters[number].grid), assessment.ratings,
                          ("red", "orange"))


@attrs.frozen
class Window:
    """The assessments a "for the past D" condition considers (see the module docstring)."""

    start: dt.date
    end: dt.date
    considered: tuple[Assessment, ...]
    covered: bool

    def gap(self) -> Unknown | None:
        """Why the history does not cover the window (None when it does)."""
        if self.covered:
            return None
        if self.considered:
            reason = (f"history starts {self.considered[0].date.isoformat()}, after the window "
                      f"start {self.start.isoformat()}")
        else:
            reason = f"no assessment on or before {self.end.isoformat()}"
        return Unknown("history", "assessments", reason)

    def span_text(self) -> str:
        return f"from {self.start.isoformat()} to {self.end.isoformat()}"


def window(record: Record, as_of: dt.date, duration: Duration) -> Window:
    """The considered assessments for ``[as_of - duration, as_of]``."""
    start = dates.window_start(as_of, duration)
    in_force = None
    inside = []
    for assessment in record.assessments:
        if assessment.date <= start:
            in_force = assessment
        elif assessment.date <= as_of:
            inside.append(assessment)
    considered = ([in_force] if in_force is not None else []) + inside
    return Window(start, as_of, tuple(considered), in_force is not None)


def dedupe(items: Iterable) -> tuple:
    return tuple(dict.fromkeys(items))


def rating_evidence(scale: str, assessment: Assessment, suffix: str = "") -> Evidence:
    when = assessment.date.isoformat()
    status = assessment.status(scale)
    if status == "rated":
        note = f"scale {scale} was {assessment.raw(scale)} on {when}"
    elif status == "not_known":
        note = f"scale {scale} rated 9 (not known) on {when}"
    else:
        note = f"scale {scale} not rated on {when}"
    return Evidence("rating", scale, assessment.raw(scale), assessment.date, note + suffix)


def rating_unknown(scale: str, assessment: Assessment) -> Unknown:
    reason = ("rated 9 (not known)" if assessment.status(scale) == "not_known" else "not rated")
    return Unknown("scale", scale, f"{reason} on {assessment.date.isoformat()}")


def first_date(start: dt.date, predicate: Callable[[dt.date], bool]) -> dt.date:
    """The first date on or after ``start`` where ``predicate`` holds (month clamping can shift
    the exact day by up to three days, so step forward a few)."""
    day = start
    for _ in range(8):
        if predicate(day):
            return day
        day += dt.timedelta(days=1)
    return day


def latest_assessment(ctx: Context) -> Assessment | None:
    return ctx.record.latest(ctx.as_of)


def no_assessment(condition, ctx: Context, requirement: str) -> Outcome:
    reason = f"no assessment on or before {ctx.as_of.isoformat()}"
    return Outcome(None, condition, reason, requirement, (),
                   (Unknown("assessment", "latest", reason),))


def all_over_window(cond, win: Window, requirement: str, steps, all_true: str) -> Outcome:
    """Kleene ``all`` over a window's assessments; a window the history does not cover is one
    more unknown. ``steps`` yields ``(value, evidence, unknowns, finding if false)`` for each
    assessment; the outcome's finding is the first false one, else ``all_true``, else the
    unknowns."""
    values: list[Truth] = []
    evidence, unknowns, first_false = [], [], None
    for value, item, found, false_finding in steps:
        values.append(value)
        evidence.append(item)
        unknowns.extend(found)
        if value is False and first_false is None:
            first_false = false_finding
    gap = win.gap()
    if gap is not None:
        values.append(None)
        unknowns.append(gap)
    value = logic.all_of(values)
    if first_false is not None:
        finding = first_false
    elif value is True:
        finding = all_true
    else:
        finding = "; ".join(str(u) for u in dedupe(unknowns))
    return Outcome(value, cond, finding, requirement, evidence,
                   dedupe(unknowns) if value is None else ())
